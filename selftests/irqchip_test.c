// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel irqchip (KVM_CREATE_IRQCHIP before the vCPUs): the local
 * APIC timer in periodic, one-shot and TSC-deadline modes, self-IPIs in
 * xAPIC and x2APIC mode, TPR and CR8, KVM_GET/SET_LAPIC; the IOAPIC
 * behind KVM_IRQ_LINE (edge and level with remote IRR and EOI); irqfds;
 * KVM_SIGNAL_MSI and KVM_SET_GSI_ROUTING; and HLT handled in the kernel
 * without burning host CPU while nothing is pending, and woken by every
 * interrupt that comes as it starts (short_timer_halts).
 *
 * Timing: the emulated test machines are slow and shared, so rates are
 * checked within a factor of two of the programmed one (~0.5 s windows:
 * never fast in any, at the rate in one of three);
 * one-shot and TSC-deadline timers must not fire early by the guest's
 * TSC (exact for TSC-deadline, 5% for the APIC's own clock) and not
 * later than ten times the delay by the host's clock: early is always
 * wrong, late only when grossly so.
 */
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vmtest.h"
#include "apic.h"

#define RUN_TIMEOUT_MS	10000
#define VEC_TIMER	0x50
#define VEC_SELF	0x51
#define VEC_IOAPIC	0x60
#define VEC_IRQFD	0x61
#define VEC_MSI		0x62
#define VEC_ROUTE_MSI	0x63
#define VEC_ROUTE_PIN	0x64
#define VEC_WAKE	0x70

static volatile u64 irq_count, irq_vector, irq_tsc, irq_eoi = 1;

/* Counts, remembers the vector and when, and EOIs unless told not to. */
static void apic_handler(struct vt_regs *regs)
{
	irq_count++;
	irq_vector = regs->vector;
	irq_tsc = rdtsc();
	if (irq_eoi)
		xapic_eoi();
}

#define ASSERT_CAP(vm) \
	VT_ASSERT(vt_check_cap((vm)->dev_fd, KVM_CAP_IRQCHIP) > 0, \
		  "KVM_CAP_IRQCHIP not advertised")

static struct vt_vm *vm_with_irqchip(void *guest_code, struct vt_vcpu **vcpu)
{
	struct vt_vm *vm = vm_create(0);

	ASSERT_CAP(vm);
	vm_create_irqchip(vm);
	*vcpu = vm_vcpu_add(vm, 0, guest_code);
	(*vcpu)->run_timeout_ms = RUN_TIMEOUT_MS;
	return vm;
}

/* HLT until irq_count reaches @n (the run timeout bounds it); IF=0 after. */
static void wait_irqs(u64 n)
{
	halt_until(READ_ONCE(irq_count) >= n);
}

#define TIMER_PERIOD_NS	10000000ULL	/* 10 ms */
#define TIMER_TICKS	50
#define TIMER_WINDOWS	3

static void guest_periodic(void)
{
	int w;

	xapic_enable();
	xapic_write(APIC_TDCR, APIC_TDCR_DIV1);
	xapic_write(APIC_LVTT, APIC_LVT_TIMER_PERIODIC | VEC_TIMER);
	xapic_write(APIC_TMICT, TIMER_PERIOD_NS);	/* 1 GHz bus clock */
	wait_irqs(1);
	GUEST_SYNC(irq_count);
	for (w = 0; w < TIMER_WINDOWS; w++) {
		wait_irqs(irq_count + TIMER_TICKS);
		GUEST_SYNC(irq_count);
	}
	xapic_write(APIC_TMICT, 0);
	GUEST_DONE();
}

/*
 * TIMER_WINDOWS windows of TIMER_TICKS ticks: none may run fast (early is
 * always wrong); one at the programmed rate is enough, because a stall of
 * the emulated machine (kvm_intel's run under Bochs once lost 1.4 s) makes
 * one window slow without saying anything about the timer.
 */
TEST(lapic_timer_periodic)
{
	struct vt_vcpu *vcpu;
	struct vt_vm *vm = vm_with_irqchip(guest_periodic, &vcpu);
	u64 c0, c1, t0, t1, expect;
	int w, slow = 0;

	vm_install_handler(vm, VEC_TIMER, apic_handler);
	c0 = vcpu_run_sync(vcpu);
	t0 = vt_now_ns();
	for (w = 0; w < TIMER_WINDOWS; w++) {
		c1 = vcpu_run_sync(vcpu);
		t1 = vt_now_ns();
		ASSERT_LE(c0 + TIMER_TICKS, c1);
		/* Ticks in the interval, against the programmed rate. */
		expect = (t1 - t0) / TIMER_PERIOD_NS;
		TH_LOG("%llu ticks in %llu ms (programmed: %llu)",
		       (unsigned long long)(c1 - c0),
		       (unsigned long long)(t1 - t0) / 1000000,
		       (unsigned long long)expect);
		EXPECT_LE((c1 - c0) * 10, expect * 20) TH_LOG("timer too fast");
		if ((c1 - c0) * 10 < expect * 5)
			slow++;
		c0 = c1;
		t0 = t1;
	}
	EXPECT_GT(TIMER_WINDOWS, slow) TH_LOG("timer too slow in every window");
	EXPECT_EQ(VEC_TIMER, GUEST_VAR(vm, irq_vector));
	vcpu_run_done(vcpu);
	vm_free(vm);
}

#define ONESHOT_NS	100000000ULL	/* 100 ms */

static void guest_oneshot(void)
{
	u64 t0;
	u32 cur;

	xapic_enable();
	xapic_write(APIC_TDCR, APIC_TDCR_DIV1);
	xapic_write(APIC_LVTT, APIC_LVT_TIMER_ONESHOT | VEC_TIMER);
	t0 = rdtsc();
	xapic_write(APIC_TMICT, ONESHOT_NS);
	cur = xapic_read(APIC_TMCCT);
	GUEST_ASSERT(cur > 0 && cur <= ONESHOT_NS);
	GUEST_SYNC(cur);
	wait_irqs(1);
	GUEST_SYNC2(irq_count, irq_tsc - t0);
	/* Expired: the current count stays 0, and nothing more comes. */
	GUEST_ASSERT_EQ(xapic_read(APIC_TMCCT), 0);
	sti_nop_cli();
	GUEST_SYNC2(irq_count, xapic_read(APIC_TMCCT));
	GUEST_DONE();
}

/*
 * Early is judged on the guest's TSC from the TMICT write to the
 * handler (5% allowed for the TSC and the host's clock disagreeing);
 * late on the host's clock from the exit after arming.
 */
TEST(lapic_timer_oneshot)
{
	struct vt_vcpu *vcpu;
	struct vt_vm *vm = vm_with_irqchip(guest_oneshot, &vcpu);
	struct ucall uc;
	u64 t0, ms, guest_us;
	long khz;

	vm_install_handler(vm, VEC_TIMER, apic_handler);
	khz = ioctl(vcpu->fd, KVM_GET_TSC_KHZ);
	ASSERT_LT(0, khz) TH_LOG("KVM_GET_TSC_KHZ: %s", strerror(errno));
	vcpu_run_sync(vcpu);
	t0 = vt_now_ns();
	ASSERT_EQ(UCALL_SYNC, vcpu_run_ucall(vcpu, &uc));
	ms = (vt_now_ns() - t0) / 1000000;
	guest_us = uc.args[1] * 1000 / khz;
	TH_LOG("one-shot of %llu ms fired after %llu us of guest TSC, %llu ms of host time",
	       ONESHOT_NS / 1000000, (unsigned long long)guest_us,
	       (unsigned long long)ms);
	EXPECT_EQ(1, uc.args[0]);
	EXPECT_LE(ONESHOT_NS / 1000 * 95 / 100, guest_us) TH_LOG("fired early");
	EXPECT_GE(ONESHOT_NS * 10 / 1000000, ms) TH_LOG("fired very late");
	/* Another period of host time: a one-shot does not rearm. */
	vt_sleep_ms(ONESHOT_NS * 3 / 2 / 1000000);
	ASSERT_EQ(UCALL_SYNC, vcpu_run_ucall(vcpu, &uc));
	EXPECT_EQ(1, uc.args[0]);
	EXPECT_EQ(0, uc.args[1]);
	vcpu_run_done(vcpu);
	vm_free(vm);
}

static void guest_tsc_deadline(u64 tsc_khz)
{
	u64 delta = ONESHOT_NS / 1000000 * tsc_khz, dl;

	xapic_enable();
	xapic_write(APIC_LVTT, APIC_LVT_TIMER_TSCDEADLINE | VEC_TIMER);
	dl = rdtsc() + delta;
	wrmsr(MSR_IA32_TSC_DEADLINE, dl);
	GUEST_ASSERT_EQ(rdmsr(MSR_IA32_TSC_DEADLINE), dl);
	GUEST_SYNC(0);
	wait_irqs(1);
	/* Not before the deadline (one clock: exact), and disarmed. */
	GUEST_ASSERT(irq_tsc >= dl);
	GUEST_SYNC2(irq_count, rdmsr(MSR_IA32_TSC_DEADLINE));

	/* A deadline in the past fires at once. */
	wrmsr(MSR_IA32_TSC_DEADLINE, 1);
	wait_irqs(2);
	/* Writing 0 disarms: a timer armed and cancelled never fires. */
	/* Far enough ahead that a slow emulator cannot reach it first. */
	wrmsr(MSR_IA32_TSC_DEADLINE, rdtsc() + delta * 10);
	wrmsr(MSR_IA32_TSC_DEADLINE, 0);
	GUEST_SYNC(irq_count);
	sti_nop_cli();
	GUEST_SYNC(irq_count);
	GUEST_DONE();
}

TEST(lapic_timer_tsc_deadline)
{
	struct vt_vcpu *vcpu;
	struct vt_vm *vm;
	struct kvm_cpuid2 *cpuid;
	const struct kvm_cpuid2 *sup = vt_supported_cpuid();
	struct ucall uc;
	u64 t0, ms;
	long khz;
	u32 i;

	vm = vm_with_irqchip(guest_tsc_deadline, &vcpu);
	if (vt_check_cap(vm->dev_fd, KVM_CAP_TSC_DEADLINE_TIMER) <= 0) {
		vm_free(vm);
		SKIP(return, "KVM_CAP_TSC_DEADLINE_TIMER not advertised");
	}
	if (vt_check_cap(vm->dev_fd, KVM_CAP_GET_TSC_KHZ) <= 0) {
		vm_free(vm);
		SKIP(return, "KVM_CAP_GET_TSC_KHZ not advertised: no TSC rate");
	}
	/* As a VMM does: the CPUID bit goes with the capability. */
	cpuid = calloc(1, sizeof(*cpuid) + sup->nent * sizeof(sup->entries[0]));
	memcpy(cpuid, sup, sizeof(*cpuid) + sup->nent * sizeof(sup->entries[0]));
	for (i = 0; i < cpuid->nent; i++)
		if (cpuid->entries[i].function == 1)
			cpuid->entries[i].ecx |= 1u << 24;
	vcpu_set_cpuid(vcpu, cpuid);
	free(cpuid);
	khz = ioctl(vcpu->fd, KVM_GET_TSC_KHZ);
	ASSERT_LT(0, khz) TH_LOG("KVM_GET_TSC_KHZ: %s", strerror(errno));
	vcpu_args_set(vcpu, 1, (u64)khz);
	vm_install_handler(vm, VEC_TIMER, apic_handler);

	vcpu_run_sync(vcpu);
	t0 = vt_now_ns();
	ASSERT_EQ(UCALL_SYNC, vcpu_run_ucall(vcpu, &uc));
	ms = (vt_now_ns() - t0) / 1000000;
	TH_LOG("TSC deadline %llu ms ahead (%ld kHz) fired after %llu ms",
	       ONESHOT_NS / 1000000, khz, (unsigned long long)ms);
	EXPECT_EQ(1, uc.args[0]);
	EXPECT_EQ(0, uc.args[1]) TH_LOG("IA32_TSC_DEADLINE after firing");
	/* Early is checked in the guest: the host's clock starts late. */
	EXPECT_GE(ONESHOT_NS * 10 / 1000000, ms) TH_LOG("fired very late");
	EXPECT_EQ(2, vcpu_run_sync(vcpu));
	vt_sleep_ms(50);
	EXPECT_EQ(2, vcpu_run_sync(vcpu)) TH_LOG("a disarmed deadline fired");
	vcpu_run_done(vcpu);
	vm_free(vm);
}

static void guest_self_ipi(void)
{
	u64 base = rdmsr(MSR_IA32_APICBASE);

	GUEST_ASSERT_EQ(base & ~0xfffULL, APIC_DEFAULT_GPA);
	GUEST_ASSERT(base & APICBASE_EN);
	GUEST_ASSERT(base & APICBASE_BSP);
	xapic_enable();
	GUEST_ASSERT_EQ(xapic_id(), 0);
	GUEST_ASSERT_EQ(xapic_read(APIC_LVR) & 0xff, 0x14);
	/* Fixed, shorthand self. */
	xapic_send_ipi(0, APIC_DEST_SELF | APIC_DM_FIXED | VEC_SELF);
	sti_nop_cli();
	GUEST_SYNC2(irq_count, irq_vector);
	/* Physical destination 0: that is us too. */
	xapic_send_ipi(0, APIC_DM_FIXED | APIC_INT_ASSERT | (VEC_SELF + 1));
	sti_nop_cli();
	GUEST_SYNC2(irq_count, irq_vector);

	/* x2APIC: same APIC, MSR interface, SELF_IPI register. */
	x2apic_enable();
	GUEST_ASSERT(rdmsr(MSR_IA32_APICBASE) & APICBASE_EXTD);
	GUEST_ASSERT_EQ(x2apic_read(APIC_ID), 0);
	GUEST_ASSERT_EQ(x2apic_read(APIC_LVR) & 0xff, 0x14);
	x2apic_write(APIC_SELF_IPI, VEC_SELF + 2);
	sti_nop_cli();
	GUEST_SYNC2(irq_count, irq_vector);
	/* ICR is one 64-bit MSR in x2APIC mode; destination in bits 63:32. */
	x2apic_write(APIC_ICR, APIC_DM_FIXED | APIC_INT_ASSERT | (VEC_SELF + 3));
	sti_nop_cli();
	GUEST_SYNC2(irq_count, irq_vector);
	GUEST_DONE();
}

static void x2apic_handler(struct vt_regs *regs)
{
	irq_count++;
	irq_vector = regs->vector;
	x2apic_write(APIC_EOI, 0);
}

TEST(self_ipi_xapic_x2apic)
{
	struct vt_vcpu *vcpu;
	struct vt_vm *vm = vm_with_irqchip(guest_self_ipi, &vcpu);
	struct ucall uc;
	int i;

	vm_install_handler(vm, VEC_SELF, apic_handler);
	vm_install_handler(vm, VEC_SELF + 1, apic_handler);
	vm_install_handler(vm, VEC_SELF + 2, x2apic_handler);
	vm_install_handler(vm, VEC_SELF + 3, x2apic_handler);
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(UCALL_SYNC, vcpu_run_ucall(vcpu, &uc));
		EXPECT_EQ(i + 1, uc.args[0]) TH_LOG("IPI %d", i);
		EXPECT_EQ(VEC_SELF + i, uc.args[1]) TH_LOG("IPI %d", i);
	}
	vcpu_run_done(vcpu);
	vm_free(vm);
}

