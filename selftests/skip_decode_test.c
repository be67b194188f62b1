// SPDX-License-Identifier: GPL-2.0
/*
 * Skipping an instruction the kernel handled (CPUID, RDMSR) when the CPU
 * does not give its length (SVM without NRIP-save, as in QEMU TCG): the
 * hypervisor decodes it from guest memory. When that decode fails, KVM's
 * skip through its emulator (EMULTYPE_SKIP) ends in
 * KVM_EXIT_INTERNAL_ERROR with suberror KVM_INTERNAL_ERROR_EMULATION and
 * RIP still at the instruction; KVM_RUN itself succeeds. vmon must do the
 * same (it used to fail KVM_RUN with EFAULT or EINVAL).
 *
 * The guest makes the decode fail the way a real guest can: it changes
 * the page-table entry of the page it is executing from without INVLPG,
 * so the CPU still runs from its stale TLB entry (QEMU's TCG keeps it as
 * hardware does) while a software walk of the tables fails. The code
 * runs at TEST_VA, mapped with a 4 KiB page table of the test's own.
 *
 * VT-x gives the instruction length in the VMCS: nothing is decoded on
 * either device, so the test skips on Intel hosts.
 */
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "vmtest.h"

#define PTE_P		(1ULL << 0)
#define PTE_RW		(1ULL << 1)
#define PTE_ADDR	0x000ffffffffff000ULL
/* In the 3 GiB hole (no memslot), remapped by the test: 2 MiB aligned. */
#define TEST_VA		(VT_MMIO_GPA + (4ULL << 20))

/* The stub: RDI = the PTE's address, RSI = its new value. */
static const u8 stub_head[] = {
	0x53,				/* push %rbx */
	0x48, 0x89, 0x37,		/* mov %rsi,(%rdi): the new PTE */
};
static const u8 insn_cpuid[] = { 0x0f, 0xa2 };
static const u8 insn_rdmsr[] = { 0x0f, 0x32 };
static const u8 stub_tail[] = {
	0x5b,				/* pop %rbx */
	0xc3,				/* ret */
};

struct decode_setup {
	struct vt_vm *vm;
	struct vt_vcpu *vcpu;
	u64 *pt;		/* host view of the 4 KiB page table */
	u64 pt_gpa;
	u64 code_gpa[2];	/* the pages at TEST_VA and TEST_VA + 4 KiB */
	u64 insn_va;		/* where the instruction under test starts */
};

static void guest_run_stub(u64 pte_va, u64 new_pte, u64 stub_va,
			   u64 touch_va)
{
	/* Load both pages into the TLB before an entry changes. */
	(void)*(volatile u8 *)touch_va;
	(void)*(volatile u8 *)(touch_va + PAGE_SIZE);
	asm volatile("mov $0x1b, %%ecx; call *%2"
		     : "+D"(pte_va), "+S"(new_pte)
		     : "r"(stub_va)
		     : "rax", "rcx", "rdx", "memory");
	GUEST_DONE();
}

static u64 *pd_of(struct vt_vm *vm, u64 va)
{
	u64 *pml4 = gpa2hva(vm, vm->pml4);
	u64 *pdpt = gpa2hva(vm, pml4[(va >> 39) & 511] & PTE_ADDR);

	return gpa2hva(vm, pdpt[(va >> 30) & 511] & PTE_ADDR);
}

/* What the guest writes into the PTE of the page it runs from. */
enum new_pte { PTE_CLEAR, PTE_NO_MEMORY, PTE_PREFIXES };

/*
 * Map TEST_VA and TEST_VA + 4 KiB with 4 KiB pages and put the stub so
 * that the instruction under test starts at @offset in the first page.
 * The guest rewrites the entry of that page (@how), then executes it.
 */
static void setup(struct decode_setup *s, const u8 *insn, u64 offset,
		  enum new_pte how)
{
	u64 start = offset - sizeof(stub_head), junk, new_pte = 0;
	u8 code[2 * PAGE_SIZE];
	u64 *pd;
	int i;

