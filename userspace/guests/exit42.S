/* SPDX-License-Identifier: GPL-2.0 */
/* Real-mode raw guest that ends the run with status 42 via the exit port. */
	.code16
	.text
	.globl	start
start:
	movb	$42, %al
	outb	%al, $0xf4
1:	hlt
	jmp	1b
