// SPDX-License-Identifier: GPL-2.0
/*
 * Emulation done by the core on behalf of both backends: fetching and
 * skipping instructions, port I/O (including INS/OUTS), and MMIO accesses
 * decoded from the faulting instruction. Each exit that needs userspace's
 * answer records what is pending in vcpu->pending; the next KVM_RUN
 * finishes it before re-entering (vmon_complete_*), as KVM does.
 */
#include <linux/kvm_para.h>
#include <linux/mm.h>
#include <asm/kvm_host.h>
#include "vmon.h"
#include "insn.h"
#include "gwalk.h"

static int vmon_gwalk_read(void *opaque, u64 gpa, void *buf, unsigned int len)
{
	return vmon_read_guest(opaque, gpa, buf, len) ? -EIO : 0;
}

int vmon_gva_to_gpa(struct vmon_vcpu *vcpu, u64 gva, bool write, u64 *gpa)
{
	struct vmon_gwalk_ctx ctx = {
		.cr0 = vmon_get_cr(vcpu, 0),
		.cr3 = vmon_get_cr(vcpu, 3),
		.cr4 = vmon_get_cr(vcpu, 4),
		.efer = vmon_get_efer(vcpu),
		.read_gpa = vmon_gwalk_read,
		.opaque = vcpu->vm,
	};
	u32 access = write ? VMON_PF_WRITE : 0;
	u32 pf;

	/* The host reads guest memory for it: VMX's cond L1D flush is due. */
	vcpu->l1tf_flush_l1d = true;
	if (vmon_get_cpl(vcpu) == 3)
		access |= VMON_PF_USER;
	return vmon_gwalk(&ctx, gva, access, gpa, &pf);
}

/* Copy between a kernel buffer and guest-linear memory, page by page. */
static int vmon_copy_gva(struct vmon_vcpu *vcpu, u64 gva, void *buf,
			 unsigned int len, bool write)
{
	while (len) {
		unsigned int n = min_t(unsigned int, len,
				       PAGE_SIZE - offset_in_page(gva));
		u64 gpa;
		int r;

		r = vmon_gva_to_gpa(vcpu, gva, write, &gpa);
		if (r)
			return r;
		r = write ? vmon_write_guest(vcpu->vm, gpa, buf, n) :
			    vmon_read_guest(vcpu->vm, gpa, buf, n);
		if (r)
			return r;
		gva += n;
		buf += n;
		len -= n;
	}
	return 0;
}

/*
 * Returns the number of bytes fetched at CS:RIP (up to @len, stopping at
 * the first unreadable page), or a negative errno if none could be read.
 */
int vmon_fetch_insn(struct vmon_vcpu *vcpu, u8 *buf, unsigned int len)
{
	u64 lin = vmon_get_cs_base(vcpu) + vcpu->rip;
	unsigned int got = 0;
	int idx, r = 0;

	if (vmon_cpu_mode(vcpu) != 64)
		lin = (u32)lin;
	idx = srcu_read_lock(&vcpu->vm->srcu);
	while (got < len) {
		unsigned int n = min_t(unsigned int, len - got,
				       PAGE_SIZE - offset_in_page(lin + got));

		r = vmon_copy_gva(vcpu, lin + got, buf + got, n, false);
		if (r)
			break;
		got += n;
	}
	srcu_read_unlock(&vcpu->vm->srcu, idx);
	return got ? got : r;
}

static int vmon_emulation_failed(struct vmon_vcpu *vcpu, const u8 *bytes,
				 int n, u64 gpa);

/*
 * 1 with RIP past the instruction, or 0 when it could not be decoded (no
 * next_rip(): unmapped or unreadable page, bad page tables, bytes that
 * are no instruction): kvm_run then holds KVM_EXIT_INTERNAL_ERROR
 * (EMULATION), as after KVM's skip through its emulator (EMULTYPE_SKIP).
 */
int vmon_skip_emulated_insn(struct vmon_vcpu *vcpu)
{
	u8 bytes[VMON_INSN_MAX_LEN];
	u64 next;
	int n, len;

	if (vmon_ops->next_rip && vmon_ops->next_rip(vcpu, &next)) {
		vcpu->rip = next;
		goto done;
	}
	n = vmon_fetch_insn(vcpu, bytes, sizeof(bytes));
	if (n <= 0)
		return vmon_emulation_failed(vcpu, NULL, 0, 0);
	len = vmon_insn_length(bytes, n, vmon_cpu_mode(vcpu));
	if (len <= 0)
		return vmon_emulation_failed(vcpu, bytes, n, 0);
	vcpu->rip = vmon_rip_advance(vcpu->rip, len, vmon_cpu_mode(vcpu));
done:
	vmon_insn_step_trap(vcpu);
	return 1;
}

