// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests for core/gwalk.c: page tables are built in a fake
 * guest-physical memory array and walked through the read_gpa callback.
 * The architectural bit positions are spelled out here on purpose rather
 * than shared with gwalk.c, so a wrong constant there cannot hide.
 */
#include <stdio.h>
#include <string.h>

#include "gwalk.h"
#include "ut.h"

#define CR0_PE		(1ULL << 0)
#define CR0_WP		(1ULL << 16)
#define CR0_PG		(1ULL << 31)
#define CR4_PSE		(1ULL << 4)
#define CR4_PAE		(1ULL << 5)
#define CR4_LA57	(1ULL << 12)
#define CR4_SMEP	(1ULL << 20)
#define EFER_LME	(1ULL << 8)
#define EFER_LMA	(1ULL << 10)
#define EFER_NXE	(1ULL << 11)

#define P		(1ULL << 0)
#define RW		(1ULL << 1)
#define US		(1ULL << 2)
#define PS		(1ULL << 7)
#define PAT_LARGE	(1ULL << 12)
#define XD		(1ULL << 63)

#define R		0u
#define W		VMON_PF_WRITE
#define U		VMON_PF_USER
#define X		VMON_PF_FETCH
#define EP		VMON_PF_PRESENT
#define ERSVD		VMON_PF_RSVD

#define MEM_SIZE	(8u << 20)

struct guest_mem {
	u8 bytes[MEM_SIZE];
	unsigned int reads;
	unsigned int last_len;
	int force_ret;		/* nonzero: read_gpa returns this */
	u64 next_table;
};

static struct guest_mem mem;

static int read_gpa(void *opaque, u64 gpa, void *buf, unsigned int len)
{
	struct guest_mem *m = opaque;

	if (m != &mem)
		return -EINVAL;
	m->reads++;
	m->last_len = len;
	if (m->force_ret)
		return m->force_ret;
	if (gpa >= MEM_SIZE || len > MEM_SIZE - gpa)
		return -EIO;
	memcpy(buf, m->bytes + gpa, len);
	return 0;
}

static void wr(u64 gpa, u64 val, unsigned int size)
{
	unsigned int i;

	for (i = 0; i < size; i++)
		mem.bytes[gpa + i] = (u8)(val >> (8 * i));
}

static u64 rd(u64 gpa, unsigned int size)
{
	u64 v = 0;

	while (size--)
		v = (v << 8) | mem.bytes[gpa + size];
	return v;
}

static void mem_reset(void)
{
	memset(mem.bytes, 0, sizeof(mem.bytes));
	mem.reads = 0;
	mem.force_ret = 0;
	mem.next_table = 0x100000;
}

static u64 alloc_table(void)
{
	u64 t = mem.next_table;

	mem.next_table += 0x1000;
	return t;
}

static struct vmon_gwalk_ctx make_ctx(u64 cr0, u64 cr3, u64 cr4, u64 efer)
{
	struct vmon_gwalk_ctx c = {
		.cr0 = cr0, .cr3 = cr3, .cr4 = cr4, .efer = efer,
		.read_gpa = read_gpa, .opaque = &mem,
	};

	return c;
}

/*
 * 8-byte-entry tables (PAE below the PDPT, long mode): the address of the
 * entry for @gva at @level, creating missing tables above it with P|RW|US
 * (PAE PDPTEs get P only: their RW/US bits are reserved).
 */
static u64 ent64(u64 root, int top, bool pae, u64 gva, int level)
{
	u64 table = root, e, a;
	int l;

	for (l = top; ; l--) {
		a = table + ((gva >> (12 + 9 * (l - 1))) & 511) * 8;
		if (l == level)
			return a;
		e = rd(a, 8);
		if (!(e & P)) {
			e = alloc_table() | P | ((pae && l == 3) ? 0 : RW | US);
			wr(a, e, 8);
		}
		table = e & 0x000ffffffffff000ULL;
	}
}

static void set64(u64 root, int top, bool pae, u64 gva, int level, u64 val)
{
	wr(ent64(root, top, pae, gva, level), val, 8);
}

/* OR/clear bits in an existing entry. */
static void mod64(u64 root, int top, bool pae, u64 gva, int level, u64 set,
		  u64 clear)
{
	u64 a = ent64(root, top, pae, gva, level);

	wr(a, (rd(a, 8) & ~clear) | set, 8);
}

