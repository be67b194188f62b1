// SPDX-License-Identifier: GPL-2.0
/*
 * Event injection without an in-kernel irqchip, as QEMU does it when it
 * emulates the interrupt controllers itself: request_interrupt_window
 * ends KVM_RUN with IRQ_WINDOW_OPEN only once the guest can take an
 * interrupt (IF=1, no interrupt shadow), ready_for_interrupt_injection
 * and if_flag tell userspace so, and KVM_INTERRUPT given then is
 * delivered exactly once with the right vector; KVM_NMI
 * reaches the NMI handler, and NMIs stay blocked until the guest's IRET;
 * KVM_SET_VCPU_EVENTS injects exceptions (with and without error code)
 * and an interrupt in delivery, and KVM_GET/SET_VCPU_EVENTS round-trip;
 * the capabilities and VM ioctls a VMM probes before it starts.
 */
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "vmtest.h"
#include "apic.h"

#define VEC_A		0x40
#define VEC_B		0x41
#define RUN_TIMEOUT_MS	10000
/* Guest busy loops: long enough to span many host ticks, still bounded. */
#define GUEST_SPIN	200000

static volatile u64 irq_count, irq_vector, irq_rflags;
static volatile u64 nmi_count, nmi_nested;
static volatile u64 exc_count, exc_vector, exc_error, exc_rip;

static void irq_handler(struct vt_regs *regs)
{
	irq_count++;
	irq_vector = regs->vector;
	irq_rflags = regs->rflags;
}

static struct vt_vm *vm_with_vcpu(void *guest_code, struct vt_vcpu **vcpu)
{
	struct vt_vm *vm = vm_create(0);

	*vcpu = vm_vcpu_add(vm, 0, guest_code);
	(*vcpu)->run_timeout_ms = RUN_TIMEOUT_MS;
	return vm;
}

static void spin(void)
{
	int i;

	for (i = 0; i < GUEST_SPIN; i++)
		cpu_relax();
}

static void guest_ready_flags(void)
{
	cli();
	GUEST_SYNC(0);
	sti();
	GUEST_SYNC(1);
	GUEST_SYNC2(irq_count, irq_vector);
	/* Delivered once: more open windows bring nothing new. */
	spin();
	cli();
	GUEST_SYNC(irq_count);
	GUEST_DONE();
}

/*
 * if_flag and ready_for_interrupt_injection follow the guest's IF at
 * each exit; KVM_INTERRUPT given while the guest is ready is delivered
 * at the next entry, exactly once, with the guest's IF=1 in the frame.
 * (Without an in-kernel irqchip KVM does not hold the vector back:
 * waiting until the guest is ready is userspace's part, with
 * request_interrupt_window below.)
 */
TEST(ready_for_injection)
{
	struct vt_vcpu *vcpu;
	struct vt_vm *vm = vm_with_vcpu(guest_ready_flags, &vcpu);
	struct kvm_interrupt irq = { .irq = VEC_A };
	struct kvm_run *run = vcpu->run;
	struct kvm_vcpu_events ev;
	struct ucall uc;

	vm_install_handler(vm, VEC_A, irq_handler);
	EXPECT_EQ(0, vcpu_run_sync(vcpu));
	EXPECT_EQ(0, run->if_flag);
	EXPECT_EQ(0, run->ready_for_interrupt_injection);
	EXPECT_EQ(1, vcpu_run_sync(vcpu));
	EXPECT_EQ(1, run->if_flag);
	EXPECT_EQ(1, run->ready_for_interrupt_injection);

	irq.irq = 256;
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_INTERRUPT, &irq));
	EXPECT_EQ(EINVAL, errno);
	irq.irq = VEC_A;
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_INTERRUPT, &irq));
	/* Queued for the next entry: KVM_GET_VCPU_EVENTS shows it. */
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_VCPU_EVENTS, &ev));
	EXPECT_EQ(1, ev.interrupt.injected);
	EXPECT_EQ(VEC_A, ev.interrupt.nr);

	ASSERT_EQ(UCALL_SYNC, vcpu_run_ucall(vcpu, &uc));
	EXPECT_EQ(1, uc.args[0]);
	EXPECT_EQ(VEC_A, uc.args[1]);
	EXPECT_TRUE(GUEST_VAR(vm, irq_rflags) & (1u << 9));
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_VCPU_EVENTS, &ev));
	EXPECT_EQ(0, ev.interrupt.injected);
	EXPECT_EQ(1, vcpu_run_sync(vcpu)) TH_LOG("delivered more than once");
	EXPECT_EQ(0, run->if_flag);
	vcpu_run_done(vcpu);
	vm_free(vm);
}