/* KVM_EXIT_INTERNAL_ERROR for an instruction vmon cannot emulate. */
static int vmon_emulation_failed(struct vmon_vcpu *vcpu, const u8 *bytes,
				 int n, u64 gpa)
{
	u64 data[4] = { vcpu->rip, gpa, 0, 0 };

	if (n > 0)
		memcpy(&data[2], bytes, min(n, 16));
	pr_warn_ratelimited("vmon: cannot emulate instruction at rip %llx (gpa %llx)\n",
			    vcpu->rip, gpa);
	return vmon_exit_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION,
					4, data);
}

/* ------------------------------------------------------------------ */
/* Port I/O                                                            */

static u64 vmon_addr_mask(u8 addr_size)
{
	return addr_size == 8 ? ~0ULL : (1ULL << (addr_size * 8)) - 1;
}

/* Write a string-instruction index register with address-size rules. */
static void vmon_write_index(struct vmon_vcpu *vcpu, int reg, u8 addr_size,
			     u64 val)
{
	if (addr_size == 2)
		vcpu->regs[reg] = (vcpu->regs[reg] & ~0xffffULL) |
				  (val & 0xffff);
	else if (addr_size == 4)
		vcpu->regs[reg] = (u32)val;
	else
		vcpu->regs[reg] = val;
}

/*
 * After @count elements of a string I/O instruction: step the index
 * register and RCX; RIP moves on only when the instruction is done, so a
 * REP form with work left re-executes and exits again.
 */
static void vmon_string_io_advance(struct vmon_vcpu *vcpu, int index_reg,
				   u8 addr_size, bool rep, u32 count, u8 size,
				   bool df, u64 next_rip)
{
	u64 mask = vmon_addr_mask(addr_size);
	u64 delta = (u64)count * size;
	u64 idx = vcpu->regs[index_reg] & mask;

	vmon_write_index(vcpu, index_reg, addr_size,
			 df ? idx - delta : idx + delta);
	if (rep) {
		u64 rcx = (vcpu->regs[VMON_RCX] & mask) - count;

		vmon_write_index(vcpu, VMON_RCX, addr_size, rcx);
		if (rcx & mask)
			return;
	}
	vcpu->rip = next_rip;
	vmon_insn_step_trap(vcpu);
}

/* In 64-bit mode only FS and GS have a base; the others are flat. */
static u64 vmon_string_io_base(struct vmon_vcpu *vcpu, int seg)
{
	if (vmon_cpu_mode(vcpu) == 64 &&
	    seg != VCPU_SREG_FS && seg != VCPU_SREG_GS)
		return 0;
	return vmon_ops->get_seg_base(vcpu, seg);
}

static void vmon_fill_io_exit(struct vmon_vcpu *vcpu,
			      const struct vmon_io_exit *io, u32 count)
{
	struct kvm_run *run = vcpu->run;

	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = io->in ? KVM_EXIT_IO_IN : KVM_EXIT_IO_OUT;
	run->io.size = io->size;
	run->io.port = io->port;
	run->io.count = count;
	run->io.data_offset = VMON_PIO_PAGE_OFFSET * PAGE_SIZE;
	vcpu->stat.io_exits++;
}

