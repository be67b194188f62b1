// SPDX-License-Identifier: GPL-2.0
/*
 * vmon x86 instruction decoder: the MOV forms that touch MMIO, the
 * lengths of the instructions vmon intercepts, and MOV to/from CR/DR.
 *
 * Deliberately narrow: anything outside the documented set is -EINVAL so
 * the caller reports an emulation failure instead of guessing. Decisions
 * that go beyond "what the CPU does" are marked DECISION below and in
 * insn.h.
 *
 * Built both into vmon.ko and into the host unit tests (selftests/unit/),
 * so it uses nothing beyond types, errno values and plain C.
 */
#ifdef __KERNEL__
#include <linux/errno.h>
#include <linux/string.h>
#endif
#include "insn.h"

/* Segment registers in the VCPU_SREG_* order. */
enum { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS };

#define REX_W	0x8
#define REX_R	0x4
#define REX_B	0x1

struct insn_prefixes {
	unsigned int len;	/* bytes of prefixes, REX included */
	bool opsize;		/* 0x66 */
	bool addrsize;		/* 0x67 */
	bool lock;		/* 0xF0 */
	u8 rep;			/* 0xF2 / 0xF3 (the last one), or 0 */
	u8 rex;			/* effective REX byte, 0 if none */
	int seg;		/* effective segment override, -1 if none */
};

static bool mode_valid(int mode)
{
	return mode == 16 || mode == 32 || mode == 64;
}

/*
 * Legacy prefixes may come in any order and repeat; a REX byte counts only
 * when it is the last prefix (a legacy prefix after it makes the CPU
 * ignore it). In 64-bit mode the ES/CS/SS/DS overrides are architecturally
 * ignored and do not cancel an earlier FS/GS override.
 */
static int parse_prefixes(const u8 *b, unsigned int avail, int mode,
			  struct insn_prefixes *p)
{
	unsigned int i;

	memset(p, 0, sizeof(*p));
	p->seg = -1;

	for (i = 0; ; i++) {
		u8 c;

		if (i >= VMON_INSN_MAX_LEN)
			return -EINVAL;
		if (i >= avail)
			return -EAGAIN;
		c = b[i];

		switch (c) {
		case 0x26: case 0x2e: case 0x36: case 0x3e:
			if (mode != 64)
				p->seg = (c >> 3) & 3;
			break;
		case 0x64:
			p->seg = SEG_FS;
			break;
		case 0x65:
			p->seg = SEG_GS;
			break;
		case 0x66:
			p->opsize = true;
			break;
		case 0x67:
			p->addrsize = true;
			break;
		case 0xf0:
			p->lock = true;
			break;
		case 0xf2: case 0xf3:
			p->rep = c;
			break;
		default:
			if (mode == 64 && (c & 0xf0) == 0x40) {
				p->rex = c;
				continue;
			}
			p->len = i;
			return 0;
		}
		/* A legacy prefix after REX: that REX is ignored. */
		p->rex = 0;
	}
}

static unsigned int operand_size(int mode, const struct insn_prefixes *p)
{
	if (mode == 64 && (p->rex & REX_W))
		return 8;
	if (mode == 16)
		return p->opsize ? 4 : 2;
	return p->opsize ? 2 : 4;
}

static unsigned int address_size(int mode, const struct insn_prefixes *p)
{
	if (mode == 64)
		return p->addrsize ? 4 : 8;
	if (mode == 16)
		return p->addrsize ? 4 : 2;
	return p->addrsize ? 2 : 4;
}

/*
 * Offset just past the ModRM byte at @pos and its SIB byte and
 * displacement (16-bit or 32/64-bit addressing forms). Needs only the
 * ModRM and SIB bytes to be present; the caller checks the total.
 */
static int modrm_end(const u8 *b, unsigned int avail, unsigned int pos,
		     unsigned int addr_size, unsigned int *end)
{
	unsigned int mod, rm, disp = 0, n = pos + 1;

	if (pos >= avail)
		return -EAGAIN;
	mod = b[pos] >> 6;
	rm = b[pos] & 7;

	if (addr_size == 2) {
		if (mod == 1)
			disp = 1;
		else if (mod == 2 || (mod == 0 && rm == 6))
			disp = 2;
		*end = n + disp;
		return 0;
	}

	if (mod != 3 && rm == 4) {
		if (n >= avail)
			return -EAGAIN;
		/* SIB with base 101b and mod 00: no base, disp32. */
		if (mod == 0 && (b[n] & 7) == 5)
			disp = 4;
		n++;
	}
	if (mod == 1)
		disp = 1;
	else if (mod == 2 || (mod == 0 && rm == 5))	/* [rip/eip+d32] */
		disp = 4;
	*end = n + disp;
	return 0;
}