static void guest_irq_window(void)
{
	u64 i;

	cli();
	GUEST_SYNC(0);
	/*
	 * The window is requested but IF=0: no IRQ_WINDOW_OPEN exit. Nor
	 * in STI's shadow, which here covers the CLI that follows.
	 */
	spin();
	for (i = 0; i < 1000; i++)
		asm volatile("sti; cli" : : : "memory");
	GUEST_SYNC(1);
	sti();
	for (i = 0; i < 100000000ULL && !irq_count; i++)
		cpu_relax();
	cli();
	GUEST_SYNC2(irq_count, irq_vector);
	GUEST_DONE();
}

TEST(request_interrupt_window)
{
	struct vt_vcpu *vcpu;
	struct vt_vm *vm = vm_with_vcpu(guest_irq_window, &vcpu);
	struct kvm_interrupt irq = { .irq = VEC_B };
	struct kvm_run *run = vcpu->run;
	struct ucall uc;

	vm_install_handler(vm, VEC_B, irq_handler);
	EXPECT_EQ(0, vcpu_run_sync(vcpu));
	run->request_interrupt_window = 1;
	vcpu_run(vcpu);
	/* The "sti; cli" loop: an open window there is inside the shadow. */
	if (run->exit_reason == KVM_EXIT_IRQ_WINDOW_OPEN &&
	    *(u8 *)gpa2hva(vm, vcpu_get_reg_rip(vcpu) - 1) == 0xfb)
		vt_shadow_violation("KVM_EXIT_IRQ_WINDOW_OPEN right after STI");
	ASSERT_EQ(UCALL_SYNC, get_ucall(vcpu, &uc));
	EXPECT_EQ(1, uc.args[0]);
	EXPECT_EQ(0, run->ready_for_interrupt_injection);

	vcpu_run(vcpu);
	vcpu_assert_exit(vcpu, KVM_EXIT_IRQ_WINDOW_OPEN);
	EXPECT_EQ(1, run->if_flag);
	EXPECT_EQ(1, run->ready_for_interrupt_injection);
	run->request_interrupt_window = 0;
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_INTERRUPT, &irq));
	ASSERT_EQ(UCALL_SYNC, vcpu_run_ucall(vcpu, &uc));
	EXPECT_EQ(1, uc.args[0]);
	EXPECT_EQ(VEC_B, uc.args[1]);
	vcpu_run_done(vcpu);
	vm_free(vm);
}

/*
 * A window requested while the guest already runs with IF=1 opens at
 * once, and KVM_INTERRUPT then lands in the spinning guest.
 */
static void guest_spin_if1(void)
{
	u64 i;

	sti();
	GUEST_SYNC(0);
	for (i = 0; i < 100000000ULL && !irq_count; i++)
		cpu_relax();
	GUEST_SYNC2(irq_count, irq_vector);
	GUEST_DONE();
}

TEST(window_with_if_set)
{
	struct vt_vcpu *vcpu;
	struct vt_vm *vm = vm_with_vcpu(guest_spin_if1, &vcpu);
	struct kvm_interrupt irq = { .irq = VEC_A };
	struct kvm_run *run = vcpu->run;
	struct ucall uc;

	vm_install_handler(vm, VEC_A, irq_handler);
	EXPECT_EQ(0, vcpu_run_sync(vcpu));
	EXPECT_EQ(1, run->if_flag);
	EXPECT_EQ(1, run->ready_for_interrupt_injection);
	run->request_interrupt_window = 1;
	vcpu_run(vcpu);
	vcpu_assert_exit(vcpu, KVM_EXIT_IRQ_WINDOW_OPEN);
	run->request_interrupt_window = 0;
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_INTERRUPT, &irq));
	ASSERT_EQ(UCALL_SYNC, vcpu_run_ucall(vcpu, &uc));
	EXPECT_EQ(1, uc.args[0]);
	EXPECT_EQ(VEC_A, uc.args[1]);
	vcpu_run_done(vcpu);
	vm_free(vm);
}

