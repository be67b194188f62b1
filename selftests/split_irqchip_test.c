// SPDX-License-Identifier: GPL-2.0
/*
 * The split irqchip (KVM_ENABLE_CAP(KVM_CAP_SPLIT_IRQCHIP)): local APICs
 * in the kernel, PIC and IOAPIC in userspace, as QEMU's -M microvm and
 * kernel-irqchip=split use it. Real guests check MSI routes behind
 * KVM_IRQ_LINE, KVM_SIGNAL_MSI and irqfds; the KVM_EXIT_IOAPIC_EOI exit
 * for the EOI of a level-triggered vector routed on a reserved GSI (and
 * none for an edge one, or one beyond the reserved GSIs); ExtINT through
 * KVM_INTERRUPT into the LAPIC's LINT0 with ready_for_interrupt_injection
 * and KVM_EXIT_IRQ_WINDOW_OPEN; the errnos of the ioctls the split mode
 * refuses. Also KVM_CAP_X2APIC_API (32-bit ids in MSIs and
 * KVM_GET/SET_LAPIC, the broadcast quirk) and KVM_TPR_ACCESS_REPORTING
 * (KVM_EXIT_TPR_ACCESS), with the facts taken from KVM 6.1.
 */
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vmtest.h"
#include "apic.h"

#define RUN_TIMEOUT_MS	10000
#define NR_RESERVED	24	/* QEMU's: the IOAPIC's pins */
#define VEC_EDGE	0x40
#define VEC_LEVEL	0x41
#define VEC_HIGH	0x42	/* routed on a GSI past the reserved ones */
#define VEC_EXTINT	0x30
#define VEC_EXTINT2	0x31
#define VEC_SELF	0x32
#define VEC_X2		0x50
#define MSI_LEVEL	(1u << 15)	/* data: level-triggered */
#define MSI_ASSERT	(1u << 14)
#define DM_EXTINT	(7u << 8)

static volatile u64 irq_count, irq_vector, irq_first;

static void xapic_handler(struct vt_regs *regs)
{
	irq_count++;
	irq_vector = regs->vector;
	xapic_eoi();
}

static void x2apic_handler(struct vt_regs *regs)
{
	irq_count++;
	irq_vector = regs->vector;
	x2apic_write(APIC_EOI, 0);
}

/* ExtINT sets no ISR bit: nothing to EOI. */
static void extint_handler(struct vt_regs *regs)
{
	irq_count++;
	irq_vector = regs->vector;
	irq_first = irq_first ? irq_first : regs->vector;
}

static int enable_split(struct vt_vm *vm, u64 nr)
{
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_SPLIT_IRQCHIP, .args = { nr },
	};

	return ioctl(vm->fd, KVM_ENABLE_CAP, &cap);
}

static int enable_x2apic_api(struct vt_vm *vm, u64 flags)
{
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_X2APIC_API, .args = { flags },
	};

	return ioctl(vm->fd, KVM_ENABLE_CAP, &cap);
}

static struct vt_vm *vm_split(void *guest_code, struct vt_vcpu **vcpu,
			      u64 x2apic_api)
{
	struct vt_vm *vm = vm_create(0);

	VT_ASSERT(vt_check_cap(vm->dev_fd, KVM_CAP_SPLIT_IRQCHIP) == 1,
		  "KVM_CAP_SPLIT_IRQCHIP not advertised");
	if (x2apic_api)
		VT_ASSERT(!enable_x2apic_api(vm, x2apic_api),
			  "KVM_CAP_X2APIC_API: %s", strerror(errno));
	VT_ASSERT(!enable_split(vm, NR_RESERVED), "KVM_CAP_SPLIT_IRQCHIP: %s",
		  strerror(errno));
	*vcpu = vm_vcpu_add(vm, 0, guest_code);
	(*vcpu)->run_timeout_ms = RUN_TIMEOUT_MS;
	return vm;
}

static struct kvm_irq_routing *routes_alloc(int n)
{
	struct kvm_irq_routing *rt;

	rt = calloc(1, sizeof(*rt) + n * sizeof(rt->entries[0]));
	VT_ASSERT(rt, "out of memory");
	rt->nr = n;
	return rt;
}

