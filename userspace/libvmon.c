// SPDX-License-Identifier: GPL-2.0
/*
 * libvmon: VM/vCPU creation and initial CPU state over plain KVM ioctls.
 * Every failure is reported on stderr here, once, with the device name and
 * the errno, so the programs only decide their exit status.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "libvmon.h"

#define PTE_P		0x001ULL
#define PTE_RW		0x002ULL
#define PTE_PS		0x080ULL

#define CR0_PE		(1ULL << 0)
#define CR0_MP		(1ULL << 1)
#define CR0_ET		(1ULL << 4)
#define CR0_NE		(1ULL << 5)
#define CR0_WP		(1ULL << 16)
#define CR0_PG		(1ULL << 31)
#define CR4_PAE		(1ULL << 5)
#define CR4_OSFXSR	(1ULL << 9)
#define CR4_OSXMMEXCPT	(1ULL << 10)
#define EFER_LME	(1ULL << 8)
#define EFER_LMA	(1ULL << 10)

#define GIB		(1ULL << 30)

static const char *dev_hint(const char *dev)
{
	if (strstr(dev, "vmon"))
		return " -- is vmon.ko loaded?";
	if (strstr(dev, "kvm"))
		return " -- are kvm and kvm_amd/kvm_intel loaded?";
	return "";
}

enum vmon_err vmon_open(struct vmon_guest *vm, const char *dev)
{
	int ver;

	memset(vm, 0, sizeof(*vm));
	vm->dev = dev;
	vm->sys_fd = vm->vm_fd = vm->vcpu_fd = -1;

	vm->sys_fd = open(dev, O_RDWR | O_CLOEXEC);
	if (vm->sys_fd < 0) {
		int e = errno;

		fprintf(stderr, "cannot open %s: %s%s\n", dev, strerror(e),
			e == ENOENT || e == ENXIO || e == ENODEV ?
			dev_hint(dev) : "");
		return VMON_ERR_DEV;
	}
	ver = ioctl(vm->sys_fd, KVM_GET_API_VERSION, 0);
	if (ver < 0) {
		fprintf(stderr, "%s: KVM_GET_API_VERSION failed: %s\n", dev,
			strerror(errno));
		return VMON_ERR_API;
	}
	if (ver != KVM_API_VERSION) {
		fprintf(stderr, "%s: KVM_GET_API_VERSION returned %d, expected %d\n",
			dev, ver, KVM_API_VERSION);
		return VMON_ERR_API;
	}
	return VMON_OK;
}

enum vmon_err vmon_create(struct vmon_guest *vm, uint64_t mem_size)
{
	struct kvm_userspace_memory_region region;
	int sz;

	vm->vm_fd = ioctl(vm->sys_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0) {
		fprintf(stderr, "%s: KVM_CREATE_VM failed: %s\n", vm->dev,
			strerror(errno));
		return VMON_ERR_API;
	}

	vm->mem = mmap(NULL, mem_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (vm->mem == MAP_FAILED) {
		vm->mem = NULL;
		fprintf(stderr, "cannot allocate %llu MiB of guest RAM: %s\n",
			(unsigned long long)(mem_size >> 20), strerror(errno));
		return VMON_ERR_MEM;
	}
	vm->mem_size = mem_size;
	/*
	 * 4 KiB host pages keep the nested page-fault count proportional to
	 * the memory touched, whichever hypervisor runs the guest (THP would
	 * let KVM use 2 MiB mappings and hide the per-fault cost).
	 */
	madvise(vm->mem, mem_size, MADV_NOHUGEPAGE);

	memset(&region, 0, sizeof(region));
	region.slot = 0;
	region.guest_phys_addr = 0;
	region.memory_size = mem_size;
	region.userspace_addr = (uintptr_t)vm->mem;
	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0) {
		fprintf(stderr, "%s: KVM_SET_USER_MEMORY_REGION refused %llu MiB at GPA 0: %s\n",
			vm->dev, (unsigned long long)(mem_size >> 20),
			strerror(errno));
		return VMON_ERR_MEM;
	}

	vm->vcpu_fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, 0);
	if (vm->vcpu_fd < 0) {
		fprintf(stderr, "%s: KVM_CREATE_VCPU failed: %s\n", vm->dev,
			strerror(errno));
		return VMON_ERR_API;
	}
	sz = ioctl(vm->sys_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (sz < (int)sizeof(struct kvm_run)) {
		fprintf(stderr, "%s: KVM_GET_VCPU_MMAP_SIZE returned %d: %s\n",
			vm->dev, sz, sz < 0 ? strerror(errno) : "too small");
		return VMON_ERR_API;
	}
	vm->run = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED,
		       vm->vcpu_fd, 0);
	if (vm->run == MAP_FAILED) {
		vm->run = NULL;
		fprintf(stderr, "%s: mmap of kvm_run (%d bytes) failed: %s\n",
			vm->dev, sz, strerror(errno));
		return VMON_ERR_API;
	}
	vm->run_size = sz;
	return VMON_OK;
}

