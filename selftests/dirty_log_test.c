// SPDX-License-Identifier: GPL-2.0
/*
 * Dirty page logging: KVM_MEM_LOG_DIRTY_PAGES, KVM_GET_DIRTY_LOG,
 * KVM_CLEAR_DIRTY_LOG with KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2, logging
 * turned on and off on a live slot, vmon's own writes into guest memory,
 * KVM's errnos, and a guest writing on another thread while the host
 * collects the log (no write may ever be lost).
 *
 * The logged slot has 130 pages: two full bitmap words and a partial
 * third, so the tail handling of both ioctls is exercised. Logs are exact:
 * no extra pages are allowed, on KVM or vmon (nothing else in these tests
 * writes the slot; the guest's stack, page tables and ucalls live in
 * slot 0, which is not logged). One extra KVM allows is avoided rather
 * than accepted: KVM maps a read-faulted page writable when its host PTE
 * is writable, and logs it then (make_spte), so a page userspace wrote
 * (COW from the zero page) and the guest then only reads shows up in
 * KVM's log. The page the host writes (page 1) is never touched by the
 * guest; vmon maps read faults in logged slots read-only and never logs a
 * read.
 */
#include <pthread.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vmtest.h"

#define SLOT		1
#define GPA		0x80000000ULL
#define NPAGES		130
#define WORDS		((NPAGES + 63) / 64)
#define PORT		0x3000

/* Which pages the guest writes in @round: a fixed set plus a moving one. */
static bool sel(u64 i, u64 round)
{
	return i % 3 == 0 || (i + round) % 7 == 0;
}

/* Round r = 1, 2, ...: writes r to the first word of every sel() page. */
static void guest_rounds(u64 base)
{
	u64 round, i;

	for (round = 1;; round++) {
		for (i = 0; i < NPAGES; i++)
			if (sel(i, round))
				WRITE_ONCE(*(u64 *)(base + i * PAGE_SIZE),
					   round);
		/*
		 * Reads do not dirty a page: read every page too, except
		 * page 1, which the host writes (see the top of the file).
		 */
		for (i = 0; i < NPAGES; i++)
			if (i != 1)
				(void)READ_ONCE(*(u64 *)(base + i * PAGE_SIZE +
							 8));
		GUEST_SYNC(round);
	}
}

static int get_log(struct vt_vm *vm, u32 slot, u64 *bits)
{
	struct kvm_dirty_log log = { .slot = slot, .dirty_bitmap = bits };

	return ioctl(vm->fd, KVM_GET_DIRTY_LOG, &log);
}

static int clear_log(struct vt_vm *vm, u32 slot, u64 first, u32 num,
		     u64 *bits)
{
	struct kvm_clear_dirty_log c = {
		.slot = slot, .num_pages = num, .first_page = first,
		.dirty_bitmap = bits,
	};

	return ioctl(vm->fd, KVM_CLEAR_DIRTY_LOG, &c);
}

static bool test_bit64(const u64 *b, u64 i)
{
	return b[i / 64] >> (i % 64) & 1;
}

/* The log must be exactly sel(., @round) (round 0: empty). */
static void expect_round(struct __test_metadata *_metadata,
			 const u64 *bits, u64 round)
{
	u64 i;

	for (i = 0; i < WORDS * 64; i++) {
		bool want = round && i < NPAGES && sel(i, round);

		EXPECT_EQ(want, test_bit64(bits, i))
			TH_LOG("round %lu page %lu", round, i);
	}
}

static void get_expect(struct __test_metadata *_metadata, struct vt_vm *vm,
		       u64 round)
{
	u64 bits[WORDS + 1];

	memset(bits, 0xa5, sizeof(bits));
	ASSERT_EQ(0, get_log(vm, SLOT, bits)) TH_LOG("%s", strerror(errno));
	expect_round(_metadata, bits, round);
	/* Exactly ALIGN(npages, 64) / 8 bytes are written. */
	EXPECT_EQ(0xa5a5a5a5a5a5a5a5ULL, bits[WORDS]);
}

