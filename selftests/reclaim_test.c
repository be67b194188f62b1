// SPDX-License-Identifier: GPL-2.0
/*
 * Guest writes survive host reclaim.
 *
 * The guest writes through nested page tables, which the host mm never
 * sees: if the host PTE of a page is writable but clean, only the
 * hypervisor knows the page is dirty, and it must tell the mm (mark the
 * page dirty) when it drops its mapping, or reclaim throws the guest's
 * data away. Memory in that state:
 *
 *   memfd_populate  shmem mapped MAP_SHARED | MAP_POPULATE: populating a
 *                   shared mapping read-faults, leaving writable clean PTEs
 *   memfd_read      the same, populated by the VMM reading every page
 *   anon_madv_free  anonymous memory written by the VMM, then MADV_FREE:
 *                   writable PTEs, cleaned, pages lazily freeable
 *
 * The guest writes a pattern to every word of the data pages, userspace
 * forces reclaim with MADV_PAGEOUT, then the guest and userspace re-read
 * every word. Clean pages of the region that the guest never touches
 * (the control pages) must have left memory (mincore): that proves
 * reclaim really ran on this kind of memory here.
 *
 * Swap: without it the dirty pages stay resident (a dirty shmem page
 * cannot be written anywhere, a dirtied MADV_FREE page is kept), so the
 * test turns on a zram swap device when the machine has no swap and the
 * modules are at hand (/modules/zsmalloc.ko and zram.ko, packed by
 * scripts/mkinitramfs.sh), and off again at the end. With swap, written
 * shmem pages must leave memory too, and the guest's re-read brings them
 * back from swap; a second round of MADV_PAGEOUT gives a dirtied
 * MADV_FREE page (the first only makes it swap-backed again) the chance
 * to go as well. Either way the pattern must be intact.
 *
 * The test pins itself to one CPU: freshly faulted pages wait in per-CPU
 * LRU batches, and MADV_FREE / MADV_PAGEOUT drain only the local CPU's.
 */
#include <fcntl.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/swap.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vmtest.h"

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT	21
#endif

#define SLOT		1
#define SLOT_GPA	0x80000000ULL
#define NR_DATA		192		/* pages the guest writes */
#define NR_CTRL		64		/* pages nobody writes after setup */
#define NR_PAGES	(NR_DATA + NR_CTRL)
#define REGION		(NR_PAGES * PAGE_SIZE)
#define WORDS_PER_PAGE	(PAGE_SIZE / 8)

enum backing { MEMFD_POPULATE, MEMFD_READ, ANON_MADV_FREE };

/* Distinct, non-zero per word and per run. */
static inline u64 pattern(u64 gpa, u64 seed)
{
	return ((gpa >> 3) * 0x9e3779b97f4a7c15ULL) ^ seed ^ 1;
}

/* Write the pattern, sync, then count the words that lost it. */
static void guest_write_then_check(u64 gpa, u64 npages, u64 seed)
{
	u64 n = npages * WORDS_PER_PAGE, i, bad = 0, first = ~0ULL;
	u64 *p = (u64 *)gpa;

	for (i = 0; i < n; i++)
		WRITE_ONCE(p[i], pattern(gpa + 8 * i, seed));
	GUEST_SYNC(1);
	for (i = 0; i < n; i++) {
		if (READ_ONCE(p[i]) != pattern(gpa + 8 * i, seed)) {
			if (!bad)
				first = i;
			bad++;
		}
	}
	GUEST_SYNC2(bad, first);
}

static void pin_to_this_cpu(struct __test_metadata *_metadata)
{
	cpu_set_t set;
	int cpu = sched_getcpu();

	ASSERT_LE(0, cpu);
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(set), &set));
}

/* Resident pages among [first, first + n) of @mem, by mincore. */
static int resident(struct __test_metadata *_metadata, void *mem,
		    int first, int n)
{
	unsigned char vec[NR_PAGES];
	int i, r = 0;

	EXPECT_EQ(0, mincore(mem, REGION, vec));
	for (i = first; i < first + n; i++)
		r += vec[i] & 1;
	return r;
}

