/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmtest: a small library for vmon's selftests.
 *
 * Host side: open the device under test ($VMON_TEST_DEV, default
 * /dev/vmon), create VMs, memslots and vCPUs, run them and check exits.
 *
 * Guest side: a 64-bit guest whose code is ordinary C in the test binary.
 * The binary is static and non-PIE, so vm_create() copies its PT_LOAD
 * segments (read from /proc/self/exe) into guest memory at the same
 * addresses and identity-maps the low 4 GiB: a function pointer means the
 * same thing on both sides, and so does a pointer to a string literal.
 * Guest code talks to the host with ucalls (GUEST_SYNC, GUEST_ASSERT,
 * GUEST_DONE): an OUT to UCALL_PORT with RDI pointing at a struct ucall.
 *
 * Guest functions must not call libc, use the stack protector or touch
 * SSE/x87 state unless the test is about that: the Makefile builds
 * everything with -mgeneral-regs-only -fno-stack-protector -mno-red-zone.
 */
#ifndef VMTEST_H
#define VMTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <pthread.h>
#include <linux/kvm.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;

#ifndef PAGE_SIZE
#define PAGE_SIZE	4096UL
#endif
#ifndef READ_ONCE
#define READ_ONCE(x)	(*(const volatile typeof(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile typeof(x) *)&(x) = (v))
#endif
#define ALIGN_UP(x, a)	(((x) + (a) - 1) & ~((u64)(a) - 1))
#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

/* ------------------------------------------------------------------ */
/* Failing from library code (no _metadata there): print and exit(1). */

void __vt_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 3, 4)));

#define VT_FAIL(fmt, ...) __vt_fail(__FILE__, __LINE__, fmt, ##__VA_ARGS__)
#define VT_ASSERT(cond, fmt, ...) do {					\
	if (!(cond))							\
		__vt_fail(__FILE__, __LINE__, "%s: " fmt, #cond,	\
			  ##__VA_ARGS__);				\
} while (0)

/* An ioctl that must succeed; fails the test with the errno otherwise. */
#define VT_IOCTL(fd, req, arg) ({					\
	int __r = ioctl((fd), (req), (arg));				\
	if (__r < 0)							\
		__vt_fail(__FILE__, __LINE__, "%s failed: %s (errno %d)", \
			  #req, strerror(errno), errno);		\
	__r;								\
})

/* ------------------------------------------------------------------ */
/* The device under test.                                             */

const char *vt_dev_path(void);	/* $VMON_TEST_DEV or /dev/vmon */
bool vt_dev_is_kvm(void);	/* the misc device 10:232 (/dev/kvm) */
/* The emulated machine named @name ("bochs", "qemu-tcg") runs us. */
bool vt_running_on_emulator(const char *name);
/* Report an event inside an STI shadow (and QEMU's known bug, on KVM). */
void vt_shadow_violation(const char *what);
struct vt_vm;
void vt_report_irq_anomalies(struct vt_vm *vm, bool stats);
/* The host CPU is Intel (VMX): some behaviours differ by vendor. */
bool vt_host_is_intel(void);
int vt_open_dev(void);		/* fails the test if it cannot */
int vt_check_cap(int fd, long cap);	/* KVM_CHECK_EXTENSION, must not fail */
/* KVM_GET_SUPPORTED_CPUID of the device, cached; caller must not free. */
const struct kvm_cpuid2 *vt_supported_cpuid(void);
const struct kvm_cpuid_entry2 *vt_cpuid_find(const struct kvm_cpuid2 *c,
					     u32 function, u32 index);

/* ------------------------------------------------------------------ */
/* VMs, memory, vCPUs.                                                */

#define VT_MAX_REGIONS	16
#define VT_MAX_VCPUS	8	/* also VT_AP_MAX in guest_entry.S */

struct vt_region {
	bool used;
	u32 slot;
	u32 flags;
	u64 gpa;
	u64 size;
	void *hva;
	bool owned;		/* hva was mmapped by the library */
};

struct vt_vm {
	int dev_fd;
	int fd;
	struct vt_region regions[VT_MAX_REGIONS];
	struct vt_vcpu *vcpus[VT_MAX_VCPUS];

	/* Long-mode guests only (vm_create()). */
	bool long_mode;
	u64 alloc_next;		/* bump allocator in slot 0 (gpa) */
	u64 alloc_end;
	u64 pml4;
	u64 gdt;
	u64 idt;
	u64 tss;
};

struct vt_vcpu {
	struct vt_vm *vm;
	u32 id;
	int fd;
	struct kvm_run *run;
	size_t run_size;
	u64 stack_top;		/* long mode: initial RSP + 8 */

	/* 0: KVM_RUN may block forever; else vcpu_run() fails after this. */
	unsigned int run_timeout_ms;