static void nmi_handler(struct vt_regs *regs)
{
	u64 n = ++nmi_count;

	if (n == 1) {
		/* The host queues a second NMI here: it must wait for IRET. */
		GUEST_SYNC(100);
		spin();
		nmi_nested = nmi_count != 1;
	}
}

static void guest_nmi(void)
{
	u64 i;

	cli();		/* NMIs ignore IF */
	GUEST_SYNC(0);
	for (i = 0; i < 100000000ULL && nmi_count < 2; i++)
		cpu_relax();
	GUEST_SYNC2(nmi_count, nmi_nested);
	GUEST_DONE();
}

TEST(nmi_blocked_until_iret)
{
	struct vt_vcpu *vcpu;
	struct vt_vm *vm = vm_with_vcpu(guest_nmi, &vcpu);
	struct kvm_vcpu_events ev;
	struct ucall uc;

	ASSERT_LT(0, vt_check_cap(vm->dev_fd, KVM_CAP_USER_NMI));
	vm_install_handler(vm, 2, nmi_handler);
	EXPECT_EQ(0, vcpu_run_sync(vcpu));
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_NMI));
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_VCPU_EVENTS, &ev));
	EXPECT_EQ(1, ev.nmi.pending);
	EXPECT_EQ(0, ev.nmi.masked);

	/* In the handler: NMIs are masked until its IRET. */
	EXPECT_EQ(100, vcpu_run_sync(vcpu));
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_VCPU_EVENTS, &ev));
	EXPECT_EQ(0, ev.nmi.pending);
	EXPECT_EQ(1, ev.nmi.masked);
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_NMI));
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_VCPU_EVENTS, &ev));
	EXPECT_EQ(1, ev.nmi.pending);
	EXPECT_EQ(1, ev.nmi.masked);

	ASSERT_EQ(UCALL_SYNC, vcpu_run_ucall(vcpu, &uc));
	EXPECT_EQ(2, uc.args[0]) TH_LOG("NMIs delivered");
	EXPECT_EQ(0, uc.args[1]) TH_LOG("second NMI arrived inside the first");
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_VCPU_EVENTS, &ev));
	EXPECT_EQ(0, ev.nmi.pending);
	EXPECT_EQ(0, ev.nmi.masked);
	vcpu_run_done(vcpu);
	vm_free(vm);
}

static void nmi_count_handler(struct vt_regs *regs)
{
	nmi_count++;
}

static void exc_handler(struct vt_regs *regs)
{
	exc_count++;
	exc_vector = regs->vector;
	exc_error = regs->error_code;
	exc_rip = regs->rip;
}

static void guest_injected_exceptions(void)
{
	int i;

	for (i = 0; i < 4; i++) {
		GUEST_SYNC(i);
		GUEST_SYNC2(exc_vector, exc_error);
		GUEST_SYNC2(exc_rip, exc_count);
	}
	GUEST_DONE();
}

static void inject_exception(struct vt_vcpu *vcpu, u8 nr, bool has_error,
			     u32 error)
{
	struct kvm_vcpu_events ev;

	VT_IOCTL(vcpu->fd, KVM_GET_VCPU_EVENTS, &ev);
	ev.flags = 0;
	ev.exception.injected = 1;
	ev.exception.nr = nr;
	ev.exception.has_error_code = has_error;
	ev.exception.error_code = error;
	VT_IOCTL(vcpu->fd, KVM_SET_VCPU_EVENTS, &ev);
	/* Until the next KVM_RUN, KVM_GET_VCPU_EVENTS shows it. */
	memset(&ev, 0, sizeof(ev));
	VT_IOCTL(vcpu->fd, KVM_GET_VCPU_EVENTS, &ev);
	VT_ASSERT(ev.exception.injected == 1 && ev.exception.nr == nr &&
		  ev.exception.has_error_code == has_error &&
		  (!has_error || ev.exception.error_code == error),
		  "KVM_GET_VCPU_EVENTS: injected %u nr %u has_error %u error 0x%x",
		  ev.exception.injected, ev.exception.nr,
		  ev.exception.has_error_code, ev.exception.error_code);
}

