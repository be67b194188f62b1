// SPDX-License-Identifier: GPL-2.0
/*
 * vmtest host side: device, VMs, memslots, vCPUs, running and exits.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "vmtest.h"
#include "../../uapi/linux/vmon.h"

void __vt_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "# %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	fflush(stderr);
	/* Not 255: the harness would count that as a skip. */
	exit(1);
}

const char *vt_dev_path(void)
{
	const char *p = getenv("VMON_TEST_DEV");

	return p && *p ? p : "/dev/vmon";
}

/* KVM's misc minor is fixed (KVM_MINOR in <linux/miscdevice.h>). */
#define KVM_MISC_MAJOR	10
#define KVM_MISC_MINOR	232

bool vt_dev_is_kvm(void)
{
	struct stat st;

	if (stat(vt_dev_path(), &st) == 0 && S_ISCHR(st.st_mode))
		return major(st.st_rdev) == KVM_MISC_MAJOR &&
		       minor(st.st_rdev) == KVM_MISC_MINOR;
	return strcmp(vt_dev_path(), "/dev/kvm") == 0;
}

int vt_open_dev(void)
{
	int fd = open(vt_dev_path(), O_RDWR | O_CLOEXEC);

	if (fd < 0)
		VT_FAIL("open(%s): %s", vt_dev_path(), strerror(errno));
	return fd;
}

int vt_check_cap(int fd, long cap)
{
	int r = ioctl(fd, KVM_CHECK_EXTENSION, cap);

	if (r < 0)
		VT_FAIL("KVM_CHECK_EXTENSION(%ld): %s", cap, strerror(errno));
	return r;
}

const struct kvm_cpuid2 *vt_supported_cpuid(void)
{
	static struct kvm_cpuid2 *cached;
	int fd, nent = 256;

	if (cached)
		return cached;
	fd = vt_open_dev();
	cached = calloc(1, sizeof(*cached) +
			nent * sizeof(struct kvm_cpuid_entry2));
	cached->nent = nent;
	VT_IOCTL(fd, KVM_GET_SUPPORTED_CPUID, cached);
	close(fd);
	return cached;
}

const struct kvm_cpuid_entry2 *vt_cpuid_find(const struct kvm_cpuid2 *c,
					     u32 function, u32 index)
{
	u32 i;

	for (i = 0; i < c->nent; i++) {
		const struct kvm_cpuid_entry2 *e = &c->entries[i];

		if (e->function != function)
			continue;
		if ((e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) &&
		    e->index != index)
			continue;
		return e;
	}
	return NULL;
}

/* ------------------------------------------------------------------ */

struct vt_vm *vm_create_bare(void)
{
	struct vt_vm *vm = calloc(1, sizeof(*vm));

	VT_ASSERT(vm, "out of memory");
	vm->dev_fd = vt_open_dev();
	vm->fd = ioctl(vm->dev_fd, KVM_CREATE_VM, 0);
	if (vm->fd < 0)
		VT_FAIL("KVM_CREATE_VM on %s: %s (errno %d)", vt_dev_path(),
			strerror(errno), errno);
	return vm;
}

void vm_free(struct vt_vm *vm)
{
	int i;

	vt_report_irq_anomalies(vm, true);
	for (i = 0; i < VT_MAX_VCPUS; i++)
		if (vm->vcpus[i])
			vcpu_free(vm->vcpus[i]);
	close(vm->fd);
	close(vm->dev_fd);
	for (i = 0; i < VT_MAX_REGIONS; i++) {
		struct vt_region *r = &vm->regions[i];

		if (r->used && r->owned)
			munmap(r->hva, r->size);
	}
	free(vm);
}

int __vm_set_region(struct vt_vm *vm, u32 slot, u32 flags, u64 gpa,
		    u64 size, void *hva)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot,
		.flags = flags,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (u64)(uintptr_t)hva,
	};

	return ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &r) ? -errno : 0;
}