/*
 * In x2APIC mode the xAPIC page is a hole that swallows accesses, as in
 * KVM (KVM_X86_QUIRK_LAPIC_MMIO_HOLE, on by default): a write is dropped
 * (no exit, no #GP, TPR unchanged), a read returns all ones.
 */
static void guest_x2apic_xapic_page(void)
{
	volatile u32 *page = (volatile u32 *)APIC_DEFAULT_GPA;

	x2apic_enable();
	x2apic_write(APIC_TASKPRI, 0x10);
	page[APIC_TASKPRI / 4] = 0x30;
	GUEST_SYNC2(page[APIC_TASKPRI / 4], x2apic_read(APIC_TASKPRI));
	GUEST_DONE();
}

TEST(x2apic_xapic_page_is_a_hole)
{
	struct vt_vcpu *vcpu;
	struct vt_vm *vm = vm_with_irqchip(guest_x2apic_xapic_page, &vcpu);
	struct ucall uc;

	ASSERT_EQ(UCALL_SYNC, vcpu_run_ucall(vcpu, &uc));
	EXPECT_EQ(0xffffffffULL, uc.args[0]);
	EXPECT_EQ(0x10, uc.args[1]);
	vcpu_run_done(vcpu);
	vm_free(vm);
}

static void guest_lapic_state(void)
{
	u64 cr8;

	xapic_enable();
	xapic_write(APIC_TASKPRI, 0x20);
	xapic_write(APIC_LVTT, APIC_LVT_MASKED | APIC_LVT_TIMER_PERIODIC | 0x55);
	xapic_write(APIC_TDCR, 0x3);		/* divide by 16 */
	xapic_write(APIC_LDR, 0x01000000);
	GUEST_SYNC(0);
	/* The host changed TPR, LVT0 and the spurious vector. */
	asm volatile("mov %%cr8, %0" : "=r"(cr8));
	GUEST_SYNC2(xapic_read(APIC_TASKPRI), cr8);
	GUEST_SYNC2(xapic_read(APIC_LVT0), xapic_read(APIC_SPIV));
	GUEST_SYNC2(xapic_read(APIC_LVTT), xapic_read(APIC_TDCR));
	/* CR8 writes show in TPR. */
	asm volatile("mov %0, %%cr8" : : "r"(5ULL));
	GUEST_SYNC(xapic_read(APIC_TASKPRI));
	GUEST_DONE();
}

