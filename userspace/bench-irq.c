// SPDX-License-Identifier: GPL-2.0
/*
 * The interrupt benchmarks of vmon-bench, all with the in-kernel irqchip
 * (KVM_CREATE_IRQCHIP) and x2APIC guests (bench-irq.S):
 *
 *   ipi    two vCPUs on two host threads play ping-pong with fixed IPIs;
 *          time per round trip (vCPU 0 -> 1 -> 0, both waiting in HLT).
 *   irqfd  the host writes an eventfd bound by KVM_IRQFD to an MSI route;
 *          the guest's handler EOIs and writes a port bound by
 *          KVM_IOEVENTFD, which the host reads: time per round trip.
 *   timer  the guest's TSC-deadline timer, re-armed by its handler to
 *          expire at once: interrupts per second over a fixed interval.
 *
 * Every run checks that the guest counted exactly the interrupts the host
 * expected (or, for the timer, that none came early and enough came at
 * all), and a watchdog kicks the vCPU threads out of KVM_RUN if the guest
 * stops making progress, so a broken interrupt path is an error, never a
 * hang or a figure of nothing.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "bench-irq.h"
#include "libvmon.h"

#define IRQB_MAX_VCPUS	2
#define IRQB_GSI	24	/* past the IOAPIC pins: an MSI route of ours */
#define CPUID1_X2APIC	(1u << 21)
#define CPUID1_TSCDL	(1u << 24)
#define STALL_SECS	10	/* no new interrupt for this long: hung */

extern const uint8_t bench_irq_code[], bench_irq_code_end[];
extern const uint8_t bench_irq_stubs[];
extern const uint8_t irqb_ipi_main0[], irqb_ipi_main1[];
extern const uint8_t irqb_ipi_handler0[], irqb_ipi_handler1[];
extern const uint8_t irqb_ipi_stop[];
extern const uint8_t irqb_irqfd_main[], irqb_irqfd_handler[];
extern const uint8_t irqb_timer_main[], irqb_timer_handler[];

enum { VCPU_RUNNING, VCPU_DONE, VCPU_FAILED };

struct irqb_vm;

struct irqb_vcpu {
	struct irqb_vm *vm;
	int id;
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	int started;
	volatile int state;
	double mark;		/* when MARK_PORT was reached, 0 if not */
	double done;		/* when DONE_PORT was reached */
};

struct irqb_vm {
	struct vmon_guest g;	/* sys_fd, vm_fd and RAM; no vCPU of its own */
	int nr;
	struct irqb_vcpu v[IRQB_MAX_VCPUS];
	sem_t ended;		/* posted once by each vCPU thread */
	volatile int abort;	/* the watchdog fired */
};

static uint64_t code_gpa(const uint8_t *sym)
{
	return IRQB_CODE + (sym - bench_irq_code);
}

static volatile uint64_t *guest_u64(struct irqb_vm *vm, uint64_t gpa)
{
	return (volatile uint64_t *)(vm->g.mem + gpa);
}

/* KVM_RUN must return EINTR on the watchdog's signal, not restart. */
static void kick_handler(int sig)
{
	(void)sig;
}

static void install_kick(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = kick_handler;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
}

