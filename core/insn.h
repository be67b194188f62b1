/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmon x86 instruction decoder for MMIO emulation and instruction skipping.
 * Pure logic: no kernel dependencies beyond <linux/types.h>, so the same
 * file is compiled into vmon.ko and into the host-side unit tests
 * (selftests/unit/), where a tiny shim provides the types.
 */
#ifndef VMON_INSN_H
#define VMON_INSN_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include "unit_shim.h"
#endif

#define VMON_INSN_MAX_LEN	15

enum vmon_insn_kind {
	VMON_INSN_LOAD,		/* memory -> register (MOV, MOVZX, MOVSX) */
	VMON_INSN_STORE_REG,	/* register -> memory */
	VMON_INSN_STORE_IMM,	/* immediate -> memory */
	VMON_INSN_RMW,		/* read, compute (op), maybe write back */
	VMON_INSN_STOS,		/* STOS: rAX -> ES:rDI, REP one per exit */
	VMON_INSN_MOVS,		/* MOVS: seg:rSI -> ES:rDI, one per exit */
};

/*
 * The operation of a VMON_INSN_RMW. The first eight follow the group-1
 * ModRM.reg numbering (80-83 /n and the 00-3B opcodes).
 */
enum vmon_alu_op {
	VMON_ALU_ADD, VMON_ALU_OR, VMON_ALU_ADC, VMON_ALU_SBB,
	VMON_ALU_AND, VMON_ALU_SUB, VMON_ALU_XOR, VMON_ALU_CMP,
	VMON_ALU_TEST, VMON_ALU_NOT, VMON_ALU_NEG, VMON_ALU_INC,
	VMON_ALU_DEC, VMON_ALU_BT, VMON_ALU_BTS, VMON_ALU_BTR,
	VMON_ALU_BTC, VMON_ALU_XCHG, VMON_ALU_CMPXCHG,
};

struct vmon_mmio_insn {
	enum vmon_insn_kind kind;
	unsigned int len;	/* total instruction length in bytes */
	unsigned int size;	/* memory access size: 1, 2, 4 or 8 */
	unsigned int dst_size;	/* LOAD: register write size (1,2,4,8) */
	bool sign_extend;	/* LOAD: MOVSX/MOVSXD */
	int reg;		/* GPR index 0..15 (LOAD dst / STORE_REG src) */
	bool high8;		/* reg is AH/CH/DH/BH (no REX, size 1) */
	u64 imm;		/* STORE_IMM value, sign-extended to 64 bits */
	int seg;		/* segment override 0..5 (ES,CS,SS,DS,FS,GS), -1 */
	enum vmon_alu_op op;	/* RMW: the operation */
	bool src_imm;		/* RMW: the source is imm, not reg */
	bool mem_dst;		/* RMW: memory is the destination */
	bool rep;		/* STOS/MOVS: F2/F3 prefix */
	unsigned int addr_size;	/* STOS/MOVS: address size (2, 4, 8) */
};

/*
 * Decode the instruction in @bytes (@avail valid bytes) executing in a
 * @mode-bit code segment (16, 32 or 64). Returns 0, -EINVAL for an
 * instruction that is not a supported MMIO access, or -EAGAIN when
 * @avail is too short.
 *
 * Supported, with a memory operand only: 88, 89, 8A, 8B (MOV), C6 /0,
 * C7 /0 (MOV imm; imm32 sign-extended with REX.W), A0-A3 (MOV moffs),
 * 0F B6/B7 (MOVZX), 0F BE/BF (MOVSX), 63 (MOVSXD, 64-bit mode only).
 * -EINVAL for: any other opcode; a register operand (mod 3); C6/C7 with
 * ModRM.reg != 0; LOCK (it raises #UD on MOV); F2/F3, except F3 on the
 * stores 88/89/C6/C7 (the XRELEASE hint, ignored without HLE); 66 63
 * without REX.W (Intel and AMD disagree on it); more than 15 bytes.
 * MOVSXD without REX.W is a plain 32-bit load. The last of several
 * segment overrides wins; in 64-bit mode ES/CS/SS/DS overrides are
 * ignored (seg stays -1 or the earlier FS/GS).
 *
 * VMON_INSN_RMW (what KVM's emulator does on MMIO, read exit then write
 * exit): 00-3B ADD/OR/ADC/SBB/AND/SUB/XOR/CMP with either direction
 * (mem_dst says which), 80/81/83 (82 outside 64-bit mode), 84/85 and
 * F6/F7 /0 TEST, F6/F7 /2 NOT and /3 NEG, FE/FF /0 INC and /1 DEC, 86/87
 * XCHG, 0F A3/AB/B3/BB BT/BTS/BTR/BTC r, 0F BA /4-7 ib, 0F B0/B1
 * CMPXCHG. LOCK is accepted where the CPU accepts it (a memory
 * destination that is written) and means nothing more: every access to
 * MMIO already goes through userspace one at a time. 0F C3 MOVNTI is a
 * STORE_REG; AA/AB STOS is VMON_INSN_STOS and A4/A5 MOVS VMON_INSN_MOVS
 * (F2 and F3 both mean REP; seg is the source's override, -1 for DS).
 */
