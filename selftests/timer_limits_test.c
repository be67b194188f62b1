// SPDX-License-Identifier: GPL-2.0
/*
 * The local APIC timer at the limits of its inputs, with the in-kernel
 * irqchip: the values a guest or a VMM may write that the timer's
 * arithmetic (TSC ticks to ns, counts times the divider, the divider
 * rescaling a running count) must survive without trapping in the host
 * kernel or wrapping into "now".
 *
 * From the guest: IA32_TSC_DEADLINE = ~0, ~0 - 1, 2^63 (far future: no
 * interrupt, the MSR reads back), just past and just ahead of now (fire),
 * 0 (disarm); one-shot and periodic with TMICT = 0xffffffff at all eight
 * dividers; the divider changed while such a count runs; TMICT = 1.
 * From userspace: KVM_SET_MSRS of IA32_TSC_DEADLINE, KVM_SET_LAPIC with
 * extreme TMICT, TDCR, LVTT and TMCCT, and KVM_SET_MSRS of IA32_TSC and
 * IA32_TSC_ADJUST (and the guest's own TSC_ADJUST write) moving the
 * guest's TSC so that "deadline - now" wraps.
 *
 * The conversion of a TSC delta to ns divides by the TSC rate: a host
 * TSC below 1 GHz is where the quotient outgrows 64 bits, so `make
 * check` also runs this test in a boot with tsc_early_khz=800000 (the
 * results named slowtsc:...); each test logs the rate it ran at.
 * "No interrupt" is judged over a short host sleep with the guest
 * halted-free (IF=0, then one STI window): the far deadlines are hours
 * away at any rate, so a fire there is a wrap, not a slow machine.
 */
#include <sys/ioctl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vmtest.h"
#include "apic.h"

#define RUN_TIMEOUT_MS		20000
#define VEC_TIMER		0x50
#define QUIET_MS		100	/* host sleep before "nothing came" */
#define MSR_IA32_TSC		0x10
#define MSR_IA32_TSC_ADJUST	0x3b
#define CPUID_7_EBX_TSC_ADJUST	(1u << 1)
#define TMICT_MAX		0xffffffffu

static volatile u64 irq_count, irq_tsc;

static void timer_handler(struct vt_regs *regs)
{
	irq_count++;
	irq_tsc = rdtsc();
	xapic_eoi();
}

static void wait_irqs(u64 n)
{
	halt_until(READ_ONCE(irq_count) >= n);
}

/* Sync so the host sleeps QUIET_MS, then let pending interrupts in. */
static u64 quiet_count(u64 tag)
{
	GUEST_SYNC(tag);
	sti_nop_cli();
	return READ_ONCE(irq_count);
}

static void set_cpuid_deadline(struct vt_vcpu *vcpu)
{
	const struct kvm_cpuid2 *sup = vt_supported_cpuid();
	size_t size = sizeof(*sup) + sup->nent * sizeof(sup->entries[0]);
	struct kvm_cpuid2 *c = malloc(size);
	u32 i;

	memcpy(c, sup, size);
	for (i = 0; i < c->nent; i++)
		if (c->entries[i].function == 1)
			c->entries[i].ecx |= 1u << 24;	/* TSC-deadline */
	vcpu_set_cpuid(vcpu, c);
	free(c);
}

/*
 * A VM with the in-kernel irqchip running @guest_code with arguments
 * (tsc_khz, @arg); @deadline: the TSC-deadline CPUID bit, as a VMM sets
 * it for KVM_CAP_TSC_DEADLINE_TIMER. Returns NULL (test skipped) when the
 * device lacks what it needs. Logs the TSC rate.
 */
static struct vt_vm *vm_timer(struct __test_metadata *_metadata,
			      void *guest_code, bool deadline, u64 arg,
			      struct vt_vcpu **vcpu, long *khz)
{
	struct vt_vm *vm = vm_create(0);