static struct vt_region *find_slot(struct vt_vm *vm, u32 slot)
{
	int i;

	for (i = 0; i < VT_MAX_REGIONS; i++)
		if (vm->regions[i].used && vm->regions[i].slot == slot)
			return &vm->regions[i];
	return NULL;
}

void vm_mem_add_hva(struct vt_vm *vm, u32 slot, u64 gpa, u64 size,
		    u32 flags, void *hva)
{
	struct vt_region *r = NULL;
	int i, ret;

	for (i = 0; i < VT_MAX_REGIONS && !r; i++)
		if (!vm->regions[i].used)
			r = &vm->regions[i];
	VT_ASSERT(r, "too many regions");
	ret = __vm_set_region(vm, slot, flags, gpa, size, hva);
	if (ret)
		VT_FAIL("KVM_SET_USER_MEMORY_REGION slot %u gpa 0x%llx size 0x%llx: %s",
			slot, (unsigned long long)gpa,
			(unsigned long long)size, strerror(-ret));
	*r = (struct vt_region){ .used = true, .slot = slot, .flags = flags,
				 .gpa = gpa, .size = size, .hva = hva };
}

void *vm_mem_add(struct vt_vm *vm, u32 slot, u64 gpa, u64 size, u32 flags)
{
	void *hva = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	VT_ASSERT(hva != MAP_FAILED, "mmap %llu bytes: %s",
		  (unsigned long long)size, strerror(errno));
	vm_mem_add_hva(vm, slot, gpa, size, flags, hva);
	find_slot(vm, slot)->owned = true;
	return hva;
}

void vm_mem_delete(struct vt_vm *vm, u32 slot)
{
	struct vt_region *r = find_slot(vm, slot);
	int ret;

	VT_ASSERT(r, "slot %u not known", slot);
	ret = __vm_set_region(vm, slot, r->flags, r->gpa, 0, r->hva);
	if (ret)
		VT_FAIL("deleting slot %u: %s", slot, strerror(-ret));
	if (r->owned)
		munmap(r->hva, r->size);
	r->used = false;
}

void vm_mem_move(struct vt_vm *vm, u32 slot, u64 new_gpa)
{
	struct vt_region *r = find_slot(vm, slot);
	int ret;

	VT_ASSERT(r, "slot %u not known", slot);
	ret = __vm_set_region(vm, slot, r->flags, new_gpa, r->size, r->hva);
	if (ret)
		VT_FAIL("moving slot %u: %s", slot, strerror(-ret));
	r->gpa = new_gpa;
}

void *gpa2hva(struct vt_vm *vm, u64 gpa)
{
	int i;

	for (i = 0; i < VT_MAX_REGIONS; i++) {
		struct vt_region *r = &vm->regions[i];

		if (r->used && gpa >= r->gpa && gpa - r->gpa < r->size)
			return (u8 *)r->hva + (gpa - r->gpa);
	}
	VT_FAIL("gpa 0x%llx is in no memslot", (unsigned long long)gpa);
}

u64 vm_alloc(struct vt_vm *vm, u64 size, u64 align)
{
	u64 gpa;

	VT_ASSERT(vm->long_mode, "vm_alloc needs a vm_create() VM");
	gpa = ALIGN_UP(vm->alloc_next, align ? align : 16);
	VT_ASSERT(gpa + size <= vm->alloc_end,
		  "guest memory exhausted (need 0x%llx)",
		  (unsigned long long)size);
	vm->alloc_next = gpa + size;
	memset(gpa2hva(vm, gpa), 0, size);
	return gpa;
}

/* ------------------------------------------------------------------ */

struct vt_vcpu *vcpu_create_bare(struct vt_vm *vm, u32 id)
{
	struct vt_vcpu *vcpu = calloc(1, sizeof(*vcpu));
	int size;

