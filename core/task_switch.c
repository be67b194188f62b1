// SPDX-License-Identifier: GPL-2.0
/*
 * Hardware task switches, emulated by the core for a backend whose CPU
 * exits instead of switching (VMX: every JMP/CALL to a TSS or task gate,
 * every IDT task gate, IRET with NT=1). Vendor-neutral: segment state
 * goes through ops->get_sregs/set_sregs, guest memory through the guest's
 * page tables (gwalk.c) as supervisor ("system") accesses.
 *
 * Facts relied on (Intel SDM vol. 3A ch. 7 "Task Management", table 7-1;
 * vol. 3C 26.4.2 "Treatment of Task Switches"):
 *  - Before a VM exit the CPU has checked the task gate, the selector,
 *    the new TSS descriptor's type, busy bit, P bit and limit. They are
 *    checked again here (another vCPU may have changed the GDT), raising
 *    what the CPU would.
 *  - Until the old task's state is saved, a fault belongs to the old task
 *    (RIP at the instruction, the event being delivered still in flight);
 *    after that it is raised in the new task.
 *  - JMP and IRET clear the old TSS's busy bit, JMP/CALL/gate set the new
 *    one's; CALL/gate store the back-link and set NT in the new EFLAGS,
 *    IRET saves the old EFLAGS with NT clear. CR0.TS is set; TR is loaded.
 *  - 32-bit TSS: CR3, EIP, EFLAGS, eight GPRs, ES CS SS DS FS GS, LDT;
 *    16-bit TSS: IP, FLAGS, eight GPRs, ES CS SS DS, LDT (no CR3).
 *    The old task saves everything but CR3 and the LDT selector.
 *  - LDTR, then the segment registers are loaded with the new CPL (CS.RPL;
 *    3 in virtual-8086 mode), faulting as table 7-1 says (#TS, #NP, #SS).
 *  - An exception that came through a task gate pushes its error code on
 *    the new task's stack (4 bytes for a 32-bit TSS, 2 for a 16-bit one).
 *
 * Not done: the TSS T bit (debug trap on entry; nor does KVM 6.1), and
 * clearing DR7's local enables, which KVM does (the ops table has no DR7
 * access; Documentation/api.rst lists it).
 */
#include <linux/kvm_host.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <asm/trapnr.h>
#include <asm/unaligned.h>
#include "vmon.h"
#include "gwalk.h"

/* Result of a step: 0 go on, VMON_TS_FAULT exception recorded, < 0 errno. */
#define VMON_TS_FAULT	1

struct ts_ctx {
	struct vmon_vcpu *vcpu;
	struct kvm_sregs s;
	struct vmon_gwalk_ctx walk;
	/* The exception to raise (when a step returned VMON_TS_FAULT). */
	u8 vector;
	u32 error;
	u64 cr2;
	bool committed;		/* old task saved: faults are the new task's */
};

/* 32-bit TSS offsets. */
#define TSS32_LINK	0x00
#define TSS32_CR3	0x1c
#define TSS32_EIP	0x20
#define TSS32_EFLAGS	0x24
#define TSS32_EAX	0x28	/* EAX ECX EDX EBX ESP EBP ESI EDI */
#define TSS32_ES	0x48	/* ES CS SS DS FS GS, 4 bytes apart */
#define TSS32_LDT	0x60
#define TSS32_MIN	0x68	/* limit must be >= 0x67 */
/* 16-bit TSS offsets. */
#define TSS16_LINK	0x00
#define TSS16_IP	0x0e
#define TSS16_FLAGS	0x10
#define TSS16_AX	0x12	/* AX CX DX BX SP BP SI DI */
#define TSS16_ES	0x22	/* ES CS SS DS, 2 bytes apart */
#define TSS16_LDT	0x2a
#define TSS16_MIN	0x2c	/* limit must be >= 0x2b */

/* Descriptor types (S = 0). */
#define DESC_LDT	0x2
#define DESC_TSS_BUSY	0x2	/* the busy bit within the TSS types */

static int ts_fault(struct ts_ctx *c, u8 vector, u32 error)
{
	c->vector = vector;
	c->error = error;
	return VMON_TS_FAULT;
}