static int set_cpuid(struct irqb_vm *vm, int fd, int tsc_deadline)
{
	struct kvm_cpuid2 *cpuid = NULL;
	struct kvm_cpuid_entry2 *leaf1 = NULL;
	int nent = 64, ret = -1;
	uint32_t i;

	for (;;) {
		free(cpuid);
		cpuid = calloc(1, sizeof(*cpuid) +
			       nent * sizeof(struct kvm_cpuid_entry2));
		if (!cpuid)
			return -1;
		cpuid->nent = nent;
		if (ioctl(vm->g.sys_fd, KVM_GET_SUPPORTED_CPUID, cpuid) == 0)
			break;
		if (errno != E2BIG || nent >= 4096) {
			perror("KVM_GET_SUPPORTED_CPUID");
			goto out;
		}
		nent *= 2;
	}
	for (i = 0; i < cpuid->nent; i++)
		if (cpuid->entries[i].function == 1)
			leaf1 = &cpuid->entries[i];
	if (!leaf1 || !(leaf1->ecx & CPUID1_X2APIC)) {
		fprintf(stderr, "vmon-bench: %s does not offer x2APIC in KVM_GET_SUPPORTED_CPUID\n",
			vm->g.dev);
		goto out;
	}
	/*
	 * KVM lists TSC-deadline as a capability, not in the supported
	 * CPUID: the VMM sets the bit, and the LAPIC then accepts the mode.
	 */
	if (tsc_deadline) {
		if (ioctl(vm->g.sys_fd, KVM_CHECK_EXTENSION,
			  KVM_CAP_TSC_DEADLINE_TIMER) <= 0) {
			fprintf(stderr, "vmon-bench: %s lacks KVM_CAP_TSC_DEADLINE_TIMER\n",
				vm->g.dev);
			goto out;
		}
		leaf1->ecx |= CPUID1_TSCDL;
	}
	if (ioctl(fd, KVM_SET_CPUID2, cpuid) < 0) {
		perror("KVM_SET_CPUID2");
		goto out;
	}
	ret = 0;
out:
	free(cpuid);
	return ret;
}

static void set_gate(struct irqb_vm *vm, int vec, uint64_t handler)
{
	uint8_t *g = vm->g.mem + IRQB_IDT + vec * 16;
	uint64_t lo, hi = handler >> 32;

	/* 64-bit interrupt gate, present, DPL 0, CS = libvmon's code. */
	lo = (handler & 0xffff) | ((uint64_t)VMON_LM_CS << 16) |
	     (0x8eULL << 40) | ((handler >> 16 & 0xffff) << 48);
	memcpy(g, &lo, 8);
	memcpy(g + 8, &hi, 8);
}

/* Long mode at @entry with @rsp, RDI/RSI, and our IDT. */
static int vcpu_setup(struct irqb_vm *vm, struct irqb_vcpu *v,
		      const uint8_t *entry, uint64_t rsp, uint64_t rdi,
		      uint64_t rsi)
{
	struct vmon_guest tmp = vm->g;
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	tmp.vcpu_fd = v->fd;
	if (vmon_setup_long_mode(&tmp, code_gpa(entry), rsp))
		return -1;
	if (ioctl(v->fd, KVM_GET_SREGS, &sregs) < 0) {
		perror("KVM_GET_SREGS");
		return -1;
	}
	sregs.idt.base = IRQB_IDT;
	sregs.idt.limit = 256 * 16 - 1;
	if (ioctl(v->fd, KVM_SET_SREGS, &sregs) < 0) {
		perror("KVM_SET_SREGS");
		return -1;
	}
	if (ioctl(v->fd, KVM_GET_REGS, &regs) < 0) {
		perror("KVM_GET_REGS");
		return -1;
	}
	regs.rdi = rdi;
	regs.rsi = rsi;
	if (ioctl(v->fd, KVM_SET_REGS, &regs) < 0) {
		perror("KVM_SET_REGS");
		return -1;
	}
	return 0;
}

static void irqb_free(struct irqb_vm *vm)
{
	int i;

	for (i = 0; i < vm->nr; i++) {
		if (vm->v[i].run)
			munmap(vm->v[i].run, vm->g.run_size);
		if (vm->v[i].fd >= 0)
			close(vm->v[i].fd);
	}
	vm->nr = 0;
	sem_destroy(&vm->ended);
	vmon_close(&vm->g);
}

