/* SPDX-License-Identifier: GPL-2.0 */
/* Shared by the guests and their start code: vmon-run's device ports. */
#ifndef GUEST_H
#define GUEST_H

#define SERIAL_PORT	0x3f8
#define SERIAL_LSR	(SERIAL_PORT + 5)
#define EXIT_PORT	0xf4

#ifndef __ASSEMBLER__
#include <stdint.h>

static inline void outb(uint16_t port, uint8_t v)
{
	asm volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
	asm volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;

	asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	asm volatile("cpuid"
		     : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
		     : "a"(leaf), "c"(sub));
}

void putc_serial(char c);
void puts_serial(const char *s);
void puthex(uint64_t v);

#endif /* __ASSEMBLER__ */
#endif /* GUEST_H */
