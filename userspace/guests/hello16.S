/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Real-mode raw guest: vmon-run loads it at 0x7c00 with CS = DS = 0 and
 * IP = 0x7c00. Prints one line on the serial port and halts.
 */
	.code16
	.text
	.globl	start
start:
	cli
	xorw	%ax, %ax
	movw	%ax, %ds
	cld
	movw	$msg, %si
next:
	lodsb
	testb	%al, %al
	jz	done
	movb	%al, %bl
	movw	$0x3fd, %dx		/* LSR: wait for THR empty */
1:	inb	%dx, %al
	testb	$0x20, %al
	jz	1b
	movw	$0x3f8, %dx
	movb	%bl, %al
	outb	%al, %dx
	jmp	next
done:
	hlt
	jmp	done

msg:	.asciz	"Hello from a vmon real-mode guest\n"
