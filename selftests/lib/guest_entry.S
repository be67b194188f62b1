/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmtest guest-side entry points (64-bit code, run inside the guest).
 *
 * vt_exc_stubs: one 16-byte stub per vector 0..255, so the IDT entry for
 * vector v is vt_exc_stubs + 16 * v. Each stub leaves [vector, error
 * code, RIP, CS, RFLAGS, RSP, SS] on the stack (a zero error code where
 * the CPU pushes none), then vt_exc_common saves the GPRs on top of that
 * (struct vt_regs) and calls vt_guest_dispatch(). That either runs the
 * handler the test installed and returns here for the IRET, or reports
 * the unexpected event to the host and never returns.
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
	.altmacro
	.set	vec, 0
	.rept	256
	EXC_STUB %vec
	.set	vec, vec + 1
	.endr
	.noaltmacro

/*
 * The CPU aligned RSP to 16 before pushing its 5- or 6-word frame; with
 * the stub's words and the 15 GPRs below, RSP is 16-aligned again at
 * the call (7 + 15 = 22 words).
 */
vt_exc_common:
	pushq	%rax
	pushq	%rbx
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%rbp
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	movq	%rsp, %rdi
	cld
	call	vt_guest_dispatch
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rbp
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rbx
	popq	%rax
	addq	$16, %rsp		/* vector and error code */
	iretq

/* guest_code() returns here (its initial return address). */
	.globl	vt_guest_return
vt_guest_return:
	andq	$-16, %rsp
	call	vt_guest_returned
2:	cli
	hlt
	jmp	2b

/*
 * Application processors: INIT/SIPI starts an AP in real mode at
 * CS = vector << 8, IP = 0. vm_ap_trampoline_install() copies
 * vt_ap_tramp_start..vt_ap_tramp_end to that page; the code finds its
 * own base from CS, so it runs at any page below 1 MiB. It goes through
 * 32-bit protected mode (its own small GDT) into long mode with the
 * VM's page tables (vt_ap_cr3), then continues at vt_ap_start64 in the
 * binary, which switches to the VM's GDT and IDT and calls the AP's
 * entry on the AP's stack, both looked up by local APIC ID.
 */
#define TR(x)	x - vt_ap_tramp_start
#define VT_AP_MAX	8	/* VT_MAX_VCPUS */

	.code16
	.balign	16
	.globl	vt_ap_tramp_start, vt_ap_tramp_end
vt_ap_tramp_start:
	cli
	cld
	movw	%cs, %ax
	movw	%ax, %ds
	movzwl	%ax, %ebx
	shll	$4, %ebx			/* %ebx = linear base */
	leal	TR(tramp_gdt)(%ebx), %eax
	movl	%eax, TR(tramp_gdtr) + 2
	leal	TR(tramp_pm32)(%ebx), %eax
	movl	%eax, TR(tramp_far32)
	lgdtl	TR(tramp_gdtr)
	movl	$0x00000031, %eax		/* PE | ET | NE; caches on */
	movl	%eax, %cr0
	ljmpl	*TR(tramp_far32)

	.code32
tramp_pm32:
	movw	$0x10, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movl	$0x00000620, %eax		/* PAE | OSFXSR | OSXMMEXCPT */
	movl	%eax, %cr4
	movl	vt_ap_cr3, %eax
	movl	%eax, %cr3
	movl	$0xc0000080, %ecx		/* EFER.LME */
	rdmsr
	orl	$0x100, %eax
	wrmsr
	movl	$0x80010033, %eax		/* PG | WP | NE | ET | MP | PE */
	movl	%eax, %cr0
	ljmpl	*TR(tramp_far64)(%ebx)

	.balign	8
tramp_gdt:
	.quad	0
	.quad	0x00cf9b000000ffff		/* 0x08: 32-bit code */
	.quad	0x00cf93000000ffff		/* 0x10: data */
	.quad	0x00af9b000000ffff		/* 0x18: 64-bit code */
tramp_gdtr:
	.word	4 * 8 - 1
	.long	0				/* filled in at run time */
tramp_far32:
	.long	0				/* filled in at run time */
	.word	0x08
tramp_far64:
	.long	vt_ap_start64
	.word	0x18
vt_ap_tramp_end:

	.code64
vt_ap_start64:
	/* Local APIC ID from the xAPIC page (x2APIC is off after INIT). */
	movl	$0xfee00020, %eax
	movl	(%rax), %edi
	shrl	$24, %edi
	cmpl	$VT_AP_MAX, %edi
	jae	3f
	movq	vt_ap_stacks(, %rdi, 8), %rsp
	testq	%rsp, %rsp
	jz	3f
	lgdt	vt_ap_gdtr
	lidt	vt_ap_idtr
	pushq	$0x08
	leaq	1f(%rip), %rax
	pushq	%rax
	lretq
1:	movw	$0x10, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movw	%ax, %fs
	movw	%ax, %gs
	movq	vt_ap_entries(, %rdi, 8), %rax
	/* As if called: the return address is where guest code returns. */
	pushq	$vt_guest_return
	jmp	*%rax
3:	cli
	hlt
	jmp	3b

	.data
	.balign	8
	.globl	vt_ap_cr3, vt_ap_gdtr, vt_ap_idtr, vt_ap_stacks, vt_ap_entries
vt_ap_cr3:
	.quad	0
vt_ap_gdtr:
	.word	0
	.quad	0
	.balign	8
vt_ap_idtr:
	.word	0
	.quad	0
	.balign	8
vt_ap_stacks:
	.fill	VT_AP_MAX, 8, 0
vt_ap_entries:
	.fill	VT_AP_MAX, 8, 0

	.section .note.GNU-stack, "", @progbits