static void route_msi(struct kvm_irq_routing *rt, int i, u32 gsi,
		      u32 addr_lo, u32 addr_hi, u32 data)
{
	rt->entries[i].gsi = gsi;
	rt->entries[i].type = KVM_IRQ_ROUTING_MSI;
	rt->entries[i].u.msi.address_lo = addr_lo;
	rt->entries[i].u.msi.address_hi = addr_hi;
	rt->entries[i].u.msi.data = data;
}

static int irq_line_status(struct vt_vm *vm, u32 gsi, u32 level, int *status)
{
	struct kvm_irq_level l = { .irq = gsi, .level = level };
	int r = ioctl(vm->fd, KVM_IRQ_LINE_STATUS, &l);

	*status = l.status;
	return r;
}

static void irq_line(struct vt_vm *vm, u32 gsi, u32 level)
{
	struct kvm_irq_level l = { .irq = gsi, .level = level };

	VT_ASSERT(!ioctl(vm->fd, KVM_IRQ_LINE, &l), "KVM_IRQ_LINE: %s",
		  strerror(errno));
}

static void guest_nothing(void)
{
	GUEST_DONE();
}

/* KVM 6.1's kvm_vm_ioctl_enable_cap and the split mode's refusals. */
TEST(enable_cap_errnos)
{
	struct vt_vm *vm = vm_create(0), *vm2;
	struct kvm_irq_routing *rt = routes_alloc(1);
	struct kvm_irqchip chip = { .chip_id = KVM_IRQCHIP_IOAPIC };
	struct kvm_irqfd irqfd = { .gsi = 3, .flags = KVM_IRQFD_FLAG_RESAMPLE };
	struct vt_vcpu *vcpu;
	int status;

	EXPECT_EQ(1, vt_check_cap(vm->dev_fd, KVM_CAP_SPLIT_IRQCHIP));
	EXPECT_EQ(KVM_X2APIC_API_USE_32BIT_IDS |
		  KVM_X2APIC_API_DISABLE_BROADCAST_QUIRK,
		  vt_check_cap(vm->dev_fd, KVM_CAP_X2APIC_API));
	/* Without an irqchip KVM_IRQ_LINE has nothing to drive. */
	EXPECT_EQ(-1, irq_line_status(vm, 0, 1, &status));
	EXPECT_EQ(ENXIO, errno);
	/* More reserved GSIs than routes: EINVAL, before anything else. */
	EXPECT_EQ(-1, enable_split(vm, 4097));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, enable_split(vm, 4096));
	EXPECT_EQ(-1, enable_split(vm, NR_RESERVED));
	EXPECT_EQ(EEXIST, errno);
	EXPECT_EQ(-1, ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0));
	EXPECT_EQ(EEXIST, errno);
	/* No in-kernel PIC or IOAPIC to show or set. */
	EXPECT_EQ(-1, ioctl(vm->fd, KVM_GET_IRQCHIP, &chip));
	EXPECT_EQ(ENXIO, errno);
	EXPECT_EQ(-1, ioctl(vm->fd, KVM_SET_IRQCHIP, &chip));
	EXPECT_EQ(ENXIO, errno);
	/* ... nor to route to. */
	rt->entries[0].gsi = 3;
	rt->entries[0].type = KVM_IRQ_ROUTING_IRQCHIP;
	rt->entries[0].u.irqchip.irqchip = KVM_IRQCHIP_IOAPIC;
	rt->entries[0].u.irqchip.pin = 3;
	EXPECT_EQ(-1, ioctl(vm->fd, KVM_SET_GSI_ROUTING, rt));
	EXPECT_EQ(EINVAL, errno);
	/* Resampling needs the in-kernel IOAPIC's EOI. */
	irqfd.fd = eventfd(0, EFD_CLOEXEC);
	irqfd.resamplefd = eventfd(0, EFD_CLOEXEC);
	EXPECT_EQ(-1, ioctl(vm->fd, KVM_IRQFD, &irqfd));
	EXPECT_EQ(EINVAL, errno);
	close(irqfd.fd);
	close(irqfd.resamplefd);
	/* The routing starts empty: a line goes nowhere (status -1). */
	EXPECT_EQ(0, irq_line_status(vm, 3, 1, &status));
	EXPECT_EQ(-1, status);
	/* Unknown X2APIC_API flags. */
	EXPECT_EQ(-1, enable_x2apic_api(vm, 4));
	EXPECT_EQ(EINVAL, errno);
	/* A vCPU of a split VM is created with its LAPIC. */
	vcpu = vm_vcpu_add(vm, 0, guest_nothing);
	EXPECT_EQ(0, ioctl(vcpu->fd, KVM_SET_VAPIC_ADDR,
			   &(struct kvm_vapic_addr){ 0 }));
	vcpu_run_done(vcpu);
	vm_free(vm);

	/* Too late once a vCPU exists, or after KVM_CREATE_IRQCHIP. */
	vm = vm_create(0);
	vm_vcpu_add(vm, 0, guest_nothing);
	EXPECT_EQ(-1, enable_split(vm, NR_RESERVED));
	EXPECT_EQ(EEXIST, errno);
	vm2 = vm_create(0);
	vm_create_irqchip(vm2);
	EXPECT_EQ(-1, enable_split(vm2, NR_RESERVED));
	EXPECT_EQ(EEXIST, errno);
	vm_free(vm2);
	vm_free(vm);
	free(rt);
}

