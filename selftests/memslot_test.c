// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_SET_USER_MEMORY_REGION: create, move, delete, modify, and the
 * argument checks with KVM's errnos; what the guest sees after each.
 */
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vmtest.h"

#define SLOT	1
#define GPA_A	0x80000000ULL
#define GPA_B	0x90000000ULL
#define SZ	(64 * PAGE_SIZE)
#define MAGIC	0x5a5a1234c0ffee00ULL

static void *anon(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	VT_ASSERT(p != MAP_FAILED, "mmap: %s", strerror(errno));
	return p;
}

/* Reads *a and *b alternately, forever. */
static void guest_read_two(u64 *a, u64 *b)
{
	for (;;) {
		GUEST_SYNC(READ_ONCE(*a));
		GUEST_SYNC(READ_ONCE(*b));
	}
}

/* Expect the guest's next read to be MMIO at @gpa; answer @v. */
static u64 mmio_read_roundtrip(struct vt_vcpu *vcpu, u64 gpa, u64 v)
{
	vcpu_run(vcpu);
	vcpu_assert_mmio(vcpu, gpa, 8, false);
	vcpu_mmio_reply(vcpu, v);
	return vcpu_run_sync(vcpu);
}

TEST(create_read_write)
{
	struct vt_vm *vm = vm_create(0);
	struct vt_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_read_two);
	u64 *mem = vm_mem_add(vm, SLOT, GPA_A, SZ, 0);

	mem[0] = MAGIC;
	mem[SZ / 8 - 1] = MAGIC + 1;
	vcpu_args_set(vcpu, 2, GPA_A, GPA_A + SZ - 8);
	EXPECT_EQ(MAGIC, vcpu_run_sync(vcpu));
	EXPECT_EQ(MAGIC + 1, vcpu_run_sync(vcpu));
	/* The host's later writes are visible to the guest. */
	mem[0] = 42;
	EXPECT_EQ(42, vcpu_run_sync(vcpu));
	vm_free(vm);
}

TEST(move_slot)
{
	struct vt_vm *vm = vm_create(0);
	struct vt_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_read_two);
	u64 *mem = vm_mem_add(vm, SLOT, GPA_A, SZ, 0);

	mem[0] = MAGIC;
	vcpu_args_set(vcpu, 2, GPA_A, GPA_B);
	EXPECT_EQ(MAGIC, vcpu_run_sync(vcpu));
	EXPECT_EQ(0x1111, mmio_read_roundtrip(vcpu, GPA_B, 0x1111));

	/* Same slot, same size and hva, new gpa: KVM's "move". */
	vm_mem_move(vm, SLOT, GPA_B);
	EXPECT_EQ(0x2222, mmio_read_roundtrip(vcpu, GPA_A, 0x2222));
	EXPECT_EQ(MAGIC, vcpu_run_sync(vcpu));

	/* And back, via delete + create. */
	vm_mem_delete(vm, SLOT);
	mem = vm_mem_add(vm, SLOT, GPA_A, SZ, 0);
	mem[0] = MAGIC + 7;
	EXPECT_EQ(MAGIC + 7, vcpu_run_sync(vcpu));
	EXPECT_EQ(0x3333, mmio_read_roundtrip(vcpu, GPA_B, 0x3333));
	vm_free(vm);
}

TEST(delete_slot)
{
	struct vt_vm *vm = vm_create(0);
	struct vt_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_read_two);
	u64 *mem = vm_mem_add(vm, SLOT, GPA_A, SZ, 0);

	mem[0] = MAGIC;
	mem[1] = MAGIC + 1;
	vcpu_args_set(vcpu, 2, GPA_A, GPA_A + 8);
	EXPECT_EQ(MAGIC, vcpu_run_sync(vcpu));
	EXPECT_EQ(MAGIC + 1, vcpu_run_sync(vcpu));

	/* Deleting is a set with size 0; the rest of the fields don't matter. */
	EXPECT_EQ(0, __vm_set_region(vm, SLOT, 0, 0, 0, NULL));
	EXPECT_EQ(0x77, mmio_read_roundtrip(vcpu, GPA_A, 0x77));
	EXPECT_EQ(0x88, mmio_read_roundtrip(vcpu, GPA_A + 8, 0x88));

	/* Deleting what does not exist. */
	EXPECT_EQ(-EINVAL, __vm_set_region(vm, SLOT, 0, 0, 0, NULL));
	EXPECT_EQ(-EINVAL, __vm_set_region(vm, 100, 0, GPA_A, 0, mem));
	munmap(mem, SZ);
	vm_free(vm);
}