	s->vm = vm_create(64 << 10);
	s->pt_gpa = vm_alloc(s->vm, PAGE_SIZE, PAGE_SIZE);
	s->pt = gpa2hva(s->vm, s->pt_gpa);
	memset(s->pt, 0, PAGE_SIZE);
	memset(code, 0x90, sizeof(code));
	memcpy(code + start, stub_head, sizeof(stub_head));
	memcpy(code + offset, insn, 2);
	memcpy(code + offset + 2, stub_tail, sizeof(stub_tail));
	for (i = 0; i < 2; i++) {
		s->code_gpa[i] = vm_alloc(s->vm, PAGE_SIZE, PAGE_SIZE);
		memcpy(gpa2hva(s->vm, s->code_gpa[i]), code + i * PAGE_SIZE,
		       PAGE_SIZE);
		s->pt[i] = s->code_gpa[i] | PTE_P | PTE_RW;
	}
	/* Operand-size prefixes only: no instruction within 15 bytes. */
	junk = vm_alloc(s->vm, PAGE_SIZE, PAGE_SIZE);
	memset(gpa2hva(s->vm, junk), 0x66, PAGE_SIZE);
	pd = pd_of(s->vm, TEST_VA);
	pd[(TEST_VA >> 21) & 511] = s->pt_gpa | PTE_P | PTE_RW;

	if (how == PTE_NO_MEMORY)
		new_pte = VT_MMIO_GPA | PTE_P | PTE_RW;
	else if (how == PTE_PREFIXES)
		new_pte = junk | PTE_P | PTE_RW;
	s->insn_va = TEST_VA + offset;
	s->vcpu = vm_vcpu_add(s->vm, 0, guest_run_stub);
	/* The page table is identity-mapped below 4 GiB: gva == gpa. */
	vcpu_args_set(s->vcpu, 4, s->pt_gpa, new_pte, TEST_VA + start,
		      TEST_VA);
}

/* KVM_RUN succeeds with an emulation failure, RIP at the instruction. */
static void expect_internal_error(struct __test_metadata *_metadata,
				  struct decode_setup *s)
{
	struct kvm_run *run = s->vcpu->run;
	int r = __vcpu_run(s->vcpu);

	ASSERT_EQ(0, r) TH_LOG("KVM_RUN failed: %s (errno %d), expected "
			       "KVM_EXIT_INTERNAL_ERROR", strerror(errno),
			       errno);
	if (run->exit_reason == KVM_EXIT_IO) {
		struct ucall uc;

		TH_LOG("ucall %llu (%llx %llx %llx) at rip %llx",
		       (unsigned long long)get_ucall(s->vcpu, &uc),
		       (unsigned long long)uc.args[0],
		       (unsigned long long)uc.args[1],
		       (unsigned long long)uc.args[2],
		       (unsigned long long)vcpu_get_reg_rip(s->vcpu));
	}
	ASSERT_EQ(KVM_EXIT_INTERNAL_ERROR, run->exit_reason)
		TH_LOG("exit %s", exit_reason_str(run->exit_reason));
	EXPECT_EQ(KVM_INTERNAL_ERROR_EMULATION, run->internal.suberror);
	EXPECT_EQ(s->insn_va, vcpu_get_reg_rip(s->vcpu));
	vm_free(s->vm);
}

#define SKIP_ON_INTEL() do {						\
	if (vt_host_is_intel())						\
		SKIP(return, "VT-x gives the instruction length: nothing to decode"); \
} while (0)

/* CPUID on a page whose entry the guest has just cleared. */
TEST(cpuid_on_unmapped_page)
{
	struct decode_setup s;

	SKIP_ON_INTEL();
	setup(&s, insn_cpuid, 0x100, PTE_CLEAR);
	expect_internal_error(_metadata, &s);
}

/* The same for RDMSR (the MSR code's skip). */
TEST(rdmsr_on_unmapped_page)
{
	struct decode_setup s;

	SKIP_ON_INTEL();
	setup(&s, insn_rdmsr, 0x100, PTE_CLEAR);
	expect_internal_error(_metadata, &s);
}

/* CPUID on a page whose entry now points at guest memory that is not. */
TEST(cpuid_on_page_without_memory)
{
	struct decode_setup s;

	SKIP_ON_INTEL();
	setup(&s, insn_cpuid, 0x100, PTE_NO_MEMORY);
	expect_internal_error(_metadata, &s);
}

/* CPUID whose page now shows 15 prefixes and no instruction. */
TEST(cpuid_bytes_too_long)
{
	struct decode_setup s;

	SKIP_ON_INTEL();
	setup(&s, insn_cpuid, 0x100, PTE_PREFIXES);
	expect_internal_error(_metadata, &s);
}

TEST_HARNESS_MAIN
