// SPDX-License-Identifier: GPL-2.0
/*
 * Guest debug registers and #DB, on both vendors, against KVM: what DR6
 * says after a data or instruction breakpoint, DR0-3/DR6/DR7 written and
 * read back by the guest across exits and host preemption, a hardware
 * breakpoint the host left in DR0 that the guest must not be able to arm,
 * the single-step trap after an instruction vmon emulates (CPUID, port
 * I/O, MMIO, HLT), a TF an NMI handler's IRET loads, DR7.GD cleared at
 * every #DB, and ICEBP. The guest reads DR6 itself (MOV from DR6) in its
 * own #DB handler, which the hypervisor must have handed back.
 */
#include <errno.h>
#include <linux/hw_breakpoint.h>
#include <linux/perf_event.h>
#include <pthread.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vmtest.h"

#define DR6_INIT	0xffff0ff0ULL
#define DR6_B0		0x1ULL
#define DR6_B1		0x2ULL
#define DR6_BS		0x4000ULL
#define X86_RF		(1ULL << 16)
#define X86_TF		(1ULL << 8)

/* DR7: L<n>, R/W<n> (0 exec, 1 write, 3 read/write), LEN<n> (3: 4 bytes). */
#define DR7_L(n)	(1ULL << ((n) * 2))
#define DR7_RW(n, v)	((u64)(v) << (16 + (n) * 4))
#define DR7_LEN(n, v)	((u64)(v) << (18 + (n) * 4))

static u64 rd_dr6(void)
{
	u64 v;

	asm volatile("mov %%dr6, %0" : "=r"(v));
	return v;
}

static void wr_dr6(u64 v)
{
	asm volatile("mov %0, %%dr6" : : "r"(v));
}

static void wr_dr7(u64 v)
{
	asm volatile("mov %0, %%dr7" : : "r"(v));
}

static u64 rd_dr7(void)
{
	u64 v;

	asm volatile("mov %%dr7, %0" : "=r"(v));
	return v;
}

/* What the guest's #DB handler saw, last hit first; the count of hits. */
static volatile u64 db_hits, db_dr6, db_rip;

/* Records DR6 and RIP, clears DR6 (as a handler must), stops any TF. */
static void db_handler(struct vt_regs *regs)
{
	db_hits++;
	db_dr6 = rd_dr6();
	db_rip = regs->rip;
	wr_dr6(0);
	/* RF: an instruction breakpoint is a fault; resume past it. */
	regs->rflags = (regs->rflags | X86_RF) & ~X86_TF;
}

static void db_reset(void)
{
	db_hits = 0;
	db_dr6 = 0;
	db_rip = 0;
}

static struct vt_vm *dbg_vm(void *guest, struct vt_vcpu **vcpu)
{
	struct vt_vm *vm = vm_create(0);

	*vcpu = vm_vcpu_add(vm, 0, guest);
	vm_install_handler(vm, 1, db_handler);
	return vm;
}

/* ---- data and instruction breakpoints ---- */
static volatile u32 bp_var;
extern char after_write[], after_read[], after_write2[], insn_bp[];