static int ts_read_gpa(void *opaque, u64 gpa, void *buf, unsigned int len)
{
	return vmon_read_guest(opaque, gpa, buf, len) ? -EIO : 0;
}

/*
 * Copy to or from guest-linear memory with supervisor rights. @probe:
 * only translate (a write that must not fault after the commit point).
 * A translation fault becomes #PF; memory outside every slot is -EFAULT.
 */
static int ts_copy(struct ts_ctx *c, u32 lin, void *buf, unsigned int len,
		   bool write, bool probe)
{
	while (len) {
		unsigned int n = min_t(unsigned int, len,
				       PAGE_SIZE - offset_in_page(lin));
		u32 pf = 0;
		u64 gpa;
		int r;

		r = vmon_gwalk(&c->walk, lin, write ? VMON_PF_WRITE : 0,
			       &gpa, &pf);
		if (r == -EFAULT) {
			c->cr2 = lin;
			return ts_fault(c, PF_VECTOR, pf);
		}
		if (r)
			return -EFAULT;
		if (!probe) {
			r = write ? vmon_write_guest(c->vcpu->vm, gpa, buf, n) :
				    vmon_read_guest(c->vcpu->vm, gpa, buf, n);
			if (r)
				return -EFAULT;
			buf += n;
		}
		lin += n;
		len -= n;
	}
	return 0;
}

/*
 * The descriptor @sel names, in the GDT or (TI) the LDT. Returns 1 when
 * @sel is outside its table (the caller picks the exception), else as
 * ts_copy. *@lin gets the descriptor's linear address.
 */
static int ts_read_desc(struct ts_ctx *c, u16 sel, u64 *desc, u32 *lin)
{
	u64 base = c->s.gdt.base;
	u32 limit = c->s.gdt.limit;
	int r;

	if (sel & 4) {
		if (c->s.ldt.unusable || !c->s.ldt.present)
			return 1;
		base = c->s.ldt.base;
		limit = c->s.ldt.limit;
	}
	if ((sel | 7) > limit)
		return 1;
	*lin = (u32)(base + (sel & ~7));
	r = ts_copy(c, *lin, desc, 8, false, false);
	return r == VMON_TS_FAULT ? -EAGAIN : r;
}

static void ts_desc_to_seg(u64 d, u16 sel, struct kvm_segment *seg)
{
	memset(seg, 0, sizeof(*seg));
	seg->selector = sel;
	seg->base = ((d >> 16) & 0xffffff) | (((d >> 56) & 0xff) << 24);
	seg->limit = (d & 0xffff) | (((d >> 48) & 0xf) << 16);
	seg->type = (d >> 40) & 0xf;
	seg->s = (d >> 44) & 1;
	seg->dpl = (d >> 45) & 3;
	seg->present = (d >> 47) & 1;
	seg->avl = (d >> 52) & 1;
	seg->l = (d >> 53) & 1;
	seg->db = (d >> 54) & 1;
	seg->g = (d >> 55) & 1;
	if (seg->g)
		seg->limit = (seg->limit << 12) | 0xfff;
	seg->unusable = !seg->present;
}

static struct kvm_segment *ts_seg(struct ts_ctx *c, int seg)
{
	switch (seg) {
	case VCPU_SREG_ES: return &c->s.es;
	case VCPU_SREG_CS: return &c->s.cs;
	case VCPU_SREG_SS: return &c->s.ss;
	case VCPU_SREG_DS: return &c->s.ds;
	case VCPU_SREG_FS: return &c->s.fs;
	case VCPU_SREG_GS: return &c->s.gs;
	default: return &c->s.ldt;
	}
}

/* Virtual-8086 mode: base = selector * 16, a 64 KiB data segment, DPL 3. */
static void ts_load_vm86(struct ts_ctx *c, int seg, u16 sel)
{
	struct kvm_segment *d = ts_seg(c, seg);

	memset(d, 0, sizeof(*d));
	d->selector = sel;
	d->base = (u32)sel << 4;
	d->limit = 0xffff;
	d->type = 3;
	d->s = 1;
	d->dpl = 3;
	d->present = 1;
}