	VT_ASSERT(vcpu, "out of memory");
	VT_ASSERT(id < VT_MAX_VCPUS, "the library keeps ids < %d", VT_MAX_VCPUS);
	VT_ASSERT(!vm->vcpus[id], "vCPU %u exists", id);
	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->fd = ioctl(vm->fd, KVM_CREATE_VCPU, (unsigned long)id);
	if (vcpu->fd < 0)
		VT_FAIL("KVM_CREATE_VCPU %u: %s", id, strerror(errno));
	size = VT_IOCTL(vm->dev_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	VT_ASSERT(size >= (int)sizeof(struct kvm_run), "mmap size %d", size);
	vcpu->run_size = size;
	vcpu->run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
			 vcpu->fd, 0);
	VT_ASSERT(vcpu->run != MAP_FAILED, "mmap kvm_run: %s",
		  strerror(errno));
	vm->vcpus[id] = vcpu;
	return vcpu;
}

void vcpu_free(struct vt_vcpu *vcpu)
{
	vcpu->vm->vcpus[vcpu->id] = NULL;
	munmap(vcpu->run, vcpu->run_size);
	close(vcpu->fd);
	free(vcpu);
}

void vcpu_regs_get(struct vt_vcpu *vcpu, struct kvm_regs *regs)
{
	VT_IOCTL(vcpu->fd, KVM_GET_REGS, regs);
}

void vcpu_regs_set(struct vt_vcpu *vcpu, const struct kvm_regs *regs)
{
	VT_IOCTL(vcpu->fd, KVM_SET_REGS, regs);
}

void vcpu_sregs_get(struct vt_vcpu *vcpu, struct kvm_sregs *sregs)
{
	VT_IOCTL(vcpu->fd, KVM_GET_SREGS, sregs);
}

void vcpu_sregs_set(struct vt_vcpu *vcpu, const struct kvm_sregs *sregs)
{
	VT_IOCTL(vcpu->fd, KVM_SET_SREGS, sregs);
}

void vcpu_set_cpuid(struct vt_vcpu *vcpu, const struct kvm_cpuid2 *cpuid)
{
	VT_IOCTL(vcpu->fd, KVM_SET_CPUID2, cpuid);
}

u64 vcpu_get_reg_rip(struct vt_vcpu *vcpu)
{
	struct kvm_regs regs;

	vcpu_regs_get(vcpu, &regs);
	return regs.rip;
}

void vcpu_args_set(struct vt_vcpu *vcpu, int n, ...)
{
	struct kvm_regs regs;
	/* SysV AMD64 integer argument registers, in order. */
	__u64 *argregs[6] = { &regs.rdi, &regs.rsi, &regs.rdx, &regs.rcx,
			      &regs.r8, &regs.r9 };
	va_list ap;
	int i;

	VT_ASSERT(n <= 6, "at most 6 arguments");
	vcpu_regs_get(vcpu, &regs);
	va_start(ap, n);
	for (i = 0; i < n; i++)
		*argregs[i] = va_arg(ap, u64);
	va_end(ap);
	vcpu_regs_set(vcpu, &regs);
}

/* ------------------------------------------------------------------ */
/* Real mode and 32-bit protected mode blobs.                         */

static void set_rm_seg(struct kvm_segment *s, u16 sel, u8 type)
{
	*s = (struct kvm_segment){
		.base = (u64)sel << 4, .limit = 0xffff, .selector = sel,
		.type = type, .present = 1, .s = 1,
	};
}

