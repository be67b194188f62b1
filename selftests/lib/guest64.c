// SPDX-License-Identifier: GPL-2.0
/*
 * vmtest: 64-bit guests running C code from the test binary itself.
 *
 * The test binary is linked static and non-PIE, so its code and data have
 * fixed addresses. vm_create() loads the binary's PT_LOAD segments from
 * /proc/self/exe (the pristine initial image, not the host's modified
 * copy) into guest memory at gpa == vaddr and identity-maps the low
 * 4 GiB, so guest code can be called through ordinary function pointers.
 */
#include <elf.h>
#include <fcntl.h>
#include <stdarg.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include "vmtest.h"

#define SZ_2M		(2ULL << 20)
#define SYS_AREA	(4ULL << 20)	/* page tables, GDT, IDT, TSS, stacks */
#define STACK_SIZE	(32ULL << 10)

#define SEL_CODE	0x08
#define SEL_DATA	0x10
#define SEL_TSS		0x18
#define GDT_SIZE	0x28		/* null, code, data, 16-byte TSS */
#define TSS_SIZE	0x68

#define PTE_P		(1ULL << 0)
#define PTE_RW		(1ULL << 1)
#define PTE_PS		(1ULL << 7)

void vt_write_desc(void *gdt, const struct kvm_segment *s);

/* From lib/guest_entry.S. */
extern char vt_exc_stubs[];
extern char vt_guest_return[];
extern char vt_ap_tramp_start[], vt_ap_tramp_end[];
extern u64 vt_ap_cr3;
extern struct { u16 limit; u64 base; } __attribute__((packed))
	vt_ap_gdtr, vt_ap_idtr;
extern u64 vt_ap_stacks[VT_MAX_VCPUS];
extern u64 vt_ap_entries[VT_MAX_VCPUS];
#define VT_EXC_STUB_SIZE 16
#define VT_NR_VECTORS	256

/* The guest's handlers (each VM has its own copy of this array). */
vt_handler_t vt_guest_handlers[VT_NR_VECTORS];

/* A 64-bit IDT gate descriptor. */
struct idt_gate {
	u16 offset_lo;
	u16 selector;
	u8 ist;
	u8 type_attr;
	u16 offset_mid;
	u32 offset_hi;
	u32 reserved;
} __attribute__((packed));

static const struct kvm_segment code64 = {
	.base = 0, .limit = 0xffffffff, .selector = SEL_CODE, .type = 0xb,
	.present = 1, .s = 1, .l = 1, .g = 1,
};
static const struct kvm_segment data64 = {
	.base = 0, .limit = 0xffffffff, .selector = SEL_DATA, .type = 0x3,
	.present = 1, .s = 1, .db = 1, .g = 1,
};

struct image {
	u8 *file;
	size_t size;
	const Elf64_Ehdr *eh;
	u64 end;		/* highest vaddr of any PT_LOAD */
};

static void image_read(struct image *img)
{
	struct stat st;
	int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	size_t done = 0;
	int i;

	VT_ASSERT(fd >= 0, "open /proc/self/exe: %s", strerror(errno));
	VT_ASSERT(fstat(fd, &st) == 0, "fstat: %s", strerror(errno));
	img->size = st.st_size;
	img->file = malloc(img->size);
	VT_ASSERT(img->file, "out of memory");
	while (done < img->size) {
		ssize_t n = read(fd, img->file + done, img->size - done);

		VT_ASSERT(n > 0, "read /proc/self/exe: %s", strerror(errno));
		done += n;
	}
	close(fd);

	img->eh = (const Elf64_Ehdr *)img->file;
	VT_ASSERT(!memcmp(img->eh->e_ident, ELFMAG, SELFMAG) &&
		  img->eh->e_ident[EI_CLASS] == ELFCLASS64 &&
		  img->eh->e_type == ET_EXEC,
		  "the test must be a static non-PIE ELF64 executable");
	img->end = 0;
	for (i = 0; i < img->eh->e_phnum; i++) {
		const Elf64_Phdr *ph = (const Elf64_Phdr *)
			(img->file + img->eh->e_phoff + i * img->eh->e_phentsize);

		if (ph->p_type == PT_LOAD && ph->p_vaddr + ph->p_memsz > img->end)
			img->end = ph->p_vaddr + ph->p_memsz;
	}
}

static void image_load(struct vt_vm *vm, const struct image *img)
{
	int i;

	for (i = 0; i < img->eh->e_phnum; i++) {
		const Elf64_Phdr *ph = (const Elf64_Phdr *)
			(img->file + img->eh->e_phoff + i * img->eh->e_phentsize);
		u8 *dst;

		if (ph->p_type != PT_LOAD)
			continue;
		VT_ASSERT(ph->p_offset + ph->p_filesz <= img->size,
			  "truncated segment");
		dst = gpa2hva(vm, ph->p_vaddr);
		memcpy(dst, img->file + ph->p_offset, ph->p_filesz);
		memset(dst + ph->p_filesz, 0, ph->p_memsz - ph->p_filesz);
	}
}