/*
 * Load segment register @seg (or LDTR) from @sel for the new task at
 * @cpl, with the checks of SDM table 7-1. The accessed bit of a code or
 * data descriptor is set in memory, as the CPU (and KVM) do.
 */
static int ts_load_seg(struct ts_ctx *c, int seg, u16 sel, int cpl)
{
	struct kvm_segment *d = ts_seg(c, seg), n;
	u32 err = sel & 0xfffc, lin;
	int rpl = sel & 3, r;
	u64 desc;

	if (!(sel & ~3)) {
		/* Null: CS and SS may not be, the others become unusable. */
		if (seg == VCPU_SREG_CS || seg == VCPU_SREG_SS)
			return ts_fault(c, TS_VECTOR, 0);
		memset(d, 0, sizeof(*d));
		d->selector = sel;
		d->unusable = 1;
		return 0;
	}
	if (seg == VCPU_SREG_LDTR && (sel & 4))
		return ts_fault(c, TS_VECTOR, err);
	r = ts_read_desc(c, sel, &desc, &lin);
	if (r == 1)
		return ts_fault(c, TS_VECTOR, err);
	if (r == -EAGAIN)
		return VMON_TS_FAULT;	/* #PF on the descriptor table */
	if (r)
		return r;
	ts_desc_to_seg(desc, sel, &n);

	switch (seg) {
	case VCPU_SREG_LDTR:
		if (n.s || n.type != DESC_LDT || !n.present)
			return ts_fault(c, TS_VECTOR, err);
		break;
	case VCPU_SREG_CS:
		if (!n.s || !(n.type & 8))
			return ts_fault(c, TS_VECTOR, err);
		/* Conforming: DPL <= CPL; otherwise DPL == CPL. */
		if ((n.type & 4) ? n.dpl > cpl : n.dpl != cpl)
			return ts_fault(c, TS_VECTOR, err);
		if (!n.present)
			return ts_fault(c, NP_VECTOR, err);
		break;
	case VCPU_SREG_SS:
		/* A writable data segment with RPL = DPL = CPL. */
		if (!n.s || (n.type & 0xa) != 2 || rpl != cpl || n.dpl != cpl)
			return ts_fault(c, TS_VECTOR, err);
		if (!n.present)
			return ts_fault(c, SS_VECTOR, err);
		break;
	default:
		/* Data or readable code; DPL >= CPL, RPL unless conforming. */
		if (!n.s || (n.type & 0xa) == 8)
			return ts_fault(c, TS_VECTOR, err);
		if ((n.type & 0xc) != 0xc && (rpl > n.dpl || cpl > n.dpl))
			return ts_fault(c, TS_VECTOR, err);
		if (!n.present)
			return ts_fault(c, NP_VECTOR, err);
		break;
	}
	if (n.s && !(n.type & 1)) {
		u8 type_byte = (desc >> 40) | 1;

		n.type |= 1;
		r = ts_copy(c, lin + 5, &type_byte, 1, true, false);
		if (r)
			return r;
	}
	*d = n;
	return 0;
}

/* Set or clear the busy bit of the TSS descriptor @sel names (GDT). */
static int ts_set_busy(struct ts_ctx *c, u16 sel, bool busy)
{
	u32 lin;
	u64 desc;
	u8 type_byte;
	int r;

	r = ts_read_desc(c, sel, &desc, &lin);
	if (r == 1)
		return 0;	/* not in the GDT (TR as reset left it) */
	if (r)
		return r == -EAGAIN ? -EFAULT : r;
	type_byte = desc >> 40;
	if (busy)
		type_byte |= DESC_TSS_BUSY;
	else
		type_byte &= ~DESC_TSS_BUSY;
	return ts_copy(c, lin + 5, &type_byte, 1, true, false);
}

static u32 ts_get32(const u8 *b, int off)
{
	return get_unaligned_le32(b + off);
}

static u16 ts_get16(const u8 *b, int off)
{
	return get_unaligned_le16(b + off);
}

