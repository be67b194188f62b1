/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guests of the interrupt benchmarks (bench-irq.c): one blob copied to
 * IRQB_CODE, entered in 64-bit mode at one of the *_main labels, with the
 * IDT the host builds at IRQB_IDT pointing into it. Everything goes
 * through the x2APIC MSRs; absolute addresses are those of bench-irq.h.
 *
 * Waiting is "cli; check; sti; hlt": an interrupt that arrives after the
 * check stays pending until STI, and STI's one-instruction shadow makes
 * HLT return at once, so no wake-up is lost.
 */
#include "bench-irq.h"

#define MSR_APIC_BASE	0x1b
#define MSR_TSC_DEADLINE 0x6e0
#define MSR_X2APIC_EOI	0x80b
#define MSR_X2APIC_SVR	0x80f
#define MSR_X2APIC_ICR	0x830
#define MSR_X2APIC_LVTT	0x832
#define APIC_BASE_EN_EXTD 0xc00
#define LVTT_TSCDEADLINE (2 << 17)
#define ICR_ASSERT	(1 << 14)

	.section .rodata, "a"
	.code64
	.balign	16
	.globl	bench_irq_code, bench_irq_code_end
	.globl	bench_irq_stubs
	.globl	irqb_ipi_main0, irqb_ipi_main1, irqb_ipi_handler0, irqb_ipi_handler1, irqb_ipi_stop
	.globl	irqb_irqfd_main, irqb_irqfd_handler, irqb_timer_main, irqb_timer_handler
bench_irq_code:

/*
 * One stub per vector for everything the benchmark does not expect
 * (exceptions included): report the vector and stop.
 */
bench_irq_stubs:
	vec = 0
	.rept	256
	.balign	IRQB_STUB_SIZE
	movb	$vec, %al
	outb	%al, $IRQB_BAD_PORT
	cli
	hlt
	jmp	. - 2
	vec = vec + 1
	.endr

/* x2APIC mode, software-enabled, spurious vector 0xff. Clobbers EAX-EDX. */
x2apic_on:
	movl	$MSR_APIC_BASE, %ecx
	rdmsr
	orl	$APIC_BASE_EN_EXTD, %eax
	wrmsr
	movl	$MSR_X2APIC_SVR, %ecx
	movl	$0x1ff, %eax
	xorl	%edx, %edx
	wrmsr
	ret

eoi:
	movl	$MSR_X2APIC_EOI, %ecx
	xorl	%eax, %eax
	xorl	%edx, %edx
	wrmsr
	ret

/* Fixed IPI, physical destination: EAX = vector, EDX = x2APIC ID. */
send_ipi:
	orl	$ICR_ASSERT, %eax
	movl	$MSR_X2APIC_ICR, %ecx
	wrmsr
	ret

/* Sleep until the 64-bit counter at (%rbx) reaches %r8. IF = 0 on return. */
wait_count:
1:	cmpq	%r8, (%rbx)
	jae	2f
	sti
	hlt
	cli
	jmp	1b
2:	ret

/*
 * IPI ping-pong, vCPU 0. RDI = warm-up round trips, RSI = measured ones.
 * Each round trip: IPI1 to vCPU 1, whose handler answers with IPI0; sleep
 * until our handler has counted it. MARK_PORT between the two phases.
 * An IPI to an APIC still software-disabled would be dropped: wait for
 * vCPU 1 to say its APIC is on.
 */
irqb_ipi_main0:
	call	x2apic_on
1:	pause
	cmpq	$0, IRQB_READY
	je	1b
	movl	$IRQB_COUNT0, %ebx
	xorl	%r8d, %r8d
	movq	%rdi, %r9
	call	ipi_rounds
	outb	%al, $IRQB_MARK_PORT
	addq	%rsi, %r9
	call	ipi_rounds
	movq	$1, IRQB_STOP
	movl	$IRQB_VEC_STOP, %eax
	movl	$1, %edx
	call	send_ipi
	outb	%al, $IRQB_DONE_PORT
	cli
	hlt