static void guest_data_bp(void)
{
	u32 tmp;

	asm volatile("mov %0, %%dr0" : : "r"((u64)(uintptr_t)&bp_var));
	/* Writes only. */
	wr_dr7(0x400 | DR7_L(0) | DR7_RW(0, 1) | DR7_LEN(0, 3));
	db_reset();
	asm volatile("movl $1, bp_var(%%rip)\n\t"
		     "after_write:" : : : "memory");
	GUEST_SYNC2(db_dr6, db_rip == (u64)(uintptr_t)after_write);
	GUEST_SYNC(db_hits);
	/* A read does not trigger a write breakpoint. */
	db_reset();
	tmp = bp_var;
	(void)tmp;
	GUEST_SYNC(db_hits);

	/* Reads and writes. */
	wr_dr7(0x400 | DR7_L(0) | DR7_RW(0, 3) | DR7_LEN(0, 3));
	db_reset();
	asm volatile("movl bp_var(%%rip), %0\n\t"
		     "after_read:" : "=r"(tmp) : : "memory");
	GUEST_SYNC2(db_dr6, db_rip == (u64)(uintptr_t)after_read);
	/* The handler cleared DR6: MOV from DR6 shows it, not a stale copy. */
	GUEST_SYNC(rd_dr6());
	db_reset();
	asm volatile("movl $2, bp_var(%%rip)\n\t"
		     "after_write2:" : : : "memory");
	GUEST_SYNC2(db_dr6, db_rip == (u64)(uintptr_t)after_write2);
	wr_dr7(0x400);

	/* Instruction breakpoint in DR1 (B1): a fault, resumed with RF. */
	asm volatile("mov %0, %%dr1" : : "r"((u64)(uintptr_t)insn_bp));
	wr_dr7(0x400 | DR7_L(1));
	db_reset();
	asm volatile("insn_bp: nop\n\tnop" : : : "memory");
	wr_dr7(0x400);
	GUEST_SYNC2(db_dr6, db_rip == (u64)(uintptr_t)insn_bp);
	GUEST_SYNC(db_hits);
	GUEST_DONE();
}

TEST(data_breakpoint_dr6)
{
	struct vt_vcpu *vcpu;
	struct vt_vm *vm = dbg_vm(guest_data_bp, &vcpu);
	struct ucall uc;

	/* Write breakpoint: B0 exactly (kvm_amd and kvm_intel: 0xffff0ff1). */
	ASSERT_EQ(UCALL_SYNC, vcpu_run_ucall(vcpu, &uc));
	EXPECT_EQ(DR6_INIT | DR6_B0, uc.args[0]) TH_LOG("DR6 after a write");
	EXPECT_EQ(1, uc.args[1]) TH_LOG("#DB RIP is after the write");
	EXPECT_EQ(1, vcpu_run_sync(vcpu)) TH_LOG("hits");
	EXPECT_EQ(0, vcpu_run_sync(vcpu)) TH_LOG("read hit a write bp");
	ASSERT_EQ(UCALL_SYNC, vcpu_run_ucall(vcpu, &uc));
	EXPECT_EQ(DR6_INIT | DR6_B0, uc.args[0]) TH_LOG("DR6 after a read");
	EXPECT_EQ(1, uc.args[1]) TH_LOG("#DB RIP is after the read");
	EXPECT_EQ(DR6_INIT, vcpu_run_sync(vcpu)) TH_LOG("DR6 after clearing");
	ASSERT_EQ(UCALL_SYNC, vcpu_run_ucall(vcpu, &uc));
	EXPECT_EQ(DR6_INIT | DR6_B0, uc.args[0]) TH_LOG("DR6, second write");
	EXPECT_EQ(1, uc.args[1]) TH_LOG("#DB RIP is after the second write");
	ASSERT_EQ(UCALL_SYNC, vcpu_run_ucall(vcpu, &uc));
	EXPECT_EQ(DR6_INIT | DR6_B1, uc.args[0]) TH_LOG("DR6, insn bp");
	EXPECT_EQ(1, uc.args[1]) TH_LOG("#DB RIP is the instruction");
	EXPECT_EQ(1, vcpu_run_sync(vcpu)) TH_LOG("insn bp hits (RF)");
	vcpu_run_done(vcpu);
	vm_free(vm);
}

/* ---- DR0-3/DR6/DR7 round trip across exits and preemption ---- */
static const u64 rt_db[4] = {
	0x1111000, 0xffffffff82222000ULL, 0x3333004, 0x7ffffffff000ULL,
};
/* RW/LEN fields and LE/GE set, no breakpoint enabled, no GD. */
#define RT_DR7		0xfdb90700ULL
#define RT_DR6		(DR6_INIT | DR6_B0 | DR6_B1 | DR6_BS)