TEST(modify_existing_slot)
{
	struct vt_vm *vm = vm_create_bare();
	void *mem = anon(2 * SZ), *other = anon(SZ);

	ASSERT_EQ(0, __vm_set_region(vm, SLOT, 0, GPA_A, SZ, mem));
	/* Identical parameters: accepted, nothing changes. */
	EXPECT_EQ(0, __vm_set_region(vm, SLOT, 0, GPA_A, SZ, mem));
	/* Size, hva and READONLY cannot change in place. */
	EXPECT_EQ(-EINVAL, __vm_set_region(vm, SLOT, 0, GPA_A, 2 * SZ, mem));
	EXPECT_EQ(-EINVAL, __vm_set_region(vm, SLOT, 0, GPA_A, SZ, other));
	EXPECT_EQ(-EINVAL, __vm_set_region(vm, SLOT, KVM_MEM_READONLY, GPA_A,
					   SZ, mem));
	/* The gpa can (a move), even onto a range overlapping its own. */
	EXPECT_EQ(0, __vm_set_region(vm, SLOT, 0, GPA_A + PAGE_SIZE, SZ, mem));
	vm_free(vm);
	munmap(mem, 2 * SZ);
	munmap(other, SZ);
}

TEST(overlap_is_eexist)
{
	struct vt_vm *vm = vm_create_bare();
	u8 *mem = anon(4 * SZ);

	ASSERT_EQ(0, __vm_set_region(vm, 1, 0, GPA_A, SZ, mem));
	/* Same range, start inside, end inside, enclosing: all EEXIST. */
	EXPECT_EQ(-EEXIST, __vm_set_region(vm, 2, 0, GPA_A, SZ, mem + SZ));
	EXPECT_EQ(-EEXIST, __vm_set_region(vm, 2, 0, GPA_A + SZ - PAGE_SIZE,
					   SZ, mem + SZ));
	EXPECT_EQ(-EEXIST, __vm_set_region(vm, 2, 0, GPA_A - SZ + PAGE_SIZE,
					   SZ, mem + SZ));
	EXPECT_EQ(-EEXIST, __vm_set_region(vm, 2, 0, GPA_A - PAGE_SIZE,
					   SZ + 2 * PAGE_SIZE, mem + SZ));
	/* Moving another slot onto it is refused the same way. */
	ASSERT_EQ(0, __vm_set_region(vm, 2, 0, GPA_B, SZ, mem + SZ));
	EXPECT_EQ(-EEXIST, __vm_set_region(vm, 2, 0, GPA_A + PAGE_SIZE, SZ,
					   mem + SZ));
	/* Adjacent on both sides is fine; shared host memory is too. */
	EXPECT_EQ(0, __vm_set_region(vm, 3, 0, GPA_A + SZ, SZ, mem + 2 * SZ));
	EXPECT_EQ(0, __vm_set_region(vm, 4, 0, GPA_A - SZ, SZ, mem));
	vm_free(vm);
	munmap(mem, 4 * SZ);
}