static u32 lapic_reg(const struct kvm_lapic_state *s, u32 off)
{
	u32 v;

	memcpy(&v, s->regs + off, 4);
	return v;
}

static void lapic_reg_set(struct kvm_lapic_state *s, u32 off, u32 v)
{
	memcpy(s->regs + off, &v, 4);
}

/*
 * KVM_SET_VAPIC_ADDR: QEMU calls it with address 0 at every APIC reset
 * and aborts if that fails. Without an in-kernel LAPIC it is EINVAL.
 */
static void guest_nothing(void)
{
	GUEST_DONE();
}

TEST(set_vapic_addr)
{
	struct kvm_vapic_addr va = { .vapic_addr = 0 };
	struct vt_vcpu *vcpu, *plain;
	struct vt_vm *vm = vm_with_irqchip(guest_nothing, &vcpu);
	struct vt_vm *vm2 = vm_create(0);

	EXPECT_EQ(0, ioctl(vcpu->fd, KVM_SET_VAPIC_ADDR, &va));
	EXPECT_EQ(0, ioctl(vcpu->fd, KVM_SET_VAPIC_ADDR, &va));
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_SET_VAPIC_ADDR, (void *)8));
	EXPECT_EQ(EFAULT, errno);
	plain = vm_vcpu_add(vm2, 0, guest_nothing);
	EXPECT_EQ(-1, ioctl(plain->fd, KVM_SET_VAPIC_ADDR, &va));
	EXPECT_EQ(EINVAL, errno);
	vcpu_run_done(vcpu);	/* the vCPU still runs after it */
	vm_free(vm2);
	vm_free(vm);
}