static u64 guest_rt_check(void)
{
	u64 v[4], bad = 0;
	int i;

	asm volatile("mov %%dr0, %0; mov %%dr1, %1; mov %%dr2, %2; mov %%dr3, %3"
		     : "=r"(v[0]), "=r"(v[1]), "=r"(v[2]), "=r"(v[3]));
	for (i = 0; i < 4; i++)
		if (v[i] != rt_db[i])
			bad |= 1u << i;
	if (rd_dr6() != RT_DR6)
		bad |= 1u << 6;
	if (rd_dr7() != RT_DR7)
		bad |= 1u << 7;
	return bad;
}

static void guest_roundtrip(void)
{
	volatile u64 i;

	asm volatile("mov %0, %%dr0; mov %1, %%dr1; mov %2, %%dr2; mov %3, %%dr3"
		     : : "r"(rt_db[0]), "r"(rt_db[1]), "r"(rt_db[2]),
			 "r"(rt_db[3]));
	wr_dr6(RT_DR6);
	wr_dr7(RT_DR7);
	GUEST_SYNC(guest_rt_check());	/* same entry, or right after one */
	GUEST_SYNC(guest_rt_check());	/* after an exit to userspace */
	for (i = 0; i < 3000000; i++)	/* timer exits, a host thread */
		;
	GUEST_SYNC(guest_rt_check());
	GUEST_SYNC2(rd_dr6(), rd_dr7());
	GUEST_DONE();
}

static volatile int hog_stop;

static void *hog_fn(void *arg)
{
	while (!READ_ONCE(hog_stop))
		;
	return NULL;
}

static void pin_self(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

TEST(dr_roundtrip)
{
	struct vt_vcpu *vcpu;
	struct vt_vm *vm = dbg_vm(guest_roundtrip, &vcpu);
	struct ucall uc;
	pthread_t hog;
	u64 v;

	pin_self(0);
	v = vcpu_run_sync(vcpu);
	EXPECT_EQ(0, v) TH_LOG("bad registers %#llx (bits 0-3 DR0-3, 6, 7)",
			       (unsigned long long)v);
	v = vcpu_run_sync(vcpu);
	EXPECT_EQ(0, v) TH_LOG("after an exit: %#llx", (unsigned long long)v);
	/* The hog shares the CPU (it inherits the affinity): preemption. */
	hog_stop = 0;
	ASSERT_EQ(0, pthread_create(&hog, NULL, hog_fn, NULL));
	v = vcpu_run_sync(vcpu);
	hog_stop = 1;
	pthread_join(hog, NULL);
	EXPECT_EQ(0, v) TH_LOG("after preemption: %#llx",
			       (unsigned long long)v);
	ASSERT_EQ(UCALL_SYNC, vcpu_run_ucall(vcpu, &uc));
	EXPECT_EQ(RT_DR6, uc.args[0]) TH_LOG("DR6");
	EXPECT_EQ(RT_DR7, uc.args[1]) TH_LOG("DR7");
	vcpu_run_done(vcpu);
	vm_free(vm);
}

/* ---- a host breakpoint left in DR0 ---- */
static volatile u32 host_var;

static void guest_stale_dr0(void)
{
	u64 dr0;

	GUEST_SYNC(0);		/* the host arms and removes its breakpoint */
	db_reset();
	/* DR0 never written: L0 on 4-byte writes arms whatever DR0 holds. */
	wr_dr7(0x400 | DR7_L(0) | DR7_RW(0, 1) | DR7_LEN(0, 3));
	host_var = 1;
	host_var = 2;
	wr_dr7(0x400);
	asm volatile("mov %%dr0, %0" : "=r"(dr0));
	GUEST_SYNC2(db_hits, dr0);
	GUEST_DONE();
}

TEST(stale_host_dr0)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_BREAKPOINT,
		.size = sizeof(attr),
		.bp_type = HW_BREAKPOINT_W,
		.bp_addr = (u64)(uintptr_t)&host_var,
		.bp_len = HW_BREAKPOINT_LEN_4,
		.sample_period = 1,
		.exclude_kernel = 1,
		.exclude_hv = 1,
	};
	struct vt_vcpu *vcpu;
	struct vt_vm *vm;
	struct ucall uc;
	u64 count = 0;
	int fd;

	/* One CPU for the host breakpoint and the guest (the vCPU's). */
	pin_self(0);
	vm = dbg_vm(guest_stale_dr0, &vcpu);
	ASSERT_EQ(0, vcpu_run_sync(vcpu));	/* ran here once already */

	fd = syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0);
	if (fd < 0)
		SKIP(vm_free(vm); return,
		     "perf_event_open(PERF_TYPE_BREAKPOINT): %s",
		     strerror(errno));
	host_var = 5;	/* the host's own breakpoint, in DR0 now */
	host_var = 6;
	ASSERT_EQ(sizeof(count), read(fd, &count, sizeof(count)));
	close(fd);	/* DR7 cleared, DR0 keeps &host_var */
	ASSERT_LT(0, count) TH_LOG("the host breakpoint never fired");

	ASSERT_EQ(UCALL_SYNC, vcpu_run_ucall(vcpu, &uc));
	EXPECT_EQ(0, uc.args[0]) TH_LOG("#DB from the host's DR0");
	EXPECT_EQ(0, uc.args[1]) TH_LOG("guest DR0");
	vcpu_run_done(vcpu);
	vm_free(vm);
}