static void enable_manual(struct __test_metadata *_metadata,
			  struct vt_vm *vm, u64 flags)
{
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2, .args = { flags },
	};

	ASSERT_EQ(0, ioctl(vm->fd, KVM_ENABLE_CAP, &cap))
		TH_LOG("%s", strerror(errno));
}

static u64 *page_word(u64 *mem, u64 i)
{
	return &mem[i * PAGE_SIZE / 8];
}

TEST(capability)
{
	struct vt_vm *vm = vm_create_bare();

	EXPECT_EQ(KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE |
		  KVM_DIRTY_LOG_INITIALLY_SET,
		  vt_check_cap(vm->fd, KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2));
	EXPECT_EQ(KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE |
		  KVM_DIRTY_LOG_INITIALLY_SET,
		  vt_check_cap(vm->dev_fd, KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2));
	vm_free(vm);
}

/* Without manual protection: GET returns and clears; exact sets. */
TEST(get_dirty_log)
{
	struct vt_vm *vm = vm_create(0);
	struct vt_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_rounds);
	u64 *mem = vm_mem_add(vm, SLOT, GPA, NPAGES * PAGE_SIZE,
			      KVM_MEM_LOG_DIRTY_PAGES);
	u64 round;

	vcpu_args_set(vcpu, 1, GPA);
	get_expect(_metadata, vm, 0);
	for (round = 1; round <= 4; round++) {
		EXPECT_EQ(round, vcpu_run_sync(vcpu));
		get_expect(_metadata, vm, round);
		/* Taken: the second get has nothing. */
		get_expect(_metadata, vm, 0);
		EXPECT_EQ(round, *page_word(mem, 0));
		/* Userspace's own writes are not logged. */
		*page_word(mem, 1) = 0x1234;
	}
	get_expect(_metadata, vm, 0);
	vm_free(vm);
}

/* Manual protection: GET only reports; CLEAR clears and re-protects. */
TEST(manual_protect)
{
	struct vt_vm *vm = vm_create(0);
	struct vt_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_rounds);
	u64 bits[WORDS], ones[WORDS];
	u64 i;

	enable_manual(_metadata, vm, KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE);
	vm_mem_add(vm, SLOT, GPA, NPAGES * PAGE_SIZE, KVM_MEM_LOG_DIRTY_PAGES);
	vcpu_args_set(vcpu, 1, GPA);
	memset(ones, 0xff, sizeof(ones));
	get_expect(_metadata, vm, 0);

	EXPECT_EQ(1, vcpu_run_sync(vcpu));
	get_expect(_metadata, vm, 1);
	get_expect(_metadata, vm, 1);	/* GET does not clear */

	/* Clear the first 64 pages only: the rest stay. */
	ASSERT_EQ(0, clear_log(vm, SLOT, 0, 64, ones));
	ASSERT_EQ(0, get_log(vm, SLOT, bits));
	for (i = 0; i < WORDS * 64; i++)
		EXPECT_EQ(i >= 64 && i < NPAGES && sel(i, 1),
			  test_bit64(bits, i)) TH_LOG("page %lu", i);
	/* The rest: not a multiple of 64, but it runs to the end. */
	ASSERT_EQ(0, clear_log(vm, SLOT, 64, NPAGES - 64, ones));
	get_expect(_metadata, vm, 0);

	/* The cleared pages were write-protected again: round 2 shows. */
	EXPECT_EQ(2, vcpu_run_sync(vcpu));
	get_expect(_metadata, vm, 2);

	/* Clearing only some bits of a word leaves the others. */
	memset(bits, 0, sizeof(bits));
	bits[0] = 1ULL << 0;		/* page 0: written in every round */
	ASSERT_EQ(0, clear_log(vm, SLOT, 0, NPAGES, bits));
	ASSERT_EQ(0, get_log(vm, SLOT, bits));
	for (i = 0; i < WORDS * 64; i++)
		EXPECT_EQ(i != 0 && i < NPAGES && sel(i, 2),
			  test_bit64(bits, i)) TH_LOG("page %lu", i);
	ASSERT_EQ(0, clear_log(vm, SLOT, 0, NPAGES, ones));
	get_expect(_metadata, vm, 0);
	EXPECT_EQ(3, vcpu_run_sync(vcpu));
	get_expect(_metadata, vm, 3);
	vm_free(vm);
}