enum vmon_err vmon_set_cpuid(struct vmon_guest *vm)
{
	struct kvm_cpuid2 *cpuid = NULL;
	int nent = 64;

	/* The table size is not known up front: grow until it fits. */
	for (;;) {
		free(cpuid);
		cpuid = calloc(1, sizeof(*cpuid) +
			       nent * sizeof(struct kvm_cpuid_entry2));
		if (!cpuid) {
			fprintf(stderr, "out of memory\n");
			return VMON_ERR_API;
		}
		cpuid->nent = nent;
		if (ioctl(vm->sys_fd, KVM_GET_SUPPORTED_CPUID, cpuid) == 0)
			break;
		if (errno != E2BIG || nent >= 4096) {
			fprintf(stderr, "%s: KVM_GET_SUPPORTED_CPUID failed: %s\n",
				vm->dev, strerror(errno));
			free(cpuid);
			return VMON_ERR_API;
		}
		nent *= 2;
	}
	if (ioctl(vm->vcpu_fd, KVM_SET_CPUID2, cpuid) < 0) {
		fprintf(stderr, "%s: KVM_SET_CPUID2 (%u entries) failed: %s\n",
			vm->dev, cpuid->nent, strerror(errno));
		free(cpuid);
		return VMON_ERR_API;
	}
	free(cpuid);
	return VMON_OK;
}

void vmon_destroy(struct vmon_guest *vm)
{
	if (vm->run)
		munmap(vm->run, vm->run_size);
	if (vm->vcpu_fd >= 0)
		close(vm->vcpu_fd);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->mem)
		munmap(vm->mem, vm->mem_size);
	vm->run = NULL;
	vm->mem = NULL;
	vm->vcpu_fd = vm->vm_fd = -1;
}

void vmon_close(struct vmon_guest *vm)
{
	vmon_destroy(vm);
	if (vm->sys_fd >= 0)
		close(vm->sys_fd);
	vm->sys_fd = -1;
}

static uint64_t lm_map_gib(uint64_t mem_size)
{
	uint64_t span = mem_size > 4 * GIB ? mem_size : 4 * GIB;

	return (span + GIB - 1) / GIB;
}

uint64_t vmon_lm_reserved_end(uint64_t mem_size)
{
	return VMON_LM_PD + lm_map_gib(mem_size) * 0x1000;
}

static void set_seg(struct kvm_segment *s, uint16_t sel, uint8_t type,
		    int code64)
{
	memset(s, 0, sizeof(*s));
	s->base = 0;
	s->limit = 0xffffffff;
	s->selector = sel;
	s->type = type;
	s->present = 1;
	s->s = 1;
	s->g = 1;
	s->l = code64;
	s->db = !code64;
}