/* ---- single step over emulated instructions ---- */
#define STEP_PORT	0x3f0
extern char after_cpuid[], after_out[], after_in[], after_mmio_w[],
	    after_mmio_r[];

#define STEP_ONE(insn, label, ...)					\
	asm volatile("pushfq\n\t"					\
		     "orq $0x100, (%%rsp)\n\t"				\
		     "popfq\n\t"					\
		     insn "\n\t"					\
		     #label ":\n\t"					\
		     "nop\n\t"						\
		     "nop" __VA_ARGS__)

static void guest_step(void)
{
	u32 a = 0, b, c = 0, d;
	volatile u32 *mmio = (volatile u32 *)VT_MMIO_GPA;

	db_reset();
	STEP_ONE("cpuid", after_cpuid, : "+a"(a), "=b"(b), "+c"(c), "=d"(d)
		 : : "memory", "cc");
	GUEST_SYNC2(db_rip == (u64)(uintptr_t)after_cpuid, db_dr6);
	GUEST_SYNC(db_hits);

	db_reset();
	STEP_ONE("outb %%al, %%dx", after_out, : : "a"(0), "d"(STEP_PORT)
		 : "memory", "cc");
	GUEST_SYNC2(db_rip == (u64)(uintptr_t)after_out, db_dr6);

	db_reset();
	STEP_ONE("inb %%dx, %%al", after_in, : "=a"(a) : "d"(STEP_PORT)
		 : "memory", "cc");
	GUEST_SYNC2(db_rip == (u64)(uintptr_t)after_in, db_dr6);

	db_reset();
	STEP_ONE("movl %%eax, (%%rdx)", after_mmio_w, : : "a"(0x1234),
		 "d"(mmio) : "memory", "cc");
	/* The RIP past it: KVM's trap comes one instruction (a nop) late. */
	ucall(UCALL_SYNC, 3, db_rip - (u64)(uintptr_t)after_mmio_w + 1,
	      db_dr6, db_hits);

	db_reset();
	STEP_ONE("movl (%%rdx), %%eax", after_mmio_r, : "=a"(a) : "d"(mmio)
		 : "memory", "cc");
	GUEST_SYNC2(db_rip == (u64)(uintptr_t)after_mmio_r, db_dr6);
	GUEST_SYNC(a);
	GUEST_DONE();
}