static bool swap_active(void)
{
	FILE *f = fopen("/proc/swaps", "r");
	char line[256];
	int lines = 0;

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		lines++;
	fclose(f);
	return lines > 1;	/* a header, then one line per swap area */
}

#define ZRAM_DEV	"/dev/zram0"
#define ZRAM_BYTES	(32UL << 20)

static int load_module(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), r;

	if (fd < 0)
		return -errno;
	r = syscall(SYS_finit_module, fd, "", 0) ? -errno : 0;
	close(fd);
	return r == -EEXIST ? 0 : r;
}

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), r = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) < 0)
		r = -errno;
	close(fd);
	return r;
}

/* A version-1 swap header: what mkswap writes, without bad pages. */
static int write_swap_header(const char *dev, u64 bytes)
{
	static char page[PAGE_SIZE];
	u32 *info = (u32 *)(page + 1024);	/* after the boot block */
	int fd = open(dev, O_WRONLY | O_CLOEXEC), r = 0;

	if (fd < 0)
		return -errno;
	memset(page, 0, sizeof(page));
	info[0] = 1;				/* version */
	info[1] = bytes / PAGE_SIZE - 1;	/* last_page */
	memcpy(page + PAGE_SIZE - 10, "SWAPSPACE2", 10);
	if (pwrite(fd, page, PAGE_SIZE, 0) != PAGE_SIZE || fsync(fd))
		r = -errno;
	close(fd);
	return r;
}

/*
 * Swap on zram if the machine has no swap; true if it was turned on here.
 * Why it could not be is logged: the test then runs without swap.
 */
static bool zram_swap_on(struct __test_metadata *_metadata)
{
	char size[32];
	int r;

	if (swap_active())
		return false;
	r = load_module("/modules/zsmalloc.ko");
	if (!r)
		r = load_module("/modules/zram.ko");
	if (r) {
		TH_LOG("no zram module (%s): running without swap",
		       strerror(-r));
		return false;
	}
	snprintf(size, sizeof(size), "%lu", ZRAM_BYTES);
	/* EBUSY: sized by an earlier run in this boot, header and all. */
	r = write_str("/sys/block/zram0/disksize", size);
	if (r && r != -EBUSY) {
		TH_LOG("zram0 disksize: %s: running without swap",
		       strerror(-r));
		return false;
	}
	r = write_swap_header(ZRAM_DEV, ZRAM_BYTES);
	if (!r && swapon(ZRAM_DEV, 0))
		r = -errno;
	if (r) {
		TH_LOG("swap on %s: %s: running without swap", ZRAM_DEV,
		       strerror(-r));
		return false;
	}
	return true;
}

FIXTURE(reclaim) {
	void *mem;
	int memfd;
	bool swap_here;		/* zram swap turned on by this test */
};

FIXTURE_VARIANT(reclaim) {
	enum backing backing;
	u64 seed;
};

FIXTURE_VARIANT_ADD(reclaim, memfd_populate) {
	.backing = MEMFD_POPULATE,
	.seed = 0x1111222233334444ULL,
};

FIXTURE_VARIANT_ADD(reclaim, memfd_read) {
	.backing = MEMFD_READ,
	.seed = 0x5555666677778888ULL,
};

FIXTURE_VARIANT_ADD(reclaim, anon_madv_free) {
	.backing = ANON_MADV_FREE,
	.seed = 0x9999aaaabbbbccccULL,
};

