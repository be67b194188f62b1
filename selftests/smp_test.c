// SPDX-License-Identifier: GPL-2.0
/*
 * SMP with the in-kernel irqchip: a 4-vCPU guest (one host thread per
 * vCPU, on a 2-CPU machine) whose BSP starts the APs with INIT/SIPI/SIPI
 * through its local APIC; each AP comes up in real mode at the SIPI page,
 * goes to 64-bit C and reports in; then IPIs go both ways (BSP to each
 * AP, a broadcast, and AP to BSP). KVM_GET_MP_STATE shows each AP
 * UNINITIALIZED, then INIT_RECEIVED after the INIT, then RUNNABLE at the
 * SIPI's CS:IP; a vCPU halted with nothing to wake it is HALTED, and
 * KVM_SET_MP_STATE to RUNNABLE sends it on.
 */
#include <signal.h>
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "vmtest.h"
#include "apic.h"

#define NR_VCPUS	4
#define SIPI_PAGE	0x8000ULL
/*
 * One vector per AP for its IPIs to the BSP: IPIs of one vector that
 * arrive together merge into one IRR bit, so only distinct vectors can
 * be counted exactly.
 */
#define VEC_AP_UP	0x40	/* + APIC ID */
#define VEC_PONG	0x48	/* + APIC ID */
#define VEC_PING	0x50
/* Per KVM_RUN; the harness's own limit for a whole test is 30 s. */
#define RUN_TIMEOUT_MS	15000
#define JOIN_TIMEOUT_MS	20000

static volatile u64 up_count, pong_count;
static volatile u64 ap_boots[NR_VCPUS], ap_pings[NR_VCPUS];
static volatile u64 ap_ups[NR_VCPUS], ap_pongs[NR_VCPUS];

/* Runs on the BSP only: plain increments are enough. */
static void bsp_handler(struct vt_regs *regs)
{
	u64 v = regs->vector;

	if (v >= VEC_AP_UP && v < VEC_AP_UP + NR_VCPUS) {
		ap_ups[v - VEC_AP_UP]++;
		up_count++;
	} else if (v >= VEC_PONG && v < VEC_PONG + NR_VCPUS) {
		ap_pongs[v - VEC_PONG]++;
		pong_count++;
	}
	xapic_eoi();
}

static void ap_ping_handler(struct vt_regs *regs)
{
	__atomic_add_fetch(&ap_pings[xapic_id() % NR_VCPUS], 1,
			   __ATOMIC_SEQ_CST);
	xapic_eoi();
}

static void guest_ap(u64 apic_id)
{
	u64 base = rdmsr(MSR_IA32_APICBASE);

	GUEST_ASSERT(apic_id > 0 && apic_id < NR_VCPUS);
	GUEST_ASSERT_EQ(xapic_id(), apic_id);
	/* An AP: the APIC is on, without the BSP flag. */
	GUEST_ASSERT(base & APICBASE_EN);
	GUEST_ASSERT(!(base & APICBASE_BSP));
	__atomic_add_fetch(&ap_boots[apic_id], 1, __ATOMIC_SEQ_CST);
	xapic_enable();
	xapic_send_ipi(0, APIC_DM_FIXED | APIC_INT_ASSERT |
		       (VEC_AP_UP + apic_id));
	/* A ping to this AP alone, then a broadcast: each answered. */
	halt_until(READ_ONCE(ap_pings[apic_id]) >= 1);
	xapic_send_ipi(0, APIC_DM_FIXED | APIC_INT_ASSERT |
		       (VEC_PONG + apic_id));
	halt_until(READ_ONCE(ap_pings[apic_id]) >= 2);
	xapic_send_ipi(0, APIC_DM_FIXED | APIC_INT_ASSERT |
		       (VEC_PONG + apic_id));
}

static void start_ap(u32 id, u8 vector, int nr_sipi)
{
	int i;

	xapic_send_ipi(id, APIC_DM_INIT | APIC_INT_ASSERT);
	for (i = 0; i < nr_sipi; i++)
		xapic_send_ipi(id, APIC_DM_STARTUP | vector);
}