/* 0..4 GiB identity map with 2 MiB pages: PML4 -> PDPT -> 4 PDs. */
static void build_page_tables(struct vt_vm *vm)
{
	u64 *pml4, *pdpt, *pd;
	u64 pdpt_gpa, pd_gpa, addr = 0;
	int i, j;

	vm->pml4 = vm_alloc(vm, PAGE_SIZE, PAGE_SIZE);
	pdpt_gpa = vm_alloc(vm, PAGE_SIZE, PAGE_SIZE);
	pml4 = gpa2hva(vm, vm->pml4);
	pdpt = gpa2hva(vm, pdpt_gpa);
	pml4[0] = pdpt_gpa | PTE_P | PTE_RW;
	for (i = 0; i < 4; i++) {
		pd_gpa = vm_alloc(vm, PAGE_SIZE, PAGE_SIZE);
		pd = gpa2hva(vm, pd_gpa);
		pdpt[i] = pd_gpa | PTE_P | PTE_RW;
		for (j = 0; j < 512; j++, addr += SZ_2M)
			pd[j] = addr | PTE_P | PTE_RW | PTE_PS;
	}
}

static void build_descriptor_tables(struct vt_vm *vm)
{
	struct kvm_segment tss = {
		.limit = TSS_SIZE - 1, .selector = SEL_TSS, .type = 0xb,
		.present = 1,
	};
	struct idt_gate *idt;
	int v;

	vm->gdt = vm_alloc(vm, PAGE_SIZE, PAGE_SIZE);
	vm->tss = vm_alloc(vm, PAGE_SIZE, PAGE_SIZE);
	vm->idt = vm_alloc(vm, PAGE_SIZE, PAGE_SIZE);
	tss.base = vm->tss;
	vt_write_desc(gpa2hva(vm, vm->gdt), &code64);
	vt_write_desc(gpa2hva(vm, vm->gdt), &data64);
	vt_write_desc(gpa2hva(vm, vm->gdt), &tss);

	/*
	 * Every vector goes through vt_guest_dispatch(): a handler the test
	 * installed, or a UCALL_EXCEPTION report to the host.
	 */
	idt = gpa2hva(vm, vm->idt);
	for (v = 0; v < VT_NR_VECTORS; v++) {
		u64 h = (u64)(uintptr_t)vt_exc_stubs + v * VT_EXC_STUB_SIZE;

		idt[v] = (struct idt_gate){
			.offset_lo = h, .selector = SEL_CODE,
			.type_attr = 0x8e,	/* present, DPL 0, interrupt gate */
			.offset_mid = h >> 16, .offset_hi = h >> 32,
		};
	}
}

struct vt_vm *vm_create(u64 extra_mem)
{
	struct vt_vm *vm = vm_create_bare();
	struct image img;
	u64 base, size;

	image_read(&img);
	base = ALIGN_UP(img.end, SZ_2M);
	size = base + SYS_AREA + ALIGN_UP(extra_mem, SZ_2M);
	vm_mem_add(vm, 0, 0, size, 0);
	image_load(vm, &img);
	free(img.file);

	vm->long_mode = true;
	vm->alloc_next = base;
	vm->alloc_end = size;
	build_page_tables(vm);
	build_descriptor_tables(vm);
	return vm;
}

struct vt_vcpu *vm_vcpu_add(struct vt_vm *vm, u32 id, void *guest_code)
{
	struct vt_vcpu *vcpu;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct kvm_segment tss = {
		.base = vm->tss, .limit = TSS_SIZE - 1, .selector = SEL_TSS,
		.type = 0xb, .present = 1,
	};
	u64 stack, rsp;

	VT_ASSERT(vm->long_mode, "vm_vcpu_add needs a vm_create() VM");
	vcpu = vcpu_create_bare(vm, id);
	vcpu_set_cpuid(vcpu, vt_supported_cpuid());

	vcpu_sregs_get(vcpu, &sregs);
	sregs.cs = code64;
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = data64;
	sregs.tr = tss;
	sregs.gdt.base = vm->gdt;
	sregs.gdt.limit = GDT_SIZE - 1;
	sregs.idt.base = vm->idt;
	sregs.idt.limit = VT_NR_VECTORS * 16 - 1;
	sregs.cr0 = X86_CR0_PE | X86_CR0_MP | X86_CR0_ET | X86_CR0_NE |
		    X86_CR0_WP | X86_CR0_PG;
	sregs.cr3 = vm->pml4;
	sregs.cr4 = X86_CR4_PAE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;
	sregs.efer = EFER_LME | EFER_LMA;
	vcpu_sregs_set(vcpu, &sregs);

