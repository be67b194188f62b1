/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest for taskswitch_test: 32-bit protected mode, flat CS 0x08 and
 * DS 0x10, paging off; the GDT, IDT and TSSs are built by the host (see
 * the layout in taskswitch_test.c). Each ts_main_* entry is a scenario
 * the host starts at; the tasks report with "out %eax" to port 0x10
 * (task reached by JMP), 0x11 (task reached by CALL/INT/exception) or
 * 0x12 (back in the first task), and the exception stubs report with
 * ECX = vector, EAX = error code on port 0x13. Label differences only:
 * the code runs wherever the host loads it.
 */
	.section .rodata.vmtest_blobs, "a"
	.code32

	.macro	setregs
	mov	$0x11111111, %eax
	mov	$0x22222222, %ecx
	mov	$0x33333333, %edx
	mov	$0x44444444, %ebx
	mov	$0x55555555, %ebp
	mov	$0x66666666, %esi
	mov	$0x77777777, %edi
	.endm

	.globl	ts_blob_start, ts_blob_end
ts_blob_start:

	.globl	ts_main_jmp, ts_after_jmp
ts_main_jmp:
	setregs
	ljmp	$0x20, $0
ts_after_jmp:
	hlt

	.globl	ts_main_jmp16, ts_after_jmp16
ts_main_jmp16:
	setregs
	ljmp	$0x40, $0		/* a 16-bit TSS */
ts_after_jmp16:
	hlt

	.globl	ts_main_call, ts_after_call
ts_main_call:
	setregs
	lcall	$0x48, $0		/* task gate in the GDT -> 0x28 */
ts_after_call:
	out	%eax, $0x12
	hlt

	.globl	ts_main_int, ts_after_int
ts_main_int:
	setregs
	int	$0x40			/* task gate in the IDT -> 0x30 */
ts_after_int:
	out	%eax, $0x12
	hlt

	.globl	ts_main_gp, ts_gp_insn
ts_main_gp:
	setregs
	mov	$0x1f8, %esi		/* beyond the GDT limit: #GP(0x1f8) */
ts_gp_insn:
	mov	%si, %ds
	hlt

	.globl	ts_main_de, ts_de_insn
ts_main_de:
	setregs
	xor	%edx, %edx
	xor	%ecx, %ecx		/* divide by zero: #DE */
ts_de_insn:
	div	%ecx
	hlt

	.globl	ts_main_np
ts_main_np:
	ljmp	$0x50, $0		/* TSS not present: #NP(0x50) */
	hlt

	.globl	ts_main_busy
ts_main_busy:
	ljmp	$0x18, $0		/* our own, busy TSS: #GP(0x18) */
	hlt

	.globl	ts_main_badcs
ts_main_badcs:
	ljmp	$0x58, $0		/* its CS is a data segment: #TS(0x10) */
	hlt

	.globl	ts_main_getsec
ts_main_getsec:
	.byte	0x0f, 0x37		/* GETSEC with CR4.SMXE = 0: #UD */
	hlt

	.globl	ts_main_smxe
ts_main_smxe:
	mov	%cr4, %eax
	or	$0x4000, %eax		/* CR4.SMXE without SMX: #GP(0) */
	mov	%eax, %cr4
	hlt

/* The task reached by JMP: its registers come from its TSS. */
	.globl	ts_task_a
ts_task_a:
	out	%eax, $0x10
	hlt

/* A nested task (CALL, INT n): report, then return with IRET (NT = 1). */
	.globl	ts_task_b, ts_after_iret
ts_task_b:
	out	%eax, $0x11
	mov	$0xbbbbbbbb, %eax
	iret
ts_after_iret:
	hlt

/* The #GP task: the error code is on its stack. */
	.globl	ts_task_d
ts_task_d:
	pop	%eax
	out	%eax, $0x11
	hlt

	.globl	ts_stub_ud, ts_stub_ts, ts_stub_np, ts_stub_gp
ts_stub_ud:
	mov	$6, %ecx
	xor	%eax, %eax
	out	%eax, $0x13
	hlt
ts_stub_ts:
	mov	$10, %ecx
	pop	%eax
	out	%eax, $0x13
	hlt
ts_stub_np:
	mov	$11, %ecx
	pop	%eax
	out	%eax, $0x13
	hlt
ts_stub_gp:
	mov	$13, %ecx
	pop	%eax
	out	%eax, $0x13
	hlt
ts_blob_end:

	.section .note.GNU-stack, "", @progbits