/*
 * Each exception is injected at a ucall exit: it is delivered after the
 * OUT completes, so the handler's frame points just past the OUT (one
 * byte: "out %al, %dx").
 */
TEST(injected_exceptions_reach_handler)
{
	static const struct { u8 nr; bool has_error; u32 error; } cases[] = {
		{ 13, true, 0x1234 },	/* #GP */
		{ 14, true, 0x6 },	/* #PF, write to a not-present page */
		{ 6, false, 0 },	/* #UD */
		{ 17, true, 0 },	/* #AC, error code 0 */
	};
	struct vt_vcpu *vcpu;
	struct vt_vm *vm = vm_with_vcpu(guest_injected_exceptions, &vcpu);
	struct ucall uc;
	unsigned int i;
	u64 rip;

	ASSERT_LT(0, vt_check_cap(vm->dev_fd, KVM_CAP_VCPU_EVENTS));
	for (i = 0; i < ARRAY_SIZE(cases); i++)
		vm_install_handler(vm, cases[i].nr, exc_handler);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		EXPECT_EQ(i, vcpu_run_sync(vcpu));
		rip = vcpu_get_reg_rip(vcpu);
		inject_exception(vcpu, cases[i].nr, cases[i].has_error,
				 cases[i].error);
		ASSERT_EQ(UCALL_SYNC, vcpu_run_ucall(vcpu, &uc));
		EXPECT_EQ(cases[i].nr, uc.args[0]) TH_LOG("case %u", i);
		EXPECT_EQ(cases[i].error, uc.args[1]) TH_LOG("case %u", i);
		ASSERT_EQ(UCALL_SYNC, vcpu_run_ucall(vcpu, &uc));
		EXPECT_EQ(rip + 1, uc.args[0]) TH_LOG("case %u", i);
		EXPECT_EQ(i + 1, uc.args[1]) TH_LOG("case %u: delivered once", i);
	}
	vcpu_run_done(vcpu);
	vm_free(vm);
}

TEST(set_vcpu_events_invalid)
{
	struct vt_vcpu *vcpu;
	struct vt_vm *vm = vm_with_vcpu(guest_injected_exceptions, &vcpu);
	struct kvm_vcpu_events ev, good;

	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_VCPU_EVENTS, &good));
	/* The NMI vector and vectors above 31 are not exceptions. */
	ev = good;
	ev.exception.injected = 1;
	ev.exception.nr = 2;
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_SET_VCPU_EVENTS, &ev));
	EXPECT_EQ(EINVAL, errno);
	ev.exception.nr = 32;
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_SET_VCPU_EVENTS, &ev));
	EXPECT_EQ(EINVAL, errno);
	/* Unknown flags. */
	ev = good;
	ev.flags |= 1u << 30;
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_SET_VCPU_EVENTS, &ev));
	EXPECT_EQ(EINVAL, errno);
	/* A payload without KVM_CAP_EXCEPTION_PAYLOAD enabled. */
	ev = good;
	ev.flags |= KVM_VCPUEVENT_VALID_PAYLOAD;
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_SET_VCPU_EVENTS, &ev));
	EXPECT_EQ(EINVAL, errno);
	/* Nothing of that stuck. */
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_VCPU_EVENTS, &ev));
	EXPECT_EQ(0, ev.exception.injected);
	EXPECT_EQ(0, ev.nmi.pending);
	vm_free(vm);
}

extern const char iret_to_self_done[];

static void guest_masked_nmi(void)
{
	GUEST_SYNC(nmi_count);
	spin();
	GUEST_SYNC(nmi_count);
	/* An IRET unmasks NMIs, whatever it returns from. */
	asm volatile("movq %%ss, %%rax\n\t"
		     "pushq %%rax\n\t"
		     "pushq %%rsp\n\t"
		     "addq $8, (%%rsp)\n\t"
		     "pushfq\n\t"
		     "movq %%cs, %%rax\n\t"
		     "pushq %%rax\n\t"
		     "pushq $iret_to_self_done\n\t"
		     "iretq\n"
		     ".globl iret_to_self_done\n"
		     "iret_to_self_done:"
		     : : : "rax", "memory");
	GUEST_SYNC(nmi_count);
	GUEST_DONE();
}