static void guest_bsp(u64 vector)
{
	u32 i;

	GUEST_ASSERT(rdmsr(MSR_IA32_APICBASE) & APICBASE_BSP);
	xapic_enable();
	/* AP 1 step by step, for the host to look at its state. */
	xapic_send_ipi(1, APIC_DM_INIT | APIC_INT_ASSERT);
	GUEST_SYNC(1);
	xapic_send_ipi(1, APIC_DM_STARTUP | vector);
	GUEST_SYNC(2);
	/* The second SIPI of the usual sequence finds AP 1 running: ignored. */
	xapic_send_ipi(1, APIC_DM_STARTUP | vector);
	for (i = 2; i < NR_VCPUS; i++)
		start_ap(i, vector, 2);

	halt_until(READ_ONCE(up_count) >= NR_VCPUS - 1);
	for (i = 1; i < NR_VCPUS; i++)
		GUEST_ASSERT_EQ(ap_boots[i], 1);

	for (i = 1; i < NR_VCPUS; i++)
		xapic_send_ipi(i, APIC_DM_FIXED | APIC_INT_ASSERT | VEC_PING);
	halt_until(READ_ONCE(pong_count) >= NR_VCPUS - 1);
	xapic_send_ipi(0, APIC_DEST_ALLBUT | APIC_DM_FIXED | APIC_INT_ASSERT |
		       VEC_PING);
	halt_until(READ_ONCE(pong_count) >= 2 * (NR_VCPUS - 1));
	/* The broadcast excluded the sender. */
	GUEST_ASSERT_EQ(ap_pings[0], 0);
	GUEST_SYNC(3);
	GUEST_DONE();
}

static u32 mp_state(struct vt_vcpu *vcpu)
{
	struct kvm_mp_state mp = { .mp_state = 0xff };

	VT_IOCTL(vcpu->fd, KVM_GET_MP_STATE, &mp);
	return mp.mp_state;
}

TEST(init_sipi_and_ipis)
{
	struct vt_vm *vm = vm_create(0);
	struct vt_vcpu *bsp, *ap[NR_VCPUS];
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	u8 vector;
	int i;

	ASSERT_LT(0, vt_check_cap(vm->dev_fd, KVM_CAP_IRQCHIP));
	ASSERT_LE(NR_VCPUS, vt_check_cap(vm->dev_fd, KVM_CAP_MAX_VCPUS));
	vm_create_irqchip(vm);
	bsp = vm_vcpu_add(vm, 0, guest_bsp);
	for (i = 1; i < NR_VCPUS; i++) {
		ap[i] = vm_ap_add(vm, i, guest_ap);
		ap[i]->run_timeout_ms = RUN_TIMEOUT_MS;
		vm_install_handler(vm, VEC_PING, ap_ping_handler);
	}
	bsp->run_timeout_ms = RUN_TIMEOUT_MS;
	for (i = 0; i < NR_VCPUS; i++) {
		vm_install_handler(vm, VEC_AP_UP + i, bsp_handler);
		vm_install_handler(vm, VEC_PONG + i, bsp_handler);
	}
	vector = vm_ap_trampoline_install(vm, SIPI_PAGE);
	vcpu_args_set(bsp, 1, (u64)vector);

	EXPECT_EQ(KVM_MP_STATE_RUNNABLE, mp_state(bsp));
	for (i = 1; i < NR_VCPUS; i++)
		EXPECT_EQ(KVM_MP_STATE_UNINITIALIZED, mp_state(ap[i]))
			TH_LOG("AP %d before INIT", i);

	EXPECT_EQ(1, vcpu_run_sync(bsp));
	EXPECT_EQ(KVM_MP_STATE_INIT_RECEIVED, mp_state(ap[1]));
	EXPECT_EQ(KVM_MP_STATE_UNINITIALIZED, mp_state(ap[2]));

	EXPECT_EQ(2, vcpu_run_sync(bsp));
	EXPECT_EQ(KVM_MP_STATE_RUNNABLE, mp_state(ap[1]));
	EXPECT_EQ(KVM_MP_STATE_UNINITIALIZED, mp_state(ap[3]));
	/* Where the SIPI put it: real mode, CS = vector << 8, IP = 0. */
	vcpu_sregs_get(ap[1], &sregs);
	vcpu_regs_get(ap[1], &regs);
	EXPECT_EQ((u16)vector << 8, sregs.cs.selector);
	EXPECT_EQ((u64)vector << 12, sregs.cs.base);
	EXPECT_EQ(0, regs.rip);
	EXPECT_EQ(0, sregs.cr0 & X86_CR0_PE);

	for (i = 1; i < NR_VCPUS; i++)
		vcpu_thread_start(ap[i]);
	vcpu_thread_start(bsp);
	vcpu_thread_join(bsp, JOIN_TIMEOUT_MS);
	EXPECT_EQ(3, bsp->last_sync);
	for (i = 1; i < NR_VCPUS; i++) {
		vcpu_thread_join(ap[i], 5000);
		EXPECT_EQ(1, GUEST_VAR(vm, ap_boots[i])) TH_LOG("AP %d", i);
		EXPECT_EQ(2, GUEST_VAR(vm, ap_pings[i])) TH_LOG("AP %d", i);
		EXPECT_EQ(1, GUEST_VAR(vm, ap_ups[i])) TH_LOG("AP %d", i);
		EXPECT_EQ(2, GUEST_VAR(vm, ap_pongs[i])) TH_LOG("AP %d", i);
	}
	EXPECT_EQ(NR_VCPUS - 1, GUEST_VAR(vm, up_count));
	EXPECT_EQ(2 * (NR_VCPUS - 1), GUEST_VAR(vm, pong_count));
	vm_free(vm);
}

