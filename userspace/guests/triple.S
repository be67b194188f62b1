/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Real-mode raw guest that triple-faults: an empty IDT makes int3
 * undeliverable, the #GP and #DF that follow too, so the vCPU shuts down
 * (KVM_EXIT_SHUTDOWN).
 */
	.code16
	.text
	.globl	start
start:
	cli
	xorw	%ax, %ax
	movw	%ax, %ds
	lidt	idt_desc
	int3
1:	hlt
	jmp	1b

idt_desc:
	.word	0
	.long	0