void vcpu_setup_real_mode(struct vt_vcpu *vcpu, u64 load_gpa, u16 sp)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	u16 sel = load_gpa >> 4;

	VT_ASSERT(!(load_gpa & 15) && load_gpa < 0x100000, "bad load address");
	vcpu_sregs_get(vcpu, &sregs);
	set_rm_seg(&sregs.cs, sel, 0xb);
	set_rm_seg(&sregs.ds, sel, 0x3);
	set_rm_seg(&sregs.es, sel, 0x3);
	set_rm_seg(&sregs.ss, sel, 0x3);
	set_rm_seg(&sregs.fs, sel, 0x3);
	set_rm_seg(&sregs.gs, sel, 0x3);
	sregs.cr0 &= ~(X86_CR0_PE | X86_CR0_PG);
	vcpu_sregs_set(vcpu, &sregs);

	memset(&regs, 0, sizeof(regs));
	regs.rflags = 2;
	regs.rip = 0;
	regs.rsp = sp;
	vcpu_regs_set(vcpu, &regs);
}

/* Pack a kvm_segment into a GDT descriptor. */
static u64 seg_to_desc(const struct kvm_segment *s)
{
	u32 limit = s->g ? s->limit >> 12 : s->limit;
	u64 d = 0;

	d |= limit & 0xffff;
	d |= (s->base & 0xffffffULL) << 16;
	d |= (u64)(s->type & 0xf) << 40;
	d |= (u64)(s->s & 1) << 44;
	d |= (u64)(s->dpl & 3) << 45;
	d |= (u64)(s->present & 1) << 47;
	d |= (u64)((limit >> 16) & 0xf) << 48;
	d |= (u64)(s->avl & 1) << 52;
	d |= (u64)(s->l & 1) << 53;
	d |= (u64)(s->db & 1) << 54;
	d |= (u64)(s->g & 1) << 55;
	d |= ((s->base >> 24) & 0xffULL) << 56;
	return d;
}

void vt_write_desc(void *gdt, const struct kvm_segment *s)
{
	u64 d = seg_to_desc(s);

	memcpy((u8 *)gdt + (s->selector & ~7), &d, 8);
	if (!s->s) {	/* system segment: 16 bytes in long mode */
		u64 hi = s->base >> 32;

		memcpy((u8 *)gdt + (s->selector & ~7) + 8, &hi, 8);
	}
}

void vcpu_setup_pm32(struct vt_vcpu *vcpu, u64 gdt_gpa, u64 load_gpa,
		     u32 esp)
{
	struct kvm_segment cs = {
		.base = 0, .limit = 0xffffffff, .selector = 0x08, .type = 0xb,
		.present = 1, .s = 1, .db = 1, .g = 1,
	};
	struct kvm_segment ds = cs;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	void *gdt = gpa2hva(vcpu->vm, gdt_gpa);

	ds.selector = 0x10;
	ds.type = 0x3;
	memset(gdt, 0, 24);
	vt_write_desc(gdt, &cs);
	vt_write_desc(gdt, &ds);

	vcpu_sregs_get(vcpu, &sregs);
	sregs.cs = cs;
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = ds;
	sregs.gdt.base = gdt_gpa;
	sregs.gdt.limit = 23;
	sregs.cr0 = X86_CR0_PE | X86_CR0_ET | X86_CR0_NE;
	sregs.cr4 = 0;
	sregs.efer = 0;
	vcpu_sregs_set(vcpu, &sregs);

	memset(&regs, 0, sizeof(regs));
	regs.rflags = 2;
	regs.rip = load_gpa;
	regs.rbx = load_gpa;
	regs.rsp = esp;
	vcpu_regs_set(vcpu, &regs);
}

struct vt_vm *vm_create_with_blob(u64 mem_size, const void *code,
				  size_t len, u64 gpa)
{
	struct vt_vm *vm = vm_create_bare();
	u8 *mem = vm_mem_add(vm, 0, 0, mem_size, 0);

	VT_ASSERT(gpa + len <= mem_size, "blob does not fit");
	memcpy(mem + gpa, code, len);
	return vm;
}

/* ------------------------------------------------------------------ */
/* Running and exits.                                                 */