/* A VM with the in-kernel irqchip, @nr vCPUs, the guest blob and IDT. */
static int irqb_create(struct irqb_vm *vm, int nr, int tsc_deadline)
{
	struct kvm_userspace_memory_region region;
	int i, sz;

	memset(vm, 0, sizeof(*vm));
	sem_init(&vm->ended, 0, 0);
	if (vmon_open(&vm->g, bench_dev))
		return -1;
	vm->g.vm_fd = ioctl(vm->g.sys_fd, KVM_CREATE_VM, 0);
	if (vm->g.vm_fd < 0) {
		perror("KVM_CREATE_VM");
		return -1;
	}
	if (ioctl(vm->g.vm_fd, KVM_CREATE_IRQCHIP, 0) < 0) {
		perror("KVM_CREATE_IRQCHIP");
		return -1;
	}
	vm->g.mem = mmap(NULL, IRQB_MEM, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (vm->g.mem == MAP_FAILED) {
		vm->g.mem = NULL;
		perror("mmap");
		return -1;
	}
	vm->g.mem_size = IRQB_MEM;
	memset(&region, 0, sizeof(region));
	region.memory_size = IRQB_MEM;
	region.userspace_addr = (uintptr_t)vm->g.mem;
	if (ioctl(vm->g.vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0) {
		perror("KVM_SET_USER_MEMORY_REGION");
		return -1;
	}
	sz = ioctl(vm->g.sys_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (sz < (int)sizeof(struct kvm_run)) {
		perror("KVM_GET_VCPU_MMAP_SIZE");
		return -1;
	}
	vm->g.run_size = sz;

	memcpy(vm->g.mem + IRQB_CODE, bench_irq_code,
	       bench_irq_code_end - bench_irq_code);
	for (i = 0; i < 256; i++)
		set_gate(vm, i, code_gpa(bench_irq_stubs) + i * IRQB_STUB_SIZE);

	for (i = 0; i < nr; i++) {
		struct irqb_vcpu *v = &vm->v[i];

		v->vm = vm;
		v->id = i;
		v->fd = ioctl(vm->g.vm_fd, KVM_CREATE_VCPU, i);
		vm->nr++;
		if (v->fd < 0) {
			perror("KVM_CREATE_VCPU");
			return -1;
		}
		v->run = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED,
			      v->fd, 0);
		if (v->run == MAP_FAILED) {
			v->run = NULL;
			perror("mmap kvm_run");
			return -1;
		}
		if (set_cpuid(vm, v->fd, tsc_deadline))
			return -1;
	}
	return 0;
}

static void vcpu_fail(struct irqb_vcpu *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void vcpu_fail(struct irqb_vcpu *v, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "vmon-bench: %s vCPU %d: ", v->vm->g.dev, v->id);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	v->state = VCPU_FAILED;
}

/*
 * Run until the guest reaches DONE_PORT. The only other exits expected
 * are MARK_PORT (note the time) and signals (retry unless aborted).
 */
static void *vcpu_thread(void *arg)
{
	struct irqb_vcpu *v = arg;
	struct kvm_run *run = v->run;

	for (;;) {
		if (ioctl(v->fd, KVM_RUN, 0) < 0) {
			if (v->vm->abort) {
				vcpu_fail(v, "no progress, stopped by the watchdog");
				break;
			}
			if (errno == EINTR || errno == EAGAIN)
				continue;
			vcpu_fail(v, "KVM_RUN: %s", strerror(errno));
			break;
		}
		if (run->exit_reason == KVM_EXIT_IO &&
		    run->io.direction == KVM_EXIT_IO_OUT) {
			uint8_t al = *((uint8_t *)run + run->io.data_offset);

			if (run->io.port == IRQB_MARK_PORT) {
				v->mark = bench_now();
				continue;
			}
			if (run->io.port == IRQB_DONE_PORT) {
				v->done = bench_now();
				v->state = VCPU_DONE;
				break;
			}
			if (run->io.port == IRQB_BAD_PORT) {
				vcpu_fail(v, "unexpected vector %u (0x%x)",
					  al, al);
				break;
			}
			vcpu_fail(v, "OUT to port 0x%x reached userspace%s",
				  run->io.port, run->io.port == IRQB_ACK_PORT ?
				  " (not taken by its ioeventfd)" : "");
			break;
		}
		vcpu_fail(v, "unexpected exit %s (%u)",
			  vmon_exit_name(run->exit_reason), run->exit_reason);
		break;
	}
	sem_post(&v->vm->ended);
	return NULL;
}

static int start_threads(struct irqb_vm *vm)
{
	int i;

	install_kick();
	for (i = 0; i < vm->nr; i++) {
		vm->v[i].state = VCPU_RUNNING;
		if (pthread_create(&vm->v[i].thread, NULL, vcpu_thread,
				   &vm->v[i])) {
			fprintf(stderr, "vmon-bench: pthread_create failed\n");
			return -1;
		}
		vm->v[i].started = 1;
	}
	return 0;
}

static int any_failed(struct irqb_vm *vm)
{
	int i;

	for (i = 0; i < vm->nr; i++)
		if (vm->v[i].state == VCPU_FAILED)
			return 1;
	return 0;
}

/* Kick every vCPU thread still in KVM_RUN out of it, for good. */
static void abort_vcpus(struct irqb_vm *vm)
{
	int i;

	vm->abort = 1;
	for (i = 0; i < vm->nr; i++) {
		if (!vm->v[i].started || vm->v[i].state != VCPU_RUNNING)
			continue;
		vm->v[i].run->immediate_exit = 1;
		pthread_kill(vm->v[i].thread, SIGUSR1);
	}
}

static int lapic_bit(const struct kvm_lapic_state *l, int reg, int vec)
{
	uint32_t w;

	memcpy(&w, l->regs + reg + (vec / 32) * 16, 4);
	return w >> (vec % 32) & 1;
}

/* Where a vCPU the watchdog stopped was, for the report of a hang. */
static void dump_vcpu(struct irqb_vcpu *v)
{
	static const int vecs[] = { IRQB_VEC_IPI0, IRQB_VEC_IPI1,
				    IRQB_VEC_STOP, IRQB_VEC_IRQFD,
				    IRQB_VEC_TIMER };
	struct kvm_vcpu_events ev;
	struct kvm_lapic_state l;
	struct kvm_mp_state mp;
	struct kvm_regs regs;
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e[2];
	} msrs;
	size_t i;

	memset(&msrs, 0, sizeof(msrs));
	if (ioctl(v->fd, KVM_GET_REGS, &regs) == 0)
		fprintf(stderr, "  vCPU %d: rip 0x%llx (blob + 0x%llx) rflags 0x%llx r8 %llu r9 %llu\n",
			v->id, (unsigned long long)regs.rip,
			(unsigned long long)(regs.rip - IRQB_CODE),
			(unsigned long long)regs.rflags,
			(unsigned long long)regs.r8,
			(unsigned long long)regs.r9);
	if (ioctl(v->fd, KVM_GET_MP_STATE, &mp) == 0)
		fprintf(stderr, "  vCPU %d: mp_state %u\n", v->id, mp.mp_state);
	if (ioctl(v->fd, KVM_GET_VCPU_EVENTS, &ev) == 0)
		fprintf(stderr, "  vCPU %d: interrupt injected %u nr 0x%x shadow %u\n",
			v->id, ev.interrupt.injected, ev.interrupt.nr,
			ev.interrupt.shadow);
	if (ioctl(v->fd, KVM_GET_LAPIC, &l) == 0)
		for (i = 0; i < ARRAY_SIZE(vecs); i++)
			fprintf(stderr, "  vCPU %d: vector 0x%x IRR %d ISR %d\n",
				v->id, vecs[i], lapic_bit(&l, 0x200, vecs[i]),
				lapic_bit(&l, 0x100, vecs[i]));
	msrs.h.nmsrs = 2;
	msrs.e[0].index = 0x10;		/* IA32_TSC */
	msrs.e[1].index = 0x6e0;	/* IA32_TSC_DEADLINE */
	if (ioctl(v->fd, KVM_GET_MSRS, &msrs) == 2)
		fprintf(stderr, "  vCPU %d: TSC 0x%llx, TSC_DEADLINE MSR 0x%llx\n",
			v->id, (unsigned long long)msrs.e[0].data,
			(unsigned long long)msrs.e[1].data);
	fprintf(stderr, "  guest counters: %llu %llu, TSC deadline 0x%llx\n",
		(unsigned long long)*guest_u64(v->vm, IRQB_COUNT0),
		(unsigned long long)*guest_u64(v->vm, IRQB_COUNT1),
		(unsigned long long)*guest_u64(v->vm, IRQB_DEADLINE));
}

/* Interrupts the guest has counted so far, all vCPUs. */
static uint64_t progress(struct irqb_vm *vm)
{
	return *guest_u64(vm, IRQB_COUNT0) + *guest_u64(vm, IRQB_COUNT1);
}

/*
 * Wait for every vCPU thread to end, then join them; returns 0 if all
 * reached DONE_PORT. The watchdog fires when the guest's counters stand
 * still for STALL_SECS, not after a fixed time: the whole of vmon-bench
 * must fit in /init's per-run limit (TEST_TIMEOUT, 120 s) on both
 * machines, so a hang has to be reported quickly whatever N was.
 */
static int join_threads(struct irqb_vm *vm)
{
	uint64_t last = progress(vm), p;
	double t_last = bench_now();
	int i, started = 0, ended = 0, ret = 0;
	struct timespec dl;

	for (i = 0; i < vm->nr; i++)
		started += vm->v[i].started;
	while (ended < started) {
		clock_gettime(CLOCK_REALTIME, &dl);
		dl.tv_sec += 1;
		if (sem_timedwait(&vm->ended, &dl) == 0) {
			ended++;
			continue;
		}
		if (errno == EINTR)
			continue;
		p = progress(vm);
		if (p != last) {
			last = p;
			t_last = bench_now();
			continue;
		}
		if (bench_now() - t_last < STALL_SECS)
			continue;
		if (vm->abort)
			break;
		fprintf(stderr, "vmon-bench: %s: no progress for %d s (%llu interrupts counted)\n",
			vm->g.dev, STALL_SECS, (unsigned long long)p);
		abort_vcpus(vm);
		t_last = bench_now();
	}
	for (i = 0; i < vm->nr; i++) {
		if (!vm->v[i].started)
			continue;
		if (vm->v[i].state == VCPU_RUNNING) {
			/* Even the kick did not get it out: cannot clean up. */
			fprintf(stderr, "vmon-bench: %s vCPU %d stuck in KVM_RUN\n",
				vm->g.dev, i);
			exit(1);
		}
		pthread_join(vm->v[i].thread, NULL);
		vm->v[i].started = 0;
		if (vm->abort)
			dump_vcpu(&vm->v[i]);
		if (vm->v[i].state != VCPU_DONE)
			ret = -1;
	}
	return ret;
}

static int check_count(struct irqb_vm *vm, const char *what, uint64_t gpa,
		       uint64_t want)
{
	uint64_t got = *guest_u64(vm, gpa);

	if (got == want)
		return 0;
	fprintf(stderr, "vmon-bench: %s: %s counted %llu interrupts, expected %llu\n",
		vm->g.dev, what, (unsigned long long)got,
		(unsigned long long)want);
	return -1;
}

static unsigned long warmup(unsigned long n)
{
	return n / 10 < 10 ? 10 : n / 10;
}

int bench_ipi(unsigned long n, double *ns)
{
	struct kvm_mp_state mp = { .mp_state = KVM_MP_STATE_RUNNABLE };
	struct irqb_vm vm;
	unsigned long w = warmup(n);
	int ret = -1;

	if (irqb_create(&vm, 2, 0))
		goto out;
	set_gate(&vm, IRQB_VEC_IPI0, code_gpa(irqb_ipi_handler0));
	set_gate(&vm, IRQB_VEC_IPI1, code_gpa(irqb_ipi_handler1));
	set_gate(&vm, IRQB_VEC_STOP, code_gpa(irqb_ipi_stop));
	if (vcpu_setup(&vm, &vm.v[0], irqb_ipi_main0, IRQB_CODE, w, n) ||
	    vcpu_setup(&vm, &vm.v[1], irqb_ipi_main1, IRQB_STACK1, 0, 0))
		goto out;
	/*
	 * With the in-kernel irqchip an AP starts in wait-for-SIPI; its
	 * registers are already set, so make it runnable directly.
	 */
	if (ioctl(vm.v[1].fd, KVM_SET_MP_STATE, &mp) < 0) {
		perror("KVM_SET_MP_STATE (vCPU 1, RUNNABLE)");
		goto out;
	}
	if (start_threads(&vm))
		goto out;
	if (join_threads(&vm) ||
	    check_count(&vm, "vCPU 0", IRQB_COUNT0, n + w) ||
	    check_count(&vm, "vCPU 1", IRQB_COUNT1, n + w))
		goto out;
	if (!vm.v[0].mark) {
		fprintf(stderr, "vmon-bench: ipi: no start mark\n");
		goto out;
	}
	*ns = (vm.v[0].done - vm.v[0].mark) * 1e9 / n;
	ret = 0;
out:
	if (ret)
		abort_vcpus(&vm);
	join_threads(&vm);
	irqb_free(&vm);
	return ret;
}

/* Read one ack from the ioeventfd; fails if the vCPU died or stalled. */
static int wait_ack(struct irqb_vm *vm, int efd)
{
	struct pollfd p = { .fd = efd, .events = POLLIN };
	double dl = bench_now() + STALL_SECS;
	uint64_t val;

	for (;;) {
		int r = poll(&p, 1, 200);

		if (r > 0)
			break;
		if (r < 0 && errno != EINTR) {
			perror("poll");
			return -1;
		}
		if (any_failed(vm) || vm->v[0].state == VCPU_DONE)
			return -1;
		if (bench_now() > dl) {
			fprintf(stderr, "vmon-bench: %s: irqfd: no ack from the guest for %d s (%llu interrupts counted)\n",
				vm->g.dev, STALL_SECS,
				(unsigned long long)progress(vm));
			return -1;
		}
	}
	if (read(efd, &val, sizeof(val)) != sizeof(val)) {
		perror("read ioeventfd");
		return -1;
	}
	if (val != 1) {
		fprintf(stderr, "vmon-bench: %s: irqfd: %llu acks at once, expected 1\n",
			vm->g.dev, (unsigned long long)val);
		return -1;
	}
	return 0;
}

static int irqfd_rounds(struct irqb_vm *vm, int irq, int ack,
			unsigned long n)
{
	const uint64_t one = 1;
	unsigned long i;

	for (i = 0; i < n; i++) {
		if (write(irq, &one, sizeof(one)) != sizeof(one)) {
			perror("write irqfd");
			return -1;
		}
		if (wait_ack(vm, ack))
			return -1;
	}
	return 0;
}

int bench_irqfd(unsigned long n, double *ns)
{
	struct {
		struct kvm_irq_routing r;
		struct kvm_irq_routing_entry e[1];
	} routing;
	struct kvm_ioeventfd ioev;
	struct kvm_irqfd irqfd;
	struct irqb_vm vm;
	unsigned long w = warmup(n);
	int irq = -1, ack = -1, ret = -1;
	double t0;

	if (irqb_create(&vm, 1, 0))
		goto out;
	set_gate(&vm, IRQB_VEC_IRQFD, code_gpa(irqb_irqfd_handler));
	if (vcpu_setup(&vm, &vm.v[0], irqb_irqfd_main, IRQB_CODE, n + w, 0))
		goto out;

	/* MSI to APIC ID 0, fixed, edge: no IOAPIC in the way. */
	memset(&routing, 0, sizeof(routing));
	routing.r.nr = 1;
	routing.e[0].gsi = IRQB_GSI;
	routing.e[0].type = KVM_IRQ_ROUTING_MSI;
	routing.e[0].u.msi.address_lo = 0xfee00000;
	routing.e[0].u.msi.data = IRQB_VEC_IRQFD;
	if (ioctl(vm.g.vm_fd, KVM_SET_GSI_ROUTING, &routing) < 0) {
		perror("KVM_SET_GSI_ROUTING");
		goto out;
	}
	irq = eventfd(0, EFD_CLOEXEC);
	ack = eventfd(0, EFD_CLOEXEC);
	if (irq < 0 || ack < 0) {
		perror("eventfd");
		goto out;
	}
	memset(&irqfd, 0, sizeof(irqfd));
	irqfd.fd = irq;
	irqfd.gsi = IRQB_GSI;
	if (ioctl(vm.g.vm_fd, KVM_IRQFD, &irqfd) < 0) {
		perror("KVM_IRQFD");
		goto out;
	}
	memset(&ioev, 0, sizeof(ioev));
	ioev.addr = IRQB_ACK_PORT;
	ioev.len = 1;
	ioev.fd = ack;
	ioev.flags = KVM_IOEVENTFD_FLAG_PIO;
	if (ioctl(vm.g.vm_fd, KVM_IOEVENTFD, &ioev) < 0) {
		perror("KVM_IOEVENTFD");
		goto out;
	}

	if (start_threads(&vm))
		goto out;
	/* The first ack says the guest's APIC is on. */
	if (wait_ack(&vm, ack) || irqfd_rounds(&vm, irq, ack, w))
		goto out;
	t0 = bench_now();
	if (irqfd_rounds(&vm, irq, ack, n))
		goto out;
	*ns = (bench_now() - t0) * 1e9 / n;
	if (join_threads(&vm) ||
	    check_count(&vm, "the guest", IRQB_COUNT0, n + w))
		goto out;
	ret = 0;
out:
	if (ret)
		abort_vcpus(&vm);
	join_threads(&vm);
	if (irq >= 0)
		close(irq);
	if (ack >= 0)
		close(ack);
	irqb_free(&vm);
	return ret;
}

static void sleep_s(double s)
{
	struct timespec ts = { .tv_sec = (time_t)s,
			       .tv_nsec = (long)((s - (time_t)s) * 1e9) };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Fewer than this many interrupts in the interval is not a measurement. */
#define TIMER_MIN_IRQS	20

int bench_timer(unsigned long ms, double *ns)
{
	struct irqb_vm vm;
	volatile uint64_t *count;
	uint64_t c0, c1, early;
	double t0, t1, dl;
	int ret = -1;

	if (irqb_create(&vm, 1, 1))
		goto out;
	count = guest_u64(&vm, IRQB_COUNT0);
	set_gate(&vm, IRQB_VEC_TIMER, code_gpa(irqb_timer_handler));
	if (vcpu_setup(&vm, &vm.v[0], irqb_timer_main, IRQB_CODE, 0, 0) ||
	    start_threads(&vm))
		goto out;
	/* Warm-up: the timer is running once a few interrupts are in. */
	dl = bench_now() + STALL_SECS;
	while (*count < 10) {
		if (any_failed(&vm) || bench_now() > dl) {
			fprintf(stderr, "vmon-bench: %s: timer: warm-up: only %llu interrupts in %.0f s\n",
				vm.g.dev, (unsigned long long)*count,
				(double)STALL_SECS);
			goto out;
		}
		sleep_s(0.001);
	}
	c0 = *count;
	t0 = bench_now();
	sleep_s(ms / 1e3);
	c1 = *count;
	t1 = bench_now();
	*guest_u64(&vm, IRQB_STOP) = 1;
	if (join_threads(&vm))
		goto out;
	early = *guest_u64(&vm, IRQB_EARLY);
	if (early) {
		fprintf(stderr, "vmon-bench: %s: timer: %llu of %llu interrupts before their deadline\n",
			vm.g.dev, (unsigned long long)early,
			(unsigned long long)*count);
		goto out;
	}
	if (c1 - c0 < TIMER_MIN_IRQS) {
		fprintf(stderr, "vmon-bench: %s: timer: %llu interrupts in %.3f s (%llu in all)\n",
			vm.g.dev, (unsigned long long)(c1 - c0), t1 - t0,
			(unsigned long long)*count);
		goto out;
	}
	*ns = (t1 - t0) * 1e9 / (c1 - c0);
	ret = 0;
out:
	if (ret)
		abort_vcpus(&vm);
	join_threads(&vm);
	irqb_free(&vm);
	return ret;
}