	VT_ASSERT(vt_check_cap(vm->dev_fd, KVM_CAP_IRQCHIP) > 0,
		  "KVM_CAP_IRQCHIP not advertised");
	VT_ASSERT(vt_check_cap(vm->dev_fd, KVM_CAP_GET_TSC_KHZ) > 0,
		  "KVM_CAP_GET_TSC_KHZ not advertised");
	if (deadline)
		VT_ASSERT(vt_check_cap(vm->dev_fd,
				       KVM_CAP_TSC_DEADLINE_TIMER) > 0,
			  "KVM_CAP_TSC_DEADLINE_TIMER not advertised");
	vm_create_irqchip(vm);
	*vcpu = vm_vcpu_add(vm, 0, guest_code);
	(*vcpu)->run_timeout_ms = RUN_TIMEOUT_MS;
	if (deadline)
		set_cpuid_deadline(*vcpu);
	*khz = ioctl((*vcpu)->fd, KVM_GET_TSC_KHZ);
	VT_ASSERT(*khz > 0, "KVM_GET_TSC_KHZ: %s", strerror(errno));
	TH_LOG("guest TSC %ld kHz (%s 1 GHz)", *khz,
	       *khz < 1000000 ? "below" : "at or above");
	vcpu_args_set(*vcpu, 2, (u64)*khz, arg);
	vm_install_handler(vm, VEC_TIMER, timer_handler);
	return vm;
}

/* Run to each GUEST_SYNC, sleeping QUIET_MS after it, until GUEST_DONE. */
static void run_quiet_syncs(struct __test_metadata *_metadata,
			    struct vt_vcpu *vcpu)
{
	struct ucall uc;

	while (vcpu_run_ucall(vcpu, &uc) == UCALL_SYNC)
		vt_sleep_ms(QUIET_MS);
	ASSERT_EQ(UCALL_DONE, uc.cmd);
}

/* ------------------------------------------------------------------ */
/* TSC deadline from the guest.                                       */

static const u64 far_deadlines[] = { ~0ULL, ~0ULL - 1, 1ULL << 63 };

static void guest_deadline_extremes(u64 khz)
{
	u64 i, dl, n = 0;

	xapic_enable();
	xapic_write(APIC_LVTT, APIC_LVT_TIMER_TSCDEADLINE | VEC_TIMER);
	for (i = 0; i < ARRAY_SIZE(far_deadlines); i++) {
		wrmsr(MSR_IA32_TSC_DEADLINE, far_deadlines[i]);
		GUEST_ASSERT_EQ(rdmsr(MSR_IA32_TSC_DEADLINE), far_deadlines[i]);
		/* Hours away at any TSC rate: nothing may come. */
		GUEST_ASSERT_EQ(quiet_count(i), 0);
		GUEST_ASSERT_EQ(rdmsr(MSR_IA32_TSC_DEADLINE), far_deadlines[i]);
		/* TMCCT reads 0 in TSC-deadline mode. */
		GUEST_ASSERT_EQ(xapic_read(APIC_TMCCT), 0);
	}
	/* 0 disarms the far one. */
	wrmsr(MSR_IA32_TSC_DEADLINE, 0);
	GUEST_ASSERT_EQ(rdmsr(MSR_IA32_TSC_DEADLINE), 0);
	GUEST_ASSERT_EQ(quiet_count(10), 0);

	/* Just past now: fires at once; it disarms itself. */
	wrmsr(MSR_IA32_TSC_DEADLINE, rdtsc() - 1);
	wait_irqs(++n);
	GUEST_ASSERT_EQ(rdmsr(MSR_IA32_TSC_DEADLINE), 0);
	/* One tick and 1 ms ahead: fire soon, not before the deadline. */
	dl = rdtsc() + 1;
	wrmsr(MSR_IA32_TSC_DEADLINE, dl);
	wait_irqs(++n);
	GUEST_ASSERT(irq_tsc >= dl);
	dl = rdtsc() + khz;
	wrmsr(MSR_IA32_TSC_DEADLINE, dl);
	wait_irqs(++n);
	GUEST_ASSERT(irq_tsc >= dl);
	GUEST_ASSERT_EQ(rdmsr(MSR_IA32_TSC_DEADLINE), 0);
	GUEST_ASSERT_EQ(quiet_count(11), n);
	GUEST_DONE();
}