/* Push the error code of a task-gated exception on the new stack. */
static int ts_push_error(struct ts_ctx *c, u32 error, int size)
{
	struct vmon_vcpu *vcpu = c->vcpu;
	struct kvm_segment *ss = &c->s.ss;
	u64 mask = ss->db ? 0xffffffffULL : 0xffffULL;
	u64 sp = (vcpu->regs[VMON_RSP] - size) & mask;
	u8 buf[4];
	int r;

	/* Expand-up stack: the whole push inside the limit. */
	if (!(ss->type & 4) && sp + size - 1 > ss->limit)
		return ts_fault(c, SS_VECTOR, 0);
	put_unaligned_le32(error, buf);
	r = ts_copy(c, (u32)(ss->base + sp), buf, size, true, false);
	if (r)
		return r;
	vcpu->regs[VMON_RSP] = (vcpu->regs[VMON_RSP] & ~mask) | sp;
	return 0;
}

/* The event that reached the task gate is delivered now: drop it. */
static void ts_consume_event(struct vmon_vcpu *vcpu,
			     const struct vmon_event *ev)
{
	switch (ev->type) {
	case VMON_EV_NMI:
		vcpu->ev.nmi_injected = false;
		/* NMIs are blocked until the NMI task's IRET. */
		vmon_ops->set_nmi_mask(vcpu, true);
		break;
	case VMON_EV_EXTINT:
	case VMON_EV_SOFT_INT:
		vcpu->ev.irq_injected = false;
		break;
	case VMON_EV_EXCEPTION:
	case VMON_EV_SOFT_EXC:
		vcpu->ev.exc_injected = false;
		break;
	}
}

