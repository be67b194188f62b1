/* SPDX-License-Identifier: GPL-2.0 */
/* Real-mode raw guest that never exits: for vmon-run --timeout. */
	.code16
	.text
	.globl	start
start:
	cli
1:	jmp	1b
