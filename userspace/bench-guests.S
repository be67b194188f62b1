/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest code for vmon-bench, kept as data in the host binary: vmon-bench
 * copies one routine to guest-physical BENCH_CODE and starts it in 64-bit
 * mode (libvmon's identity map) with the arguments in RDI/RSI. The code is
 * position-independent and uses no stack.
 *
 * Ports: 0xf5 "done" (one exit to userspace after the measured loop),
 *        0xf6 the port the PIO benchmark hammers.
 */
	.section .rodata, "a"
	.code64

	/* RDI = iterations. CPUID is handled in the kernel; only the final
	 * OUT reaches userspace. */
	.globl	bench_cpuid, bench_cpuid_end
bench_cpuid:
1:	xorl	%eax, %eax
	xorl	%ecx, %ecx
	cpuid
	decq	%rdi
	jnz	1b
	outb	%al, $0xf5
	hlt
bench_cpuid_end:

	/* RDI = iterations, each one an exit to userspace. */
	.globl	bench_pio, bench_pio_end
bench_pio:
1:	outb	%al, $0xf6
	decq	%rdi
	jnz	1b
	hlt
bench_pio_end:

	/* RDI = first address, RSI = pages: one byte written per 4 KiB page. */
	.globl	bench_touch, bench_touch_end
bench_touch:
1:	movb	$1, (%rdi)
	addq	$4096, %rdi
	decq	%rsi
	jnz	1b
	outb	%al, $0xf5
	hlt
bench_touch_end:

	.section .note.GNU-stack, "", @progbits