TEST(get_set_lapic)
{
	struct vt_vcpu *vcpu;
	struct vt_vm *vm = vm_with_irqchip(guest_lapic_state, &vcpu);
	struct kvm_lapic_state s, s2;
	struct ucall uc;

	EXPECT_EQ(0, vcpu_run_sync(vcpu));
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_LAPIC, &s));
	EXPECT_EQ(0, lapic_reg(&s, APIC_ID));
	EXPECT_EQ(0x14, lapic_reg(&s, APIC_LVR) & 0xff);
	EXPECT_LE(5, (lapic_reg(&s, APIC_LVR) >> 16) & 0xff) TH_LOG("max LVT");
	EXPECT_EQ(0x20, lapic_reg(&s, APIC_TASKPRI));
	EXPECT_EQ(APIC_SPIV_ENABLE | 0xff, lapic_reg(&s, APIC_SPIV));
	EXPECT_EQ(APIC_LVT_MASKED | APIC_LVT_TIMER_PERIODIC | 0x55,
		  lapic_reg(&s, APIC_LVTT));
	EXPECT_EQ(0x3, lapic_reg(&s, APIC_TDCR));
	EXPECT_EQ(0x01000000, lapic_reg(&s, APIC_LDR));
	/*
	 * Reset values the guest did not touch: KVM puts the BSP's LVT0 in
	 * virtual-wire mode (ExtINT, unmasked), as a BIOS would leave it.
	 */
	EXPECT_EQ(0x700, lapic_reg(&s, APIC_LVT0));
	EXPECT_EQ(APIC_LVT_MASKED, lapic_reg(&s, APIC_LVT1) & APIC_LVT_MASKED);
	EXPECT_EQ(0xffffffff, lapic_reg(&s, APIC_DFR));

	/* Set what we got: nothing changes. */
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_LAPIC, &s));
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_LAPIC, &s2));
	EXPECT_EQ(0, memcmp(s.regs, s2.regs, 0x400));

	lapic_reg_set(&s, APIC_TASKPRI, 0x30);
	lapic_reg_set(&s, APIC_LVT0, APIC_LVT_MASKED | 0x400);	/* NMI */
	lapic_reg_set(&s, APIC_SPIV, APIC_SPIV_ENABLE | 0xef);
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_LAPIC, &s));
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_LAPIC, &s2));
	EXPECT_EQ(0x30, lapic_reg(&s2, APIC_TASKPRI));

	ASSERT_EQ(UCALL_SYNC, vcpu_run_ucall(vcpu, &uc));
	EXPECT_EQ(0x30, uc.args[0]);
	EXPECT_EQ(3, uc.args[1]) TH_LOG("CR8 is TPR[7:4]");
	ASSERT_EQ(UCALL_SYNC, vcpu_run_ucall(vcpu, &uc));
	EXPECT_EQ(APIC_LVT_MASKED | 0x400, uc.args[0]);
	EXPECT_EQ(APIC_SPIV_ENABLE | 0xef, uc.args[1]);
	ASSERT_EQ(UCALL_SYNC, vcpu_run_ucall(vcpu, &uc));
	EXPECT_EQ(APIC_LVT_MASKED | APIC_LVT_TIMER_PERIODIC | 0x55, uc.args[0]);
	EXPECT_EQ(0x3, uc.args[1]);
	EXPECT_EQ(0x50, vcpu_run_sync(vcpu));
	vcpu_run_done(vcpu);
	vm_free(vm);
}