static void guest_count(void)
{
	int i;

	xapic_enable();
	/* Each round lets interrupts in for an instruction, then reports. */
	for (i = 0; i < 5; i++) {
		sti_nop_cli();
		GUEST_SYNC2(irq_count, irq_vector);
	}
	GUEST_DONE();
}

#define EXPECT_SYNC(vcpu, count, vector) do {				\
	struct ucall __uc;						\
	ASSERT_EQ(UCALL_SYNC, vcpu_run_ucall((vcpu), &__uc));		\
	EXPECT_EQ((count), __uc.args[0]);				\
	EXPECT_EQ((vector), __uc.args[1]);				\
} while (0)

/* MSI routes: QEMU's IOAPIC pins (KVM_IRQ_LINE), KVM_SIGNAL_MSI, irqfd. */
TEST(msi_routing)
{
	struct vt_vcpu *vcpu;
	struct vt_vm *vm = vm_split(guest_count, &vcpu, 0);
	struct kvm_irq_routing *rt = routes_alloc(2);
	struct kvm_msi msi = { .address_lo = APIC_DEFAULT_GPA,
			       .data = VEC_EDGE + 2 };
	int efd = eventfd(0, EFD_CLOEXEC);
	struct kvm_irqfd irqfd = { .fd = efd, .gsi = 9 };
	u64 one = 1;
	int status;

	route_msi(rt, 0, 4, APIC_DEFAULT_GPA, 0, VEC_EDGE);
	route_msi(rt, 1, 9, APIC_DEFAULT_GPA, 0, VEC_EDGE + 1);
	ASSERT_EQ(0, ioctl(vm->fd, KVM_SET_GSI_ROUTING, rt));
	ASSERT_EQ(0, ioctl(vm->fd, KVM_IRQFD, &irqfd));
	vm_install_handler(vm, VEC_EDGE, xapic_handler);
	vm_install_handler(vm, VEC_EDGE + 1, xapic_handler);
	vm_install_handler(vm, VEC_EDGE + 2, xapic_handler);
	EXPECT_SYNC(vcpu, 0, 0);

	/* QEMU's edge pin: up and down; only the rise sends the MSI. */
	EXPECT_EQ(0, irq_line_status(vm, 4, 1, &status));
	EXPECT_EQ(1, status);
	EXPECT_EQ(0, irq_line_status(vm, 4, 0, &status));
	EXPECT_EQ(-1, status);
	EXPECT_SYNC(vcpu, 1, VEC_EDGE);
	ASSERT_EQ(8, write(efd, &one, 8));
	EXPECT_SYNC(vcpu, 2, VEC_EDGE + 1);
	EXPECT_EQ(1, ioctl(vm->fd, KVM_SIGNAL_MSI, &msi));
	EXPECT_SYNC(vcpu, 3, VEC_EDGE + 2);
	/* A GSI without a route. */
	EXPECT_EQ(0, irq_line_status(vm, 5, 1, &status));
	EXPECT_EQ(-1, status);
	EXPECT_SYNC(vcpu, 3, VEC_EDGE + 2);
	vcpu_run_done(vcpu);
	close(efd);
	free(rt);
	vm_free(vm);
}

