// SPDX-License-Identifier: GPL-2.0
/*
 * The sample 64-bit guest: serial output, CPUID, and a memory pattern
 * check over RAM that no one has touched before (so every page takes a
 * nested page fault first). Returns 0 (exit port) when all is well.
 */
#include "guest.h"

extern char _end[];

#define PATTERN_BYTES	(1UL << 20)

static int check_memory(void)
{
	/* Start past the image, on a fresh 2 MiB boundary. */
	uint64_t base = ((uint64_t)_end + (2UL << 20) - 1) & ~((2UL << 20) - 1);
	volatile uint64_t *p = (volatile uint64_t *)base;
	uint64_t i, page, n = PATTERN_BYTES / 8;

	puts_serial("memory pattern ");
	puthex(base);
	puts_serial("-");
	puthex(base + PATTERN_BYTES);
	puts_serial(": ");
	/*
	 * Page by page, so that RAM which is not there (MMIO: writes
	 * dropped, reads all-ones) fails after one page, not a million exits.
	 */
	for (page = 0; page < n; page += 512) {
		for (i = page; i < page + 512; i++)
			p[i] = (base + i * 8) ^ 0x5a5aa5a5c3c33c3cULL;
		for (i = page; i < page + 512; i++) {
			if (p[i] != ((base + i * 8) ^ 0x5a5aa5a5c3c33c3cULL)) {
				puts_serial("fail at ");
				puthex(base + i * 8);
				puts_serial("\n");
				return 1;
			}
		}
	}
	puts_serial("ok\n");
	return 0;
}

int main(void)
{
	uint32_t r[4];
	char vendor[13];
	int i;

	puts_serial("Hello from a vmon guest\n");

	cpuid(0, 0, r);
	for (i = 0; i < 4; i++) {
		vendor[i] = r[1] >> (8 * i);
		vendor[4 + i] = r[3] >> (8 * i);
		vendor[8 + i] = r[2] >> (8 * i);
	}
	vendor[12] = 0;
	puts_serial("CPUID vendor: ");
	puts_serial(vendor);
	puts_serial(", max leaf ");
	puthex(r[0]);
	puts_serial("\n");
	if (!vendor[0]) {
		puts_serial("CPUID leaf 0 returned no vendor: fail\n");
		return 1;
	}

	if (check_memory())
		return 2;
	puts_serial("bye\n");
	return 0;
}