	/* vcpu_thread_start(): the host thread running this vCPU. */
	pthread_t thread;
	bool thread_started;
	volatile bool thread_abort;	/* join timed out: fail in place */
	volatile u64 nr_syncs;		/* GUEST_SYNCs seen by the thread */
	volatile u64 last_sync;		/* the last GUEST_SYNC value */
};

/* A VM with no memory and no vCPU. */
struct vt_vm *vm_create_bare(void);
/*
 * A VM for a 64-bit C guest: slot 0 at gpa 0 holds the test binary, page
 * tables identity-mapping 0..4 GiB with 2 MiB pages, GDT, TSS and IDT.
 * @extra_mem is added to slot 0 for the test's own use (vm_alloc()).
 */
struct vt_vm *vm_create(u64 extra_mem);
void vm_free(struct vt_vm *vm);

/* Anonymous memory for a new memslot; returns the host address. */
void *vm_mem_add(struct vt_vm *vm, u32 slot, u64 gpa, u64 size, u32 flags);
/* A memslot backed by caller-provided memory. */
void vm_mem_add_hva(struct vt_vm *vm, u32 slot, u64 gpa, u64 size,
		    u32 flags, void *hva);
/* KVM_SET_USER_MEMORY_REGION, returning -errno instead of failing. */
int __vm_set_region(struct vt_vm *vm, u32 slot, u32 flags, u64 gpa,
		    u64 size, void *hva);
void vm_mem_delete(struct vt_vm *vm, u32 slot);
void vm_mem_move(struct vt_vm *vm, u32 slot, u64 new_gpa);
/* Host address of guest-physical @gpa (fails if no slot holds it). */
void *gpa2hva(struct vt_vm *vm, u64 gpa);
/* Allocate guest memory in slot 0 of a vm_create() VM: returns a gpa. */
u64 vm_alloc(struct vt_vm *vm, u64 size, u64 align);

/* KVM_CREATE_VCPU + mmap of kvm_run; no register setup. */
struct vt_vcpu *vcpu_create_bare(struct vt_vm *vm, u32 id);
/*
 * A vCPU of a vm_create() VM, in 64-bit mode at @guest_code with its own
 * stack and the device's supported CPUID. Returning from @guest_code is
 * the same as GUEST_DONE().
 */
struct vt_vcpu *vm_vcpu_add(struct vt_vm *vm, u32 id, void *guest_code);
/* Pass up to 6 integer arguments to guest_code (SysV: RDI, RSI, ...). */
void vcpu_args_set(struct vt_vcpu *vcpu, int n, ...);
void vcpu_free(struct vt_vcpu *vcpu);

void vcpu_regs_get(struct vt_vcpu *vcpu, struct kvm_regs *regs);
/* One MSR through KVM_GET_MSRS (asserts it is read) / KVM_SET_MSRS (the
 * ioctl's return: 1 when written, 0 when refused). */
u64 vcpu_get_msr(struct vt_vcpu *vcpu, u32 index);
int vcpu_set_msr(struct vt_vcpu *vcpu, u32 index, u64 data);
void vcpu_regs_set(struct vt_vcpu *vcpu, const struct kvm_regs *regs);
void vcpu_sregs_get(struct vt_vcpu *vcpu, struct kvm_sregs *sregs);
void vcpu_sregs_set(struct vt_vcpu *vcpu, const struct kvm_sregs *sregs);
void vcpu_set_cpuid(struct vt_vcpu *vcpu, const struct kvm_cpuid2 *cpuid);
u64 vcpu_get_reg_rip(struct vt_vcpu *vcpu);

/* Real mode: CS=DS=ES=SS=@load_gpa>>4, IP=0, SP=@sp. */
void vcpu_setup_real_mode(struct vt_vcpu *vcpu, u64 load_gpa, u16 sp);
/*
 * 32-bit protected mode without paging: flat 4 GiB code/data segments
 * from a GDT at @gdt_gpa, EIP=@load_gpa, EBX=@load_gpa (the blob's base
 * for position-independent data references), ESP=@esp.
 */
void vcpu_setup_pm32(struct vt_vcpu *vcpu, u64 gdt_gpa, u64 load_gpa,
		     u32 esp);
/* A VM with one slot of @mem_size at gpa 0 holding @len bytes at @gpa. */
struct vt_vm *vm_create_with_blob(u64 mem_size, const void *code,
				  size_t len, u64 gpa);

/*
 * KVM_CREATE_IRQCHIP (LAPICs, IOAPIC, PICs in the kernel); must come
 * before the first vCPU.
 */
void vm_create_irqchip(struct vt_vm *vm);