static void guest_eoi(void)
{
	xapic_enable();
	GUEST_SYNC(0);
	/* The handler EOIs each one. */
	halt_until(READ_ONCE(irq_count) >= 1);
	GUEST_SYNC2(irq_count, irq_vector);
	halt_until(READ_ONCE(irq_count) >= 2);
	GUEST_SYNC2(irq_count, irq_vector);
	halt_until(READ_ONCE(irq_count) >= 3);
	GUEST_SYNC2(irq_count, irq_vector);
	GUEST_DONE();
}

/*
 * KVM_EXIT_IOAPIC_EOI: the EOI of a vector that a level-triggered MSI
 * route on a reserved GSI (below args[0]) sends to this vCPU exits, with
 * the vector, after the EOI instruction; an edge route's does not, nor a
 * level route's past the reserved GSIs.
 */
TEST(level_eoi_exit)
{
	struct vt_vcpu *vcpu;
	struct vt_vm *vm = vm_split(guest_eoi, &vcpu, 0);
	struct kvm_irq_routing *rt = routes_alloc(3);
	struct ucall uc;

	route_msi(rt, 0, 3, APIC_DEFAULT_GPA, 0,
		  VEC_LEVEL | MSI_LEVEL | MSI_ASSERT);
	route_msi(rt, 1, 4, APIC_DEFAULT_GPA, 0, VEC_EDGE);
	route_msi(rt, 2, NR_RESERVED, APIC_DEFAULT_GPA, 0,
		  VEC_HIGH | MSI_LEVEL | MSI_ASSERT);
	ASSERT_EQ(0, ioctl(vm->fd, KVM_SET_GSI_ROUTING, rt));
	vm_install_handler(vm, VEC_LEVEL, xapic_handler);
	vm_install_handler(vm, VEC_EDGE, xapic_handler);
	vm_install_handler(vm, VEC_HIGH, xapic_handler);
	EXPECT_EQ(0, vcpu_run_sync(vcpu));

	/* QEMU raises a level pin and keeps it high until the EOI. */
	irq_line(vm, 3, 1);
	vcpu_run(vcpu);
	ASSERT_EQ(KVM_EXIT_IOAPIC_EOI, vcpu->run->exit_reason)
		TH_LOG("exit %s", exit_reason_str(vcpu->run->exit_reason));
	EXPECT_EQ(VEC_LEVEL, vcpu->run->eoi.vector);
	irq_line(vm, 3, 0);
	ASSERT_EQ(UCALL_SYNC, vcpu_run_ucall(vcpu, &uc));
	EXPECT_EQ(1, uc.args[0]);
	EXPECT_EQ(VEC_LEVEL, uc.args[1]);

	irq_line(vm, 4, 1);
	irq_line(vm, 4, 0);
	ASSERT_EQ(UCALL_SYNC, vcpu_run_ucall(vcpu, &uc));
	EXPECT_EQ(2, uc.args[0]);
	EXPECT_EQ(VEC_EDGE, uc.args[1]);

	irq_line(vm, NR_RESERVED, 1);
	ASSERT_EQ(UCALL_SYNC, vcpu_run_ucall(vcpu, &uc));
	EXPECT_EQ(3, uc.args[0]);
	EXPECT_EQ(VEC_HIGH, uc.args[1]);
	vcpu_run_done(vcpu);
	free(rt);
	vm_free(vm);
}

static void guest_extint(void)
{
	xapic_enable();
	/* The BSP's LINT0 starts as unmasked ExtINT (KVM's quirk). */
	sti();
	GUEST_SYNC(xapic_read(APIC_LVT0));
	halt_until(READ_ONCE(irq_count) >= 1);
	GUEST_SYNC2(irq_count, irq_vector);
	xapic_write(APIC_LVT0, APIC_LVT_MASKED | DM_EXTINT);
	irq_first = 0;
	sti();
	GUEST_SYNC(1);
	sti_nop_cli();
	GUEST_SYNC(irq_count);
	/*
	 * Unmasking LINT0 is no event for KVM: the waiting vector goes with
	 * the next one, here a self-IPI, and before it (KVM's order).
	 */
	xapic_write(APIC_LVT0, DM_EXTINT);
	xapic_write(APIC_ICR, APIC_DEST_SELF | APIC_INT_ASSERT | VEC_SELF);
	halt_until(READ_ONCE(irq_count) >= 3);
	GUEST_SYNC2(irq_count, irq_first * 0x100 + irq_vector);
	/* With IF=0: KVM_EXIT_IRQ_WINDOW_OPEN once the guest sets IF. */
	GUEST_SYNC(3);
	sti();
	asm volatile("nop; nop; nop");
	cli();
	GUEST_SYNC(4);
	GUEST_DONE();
}