static int vmon_handle_string_io(struct vmon_vcpu *vcpu,
				 const struct vmon_io_exit *io)
{
	u64 mask = vmon_addr_mask(io->addr_size);
	bool df = vcpu->rflags & X86_EFLAGS_DF;
	u32 count = 1;
	u64 lin;
	int r, idx;

	if (io->rep && !(vcpu->regs[VMON_RCX] & mask)) {
		vcpu->rip = io->next_rip;	/* REP with RCX == 0: no-op */
		vmon_insn_step_trap(vcpu);
		return 1;
	}

	if (!io->in) {
		/* OUTS: one element per exit, as KVM's emulator does. */
		int seg = io->seg;

		/*
		 * Without decode assists, read the override prefix ourselves;
		 * bytes that cannot be fetched are an emulation failure, not
		 * a guess at DS.
		 */
		if (seg < 0) {
			u8 bytes[VMON_INSN_MAX_LEN];
			int n = vmon_fetch_insn(vcpu, bytes, sizeof(bytes));

			if (n <= 0)
				return vmon_emulation_failed(vcpu, NULL, 0, 0);
			seg = vmon_insn_seg_override(bytes, n,
						     vmon_cpu_mode(vcpu));
		}
		lin = vmon_string_io_base(vcpu, seg >= 0 ? seg : VCPU_SREG_DS) +
		      (vcpu->regs[VMON_RSI] & mask);
		if (vmon_cpu_mode(vcpu) != 64)
			lin = (u32)lin;
		idx = srcu_read_lock(&vcpu->vm->srcu);
		r = vmon_copy_gva(vcpu, lin, vcpu->pio_data, io->size, false);
		srcu_read_unlock(&vcpu->vm->srcu, idx);
		if (r)
			return vmon_emulation_failed(vcpu, NULL, 0, lin);
		vmon_string_io_advance(vcpu, VMON_RSI, io->addr_size, io->rep,
				       1, io->size, df, io->next_rip);
		vmon_fill_io_exit(vcpu, io, 1);
		return 0;
	}

	/*
	 * INS: read ahead as many elements as fit in the destination page
	 * (KVM does the same), delivered to ES:RDI when userspace answers.
	 */
	lin = vmon_string_io_base(vcpu, VCPU_SREG_ES) +
	      (vcpu->regs[VMON_RDI] & mask);
	if (vmon_cpu_mode(vcpu) != 64)
		lin = (u32)lin;
	if (io->rep) {
		u64 in_page = df ? offset_in_page(lin) + io->size :
				   PAGE_SIZE - offset_in_page(lin);
		u64 n = min3(vcpu->regs[VMON_RCX] & mask,
			     in_page / io->size, 1024ULL / io->size);

		count = max_t(u64, n, 1);
	}
	vcpu->pio.string = true;
	vcpu->pio.rep = io->rep;
	vcpu->pio.size = io->size;
	vcpu->pio.count = count;
	vcpu->pio.next_rip = io->next_rip;
	vcpu->pio.gva = lin;
	vcpu->pio.df = df;
	vcpu->pio.addr_size = io->addr_size;
	vcpu->pending = VMON_PENDING_PIO_IN;
	vmon_fill_io_exit(vcpu, io, count);
	return 0;
}

int vmon_handle_io(struct vmon_vcpu *vcpu, const struct vmon_io_exit *io)
{
	if (io->string)
		return vmon_handle_string_io(vcpu, io);
	vcpu->pio.insn_rip = vcpu->rip;

	if (io->in) {
		vcpu->pio.string = false;
		vcpu->pio.size = io->size;
		vcpu->pio.count = 1;
		vcpu->pio.next_rip = io->next_rip;
		/* An in-kernel device (PIC, ELCR) answers without an exit. */
		if (vmon_kernel_pio(vcpu, io->port, true, io->size,
				    vcpu->pio_data))
			return vmon_complete_pio_in(vcpu);
		vcpu->pending = VMON_PENDING_PIO_IN;
	} else {
		/*
		 * Like KVM's fast PIO path, RIP stays on the OUT until the
		 * next KVM_RUN: userspace sees the instruction that exited.
		 */
		memcpy(vcpu->pio_data, &vcpu->regs[VMON_RAX], io->size);
		vcpu->pio.next_rip = io->next_rip;
		if (vmon_kernel_pio(vcpu, io->port, false, io->size,
				    vcpu->pio_data))
			return vmon_complete_pio_out(vcpu);
		vcpu->pending = VMON_PENDING_PIO_OUT;
	}
	vmon_fill_io_exit(vcpu, io, 1);
	return 0;
}

/*
 * Userspace moved RIP (KVM_SET_REGS) while it had the exit: the IN/OUT
 * is abandoned, as in KVM (complete_fast_pio_in/out check the RIP).
 */
static bool vmon_pio_abandoned(struct vmon_vcpu *vcpu)
{
	return vcpu->rip != vcpu->pio.insn_rip;
}

int vmon_complete_pio_out(struct vmon_vcpu *vcpu)
{
	if (vmon_pio_abandoned(vcpu))
		return 1;
	vcpu->rip = vcpu->pio.next_rip;
	vmon_insn_step_trap(vcpu);
	return 1;
}