#define WALK_OK(ctx, gva, acc, want) do {				\
	u64 g_ = 0xbad;							\
	u32 e_ = 0xbad;							\
	int r_ = vmon_gwalk(ctx, gva, acc, &g_, &e_);			\
	UT_EQ(r_, 0);							\
	UT_EQ(g_, want);						\
	UT_EQ(e_, 0);							\
} while (0)

#define WALK_PF(ctx, gva, acc, err) do {				\
	u64 g_ = 0;							\
	u32 e_ = 0xbad;							\
	int r_ = vmon_gwalk(ctx, gva, acc, &g_, &e_);			\
	UT_EQ(r_, -EFAULT);						\
	UT_EQ(e_, err);							\
} while (0)

#define WALK_ERR(ctx, gva, acc, ret) do {				\
	u64 g_ = 0;							\
	u32 e_ = 0xbad;							\
	int r_ = vmon_gwalk(ctx, gva, acc, &g_, &e_);			\
	UT_EQ(r_, ret);							\
	UT_EQ(e_, 0);							\
} while (0)

/* ---- paging off ---------------------------------------------------- */

static void test_paging_off(void)
{
	struct vmon_gwalk_ctx c;

	ut_begin("paging off: identity on the 32-bit linear address");
	mem_reset();
	c = make_ctx(CR0_PE, 0x1000, CR4_PAE | CR4_LA57, EFER_NXE);
	WALK_OK(&c, 0x12345678, R, 0x12345678);
	WALK_OK(&c, 0x12345678, W | U | X, 0x12345678);
	WALK_OK(&c, 0x123456789ULL, R, 0x23456789);
	WALK_OK(&c, 0xffffffffULL, R, 0xffffffffULL);
	UT_EQ(mem.reads, 0);
}

/* ---- 32-bit paging ------------------------------------------------- */

#define G32	0x80401abcULL		/* PDE 0x201, PTE 0x001 */
#define PD32	0x1000ULL
#define PT32	0x2000ULL

static struct vmon_gwalk_ctx setup32(u64 pde_flags, u64 pte_flags)
{
	mem_reset();
	wr(PD32 + (G32 >> 22) * 4, PT32 | pde_flags, 4);
	wr(PT32 + ((G32 >> 12) & 1023) * 4, 0x345000 | pte_flags, 4);
	/* PWT/PCD in CR3 must not move the directory. */
	return make_ctx(CR0_PG | CR0_PE, PD32 | 0x18, 0, 0);
}