/* Round trips until %r8 (COUNT0 so far) reaches %r9. */
ipi_rounds:
1:	cmpq	%r9, %r8
	jae	2f
	movl	$IRQB_VEC_IPI1, %eax
	movl	$1, %edx
	call	send_ipi
	incq	%r8
	call	wait_count
	jmp	1b
2:	ret

/* vCPU 1: answer IPIs until vCPU 0 sets IRQB_STOP. */
irqb_ipi_main1:
	call	x2apic_on
	movq	$1, IRQB_READY
1:	sti
	hlt
	cli
	cmpq	$0, IRQB_STOP
	je	1b
	outb	%al, $IRQB_DONE_PORT
	cli
	hlt

irqb_ipi_handler0:
	pushq	%rax
	pushq	%rcx
	pushq	%rdx
	incq	IRQB_COUNT0
	call	eoi
	popq	%rdx
	popq	%rcx
	popq	%rax
	iretq

irqb_ipi_handler1:
	pushq	%rax
	pushq	%rcx
	pushq	%rdx
	incq	IRQB_COUNT1
	call	eoi
	movl	$IRQB_VEC_IPI0, %eax
	xorl	%edx, %edx
	call	send_ipi
	popq	%rdx
	popq	%rcx
	popq	%rax
	iretq

irqb_ipi_stop:
	pushq	%rax
	pushq	%rcx
	pushq	%rdx
	call	eoi
	popq	%rdx
	popq	%rcx
	popq	%rax
	iretq

/*
 * irqfd: RDI = interrupts to take. ACK_PORT once when ready (the MSI of a
 * software-disabled APIC would be dropped), then from each handler.
 */
irqb_irqfd_main:
	call	x2apic_on
	outb	%al, $IRQB_ACK_PORT
	movl	$IRQB_COUNT0, %ebx
	movq	%rdi, %r8
	call	wait_count
	outb	%al, $IRQB_DONE_PORT
	cli
	hlt

irqb_irqfd_handler:
	pushq	%rax
	pushq	%rcx
	pushq	%rdx
	incq	IRQB_COUNT0
	call	eoi
	outb	%al, $IRQB_ACK_PORT
	popq	%rdx
	popq	%rcx
	popq	%rax
	iretq

/*
 * TSC-deadline timer, re-armed by its handler to expire at once, until the
 * host sets IRQB_STOP. The handler counts deadlines not yet reached by the
 * TSC when the interrupt arrived (IRQB_EARLY). The next interrupt comes
 * right at the handler's IRETQ, so the main loop runs only once the
 * handler stops re-arming: the handler must look at IRQB_STOP itself.
 */
irqb_timer_main:
	call	x2apic_on
	movl	$MSR_X2APIC_LVTT, %ecx
	movl	$(LVTT_TSCDEADLINE | IRQB_VEC_TIMER), %eax
	xorl	%edx, %edx
	wrmsr
	call	timer_arm
1:	cmpq	$0, IRQB_STOP
	jne	2f
	sti
	hlt
	cli
	jmp	1b
2:	movl	$MSR_TSC_DEADLINE, %ecx
	xorl	%eax, %eax
	xorl	%edx, %edx
	wrmsr
	outb	%al, $IRQB_DONE_PORT
	cli
	hlt

timer_arm:
	rdtsc
	shlq	$32, %rdx
	orq	%rax, %rdx
	movq	%rdx, IRQB_DEADLINE
	movq	%rdx, %rax
	shrq	$32, %rdx
	movl	$MSR_TSC_DEADLINE, %ecx
	wrmsr
	ret

irqb_timer_handler:
	pushq	%rax
	pushq	%rcx
	pushq	%rdx
	rdtsc
	shlq	$32, %rdx
	orq	%rax, %rdx
	cmpq	IRQB_DEADLINE, %rdx
	jae	1f
	incq	IRQB_EARLY
1:	incq	IRQB_COUNT0
	call	eoi
	cmpq	$0, IRQB_STOP
	jne	2f
	call	timer_arm
2:	popq	%rdx
	popq	%rcx
	popq	%rax
	iretq
bench_irq_code_end:

	.section .note.GNU-stack, "", @progbits