/*
 * GSIs 16-23 reach only the IOAPIC with the default routing; below 16
 * the (uninitialised) PICs see them too, and KVM resets the BSP's LVT0
 * to ExtINT, so those would arrive twice.
 */
#define PIN_EDGE	16
#define PIN_LEVEL	17
#define PIN_IRQFD	18
#define PIN_ROUTE	19

static void guest_ioapic_edge(void)
{
	u32 ver;

	xapic_enable();
	ver = ioapic_read(IOAPIC_REG_VER);
	GUEST_SYNC(ver);
	ioapic_route(PIN_EDGE, VEC_IOAPIC, 0, false);
	GUEST_ASSERT_EQ(ioapic_read(IOAPIC_REG_RTE(PIN_EDGE)), VEC_IOAPIC);
	GUEST_SYNC(0);
	wait_irqs(1);
	GUEST_SYNC2(irq_count, irq_vector);
	/* A masked pin delivers nothing. */
	ioapic_write(IOAPIC_REG_RTE(PIN_EDGE), VEC_IOAPIC | IOAPIC_RTE_MASKED);
	GUEST_SYNC(0);
	sti_nop_cli();
	GUEST_SYNC(irq_count);
	GUEST_DONE();
}

static void irq_line(struct vt_vm *vm, u32 irq, u32 level)
{
	struct kvm_irq_level l = { .irq = irq, .level = level };

	VT_IOCTL(vm->fd, KVM_IRQ_LINE, &l);
}

TEST(ioapic_irq_line_edge)
{
	struct vt_vcpu *vcpu;
	struct vt_vm *vm = vm_with_irqchip(guest_ioapic_edge, &vcpu);
	struct kvm_irq_level st = { .irq = PIN_EDGE, .level = 1 };
	struct ucall uc;
	u64 ver;

	vm_install_handler(vm, VEC_IOAPIC, apic_handler);
	ver = vcpu_run_sync(vcpu);
	/* KVM's IOAPIC: version 0x11, 24 pins. */
	EXPECT_EQ(0x11, ver & 0xff);
	EXPECT_EQ(23, (ver >> 16) & 0xff);
	EXPECT_EQ(0, vcpu_run_sync(vcpu));
	/* GSI n is IOAPIC pin n (n != 0) with the default routing. */
	ASSERT_LT(0, vt_check_cap(vm->dev_fd, KVM_CAP_IRQ_INJECT_STATUS));
	ASSERT_EQ(0, ioctl(vm->fd, KVM_IRQ_LINE_STATUS, &st));
	EXPECT_EQ(1, st.status) TH_LOG("delivered to one vCPU");
	irq_line(vm, PIN_EDGE, 0);
	ASSERT_EQ(UCALL_SYNC, vcpu_run_ucall(vcpu, &uc));
	EXPECT_EQ(1, uc.args[0]);
	EXPECT_EQ(VEC_IOAPIC, uc.args[1]);
	EXPECT_EQ(0, vcpu_run_sync(vcpu));
	irq_line(vm, PIN_EDGE, 1);
	irq_line(vm, PIN_EDGE, 0);
	EXPECT_EQ(1, vcpu_run_sync(vcpu)) TH_LOG("masked pin delivered");
	vcpu_run_done(vcpu);
	vm_free(vm);
}