TEST(deadline_guest_extremes)
{
	struct vt_vcpu *vcpu;
	long khz;
	struct vt_vm *vm = vm_timer(_metadata, guest_deadline_extremes, true,
				    0, &vcpu, &khz);

	run_quiet_syncs(_metadata, vcpu);
	vm_free(vm);
}

/* ------------------------------------------------------------------ */
/* TSC deadline from userspace.                                       */

static void guest_deadline_host(void)
{
	xapic_enable();
	xapic_write(APIC_LVTT, APIC_LVT_TIMER_TSCDEADLINE | VEC_TIMER);
	GUEST_SYNC(0);
	/* The host armed ~0: nothing, and the MSR reads back. */
	GUEST_SYNC2(quiet_count(1), rdmsr(MSR_IA32_TSC_DEADLINE));
	/* The host armed 2^63. */
	GUEST_SYNC2(quiet_count(2), rdmsr(MSR_IA32_TSC_DEADLINE));
	/* The host wrote 0. */
	GUEST_SYNC2(quiet_count(3), rdmsr(MSR_IA32_TSC_DEADLINE));
	GUEST_DONE();
}

static void expect_sync2(struct __test_metadata *_metadata,
			 struct vt_vcpu *vcpu, u64 a, u64 b)
{
	struct ucall uc;

	ASSERT_EQ(UCALL_SYNC, vcpu_run_ucall(vcpu, &uc));
	EXPECT_EQ(a, uc.args[0]);
	EXPECT_EQ(b, uc.args[1]);
}

TEST(deadline_set_msrs)
{
	struct vt_vcpu *vcpu;
	long khz;
	struct vt_vm *vm = vm_timer(_metadata, guest_deadline_host, true, 0,
				    &vcpu, &khz);
	static const u64 vals[] = { ~0ULL, 1ULL << 63, 0 };
	unsigned int i;

	EXPECT_EQ(0, vcpu_run_sync(vcpu));
	for (i = 0; i < ARRAY_SIZE(vals); i++) {
		ASSERT_EQ(1, vcpu_set_msr(vcpu, MSR_IA32_TSC_DEADLINE, vals[i]));
		EXPECT_EQ(vals[i], vcpu_get_msr(vcpu, MSR_IA32_TSC_DEADLINE));
		EXPECT_EQ(i + 1, vcpu_run_sync(vcpu));
		vt_sleep_ms(QUIET_MS);
		expect_sync2(_metadata, vcpu, 0, vals[i]);
	}
	vcpu_run_done(vcpu);
	vm_free(vm);
}

/*
 * The guest's TSC moved by userspace (IA32_TSC) and by the guest
 * (IA32_TSC_ADJUST) to the edges of its range: a deadline numerically
 * below the TSC is in the past and fires at once, even where "deadline -
 * now" as an unsigned difference is almost 2^64; ~0 with the TSC a
 * hundred seconds short of wrapping is far enough not to come in the
 * short wait.
 */
#define TSC_NEAR_WRAP_S		100

