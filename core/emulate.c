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
 * Returns 0 with RIP past the instruction, or 1 when the instruction
 * could not be decoded (no next_rip(): unmapped or unreadable page, bad
 * page tables, bytes that are no instruction): kvm_run then holds
 * KVM_EXIT_INTERNAL_ERROR (EMULATION) and the caller's exit handler must
 * return 0, as KVM's skip through its emulator (EMULTYPE_SKIP) does.
 */
int vmon_skip_insn(struct vmon_vcpu *vcpu)
{
	u8 bytes[VMON_INSN_MAX_LEN];
	u64 next;
	int n, len;

	if (vmon_ops->next_rip && vmon_ops->next_rip(vcpu, &next)) {
		vcpu->rip = next;
		goto done;
	}
	n = vmon_fetch_insn(vcpu, bytes, sizeof(bytes));
	if (n <= 0) {
		vmon_emulation_failed(vcpu, NULL, 0, 0);
		return 1;
	}
	len = vmon_insn_length(bytes, n, vmon_cpu_mode(vcpu));
	if (len <= 0) {
		vmon_emulation_failed(vcpu, bytes, n, 0);
		return 1;
	}
	vcpu->rip += len;
	if (vmon_cpu_mode(vcpu) != 64)
		vcpu->rip = (u32)vcpu->rip;
done:
	vmon_insn_step_trap(vcpu);
	return 0;
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

		/* Without decode assists, read the override prefix ourselves. */
		if (seg < 0) {
			u8 bytes[VMON_INSN_MAX_LEN];
			int n = vmon_fetch_insn(vcpu, bytes, sizeof(bytes));

			if (n > 0)
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

int vmon_complete_pio_out(struct vmon_vcpu *vcpu)
{
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

int vmon_emulate_mmio(struct vmon_vcpu *vcpu, u64 gpa, bool exec)
{
	struct kvm_run *run = vcpu->run;
	struct vmon_mmio_insn insn;
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
	if (vmon_decode_mmio(bytes, n, mode, &insn))
		return vmon_emulation_failed(vcpu, bytes, n, gpa);

	memset(run->mmio.data, 0, sizeof(run->mmio.data));
	vcpu->mmio.next_rip = vcpu->rip + insn.len;
	if (mode != 64)
		vcpu->mmio.next_rip = (u32)vcpu->mmio.next_rip;

	if (insn.kind == VMON_INSN_LOAD) {
		vcpu->mmio.reg = insn.reg;
		vcpu->mmio.size = insn.size;
		vcpu->mmio.dst_size = insn.dst_size;
		vcpu->mmio.sign_extend = insn.sign_extend;
		vcpu->mmio.high8 = insn.high8;
		/* The LAPIC page, the IOAPIC: answered in the kernel. */
		if (vmon_kernel_mmio(vcpu, gpa, false, insn.size,
				     run->mmio.data))
			return vmon_complete_mmio_read(vcpu);
		run->mmio.is_write = 0;
		vcpu->pending = VMON_PENDING_MMIO_READ;
	} else {
		u64 val = insn.kind == VMON_INSN_STORE_IMM ? insn.imm :
			  vmon_insn_store_value(&insn, vcpu->regs);

		memcpy(run->mmio.data, &val, insn.size);
		/* A write is complete once a device has seen it. */
		vcpu->rip = vcpu->mmio.next_rip;
		vmon_insn_step_trap(vcpu);
		if (vmon_kernel_mmio(vcpu, gpa, true, insn.size,
				     run->mmio.data))
			return 1;
		run->mmio.is_write = 1;
	}
	vcpu->stat.mmio_exits++;
	run->exit_reason = KVM_EXIT_MMIO;
	run->mmio.phys_addr = gpa;
	run->mmio.len = insn.size;
	return 0;
}

int vmon_complete_mmio_read(struct vmon_vcpu *vcpu)
{
	u64 data = 0;

	memcpy(&data, vcpu->run->mmio.data, vcpu->mmio.size);
	vmon_insn_apply_load(vcpu->mmio.reg, vcpu->mmio.high8,
			     vcpu->mmio.size, vcpu->mmio.dst_size,
			     vcpu->mmio.sign_extend, vcpu->regs, data);
	vcpu->rip = vcpu->mmio.next_rip;
	vmon_insn_step_trap(vcpu);
	return 1;
}
