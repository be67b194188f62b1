// SPDX-License-Identifier: GPL-2.0
/*
 * Exercises the exits vmon-run turns into device accesses, and checks the
 * values the runner promises: string I/O to the serial port (one exit with
 * count > 1), reads of an unhandled port (all-ones), MMIO above RAM (reads
 * all-ones, writes ignored). Returns the number of the first failing check,
 * 0 if all pass.
 */
#include "guest.h"

#define UNHANDLED_PORT	0x80
/* Above any RAM vmon-run gives by default, inside its 4 GiB identity map. */
#define MMIO_ADDR	0xd0000000UL

static int check(int n, const char *what, uint64_t got, uint64_t want)
{
	puts_serial(what);
	puts_serial(": ");
	puthex(got);
	if (got == want) {
		puts_serial(" ok\n");
		return 0;
	}
	puts_serial(" fail, expected ");
	puthex(want);
	puts_serial("\n");
	return n;
}

int main(void)
{
	static const char msg[] = "rep outsb to the serial port ok\n";
	const char *src = msg;
	uint64_t count = sizeof(msg) - 1;
	volatile uint32_t *mmio32 = (volatile uint32_t *)MMIO_ADDR;
	volatile uint8_t *mmio8 = (volatile uint8_t *)(MMIO_ADDR + 0x11);
	int bad = 0;

	asm volatile("cld; rep outsb"
		     : "+S"(src), "+c"(count)
		     : "d"((uint16_t)SERIAL_PORT)
		     : "memory");
	bad = bad ? bad : check(1, "rep outsb count left", count, 0);
	bad = bad ? bad : check(2, "serial LSR", inb(SERIAL_LSR), 0x60);

	outb(UNHANDLED_PORT, 0x12);
	bad = bad ? bad : check(3, "inb unhandled port", inb(UNHANDLED_PORT),
				0xff);
	bad = bad ? bad : check(4, "inl unhandled port", inl(UNHANDLED_PORT),
				0xffffffff);

	*mmio32 = 0x12345678;
	bad = bad ? bad : check(5, "MMIO read32", *mmio32, 0xffffffff);
	bad = bad ? bad : check(6, "MMIO read8", *mmio8, 0xff);

	puts_serial(bad ? "devices: FAIL\n" : "devices: all ok\n");
	return bad;
}