/*
 * Application processors of a vm_create() VM. The trampoline goes to
 * @page (4 KiB aligned, below 1 MiB) and the function returns the SIPI
 * vector that starts it (page >> 12). vm_ap_add() creates a vCPU that
 * keeps its reset state until INIT/SIPI; it then runs
 * guest_code(apic_id) in 64-bit mode on its own stack with the VM's
 * GDT and IDT. Needs the in-kernel irqchip (APIC ID = vCPU id).
 */
u8 vm_ap_trampoline_install(struct vt_vm *vm, u64 page);
struct vt_vcpu *vm_ap_add(struct vt_vm *vm, u32 id, void *guest_code);

/*
 * Guest variables: the guest runs on its own copy of the binary's data,
 * so the host reaches a guest global through its gpa (== its address).
 */
#define GUEST_VAR(vm, var) \
	(*(volatile typeof(var) *)gpa2hva((vm), (u64)(uintptr_t)&(var)))

/* ------------------------------------------------------------------ */
/* Running.                                                           */

const char *exit_reason_str(u32 reason);

/* KVM_RUN; returns the ioctl result (errno preserved). */
int __vcpu_run(struct vt_vcpu *vcpu);
/*
 * KVM_RUN that must return 0 (an EAGAIN, KVM's answer for an AP that
 * woke up still waiting for INIT/SIPI, is retried). With
 * vcpu->run_timeout_ms set, a KVM_RUN
 * that has not returned by then is interrupted (a signal to this thread)
 * and fails the test with the vCPU's RIP.
 */
void vcpu_run(struct vt_vcpu *vcpu);

/*
 * Run @vcpu on a host thread of its own: ucalls until GUEST_DONE, each
 * GUEST_SYNC counted in nr_syncs/last_sync; any other exit, a guest
 * assertion or exception fails the test. vcpu_thread_join() waits up
 * to @timeout_ms and otherwise fails the test with where the vCPU is.
 */
void vcpu_thread_start(struct vt_vcpu *vcpu);
void vcpu_thread_join(struct vt_vcpu *vcpu, unsigned int timeout_ms);
/* Monotonic time in ns, and a sleep. */
u64 vt_now_ns(void);
void vt_sleep_ms(unsigned int ms);

void __vcpu_assert_exit(const char *file, int line, struct vt_vcpu *vcpu,
			u32 reason);
#define vcpu_assert_exit(vcpu, reason) \
	__vcpu_assert_exit(__FILE__, __LINE__, (vcpu), (reason))
/* An IO exit: direction, port, size and count must match. */
void __vcpu_assert_io(const char *file, int line, struct vt_vcpu *vcpu,
		      u8 dir, u16 port, u8 size, u32 count);
#define vcpu_assert_io(vcpu, dir, port, size, count) \
	__vcpu_assert_io(__FILE__, __LINE__, (vcpu), (dir), (port), (size), \
			 (count))
/* An MMIO exit: address, length and direction must match. */
void __vcpu_assert_mmio(const char *file, int line, struct vt_vcpu *vcpu,
			u64 gpa, u32 len, bool is_write);
#define vcpu_assert_mmio(vcpu, gpa, len, is_write) \
	__vcpu_assert_mmio(__FILE__, __LINE__, (vcpu), (gpa), (len), (is_write))
/* The data of an MMIO write exit, zero-extended. */
static inline u64 vcpu_mmio_data(struct vt_vcpu *vcpu)
{
	u64 v = 0;

	memcpy(&v, vcpu->run->mmio.data, vcpu->run->mmio.len);
	return v;
}
/* Supply the data of an MMIO read exit for the next KVM_RUN. */
static inline void vcpu_mmio_reply(struct vt_vcpu *vcpu, u64 v)
{
	memcpy(vcpu->run->mmio.data, &v, vcpu->run->mmio.len);
}
/* The PIO data area of the last IO exit. */
static inline void *vcpu_io_data(struct vt_vcpu *vcpu)
{
	return (u8 *)vcpu->run + vcpu->run->io.data_offset;
}

/* ------------------------------------------------------------------ */
/* ucalls.                                                            */

#define UCALL_PORT	0x1000

enum {
	UCALL_NONE,
	UCALL_SYNC,
	UCALL_DONE,
	UCALL_ABORT,		/* GUEST_ASSERT failed */
	UCALL_EXCEPTION,	/* unexpected exception in the guest */
};

#define UCALL_MAX_ARGS	4

struct ucall {
	u64 cmd;
	u64 args[UCALL_MAX_ARGS];
	/* UCALL_ABORT: pointers into the binary, valid on the host too. */
	const char *expr;
	const char *file;
	u64 line;
};

/* Guest side. */
void ucall(u64 cmd, int nargs, ...);
void guest_assert_fail(const char *expr, const char *file, int line,
		       int nvals, u64 a, u64 b) __attribute__((noreturn));