/* INITIALLY_SET: a new logged slot starts with every page dirty. */
TEST(initially_set)
{
	struct vt_vm *vm = vm_create(0);
	struct vt_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_rounds);
	u64 bits[WORDS], ones[WORDS];
	u64 i;

	enable_manual(_metadata, vm, KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE |
		      KVM_DIRTY_LOG_INITIALLY_SET);
	vm_mem_add(vm, SLOT, GPA, NPAGES * PAGE_SIZE, KVM_MEM_LOG_DIRTY_PAGES);
	vcpu_args_set(vcpu, 1, GPA);
	memset(ones, 0xff, sizeof(ones));
	ASSERT_EQ(0, get_log(vm, SLOT, bits));
	for (i = 0; i < WORDS * 64; i++)
		EXPECT_EQ(i < NPAGES, test_bit64(bits, i)) TH_LOG("page %lu", i);

	EXPECT_EQ(1, vcpu_run_sync(vcpu));
	ASSERT_EQ(0, clear_log(vm, SLOT, 0, NPAGES, ones));
	get_expect(_metadata, vm, 0);
	EXPECT_EQ(2, vcpu_run_sync(vcpu));
	get_expect(_metadata, vm, 2);
	vm_free(vm);
}

static void set_flags(struct __test_metadata *_metadata, struct vt_vm *vm,
		      void *hva, u32 flags)
{
	struct kvm_userspace_memory_region r = {
		.slot = SLOT, .flags = flags, .guest_phys_addr = GPA,
		.memory_size = NPAGES * PAGE_SIZE,
		.userspace_addr = (u64)(uintptr_t)hva,
	};

	ASSERT_EQ(0, ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &r))
		TH_LOG("%s", strerror(errno));
}

/* Logging on and off on a live slot (a flags-only change). */
TEST(toggle_live)
{
	struct vt_vm *vm = vm_create(0);
	struct vt_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_rounds);
	u64 *mem = vm_mem_add(vm, SLOT, GPA, NPAGES * PAGE_SIZE, 0);
	u64 bits[WORDS];

	vcpu_args_set(vcpu, 1, GPA);
	/* Every page the guest writes is now mapped writable. */
	EXPECT_EQ(1, vcpu_run_sync(vcpu));
	EXPECT_EQ(-1, get_log(vm, SLOT, bits));
	EXPECT_EQ(ENOENT, errno);

	set_flags(_metadata, vm, mem, KVM_MEM_LOG_DIRTY_PAGES);
	get_expect(_metadata, vm, 0);
	EXPECT_EQ(1, *page_word(mem, 0));
	/* Pages already writable before logging began are caught too. */
	EXPECT_EQ(2, vcpu_run_sync(vcpu));
	get_expect(_metadata, vm, 2);
	EXPECT_EQ(2, *page_word(mem, 0));

	set_flags(_metadata, vm, mem, 0);
	EXPECT_EQ(-1, get_log(vm, SLOT, bits));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(3, vcpu_run_sync(vcpu));
	EXPECT_EQ(3, *page_word(mem, 0));

	/* On again: a fresh log, empty, then exact. */
	set_flags(_metadata, vm, mem, KVM_MEM_LOG_DIRTY_PAGES);
	get_expect(_metadata, vm, 0);
	EXPECT_EQ(4, vcpu_run_sync(vcpu));
	get_expect(_metadata, vm, 4);
	EXPECT_EQ(4, *page_word(mem, 0));
	vm_free(vm);
}

