/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Starts in real mode at 0x7c00 like hello16, switches to 32-bit protected
 * mode itself (lgdt, CR0.PE, far jump), prints a line and writes 0 to the
 * exit port: the guest-driven mode change is what this one tests.
 */
	.code16
	.text
	.globl	start
start:
	cli
	xorw	%ax, %ax
	movw	%ax, %ds
	lgdtl	gdt_desc
	movl	%cr0, %eax
	orl	$1, %eax
	movl	%eax, %cr0
	ljmpl	$0x08, $pm32

	.code32
pm32:
	movw	$0x10, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movl	$0x7c00, %esp
	movl	$msg, %esi
	cld
next:
	lodsb
	testb	%al, %al
	jz	done
	movb	%al, %bl
	movw	$0x3fd, %dx
1:	inb	%dx, %al
	testb	$0x20, %al
	jz	1b
	movw	$0x3f8, %dx
	movb	%bl, %al
	outb	%al, %dx
	jmp	next
done:
	movl	%cr0, %eax		/* report failure if PE did not stick */
	andl	$1, %eax
	xorb	$1, %al
	outb	%al, $0xf4
1:	hlt
	jmp	1b

	.balign	8
gdt:
	.quad	0
	.quad	0x00cf9a000000ffff	/* 0x08: 32-bit code, flat */
	.quad	0x00cf92000000ffff	/* 0x10: 32-bit data, flat */
gdt_end:
gdt_desc:
	.word	gdt_end - gdt - 1
	.long	gdt

msg:	.asciz	"Hello from a vmon 32-bit protected-mode guest\n"
