/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest blobs for the CPU-mode tests. They are data to the test binary
 * (.rodata); label differences keep them independent of where they are
 * linked.
 */
	.section .rodata.vmtest_blobs, "a"

/*
 * rm_fib: real mode, CS=DS=SS=load>>4, IP=0, SP set by the host.
 * Computes fib(24) = 46368 (0xb520) in a subroutine that uses the stack,
 * stores it at offset rm_fib_result, writes it with "out %ax" to port
 * 0x10, writes the low byte of the stored copy to port 0x11 with
 * "out %al, imm8", then HLTs.
 */
	.code16
	.globl	rm_fib_start, rm_fib_end
rm_fib_start:
	mov	$24, %cx
	call	1f
	mov	%ax, (rm_fib_result - rm_fib_start)
	mov	$0x10, %dx
	out	%ax, %dx
	xor	%ax, %ax
	movb	(rm_fib_result - rm_fib_start), %al
	out	%al, $0x11
	hlt
	.globl	rm_fib_after_hlt
rm_fib_after_hlt:
	/* fib(cx) in ax; clobbers bx, cx */
1:	push	%dx
	xor	%ax, %ax
	mov	$1, %bx
2:	mov	%ax, %dx
	add	%bx, %dx
	mov	%bx, %ax
	mov	%dx, %bx
	loop	2b
	pop	%dx
	ret
rm_fib_result:
	.word	0
rm_fib_end:

/*
 * pm32_sum: 32-bit protected mode, flat segments, no paging; EBX = load
 * address, ESP set by the host. Multiplies the four dwords at pm32_table
 * (3 * 5 * 7 * 0x01000001 = 0x69000069), adds 0x11111111 in a subroutine
 * (result 0x7a11117a), stores the result at pm32_result, writes it with
 * "out %eax, %dx" to port 0x10, then HLTs.
 */
	.code32
	.globl	pm32_sum_start, pm32_sum_end
pm32_sum_start:
	lea	(pm32_table - pm32_sum_start)(%ebx), %esi
	mov	$1, %eax
	mov	$4, %ecx
1:	imul	(%esi), %eax
	add	$4, %esi
	loop	1b
	push	%eax
	call	2f
	add	$4, %esp
	mov	%eax, (pm32_result - pm32_sum_start)(%ebx)
	mov	$0x10, %dx
	out	%eax, %dx
	hlt
2:	mov	4(%esp), %eax
	add	$0x11111111, %eax
	ret
	.balign	4
pm32_table:
	.long	3, 5, 7, 0x01000001
pm32_result:
	.long	0
pm32_sum_end:

/*
 * rm_to_pm32: starts in real mode with CS=DS=SS=0x100 (load at 0x1000,
 * RM_TO_PM32_LOAD), IP=0; loads its own GDT, sets CR0.PE, far-jumps to
 * 32-bit code, reloads DS/ES/SS with a flat data selector, and writes
 * CR0 (low 32 bits) with "out %eax" to port 0x10 and the DS selector to
 * port 0x12 (16 bits), then HLTs.
 */
	.code16
	.globl	rm_to_pm32_start, rm_to_pm32_end
rm_to_pm32_start:
	cli
	lgdtl	(rmpm_gdtr - rm_to_pm32_start)
	mov	%cr0, %eax
	or	$1, %eax
	mov	%eax, %cr0
	ljmpl	$0x08, $(0x1000 + rmpm_32 - rm_to_pm32_start)
	.code32
rmpm_32:
	mov	$0x10, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	$0x8000, %esp
	mov	%cr0, %eax
	mov	$0x10, %dx
	out	%eax, %dx
	mov	%ds, %ax
	mov	$0x12, %dx
	out	%ax, %dx
	hlt
	.balign	8
rmpm_gdt:
	.quad	0
	.quad	0x00cf9b000000ffff	/* 0x08: code, base 0, 4 GiB, 32-bit */
	.quad	0x00cf93000000ffff	/* 0x10: data, base 0, 4 GiB */
rmpm_gdtr:
	.word	3 * 8 - 1
	.long	0x1000 + rmpm_gdt - rm_to_pm32_start
rm_to_pm32_end:

/*
 * rm_triple_fault: real mode; loads an IDT with limit 0 and executes
 * "int $3": the #BP cannot be delivered, nor can the #DF it escalates to
 * (real mode has no #DF delivery once the IVT is unusable): shutdown.
 */
	.code16
	.globl	rm_triple_fault_start, rm_triple_fault_end
rm_triple_fault_start:
	lidtl	(rmtf_idtr - rm_triple_fault_start)
	int3
	hlt
rmtf_idtr:
	.word	0
	.long	0
rm_triple_fault_end:

	.code64
	.section .note.GNU-stack, "", @progbits