/* The bytes end before an instruction of at least @len bytes. */
static int truncated(unsigned int len)
{
	return len > VMON_INSN_MAX_LEN ? -EINVAL : -EAGAIN;
}

/* Final length checks shared by every decoder. */
static int check_len(unsigned int len, unsigned int avail)
{
	if (len > VMON_INSN_MAX_LEN)
		return -EINVAL;
	if (len > avail)
		return -EAGAIN;
	return 0;
}

static u64 read_le(const u8 *b, unsigned int n)
{
	u64 v = 0;

	while (n--)
		v = (v << 8) | b[n];
	return v;
}

static u64 sign_extend(u64 v, unsigned int size)
{
	unsigned int shift = 64 - size * 8;

	if (size >= 8)
		return v;
	return (u64)((s64)(v << shift) >> shift);
}

static u64 size_mask(unsigned int size)
{
	return size >= 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
}

/* The ALU ops of 00-3B, in opcode order (bits 5:3). */
static void set_rmw(struct vmon_mmio_insn *out, enum vmon_alu_op op,
		    unsigned int size, bool mem_dst)
{
	out->kind = VMON_INSN_RMW;
	out->op = op;
	out->size = size;
	out->dst_size = size;
	out->mem_dst = mem_dst;
}

/* Opcodes whose ModRM.reg picks the operation (0 = not a group). */
enum { GRP_NONE, GRP_1, GRP_3, GRP_4_5, GRP_8 };

/*
 * Resolve a group opcode from ModRM.reg @r: the operation, the immediate
 * length and whether LOCK is legal. -EINVAL for the members that are not
 * memory data accesses (CALL, JMP, PUSH in FF) or are reserved.
 */
static int decode_group(int grp, unsigned int r,
			struct vmon_mmio_insn *out, unsigned int *imm_len,
			bool *lock_ok)
{
	switch (grp) {
	case GRP_1:
		out->op = r;
		*lock_ok = r != VMON_ALU_CMP;
		return 0;
	case GRP_3:
		if (r <= 1) {		/* TEST r/m, imm (/1 is an alias) */
			out->op = VMON_ALU_TEST;
			out->src_imm = true;
			*imm_len = out->size > 4 ? 4 : out->size;
			return 0;
		}
		if (r == 2 || r == 3) {
			out->op = r == 2 ? VMON_ALU_NOT : VMON_ALU_NEG;
			*lock_ok = true;
			return 0;
		}
		return -EINVAL;		/* MUL, IMUL, DIV, IDIV */
	case GRP_4_5:
		if (r > 1)
			return -EINVAL;
		out->op = r ? VMON_ALU_DEC : VMON_ALU_INC;
		*lock_ok = true;
		return 0;
	case GRP_8:
		if (r < 4)
			return -EINVAL;
		out->op = VMON_ALU_BT + (r - 4);
		*lock_ok = r != 4;
		return 0;
	}
	return -EINVAL;
}

int vmon_decode_mmio(const u8 *bytes, unsigned int avail, int mode,
		     struct vmon_mmio_insn *out)
{
	static const u8 bt_ops[4] = { VMON_ALU_BT, VMON_ALU_BTS,
				      VMON_ALU_BTR, VMON_ALU_BTC };
	struct insn_prefixes p;
	unsigned int pos, end = 0, osz, imm_len = 0;
	bool modrm = true, byte_reg = false, rep_ok = false, lock_ok = false;
	int grp = GRP_NONE;
	u8 op;
	int ret;

	if (!mode_valid(mode))
		return -EINVAL;
	ret = parse_prefixes(bytes, avail, mode, &p);
	if (ret)
		return ret;

	memset(out, 0, sizeof(*out));
	out->seg = p.seg;
	osz = operand_size(mode, &p);
	pos = p.len;
	op = bytes[pos++];

