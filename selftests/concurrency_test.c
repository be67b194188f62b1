// SPDX-License-Identifier: GPL-2.0
/*
 * More than one thing at a time: two vCPUs of one VM on two threads, two
 * VMs interleaved, a memslot deleted under a running vCPU, and host-side
 * changes to guest memory mappings (the mmu-notifier path) while the
 * guest has them mapped.
 */
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vmtest.h"

#define SLOT1_GPA	0x80000000ULL
#define SLOT1_SIZE	(16 * PAGE_SIZE)
#define MAGIC		0x1234567887654321ULL

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* ---- two vCPUs, two threads ---- */

#define SMP_ITERS	200
#define SMP_INCS	20000

struct smp_shared {
	u64 counter;		/* locked increments from both vCPUs */
	u64 mine[2];		/* each vCPU's own plain counter */
};

static void guest_smp(u64 id, struct smp_shared *sh)
{
	u64 i, j;

	for (i = 0; i < SMP_ITERS; i++) {
		for (j = 0; j < SMP_INCS / SMP_ITERS; j++) {
			asm volatile("lock incq %0" : "+m"(sh->counter));
			sh->mine[id]++;
		}
		GUEST_SYNC((id << 32) | i);
	}
	GUEST_DONE();
}

struct smp_thread {
	struct vt_vcpu *vcpu;
	u64 id;
	int errors;
};

static void *smp_vcpu_thread(void *arg)
{
	struct smp_thread *t = arg;
	u64 i, v;

	for (i = 0; i < SMP_ITERS; i++) {
		v = vcpu_run_sync(t->vcpu);
		if (v != ((t->id << 32) | i)) {
			fprintf(stderr, "# vCPU %llu: sync 0x%llx, expected 0x%llx\n",
				(unsigned long long)t->id,
				(unsigned long long)v,
				(unsigned long long)((t->id << 32) | i));
			t->errors++;
		}
	}
	vcpu_run_done(t->vcpu);
	return NULL;
}

TEST(two_vcpus_two_threads)
{
	struct vt_vm *vm = vm_create(0);
	u64 sh_gpa = vm_alloc(vm, sizeof(struct smp_shared), 64);
	struct smp_shared *sh = gpa2hva(vm, sh_gpa);
	struct smp_thread t[2];
	pthread_t th[2];
	int i;

	for (i = 0; i < 2; i++) {
		t[i].vcpu = vm_vcpu_add(vm, i, guest_smp);
		t[i].id = i;
		t[i].errors = 0;
		vcpu_args_set(t[i].vcpu, 2, (u64)i, sh_gpa);
	}
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_create(&th[i], NULL, smp_vcpu_thread, &t[i]));
	for (i = 0; i < 2; i++)
		pthread_join(th[i], NULL);

	EXPECT_EQ(0, t[0].errors);
	EXPECT_EQ(0, t[1].errors);
	EXPECT_EQ(2 * SMP_INCS, sh->counter);
	EXPECT_EQ(SMP_INCS, sh->mine[0]);
	EXPECT_EQ(SMP_INCS, sh->mine[1]);
	vm_free(vm);
}

/* ---- two VMs, interleaved ---- */

static void guest_sum_slot(u64 *p, u64 n)
{
	u64 i, sum;

	for (;;) {
		sum = 0;
		for (i = 0; i < n; i++)
			sum += READ_ONCE(p[i]);
		GUEST_SYNC(sum);
		/* Each VM scribbles its own signature into its own slot. */
		p[0] += 1;
	}
}

TEST(two_vms_interleaved)
{
	struct vt_vm *vm[2];
	struct vt_vcpu *vcpu[2];
	u64 *mem[2], expect[2] = { 0, 0 };
	int i, round;
	u64 k;

	for (i = 0; i < 2; i++) {
		vm[i] = vm_create(0);
		vcpu[i] = vm_vcpu_add(vm[i], 0, guest_sum_slot);
		/* Same gpa in both VMs, different contents. */
		mem[i] = vm_mem_add(vm[i], 1, SLOT1_GPA, SLOT1_SIZE, 0);
		for (k = 0; k < 512; k++) {
			mem[i][k] = (i + 1) * 1000 + k;
			expect[i] += mem[i][k];
		}
		vcpu_args_set(vcpu[i], 2, SLOT1_GPA, 512ULL);
	}
	for (round = 0; round < 10; round++) {
		for (i = 0; i < 2; i++) {
			EXPECT_EQ(expect[i], vcpu_run_sync(vcpu[i]))
				TH_LOG("VM %d round %d", i, round);
			expect[i]++;
		}
	}
	/* Nine increments: the tenth happens after the last sync. */
	EXPECT_EQ((u64)1000 + 9, mem[0][0]);
	EXPECT_EQ((u64)2000 + 9, mem[1][0]);
	for (i = 0; i < 2; i++)
		vm_free(vm[i]);
}

