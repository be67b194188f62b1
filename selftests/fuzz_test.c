// SPDX-License-Identifier: GPL-2.0
/*
 * Bad input never crashes the host. Random arguments to every ioctl vmon
 * implements (and random ioctl numbers in KVM's type), then random guest
 * state and random guest code run under a timer. Each call may succeed or
 * fail; what is asserted is that the process survives, every failure is a
 * plain errno, and (checked by the harness afterwards: host:kernel-clean)
 * that the kernel logged no oops or warning. Seeded, so a failure can be
 * replayed: the seed is printed. Runs on both devices.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vmtest.h"

#define BUF_SIZE	(16 * 1024)	/* >= the largest _IOC_SIZE (14 bits) */
#define MEM_SIZE	(64 * 1024)

static u64 rng_state;

static u64 rnd(void)
{
	/* xorshift64*: deterministic from the printed seed. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

static void rnd_fill(void *p, size_t n)
{
	u8 *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		b[i] = rnd();
}

/* Values that tend to hit edges: 0, ~0, powers of two, small, random. */
static u64 rnd_edge(void)
{
	switch (rnd() % 6) {
	case 0: return 0;
	case 1: return ~0ULL;
	case 2: return 1ULL << (rnd() % 64);
	case 3: return rnd() % 16;
	case 4: return (u64)-(rnd() % 16);
	default: return rnd();
	}
}

/*
 * The ioctl fuzzer takes a new seed each run. The guest-state fuzzer uses
 * a fixed default: QEMU's TCG (not the hypervisor) wedges the emulated
 * machine at VMRUN on some random guest states, under kvm_amd as under
 * vmon (seeds 4765564116225878384, 4765567251114512125, 7 did), so CI
 * uses a seed verified to pass on both; VMON_FUZZ_SEED explores others.
 */
#define GUEST_STATE_SEED	1

static u64 seed_rng(struct __test_metadata *_metadata, u64 dflt)
{
	const char *s = getenv("VMON_FUZZ_SEED");
	u64 seed = s ? strtoull(s, NULL, 0) :
		   dflt ? dflt : (u64)time(NULL) * 2654435761u;

	rng_state = seed ? seed : 1;
	TH_LOG("seed %llu (replay with VMON_FUZZ_SEED)",
	       (unsigned long long)rng_state);
	return rng_state;
}

/* Each iteration's draw depends only on the seed and its number. */
static void reseed(u64 seed, int iter)
{
	rng_state = seed ^ ((u64)(iter + 1) * 0x9E3779B97F4A7C15ULL);
	if (!rng_state)
		rng_state = 1;
}

/* The ioctls a KVM client uses; both fd kinds get all of them. */
static const unsigned long known_ioctls[] = {
	KVM_GET_API_VERSION, KVM_CHECK_EXTENSION, KVM_GET_VCPU_MMAP_SIZE,
	KVM_GET_SUPPORTED_CPUID, KVM_GET_MSR_INDEX_LIST,
	KVM_SET_USER_MEMORY_REGION, KVM_GET_REGS, KVM_SET_REGS,
	KVM_GET_SREGS, KVM_SET_SREGS, KVM_GET_FPU, KVM_SET_FPU,
	KVM_GET_MSRS, KVM_SET_MSRS, KVM_SET_CPUID2, KVM_GET_CPUID2,
	KVM_GET_MP_STATE, KVM_SET_MP_STATE, KVM_SET_SIGNAL_MASK,
};

/* Never fuzzed: they create fds or block, and are covered elsewhere. */
static bool excluded(unsigned long cmd)
{
	return cmd == KVM_CREATE_VM || cmd == KVM_CREATE_VCPU ||
	       cmd == KVM_RUN || _IOC_NR(cmd) == _IOC_NR(KVM_CREATE_VM) ||
	       _IOC_NR(cmd) == _IOC_NR(KVM_CREATE_VCPU) ||
	       _IOC_NR(cmd) == _IOC_NR(KVM_RUN) ||
	       /* KVM only: would create fds or devices on the oracle. */
	       _IOC_NR(cmd) == 0x60 /* CREATE_IRQCHIP */ ||
	       _IOC_NR(cmd) == 0xe0 /* CREATE_DEVICE */ ||
	       _IOC_NR(cmd) == 0x76 /* IRQFD */ ||
	       _IOC_NR(cmd) == 0x79 /* IOEVENTFD */ ||
	       _IOC_NR(cmd) == 0xa3 /* ENABLE_CAP */ ||
	       _IOC_NR(cmd) == 0xce /* GET_STATS_FD */;
}

static unsigned long pick_cmd(void)
{
	unsigned long cmd;

	do {
		if (rnd() % 4) {
			cmd = known_ioctls[rnd() % ARRAY_SIZE(known_ioctls)];
		} else {
			unsigned int dir = rnd() % 4;
			unsigned int size = dir ? rnd() % BUF_SIZE : 0;

			cmd = _IOC(dir, KVMIO, rnd() % 256, size);
		}
	} while (excluded(cmd));
	return cmd;
}

static void fuzz_fd(struct __test_metadata *_metadata, int fd, int iters,
		    u8 *buf)
{
	int i, r;

	for (i = 0; i < iters; i++) {
		unsigned long cmd = pick_cmd();
		unsigned long arg;

		rnd_fill(buf, BUF_SIZE);
		/* Mostly a valid buffer; sometimes garbage or NULL. */
		switch (rnd() % 8) {
		case 0: arg = 0; break;
		case 1: arg = rnd_edge(); break;
		default: arg = (unsigned long)buf; break;
		}
		/* Small counts, so array ioctls get past their size checks. */
		if (arg == (unsigned long)buf && rnd() % 2)
			*(u32 *)buf = rnd() % 8;
		r = ioctl(fd, cmd, arg);
		if (r < 0)
			ASSERT_TRUE(errno > 0 && errno < 512)
				TH_LOG("ioctl %#lx: errno %d", cmd, errno);
	}
}

TEST(random_ioctls)
{
	u8 *buf = malloc(BUF_SIZE);
	struct vt_vm *vm;
	struct vt_vcpu *vcpu;
	int round;

	seed_rng(_metadata, 0);
	ASSERT_NE(NULL, buf);
	for (round = 0; round < 4; round++) {
		vm = vm_create(0);
		vcpu = vcpu_create_bare(vm, 0);
		fuzz_fd(_metadata, vm->dev_fd, 300, buf);
		fuzz_fd(_metadata, vm->fd, 300, buf);
		fuzz_fd(_metadata, vcpu->fd, 600, buf);
		vm_free(vm);
	}
	free(buf);
}

static volatile sig_atomic_t ticks;

static void on_alarm(int sig)
{
	ticks++;
}

static void rnd_segment(struct kvm_segment *s)
{
	if (rnd() % 3)
		return;		/* keep most segments sane */
	s->base = rnd_edge();
	s->limit = rnd_edge();
	s->selector = rnd();
	s->type = rnd() % 16;
	s->present = rnd() % 2;
	s->dpl = rnd() % 4;
	s->db = rnd() % 2;
	s->s = rnd() % 2;
	s->l = rnd() % 2;
	s->g = rnd() % 2;
	s->avl = rnd() % 2;
	s->unusable = rnd() % 4 == 0;
}

/*
 * Random control registers, segments, registers and code: most states are
 * refused by KVM_SET_SREGS, the rest run into some exit (a fault, a
 * triple fault, FAIL_ENTRY, MMIO, an emulation error) or spin until the
 * timer interrupts KVM_RUN.
 */
TEST(random_guest_state)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	struct itimerval it = { .it_interval = { 0, 20000 },
				.it_value = { 0, 20000 } };
	sigset_t alrm;
	int iter, r, ran = 0;
	u64 seed = seed_rng(_metadata, GUEST_STATE_SEED);

	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &it, NULL));

	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	for (iter = 0; iter < 60; iter++) {
		struct vt_vm *vm;
		struct vt_vcpu *vcpu;
		struct kvm_sregs sregs;
		struct kvm_regs regs;
		void *mem;
		int step;

		/*
		 * The timer is only for KVM_RUN: KVM_CREATE_VM may fail with
		 * EINTR when a signal is pending (the mmu notifier
		 * registration), on KVM as on vmon.
		 */
		sigprocmask(SIG_BLOCK, &alrm, NULL);
		reseed(seed, iter);
		vm = vm_create_bare();

		mem = vm_mem_add(vm, 0, 0, MEM_SIZE, rnd() % 4 ? 0 :
				 KVM_MEM_READONLY);
		rnd_fill(mem, MEM_SIZE);
		vcpu = vcpu_create_bare(vm, 0);
		vcpu_set_cpuid(vcpu, vt_supported_cpuid());

		vcpu_sregs_get(vcpu, &sregs);
		if (rnd() % 2) {
			/*
			 * Only CR0's defined bits (PE MP EM TS ET NE WP AM NW
			 * CD PG): with a reserved low bit (e.g. 0x10000010,
			 * which KVM_SET_SREGS accepts on KVM as on vmon)
			 * QEMU's TCG wedges the machine at VMRUN.
			 */
			sregs.cr0 = rnd() & 0xe005003f;
			sregs.cr4 = rnd() % 2 ? rnd_edge() : rnd() & 0x3706ff;
			sregs.efer = rnd() % 2 ? rnd_edge() : rnd() & 0xd01;
			sregs.cr3 = rnd() % MEM_SIZE & ~0xfffULL;
		}
		/*
		 * TR is left alone: QEMU's TCG freezes the whole emulated
		 * machine on VMRUN with some malformed TRs, under kvm_amd
		 * exactly as under vmon (seed 4765564116225878384 did it),
		 * so that state tests the emulator, not the hypervisor.
		 */
		/*
		 * Real mode (CR0.PE clear) keeps its reset segments: all three
		 * machine freezes seen at VMRUN had PE clear and random
		 * segment attributes, on kvm_amd exactly as on vmon.
		 */
		if (sregs.cr0 & X86_CR0_PE) {
			rnd_segment(&sregs.cs);
			rnd_segment(&sregs.ds);
			rnd_segment(&sregs.ss);
		}
		sregs.gdt.base = rnd() % MEM_SIZE;
		sregs.gdt.limit = rnd();
		sregs.idt.base = rnd() % MEM_SIZE;
		sregs.idt.limit = rnd();
		ioctl(vcpu->fd, KVM_SET_SREGS, &sregs);

		memset(&regs, 0, sizeof(regs));
		regs.rip = rnd() % 2 ? rnd() % MEM_SIZE : rnd_edge();
		regs.rsp = rnd() % MEM_SIZE;
		regs.rflags = 2 | (rnd() % 2 ? rnd() : 0);
		regs.rax = rnd_edge();
		regs.rcx = rnd_edge();
		regs.rsi = rnd() % MEM_SIZE;
		regs.rdi = rnd() % MEM_SIZE;
		ioctl(vcpu->fd, KVM_SET_REGS, &regs);

		/* A few entries each; feed MMIO/IO reads with random data. */
		sigprocmask(SIG_UNBLOCK, &alrm, NULL);
		for (step = 0; step < 8; step++) {
			r = ioctl(vcpu->fd, KVM_RUN, 0);
			if (r < 0) {
				ASSERT_TRUE(errno == EINTR || errno == EFAULT ||
					    errno == EINVAL)
					TH_LOG("KVM_RUN errno %d", errno);
				break;
			}
			ran++;
			if (vcpu->run->exit_reason == KVM_EXIT_MMIO)
				rnd_fill(vcpu->run->mmio.data, 8);
			else if (vcpu->run->exit_reason == KVM_EXIT_IO)
				rnd_fill((u8 *)vcpu->run +
					 vcpu->run->io.data_offset,
					 vcpu->run->io.size *
					 vcpu->run->io.count);
			else if (vcpu->run->exit_reason != KVM_EXIT_HLT)
				break;	/* shutdown, fail entry, errors */
		}
		sigprocmask(SIG_BLOCK, &alrm, NULL);
		vm_free(vm);
	}
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
	sigprocmask(SIG_UNBLOCK, &alrm, NULL);
	/* Some states must have got as far as running. */
	EXPECT_LT(0, ran);
}

TEST_HARNESS_MAIN