TEST(bad_arguments)
{
	struct vt_vm *vm = vm_create_bare();
	u8 *mem = anon(SZ);
	int nslots = vt_check_cap(vm->dev_fd, KVM_CAP_NR_MEMSLOTS);
	int nas = vt_check_cap(vm->dev_fd, KVM_CAP_MULTI_ADDRESS_SPACE);

	/* Unaligned gpa, size and hva. */
	EXPECT_EQ(-EINVAL, __vm_set_region(vm, SLOT, 0, GPA_A + 8, SZ, mem));
	EXPECT_EQ(-EINVAL, __vm_set_region(vm, SLOT, 0, GPA_A + 0x800, SZ, mem));
	EXPECT_EQ(-EINVAL, __vm_set_region(vm, SLOT, 0, GPA_A, SZ - 1, mem));
	EXPECT_EQ(-EINVAL, __vm_set_region(vm, SLOT, 0, GPA_A, 100, mem));
	EXPECT_EQ(-EINVAL, __vm_set_region(vm, SLOT, 0, GPA_A, SZ, mem + 8));
	/* Flags other than LOG_DIRTY_PAGES and READONLY. */
	EXPECT_EQ(-EINVAL, __vm_set_region(vm, SLOT, 1u << 2, GPA_A, SZ, mem));
	EXPECT_EQ(-EINVAL, __vm_set_region(vm, SLOT, 1u << 31, GPA_A, SZ, mem));
	/* Slot ids: KVM_CAP_NR_MEMSLOTS of them in address space 0. */
	ASSERT_LT(SLOT, nslots);
	EXPECT_EQ(-EINVAL, __vm_set_region(vm, nslots, 0, GPA_A, SZ, mem));
	EXPECT_EQ(-EINVAL, __vm_set_region(vm, 0xffff, 0, GPA_A, SZ, mem));
	EXPECT_EQ(-EINVAL, __vm_set_region(vm, ~0u, 0, GPA_A, SZ, mem));
	/* Address spaces: KVM_CAP_MULTI_ADDRESS_SPACE of them (0 = just 1). */
	EXPECT_EQ(-EINVAL, __vm_set_region(vm, SLOT | ((nas > 1 ? nas : 1) << 16),
					   0, GPA_A, SZ, mem));
	/* gpa + size wraps. */
	EXPECT_EQ(-EINVAL, __vm_set_region(vm, SLOT, 0, -SZ + PAGE_SIZE, SZ,
					   mem));
	/* Beyond any MAXPHYADDR. */
	EXPECT_EQ(-EINVAL, __vm_set_region(vm, SLOT, 0, 1ULL << 52, SZ, mem));
	/* Host ranges that are not user memory. */
	EXPECT_EQ(-EINVAL, __vm_set_region(vm, SLOT, 0, GPA_A, SZ,
					   (void *)0xffff888000000000ULL));
	EXPECT_EQ(-EINVAL, __vm_set_region(vm, SLOT, 0, GPA_A, 2 * PAGE_SIZE,
					   (void *)0x7fffffffe000ULL));
	/* Creating with size 0 is deleting a slot that does not exist. */
	EXPECT_EQ(-EINVAL, __vm_set_region(vm, SLOT, 0, GPA_A, 0, mem));

	/* None of these left a slot behind: the full range is still free. */
	EXPECT_EQ(0, __vm_set_region(vm, SLOT, 0, GPA_A, SZ, mem));
	EXPECT_EQ(0, __vm_set_region(vm, nslots - 1, 0, GPA_B, SZ, mem));
	vm_free(vm);
	munmap(mem, SZ);
}

/*
 * The hva is only checked to be user memory at KVM_SET_USER_MEMORY_REGION
 * time. A guest access to a page with no mapping behind it makes KVM_RUN
 * fail with EFAULT.
 */
TEST(unmapped_hva_efault)
{
	struct vt_vm *vm = vm_create(0);
	struct vt_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_read_two);
	u8 *hole = anon(SZ);

	munmap(hole, SZ);
	ASSERT_EQ(0, __vm_set_region(vm, SLOT, 0, GPA_A, SZ, hole));
	vcpu_args_set(vcpu, 2, GPA_A, GPA_A);
	EXPECT_EQ(-1, __vcpu_run(vcpu));
	EXPECT_EQ(EFAULT, errno);
	vm_free(vm);
}

TEST(readonly_slot_reads)
{
	struct vt_vm *vm = vm_create(0);
	struct vt_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_read_two);
	u64 *mem = vm_mem_add(vm, SLOT, GPA_A, SZ, KVM_MEM_READONLY);

	mem[0] = MAGIC;
	mem[SZ / 8 - 1] = ~MAGIC;
	vcpu_args_set(vcpu, 2, GPA_A, GPA_A + SZ - 8);
	EXPECT_EQ(MAGIC, vcpu_run_sync(vcpu));
	EXPECT_EQ(~MAGIC, vcpu_run_sync(vcpu));
	vm_free(vm);
}

TEST_HARNESS_MAIN