	/* Enter as if called: (RSP + 8) 16-aligned, return to the stub. */
	stack = vm_alloc(vm, STACK_SIZE, PAGE_SIZE);
	vcpu->stack_top = stack + STACK_SIZE;
	rsp = vcpu->stack_top - 8;
	*(u64 *)gpa2hva(vm, rsp) = (u64)(uintptr_t)vt_guest_return;

	memset(&regs, 0, sizeof(regs));
	regs.rip = (u64)(uintptr_t)guest_code;
	regs.rsp = rsp;
	regs.rflags = 2;
	vcpu_regs_set(vcpu, &regs);
	return vcpu;
}

/* ------------------------------------------------------------------ */
/* Guest interrupt and exception handlers.                            */

/*
 * Interrupts taken on a HLT that follows an STI: with halt_until() (STI
 * run with IF=0) that is inside STI's shadow, which no x86 CPU allows.
 * vt_fail_stuck() reports it: such a vCPU halts for good.
 */
volatile u64 vt_irqs_in_sti_shadow;

/*
 * Interrupts (vector >= 32) the guest took, on all its vCPUs. The library's
 * guests raise none themselves (no INTn), so every one was injected by the
 * hypervisor: vt_report_irq_anomalies() compares this with its count.
 */
volatile u64 vt_irq_deliveries;

void vt_guest_dispatch(struct vt_regs *regs)
{
	vt_handler_t h = vt_guest_handlers[regs->vector & 0xff];
	const u8 *at = (const u8 *)regs->rip;

	if (regs->vector >= 32) {
		__atomic_add_fetch(&vt_irq_deliveries, 1, __ATOMIC_RELAXED);
		if (at[0] == 0xf4 && at[-1] == 0xfb)
			vt_irqs_in_sti_shadow++;
	}

	if (h) {
		h(regs);
		return;
	}
	vt_guest_exception(&regs->vector);
}

void vm_install_handler(struct vt_vm *vm, u8 vector, vt_handler_t handler)
{
	VT_ASSERT(vm->long_mode, "needs a vm_create() VM");
	((vt_handler_t *)gpa2hva(vm, (u64)(uintptr_t)vt_guest_handlers))
		[vector] = handler;
}

/* ------------------------------------------------------------------ */
/* Application processors.                                            */

u8 vm_ap_trampoline_install(struct vt_vm *vm, u64 page)
{
	size_t len = vt_ap_tramp_end - vt_ap_tramp_start;

	VT_ASSERT(vm->long_mode, "needs a vm_create() VM");
	VT_ASSERT(!(page & (PAGE_SIZE - 1)) && page && page < 0x100000,
		  "the SIPI page must be 4 KiB aligned below 1 MiB");
	VT_ASSERT(len <= PAGE_SIZE, "trampoline of %zu bytes", len);
	memcpy(gpa2hva(vm, page), vt_ap_tramp_start, len);
	*(u64 *)gpa2hva(vm, (u64)(uintptr_t)&vt_ap_cr3) = vm->pml4;
	vt_ap_gdtr.limit = GDT_SIZE - 1;
	vt_ap_gdtr.base = vm->gdt;
	vt_ap_idtr.limit = VT_NR_VECTORS * 16 - 1;
	vt_ap_idtr.base = vm->idt;
	memcpy(gpa2hva(vm, (u64)(uintptr_t)&vt_ap_gdtr), &vt_ap_gdtr,
	       sizeof(vt_ap_gdtr));
	memcpy(gpa2hva(vm, (u64)(uintptr_t)&vt_ap_idtr), &vt_ap_idtr,
	       sizeof(vt_ap_idtr));
	return page >> 12;
}

struct vt_vcpu *vm_ap_add(struct vt_vm *vm, u32 id, void *guest_code)
{
	struct vt_vcpu *vcpu;
	u64 stack;

	VT_ASSERT(vm->long_mode, "needs a vm_create() VM");
	vcpu = vcpu_create_bare(vm, id);
	vcpu_set_cpuid(vcpu, vt_supported_cpuid());
	stack = vm_alloc(vm, STACK_SIZE, PAGE_SIZE);
	vcpu->stack_top = stack + STACK_SIZE;
	((u64 *)gpa2hva(vm, (u64)(uintptr_t)vt_ap_stacks))[id] =
		vcpu->stack_top;
	((u64 *)gpa2hva(vm, (u64)(uintptr_t)vt_ap_entries))[id] =
		(u64)(uintptr_t)guest_code;
	return vcpu;
}

void vm_create_irqchip(struct vt_vm *vm)
{
	int i;

	for (i = 0; i < VT_MAX_VCPUS; i++)
		VT_ASSERT(!vm->vcpus[i], "KVM_CREATE_IRQCHIP before any vCPU");
	VT_IOCTL(vm->fd, KVM_CREATE_IRQCHIP, 0);
}
