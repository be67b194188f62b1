/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest-side helpers for interrupt tests: IF, HLT, TSC, MSRs, the local
 * APIC (xAPIC page and x2APIC MSRs) and the IOAPIC, all as static inlines
 * so that they are plain guest code. Register offsets and bits are the
 * SDM's (Vol. 3, "Advanced Programmable Interrupt Controller") and the
 * 82093AA IOAPIC's.
 */
#ifndef VT_APIC_H
#define VT_APIC_H

#include "vmtest.h"

#define MSR_IA32_APICBASE	0x1b
#define  APICBASE_BSP		(1ULL << 8)
#define  APICBASE_EXTD		(1ULL << 10)	/* x2APIC mode */
#define  APICBASE_EN		(1ULL << 11)
#define MSR_IA32_TSC_DEADLINE	0x6e0
#define MSR_X2APIC_BASE		0x800

#define APIC_DEFAULT_GPA	0xfee00000ULL

#define APIC_ID		0x20
#define APIC_LVR	0x30
#define APIC_TASKPRI	0x80
#define APIC_PROCPRI	0xa0
#define APIC_EOI	0xb0
#define APIC_LDR	0xd0
#define APIC_DFR	0xe0
#define APIC_SPIV	0xf0
#define  APIC_SPIV_ENABLE	(1u << 8)
#define APIC_ISR	0x100
#define APIC_TMR	0x180
#define APIC_IRR	0x200
#define APIC_ESR	0x280
#define APIC_ICR	0x300
#define APIC_ICR2	0x310
#define APIC_LVTT	0x320
#define APIC_LVT0	0x350
#define APIC_LVT1	0x360
#define APIC_LVTERR	0x370
#define APIC_TMICT	0x380
#define APIC_TMCCT	0x390
#define APIC_TDCR	0x3e0
#define APIC_SELF_IPI	0x3f0		/* x2APIC only */

/* LVT and ICR bits. */
#define APIC_LVT_MASKED		(1u << 16)
#define APIC_LVT_TIMER_ONESHOT	(0u << 17)
#define APIC_LVT_TIMER_PERIODIC	(1u << 17)
#define APIC_LVT_TIMER_TSCDEADLINE (2u << 17)
#define APIC_TDCR_DIV1		0xb
#define APIC_DM_FIXED		(0u << 8)
#define APIC_DM_NMI		(4u << 8)
#define APIC_DM_INIT		(5u << 8)
#define APIC_DM_STARTUP		(6u << 8)
#define APIC_DEST_LOGICAL	(1u << 11)
#define APIC_ICR_BUSY		(1u << 12)
#define APIC_INT_ASSERT		(1u << 14)
#define APIC_INT_LEVELTRIG	(1u << 15)
#define APIC_DEST_SELF		(1u << 18)
#define APIC_DEST_ALLINC	(2u << 18)
#define APIC_DEST_ALLBUT	(3u << 18)

/* KVM's local APIC timer counts at 1 GHz (divide-by-1). */
#define APIC_BUS_HZ		1000000000ULL

#define IOAPIC_DEFAULT_GPA	0xfec00000ULL
#define IOAPIC_REGSEL		0x00
#define IOAPIC_WINDOW		0x10
#define IOAPIC_REG_ID		0x00
#define IOAPIC_REG_VER		0x01
#define IOAPIC_REG_RTE(pin)	(0x10 + 2 * (pin))
#define IOAPIC_RTE_LEVEL	(1u << 15)
#define IOAPIC_RTE_REMOTE_IRR	(1u << 14)
#define IOAPIC_RTE_MASKED	(1u << 16)

static inline void wrmsr(u32 msr, u64 v)
{
	asm volatile("wrmsr" : : "c"(msr), "a"((u32)v), "d"((u32)(v >> 32))
		     : "memory");
}

static inline u64 rdtsc(void)
{
	u32 lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return lo | ((u64)hi << 32);
}

static inline void cli(void)
{
	asm volatile("cli" : : : "memory");
}

static inline void sti(void)
{
	asm volatile("sti" : : : "memory");
}