	switch (op) {
	case 0x88:		/* MOV r/m8, r8 */
	case 0x89:		/* MOV r/m, r */
		out->kind = VMON_INSN_STORE_REG;
		out->size = op == 0x88 ? 1 : osz;
		byte_reg = op == 0x88;
		rep_ok = true;
		break;
	case 0x8a:		/* MOV r8, r/m8 */
	case 0x8b:		/* MOV r, r/m */
		out->kind = VMON_INSN_LOAD;
		out->size = op == 0x8a ? 1 : osz;
		out->dst_size = out->size;
		byte_reg = op == 0x8a;
		break;
	case 0xc6:		/* MOV r/m8, imm8 */
	case 0xc7:		/* MOV r/m, imm16/32 */
		out->kind = VMON_INSN_STORE_IMM;
		out->size = op == 0xc6 ? 1 : osz;
		imm_len = out->size > 4 ? 4 : out->size;
		rep_ok = true;
		break;
	case 0xa0: case 0xa1:	/* MOV AL/rAX, moffs */
	case 0xa2: case 0xa3:	/* MOV moffs, AL/rAX */
		out->kind = op < 0xa2 ? VMON_INSN_LOAD : VMON_INSN_STORE_REG;
		out->size = (op & 1) ? osz : 1;
		out->dst_size = out->kind == VMON_INSN_LOAD ? out->size : 0;
		out->reg = 0;
		modrm = false;
		end = pos + address_size(mode, &p);
		break;
	case 0xa4: case 0xa5:	/* MOVS: the override names the source */
	case 0xaa: case 0xab:	/* STOS: always ES, no override */
		out->kind = op >= 0xaa ? VMON_INSN_STOS : VMON_INSN_MOVS;
		out->size = (op & 1) ? osz : 1;
		out->rep = p.rep != 0;
		out->addr_size = address_size(mode, &p);
		if (out->kind == VMON_INSN_STOS)
			out->seg = SEG_ES;
		rep_ok = true;
		modrm = false;
		end = pos;
		break;
	case 0x63:		/* MOVSXD; ARPL outside 64-bit mode */
		if (mode != 64)
			return -EINVAL;
		/* Intel and AMD document 66 63 (no REX.W) differently. */
		if (p.opsize && !(p.rex & REX_W))
			return -EINVAL;
		out->kind = VMON_INSN_LOAD;
		out->size = 4;
		out->sign_extend = p.rex & REX_W;
		out->dst_size = out->sign_extend ? 8 : 4;
		break;
	case 0x00: case 0x01: case 0x02: case 0x03:	/* ADD */
	case 0x08: case 0x09: case 0x0a: case 0x0b:	/* OR */
	case 0x10: case 0x11: case 0x12: case 0x13:	/* ADC */
	case 0x18: case 0x19: case 0x1a: case 0x1b:	/* SBB */
	case 0x20: case 0x21: case 0x22: case 0x23:	/* AND */
	case 0x28: case 0x29: case 0x2a: case 0x2b:	/* SUB */
	case 0x30: case 0x31: case 0x32: case 0x33:	/* XOR */
	case 0x38: case 0x39: case 0x3a: case 0x3b:	/* CMP */
		set_rmw(out, op >> 3, (op & 1) ? osz : 1, !(op & 2));
		byte_reg = !(op & 1);
		lock_ok = out->mem_dst && out->op != VMON_ALU_CMP;
		break;
	case 0x82:		/* alias of 80, #UD in 64-bit mode */
		if (mode == 64)
			return -EINVAL;
		fallthrough;
	case 0x80: case 0x81: case 0x83:
		set_rmw(out, 0, op == 0x81 ? osz : 1, true);
		if (op == 0x83)
			out->size = osz;
		out->src_imm = true;
		imm_len = op == 0x81 ? (osz > 4 ? 4 : osz) : 1;
		grp = GRP_1;
		break;
	case 0x84: case 0x85:	/* TEST r/m, r */
		set_rmw(out, VMON_ALU_TEST, (op & 1) ? osz : 1, true);
		byte_reg = !(op & 1);
		break;
	case 0x86: case 0x87:	/* XCHG r/m, r: locked without a prefix */
		set_rmw(out, VMON_ALU_XCHG, (op & 1) ? osz : 1, true);
		byte_reg = !(op & 1);
		lock_ok = true;
		break;
	case 0xf6: case 0xf7:
		set_rmw(out, 0, (op & 1) ? osz : 1, true);
		grp = GRP_3;
		break;
	case 0xfe: case 0xff:
		set_rmw(out, 0, (op & 1) ? osz : 1, true);
		grp = GRP_4_5;
		break;
	case 0x0f:
		if (pos >= avail)
			return truncated(pos + 1);
		op = bytes[pos++];
		switch (op) {
		case 0xb6: case 0xb7:	/* MOVZX */
		case 0xbe: case 0xbf:	/* MOVSX */
			out->kind = VMON_INSN_LOAD;
			out->size = (op & 1) ? 2 : 1;
			out->dst_size = osz;
			out->sign_extend = op >= 0xbe;
			break;
		case 0xa3: case 0xab: case 0xb3: case 0xbb:
			set_rmw(out, bt_ops[(op >> 3) & 3], osz, true);
			lock_ok = op != 0xa3;
			break;
		case 0xba:		/* BT* r/m, imm8 */
			set_rmw(out, 0, osz, true);
			out->src_imm = true;
			imm_len = 1;
			grp = GRP_8;
			break;
		case 0xb0: case 0xb1:	/* CMPXCHG r/m, r */
			set_rmw(out, VMON_ALU_CMPXCHG, (op & 1) ? osz : 1,
				true);
			byte_reg = !(op & 1);
			lock_ok = true;
			break;
		case 0xc3:		/* MOVNTI m32/m64, r: 66 is #UD */
			if (p.opsize)
				return -EINVAL;
			out->kind = VMON_INSN_STORE_REG;
			out->size = osz;
			break;
		default:
			return -EINVAL;
		}
		break;
	default:
		return -EINVAL;
	}