/* rep insb into a logged page: the hypervisor writes it, and logs it. */
static void guest_ins(u64 base)
{
	u64 di = base + 5 * PAGE_SIZE + 100, cx = 16;

	asm volatile("cld; rep insb" : "+D"(di), "+c"(cx) : "d"(PORT)
		     : "memory");
	GUEST_SYNC(di);
}

TEST(hypervisor_writes)
{
	struct vt_vm *vm = vm_create(0);
	struct vt_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_ins);
	u8 *mem = vm_mem_add(vm, SLOT, GPA, NPAGES * PAGE_SIZE,
			     KVM_MEM_LOG_DIRTY_PAGES);
	struct kvm_run *run = vcpu->run;
	u64 bits[WORDS];
	struct ucall uc;
	int i, n = 0;

	vcpu_args_set(vcpu, 1, GPA);
	for (;;) {
		vcpu_run(vcpu);
		if (run->exit_reason != KVM_EXIT_IO || run->io.port != PORT)
			break;
		ASSERT_EQ(KVM_EXIT_IO_IN, run->io.direction);
		for (i = 0; i < (int)(run->io.count * run->io.size); i++)
			((u8 *)vcpu_io_data(vcpu))[i] = 0x60 + n++;
	}
	ASSERT_EQ(UCALL_SYNC, get_ucall(vcpu, &uc));
	EXPECT_EQ(GPA + 5 * PAGE_SIZE + 116, uc.args[0]);
	EXPECT_EQ(16, n);
	for (i = 0; i < 16; i++)
		EXPECT_EQ(0x60 + i, mem[5 * PAGE_SIZE + 100 + i]);
	ASSERT_EQ(0, get_log(vm, SLOT, bits));
	for (i = 0; i < WORDS * 64; i++)
		EXPECT_EQ(i == 5, test_bit64(bits, i)) TH_LOG("page %d", i);
	vm_free(vm);
}

static int set_region_errno(struct vt_vm *vm, u32 slot, u32 flags, u64 gpa,
			    u64 size, void *hva)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot, .flags = flags, .guest_phys_addr = gpa,
		.memory_size = size, .userspace_addr = (u64)(uintptr_t)hva,
	};

	return ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &r) ? errno : 0;
}