static void guest_deadline_tsc_moved(u64 khz, u64 has_adjust)
{
	u64 t, n = 0;

	xapic_enable();
	xapic_write(APIC_LVTT, APIC_LVT_TIMER_TSCDEADLINE | VEC_TIMER);
	GUEST_SYNC(0);
	/* The host set IA32_TSC to 2^64 - 100 s. */
	t = rdtsc();
	GUEST_ASSERT(t > ~0ULL - TSC_NEAR_WRAP_S * 1000 * khz);
	wrmsr(MSR_IA32_TSC_DEADLINE, ~0ULL);
	GUEST_ASSERT_EQ(quiet_count(1), 0);
	/* Past (numerically below the TSC): at once. */
	wrmsr(MSR_IA32_TSC_DEADLINE, 1000);
	wait_irqs(++n);
	GUEST_ASSERT_EQ(rdmsr(MSR_IA32_TSC_DEADLINE), 0);
	wrmsr(MSR_IA32_TSC_DEADLINE, t);
	wait_irqs(++n);

	GUEST_SYNC(2);
	/* The host set IA32_TSC to 2^63. */
	t = rdtsc();
	GUEST_ASSERT(t >= 1ULL << 63 && t < (1ULL << 63) + (1ULL << 62));
	wrmsr(MSR_IA32_TSC_DEADLINE, ~0ULL);
	GUEST_ASSERT_EQ(quiet_count(3), n);
	wrmsr(MSR_IA32_TSC_DEADLINE, (1ULL << 63) - 1);
	wait_irqs(++n);

	if (has_adjust) {
		/*
		 * TSC_ADJUST += 2^63 moves the TSC by 2^63, round past 2^64
		 * to near 0. Where it lands is only logged: on a host whose
		 * TSC Linux marked unstable (QEMU's), kvm_amd's TSC catch-up
		 * at the clock update this write requests moves the guest's
		 * TSC forward again, to where it was. The deadlines are
		 * judged against the TSC as read.
		 */
		wrmsr(MSR_IA32_TSC_ADJUST,
		      rdmsr(MSR_IA32_TSC_ADJUST) + (1ULL << 63));
		t = rdtsc();
		GUEST_SYNC2(40, t);
		GUEST_ASSERT(t > 0 && t < 3ULL << 62);
		wrmsr(MSR_IA32_TSC_DEADLINE, t + (1ULL << 62));
		GUEST_ASSERT_EQ(quiet_count(4), n);
		GUEST_ASSERT_EQ(rdmsr(MSR_IA32_TSC_DEADLINE), t + (1ULL << 62));
		wrmsr(MSR_IA32_TSC_DEADLINE, t - 1);
		wait_irqs(++n);
	}
	GUEST_SYNC2(6, n);
	GUEST_DONE();
}

TEST(deadline_tsc_moved)
{
	const struct kvm_cpuid_entry2 *e = vt_cpuid_find(vt_supported_cpuid(),
							 7, 0);
	bool adjust = e && (e->ebx & CPUID_7_EBX_TSC_ADJUST);
	struct vt_vcpu *vcpu;
	struct ucall uc;
	long khz;
	struct vt_vm *vm = vm_timer(_metadata, guest_deadline_tsc_moved, true,
				    adjust, &vcpu, &khz);
	u64 near = ~0ULL - TSC_NEAR_WRAP_S * 1000ULL * khz;

	if (!adjust)
		TH_LOG("no TSC_ADJUST in the supported CPUID: its part left out");
	EXPECT_EQ(0, vcpu_run_sync(vcpu));
	ASSERT_EQ(1, vcpu_set_msr(vcpu, MSR_IA32_TSC, near));
	EXPECT_LE(near, vcpu_get_msr(vcpu, MSR_IA32_TSC));
	EXPECT_EQ(1, vcpu_run_sync(vcpu));
	vt_sleep_ms(QUIET_MS);
	EXPECT_EQ(2, vcpu_run_sync(vcpu));
	ASSERT_EQ(1, vcpu_set_msr(vcpu, MSR_IA32_TSC, 1ULL << 63));
	EXPECT_EQ(3, vcpu_run_sync(vcpu));
	vt_sleep_ms(QUIET_MS);
	if (adjust) {
		ASSERT_EQ(UCALL_SYNC, vcpu_run_ucall(vcpu, &uc));
		EXPECT_EQ(40, uc.args[0]);
		TH_LOG("after the guest's TSC_ADJUST += 2^63 its TSC read %#llx",
		       (unsigned long long)uc.args[1]);
		EXPECT_EQ(4, vcpu_run_sync(vcpu));
		vt_sleep_ms(QUIET_MS);
	}
	ASSERT_EQ(UCALL_SYNC, vcpu_run_ucall(vcpu, &uc));
	EXPECT_EQ(6, uc.args[0]);
	EXPECT_EQ(adjust ? 4 : 3, uc.args[1]) TH_LOG("deadlines fired");
	/* Userspace's TSC_ADJUST write moves nothing, and reads back. */
	if (adjust) {
		ASSERT_EQ(1, vcpu_set_msr(vcpu, MSR_IA32_TSC_ADJUST, ~0ULL));
		EXPECT_EQ(~0ULL, vcpu_get_msr(vcpu, MSR_IA32_TSC_ADJUST));
	}
	vcpu_run_done(vcpu);
	vm_free(vm);
}