static void test_32bit(void)
{
	struct vmon_gwalk_ctx c;

	ut_begin("32-bit 4K page translation");
	c = setup32(P | RW | US, P | RW | US);
	WALK_OK(&c, G32, R, 0x345abc);
	UT_EQ(mem.reads, 2);
	UT_EQ(mem.last_len, 4);
	WALK_OK(&c, G32, W | U, 0x345abc);
	WALK_OK(&c, G32, X | U, 0x345abc);
	/* Bits above 31 of the linear address are not part of it. */
	WALK_OK(&c, G32 | (5ULL << 32), R, 0x345abc);

	ut_begin("32-bit not-present PDE and PTE");
	c = setup32(RW | US, P | RW | US);
	WALK_PF(&c, G32, R, 0);
	WALK_PF(&c, G32, W, W);
	WALK_PF(&c, G32, W | U, W | U);
	WALK_PF(&c, G32, X, 0);		/* no NX, no SMEP: I/D stays 0 */
	c = setup32(P | RW | US, RW | US);
	WALK_PF(&c, G32, U, U);
	WALK_PF(&c, G32, W, W);

	ut_begin("32-bit read-only PTE with and without CR0.WP");
	c = setup32(P | RW | US, P | US);
	WALK_OK(&c, G32, R, 0x345abc);
	WALK_OK(&c, G32, W, 0x345abc);
	WALK_PF(&c, G32, W | U, EP | W | U);
	c.cr0 |= CR0_WP;
	WALK_PF(&c, G32, W, EP | W);
	WALK_PF(&c, G32, W | U, EP | W | U);
	WALK_OK(&c, G32, U, 0x345abc);

	ut_begin("32-bit read-only PDE makes the page read-only");
	c = setup32(P | US, P | RW | US);
	c.cr0 |= CR0_WP;
	WALK_PF(&c, G32, W, EP | W);
	WALK_OK(&c, G32, R, 0x345abc);

	ut_begin("32-bit supervisor-only PDE or PTE");
	c = setup32(P | RW, P | RW | US);
	WALK_PF(&c, G32, U, EP | U);
	WALK_OK(&c, G32, W, 0x345abc);
	c = setup32(P | RW | US, P | RW);
	WALK_PF(&c, G32, U | X, EP | U);
	WALK_OK(&c, G32, X, 0x345abc);

	ut_begin("32-bit SMEP: supervisor fetch from a user page");
	c = setup32(P | RW | US, P | RW | US);
	c.cr4 |= CR4_SMEP;
	WALK_PF(&c, G32, X, EP | X);
	WALK_OK(&c, G32, R, 0x345abc);	/* SMAP is not modelled */
	WALK_OK(&c, G32, U | X, 0x345abc);
	c = setup32(P | RW | US, P | RW);
	c.cr4 |= CR4_SMEP;
	WALK_OK(&c, G32, X, 0x345abc);
	c = setup32(P | RW | US, RW);
	c.cr4 |= CR4_SMEP;
	WALK_PF(&c, G32, X, X);		/* SMEP makes I/D valid */

	ut_begin("32-bit paging ignores EFER.NXE");
	c = setup32(P | RW | US, P | RW | US);
	c.efer = EFER_NXE;
	WALK_OK(&c, G32, X, 0x345abc);
	c = setup32(P | RW | US, RW | US);
	c.efer = EFER_NXE;
	WALK_PF(&c, G32, X, 0);

	ut_begin("32-bit 4M page with CR4.PSE");
	mem_reset();
	wr(PD32 + 1 * 4, 0x00400000 | PS | P | RW | US | PAT_LARGE, 4);
	c = make_ctx(CR0_PG | CR0_PE | CR0_WP, PD32, CR4_PSE, 0);
	WALK_OK(&c, 0x00412345, R, 0x00412345);
	UT_EQ(mem.reads, 1);
	WALK_OK(&c, 0x007fffff, W | U, 0x007fffff);
	wr(PD32 + 1 * 4, 0x00400000 | PS | P | US, 4);
	WALK_PF(&c, 0x00412345, W, EP | W);
	wr(PD32 + 1 * 4, 0x00400000 | PS | P | RW, 4);
	WALK_PF(&c, 0x00412345, U, EP | U);

	ut_begin("32-bit PS without CR4.PSE points to a page table");
	mem_reset();
	wr(PD32 + 1 * 4, 0x00400000 | PS | P | RW | US, 4);
	wr(0x00400000 + 0x12 * 4, 0x777000 | P | RW | US, 4);
	c = make_ctx(CR0_PG | CR0_PE, PD32, 0, 0);
	WALK_OK(&c, 0x00412345, R, 0x777345);
	UT_EQ(mem.reads, 2);

	ut_begin("32-bit 4M page PSE-36/40 address bits and MAXPHYADDR");
	mem_reset();
	c = make_ctx(CR0_PG | CR0_PE, PD32, CR4_PSE, 0);
	wr(PD32 + 1 * 4, 0x00400000 | (0x12ULL << 13) | PS | P, 4);
	WALK_OK(&c, 0x00412345, R, 0x1200412345ULL);
	c.maxphyaddr = 40;
	WALK_OK(&c, 0x00412345, R, 0x1200412345ULL);
	c.maxphyaddr = 36;		/* bit 17 holds address bit 36 */
	WALK_PF(&c, 0x00412345, R, EP | ERSVD);
	WALK_PF(&c, 0x00412345, W | U, EP | ERSVD | W | U);
	wr(PD32 + 1 * 4, 0x00400000 | (0x3ULL << 13) | PS | P, 4);
	WALK_OK(&c, 0x00412345, R, 0x300412345ULL);
	c.maxphyaddr = 32;
	WALK_PF(&c, 0x00412345, R, EP | ERSVD);

	ut_begin("32-bit 4M page bit 21 is reserved");
	mem_reset();
	c = make_ctx(CR0_PG | CR0_PE, PD32, CR4_PSE, 0);
	wr(PD32 + 1 * 4, 0x00400000 | (1ULL << 21) | PS | P | RW | US, 4);
	WALK_PF(&c, 0x00412345, R, EP | ERSVD);
	WALK_PF(&c, 0x00412345, W, EP | ERSVD | W);
}