static int interrupt(struct vt_vcpu *vcpu, u32 vector)
{
	struct kvm_interrupt irq = { .irq = vector };

	return ioctl(vcpu->fd, KVM_INTERRUPT, &irq);
}

/*
 * ExtINT from a userspace PIC: KVM_INTERRUPT leaves one vector pending
 * (EEXIST for a second) until the LAPIC's LINT0 takes it; a masked LINT0
 * holds it and makes the vCPU not ready for another. (A halted vCPU whose
 * LINT0 is unmasked under a waiting vector stays halted on KVM 6.1 until
 * some other event: no case here depends on that.)
 */
TEST(extint_interrupt)
{
	struct vt_vcpu *vcpu;
	struct vt_vm *vm = vm_split(guest_extint, &vcpu, 0);
	struct ucall uc;

	vm_install_handler(vm, VEC_EXTINT, extint_handler);
	vm_install_handler(vm, VEC_EXTINT2, extint_handler);
	vm_install_handler(vm, VEC_SELF, xapic_handler);
	EXPECT_EQ(DM_EXTINT, vcpu_run_sync(vcpu));
	EXPECT_EQ(1, vcpu->run->ready_for_interrupt_injection);
	EXPECT_EQ(1, vcpu->run->if_flag);
	EXPECT_EQ(0, interrupt(vcpu, VEC_EXTINT));
	EXPECT_EQ(-1, interrupt(vcpu, VEC_EXTINT2));
	EXPECT_EQ(EEXIST, errno);
	EXPECT_EQ(-1, interrupt(vcpu, 256));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(UCALL_SYNC, vcpu_run_ucall(vcpu, &uc));
	EXPECT_EQ(1, uc.args[0]);
	EXPECT_EQ(VEC_EXTINT, uc.args[1]);

	/* LINT0 masked: not ready, and the vector waits. */
	EXPECT_EQ(1, vcpu_run_sync(vcpu));
	EXPECT_EQ(1, vcpu->run->if_flag);
	EXPECT_EQ(0, vcpu->run->ready_for_interrupt_injection);
	EXPECT_EQ(0, interrupt(vcpu, VEC_EXTINT2));
	EXPECT_EQ(1, vcpu_run_sync(vcpu));
	EXPECT_EQ(-1, interrupt(vcpu, VEC_EXTINT));
	EXPECT_EQ(EEXIST, errno);
	ASSERT_EQ(UCALL_SYNC, vcpu_run_ucall(vcpu, &uc));
	EXPECT_EQ(3, uc.args[0]);
	/* The ExtINT first, then the self-IPI. */
	EXPECT_EQ(VEC_EXTINT2 * 0x100 + VEC_SELF, uc.args[1]);

	EXPECT_EQ(3, vcpu_run_sync(vcpu));
	vcpu->run->request_interrupt_window = 1;
	vcpu_run(vcpu);
	EXPECT_EQ(KVM_EXIT_IRQ_WINDOW_OPEN, vcpu->run->exit_reason)
		TH_LOG("exit %s", exit_reason_str(vcpu->run->exit_reason));
	EXPECT_EQ(1, vcpu->run->ready_for_interrupt_injection);
	vcpu->run->request_interrupt_window = 0;
	EXPECT_EQ(4, vcpu_run_sync(vcpu));
	vcpu_run_done(vcpu);
	vm_free(vm);
}

static void guest_x2apic(void)
{
	int i;

	x2apic_enable();
	for (i = 0; i < 6; i++) {
		sti_nop_cli();
		GUEST_SYNC2(irq_count, x2apic_read(APIC_ID));
	}
	GUEST_DONE();
}