/* ---- memslot deletion under a running vCPU ---- */

static void guest_poll_slot(u64 *p, u64 *progress)
{
	u64 v;

	for (;;) {
		v = READ_ONCE(*p);
		if (v != MAGIC)
			break;
		WRITE_ONCE(*progress, READ_ONCE(*progress) + 1);
	}
	GUEST_SYNC(v);
	GUEST_DONE();
}

struct delete_thread {
	struct vt_vcpu *vcpu;
	u32 exit_reason;
	u64 mmio_addr;
	u32 mmio_len;
	u64 synced;
	int run_errno;
};

static void *delete_vcpu_thread(void *arg)
{
	struct delete_thread *t = arg;
	struct kvm_run *run = t->vcpu->run;
	struct ucall uc;

	if (__vcpu_run(t->vcpu)) {
		t->run_errno = errno;
		return NULL;
	}
	t->exit_reason = run->exit_reason;
	if (run->exit_reason != KVM_EXIT_MMIO)
		return NULL;
	t->mmio_addr = run->mmio.phys_addr;
	t->mmio_len = run->mmio.len;
	vcpu_mmio_reply(t->vcpu, 0xdead);
	if (__vcpu_run(t->vcpu) || get_ucall(t->vcpu, &uc) != UCALL_SYNC)
		return NULL;
	t->synced = uc.args[0];
	return NULL;
}