TEST(errnos)
{
	struct vt_vm *vm = vm_create(0);
	u64 *mem = vm_mem_add(vm, SLOT, GPA, NPAGES * PAGE_SIZE,
			      KVM_MEM_LOG_DIRTY_PAGES);
	u64 bits[WORDS + 4] = { 0 }, ones[WORDS + 4];
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2,
	};

	memset(ones, 0xff, sizeof(ones));
	/* No such slot / not logged: ENOENT; out of range: EINVAL. */
	EXPECT_EQ(-1, get_log(vm, 7, bits));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1, get_log(vm, 0, bits));	/* slot 0: not logged */
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1, get_log(vm, 600, bits));	/* a valid id, no slot */
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1, get_log(vm, 1 << 16 | SLOT, bits)); /* SMM space */
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1, get_log(vm, 2 << 16 | SLOT, bits));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, get_log(vm, 0xffff, bits));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, get_log(vm, SLOT, (u64 *)8));
	EXPECT_EQ(EFAULT, errno);

	/* CLEAR: alignment and range. */
	EXPECT_EQ(-1, clear_log(vm, SLOT, 1, 63, ones));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, clear_log(vm, 0, 1, 63, ones));	/* before ENOENT */
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, clear_log(vm, SLOT, 0, 10, ones));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, clear_log(vm, SLOT, 64, NPAGES, ones));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, clear_log(vm, SLOT, 192, 0, ones));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, clear_log(vm, 0, 0, 64, ones));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1, clear_log(vm, 2 << 16 | SLOT, 0, 64, ones));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, clear_log(vm, SLOT, 0, 64, (u64 *)8));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(0, clear_log(vm, SLOT, 0, 64, ones));
	EXPECT_EQ(0, clear_log(vm, SLOT, 128, NPAGES - 128, ones));
	EXPECT_EQ(0, clear_log(vm, SLOT, 0, 0, ones));

	/* Slot flags: unknown bits; READONLY cannot change on a live slot. */
	EXPECT_EQ(EINVAL, set_region_errno(vm, SLOT, 1 << 2, GPA,
					   NPAGES * PAGE_SIZE, mem));
	EXPECT_EQ(EINVAL, set_region_errno(vm, SLOT, KVM_MEM_LOG_DIRTY_PAGES |
					   KVM_MEM_READONLY, GPA,
					   NPAGES * PAGE_SIZE, mem));
	/* Logged and read-only together are fine on a new slot. */
	EXPECT_EQ(0, set_region_errno(vm, 2, KVM_MEM_LOG_DIRTY_PAGES |
				      KVM_MEM_READONLY, GPA + 0x10000000,
				      NPAGES * PAGE_SIZE, mem));
	EXPECT_EQ(0, get_log(vm, 2, bits));

	/* ENABLE_CAP: INITIALLY_SET alone, unknown bits, flags. */
	cap.args[0] = KVM_DIRTY_LOG_INITIALLY_SET;
	EXPECT_EQ(-1, ioctl(vm->fd, KVM_ENABLE_CAP, &cap));
	EXPECT_EQ(EINVAL, errno);
	cap.args[0] = KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE | 4;
	EXPECT_EQ(-1, ioctl(vm->fd, KVM_ENABLE_CAP, &cap));
	EXPECT_EQ(EINVAL, errno);
	cap.args[0] = KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE;
	cap.flags = 1;
	EXPECT_EQ(-1, ioctl(vm->fd, KVM_ENABLE_CAP, &cap));
	EXPECT_EQ(EINVAL, errno);
	cap.flags = 0;
	EXPECT_EQ(0, ioctl(vm->fd, KVM_ENABLE_CAP, &cap));
	cap.args[0] = 0;	/* and off again */
	EXPECT_EQ(0, ioctl(vm->fd, KVM_ENABLE_CAP, &cap));
	vm_free(vm);
}

/*
 * The race: the guest stamps every page of the slot with an ever-growing
 * counter, round after round, while the host collects the log. Before
 * each collection the host snapshots the pages; any page whose snapshot
 * differs from the host's last copy of it must be in that collection
 * (the write happened after the copy, which is after the collection that
 * last reported the page returned and had write-protected it). Pages the
 * collection reports are copied again after it returns.
 *
 * That per-collection rule is vmon's guarantee. KVM's, on Intel, is
 * weaker: with PML the CPU logs writes into a per-vCPU buffer that KVM
 * moves into the bitmap when the vCPU exits, and KVM_GET_DIRTY_LOG only
 * kicks the vCPUs (kvm_arch_sync_dirty_log) without waiting, so a write
 * may reach the log one or more collections late. On the oracle a missed
 * page is therefore carried as pending, and must be reported by a later
 * collection, by the final one after the vCPU stopped at the latest.
 */
#define RACE_PAGES	NPAGES

static volatile u64 race_stop;

static void guest_race(u64 base)
{
	u64 gen = 0, i;

	while (!READ_ONCE(race_stop)) {
		for (i = 0; i < RACE_PAGES; i++)
			WRITE_ONCE(*(u64 *)(base + i * PAGE_SIZE), ++gen);
	}
	GUEST_DONE();
}

FIXTURE(race) {
};

FIXTURE_SETUP(race)
{
}

FIXTURE_TEARDOWN(race)
{
}