/* ---- PAE ----------------------------------------------------------- */

#define GPAE	0xc0201abcULL		/* PDPTE 3, PDE 1, PTE 1 */
#define PDPT	0x3020ULL

static struct vmon_gwalk_ctx setup_pae(u64 pde_flags, u64 pte_flags)
{
	mem_reset();
	set64(PDPT, 3, true, GPAE, 1, 0x7654000 | pte_flags);
	mod64(PDPT, 3, true, GPAE, 2, pde_flags, P | RW | US);
	return make_ctx(CR0_PG | CR0_PE | CR0_WP, PDPT | 0x8, CR4_PAE,
			EFER_NXE);
}

static void test_pae(void)
{
	struct vmon_gwalk_ctx c;

	ut_begin("PAE 4K page translation");
	c = setup_pae(P | RW | US, P | RW | US);
	WALK_OK(&c, GPAE, R, 0x7654abc);
	UT_EQ(mem.reads, 3);
	UT_EQ(mem.last_len, 8);
	WALK_OK(&c, GPAE, W | U | X, 0x7654abc);
	WALK_OK(&c, GPAE | (1ULL << 40), R, 0x7654abc);

	ut_begin("PAE not-present PDPTE, PDE and PTE");
	c = setup_pae(P | RW | US, P | RW | US);
	mod64(PDPT, 3, true, GPAE, 3, 0, P);
	WALK_PF(&c, GPAE, W, W);
	c = setup_pae(RW | US, P | RW | US);
	WALK_PF(&c, GPAE, U, U);
	c = setup_pae(P | RW | US, RW | US);
	WALK_PF(&c, GPAE, R, 0);
	WALK_PF(&c, GPAE, X, X);	/* NXE: I/D is valid */
	c.efer = 0;
	WALK_PF(&c, GPAE, X, 0);

	ut_begin("PAE PDPTE reserved bits");
	{
		static const u64 bad[] = { RW, US, 1ULL << 5, 1ULL << 8,
					   XD, 1ULL << 52 };
		unsigned int i;

		for (i = 0; i < ARRAY_SIZE(bad); i++) {
			c = setup_pae(P | RW | US, P | RW | US);
			mod64(PDPT, 3, true, GPAE, 3, bad[i], 0);
			WALK_PF(&c, GPAE, R, EP | ERSVD);
		}
		c = setup_pae(P | RW | US, P | RW | US);
		mod64(PDPT, 3, true, GPAE, 3, (1ULL << 3) | (1ULL << 4) |
		      (1ULL << 9), 0);	/* PWT, PCD, AVL: fine */
		WALK_OK(&c, GPAE, R, 0x7654abc);
	}

	ut_begin("PAE 2M page");
	c = setup_pae(P | RW | US, P | RW | US);
	set64(PDPT, 3, true, 0xc0412345, 2,
	      0x1e00000 | PAT_LARGE | PS | P | RW);
	WALK_OK(&c, 0xc0412345, W, 0x1e12345);
	UT_EQ(mem.reads, 2);
	WALK_PF(&c, 0xc0412345, U, EP | U);
	set64(PDPT, 3, true, 0xc0412345, 2, 0x1e00000 | (1ULL << 13) | PS | P);
	WALK_PF(&c, 0xc0412345, R, EP | ERSVD);
	set64(PDPT, 3, true, 0xc0412345, 2, 0x1e00000 | (1ULL << 20) | PS | P);
	WALK_PF(&c, 0xc0412345, R, EP | ERSVD);

	ut_begin("PAE NX with and without EFER.NXE");
	c = setup_pae(P | RW | US, P | RW | US | XD);
	WALK_OK(&c, GPAE, R, 0x7654abc);
	WALK_PF(&c, GPAE, X, EP | X);
	WALK_PF(&c, GPAE, X | U, EP | X | U);
	c.efer = 0;
	WALK_PF(&c, GPAE, R, EP | ERSVD);
	c = setup_pae(P | RW | US | XD, P | RW | US);
	WALK_PF(&c, GPAE, X, EP | X);

	ut_begin("PAE reserved bits 62:MAXPHYADDR");
	c = setup_pae(P | RW | US, P | RW | US);
	set64(PDPT, 3, true, GPAE, 1, (1ULL << 40) | 0x7654000 | P);
	WALK_OK(&c, GPAE, R, (1ULL << 40) | 0x7654abc);
	c.maxphyaddr = 40;
	WALK_PF(&c, GPAE, R, EP | ERSVD);
	c.maxphyaddr = 41;
	WALK_OK(&c, GPAE, R, (1ULL << 40) | 0x7654abc);
	c.maxphyaddr = 0;
	set64(PDPT, 3, true, GPAE, 1, (1ULL << 62) | 0x7654000 | P);
	WALK_PF(&c, GPAE, R, EP | ERSVD);
	set64(PDPT, 3, true, GPAE, 1, (1ULL << 52) | 0x7654000 | P);
	WALK_PF(&c, GPAE, R, EP | ERSVD);

	ut_begin("PAE rights: WP and U/S accumulate over PDE and PTE");
	c = setup_pae(P | US, P | RW | US);
	WALK_PF(&c, GPAE, W, EP | W);
	c.cr0 &= ~CR0_WP;
	WALK_OK(&c, GPAE, W, 0x7654abc);
	WALK_PF(&c, GPAE, W | U, EP | W | U);
	c = setup_pae(P | RW | US, P | RW);
	WALK_PF(&c, GPAE, U, EP | U);
}