int vmon_decode_mmio(const u8 *bytes, unsigned int avail, int mode,
		     struct vmon_mmio_insn *out);

/*
 * Value a STORE writes: @regs is the GPR file indexed like enum vmon_reg.
 * Truncated to insn->size bytes.
 */
u64 vmon_insn_store_value(const struct vmon_mmio_insn *insn, const u64 *regs);

/*
 * Write @data (insn->size bytes read from MMIO) into the destination
 * register with x86 semantics: 8/16-bit writes merge, 32-bit writes zero
 * the upper half, MOVZX/MOVSX extend to dst_size.
 */
void vmon_insn_apply_load(int reg, bool high8, unsigned int size,
			  unsigned int dst_size, bool sign_extend,
			  u64 *regs, u64 data);

/*
 * Execute a VMON_INSN_RMW on @mem (the insn->size bytes read from MMIO):
 * the register file @regs and the arithmetic flags in *@rflags change as
 * on hardware (CF, PF, AF, ZF, SF, OF; AF cleared by the logic ops, BT*
 * change only CF). Returns true when the instruction writes memory, with
 * the value in *@wval (CMPXCHG always writes, as the CPU does).
 */
bool vmon_insn_exec(const struct vmon_mmio_insn *insn, u64 *regs,
		    u64 *rflags, u64 mem, u64 *wval);

/*
 * Length of a simple intercepted instruction at @bytes, prefixes included
 * (used when the CPU has no next-RIP save): HLT, CPUID, RDMSR, WRMSR,
 * RDTSC, RDTSCP, RDPMC, INVD, WBINVD, XSETBV, VMCALL, VMMCALL, the SVM
 * instructions (VMRUN, VMLOAD, VMSAVE, STGI, CLGI, SKINIT, INVLPGA),
 * MONITOR/MWAIT(X), PAUSE/NOP, INT3/INT1/INTn/INTO, IN/OUT (all forms),
 * INS/OUTS, INVLPG, MOV to/from CRn/DRn, CLTS, LMSW, SMSW. Returns the
 * length, -EAGAIN when @avail ends inside it, or -EINVAL.
 */
int vmon_insn_length(const u8 *bytes, unsigned int avail, int mode);

/*
 * Decode MOV to/from a control or debug register (0F 20/21/22/23):
 * *@crdr = register number, *@gpr = GPR index, *@to_crdr = write to the
 * CR/DR, *@len = instruction length. Returns 0, -EAGAIN when @avail is
 * too short, or -EINVAL (including CR1, CR5-7, CR9-15, DR8-15, LOCK on
 * a DR move). ModRM.mod is ignored (these always name registers). LOCK
 * MOV CR0 is decoded as CR8 (AMD's AltMovCr8) in every mode; DR4/DR5
 * are returned as such, the caller applies CR4.DE.
 */
int vmon_decode_mov_crdr(const u8 *bytes, unsigned int avail, int mode,
			 int *crdr, int *gpr, bool *to_crdr, unsigned int *len);

/*
 * The segment override prefix of the instruction at @bytes, or -1 (also
 * when @bytes is all prefixes). Same rules as vmon_mmio_insn.seg: in
 * 64-bit mode only FS/GS count, and the caller must use base 0 for the
 * others.
 */
int vmon_insn_seg_override(const u8 *bytes, unsigned int avail, int mode);

#endif /* VMON_INSN_H */