	/*
	 * DECISION: LOCK where the CPU raises #UD (MOV, a register or
	 * read-only destination) cannot reach us from a real fault; reject
	 * it. F3 on a store is the XRELEASE hint, F2/F3 with LOCK (and F3 on
	 * XCHG) are the HLE hints, which CPUs without HLE ignore; any other
	 * F2/F3 use on these opcodes is reserved by the SDM, so reject it
	 * rather than guess. Group opcodes are checked once ModRM is known.
	 */
	if (grp == GRP_NONE) {
		if (p.lock && !lock_ok)
			return -EINVAL;
		if (out->kind == VMON_INSN_RMW)
			rep_ok = (p.lock && lock_ok) ||
				 (out->op == VMON_ALU_XCHG && p.rep == 0xf3);
		else if (out->kind != VMON_INSN_STOS &&
			 out->kind != VMON_INSN_MOVS)
			rep_ok = rep_ok && p.rep == 0xf3;
		if (p.rep && !rep_ok)
			return -EINVAL;
	}

	if (modrm) {
		u8 m;

		ret = modrm_end(bytes, avail, pos, address_size(mode, &p),
				&end);
		if (ret)
			return ret;
		m = bytes[pos];
		if ((m >> 6) == 3)	/* register operand: no memory access */
			return -EINVAL;
		if (grp != GRP_NONE) {
			ret = decode_group(grp, (m >> 3) & 7, out,
					   &imm_len, &lock_ok);
			if (ret)
				return ret;
			if (p.lock && !lock_ok)
				return -EINVAL;
			if (p.rep && !p.lock)
				return -EINVAL;
		} else if (out->kind == VMON_INSN_STORE_IMM) {
			if (((m >> 3) & 7) != 0)
				return -EINVAL;
		} else {
			out->reg = ((m >> 3) & 7) | ((p.rex & REX_R) ? 8 : 0);
		}
	}

	ret = check_len(end + imm_len, avail);
	if (ret)
		return ret;

	if (imm_len)
		out->imm = sign_extend(read_le(bytes + end, imm_len), imm_len);
	if (out->kind == VMON_INSN_RMW && out->src_imm)
		out->imm &= size_mask(out->size);
	if (byte_reg && !p.rex && out->reg >= 4) {
		out->reg -= 4;
		out->high8 = true;
	}
	out->len = end + imm_len;
	return 0;
}

static bool valid_size(unsigned int size)
{
	return size == 1 || size == 2 || size == 4 || size == 8;
}