static const char *const exit_names[] = {
	[KVM_EXIT_UNKNOWN] = "UNKNOWN",
	[KVM_EXIT_EXCEPTION] = "EXCEPTION",
	[KVM_EXIT_IO] = "IO",
	[KVM_EXIT_HYPERCALL] = "HYPERCALL",
	[KVM_EXIT_DEBUG] = "DEBUG",
	[KVM_EXIT_HLT] = "HLT",
	[KVM_EXIT_MMIO] = "MMIO",
	[KVM_EXIT_IRQ_WINDOW_OPEN] = "IRQ_WINDOW_OPEN",
	[KVM_EXIT_SHUTDOWN] = "SHUTDOWN",
	[KVM_EXIT_FAIL_ENTRY] = "FAIL_ENTRY",
	[KVM_EXIT_INTR] = "INTR",
	[KVM_EXIT_SET_TPR] = "SET_TPR",
	[KVM_EXIT_TPR_ACCESS] = "TPR_ACCESS",
	[KVM_EXIT_S390_SIEIC] = "S390_SIEIC",
	[KVM_EXIT_S390_RESET] = "S390_RESET",
	[KVM_EXIT_DCR] = "DCR",
	[KVM_EXIT_NMI] = "NMI",
	[KVM_EXIT_INTERNAL_ERROR] = "INTERNAL_ERROR",
	[KVM_EXIT_OSI] = "OSI",
	[KVM_EXIT_PAPR_HCALL] = "PAPR_HCALL",
	[KVM_EXIT_S390_UCONTROL] = "S390_UCONTROL",
	[KVM_EXIT_WATCHDOG] = "WATCHDOG",
	[KVM_EXIT_S390_TSCH] = "S390_TSCH",
	[KVM_EXIT_EPR] = "EPR",
	[KVM_EXIT_SYSTEM_EVENT] = "SYSTEM_EVENT",
	[KVM_EXIT_S390_STSI] = "S390_STSI",
	[KVM_EXIT_IOAPIC_EOI] = "IOAPIC_EOI",
	[KVM_EXIT_HYPERV] = "HYPERV",
	[KVM_EXIT_ARM_NISV] = "ARM_NISV",
	[KVM_EXIT_X86_RDMSR] = "X86_RDMSR",
	[KVM_EXIT_X86_WRMSR] = "X86_WRMSR",
	[KVM_EXIT_DIRTY_RING_FULL] = "DIRTY_RING_FULL",
	[KVM_EXIT_AP_RESET_HOLD] = "AP_RESET_HOLD",
	[KVM_EXIT_X86_BUS_LOCK] = "X86_BUS_LOCK",
	[KVM_EXIT_XEN] = "XEN",
	[KVM_EXIT_RISCV_SBI] = "RISCV_SBI",
	[KVM_EXIT_RISCV_CSR] = "RISCV_CSR",
	[KVM_EXIT_NOTIFY] = "NOTIFY",
};

const char *exit_reason_str(u32 reason)
{
	if (reason < ARRAY_SIZE(exit_names) && exit_names[reason])
		return exit_names[reason];
	return "(unknown exit reason)";
}

int __vcpu_run(struct vt_vcpu *vcpu)
{
	return ioctl(vcpu->fd, KVM_RUN, 0);
}

u64 vt_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

void vt_sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* SIGUSR2 only interrupts KVM_RUN (no SA_RESTART); nothing to do. */
static void vt_kick_handler(int sig)
{
}

static void vt_kick_install(void)
{
	static bool done;
	struct sigaction sa = { .sa_handler = vt_kick_handler };

	if (done)
		return;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR2, &sa, NULL);
	done = true;
}

/* Highest vector set in a 256-bit LAPIC bank (IRR, ISR, TMR), or -1. */
static int vt_lapic_highest(const struct kvm_lapic_state *l, int bank)
{
	int i, b;

	for (i = 7; i >= 0; i--) {
		u32 w;

		memcpy(&w, l->regs + bank + i * 0x10, sizeof(w));
		for (b = 31; w && b >= 0; b--)
			if (w & (1u << b))
				return i * 32 + b;
	}
	return -1;
}