/* STI's shadow covers HLT: an interrupt can only end the HLT itself. */
static inline void safe_halt(void)
{
	asm volatile("sti; hlt" : : : "memory");
}

/*
 * HLT until @cond holds, testing it with IF=0: "sti; hlt" then lets an
 * interrupt in only at the HLT (STI with IF=0 opens a one-instruction
 * shadow), so the interrupt that makes @cond true cannot slip in between
 * the test and the HLT and leave the vCPU halted for good. (A bare loop of
 * safe_halt() re-runs STI with IF already 1, which opens no shadow.)
 * Returns with IF=0.
 */
#define halt_until(cond) do {						\
	cli();								\
	while (!(cond)) {						\
		safe_halt();						\
		cli();							\
	}								\
} while (0)

/* Let pending interrupts in for one instruction after the STI shadow. */
static inline void sti_nop_cli(void)
{
	asm volatile("sti; nop; cli" : : : "memory");
}

static inline u64 read_rflags(void)
{
	u64 f;

	asm volatile("pushfq; popq %0" : "=r"(f));
	return f;
}

static inline void cpu_relax(void)
{
	asm volatile("pause" : : : "memory");
}

/* xAPIC: the MMIO page (identity-mapped by vm_create()). */
static inline u32 xapic_read(u32 reg)
{
	return *(volatile u32 *)(APIC_DEFAULT_GPA + reg);
}

static inline void xapic_write(u32 reg, u32 v)
{
	*(volatile u32 *)(APIC_DEFAULT_GPA + reg) = v;
}

/* Software-enable the APIC with spurious vector 0xff. */
static inline void xapic_enable(void)
{
	xapic_write(APIC_SPIV, APIC_SPIV_ENABLE | 0xff);
}

static inline u32 xapic_id(void)
{
	return xapic_read(APIC_ID) >> 24;
}

static inline void xapic_eoi(void)
{
	xapic_write(APIC_EOI, 0);
}

/* Send an IPI and wait (bounded) for the ICR's delivery status. */
static inline void xapic_send_ipi(u32 dest, u32 icr)
{
	int i;

	xapic_write(APIC_ICR2, dest << 24);
	xapic_write(APIC_ICR, icr);
	for (i = 0; i < 1000000 && (xapic_read(APIC_ICR) & APIC_ICR_BUSY); i++)
		cpu_relax();
}

/* x2APIC: MSRs 0x800 + reg / 16. */
static inline u64 x2apic_read(u32 reg)
{
	return rdmsr(MSR_X2APIC_BASE + (reg >> 4));
}

static inline void x2apic_write(u32 reg, u64 v)
{
	wrmsr(MSR_X2APIC_BASE + (reg >> 4), v);
}

static inline void x2apic_enable(void)
{
	wrmsr(MSR_IA32_APICBASE, rdmsr(MSR_IA32_APICBASE) | APICBASE_EN |
	      APICBASE_EXTD);
	x2apic_write(APIC_SPIV, APIC_SPIV_ENABLE | 0xff);
}

/* IOAPIC: index/data pair. */
static inline u32 ioapic_read(u32 reg)
{
	*(volatile u32 *)(IOAPIC_DEFAULT_GPA + IOAPIC_REGSEL) = reg;
	return *(volatile u32 *)(IOAPIC_DEFAULT_GPA + IOAPIC_WINDOW);
}

static inline void ioapic_write(u32 reg, u32 v)
{
	*(volatile u32 *)(IOAPIC_DEFAULT_GPA + IOAPIC_REGSEL) = reg;
	*(volatile u32 *)(IOAPIC_DEFAULT_GPA + IOAPIC_WINDOW) = v;
}

/* Route IOAPIC @pin to @vector at APIC @dest (physical, fixed). */
static inline void ioapic_route(int pin, u8 vector, u8 dest, bool level)
{
	ioapic_write(IOAPIC_REG_RTE(pin) + 1, (u32)dest << 24);
	ioapic_write(IOAPIC_REG_RTE(pin),
		     vector | (level ? IOAPIC_RTE_LEVEL : 0));
}

#endif /* VT_APIC_H */