/* ---- long mode ----------------------------------------------------- */

#define PML4	0x10000ULL
#define G64	0x00007f1234567abcULL

static struct vmon_gwalk_ctx setup_long(u64 leaf_gpa, u64 leaf_flags)
{
	mem_reset();
	set64(PML4, 4, false, G64, 1, leaf_gpa | leaf_flags);
	/* PCID in CR3 bits 11:0 must not move the PML4. */
	return make_ctx(CR0_PG | CR0_PE | CR0_WP, PML4 | 0x5, CR4_PAE,
			EFER_LME | EFER_LMA | EFER_NXE);
}

static void test_long(void)
{
	struct vmon_gwalk_ctx c;
	int l;

	ut_begin("long mode 4K page translation");
	c = setup_long(0x89abc000, P | RW | US);
	WALK_OK(&c, G64, R, 0x89abcabc);
	UT_EQ(mem.reads, 4);
	UT_EQ(mem.last_len, 8);
	WALK_OK(&c, G64, W | U | X, 0x89abcabc);

	ut_begin("long mode 2M and 1G pages");
	c = setup_long(0x89abc000, P | RW | US);
	set64(PML4, 4, false, 0x40000000ULL, 2,
	      0x7e00000 | PAT_LARGE | PS | P | RW);
	WALK_OK(&c, 0x401fffffULL, W, 0x7ffffffULL);
	UT_EQ(mem.reads, 3);
	set64(PML4, 4, false, 0xffffffffc0000000ULL, 3,
	      0x140000000ULL | PAT_LARGE | PS | P | RW);
	WALK_OK(&c, 0xffffffffc1234567ULL, R, 0x141234567ULL);
	set64(PML4, 4, false, 0xffffffffc0000000ULL, 3,
	      0x140000000ULL | (1ULL << 13) | PS | P | RW);
	WALK_PF(&c, 0xffffffffc1234567ULL, R, EP | ERSVD);
	set64(PML4, 4, false, 0xffffffffc0000000ULL, 3,
	      0x140000000ULL | (1ULL << 29) | PS | P | RW);
	WALK_PF(&c, 0xffffffffc1234567ULL, W, EP | ERSVD | W);
	set64(PML4, 4, false, 0x40000000ULL, 2,
	      0x7e00000 | (1ULL << 20) | PS | P | RW);
	WALK_PF(&c, 0x40000000ULL, R, EP | ERSVD);

	ut_begin("long mode PS in a PML4E is reserved");
	c = setup_long(0x89abc000, P | RW | US);
	mod64(PML4, 4, false, G64, 4, PS, 0);
	WALK_PF(&c, G64, R, EP | ERSVD);

	ut_begin("long mode not-present at each level");
	for (l = 4; l >= 1; l--) {
		c = setup_long(0x89abc000, P | RW | US);
		mod64(PML4, 4, false, G64, l, 0, P);
		WALK_PF(&c, G64, R, 0);
		WALK_PF(&c, G64, W | U, W | U);
		WALK_PF(&c, G64, X | U, X | U);
	}

	ut_begin("long mode canonical check is not a #PF");
	c = setup_long(0x89abc000, P | RW | US);
	WALK_ERR(&c, 0x0000800000000000ULL, R, -ERANGE);
	WALK_ERR(&c, 0xffff7fffffffffffULL, W, -ERANGE);
	WALK_ERR(&c, 0x00ff800000000000ULL, R, -ERANGE);
	set64(PML4, 4, false, 0xffff800000000000ULL, 1, 0x5000 | P);
	WALK_OK(&c, 0xffff800000000123ULL, R, 0x5123);
	set64(PML4, 4, false, 0x00007ffffffff000ULL, 1, 0x6000 | P);
	WALK_OK(&c, 0x00007fffffffffffULL, R, 0x6fff);

	ut_begin("long mode NX accumulates and needs EFER.NXE");
	for (l = 4; l >= 1; l--) {
		c = setup_long(0x89abc000, P | RW | US);
		mod64(PML4, 4, false, G64, l, XD, 0);
		WALK_OK(&c, G64, R, 0x89abcabc);
		WALK_PF(&c, G64, X, EP | X);
		WALK_PF(&c, G64, X | U, EP | X | U);
		c.efer &= ~EFER_NXE;
		WALK_PF(&c, G64, R, EP | ERSVD);
	}

	ut_begin("long mode R/W at each level with CR0.WP");
	for (l = 4; l >= 1; l--) {
		c = setup_long(0x89abc000, P | RW | US);
		mod64(PML4, 4, false, G64, l, 0, RW);
		WALK_PF(&c, G64, W, EP | W);
		WALK_PF(&c, G64, W | U, EP | W | U);
		WALK_OK(&c, G64, R | U, 0x89abcabc);
		c.cr0 &= ~CR0_WP;
		WALK_OK(&c, G64, W, 0x89abcabc);
		WALK_PF(&c, G64, W | U, EP | W | U);
	}

	ut_begin("long mode U/S at each level");
	for (l = 4; l >= 1; l--) {
		c = setup_long(0x89abc000, P | RW | US);
		mod64(PML4, 4, false, G64, l, 0, US);
		WALK_PF(&c, G64, U, EP | U);
		WALK_PF(&c, G64, U | W, EP | U | W);
		WALK_OK(&c, G64, W, 0x89abcabc);
		c.cr4 |= CR4_SMEP;
		WALK_OK(&c, G64, X, 0x89abcabc);
	}

	ut_begin("long mode SMEP");
	c = setup_long(0x89abc000, P | RW | US);
	WALK_OK(&c, G64, X, 0x89abcabc);
	c.cr4 |= CR4_SMEP;
	WALK_PF(&c, G64, X, EP | X);
	c.efer &= ~EFER_NXE;
	WALK_PF(&c, G64, X, EP | X);
	WALK_OK(&c, G64, X | U, 0x89abcabc);
	WALK_OK(&c, G64, W, 0x89abcabc);

	ut_begin("long mode reserved-bit fault carries the access bits");
	c = setup_long(0x89abc000, P | RW | US);
	mod64(PML4, 4, false, G64, 2, 1ULL << 51, 0);
	c.maxphyaddr = 48;
	WALK_PF(&c, G64, W | U | X, EP | ERSVD | W | U | X);

	ut_begin("long mode bits 62:52 are ignored");
	c = setup_long(0x89abc000, P | RW | US | (0x7ffULL << 52));
	WALK_OK(&c, G64, R, 0x89abcabc);
	mod64(PML4, 4, false, G64, 3, 0x7ffULL << 52, 0);
	WALK_OK(&c, G64, R, 0x89abcabc);

	ut_begin("long mode MAXPHYADDR in leaf and non-leaf entries");
	c = setup_long((1ULL << 45) | 0x89abc000, P | RW | US);
	WALK_OK(&c, G64, R, (1ULL << 45) | 0x89abcabc);
	c.maxphyaddr = 48;
	WALK_OK(&c, G64, R, (1ULL << 45) | 0x89abcabc);
	c.maxphyaddr = 40;
	WALK_PF(&c, G64, R, EP | ERSVD);
	c = setup_long(0x89abc000, P | RW | US);
	mod64(PML4, 4, false, G64, 3, 1ULL << 45, 0);
	c.maxphyaddr = 40;
	WALK_PF(&c, G64, R, EP | ERSVD);
	c.maxphyaddr = 52;
	/* Now the PDPTE points outside guest memory. */
	WALK_ERR(&c, G64, R, -EIO);
}