static void signal_msi(struct vt_vm *vm, u32 dest_lo, u32 addr_hi)
{
	struct kvm_msi msi = {
		.address_lo = APIC_DEFAULT_GPA | (dest_lo << 12),
		.address_hi = addr_hi, .data = VEC_X2,
	};

	VT_ASSERT(ioctl(vm->fd, KVM_SIGNAL_MSI, &msi) >= -1,
		  "KVM_SIGNAL_MSI: %s", strerror(errno));
}

/* The ID register as KVM_GET_LAPIC reports an x2APIC vCPU 1's. */
static void lapic_id_of_x2apic_ap(struct __test_metadata *_metadata,
				  struct vt_vm *vm, u32 expect, bool bad_set)
{
	struct vt_vcpu *ap = vm_vcpu_add(vm, 1, guest_nothing);
	struct kvm_lapic_state s;

	ASSERT_EQ(1, vcpu_set_msr(ap, MSR_IA32_APICBASE, APIC_DEFAULT_GPA |
				  APICBASE_EN | APICBASE_EXTD));
	ASSERT_EQ(0, ioctl(ap->fd, KVM_GET_LAPIC, &s));
	EXPECT_EQ(expect, *(u32 *)&s.regs[APIC_ID]);
	EXPECT_EQ(0, ioctl(ap->fd, KVM_SET_LAPIC, &s));
	*(u32 *)&s.regs[APIC_ID] = 2;
	if (bad_set) {
		/* With 32-bit ids the ID must be the vCPU's (KVM's check). */
		EXPECT_EQ(-1, ioctl(ap->fd, KVM_SET_LAPIC, &s));
		EXPECT_EQ(EINVAL, errno);
	}
}

/*
 * KVM_CAP_X2APIC_API on a split VM whose vCPU 0 is in x2APIC mode:
 * USE_32BIT_IDS takes destination bits 31:8 from address_hi 31:8 (its low
 * byte must be 0) and KVM_GET/SET_LAPIC's ID as it is;
 * DISABLE_BROADCAST_QUIRK makes 0xff a plain destination. Without them
 * address_hi is ignored and 0xff is a broadcast.
 */
TEST(x2apic_api)
{
	struct vt_vcpu *vcpu;
	struct vt_vm *vm = vm_split(guest_x2apic, &vcpu,
				    KVM_X2APIC_API_USE_32BIT_IDS |
				    KVM_X2APIC_API_DISABLE_BROADCAST_QUIRK);
	struct kvm_irq_routing *rt = routes_alloc(1);
	struct kvm_msi msi = { .address_lo = APIC_DEFAULT_GPA,
			       .address_hi = 1, .data = VEC_X2 };
	struct ucall uc;

	vm_install_handler(vm, VEC_X2, x2apic_handler);
	ASSERT_EQ(UCALL_SYNC, vcpu_run_ucall(vcpu, &uc));
	EXPECT_EQ(0, uc.args[0]);
	EXPECT_EQ(0, uc.args[1]);		/* x2APIC ID 0 */
	signal_msi(vm, 0, 0);			/* dest 0: us */
	EXPECT_SYNC(vcpu, 1, 0);
	signal_msi(vm, 0, 0x100);		/* dest 0x100: nobody */
	EXPECT_SYNC(vcpu, 1, 0);
	signal_msi(vm, 0xff, 0);		/* 0xff: not a broadcast now */
	EXPECT_SYNC(vcpu, 1, 0);
	signal_msi(vm, 0xff, 0xffffff00);	/* 0xffffffff: broadcast */
	EXPECT_SYNC(vcpu, 2, 0);
	/* address_hi's low byte is reserved with 32-bit ids. */
	EXPECT_EQ(-1, ioctl(vm->fd, KVM_SIGNAL_MSI, &msi));
	EXPECT_EQ(EINVAL, errno);
	route_msi(rt, 0, 2, APIC_DEFAULT_GPA, 1, VEC_X2);
	EXPECT_EQ(-1, ioctl(vm->fd, KVM_SET_GSI_ROUTING, rt));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_SYNC(vcpu, 2, 0);
	vcpu_run_done(vcpu);
	lapic_id_of_x2apic_ap(_metadata, vm, 1, true);
	vm_free(vm);

	/* The defaults: address_hi ignored, 0xff a broadcast, ID << 24. */
	vm = vm_split(guest_x2apic, &vcpu, 0);
	vm_install_handler(vm, VEC_X2, x2apic_handler);
	EXPECT_SYNC(vcpu, 0, 0);
	signal_msi(vm, 0, 0x100);
	EXPECT_SYNC(vcpu, 1, 0);
	signal_msi(vm, 0xff, 0);
	EXPECT_SYNC(vcpu, 2, 0);
	EXPECT_EQ(1, ioctl(vm->fd, KVM_SIGNAL_MSI, &msi));
	EXPECT_SYNC(vcpu, 3, 0);
	EXPECT_SYNC(vcpu, 3, 0);
	EXPECT_SYNC(vcpu, 3, 0);
	vcpu_run_done(vcpu);
	lapic_id_of_x2apic_ap(_metadata, vm, 1u << 24, false);
	free(rt);
	vm_free(vm);
}