int vmon_complete_pio_in(struct vmon_vcpu *vcpu)
{
	u8 size = vcpu->pio.size;
	u32 count;
	int r, idx, i;

	if (!vcpu->pio.string) {
		u64 val = 0;

		if (vmon_pio_abandoned(vcpu))
			return 1;

		memcpy(&val, vcpu->pio_data, size);
		/* 8/16-bit IN merge into RAX; 32-bit IN zero-extends. */
		if (size < 4)
			val |= vcpu->regs[VMON_RAX] & ~((1ULL << (size * 8)) - 1);
		vcpu->regs[VMON_RAX] = val;
		vcpu->rip = vcpu->pio.next_rip;
		vmon_insn_step_trap(vcpu);
		return 1;
	}

	/*
	 * Userspace may have changed RCX while it had the exit: as in KVM,
	 * only the elements RCX still asks for are stored, the rest of the
	 * read-ahead is dropped, and the instruction goes on (or ends) from
	 * the new RCX.
	 */
	count = vcpu->pio.count;
	if (vcpu->pio.rep)
		count = min_t(u64, count, vcpu->regs[VMON_RCX] &
				   vmon_addr_mask(vcpu->pio.addr_size));
	idx = srcu_read_lock(&vcpu->vm->srcu);
	if (!count) {
		r = 0;
	} else if (!vcpu->pio.df) {
		r = vmon_copy_gva(vcpu, vcpu->pio.gva, vcpu->pio_data,
				  count * size, true);
	} else {
		r = 0;
		for (i = 0; i < count && !r; i++)
			r = vmon_copy_gva(vcpu, vcpu->pio.gva - (u64)i * size,
					  vcpu->pio_data + i * size, size,
					  true);
	}
	srcu_read_unlock(&vcpu->vm->srcu, idx);
	if (r)
		return vmon_emulation_failed(vcpu, NULL, 0, vcpu->pio.gva);
	vmon_string_io_advance(vcpu, VMON_RDI, vcpu->pio.addr_size,
			       vcpu->pio.rep, count, size,
			       vcpu->pio.df, vcpu->pio.next_rip);
	return 1;
}

/* ------------------------------------------------------------------ */
/* MMIO                                                                */

/*
 * A write of @size bytes of @val at @gpa: an in-kernel device takes it
 * (1: go on), or it is a KVM_EXIT_MMIO write (0). The instruction has
 * retired already: a write is complete once a device has seen it.
 */
static int vmon_mmio_write(struct vmon_vcpu *vcpu, u64 gpa, u64 val,
			   unsigned int size)
{
	struct kvm_run *run = vcpu->run;

	memset(run->mmio.data, 0, sizeof(run->mmio.data));
	memcpy(run->mmio.data, &val, size);
	if (vmon_kernel_mmio(vcpu, gpa, true, size, run->mmio.data))
		return 1;
	vcpu->stat.mmio_exits++;
	run->exit_reason = KVM_EXIT_MMIO;
	run->mmio.phys_addr = gpa;
	run->mmio.len = size;
	run->mmio.is_write = 1;
	return 0;
}

/*
 * STOS to MMIO: one element per exit, as KVM's emulator does. RDI (and
 * RCX for REP) step now; RIP stays while REP has work left, so the guest
 * re-executes the instruction and the CPU takes the next element (RAM or
 * another exit).
 */
static int vmon_mmio_stos(struct vmon_vcpu *vcpu, u64 gpa,
			  const struct vmon_mmio_insn *insn)
{
	u64 mask = vmon_addr_mask(insn->addr_size);

	if (insn->rep && !(vcpu->regs[VMON_RCX] & mask)) {
		vcpu->rip = vcpu->mmio.next_rip;	/* nothing to store */
		vmon_insn_step_trap(vcpu);
		return 1;
	}
	vmon_string_io_advance(vcpu, VMON_RDI, insn->addr_size, insn->rep, 1,
			       insn->size, vcpu->rflags & X86_EFLAGS_DF,
			       vcpu->mmio.next_rip);
	return vmon_mmio_write(vcpu, gpa, vcpu->regs[VMON_RAX], insn->size);
}

/* MOVS stepped one element: RSI here, RDI, RCX and RIP as for STOS. */
static void vmon_movs_advance(struct vmon_vcpu *vcpu,
			      const struct vmon_mmio_insn *insn)
{
	u64 idx = vcpu->regs[VMON_RSI] & vmon_addr_mask(insn->addr_size);
	bool df = vcpu->rflags & X86_EFLAGS_DF;

	vmon_write_index(vcpu, VMON_RSI, insn->addr_size,
			 df ? idx - insn->size : idx + insn->size);
	vmon_string_io_advance(vcpu, VMON_RDI, insn->addr_size, insn->rep, 1,
			       insn->size, df, vcpu->mmio.next_rip);
}