static volatile sig_atomic_t kicks;
static volatile bool kicker_stop;

static void on_sigusr1(int sig)
{
	kicks++;
}

static void *kicker(void *arg)
{
	pthread_t *target = arg;
	int i;

	/* Until told: one may land before the vCPU is in KVM_RUN. */
	for (i = 0; i < 100 && !kicker_stop; i++) {
		vt_sleep_ms(100);
		if (!kicker_stop)
			pthread_kill(*target, SIGUSR1);
	}
	return NULL;
}

static void guest_halt_if0(void)
{
	GUEST_SYNC(0);
	asm volatile("cli; hlt" : : : "memory");
	GUEST_SYNC(1);
	GUEST_DONE();
}

/*
 * HLT with IF=0 and nothing pending: the vCPU stays in KVM_RUN until a
 * signal; it is then HALTED, and KVM_SET_MP_STATE RUNNABLE continues
 * after the HLT. Setting an MP state an irqchip vCPU accepts and
 * refusing a bogus one.
 */
TEST(mp_state_halted)
{
	struct vt_vm *vm = vm_create(0);
	struct sigaction sa = { .sa_handler = on_sigusr1 };
	struct kvm_mp_state mp;
	struct vt_vcpu *vcpu;
	pthread_t self = pthread_self(), t;
	int r, err;

	vm_create_irqchip(vm);
	vcpu = vm_vcpu_add(vm, 0, guest_halt_if0);
	vcpu->run_timeout_ms = RUN_TIMEOUT_MS;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	EXPECT_EQ(0, vcpu_run_sync(vcpu));

	ASSERT_EQ(0, pthread_create(&t, NULL, kicker, &self));
	r = __vcpu_run(vcpu);
	err = errno;
	kicker_stop = true;
	pthread_join(t, NULL);
	EXPECT_EQ(-1, r);
	EXPECT_EQ(EINTR, err);
	EXPECT_EQ(KVM_EXIT_INTR, vcpu->run->exit_reason)
		TH_LOG("exit %s", exit_reason_str(vcpu->run->exit_reason));
	EXPECT_LT(0, kicks);
	EXPECT_EQ(KVM_MP_STATE_HALTED, mp_state(vcpu));

	mp.mp_state = 0x1234;
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_SET_MP_STATE, &mp));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(KVM_MP_STATE_HALTED, mp_state(vcpu));
	mp.mp_state = KVM_MP_STATE_RUNNABLE;
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_MP_STATE, &mp));
	EXPECT_EQ(KVM_MP_STATE_RUNNABLE, mp_state(vcpu));
	EXPECT_EQ(1, vcpu_run_sync(vcpu));
	vcpu_run_done(vcpu);
	vm_free(vm);
}

TEST_HARNESS_MAIN
