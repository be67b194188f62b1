/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmtest guest-side entry points (64-bit code, run inside the guest).
 *
 * vt_exc_stubs: one 16-byte stub per exception vector 0..31, so the IDT
 * entry for vector v is vt_exc_stubs + 16 * v. Each stub leaves
 * [vector, error code, RIP, CS, RFLAGS, RSP, SS] on the stack and hands
 * it to vt_guest_exception(), which reports it to the host and halts.
 */
	.text

	.macro EXC_STUB vec
	.balign 16
	.if (\vec == 8) || (\vec == 10) || (\vec == 11) || (\vec == 12) || \
	    (\vec == 13) || (\vec == 14) || (\vec == 17) || (\vec == 21) || \
	    (\vec == 29) || (\vec == 30)
	/* the CPU pushed an error code */
	.else
	pushq	$0
	.endif
	pushq	$\vec
	jmp	vt_exc_common
	.endm

	.balign 16
	.globl	vt_exc_stubs
vt_exc_stubs:
	.irp	v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	EXC_STUB \v
	.endr

vt_exc_common:
	movq	%rsp, %rdi
	andq	$-16, %rsp
	call	vt_guest_exception
1:	cli
	hlt
	jmp	1b

/* guest_code() returns here (its initial return address). */
	.globl	vt_guest_return
vt_guest_return:
	andq	$-16, %rsp
	call	vt_guest_returned
2:	cli
	hlt
	jmp	2b

	.section .note.GNU-stack, "", @progbits