static u32 vt_lapic_reg(const struct kvm_lapic_state *l, int off)
{
	u32 v;

	memcpy(&v, l->regs + off, sizeof(v));
	return v;
}

/* What a stuck vCPU waits for: its pending events and in-kernel LAPIC. */
static void vt_dump_events(struct vt_vcpu *vcpu)
{
	struct kvm_vcpu_events ev;
	struct kvm_lapic_state l;

	if (!ioctl(vcpu->fd, KVM_GET_VCPU_EVENTS, &ev))
		fprintf(stderr,
			"# vCPU %u events: irq injected %u nr 0x%x shadow %u, nmi injected %u pending %u masked %u, exception injected %u nr %u\n",
			vcpu->id, ev.interrupt.injected, ev.interrupt.nr,
			ev.interrupt.shadow, ev.nmi.injected, ev.nmi.pending,
			ev.nmi.masked, ev.exception.injected, ev.exception.nr);
	vt_report_irq_anomalies(vcpu->vm, false);
	if (ioctl(vcpu->fd, KVM_GET_LAPIC, &l))
		return;		/* no in-kernel irqchip */
	fprintf(stderr,
		"# vCPU %u LAPIC: IRR max %d ISR max %d TPR 0x%x PPR 0x%x SPIV 0x%x LVTT 0x%x TMICT %u TMCCT %u\n",
		vcpu->id, vt_lapic_highest(&l, 0x200),
		vt_lapic_highest(&l, 0x100), vt_lapic_reg(&l, 0x80),
		vt_lapic_reg(&l, 0xa0), vt_lapic_reg(&l, 0xf0),
		vt_lapic_reg(&l, 0x320), vt_lapic_reg(&l, 0x380),
		vt_lapic_reg(&l, 0x390));
}

static void vt_fail_stuck(struct vt_vcpu *vcpu, const char *why)
{
	struct kvm_regs regs;
	struct kvm_mp_state mp = { .mp_state = 0xff };

	memset(&regs, 0, sizeof(regs));
	ioctl(vcpu->fd, KVM_GET_REGS, &regs);
	ioctl(vcpu->fd, KVM_GET_MP_STATE, &mp);
	vt_dump_events(vcpu);
	VT_FAIL("vCPU %u %s: rip 0x%llx rflags 0x%llx mp_state %u", vcpu->id,
		why, (unsigned long long)regs.rip,
		(unsigned long long)regs.rflags, mp.mp_state);
}

/*
 * A KVM_RUN bounded by vcpu->run_timeout_ms: a thread-directed POSIX
 * timer sends SIGUSR2 at the deadline and every 50 ms after it (a signal
 * that lands just before the vCPU enters the guest would be lost).
 */
static int vcpu_run_bounded(struct vt_vcpu *vcpu, bool *timed_out)
{
	struct sigevent sev = {
		.sigev_notify = SIGEV_THREAD_ID,
		.sigev_signo = SIGUSR2,
	};
	struct itimerspec its = {
		.it_value = { vcpu->run_timeout_ms / 1000,
			      (vcpu->run_timeout_ms % 1000) * 1000000L },
		.it_interval = { 0, 50 * 1000000L },
	};
	u64 deadline;
	timer_t t;
	int r, err;

	vt_kick_install();
	sev._sigev_un._tid = syscall(SYS_gettid);
	VT_ASSERT(!timer_create(CLOCK_MONOTONIC, &sev, &t), "timer_create: %s",
		  strerror(errno));
	deadline = vt_now_ns() + vcpu->run_timeout_ms * 1000000ULL;
	timer_settime(t, 0, &its, NULL);
	do {
		r = __vcpu_run(vcpu);
		err = errno;
	} while (r && err == EAGAIN && vt_now_ns() < deadline);
	timer_delete(t);
	*timed_out = r && err == EINTR && vt_now_ns() >= deadline;
	errno = err;
	return r;
}