enum vmon_err vmon_setup_long_mode(struct vmon_guest *vm, uint64_t entry,
				   uint64_t rsp)
{
	uint64_t nr_gib = lm_map_gib(vm->mem_size);
	uint64_t *gdt, *pml4, *pdpt, *pd;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	uint64_t i;

	if (vmon_lm_reserved_end(vm->mem_size) > vm->mem_size) {
		fprintf(stderr, "guest RAM too small for the page tables\n");
		return VMON_ERR_MEM;
	}

	gdt = (uint64_t *)(vm->mem + VMON_LM_GDT);
	gdt[0] = 0;
	gdt[1] = 0x00af9b000000ffffULL;	/* code: P, DPL0, L, G, exec/read */
	gdt[2] = 0x00cf93000000ffffULL;	/* data: P, DPL0, D/B, G, read/write */
	gdt[3] = 0x0000890000000067ULL;	/* 64-bit TSS at 0, limit 0x67 */
	gdt[4] = 0;

	pml4 = (uint64_t *)(vm->mem + VMON_LM_PML4);
	pdpt = (uint64_t *)(vm->mem + VMON_LM_PDPT);
	memset(pml4, 0, 0x1000);
	memset(pdpt, 0, 0x1000);
	pml4[0] = VMON_LM_PDPT | PTE_P | PTE_RW;
	for (i = 0; i < nr_gib; i++) {
		uint64_t j;

		pdpt[i] = (VMON_LM_PD + i * 0x1000) | PTE_P | PTE_RW;
		pd = (uint64_t *)(vm->mem + VMON_LM_PD + i * 0x1000);
		for (j = 0; j < 512; j++)
			pd[j] = (i * GIB + (j << 21)) | PTE_P | PTE_RW | PTE_PS;
	}

	if (ioctl(vm->vcpu_fd, KVM_GET_SREGS, &sregs) < 0) {
		fprintf(stderr, "%s: KVM_GET_SREGS failed: %s\n", vm->dev,
			strerror(errno));
		return VMON_ERR_API;
	}
	set_seg(&sregs.cs, VMON_LM_CS, 0xb, 1);
	set_seg(&sregs.ds, VMON_LM_DS, 0x3, 0);
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;

	/* VMX refuses entry without a usable busy TSS; SVM does not care. */
	memset(&sregs.tr, 0, sizeof(sregs.tr));
	sregs.tr.selector = VMON_LM_TR;
	sregs.tr.limit = 0x67;
	sregs.tr.type = 0xb;
	sregs.tr.present = 1;
	memset(&sregs.ldt, 0, sizeof(sregs.ldt));
	sregs.ldt.type = 0x2;
	sregs.ldt.unusable = 1;

	sregs.gdt.base = VMON_LM_GDT;
	sregs.gdt.limit = 5 * 8 - 1;
	/* No IDT: any guest exception ends as a triple fault (SHUTDOWN). */
	sregs.idt.base = 0;
	sregs.idt.limit = 0;

	sregs.cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
	sregs.cr3 = VMON_LM_PML4;
	sregs.cr4 = CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT;
	sregs.efer = EFER_LME | EFER_LMA;
	if (ioctl(vm->vcpu_fd, KVM_SET_SREGS, &sregs) < 0) {
		fprintf(stderr, "%s: KVM_SET_SREGS (long mode) failed: %s\n",
			vm->dev, strerror(errno));
		return VMON_ERR_API;
	}

	memset(&regs, 0, sizeof(regs));
	regs.rip = entry;
	regs.rsp = rsp;
	regs.rflags = 0x2;
	if (ioctl(vm->vcpu_fd, KVM_SET_REGS, &regs) < 0) {
		fprintf(stderr, "%s: KVM_SET_REGS failed: %s\n", vm->dev,
			strerror(errno));
		return VMON_ERR_API;
	}
	return VMON_OK;
}

enum vmon_err vmon_setup_real_mode(struct vmon_guest *vm, uint16_t ip,
				   uint16_t sp)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct kvm_segment *segs[] = {
		&sregs.cs, &sregs.ds, &sregs.es, &sregs.fs, &sregs.gs,
		&sregs.ss,
	};
	size_t i;

	if (ioctl(vm->vcpu_fd, KVM_GET_SREGS, &sregs) < 0) {
		fprintf(stderr, "%s: KVM_GET_SREGS failed: %s\n", vm->dev,
			strerror(errno));
		return VMON_ERR_API;
	}
	/* Keep the reset attributes (64 KiB limit, types); move to 0:0. */
	for (i = 0; i < ARRAY_SIZE(segs); i++) {
		segs[i]->selector = 0;
		segs[i]->base = 0;
	}
	if (ioctl(vm->vcpu_fd, KVM_SET_SREGS, &sregs) < 0) {
		fprintf(stderr, "%s: KVM_SET_SREGS (real mode) failed: %s\n",
			vm->dev, strerror(errno));
		return VMON_ERR_API;
	}

	memset(&regs, 0, sizeof(regs));
	regs.rip = ip;
	regs.rsp = sp;
	regs.rflags = 0x2;
	if (ioctl(vm->vcpu_fd, KVM_SET_REGS, &regs) < 0) {
		fprintf(stderr, "%s: KVM_SET_REGS failed: %s\n", vm->dev,
			strerror(errno));
		return VMON_ERR_API;
	}
	return VMON_OK;
}

const char *vmon_exit_name(uint32_t reason)
{
	static const char *const names[] = {
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
		[KVM_EXIT_NMI] = "NMI",
		[KVM_EXIT_INTERNAL_ERROR] = "INTERNAL_ERROR",
		[KVM_EXIT_SYSTEM_EVENT] = "SYSTEM_EVENT",
		[KVM_EXIT_X86_RDMSR] = "X86_RDMSR",
		[KVM_EXIT_X86_WRMSR] = "X86_WRMSR",
		[KVM_EXIT_X86_BUS_LOCK] = "X86_BUS_LOCK",
		[KVM_EXIT_NOTIFY] = "NOTIFY",
	};

	if (reason < ARRAY_SIZE(names) && names[reason])
		return names[reason];
	return "?";
}
