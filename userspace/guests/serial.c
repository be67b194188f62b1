// SPDX-License-Identifier: GPL-2.0
/* Polled 16550 output, the only console the 64-bit guests have. */
#include "guest.h"

void putc_serial(char c)
{
	/* Wait for THR empty like on real hardware; vmon-run says 0x60. */
	while (!(inb(SERIAL_LSR) & 0x20))
		;
	outb(SERIAL_PORT, c);
}

void puts_serial(const char *s)
{
	while (*s)
		putc_serial(*s++);
}

void puthex(uint64_t v)
{
	int shift;

	puts_serial("0x");
	for (shift = 60; shift > 0 && !(v >> shift); shift -= 4)
		;
	for (; shift >= 0; shift -= 4)
		putc_serial("0123456789abcdef"[(v >> shift) & 0xf]);
}