u64 vmon_insn_store_value(const struct vmon_mmio_insn *insn, const u64 *regs)
{
	u64 v;

	switch (insn->kind) {
	case VMON_INSN_STORE_IMM:
		v = insn->imm;
		break;
	case VMON_INSN_STORE_REG:
		if (insn->reg < 0 || insn->reg > 15)
			return 0;
		v = regs[insn->reg];
		if (insn->high8)
			v >>= 8;
		break;
	default:
		return 0;
	}
	return v & size_mask(insn->size);
}

void vmon_insn_apply_load(int reg, bool high8, unsigned int size,
			  unsigned int dst_size, bool sign_extend_src,
			  u64 *regs, u64 data)
{
	u64 v, mask;

	if (reg < 0 || reg > 15 || !valid_size(size) || !valid_size(dst_size))
		return;

	v = data & size_mask(size);
	if (sign_extend_src)
		v = sign_extend(v, size);

	switch (dst_size) {
	case 1:
		if (high8) {
			regs[reg] = (regs[reg] & ~0xff00ULL) | ((v & 0xff) << 8);
			return;
		}
		fallthrough;
	case 2:
		mask = size_mask(dst_size);
		regs[reg] = (regs[reg] & ~mask) | (v & mask);
		return;
	default:
		/* 32-bit writes zero bits 63:32, as on hardware. */
		regs[reg] = v & size_mask(dst_size);
		return;
	}
}

#define FL_CF	0x0001
#define FL_PF	0x0004
#define FL_AF	0x0010
#define FL_ZF	0x0040
#define FL_SF	0x0080
#define FL_OF	0x0800
#define FL_ARITH (FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF | FL_OF)

/* ZF, SF and PF (even parity of the low byte) of a @size-byte result. */
static u64 flags_zsp(u64 r, unsigned int size)
{
	u64 f = 0;
	u8 b = r;

	if (!(r & size_mask(size)))
		f |= FL_ZF;
	if (r >> (size * 8 - 1) & 1)
		f |= FL_SF;
	b ^= b >> 4;
	b ^= b >> 2;
	b ^= b >> 1;
	if (!(b & 1))
		f |= FL_PF;
	return f;
}

/*
 * a OP b (+ carry in @cf) on @size bytes: the result, and the flags in
 * *@fl. ADD/SUB carry, borrow and overflow as the SDM defines them.
 */
static u64 alu(enum vmon_alu_op op, u64 a, u64 b, bool cf, unsigned int size,
	       u64 *fl)
{
	u64 m = size_mask(size), msb = 1ULL << (size * 8 - 1), r, f = 0;
	bool c;

	a &= m;
	b &= m;
	switch (op) {
	case VMON_ALU_ADD:
	case VMON_ALU_ADC:
		c = op == VMON_ALU_ADC && cf;
		r = (a + b + c) & m;
		if (c ? r <= a : r < a)
			f |= FL_CF;
		if ((a ^ r) & (b ^ r) & msb)
			f |= FL_OF;
		f |= (a ^ b ^ r) & FL_AF;
		break;
	case VMON_ALU_SUB:
	case VMON_ALU_SBB:
	case VMON_ALU_CMP:
		c = op == VMON_ALU_SBB && cf;
		r = (a - b - c) & m;
		if (c ? a <= b : a < b)
			f |= FL_CF;
		if ((a ^ b) & (a ^ r) & msb)
			f |= FL_OF;
		f |= (a ^ b ^ r) & FL_AF;
		break;
	case VMON_ALU_OR:
		r = a | b;
		break;
	case VMON_ALU_XOR:
		r = a ^ b;
		break;
	default:			/* AND, TEST */
		r = a & b;
		break;
	}
	*fl = f | flags_zsp(r, size);
	return r;
}