void vcpu_run(struct vt_vcpu *vcpu)
{
	bool timed_out = false;
	int r;

	/*
	 * KVM_RUN on an AP waiting for INIT/SIPI sleeps until something
	 * happens, then returns EAGAIN: userspace is to run it again.
	 */
	if (vcpu->run_timeout_ms)
		r = vcpu_run_bounded(vcpu, &timed_out);
	else
		do {
			r = __vcpu_run(vcpu);
		} while (r && errno == EAGAIN);
	if (r && errno == EINTR && vcpu->thread_abort)
		vt_fail_stuck(vcpu, "did not finish in time");
	if (timed_out) {
		char why[64];

		snprintf(why, sizeof(why), "still in KVM_RUN after %u ms",
			 vcpu->run_timeout_ms);
		vt_fail_stuck(vcpu, why);
	}
	if (r)
		VT_FAIL("KVM_RUN returned %d: %s (errno %d), exit_reason %u (%s)",
			r, strerror(errno), errno, vcpu->run->exit_reason,
			exit_reason_str(vcpu->run->exit_reason));
}

/* What an unexpected exit looked like, for failure messages. */
static void describe_exit(struct vt_vcpu *vcpu, char *buf, size_t len)
{
	struct kvm_run *run = vcpu->run;
	struct kvm_regs regs;
	int n;

	n = snprintf(buf, len, "exit %u (%s)", run->exit_reason,
		     exit_reason_str(run->exit_reason));
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		n += snprintf(buf + n, len - n,
			      " %s port 0x%x size %u count %u",
			      run->io.direction == KVM_EXIT_IO_OUT ? "out" : "in",
			      run->io.port, run->io.size, run->io.count);
		break;
	case KVM_EXIT_MMIO:
		n += snprintf(buf + n, len - n,
			      " %s gpa 0x%llx len %u",
			      run->mmio.is_write ? "write" : "read",
			      (unsigned long long)run->mmio.phys_addr,
			      run->mmio.len);
		break;
	case KVM_EXIT_FAIL_ENTRY:
		n += snprintf(buf + n, len - n, " reason 0x%llx",
			      (unsigned long long)
			      run->fail_entry.hardware_entry_failure_reason);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		n += snprintf(buf + n, len - n, " suberror %u ndata %u",
			      run->internal.suberror, run->internal.ndata);
		break;
	}
	if (ioctl(vcpu->fd, KVM_GET_REGS, &regs) == 0)
		snprintf(buf + n, len - n, ", rip 0x%llx",
			 (unsigned long long)regs.rip);
}

void __vcpu_assert_exit(const char *file, int line, struct vt_vcpu *vcpu,
			u32 reason)
{
	char buf[256];
	struct ucall uc;

	if (vcpu->run->exit_reason == reason)
		return;
	/* A failed guest assertion explains itself better than "IO". */
	if (reason != KVM_EXIT_IO && get_ucall(vcpu, &uc) != UCALL_NONE)
		__vt_ucall_check(file, line, &uc);
	describe_exit(vcpu, buf, sizeof(buf));
	__vt_fail(file, line, "expected exit %u (%s), got %s", reason,
		  exit_reason_str(reason), buf);
}

void __vcpu_assert_io(const char *file, int line, struct vt_vcpu *vcpu,
		      u8 dir, u16 port, u8 size, u32 count)
{
	struct kvm_run *run = vcpu->run;
	char buf[256];

	__vcpu_assert_exit(file, line, vcpu, KVM_EXIT_IO);
	if (run->io.direction == dir && run->io.port == port &&
	    run->io.size == size && run->io.count == count)
		return;
	describe_exit(vcpu, buf, sizeof(buf));
	__vt_fail(file, line, "expected %s port 0x%x size %u count %u, got %s",
		  dir == KVM_EXIT_IO_OUT ? "out" : "in", port, size, count,
		  buf);
}