TEST(delete_slot_while_running)
{
	struct vt_vm *vm;
	struct vt_vcpu *vcpu;
	u64 progress_gpa;
	volatile u64 *progress;
	u64 *mem;
	struct delete_thread t = { 0 };
	pthread_t th;
	int i;

	/*
	 * Its guest spins polling the slot, and the delete must kick the
	 * vCPU out of guest mode (a TLB-flush IPI). On the Bochs machine a
	 * CPU running a spinning nested guest is not switched away from and
	 * takes no such IPI: kvm_intel often never finishes, and vmon's run,
	 * which had passed there, wedged CPU#1 the same way on 2026-12-07
	 * (soft lockup for 300 s, RCU kthread starved on that CPU, the whole
	 * boot lost). Skipped there on both devices; QEMU runs it on both.
	 */
	if (vt_running_on_emulator("bochs"))
		SKIP(return, "Bochs (vmontest.emulator=bochs; emulator_bugs.py: bochs-no-switch-from-spinning-guest): the vCPU is never kicked out of a spinning guest, on kvm_intel as on vmon (soft lockup); runs on QEMU/AMD and hardware");
	vm = vm_create(0);
	vcpu = vm_vcpu_add(vm, 0, guest_poll_slot);
	progress_gpa = vm_alloc(vm, 8, 8);
	progress = gpa2hva(vm, progress_gpa);
	mem = mmap(NULL, SLOT1_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	t.vcpu = vcpu;

	ASSERT_NE(MAP_FAILED, mem);
	mem[0] = MAGIC;
	ASSERT_EQ(0, __vm_set_region(vm, 1, 0, SLOT1_GPA, SLOT1_SIZE, mem));
	vcpu_args_set(vcpu, 2, SLOT1_GPA, progress_gpa);
	ASSERT_EQ(0, pthread_create(&th, NULL, delete_vcpu_thread, &t));

	/* Wait until the guest is polling the slot. */
	for (i = 0; i < 1000 && *progress < 1000; i++)
		sleep_ms(5);
	ASSERT_LE(1000, *progress) TH_LOG("the guest does not run");

	ASSERT_EQ(0, __vm_set_region(vm, 1, 0, SLOT1_GPA, 0, mem));
	/*
	 * The old backing memory changes after the delete returned: a guest
	 * still reaching it through a stale mapping would see this value.
	 */
	WRITE_ONCE(mem[0], MAGIC + 1);
	pthread_join(th, NULL);

	EXPECT_EQ(0, t.run_errno) TH_LOG("KVM_RUN: %s", strerror(t.run_errno));
	EXPECT_EQ(KVM_EXIT_MMIO, t.exit_reason)
		TH_LOG("exit %s", exit_reason_str(t.exit_reason));
	EXPECT_EQ(SLOT1_GPA, t.mmio_addr);
	EXPECT_EQ(8, t.mmio_len);
	EXPECT_EQ(0xdead, t.synced);
	munmap(mem, SLOT1_SIZE);
	vm_free(vm);
}

/* ---- mmu-notifier coherence ---- */

struct mailbox {
	u64 write;		/* non-zero: store val before reading */
	u64 val;
};

static void guest_mailbox(u64 *p, struct mailbox *mb)
{
	for (;;) {
		if (READ_ONCE(mb->write))
			WRITE_ONCE(*p, READ_ONCE(mb->val));
		GUEST_SYNC(READ_ONCE(*p));
	}
}

TEST(mmu_notifier_coherence)
{
	struct vt_vm *vm = vm_create(0);
	struct vt_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_mailbox);
	u64 mb_gpa = vm_alloc(vm, sizeof(struct mailbox), 8);
	struct mailbox *mb = gpa2hva(vm, mb_gpa);
	u64 *mem = mmap(NULL, SLOT1_SIZE, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	u64 *page = mem + PAGE_SIZE / 8;	/* the guest uses page 1 */
	u64 *alias, *remap;
	int memfd;

	ASSERT_NE(MAP_FAILED, mem);
	ASSERT_EQ(0, __vm_set_region(vm, 1, 0, SLOT1_GPA, SLOT1_SIZE, mem));
	vcpu_args_set(vcpu, 2, SLOT1_GPA + PAGE_SIZE, mb_gpa);

	page[0] = 0xaaaa;
	EXPECT_EQ(0xaaaa, vcpu_run_sync(vcpu));

	/* The page goes away: the guest sees a fresh zero page. */
	ASSERT_EQ(0, madvise(page, PAGE_SIZE, MADV_DONTNEED));
	EXPECT_EQ(0, vcpu_run_sync(vcpu));
	/* The host touches it again (a new page): the guest follows. */
	page[0] = 0xbbbb;
	EXPECT_EQ(0xbbbb, vcpu_run_sync(vcpu));

	/* The guest writes: the host sees it in the same page. */
	mb->write = 1;
	mb->val = 0xcccc;
	EXPECT_EQ(0xcccc, vcpu_run_sync(vcpu));
	EXPECT_EQ(0xcccc, page[0]);
	mb->write = 0;

	/* A different page mapped over it: a memfd page with content. */
	memfd = memfd_create("vmtest", 0);
	ASSERT_LE(0, memfd);
	ASSERT_EQ(0, ftruncate(memfd, PAGE_SIZE));
	alias = mmap(NULL, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		     memfd, 0);
	ASSERT_NE(MAP_FAILED, alias);
	alias[0] = 0xdddd;
	remap = mmap(page, PAGE_SIZE, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_FIXED, memfd, 0);
	ASSERT_EQ(page, remap);
	EXPECT_EQ(0xdddd, vcpu_run_sync(vcpu));
	/* Writes through another mapping of the same page are seen... */
	alias[0] = 0xeeee;
	EXPECT_EQ(0xeeee, vcpu_run_sync(vcpu));
	/* ...and the guest's writes reach the new page. */
	mb->write = 1;
	mb->val = 0xffff;
	EXPECT_EQ(0xffff, vcpu_run_sync(vcpu));
	EXPECT_EQ(0xffff, alias[0]);
	mb->write = 0;

	/* Nothing mapped there at all: KVM_RUN fails with EFAULT... */
	ASSERT_EQ(0, munmap(page, PAGE_SIZE));
	EXPECT_EQ(-1, __vcpu_run(vcpu));
	EXPECT_EQ(EFAULT, errno);
	/* ...and once memory is back, the same access succeeds. */
	remap = mmap(page, PAGE_SIZE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	ASSERT_EQ(page, remap);
	page[0] = 0x1111;
	EXPECT_EQ(0x1111, vcpu_run_sync(vcpu));

	munmap(alias, PAGE_SIZE);
	close(memfd);
	vm_free(vm);
	munmap(mem, SLOT1_SIZE);
}

TEST_HARNESS_MAIN