/* Run to the next ucall, answering the guest's port and MMIO accesses. */
static void run_answering(struct vt_vcpu *vcpu, struct ucall *uc)
{
	for (;;) {
		vcpu_run(vcpu);
		if (vcpu->run->exit_reason == KVM_EXIT_MMIO) {
			if (!vcpu->run->mmio.is_write)
				vcpu_mmio_reply(vcpu, 0xabcd);
			continue;
		}
		if (vcpu->run->exit_reason == KVM_EXIT_IO &&
		    vcpu->run->io.port == STEP_PORT) {
			if (vcpu->run->io.direction == KVM_EXIT_IO_IN)
				*(u8 *)vcpu_io_data(vcpu) = 0x5a;
			continue;
		}
		break;
	}
	VT_ASSERT(get_ucall(vcpu, uc) == UCALL_SYNC, "expected a sync");
}

TEST(single_step_after_emulation)
{
	static const char *const what[] = {
		"CPUID", "OUT", "IN", "MMIO write", "MMIO read",
	};
	struct vt_vcpu *vcpu;
	struct vt_vm *vm = dbg_vm(guest_step, &vcpu);
	struct ucall uc;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(what); i++) {
		u64 right = 1;

		/*
		 * KVM 6.1 drops the trap of an MMIO write that went to
		 * userspace (complete_emulated_mmio(): "FIXME: return into
		 * emulator if single-stepping"); the nop after it traps
		 * instead. vmon traps right after the write, as a CPU does
		 * (api.rst, vmon notes).
		 */
		if (i == 3 && vt_dev_is_kvm())
			right = 2;
		run_answering(vcpu, &uc);
		/*
		 * On the Bochs machine the trap of the MMIO write came with
		 * RIP on the write itself, on kvm_intel exactly as on vmon
		 * (2026-12-07), while both trap after it on QEMU: taken as
		 * the emulator's until hardware says otherwise.
		 */
		if (i == 3 && vt_running_on_emulator("bochs")) {
			TH_LOG("MMIO write: not judged on Bochs (%#llx, %llu hits): kvm_intel and vmon both see the trap on the write there",
			       (unsigned long long)uc.args[0],
			       (unsigned long long)uc.args[2]);
			continue;
		}
		EXPECT_EQ(right, uc.args[0]) TH_LOG("%s: #DB not right after it (%#llx, %llu hits)",
						    what[i],
						    (unsigned long long)uc.args[0],
						    (unsigned long long)uc.args[2]);
		EXPECT_EQ(DR6_INIT | DR6_BS, uc.args[1]) TH_LOG("%s: DR6",
								what[i]);
		if (i == 0) {
			run_answering(vcpu, &uc);
			EXPECT_EQ(1, uc.args[0]) TH_LOG("CPUID: #DB count");
		}
	}
	run_answering(vcpu, &uc);
	EXPECT_EQ(0xabcd, uc.args[0]) TH_LOG("MMIO read value");
	vcpu_run_done(vcpu);
	vm_free(vm);
}

/*
 * HLT with TF: the trap comes right after it and wakes the halted vCPU
 * (with the in-kernel LAPIC KVM does not sleep with an exception
 * pending); no interrupt ever comes here.
 */
extern char after_hlt[];

static void guest_step_hlt(void)
{
	db_reset();
	STEP_ONE("hlt", after_hlt, : : : "memory");
	GUEST_SYNC2(db_rip == (u64)(uintptr_t)after_hlt, db_dr6);
	GUEST_DONE();
}

TEST(single_step_after_hlt)
{
	struct vt_vm *vm = vm_create(0);
	struct vt_vcpu *vcpu;
	struct ucall uc;

	vm_create_irqchip(vm);
	vcpu = vm_vcpu_add(vm, 0, guest_step_hlt);
	vm_install_handler(vm, 1, db_handler);
	vcpu->run_timeout_ms = 20000;
	ASSERT_EQ(UCALL_SYNC, vcpu_run_ucall(vcpu, &uc));
	EXPECT_EQ(1, uc.args[0]) TH_LOG("#DB not right after HLT");
	EXPECT_EQ(DR6_INIT | DR6_BS, uc.args[1]) TH_LOG("DR6");
	vcpu_run_done(vcpu);
	vm_free(vm);
}