void __vcpu_assert_mmio(const char *file, int line, struct vt_vcpu *vcpu,
			u64 gpa, u32 len, bool is_write)
{
	struct kvm_run *run = vcpu->run;
	char buf[256];

	__vcpu_assert_exit(file, line, vcpu, KVM_EXIT_MMIO);
	if (run->mmio.phys_addr == gpa && run->mmio.len == len &&
	    !!run->mmio.is_write == is_write)
		return;
	describe_exit(vcpu, buf, sizeof(buf));
	__vt_fail(file, line, "expected MMIO %s gpa 0x%llx len %u, got %s",
		  is_write ? "write" : "read", (unsigned long long)gpa, len,
		  buf);
}

/* ------------------------------------------------------------------ */
/* vCPU threads.                                                      */

static void *vcpu_thread_fn(void *arg)
{
	struct vt_vcpu *vcpu = arg;
	struct ucall uc;

	for (;;) {
		switch (vcpu_run_ucall(vcpu, &uc)) {
		case UCALL_SYNC:
			vcpu->last_sync = uc.args[0];
			__atomic_add_fetch(&vcpu->nr_syncs, 1, __ATOMIC_SEQ_CST);
			break;
		case UCALL_DONE:
			return NULL;
		default:
			VT_FAIL("vCPU %u: unexpected ucall %llu", vcpu->id,
				(unsigned long long)uc.cmd);
		}
	}
}

void vcpu_thread_start(struct vt_vcpu *vcpu)
{
	int r;

	vt_kick_install();
	VT_ASSERT(!vcpu->thread_started, "vCPU %u has a thread", vcpu->id);
	r = pthread_create(&vcpu->thread, NULL, vcpu_thread_fn, vcpu);
	VT_ASSERT(!r, "pthread_create: %s", strerror(r));
	vcpu->thread_started = true;
}

void vcpu_thread_join(struct vt_vcpu *vcpu, unsigned int timeout_ms)
{
	struct timespec ts;
	u64 until;

	VT_ASSERT(vcpu->thread_started, "vCPU %u has no thread", vcpu->id);
	clock_gettime(CLOCK_REALTIME, &ts);
	until = ts.tv_sec * 1000000000ULL + ts.tv_nsec +
		timeout_ms * 1000000ULL;
	ts.tv_sec = until / 1000000000ULL;
	ts.tv_nsec = until % 1000000000ULL;
	if (pthread_timedjoin_np(vcpu->thread, NULL, &ts)) {
		/* The thread fails the test itself, with its vCPU's state. */
		vcpu->thread_abort = true;
		for (;;) {
			pthread_kill(vcpu->thread, SIGUSR2);
			vt_sleep_ms(50);
		}
	}
	vcpu->thread_started = false;
}

/* "GenuineIntel" in the host's CPUID leaf 0. */
bool vt_host_is_intel(void)
{
	unsigned int a = 0, b, c, d;

	asm volatile("cpuid" : "+a"(a), "=b"(b), "=c"(c), "=d"(d));
	return b == 0x756e6547 && d == 0x49656e69 && c == 0x6c65746e;
}

u64 vcpu_get_msr(struct vt_vcpu *vcpu, u32 index)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e;
	} m = { .hdr.nmsrs = 1, .e.index = index };

	VT_ASSERT(ioctl(vcpu->fd, KVM_GET_MSRS, &m) == 1, "get msr %#x", index);
	return m.e.data;
}

int vcpu_set_msr(struct vt_vcpu *vcpu, u32 index, u64 data)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e;
	} m = { .hdr.nmsrs = 1, .e.index = index, .e.data = data };

	return ioctl(vcpu->fd, KVM_SET_MSRS, &m);
}