/*
 * What KVM_GET_VCPU_EVENTS reports of a fresh vCPU, the NMI and shadow
 * state KVM_SET_VCPU_EVENTS sets (and its effect: a pending NMI that
 * userspace marked masked waits for the guest's next IRET).
 */
TEST(vcpu_events_round_trip)
{
	struct vt_vcpu *vcpu;
	struct vt_vm *vm = vm_with_vcpu(guest_masked_nmi, &vcpu);
	struct kvm_vcpu_events ev, got;

	vm_install_handler(vm, 2, nmi_count_handler);
	memset(&ev, 0xaa, sizeof(ev));
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_VCPU_EVENTS, &ev));
	EXPECT_EQ(KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SHADOW,
		  ev.flags & (KVM_VCPUEVENT_VALID_NMI_PENDING |
			      KVM_VCPUEVENT_VALID_SHADOW));
	EXPECT_EQ(0, ev.exception.injected);
	EXPECT_EQ(0, ev.interrupt.injected);
	EXPECT_EQ(0, ev.interrupt.shadow);
	EXPECT_EQ(0, ev.nmi.injected);
	EXPECT_EQ(0, ev.nmi.pending);
	EXPECT_EQ(0, ev.nmi.masked);
	EXPECT_EQ(0, ev.sipi_vector);
	EXPECT_EQ(0, ev.reserved[0]);

	ev.flags = KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SHADOW;
	ev.nmi.pending = 1;
	ev.nmi.masked = 1;
	ev.interrupt.shadow = KVM_X86_SHADOW_INT_MOV_SS;
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_VCPU_EVENTS, &ev));
	memset(&got, 0, sizeof(got));
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_VCPU_EVENTS, &got));
	EXPECT_EQ(1, got.nmi.pending);
	EXPECT_EQ(1, got.nmi.masked);
	EXPECT_EQ(0, got.nmi.injected);
	/* SVM has one shadow bit: kvm_amd reports it as both kinds. */
	EXPECT_TRUE(got.interrupt.shadow == KVM_X86_SHADOW_INT_MOV_SS ||
		    got.interrupt.shadow == (KVM_X86_SHADOW_INT_MOV_SS |
					     KVM_X86_SHADOW_INT_STI))
		TH_LOG("shadow %u", got.interrupt.shadow);
	EXPECT_EQ(0, got.exception.injected);

	/* Without VALID_NMI_PENDING, nmi.pending is left alone. */
	got.flags = KVM_VCPUEVENT_VALID_SHADOW;
	got.nmi.pending = 0;
	got.interrupt.shadow = 0;
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_VCPU_EVENTS, &got));
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_VCPU_EVENTS, &got));
	EXPECT_EQ(1, got.nmi.pending);
	EXPECT_EQ(1, got.nmi.masked);
	EXPECT_EQ(0, got.interrupt.shadow);

	EXPECT_EQ(0, vcpu_run_sync(vcpu));
	EXPECT_EQ(0, vcpu_run_sync(vcpu)) TH_LOG("masked NMI was delivered");
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_VCPU_EVENTS, &got));
	EXPECT_EQ(1, got.nmi.pending);
	EXPECT_EQ(1, got.nmi.masked);
	/* The guest's IRET opens the NMI window. */
	EXPECT_EQ(1, vcpu_run_sync(vcpu));
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_VCPU_EVENTS, &got));
	EXPECT_EQ(0, got.nmi.pending);
	EXPECT_EQ(0, got.nmi.masked);
	vcpu_run_done(vcpu);
	vm_free(vm);
}

static void guest_if0_sync(void)
{
	cli();
	GUEST_SYNC(0);
	GUEST_SYNC2(irq_count, irq_vector);
	spin();
	GUEST_SYNC(irq_count);
	GUEST_DONE();
}