static int ts_switch(struct ts_ctx *c, const struct vmon_task_switch *ts)
{
	static const int load_order[] = {
		VCPU_SREG_ES, VCPU_SREG_CS, VCPU_SREG_SS, VCPU_SREG_DS,
		VCPU_SREG_FS, VCPU_SREG_GS,
	};
	struct vmon_vcpu *vcpu = c->vcpu;
	bool iret = ts->reason == VMON_TS_IRET;
	bool nest = ts->reason == VMON_TS_CALL || ts->reason == VMON_TS_GATE;
	u16 sel = ts->selector, old_sel = c->s.tr.selector;
	u32 old_base = c->s.tr.base, min, lin, old_eflags;
	u8 old[TSS32_MIN], new[TSS32_MIN];
	struct kvm_segment tr;
	bool is32, old32, vm86 = false;
	u16 segs[6], ldt;
	int i, r, cpl, nsegs;
	u64 desc;

	/* The new TSS descriptor: in the GDT, a TSS, busy iff IRET. */
	if (sel & 4)
		return ts_fault(c, iret ? TS_VECTOR : GP_VECTOR, sel & 0xfffc);
	r = ts_read_desc(c, sel, &desc, &lin);
	if (r == 1)
		return ts_fault(c, iret ? TS_VECTOR : GP_VECTOR, sel & 0xfffc);
	if (r == -EAGAIN)
		return VMON_TS_FAULT;
	if (r)
		return r;
	ts_desc_to_seg(desc, sel, &tr);
	if (tr.s || (tr.type & 5) != 1)
		return ts_fault(c, iret ? TS_VECTOR : GP_VECTOR, sel & 0xfffc);
	if (!!(tr.type & DESC_TSS_BUSY) != iret)
		return ts_fault(c, iret ? TS_VECTOR : GP_VECTOR, sel & 0xfffc);
	if (!tr.present)
		return ts_fault(c, NP_VECTOR, sel & 0xfffc);
	is32 = tr.type & 8;
	min = is32 ? TSS32_MIN : TSS16_MIN;
	if (tr.limit < min - 1)
		return ts_fault(c, TS_VECTOR, sel & 0xfffc);

	/* The old TSS must hold the state that is saved into it. */
	old32 = c->s.tr.type & 8;
	if (c->s.tr.limit < (old32 ? TSS32_MIN : TSS16_MIN) - 1)
		return ts_fault(c, TS_VECTOR, old_sel & 0xfffc);

	/* Everything that can fault in the old task, before any write. */
	r = ts_copy(c, old_base, old, old32 ? TSS32_MIN : TSS16_MIN, false,
		    false);
	if (!r)
		r = ts_copy(c, old_base, NULL, old32 ? TSS32_MIN : TSS16_MIN,
			    true, true);
	if (!r)
		r = ts_copy(c, tr.base, new, min, false, false);
	if (!r && nest)
		r = ts_copy(c, tr.base, NULL, 2, true, true);
	if (r)
		return r;

	/* Commit: from here on a fault belongs to the new task. */
	if (ts->reason == VMON_TS_JMP || iret) {
		r = ts_set_busy(c, old_sel, false);
		if (r)
			return r;
	}
	old_eflags = vcpu->rflags;
	if (iret)
		old_eflags &= ~X86_EFLAGS_NT;
	if (old32) {
		put_unaligned_le32(ts->next_rip, old + TSS32_EIP);
		put_unaligned_le32(old_eflags, old + TSS32_EFLAGS);
		for (i = 0; i < 8; i++)
			put_unaligned_le32(vcpu->regs[i], old + TSS32_EAX + 4 * i);
		put_unaligned_le16(c->s.es.selector, old + TSS32_ES);
		put_unaligned_le16(c->s.cs.selector, old + TSS32_ES + 4);
		put_unaligned_le16(c->s.ss.selector, old + TSS32_ES + 8);
		put_unaligned_le16(c->s.ds.selector, old + TSS32_ES + 12);
		put_unaligned_le16(c->s.fs.selector, old + TSS32_ES + 16);
		put_unaligned_le16(c->s.gs.selector, old + TSS32_ES + 20);
		r = ts_copy(c, old_base + TSS32_EIP, old + TSS32_EIP,
			    TSS32_LDT - TSS32_EIP, true, false);
	} else {
		put_unaligned_le16(ts->next_rip, old + TSS16_IP);
		put_unaligned_le16(old_eflags, old + TSS16_FLAGS);
		for (i = 0; i < 8; i++)
			put_unaligned_le16(vcpu->regs[i], old + TSS16_AX + 2 * i);
		put_unaligned_le16(c->s.es.selector, old + TSS16_ES);
		put_unaligned_le16(c->s.cs.selector, old + TSS16_ES + 2);
		put_unaligned_le16(c->s.ss.selector, old + TSS16_ES + 4);
		put_unaligned_le16(c->s.ds.selector, old + TSS16_ES + 6);
		r = ts_copy(c, old_base + TSS16_IP, old + TSS16_IP,
			    TSS16_LDT - TSS16_IP, true, false);
	}
	if (r)
		return r == VMON_TS_FAULT ? -EFAULT : r;	/* probed */
	if (nest) {
		put_unaligned_le16(old_sel, new + TSS32_LINK);
		r = ts_copy(c, tr.base, new, 2, true, false);
		if (r)
			return r == VMON_TS_FAULT ? -EFAULT : r;
		r = ts_set_busy(c, sel, true);
		if (r)
			return r;
		tr.type |= DESC_TSS_BUSY;
	} else if (!iret) {
		r = ts_set_busy(c, sel, true);
		if (r)
			return r;
		tr.type |= DESC_TSS_BUSY;
	}
	c->committed = true;
	if (ts->via)
		ts_consume_event(vcpu, ts->via);
	/* IRET ends NMI blocking, also when it switches tasks. */
	if (iret)
		vmon_ops->set_nmi_mask(vcpu, false);

	c->s.tr = tr;
	c->s.cr0 |= X86_CR0_TS;

	/* The new task's registers. */
	if (is32) {
		vcpu->rip = ts_get32(new, TSS32_EIP);
		vcpu->rflags = ts_get32(new, TSS32_EFLAGS) | X86_EFLAGS_FIXED;
		for (i = 0; i < 8; i++)
			vcpu->regs[i] = ts_get32(new, TSS32_EAX + 4 * i);
		for (i = 0; i < 6; i++)
			segs[i] = ts_get16(new, TSS32_ES + 4 * i);
		ldt = ts_get16(new, TSS32_LDT);
		c->s.cr3 = ts_get32(new, TSS32_CR3);
		vm86 = vcpu->rflags & X86_EFLAGS_VM;
		nsegs = 6;
	} else {
		vcpu->rip = ts_get16(new, TSS16_IP);
		vcpu->rflags = ts_get16(new, TSS16_FLAGS) | X86_EFLAGS_FIXED;
		for (i = 0; i < 8; i++)
			vcpu->regs[i] = ts_get16(new, TSS16_AX + 2 * i);
		for (i = 0; i < 4; i++)
			segs[i] = ts_get16(new, TSS16_ES + 2 * i);
		ldt = ts_get16(new, TSS16_LDT);
		nsegs = 4;
	}
	if (nest)
		vcpu->rflags |= X86_EFLAGS_NT;

	/*
	 * Selectors first, then descriptors: a fault while loading leaves
	 * the new selectors over the old descriptors, in the new task.
	 */
	c->s.ldt.selector = ldt;
	for (i = 0; i < nsegs; i++)
		ts_seg(c, load_order[i])->selector = segs[i];
	cpl = vm86 ? 3 : segs[1] & 3;
	r = ts_load_seg(c, VCPU_SREG_LDTR, ldt, cpl);
	for (i = 0; !r && i < nsegs; i++) {
		if (vm86)
			ts_load_vm86(c, load_order[i], segs[i]);
		else
			r = ts_load_seg(c, load_order[i], segs[i], cpl);
	}
	if (!r && ts->has_error)
		r = ts_push_error(c, ts->error_code, is32 ? 4 : 2);
	return r;
}