bool vmon_insn_exec(const struct vmon_mmio_insn *insn, u64 *regs,
		    u64 *rflags, u64 mem, u64 *wval)
{
	unsigned int size = insn->size, bits = size * 8;
	u64 m = size_mask(size), src = 0, r = 0, fl, keep = FL_ARITH;
	bool cf = *rflags & FL_CF, write = insn->mem_dst;

	if (insn->kind != VMON_INSN_RMW || !valid_size(size) ||
	    insn->reg < 0 || insn->reg > 15)
		return false;
	mem &= m;
	if (insn->src_imm) {
		src = insn->imm & m;
	} else {
		src = regs[insn->reg];
		if (insn->high8)
			src >>= 8;
		src &= m;
	}

	switch (insn->op) {
	case VMON_ALU_ADD: case VMON_ALU_OR: case VMON_ALU_ADC:
	case VMON_ALU_SBB: case VMON_ALU_AND: case VMON_ALU_SUB:
	case VMON_ALU_XOR: case VMON_ALU_CMP: case VMON_ALU_TEST:
		if (insn->mem_dst)
			r = alu(insn->op, mem, src, cf, size, &fl);
		else
			r = alu(insn->op, src, mem, cf, size, &fl);
		if (insn->op == VMON_ALU_CMP || insn->op == VMON_ALU_TEST) {
			write = false;
		} else if (!insn->mem_dst) {
			vmon_insn_apply_load(insn->reg, insn->high8, size,
					     size, false, regs, r);
		}
		break;
	case VMON_ALU_NOT:
		r = ~mem & m;
		keep = 0;
		fl = 0;
		break;
	case VMON_ALU_NEG:
		r = alu(VMON_ALU_SUB, 0, mem, false, size, &fl);
		break;
	case VMON_ALU_INC:
	case VMON_ALU_DEC:
		r = alu(insn->op == VMON_ALU_INC ? VMON_ALU_ADD : VMON_ALU_SUB,
			mem, 1, false, size, &fl);
		keep = FL_ARITH & ~FL_CF;	/* CF is left alone */
		fl &= keep;
		break;
	case VMON_ALU_BT: case VMON_ALU_BTS:
	case VMON_ALU_BTR: case VMON_ALU_BTC: {
		/*
		 * The CPU already moved the access to the operand-sized
		 * chunk that holds the bit (bit-string addressing); what is
		 * left is the offset within it.
		 */
		u64 bit = 1ULL << (src & (bits - 1));

		fl = (mem & bit) ? FL_CF : 0;
		keep = FL_CF;
		if (insn->op == VMON_ALU_BTS)
			r = mem | bit;
		else if (insn->op == VMON_ALU_BTR)
			r = mem & ~bit;
		else
			r = mem ^ bit;
		write = insn->op != VMON_ALU_BT;
		break;
	}
	case VMON_ALU_XCHG:
		r = src;
		keep = 0;
		fl = 0;
		vmon_insn_apply_load(insn->reg, insn->high8, size, size, false,
				     regs, mem);
		break;
	case VMON_ALU_CMPXCHG:
		alu(VMON_ALU_CMP, regs[0], mem, false, size, &fl);
		if (fl & FL_ZF) {
			r = src;
		} else {
			/* Failure writes the old value back and loads rAX. */
			r = mem;
			vmon_insn_apply_load(0, false, size, size, false,
					     regs, mem);
		}
		break;
	default:
		return false;
	}

	*rflags = (*rflags & ~keep) | (fl & keep);
	*wval = r & m;
	return write;
}

/* 0F 01 with a register-form ModRM: the intercepted ones we know. */
static bool grp7_reg_known(u8 m)
{
	switch (m) {
	case 0xc1:			/* VMCALL */
	case 0xc8: case 0xc9:		/* MONITOR, MWAIT */
	case 0xd1:			/* XSETBV */
	case 0xd8: case 0xd9:		/* VMRUN, VMMCALL */
	case 0xda: case 0xdb:		/* VMLOAD, VMSAVE */
	case 0xdc: case 0xdd:		/* STGI, CLGI */
	case 0xde: case 0xdf:		/* SKINIT, INVLPGA */
	case 0xf9:			/* RDTSCP */
	case 0xfa: case 0xfb:		/* MONITORX, MWAITX */
		return true;
	}
	/* SMSW r (/4) and LMSW r (/6): CR0 intercepts. */
	return (m & 0xf8) == 0xe0 || (m & 0xf8) == 0xf0;
}