/* ---- 5-level ------------------------------------------------------- */

#define PML5	0x20000ULL
#define G57	0x00ff800012345678ULL

static void test_la57(void)
{
	struct vmon_gwalk_ctx c;

	ut_begin("5-level paging translation and canonical width");
	mem_reset();
	set64(PML5, 5, false, G57, 1, 0xabc000 | P | RW);
	c = make_ctx(CR0_PG | CR0_PE, PML5, CR4_PAE | CR4_LA57,
		     EFER_LME | EFER_LMA);
	WALK_OK(&c, G57, R, 0xabc678);
	UT_EQ(mem.reads, 5);
	WALK_ERR(&c, 0x0100000000000000ULL, R, -ERANGE);
	WALK_ERR(&c, 0xfeffffffffffffffULL, R, -ERANGE);
	set64(PML5, 5, false, 0xff00000000000000ULL, 1, 0xdef000 | P);
	WALK_OK(&c, 0xff00000000000fffULL, R, 0xdeffff);
	c.cr4 &= ~CR4_LA57;
	WALK_ERR(&c, G57, R, -ERANGE);

	ut_begin("5-level paging large pages and PML5E rules");
	mem_reset();
	c = make_ctx(CR0_PG | CR0_PE | CR0_WP, PML5, CR4_PAE | CR4_LA57,
		     EFER_LME | EFER_LMA | EFER_NXE);
	set64(PML5, 5, false, G57, 3, 0x80000000ULL | PS | P | RW | US);
	WALK_OK(&c, G57, W | U, 0x80000000ULL | (G57 & 0x3fffffff));
	UT_EQ(mem.reads, 3);
	set64(PML5, 5, false, G57, 3, alloc_table() | P | RW | US);
	set64(PML5, 5, false, G57, 2, 0x600000ULL | PS | P | US);
	WALK_OK(&c, G57, R, 0x600000ULL | (G57 & 0x1fffff));
	WALK_PF(&c, G57, W, EP | W);
	mod64(PML5, 5, false, G57, 5, XD, 0);
	WALK_PF(&c, G57, X, EP | X);
	mod64(PML5, 5, false, G57, 5, PS, XD);
	WALK_PF(&c, G57, R, EP | ERSVD);
	mod64(PML5, 5, false, G57, 5, 0, PS | P);
	WALK_PF(&c, G57, W, W);
}

/* ---- table read failures ------------------------------------------ */

static void test_read_errors(void)
{
	struct vmon_gwalk_ctx c;

	ut_begin("unreadable tables return the read_gpa error, not #PF");
	c = setup_long(0x89abc000, P | RW | US);
	c.cr3 = 0x7ffff000000ULL;	/* outside the fake memory */
	WALK_ERR(&c, G64, R, -EIO);
	c = setup_long(0x89abc000, P | RW | US);
	mem.force_ret = -ENOMEM;
	WALK_ERR(&c, G64, R, -ENOMEM);
	mem.force_ret = -EFAULT;	/* must not look like a #PF */
	WALK_ERR(&c, G64, R, -EIO);
	mem.force_ret = 1;
	WALK_ERR(&c, G64, R, -EIO);
	c = setup32(P | RW | US, P | RW | US);
	mem.force_ret = -EIO;
	WALK_ERR(&c, G32, R, -EIO);
	c = setup_pae(P | RW | US, P | RW | US);
	mem.force_ret = -EFAULT;
	WALK_ERR(&c, GPAE, R, -EIO);
}

void test_gwalk(void)
{
	test_paging_off();
	test_32bit();
	test_pae();
	test_long();
	test_la57();
	test_read_errors();
}