/*
 * A TF the guest's NMI handler puts into its frame is the interrupted
 * code's from its IRET on. On SVM vmon steps that IRET with a TF of its
 * own when a second NMI waits (no NMI-blocking state in the VMCB): its
 * TF must not replace the one the IRET loaded, nor its #DB reach the
 * guest. Correct: the second NMI's frame has TF, and one #DB follows.
 */
static volatile u64 nmi_count, nmi2_tf;

static void nmi_tf_handler(struct vt_regs *regs)
{
	u64 n = ++nmi_count;

	if (n == 1) {
		regs->rflags |= X86_TF;
		GUEST_SYNC(100);	/* the host queues the second NMI */
	} else if (n == 2) {
		nmi2_tf = !!(regs->rflags & X86_TF);
	}
}

static void guest_nmi_tf(void)
{
	u64 i;

	db_reset();
	asm volatile("cli");
	GUEST_SYNC(0);
	for (i = 0; i < 10000000ULL && (nmi_count < 2 || !db_hits); i++)
		asm volatile("pause");
	GUEST_SYNC2(nmi_count, nmi2_tf);
	GUEST_SYNC(db_hits);
	GUEST_DONE();
}

TEST(nmi_iret_keeps_guest_tf)
{
	struct vt_vcpu *vcpu;
	struct vt_vm *vm = dbg_vm(guest_nmi_tf, &vcpu);
	struct ucall uc;

	vm_install_handler(vm, 2, nmi_tf_handler);
	EXPECT_EQ(0, vcpu_run_sync(vcpu));
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_NMI));
	EXPECT_EQ(100, vcpu_run_sync(vcpu));
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_NMI));
	ASSERT_EQ(UCALL_SYNC, vcpu_run_ucall(vcpu, &uc));
	EXPECT_EQ(2, uc.args[0]) TH_LOG("NMIs delivered");
	/*
	 * kvm_amd 6.1 drops it: disable_nmi_singlestep() clears TF after
	 * its step unless the guest had TF before the IRET. Not an oracle
	 * here; kvm_intel (NMI-window exiting, no step) is.
	 */
	if (vt_dev_is_kvm() && !vt_host_is_intel()) {
		vcpu_run_sync(vcpu);
		vm_free(vm);
		SKIP(return, "kvm_amd 6.1 loses the TF the IRET loads (%llu)",
		     (unsigned long long)uc.args[1]);
	}
	EXPECT_EQ(1, uc.args[1]) TH_LOG("TF in the second NMI's frame");
	EXPECT_EQ(1, vcpu_run_sync(vcpu)) TH_LOG("#DB after the NMIs");
	vcpu_run_done(vcpu);
	vm_free(vm);
}

/*
 * DR7.GD: the CPU clears it on entering the #DB handler, whatever the
 * #DB's cause, so the handler can use the debug registers (SDM 17.2.4);
 * KVM clears it whenever it injects a #DB. Three #DBs with GD set: the
 * general-detect fault of a MOV from DR0 (BD, RIP on the MOV), the
 * single-step trap after a CPUID the hypervisor emulates, and after a
 * NOP the CPU steps itself. Each time the handler's MOV from DR6 must
 * not fault again (one #DB, not two) and DR7 reads back without GD.
 */
#define DR7_GD		(1ULL << 13)
#define DR6_BD		(1ULL << 13)
extern char gd_mov[], after_gd_cpuid[], after_gd_nop[];

static void gd_report(const char *at)
{
	ucall(UCALL_SYNC, 4, db_hits, db_dr6,
	      db_rip == (u64)(uintptr_t)at, rd_dr7());
}

static void guest_gd(void)
{
	u32 a = 0, b, c = 0, d;
	u64 v;

	wr_dr7(0x400 | DR7_GD);
	db_reset();
	asm volatile("gd_mov: mov %%dr0, %0" : "=r"(v) : : "memory");
	gd_report(gd_mov);

	wr_dr7(0x400 | DR7_GD);
	db_reset();
	STEP_ONE("cpuid", after_gd_cpuid, : "+a"(a), "=b"(b), "+c"(c),
		 "=d"(d) : : "memory", "cc");
	gd_report(after_gd_cpuid);

	wr_dr7(0x400 | DR7_GD);
	db_reset();
	STEP_ONE("nop", after_gd_nop, : : : "memory", "cc");
	gd_report(after_gd_nop);
	GUEST_DONE();
}