/*
 * A millisecond past the first TSC delta whose product with 10^6 (ticks
 * to ns with the rate in kHz) wraps 64 bits: ~5 hours ahead at 1 GHz
 * (the millisecond covers the ticks that pass before the host reads the
 * TSC). vmon saturates; KVM 6.1 (start_sw_tscdeadline) multiplies modulo
 * 2^64, gets about a millisecond and fires within the wait, so it is no
 * oracle here.
 */
#define DELTA_MUL_WRAP	(~0ULL / 1000000 + 1)

static void guest_deadline_mul_wrap(u64 khz)
{
	u64 dl;

	xapic_enable();
	xapic_write(APIC_LVTT, APIC_LVT_TIMER_TSCDEADLINE | VEC_TIMER);
	dl = rdtsc() + DELTA_MUL_WRAP + khz;
	wrmsr(MSR_IA32_TSC_DEADLINE, dl);
	GUEST_ASSERT_EQ(quiet_count(0), 0);
	GUEST_ASSERT_EQ(rdmsr(MSR_IA32_TSC_DEADLINE), dl);
	GUEST_DONE();
}

TEST(deadline_mul_wrap)
{
	struct vt_vcpu *vcpu;
	struct vt_vm *vm;
	long khz;

	if (vt_dev_is_kvm())
		SKIP(return, "KVM 6.1 wraps (delta * 10^6) and fires within 1 ms (checked on kvm_amd)");
	vm = vm_timer(_metadata, guest_deadline_mul_wrap, true, 0, &vcpu, &khz);
	run_quiet_syncs(_metadata, vcpu);
	vm_free(vm);
}

/* ------------------------------------------------------------------ */
/* APIC timer counts.                                                 */

/* TDCR encodings, divide by 2, 4, ... 128, then 1. */
static const u32 tdcr_vals[] = { 0x0, 0x1, 0x2, 0x3, 0x8, 0x9, 0xa, 0xb };

/*
 * TMCCT of a count just started from TMICT_MAX: counting (not 0), not
 * above TMICT, and not far below it (under half of even the divide-by-1
 * count, 4.3 s, has gone by).
 */
static void guest_max_counts(void)
{
	u32 modes[] = { APIC_LVT_TIMER_ONESHOT, APIC_LVT_TIMER_PERIODIC };
	u32 m, i, c1, c2;

	xapic_enable();
	for (m = 0; m < ARRAY_SIZE(modes); m++) {
		xapic_write(APIC_LVTT, modes[m] | VEC_TIMER);
		for (i = 0; i < ARRAY_SIZE(tdcr_vals); i++) {
			xapic_write(APIC_TDCR, tdcr_vals[i]);
			xapic_write(APIC_TMICT, TMICT_MAX);
			c1 = xapic_read(APIC_TMCCT);
			c2 = xapic_read(APIC_TMCCT);
			GUEST_ASSERT(c1 > TMICT_MAX / 2);
			GUEST_ASSERT(c2 <= c1 && c2 > TMICT_MAX / 2);
			GUEST_ASSERT_EQ(xapic_read(APIC_TMICT), TMICT_MAX);
		}
		GUEST_ASSERT_EQ(quiet_count(m), 0);
		/* TMICT = 0 stops it; TMCCT reads 0. */
		xapic_write(APIC_TMICT, 0);
		GUEST_ASSERT_EQ(xapic_read(APIC_TMCCT), 0);
	}
	GUEST_DONE();
}