int vmon_task_switch(struct vmon_vcpu *vcpu, const struct vmon_task_switch *ts)
{
	struct ts_ctx *c;
	u64 data[4];
	int idx, r;

	c = kzalloc(sizeof(*c), GFP_KERNEL_ACCOUNT);
	if (!c)
		return -ENOMEM;
	c->vcpu = vcpu;
	vmon_ops->get_sregs(vcpu, &c->s);
	c->walk.cr0 = c->s.cr0;
	c->walk.cr3 = c->s.cr3;
	c->walk.cr4 = c->s.cr4;
	c->walk.efer = c->s.efer;
	c->walk.read_gpa = ts_read_gpa;
	c->walk.opaque = vcpu->vm;
	c->walk.maxphyaddr = vmon_guest_maxphyaddr(vcpu);

	/* Long mode has no hardware task switch (the CPU raised #GP). */
	if ((c->s.efer & EFER_LMA) || !(c->s.cr0 & X86_CR0_PE) ||
	    ts->reason > VMON_TS_GATE) {
		r = -EINVAL;
		goto out;
	}
	idx = srcu_read_lock(&vcpu->vm->srcu);
	r = ts_switch(c, ts);
	srcu_read_unlock(&vcpu->vm->srcu, idx);
	if (r < 0)
		goto out;
	vmon_regs_invalidate(vcpu);
	if (c->committed) {
		if (r == VMON_TS_FAULT && c->vector == PF_VECTOR)
			c->s.cr2 = c->cr2;
		if (vmon_ops->set_sregs(vcpu, &c->s)) {
			r = -EINVAL;
			goto out;
		}
	} else if (r == VMON_TS_FAULT && c->vector == PF_VECTOR) {
		struct kvm_sregs *s = &c->s;

		/* Nothing changed; only CR2 for the #PF. */
		vmon_ops->get_sregs(vcpu, s);
		s->cr2 = c->cr2;
		vmon_ops->set_sregs(vcpu, s);
	}
	if (r == VMON_TS_FAULT)
		vmon_queue_exception(vcpu, c->vector,
				     vmon_exception_has_error(c->vector),
				     c->error);
	r = 1;
out:
	if (r < 0) {
		data[0] = ts->selector;
		data[1] = ts->reason;
		data[2] = vcpu->rip;
		data[3] = -r;
		pr_warn_ratelimited("vmon: cannot emulate a task switch to %#x (reason %u) at rip %llx: %d\n",
				    ts->selector, ts->reason, vcpu->rip, r);
		r = vmon_exit_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION,
					     4, data);
	}
	kfree(c);
	return r;
}