extern char tpr_write_insn[], tpr_read_insn[], tpr_write2_insn[];

static void guest_tpr(void)
{
	volatile u32 *tpr = (volatile u32 *)(APIC_DEFAULT_GPA + APIC_TASKPRI);
	u32 v;

	xapic_enable();
	GUEST_SYNC(0);
	asm volatile("tpr_write_insn: movl %1, %0" : "=m"(*tpr) : "r"(0x20));
	asm volatile("tpr_read_insn: movl %1, %0" : "=r"(v) : "m"(*tpr));
	/* CR8 is the TPR too, but not an access to the register. */
	asm volatile("mov %0, %%cr8" : : "r"(0ul));
	GUEST_SYNC(v);
	asm volatile("tpr_write2_insn: movl %1, %0" : "=m"(*tpr) : "r"(0x10));
	GUEST_SYNC(xapic_read(APIC_TASKPRI));
	GUEST_DONE();
}

static void expect_tpr_exit(struct __test_metadata *_metadata,
			    struct vt_vcpu *vcpu, void *rip, bool write)
{
	vcpu_run(vcpu);
	ASSERT_EQ(KVM_EXIT_TPR_ACCESS, vcpu->run->exit_reason)
		TH_LOG("exit %s", exit_reason_str(vcpu->run->exit_reason));
	EXPECT_EQ((u64)(uintptr_t)rip, vcpu->run->tpr_access.rip);
	EXPECT_EQ(write, vcpu->run->tpr_access.is_write);
}

/*
 * KVM_TPR_ACCESS_REPORTING (KVM 6.1): flags must be 0, any LAPIC (or
 * none) accepts it; on, each guest access to the TPR register exits after
 * the instruction with its RIP; CR8 accesses do not; off again, none.
 */
TEST(tpr_access_reporting)
{
	struct kvm_tpr_access_ctl on = { .enabled = 1 }, off = { 0 };
	struct kvm_tpr_access_ctl bad = { .enabled = 1, .flags = 1 };
	struct vt_vm *plain = vm_create(0);
	struct vt_vcpu *vcpu, *pv = vm_vcpu_add(plain, 0, guest_nothing);
	struct vt_vm *vm = vm_split(guest_tpr, &vcpu, 0);

	/* KVM 6.1 takes it without an in-kernel LAPIC too. */
	EXPECT_EQ(0, ioctl(pv->fd, KVM_TPR_ACCESS_REPORTING, &on));
	vm_free(plain);
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_TPR_ACCESS_REPORTING, &bad));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_TPR_ACCESS_REPORTING, (void *)8));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(0, vcpu_run_sync(vcpu));
	EXPECT_EQ(0, ioctl(vcpu->fd, KVM_TPR_ACCESS_REPORTING, &on));
	expect_tpr_exit(_metadata, vcpu, tpr_write_insn, true);
	expect_tpr_exit(_metadata, vcpu, tpr_read_insn, false);
	EXPECT_EQ(0x20, vcpu_run_sync(vcpu));
	EXPECT_EQ(0, ioctl(vcpu->fd, KVM_TPR_ACCESS_REPORTING, &off));
	EXPECT_EQ(0x10, vcpu_run_sync(vcpu));
	vcpu_run_done(vcpu);
	vm_free(vm);
}

TEST_HARNESS_MAIN