/*
 * An interrupt "in delivery" (interrupt.injected, as KVM_GET_VCPU_EVENTS
 * reports one cut short by an exit) is delivered on the next entry even
 * though IF=0: it was accepted before. Exactly once. Vendor-specific: on
 * Intel, VM entry refuses to inject an external interrupt while RFLAGS.IF
 * is 0 (SDM 26.2.1.3), so kvm_intel and vmon both report FAIL_ENTRY with
 * "invalid guest state" (0x80000021) instead.
 */
TEST(injected_interrupt_event)
{
	struct vt_vcpu *vcpu;
	struct vt_vm *vm = vm_with_vcpu(guest_if0_sync, &vcpu);
	struct kvm_vcpu_events ev;
	struct ucall uc;

	vm_install_handler(vm, VEC_B, irq_handler);
	EXPECT_EQ(0, vcpu_run_sync(vcpu));
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_VCPU_EVENTS, &ev));
	ev.flags = 0;
	ev.interrupt.injected = 1;
	ev.interrupt.nr = VEC_B;
	ev.interrupt.soft = 0;
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_VCPU_EVENTS, &ev));
	memset(&ev, 0, sizeof(ev));
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_VCPU_EVENTS, &ev));
	EXPECT_EQ(1, ev.interrupt.injected);
	EXPECT_EQ(VEC_B, ev.interrupt.nr);

	if (vt_host_is_intel()) {
		vcpu_run(vcpu);
		vcpu_assert_exit(vcpu, KVM_EXIT_FAIL_ENTRY);
		EXPECT_EQ(0x80000021ULL,
			  vcpu->run->fail_entry.hardware_entry_failure_reason);
		vm_free(vm);
		return;
	}
	ASSERT_EQ(UCALL_SYNC, vcpu_run_ucall(vcpu, &uc));
	EXPECT_EQ(1, uc.args[0]);
	EXPECT_EQ(VEC_B, uc.args[1]);
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_VCPU_EVENTS, &ev));
	EXPECT_EQ(0, ev.interrupt.injected);
	EXPECT_EQ(1, vcpu_run_sync(vcpu));
	vcpu_run_done(vcpu);
	vm_free(vm);
}

/* Capabilities a VMM checks before it starts, with their ioctls. */
TEST(vmm_probe)
{
	struct vt_vm *vm = vm_create_bare();
	static const struct { long cap; const char *name; } caps[] = {
		{ KVM_CAP_SET_TSS_ADDR, "SET_TSS_ADDR" },
		{ KVM_CAP_EXT_CPUID, "EXT_CPUID" },
		{ KVM_CAP_MP_STATE, "MP_STATE" },
		{ KVM_CAP_DESTROY_MEMORY_REGION_WORKS, "DESTROY_MEMORY_REGION_WORKS" },
		{ KVM_CAP_JOIN_MEMORY_REGIONS_WORKS, "JOIN_MEMORY_REGIONS_WORKS" },
		{ KVM_CAP_IRQ_ROUTING, "IRQ_ROUTING" },
		{ KVM_CAP_USER_NMI, "USER_NMI" },
		{ KVM_CAP_VCPU_EVENTS, "VCPU_EVENTS" },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(caps); i++) {
		EXPECT_LT(0, ioctl(vm->dev_fd, KVM_CHECK_EXTENSION, caps[i].cap))
			TH_LOG("KVM_CAP_%s", caps[i].name);
		EXPECT_LT(0, ioctl(vm->fd, KVM_CHECK_EXTENSION, caps[i].cap))
			TH_LOG("KVM_CAP_%s on the VM fd", caps[i].name);
	}
	/* QEMU's choice: three pages below the BIOS. */
	EXPECT_EQ(0, ioctl(vm->fd, KVM_SET_TSS_ADDR, 0xfffbd000UL))
		TH_LOG("KVM_SET_TSS_ADDR: %s", strerror(errno));
	vm_free(vm);
}

#define JOIN_GPA	0xc0000000ULL

static void guest_join(u64 *p)
{
	GUEST_SYNC(*(volatile u64 *)((u8 *)p + 4096 - 4));
	GUEST_SYNC(*(volatile u32 *)((u8 *)p + 4096));
	GUEST_DONE();
}