int vmon_insn_length(const u8 *bytes, unsigned int avail, int mode)
{
	struct insn_prefixes p;
	unsigned int pos, len;
	u8 op, m;
	int ret;

	if (!mode_valid(mode))
		return -EINVAL;
	ret = parse_prefixes(bytes, avail, mode, &p);
	if (ret)
		return ret;
	pos = p.len;
	op = bytes[pos++];

	switch (op) {
	case 0xce:			/* INTO: #UD in 64-bit mode */
		if (mode == 64)
			return -EINVAL;
		fallthrough;
	case 0xf4:			/* HLT */
	case 0xcc: case 0xf1:		/* INT3, INT1 */
	case 0x90:			/* PAUSE (F3 90) and NOP */
	case 0xec: case 0xed:		/* IN AL/eAX, DX */
	case 0xee: case 0xef:		/* OUT DX, AL/eAX */
	case 0x6c: case 0x6d:		/* INS */
	case 0x6e: case 0x6f:		/* OUTS */
		len = pos;
		break;
	case 0xcd:			/* INT imm8 */
	case 0xe4: case 0xe5:		/* IN AL/eAX, imm8 */
	case 0xe6: case 0xe7:		/* OUT imm8, AL/eAX */
		len = pos + 1;
		break;
	case 0x0f:
		if (pos >= avail)
			return truncated(pos + 1);
		op = bytes[pos++];
		switch (op) {
		case 0x06:		/* CLTS */
		case 0x08: case 0x09:	/* INVD, WBINVD */
		case 0x30: case 0x31:	/* WRMSR, RDTSC */
		case 0x32: case 0x33:	/* RDMSR, RDPMC */
		case 0xa2:		/* CPUID */
			len = pos;
			break;
		case 0x20: case 0x21:	/* MOV r, CR/DR: always register form */
		case 0x22: case 0x23:
			len = pos + 1;
			break;
		case 0x01:
			if (pos >= avail)
				return truncated(pos + 1);
			m = bytes[pos];
			if ((m >> 6) == 3) {
				if (!grp7_reg_known(m))
					return -EINVAL;
				len = pos + 1;
				break;
			}
			/* Memory forms: SMSW /4, LMSW /6, INVLPG /7. */
			switch ((m >> 3) & 7) {
			case 4: case 6: case 7:
				break;
			default:
				return -EINVAL;
			}
			ret = modrm_end(bytes, avail, pos,
					address_size(mode, &p), &len);
			if (ret)
				return ret;
			break;
		default:
			return -EINVAL;
		}
		break;
	default:
		return -EINVAL;
	}

	ret = check_len(len, avail);
	return ret ? ret : (int)len;
}

int vmon_decode_mov_crdr(const u8 *bytes, unsigned int avail, int mode,
			 int *crdr, int *gpr, bool *to_crdr, unsigned int *len)
{
	struct insn_prefixes p;
	unsigned int pos;
	int ret, n;
	u8 op, m;

	if (!mode_valid(mode))
		return -EINVAL;
	ret = parse_prefixes(bytes, avail, mode, &p);
	if (ret)
		return ret;
	pos = p.len;
	if (bytes[pos] != 0x0f)
		return -EINVAL;
	if (pos + 1 >= avail)
		return truncated(pos + 2);
	op = bytes[pos + 1];
	if (op < 0x20 || op > 0x23)
		return -EINVAL;
	ret = check_len(pos + 3, avail);
	if (ret)
		return ret;
	m = bytes[pos + 2];

	/* The mod field is ignored: these always name registers. */
	n = ((m >> 3) & 7) | ((p.rex & REX_R) ? 8 : 0);
	if (op & 1) {
		/* DR8-15 and LOCK: #UD. DR4/5 depend on CR4.DE: caller. */
		if (n > 7 || p.lock)
			return -EINVAL;
	} else {
		/*
		 * DECISION: LOCK MOV CR0 is AMD's AltMovCr8 encoding of CR8
		 * (CPUID 8000_0001h:ECX[4]). LOCK sets bit 3 of the CR
		 * number like REX.R does. We decode it unconditionally:
		 * the instruction got here through a CR intercept, so the
		 * CPU already accepted it.
		 */
		if (p.lock) {
			if (n & 8)
				return -EINVAL;
			n |= 8;
		}
		/* Only CR0, CR2, CR3, CR4 and CR8 exist; others #UD. */
		if (n != 0 && n != 2 && n != 3 && n != 4 && n != 8)
			return -EINVAL;
	}

	*crdr = n;
	*gpr = (m & 7) | ((p.rex & REX_B) ? 8 : 0);
	*to_crdr = op & 2;
	*len = pos + 3;
	return 0;
}

int vmon_insn_seg_override(const u8 *bytes, unsigned int avail, int mode)
{
	struct insn_prefixes p;

	if (!mode_valid(mode) || parse_prefixes(bytes, avail, mode, &p))
		return -1;
	return p.seg;
}