static void guest_ioapic_level(void)
{
	xapic_enable();
	irq_eoi = 0;
	ioapic_route(PIN_LEVEL, VEC_IOAPIC, 0, true);
	GUEST_SYNC(0);
	wait_irqs(1);
	/* Not EOIed yet: remote IRR is set. */
	GUEST_SYNC2(irq_count, ioapic_read(IOAPIC_REG_RTE(PIN_LEVEL)));
	/* The line is still high: the EOI brings the interrupt back. */
	xapic_eoi();
	wait_irqs(2);
	GUEST_SYNC(irq_count);
	/* Now the host lowered it: after this EOI nothing comes. */
	xapic_eoi();
	sti_nop_cli();
	GUEST_SYNC2(irq_count, ioapic_read(IOAPIC_REG_RTE(PIN_LEVEL)));
	GUEST_DONE();
}

TEST(ioapic_irq_line_level)
{
	struct vt_vcpu *vcpu;
	struct vt_vm *vm = vm_with_irqchip(guest_ioapic_level, &vcpu);
	struct ucall uc;

	vm_install_handler(vm, VEC_IOAPIC, apic_handler);
	EXPECT_EQ(0, vcpu_run_sync(vcpu));
	irq_line(vm, PIN_LEVEL, 1);
	ASSERT_EQ(UCALL_SYNC, vcpu_run_ucall(vcpu, &uc));
	EXPECT_EQ(1, uc.args[0]);
	EXPECT_TRUE(uc.args[1] & IOAPIC_RTE_REMOTE_IRR) TH_LOG("RTE 0x%llx",
		(unsigned long long)uc.args[1]);
	EXPECT_TRUE(uc.args[1] & IOAPIC_RTE_LEVEL);
	EXPECT_EQ(2, vcpu_run_sync(vcpu));
	irq_line(vm, PIN_LEVEL, 0);
	ASSERT_EQ(UCALL_SYNC, vcpu_run_ucall(vcpu, &uc));
	EXPECT_EQ(2, uc.args[0]);
	EXPECT_FALSE(uc.args[1] & IOAPIC_RTE_REMOTE_IRR);
	vcpu_run_done(vcpu);
	vm_free(vm);
}

static void guest_wait_counts(u8 pin, u8 vector)
{
	xapic_enable();
	if (pin)
		ioapic_route(pin, vector, 0, false);
	GUEST_SYNC(0);
	wait_irqs(1);
	GUEST_SYNC2(irq_count, irq_vector);
	wait_irqs(2);
	GUEST_SYNC2(irq_count, irq_vector);
	/* Whatever the host does now must not arrive. */
	sti();
	GUEST_SYNC(0);
	cli();
	GUEST_SYNC(irq_count);
	GUEST_DONE();
}

static void eventfd_signal(int fd)
{
	u64 one = 1;

	VT_ASSERT(write(fd, &one, 8) == 8, "eventfd write: %s", strerror(errno));
}

/* Collect the two deliveries of guest_wait_counts() for @vector. */
static void expect_two(struct __test_metadata *_metadata,
		       struct vt_vcpu *vcpu, u8 vector, void (*fire)(void *),
		       void *arg)
{
	struct ucall uc;

	fire(arg);
	ASSERT_EQ(UCALL_SYNC, vcpu_run_ucall(vcpu, &uc));
	EXPECT_EQ(1, uc.args[0]);
	EXPECT_EQ(vector, uc.args[1]);
	fire(arg);
	ASSERT_EQ(UCALL_SYNC, vcpu_run_ucall(vcpu, &uc));
	EXPECT_EQ(2, uc.args[0]);
	EXPECT_EQ(vector, uc.args[1]);
}

static void fire_eventfd(void *arg)
{
	eventfd_signal(*(int *)arg);
}