/*
 * JOIN_MEMORY_REGIONS_WORKS: an access spanning two adjacent slots reads
 * both; DESTROY_MEMORY_REGION_WORKS: once one is deleted, its range is
 * MMIO again.
 */
TEST(join_and_destroy_regions)
{
	struct vt_vcpu *vcpu;
	struct vt_vm *vm = vm_with_vcpu(guest_join, &vcpu);
	u8 *a = vm_mem_add(vm, 1, JOIN_GPA, 4096, 0);
	u8 *b = vm_mem_add(vm, 2, JOIN_GPA + 4096, 4096, 0);

	memcpy(a + 4096 - 4, "\x11\x22\x33\x44", 4);
	memcpy(b, "\x55\x66\x77\x88", 4);
	vcpu_args_set(vcpu, 1, JOIN_GPA);
	EXPECT_EQ(0x8877665544332211ULL, vcpu_run_sync(vcpu));
	vm_mem_delete(vm, 2);
	vcpu_run(vcpu);
	vcpu_assert_mmio(vcpu, JOIN_GPA + 4096, 4, false);
	vcpu_mmio_reply(vcpu, 0xfeedf00d);
	EXPECT_EQ(0xfeedf00d, vcpu_run_sync(vcpu));
	vcpu_run_done(vcpu);
	vm_free(vm);
}

/*
 * A fault the hypervisor injects (here #GP for RDMSR of an MSR that does
 * not exist) pushes RF=1, as the CPU does for its own faults and KVM for
 * the ones it injects; the handler skips the RDMSR.
 */
#ifndef X86_EFLAGS_TF
#define X86_EFLAGS_TF	(1ULL << 8)
#endif
#ifndef X86_EFLAGS_IF
#define X86_EFLAGS_IF	(1ULL << 9)
#endif
#ifndef X86_EFLAGS_RF
#define X86_EFLAGS_RF	(1ULL << 16)
#endif

static u64 vcpu_rflags(struct vt_vcpu *vcpu)
{
	struct kvm_regs regs;

	vcpu_regs_get(vcpu, &regs);
	return regs.rflags;
}

static volatile u64 gp_rflags, gp_count;

static void gp_skip_handler(struct vt_regs *regs)
{
	gp_rflags = regs->rflags;
	gp_count++;
	regs->rip += 2;			/* rdmsr */
}

static void guest_rdmsr_gp(void)
{
	u32 lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(0x2fffffffU)
		     : "memory");
	GUEST_SYNC2(gp_count, gp_rflags);
	GUEST_DONE();
}

TEST(injected_fault_pushes_rf)
{
	struct vt_vcpu *vcpu;
	struct vt_vm *vm = vm_with_vcpu(guest_rdmsr_gp, &vcpu);
	struct ucall uc;

	vm_install_handler(vm, 13, gp_skip_handler);
	ASSERT_EQ(UCALL_SYNC, vcpu_run_ucall(vcpu, &uc));
	EXPECT_EQ(1, uc.args[0]);
	EXPECT_TRUE(uc.args[1] & X86_EFLAGS_RF)
		TH_LOG("frame RFLAGS %#llx", (unsigned long long)uc.args[1]);
	/* The IRET completed the handler: RF is gone again. */
	EXPECT_FALSE(vcpu_rflags(vcpu) & X86_EFLAGS_RF);
	vcpu_run_done(vcpu);
	vm_free(vm);
}

/*
 * An INT n or a PUSHF in an STI shadow while an interrupt window is
 * wanted. vmon may step out of a shadow with TF (SVM, for QEMU's SVM
 * that forgets the shadow at VMRUN): that TF must never reach the
 * guest, not in the INT n frame (whose IRET would make the guest
 * single-step into a #DB it never asked for) nor on the stack. The host
 * puts the guest in the shadow (KVM_SET_VCPU_EVENTS) at each sequence.
 */
static volatile u64 int50_rflags, pushf_val, shadow_db_count;

static void int50_handler(struct vt_regs *regs)
{
	int50_rflags = regs->rflags;
}