#define GUEST_SYNC(v)		ucall(UCALL_SYNC, 1, (u64)(v))
#define GUEST_SYNC2(v, w)	ucall(UCALL_SYNC, 2, (u64)(v), (u64)(w))
#define GUEST_DONE()		ucall(UCALL_DONE, 0)
#define GUEST_ASSERT(cond) do {						\
	if (!(cond))							\
		guest_assert_fail(#cond, __FILE__, __LINE__, 0, 0, 0);	\
} while (0)
#define GUEST_ASSERT_EQ(a, b) do {					\
	u64 __ga = (u64)(a), __gb = (u64)(b);				\
	if (__ga != __gb)						\
		guest_assert_fail(#a " == " #b, __FILE__, __LINE__, 2,	\
				  __ga, __gb);				\
} while (0)

/*
 * Guest interrupt and exception handlers: every vector of the IDT goes
 * through a common stub that saves the GPRs and calls the handler
 * installed for it (which may change the saved state, RIP included;
 * the stub IRETs afterwards). Vectors without a handler are reported to
 * the host as UCALL_EXCEPTION and the vCPU stops there.
 */
struct vt_regs {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, error_code;		/* 0 where the CPU pushes none */
	u64 rip, cs, rflags, rsp, ss;	/* the CPU's frame */
};
typedef void (*vt_handler_t)(struct vt_regs *regs);
/* Host side, before the vCPUs run; guest code may also assign directly. */
void vm_install_handler(struct vt_vm *vm, u8 vector, vt_handler_t handler);
extern vt_handler_t vt_guest_handlers[256];
extern volatile u64 vt_irqs_in_sti_shadow, vt_irq_deliveries;
void vt_guest_exception(const u64 *frame) __attribute__((noreturn));

/* Guest-safe helpers (no libc in the guest). */
void guest_memset(void *d, int c, size_t n);
void guest_memcpy(void *d, const void *s, size_t n);

static inline void guest_halt_forever(void)
{
	for (;;)
		asm volatile("cli; hlt");
}

/*
 * Host side: decode the exit as a ucall (UCALL_NONE if it is not one).
 * Does not run the vCPU.
 */
u64 get_ucall(struct vt_vcpu *vcpu, struct ucall *uc);
/*
 * Run until the next ucall and return its cmd; any other exit, a guest
 * assertion or a guest exception fails the test with a readable message.
 */
u64 __vcpu_run_ucall(const char *file, int line, struct vt_vcpu *vcpu,
		     struct ucall *uc);
#define vcpu_run_ucall(vcpu, uc) \
	__vcpu_run_ucall(__FILE__, __LINE__, (vcpu), (uc))
/* Fail the test if @uc is a guest assertion or exception. */
void __vt_ucall_check(const char *file, int line, const struct ucall *uc);
/* Run expecting GUEST_SYNC(v); returns v. */
u64 __vcpu_run_sync(const char *file, int line, struct vt_vcpu *vcpu);
#define vcpu_run_sync(vcpu) __vcpu_run_sync(__FILE__, __LINE__, (vcpu))
/* Run expecting GUEST_DONE(). */
void __vcpu_run_done(const char *file, int line, struct vt_vcpu *vcpu);
#define vcpu_run_done(vcpu) __vcpu_run_done(__FILE__, __LINE__, (vcpu))

/* ------------------------------------------------------------------ */
/* Guest-side x86 bits.                                               */

#define X86_CR0_PE	(1UL << 0)
#define X86_CR0_MP	(1UL << 1)
#define X86_CR0_ET	(1UL << 4)
#define X86_CR0_NE	(1UL << 5)
#define X86_CR0_WP	(1UL << 16)
#define X86_CR0_PG	(1UL << 31)
#define X86_CR4_PAE	(1UL << 5)
#define X86_CR4_OSFXSR	(1UL << 9)
#define X86_CR4_OSXMMEXCPT (1UL << 10)
#define EFER_LME	(1UL << 8)
#define EFER_LMA	(1UL << 10)
#define MSR_EFER	0xc0000080

static inline u64 rdmsr(u32 msr)
{
	u32 lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr) : "memory");
	return lo | ((u64)hi << 32);
}

static inline void cpuid(u32 leaf, u32 subleaf, u32 *a, u32 *b, u32 *c,
			 u32 *d)
{
	asm volatile("cpuid"
		     : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d)
		     : "a"(leaf), "c"(subleaf) : "memory");
}

static inline u64 read_cr0(void)
{
	u64 v;

	asm volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

static inline u64 read_cr3(void)
{
	u64 v;

	asm volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

static inline u64 read_cr4(void)
{
	u64 v;

	asm volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

/* Guest memory layout of vm_create() VMs. */
#define VT_IDENTITY_MAP_END	(4ULL << 30)
/* A guest-physical range guaranteed to have no memslot by default. */
#define VT_MMIO_GPA		0xc0000000ULL

#endif /* VMTEST_H */