TEST(irqfd)
{
	struct vt_vcpu *vcpu;
	struct vt_vm *vm = vm_with_irqchip(guest_wait_counts, &vcpu);
	int efd = eventfd(0, EFD_CLOEXEC);
	struct kvm_irqfd irqfd = { .fd = efd, .gsi = PIN_IRQFD };

	ASSERT_LE(0, efd);
	ASSERT_LT(0, vt_check_cap(vm->dev_fd, KVM_CAP_IRQFD));
	vm_install_handler(vm, VEC_IRQFD, apic_handler);
	vcpu_args_set(vcpu, 2, (u64)PIN_IRQFD, (u64)VEC_IRQFD);
	ASSERT_EQ(0, ioctl(vm->fd, KVM_IRQFD, &irqfd));
	/* One eventfd on one GSI once. */
	EXPECT_EQ(-1, ioctl(vm->fd, KVM_IRQFD, &irqfd));
	EXPECT_EQ(EBUSY, errno);
	EXPECT_EQ(0, vcpu_run_sync(vcpu));
	expect_two(_metadata, vcpu, VEC_IRQFD, fire_eventfd, &efd);

	irqfd.flags = KVM_IRQFD_FLAG_DEASSIGN;
	ASSERT_EQ(0, ioctl(vm->fd, KVM_IRQFD, &irqfd));
	EXPECT_EQ(0, vcpu_run_sync(vcpu));
	eventfd_signal(efd);
	EXPECT_EQ(2, vcpu_run_sync(vcpu)) TH_LOG("deassigned irqfd delivered");
	vcpu_run_done(vcpu);
	close(efd);
	vm_free(vm);
}

struct msi_arg {
	struct vt_vm *vm;
	struct kvm_msi msi;
};

static void fire_msi(void *arg)
{
	struct msi_arg *m = arg;
	int r = ioctl(m->vm->fd, KVM_SIGNAL_MSI, &m->msi);

	VT_ASSERT(r == 1, "KVM_SIGNAL_MSI returned %d (%s)", r,
		  r < 0 ? strerror(errno) : "delivered to that many vCPUs");
}

TEST(signal_msi)
{
	struct vt_vcpu *vcpu;
	struct vt_vm *vm = vm_with_irqchip(guest_wait_counts, &vcpu);
	struct msi_arg m = {
		.vm = vm,
		/* Physical destination APIC 0, fixed, edge. */
		.msi = { .address_lo = APIC_DEFAULT_GPA, .data = VEC_MSI },
	};

	ASSERT_LT(0, vt_check_cap(vm->dev_fd, KVM_CAP_SIGNAL_MSI));
	vm_install_handler(vm, VEC_MSI, apic_handler);
	vcpu_args_set(vcpu, 2, 0ULL, 0ULL);
	EXPECT_EQ(0, vcpu_run_sync(vcpu));
	expect_two(_metadata, vcpu, VEC_MSI, fire_msi, &m);
	/* Flags must be 0. */
	m.msi.flags = 1u << 31;
	EXPECT_EQ(-1, ioctl(vm->fd, KVM_SIGNAL_MSI, &m.msi));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, vcpu_run_sync(vcpu));
	EXPECT_EQ(2, vcpu_run_sync(vcpu));
	vcpu_run_done(vcpu);
	vm_free(vm);
}

static void guest_routes(void)
{
	xapic_enable();
	ioapic_route(PIN_ROUTE, VEC_ROUTE_PIN, 0, false);
	GUEST_SYNC(0);
	wait_irqs(1);
	GUEST_SYNC2(irq_count, irq_vector);
	wait_irqs(2);
	GUEST_SYNC2(irq_count, irq_vector);
	GUEST_DONE();
}

/*
 * KVM_SET_GSI_ROUTING replaces the whole table: GSI 20 becomes an MSI
 * (fired through an irqfd) and GSI 21 IOAPIC pin 12 (KVM_IRQ_LINE).
 */
TEST(gsi_routing)
{
	struct vt_vcpu *vcpu;
	struct vt_vm *vm = vm_with_irqchip(guest_routes, &vcpu);
	struct kvm_irq_routing *rt;
	int efd = eventfd(0, EFD_CLOEXEC);
	struct kvm_irqfd irqfd = { .fd = efd, .gsi = 20 };
	struct ucall uc;

	ASSERT_LT(0, vt_check_cap(vm->dev_fd, KVM_CAP_IRQ_ROUTING));
	rt = calloc(1, sizeof(*rt) + 2 * sizeof(rt->entries[0]));
	rt->nr = 2;
	rt->entries[0].gsi = 20;
	rt->entries[0].type = KVM_IRQ_ROUTING_MSI;
	rt->entries[0].u.msi.address_lo = APIC_DEFAULT_GPA;
	rt->entries[0].u.msi.data = VEC_ROUTE_MSI;
	rt->entries[1].gsi = 21;
	rt->entries[1].type = KVM_IRQ_ROUTING_IRQCHIP;
	rt->entries[1].u.irqchip.irqchip = KVM_IRQCHIP_IOAPIC;
	rt->entries[1].u.irqchip.pin = PIN_ROUTE;
	ASSERT_EQ(0, ioctl(vm->fd, KVM_SET_GSI_ROUTING, rt));
	ASSERT_EQ(0, ioctl(vm->fd, KVM_IRQFD, &irqfd));
	vm_install_handler(vm, VEC_ROUTE_MSI, apic_handler);
	vm_install_handler(vm, VEC_ROUTE_PIN, apic_handler);

	EXPECT_EQ(0, vcpu_run_sync(vcpu));
	eventfd_signal(efd);
	ASSERT_EQ(UCALL_SYNC, vcpu_run_ucall(vcpu, &uc));
	EXPECT_EQ(1, uc.args[0]);
	EXPECT_EQ(VEC_ROUTE_MSI, uc.args[1]);
	irq_line(vm, 21, 1);
	irq_line(vm, 21, 0);
	ASSERT_EQ(UCALL_SYNC, vcpu_run_ucall(vcpu, &uc));
	EXPECT_EQ(2, uc.args[0]);
	EXPECT_EQ(VEC_ROUTE_PIN, uc.args[1]);
	vcpu_run_done(vcpu);

	/* An IRQCHIP entry naming a pin the chip does not have. */
	rt->nr = 1;
	rt->entries[0] = rt->entries[1];
	rt->entries[0].u.irqchip.pin = 24;
	EXPECT_EQ(-1, ioctl(vm->fd, KVM_SET_GSI_ROUTING, rt));
	EXPECT_EQ(EINVAL, errno);
	free(rt);
	close(efd);
	vm_free(vm);
}