static void race_check(struct __test_metadata *_metadata, u64 *mem,
		       u64 *copy, u64 *pre, const u64 *bits, bool *pending,
		       bool final, u64 *lost, u64 *late, u64 *changed)
{
	bool deferred_ok = vt_dev_is_kvm() && !final;
	u64 i;

	for (i = 0; i < RACE_PAGES; i++) {
		bool bit = test_bit64(bits, i);

		if (pre[i] != copy[i] && !pending[i]) {
			(*changed)++;
			if (!bit && deferred_ok) {
				pending[i] = true;
			} else if (!bit) {
				(*lost)++;
				TH_LOG("lost write: page %lu %lu -> %lu",
				       i, copy[i], pre[i]);
			}
		}
		if (pending[i] && final && !bit) {
			(*lost)++;
			TH_LOG("lost write (never reported): page %lu", i);
		}
		if (bit) {
			if (pending[i])
				(*late)++;
			pending[i] = false;
			copy[i] = READ_ONCE(*page_word(mem, i));
		}
	}
}

TEST_F_TIMEOUT(race, collect_while_writing, 150)
{
	unsigned int secs = vt_host_is_intel() ? 20 : 60;
	struct vt_vm *vm = vm_create(0);
	struct vt_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_race);
	u64 *mem = vm_mem_add(vm, SLOT, GPA, NPAGES * PAGE_SIZE,
			      KVM_MEM_LOG_DIRTY_PAGES);
	u64 copy[RACE_PAGES] = { 0 }, pre[RACE_PAGES], bits[WORDS];
	u64 lost = 0, late = 0, changed = 0, rounds = 0, i, end;
	bool pending[RACE_PAGES] = { false };

	/*
	 * Under Bochs, kvm_intel's remote TLB flush inside GET_DIRTY_LOG
	 * soft-locks the emulated machine for 26-80 s (seen 3 times), which
	 * the kernel-clean check then reports; vmon's run is judged alone.
	 */
	if (vt_dev_is_kvm() && vt_running_on_emulator("bochs"))
		SKIP(return, "kvm_intel under Bochs soft-locks in the remote TLB flush of GET_DIRTY_LOG (Documentation/testing.rst)");
	vcpu_args_set(vcpu, 1, GPA);
	GUEST_VAR(vm, race_stop) = 0;
	vcpu_thread_start(vcpu);
	end = vt_now_ns() + secs * 1000000000ULL;
	while (vt_now_ns() < end && lost < 10) {
		for (i = 0; i < RACE_PAGES; i++)
			pre[i] = READ_ONCE(*page_word(mem, i));
		ASSERT_EQ(0, get_log(vm, SLOT, bits));
		race_check(_metadata, mem, copy, pre, bits, pending, false,
			   &lost, &late, &changed);
		rounds++;
	}
	GUEST_VAR(vm, race_stop) = 1;
	vcpu_thread_join(vcpu, 20000);
	/* The guest is stopped: one last collection accounts for all. */
	for (i = 0; i < RACE_PAGES; i++)
		pre[i] = READ_ONCE(*page_word(mem, i));
	ASSERT_EQ(0, get_log(vm, SLOT, bits));
	race_check(_metadata, mem, copy, pre, bits, pending, true,
		   &lost, &late, &changed);
	for (i = 0; i < RACE_PAGES; i++)
		EXPECT_EQ(copy[i], *page_word(mem, i)) TH_LOG("page %lu", i);
	TH_LOG("%lu collections in %us, %lu page changes seen, %lu lost, "
	       "%lu reported late (KVM only)", rounds, secs, changed, lost,
	       late);
	if (!vt_dev_is_kvm())
		EXPECT_EQ(0, late);
	EXPECT_EQ(0, lost);
	/* The race really ran: the guest wrote during many collections. */
	EXPECT_LT(100, changed);
	vm_free(vm);
}

TEST_HARNESS_MAIN