/* A string operand's linear address: @seg base plus the index register. */
static u64 vmon_string_lin(struct vmon_vcpu *vcpu, int seg, int reg,
			   unsigned int addr_size)
{
	u64 lin = vmon_string_io_base(vcpu, seg) +
		  (vcpu->regs[reg] & vmon_addr_mask(addr_size));

	return vmon_ops->get_cpu_mode(vcpu) == 64 ? lin : (u32)lin;
}

static bool vmon_gpa_is_ram(struct vmon_vcpu *vcpu, u64 gpa, bool write)
{
	struct vmon_memslot *m = vmon_gfn_to_memslot(vcpu->vm,
						     gpa >> PAGE_SHIFT);

	return m && !(write && (m->flags & KVM_MEM_READONLY));
}

/*
 * MOVS with MMIO on either side (or both): one element per exit, as KVM.
 * An MMIO source is a read exit whose completion stores the element (to
 * RAM, or as a write exit); a RAM source is read here and the element
 * is a write exit. Both indexes, RCX and RIP step as for STOS.
 */
static int vmon_mmio_movs(struct vmon_vcpu *vcpu, u64 gpa,
			  const struct vmon_mmio_insn *insn)
{
	struct kvm_run *run = vcpu->run;
	u64 mask = vmon_addr_mask(insn->addr_size), src, dst, sgpa, dgpa;
	u64 val = 0;
	bool src_ram = false, dst_ram = false;
	int r, idx;

	if (insn->rep && !(vcpu->regs[VMON_RCX] & mask)) {
		vcpu->rip = vcpu->mmio.next_rip;	/* nothing to move */
		vmon_insn_step_trap(vcpu);
		return 1;
	}
	src = vmon_string_lin(vcpu, insn->seg >= 0 ? insn->seg : VCPU_SREG_DS,
			      VMON_RSI, insn->addr_size);
	dst = vmon_string_lin(vcpu, VCPU_SREG_ES, VMON_RDI, insn->addr_size);
	idx = srcu_read_lock(&vcpu->vm->srcu);
	r = vmon_gva_to_gpa(vcpu, src, false, &sgpa);
	if (!r)
		r = vmon_gva_to_gpa(vcpu, dst, true, &dgpa);
	if (!r) {
		src_ram = vmon_gpa_is_ram(vcpu, sgpa, false);
		dst_ram = vmon_gpa_is_ram(vcpu, dgpa, true);
		if (src_ram)
			r = vmon_read_guest(vcpu->vm, sgpa, &val, insn->size);
	}
	srcu_read_unlock(&vcpu->vm->srcu, idx);
	/* An element that crosses a page, or no MMIO at all: give up. */
	if (r || (src_ram && dst_ram) ||
	    offset_in_page(sgpa) + insn->size > PAGE_SIZE ||
	    offset_in_page(dgpa) + insn->size > PAGE_SIZE)
		return vmon_emulation_failed(vcpu, NULL, 0, gpa);

	vcpu->mmio.dst_gpa = dgpa;
	vcpu->mmio.dst_mmio = !dst_ram;
	if (src_ram) {
		vmon_movs_advance(vcpu, insn);
		return vmon_mmio_write(vcpu, dgpa, val, insn->size);
	}
	vcpu->mmio.gpa = sgpa;
	memset(run->mmio.data, 0, sizeof(run->mmio.data));
	if (vmon_kernel_mmio(vcpu, sgpa, false, insn->size, run->mmio.data))
		return vmon_complete_mmio_read(vcpu);
	vcpu->pending = VMON_PENDING_MMIO_READ;
	vcpu->stat.mmio_exits++;
	run->exit_reason = KVM_EXIT_MMIO;
	run->mmio.phys_addr = sgpa;
	run->mmio.len = insn->size;
	run->mmio.is_write = 0;
	return 0;
}

/* MOVS from MMIO: the element read goes to ES:RDI. */
static int vmon_complete_movs(struct vmon_vcpu *vcpu, u64 data)
{
	const struct vmon_mmio_insn *insn = &vcpu->mmio.insn;
	int r, idx;

	vmon_movs_advance(vcpu, insn);
	if (vcpu->mmio.dst_mmio)
		return vmon_mmio_write(vcpu, vcpu->mmio.dst_gpa, data,
				       insn->size);
	idx = srcu_read_lock(&vcpu->vm->srcu);
	r = vmon_write_guest(vcpu->vm, vcpu->mmio.dst_gpa, &data, insn->size);
	srcu_read_unlock(&vcpu->vm->srcu, idx);
	if (r)
		return vmon_emulation_failed(vcpu, NULL, 0,
					     vcpu->mmio.dst_gpa);
	return 1;
}