#define SHORT_HALTS	2000

/*
 * SHORT_HALTS one-shot timers of 1 to 64 us, each waited for with
 * "cli; test; sti; hlt": the timer often fires while the guest is between
 * the STI and the HLT, so exits land inside STI's shadow, and the
 * interrupt must then wake the HLT, not come before it.
 */
static void guest_short_halts(void)
{
	u64 i;

	xapic_enable();
	xapic_write(APIC_TDCR, APIC_TDCR_DIV1);
	xapic_write(APIC_LVTT, APIC_LVT_TIMER_ONESHOT | VEC_TIMER);
	for (i = 0; i < SHORT_HALTS; i++) {
		xapic_write(APIC_TMICT, 1000 + (i % 64) * 1000);
		wait_irqs(i + 1);
	}
	GUEST_SYNC2(irq_count, vt_irqs_in_sti_shadow);
	GUEST_DONE();
}

TEST(short_timer_halts)
{
	struct vt_vcpu *vcpu;
	struct vt_vm *vm = vm_with_irqchip(guest_short_halts, &vcpu);
	struct ucall uc;

	vcpu->run_timeout_ms = 2 * RUN_TIMEOUT_MS;
	vm_install_handler(vm, VEC_TIMER, apic_handler);
	ASSERT_EQ(UCALL_SYNC, vcpu_run_ucall(vcpu, &uc));
	EXPECT_EQ(SHORT_HALTS, uc.args[0]);
	EXPECT_EQ(0, uc.args[1]) TH_LOG("interrupts taken inside STI's shadow");
	vcpu_run_done(vcpu);
	vm_free(vm);
}

static volatile u64 halting;

static void guest_halt_wait(void)
{
	xapic_enable();
	halting = 1;
	wait_irqs(1);
	GUEST_SYNC2(irq_count, irq_vector);
	GUEST_DONE();
}

static u64 thread_cpu_ns(pthread_t t)
{
	struct timespec ts;
	clockid_t cid;

	VT_ASSERT(!pthread_getcpuclockid(t, &cid), "pthread_getcpuclockid");
	clock_gettime(cid, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/*
 * With the in-kernel irqchip, HLT sleeps in the kernel: over a second of
 * wall time the vCPU thread may use a little CPU (KVM polls for up to
 * halt_poll_ns before it sleeps), far from the whole second a busy wait
 * would; the limit is 10%. An MSI then wakes it.
 */
TEST(halt_sleeps)
{
	struct vt_vcpu *vcpu;
	struct vt_vm *vm = vm_with_irqchip(guest_halt_wait, &vcpu);
	struct kvm_msi msi = { .address_lo = APIC_DEFAULT_GPA,
			       .data = VEC_WAKE };
	u64 c0, c1, w0, w1, deadline;

	vm_install_handler(vm, VEC_WAKE, apic_handler);
	vcpu_thread_start(vcpu);
	deadline = vt_now_ns() + RUN_TIMEOUT_MS * 1000000ULL;
	while (!GUEST_VAR(vm, halting) && vt_now_ns() < deadline)
		vt_sleep_ms(1);
	ASSERT_TRUE(GUEST_VAR(vm, halting)) TH_LOG("guest never got to HLT");
	vt_sleep_ms(100);
	w0 = vt_now_ns();
	c0 = thread_cpu_ns(vcpu->thread);
	vt_sleep_ms(1000);
	c1 = thread_cpu_ns(vcpu->thread);
	w1 = vt_now_ns();
	TH_LOG("vCPU thread used %llu ms of CPU in %llu ms",
	       (unsigned long long)(c1 - c0) / 1000000,
	       (unsigned long long)(w1 - w0) / 1000000);
	EXPECT_GT((w1 - w0) / 10, c1 - c0) TH_LOG("halted vCPU spins");
	EXPECT_EQ(0, GUEST_VAR(vm, irq_count)) TH_LOG("woke without cause");
	EXPECT_EQ(0, vcpu->nr_syncs);

	EXPECT_EQ(1, ioctl(vm->fd, KVM_SIGNAL_MSI, &msi));
	vcpu_thread_join(vcpu, RUN_TIMEOUT_MS);
	EXPECT_EQ(1, vcpu->nr_syncs);
	EXPECT_EQ(1, vcpu->last_sync);
	EXPECT_EQ(VEC_WAKE, GUEST_VAR(vm, irq_vector));
	vm_free(vm);
}

TEST_HARNESS_MAIN