static void shadow_db_handler(struct vt_regs *regs)
{
	shadow_db_count++;
	regs->rflags &= ~X86_EFLAGS_TF;
}

void shadow_after_int(void);
void shadow_after_pushf(void);
extern const char shadow_int_seq[], shadow_pushf_seq[];

asm(".pushsection .text\n"
    ".globl shadow_int_seq\n"
    "shadow_int_seq:\n\t"
    "int $0x50\n\tnop\n\tnop\n\t"
    "jmp shadow_after_int\n"
    ".globl shadow_pushf_seq\n"
    "shadow_pushf_seq:\n\t"
    "pushf\n\tpop %rax\n\tmov %rax, pushf_val(%rip)\n\tnop\n\t"
    "jmp shadow_after_pushf\n"
    ".popsection");

void shadow_after_int(void)
{
	GUEST_SYNC2(int50_rflags, shadow_db_count);
	for (;;)
		GUEST_SYNC(0);
}

void shadow_after_pushf(void)
{
	GUEST_SYNC2(pushf_val, shadow_db_count);
	GUEST_DONE();
}

static void guest_shadow_wait(void)
{
	for (;;)
		GUEST_SYNC(0);
}

/* Put the vCPU in an STI shadow at @rip with IF=1, wanting a window. */
static void enter_shadow_at(struct vt_vcpu *vcpu, const void *rip)
{
	struct kvm_vcpu_events ev;
	struct kvm_regs regs;

	vcpu_regs_get(vcpu, &regs);
	regs.rip = (u64)rip;
	regs.rflags |= X86_EFLAGS_IF;
	VT_IOCTL(vcpu->fd, KVM_SET_REGS, &regs);
	VT_IOCTL(vcpu->fd, KVM_GET_VCPU_EVENTS, &ev);
	ev.flags = KVM_VCPUEVENT_VALID_SHADOW;
	ev.interrupt.shadow = KVM_X86_SHADOW_INT_STI;
	VT_IOCTL(vcpu->fd, KVM_SET_VCPU_EVENTS, &ev);
	vcpu->run->request_interrupt_window = 1;
}

/* Run to the next ucall; window-open exits just withdraw the request. */
static u64 run_past_windows(struct vt_vcpu *vcpu, struct ucall *uc)
{
	for (;;) {
		vcpu_run(vcpu);
		if (vcpu->run->exit_reason != KVM_EXIT_IRQ_WINDOW_OPEN)
			break;
		vcpu->run->request_interrupt_window = 0;
	}
	vcpu->run->request_interrupt_window = 0;
	return get_ucall(vcpu, uc);
}

TEST(shadow_step_tf_stays_hidden)
{
	struct vt_vcpu *vcpu;
	struct vt_vm *vm = vm_with_vcpu(guest_shadow_wait, &vcpu);
	struct ucall uc;

	vm_install_handler(vm, 0x50, int50_handler);
	vm_install_handler(vm, 1, shadow_db_handler);
	EXPECT_EQ(0, vcpu_run_sync(vcpu));

	enter_shadow_at(vcpu, shadow_int_seq);
	ASSERT_EQ(UCALL_SYNC, run_past_windows(vcpu, &uc));
	EXPECT_FALSE(uc.args[0] & X86_EFLAGS_TF)
		TH_LOG("INT n frame RFLAGS %#llx", (unsigned long long)uc.args[0]);
	EXPECT_EQ(0, uc.args[1]) TH_LOG("#DB the guest never asked for");
	EXPECT_FALSE(vcpu_rflags(vcpu) & X86_EFLAGS_TF);
	EXPECT_EQ(0, vcpu_run_sync(vcpu));

	enter_shadow_at(vcpu, shadow_pushf_seq);
	ASSERT_EQ(UCALL_SYNC, run_past_windows(vcpu, &uc));
	EXPECT_FALSE(uc.args[0] & X86_EFLAGS_TF)
		TH_LOG("PUSHF pushed %#llx", (unsigned long long)uc.args[0]);
	EXPECT_EQ(0, uc.args[1]) TH_LOG("#DB the guest never asked for");
	vcpu_run_done(vcpu);
	vm_free(vm);
}

TEST_HARNESS_MAIN