/*
 * An access to a gpa with no memslot (or a write to a read-only one).
 * A LOAD and a read-modify-write (VMON_INSN_RMW) start with a read: an
 * in-kernel device answers it at once, or it is a KVM_EXIT_MMIO read
 * whose data the next KVM_RUN takes (vmon_complete_mmio_read). An RMW
 * that writes then makes a second exit, the write, as KVM's emulator
 * does; stores are one write exit.
 */
int vmon_emulate_mmio(struct vmon_vcpu *vcpu, u64 gpa, bool exec)
{
	struct kvm_run *run = vcpu->run;
	struct vmon_mmio_insn *insn = &vcpu->mmio.insn;
	u8 bytes[VMON_INSN_MAX_LEN];
	int n = 0, mode;

	if (exec)	/* executing from a hole: nothing sensible to do */
		return vmon_emulation_failed(vcpu, NULL, 0, gpa);

	/* Decode assists hand us the bytes; otherwise walk the guest's tables. */
	if (vmon_ops->insn_bytes)
		n = vmon_ops->insn_bytes(vcpu, bytes, sizeof(bytes));
	if (n <= 0)
		n = vmon_fetch_insn(vcpu, bytes, sizeof(bytes));
	if (n <= 0)
		return vmon_emulation_failed(vcpu, NULL, 0, gpa);
	mode = vmon_cpu_mode(vcpu);
	if (vmon_decode_mmio(bytes, n, mode, insn))
		return vmon_emulation_failed(vcpu, bytes, n, gpa);

	vcpu->mmio.gpa = gpa;
	vcpu->mmio.insn_rip = vcpu->rip;
	vcpu->mmio.next_rip = vmon_rip_advance(vcpu->rip, insn->len, mode);

	switch (insn->kind) {
	case VMON_INSN_LOAD:
	case VMON_INSN_RMW:
		memset(run->mmio.data, 0, sizeof(run->mmio.data));
		/* The LAPIC page, the IOAPIC: answered in the kernel. */
		if (vmon_kernel_mmio(vcpu, gpa, false, insn->size,
				     run->mmio.data))
			return vmon_complete_mmio_read(vcpu);
		vcpu->pending = VMON_PENDING_MMIO_READ;
		vcpu->stat.mmio_exits++;
		run->exit_reason = KVM_EXIT_MMIO;
		run->mmio.phys_addr = gpa;
		run->mmio.len = insn->size;
		run->mmio.is_write = 0;
		return 0;
	case VMON_INSN_STOS:
		return vmon_mmio_stos(vcpu, gpa, insn);
	case VMON_INSN_MOVS:
		return vmon_mmio_movs(vcpu, gpa, insn);
	default:
		vcpu->rip = vcpu->mmio.next_rip;
		vmon_insn_step_trap(vcpu);
		return vmon_mmio_write(vcpu, gpa,
				       vmon_insn_store_value(insn, vcpu->regs),
				       insn->size);
	}
}

/*
 * The read data is in kvm_run->mmio.data: a LOAD writes its register; an
 * RMW computes (registers, flags) and, if it writes memory, goes on to
 * the write, which may be a second exit (0); MOVS stores the element.
 */
int vmon_complete_mmio_read(struct vmon_vcpu *vcpu)
{
	const struct vmon_mmio_insn *insn = &vcpu->mmio.insn;
	u64 data = 0, wval = 0;
	bool write = false;

	memcpy(&data, vcpu->run->mmio.data, insn->size);
	if (insn->kind == VMON_INSN_MOVS)
		return vmon_complete_movs(vcpu, data);
	if (insn->kind == VMON_INSN_LOAD)
		vmon_insn_apply_load(insn->reg, insn->high8, insn->size,
				     insn->dst_size, insn->sign_extend,
				     vcpu->regs, data);
	else
		write = vmon_insn_exec(insn, vcpu->regs, &vcpu->rflags, data,
				       &wval);
	vcpu->rip = vcpu->mmio.next_rip;
	vmon_insn_step_trap(vcpu);
	if (!write)
		return 1;
	return vmon_mmio_write(vcpu, vcpu->mmio.gpa, wval, insn->size);
}
