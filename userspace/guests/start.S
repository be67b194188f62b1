/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Entry of the 64-bit guests. vmon-run starts us in long mode with RSP at
 * the top of RAM (16-byte aligned); main()'s return value goes to the exit
 * port, and hlt stays as a fallback for a runner without one.
 */
#include "guest.h"

	.section .text.start, "ax"
	.globl _start
_start:
	andq	$-16, %rsp
	call	main
	outb	%al, $EXIT_PORT
1:	hlt
	jmp	1b