TEST(apic_max_count_every_divider)
{
	struct vt_vcpu *vcpu;
	long khz;
	struct vt_vm *vm = vm_timer(_metadata, guest_max_counts, false, 0,
				    &vcpu, &khz);

	run_quiet_syncs(_metadata, vcpu);
	vm_free(vm);
}

/*
 * The divider changes while TMICT_MAX counts down: the count keeps
 * going from where it was at the new rate, both ways between 1 and 128
 * and through every other divider, in one-shot and periodic mode.
 */
static void guest_divider_changes(void)
{
	u32 modes[] = { APIC_LVT_TIMER_ONESHOT, APIC_LVT_TIMER_PERIODIC };
	u32 m, i, prev, c;

	xapic_enable();
	for (m = 0; m < ARRAY_SIZE(modes); m++) {
		xapic_write(APIC_LVTT, modes[m] | VEC_TIMER);
		xapic_write(APIC_TDCR, APIC_TDCR_DIV1);
		xapic_write(APIC_TMICT, TMICT_MAX);
		prev = xapic_read(APIC_TMCCT);
		for (i = 0; i < 2 * ARRAY_SIZE(tdcr_vals); i++) {
			/* 1 -> 128 -> 1 -> 2 -> ... -> 128 -> 1. */
			xapic_write(APIC_TDCR, i & 1 ? APIC_TDCR_DIV1 :
				    i < 2 ? 0xa : tdcr_vals[i / 2 - 1]);
			c = xapic_read(APIC_TMCCT);
			GUEST_ASSERT(c <= prev);
			GUEST_ASSERT(c > TMICT_MAX / 2);
			prev = c;
		}
		GUEST_ASSERT_EQ(quiet_count(m), 0);
		xapic_write(APIC_TMICT, 0);
	}
	GUEST_DONE();
}

TEST(apic_divider_change_counting)
{
	struct vt_vcpu *vcpu;
	long khz;
	struct vt_vm *vm = vm_timer(_metadata, guest_divider_changes, false,
				    0, &vcpu, &khz);

	run_quiet_syncs(_metadata, vcpu);
	vm_free(vm);
}

/* The shortest counts: a one-shot of 1 fires once; a periodic of 1 ticks. */
static void guest_min_counts(void)
{
	xapic_enable();
	xapic_write(APIC_TDCR, APIC_TDCR_DIV1);
	xapic_write(APIC_LVTT, APIC_LVT_TIMER_ONESHOT | VEC_TIMER);
	xapic_write(APIC_TMICT, 1);
	wait_irqs(1);
	GUEST_ASSERT_EQ(xapic_read(APIC_TMCCT), 0);
	GUEST_ASSERT_EQ(quiet_count(0), 1);
	xapic_write(APIC_LVTT, APIC_LVT_TIMER_PERIODIC | VEC_TIMER);
	xapic_write(APIC_TMICT, 1);
	wait_irqs(4);
	xapic_write(APIC_TMICT, 0);
	GUEST_ASSERT_EQ(xapic_read(APIC_TMCCT), 0);
	GUEST_DONE();
}

TEST(apic_min_count)
{
	struct vt_vcpu *vcpu;
	long khz;
	struct vt_vm *vm = vm_timer(_metadata, guest_min_counts, false, 0,
				    &vcpu, &khz);

	run_quiet_syncs(_metadata, vcpu);
	vm_free(vm);
}

/* ------------------------------------------------------------------ */
/* KVM_SET_LAPIC.                                                     */

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