/* The region, every page present with a writable, clean host PTE. */
FIXTURE_SETUP(reclaim)
{
	volatile u64 *w;
	u64 sum = 0;
	int i;

	pin_to_this_cpu(_metadata);
	self->swap_here = zram_swap_on(_metadata);
	self->memfd = -1;
	switch (variant->backing) {
	case MEMFD_POPULATE:
	case MEMFD_READ:
		self->memfd = memfd_create("reclaim_test", 0);
		ASSERT_LE(0, self->memfd);
		ASSERT_EQ(0, ftruncate(self->memfd, REGION));
		self->mem = mmap(NULL, REGION, PROT_READ | PROT_WRITE,
				 MAP_SHARED |
				 (variant->backing == MEMFD_POPULATE ?
				  MAP_POPULATE : 0),
				 self->memfd, 0);
		ASSERT_NE(MAP_FAILED, self->mem);
		if (variant->backing == MEMFD_READ) {
			w = self->mem;
			for (i = 0; i < NR_PAGES; i++)
				sum += w[i * WORDS_PER_PAGE];
			ASSERT_EQ(0, sum);
		}
		break;
	case ANON_MADV_FREE:
		self->mem = mmap(NULL, REGION, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		ASSERT_NE(MAP_FAILED, self->mem);
		memset(self->mem, 0x5a, REGION);
		ASSERT_EQ(0, madvise(self->mem, REGION, MADV_FREE));
		break;
	}
	ASSERT_EQ(NR_PAGES, resident(_metadata, self->mem, 0, NR_PAGES));
}

FIXTURE_TEARDOWN(reclaim)
{
	if (self->mem && self->mem != MAP_FAILED)
		munmap(self->mem, REGION);
	if (self->memfd >= 0)
		close(self->memfd);
	if (self->swap_here)
		EXPECT_EQ(0, swapoff(ZRAM_DEV));
}

TEST_F(reclaim, guest_writes_survive_pageout)
{
	struct vt_vm *vm = vm_create(0);
	struct vt_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_write_then_check);
	const u64 *mem = self->mem;
	u64 i, bad = 0, first = ~0ULL;
	bool swap = swap_active();
	struct ucall uc;
	int data_left;

	vm_mem_add_hva(vm, SLOT, SLOT_GPA, REGION, 0, self->mem);
	vcpu_args_set(vcpu, 3, SLOT_GPA, (u64)NR_DATA, variant->seed);
	ASSERT_EQ(1, vcpu_run_sync(vcpu));

	/* Before reclaim the host sees what the guest wrote. */
	EXPECT_EQ(pattern(SLOT_GPA, variant->seed), mem[0]);

	ASSERT_EQ(0, madvise(self->mem, REGION, MADV_PAGEOUT));
	if (swap)
		ASSERT_EQ(0, madvise(self->mem, REGION, MADV_PAGEOUT));
	/* Nothing the guest did keeps its untouched clean pages in memory. */
	ASSERT_EQ(0, resident(_metadata, self->mem, NR_DATA, NR_CTRL)) {
		TH_LOG("MADV_PAGEOUT left clean control pages resident: reclaim did not run");
	}
	data_left = NR_DATA - resident(_metadata, self->mem, 0, NR_DATA);
	TH_LOG("%s: %d of %d written pages left memory (swap %s)",
	       vt_dev_path(), data_left, NR_DATA, swap ? "on" : "off");
	/*
	 * With swap, written shmem pages go out too and must come back
	 * intact. Whether a dirtied MADV_FREE page is swapped by the second
	 * round is up to the mm (kvm_amd kept them, vmon let them go): not
	 * asserted.
	 */
	if (swap && variant->backing != ANON_MADV_FREE)
		EXPECT_LT(0, data_left);

	/* The guest re-reads every word it wrote... */
	ASSERT_EQ(UCALL_SYNC, vcpu_run_ucall(vcpu, &uc));
	EXPECT_EQ(0, uc.args[0]) {
		TH_LOG("guest: %llu of %llu words lost, first at gpa 0x%llx",
		       (unsigned long long)uc.args[0],
		       (unsigned long long)(NR_DATA * WORDS_PER_PAGE),
		       (unsigned long long)(SLOT_GPA + 8 * uc.args[1]));
	}

	/* ...and so does userspace. */
	for (i = 0; i < NR_DATA * WORDS_PER_PAGE; i++) {
		if (mem[i] != pattern(SLOT_GPA + 8 * i, variant->seed)) {
			if (!bad)
				first = i;
			bad++;
		}
	}
	EXPECT_EQ(0, bad) {
		TH_LOG("host: %llu words lost, first at offset 0x%llx: 0x%llx",
		       (unsigned long long)bad,
		       (unsigned long long)(8 * first),
		       (unsigned long long)mem[first]);
	}
	vm_free(vm);
}

TEST_HARNESS_MAIN