TEST(general_detect_clears_gd)
{
	static const char *const what[] = {
		"MOV from DR0 (general detect)", "CPUID step", "NOP step",
	};
	static const u64 cause[] = { DR6_BD, DR6_BS, DR6_BS };
	struct vt_vcpu *vcpu;
	struct vt_vm *vm = dbg_vm(guest_gd, &vcpu);
	struct ucall uc;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(what); i++) {
		ASSERT_EQ(UCALL_SYNC, vcpu_run_ucall(vcpu, &uc));
		/*
		 * QEMU's TCG has no general detect: the MOV runs, under
		 * kvm_amd as under vmon (2026-12-07). vmon's VMX raises it
		 * itself (the MOV DR exit comes first); judged on Bochs.
		 */
		if (i == 0 && !uc.args[0] && (uc.args[3] & DR7_GD) &&
		    vt_running_on_emulator("qemu-tcg")) {
			TH_LOG("%s: not judged: QEMU TCG raises no general-detect #DB",
			       what[i]);
			continue;
		}
		EXPECT_EQ(1, uc.args[0]) TH_LOG("%s: %llu #DBs (the handler's MOV DR faulted: GD left set)",
						what[i],
						(unsigned long long)uc.args[0]);
		EXPECT_EQ(DR6_INIT | cause[i], uc.args[1]) TH_LOG("%s: DR6",
								  what[i]);
		EXPECT_EQ(1, uc.args[2]) TH_LOG("%s: #DB RIP", what[i]);
		EXPECT_EQ(0x400, uc.args[3]) TH_LOG("%s: DR7 after the #DB",
						    what[i]);
	}
	vcpu_run_done(vcpu);
	vm_free(vm);
}

/* ---- ICEBP (INT1) ---- */
extern char icebp[], after_icebp[];
static volatile u64 ud_hits;

/* QEMU's TCG raises #UD for ICEBP: recorded and skipped over. */
static void ud_handler(struct vt_regs *regs)
{
	ud_hits++;
	if (regs->rip == (u64)(uintptr_t)icebp)
		regs->rip++;
}

static void guest_icebp(void)
{
	db_reset();
	asm volatile("icebp: .byte 0xf1\n\tafter_icebp:" : : : "memory");
	if (ud_hits)
		GUEST_SYNC2(~0ULL, 0);
	GUEST_SYNC2(db_hits, db_rip == (u64)(uintptr_t)after_icebp);
	GUEST_SYNC(db_dr6);
	GUEST_DONE();
}

TEST(icebp_reaches_guest)
{
	struct vt_vcpu *vcpu;
	struct vt_vm *vm = dbg_vm(guest_icebp, &vcpu);
	struct ucall uc;
	u64 dr6;

	vm_install_handler(vm, 6, ud_handler);
	ASSERT_EQ(UCALL_SYNC, vcpu_run_ucall(vcpu, &uc));
	if (uc.args[0] == ~0ULL)
		SKIP(vm_free(vm); return,
		     "the CPU raises #UD for ICEBP (QEMU TCG does, on %s too)",
		     vt_dev_is_kvm() ? "vmon" : "kvm");
	EXPECT_EQ(1, uc.args[0]) TH_LOG("#DB from ICEBP");
	EXPECT_EQ(1, uc.args[1]) TH_LOG("#DB RIP is after the ICEBP");
	dr6 = vcpu_run_sync(vcpu);
	/* No breakpoint or single-step cause. */
	EXPECT_EQ(0, dr6 & (DR6_BS | 0xf)) TH_LOG("DR6 %#llx",
						 (unsigned long long)dr6);
	vcpu_run_done(vcpu);
	vm_free(vm);
}

TEST_HARNESS_MAIN