static void guest_lapic_set(void)
{
	u32 c1, c2;

	xapic_enable();
	GUEST_SYNC(0);
	/* The host restored a one-shot of TMICT_MAX at divide-by-128. */
	c1 = xapic_read(APIC_TMCCT);
	c2 = xapic_read(APIC_TMCCT);
	GUEST_ASSERT(c1 > TMICT_MAX / 2 && c2 <= c1);
	GUEST_ASSERT_EQ(quiet_count(1), 0);
	GUEST_SYNC(10);
	/* Every bit set in LVTT (masked periodic), TDCR, TMICT, TMCCT. */
	c1 = xapic_read(APIC_TMCCT);
	c2 = xapic_read(APIC_TMCCT);
	GUEST_ASSERT(c1 > TMICT_MAX / 2 && c2 <= c1);
	GUEST_ASSERT_EQ(quiet_count(2), 0);
	GUEST_SYNC(20);
	/* Periodic TMICT 1 with TMCCT above it: it ticks. */
	wait_irqs(3);
	GUEST_SYNC(3);
	/* TMICT 0 with TMCCT_MAX: stopped. */
	GUEST_ASSERT_EQ(xapic_read(APIC_TMCCT), 0);
	c1 = irq_count;
	GUEST_ASSERT_EQ(quiet_count(4), c1);
	GUEST_DONE();
}

TEST(set_lapic_extremes)
{
	struct vt_vcpu *vcpu;
	long khz;
	struct vt_vm *vm = vm_timer(_metadata, guest_lapic_set, false, 0,
				    &vcpu, &khz);
	struct kvm_lapic_state s, g;

	EXPECT_EQ(0, vcpu_run_sync(vcpu));
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_LAPIC, &s));

	lapic_reg_set(&s, APIC_LVTT, APIC_LVT_TIMER_ONESHOT | VEC_TIMER);
	lapic_reg_set(&s, APIC_TDCR, 0xa);
	lapic_reg_set(&s, APIC_TMICT, TMICT_MAX);
	lapic_reg_set(&s, APIC_TMCCT, TMICT_MAX);
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_LAPIC, &s));
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_LAPIC, &g));
	EXPECT_LT(TMICT_MAX / 2, lapic_reg(&g, APIC_TMCCT));
	EXPECT_EQ(1, vcpu_run_sync(vcpu));
	vt_sleep_ms(QUIET_MS);
	EXPECT_EQ(10, vcpu_run_sync(vcpu));

	lapic_reg_set(&s, APIC_LVTT, 0xffffffff);
	lapic_reg_set(&s, APIC_TDCR, 0xffffffff);
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_LAPIC, &s));
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_LAPIC, &g));
	EXPECT_LT(TMICT_MAX / 2, lapic_reg(&g, APIC_TMCCT));
	EXPECT_EQ(TMICT_MAX, lapic_reg(&g, APIC_TMICT));
	EXPECT_EQ(2, vcpu_run_sync(vcpu));
	vt_sleep_ms(QUIET_MS);
	EXPECT_EQ(20, vcpu_run_sync(vcpu));

	lapic_reg_set(&s, APIC_LVTT, APIC_LVT_TIMER_PERIODIC | VEC_TIMER);
	lapic_reg_set(&s, APIC_TDCR, APIC_TDCR_DIV1);
	lapic_reg_set(&s, APIC_TMICT, 1);
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_LAPIC, &s));
	EXPECT_EQ(3, vcpu_run_sync(vcpu));

	lapic_reg_set(&s, APIC_TMICT, 0);
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_LAPIC, &s));
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_LAPIC, &g));
	EXPECT_EQ(0, lapic_reg(&g, APIC_TMCCT));
	EXPECT_EQ(4, vcpu_run_sync(vcpu));
	vt_sleep_ms(QUIET_MS);
	vcpu_run_done(vcpu);
	vm_free(vm);
}

TEST_HARNESS_MAIN
