// SPDX-License-Identifier: GPL-2.0
/*
 * Architectural checks on guest state that do not depend on the vendor:
 * what the guest's CPUID allows, which CR4/EFER bits are legal, the
 * KVM_SET_SREGS consistency rules, canonical addresses and PAT values.
 * KVM does these in its common x86 code; both backends use these.
 */
#include <asm/cpufeature.h>
#include <asm/processor.h>
#include <asm/msr-index.h>
#include <asm/trapnr.h>
#include "vmon.h"

struct kvm_cpuid_entry2 *vmon_find_cpuid(struct vmon_vcpu *vcpu, u32 fn,
					 u32 idx)
{
	int i;

	for (i = 0; i < vcpu->cpuid_nent; i++) {
		struct kvm_cpuid_entry2 *e = &vcpu->cpuid[i];

		if (e->function == fn &&
		    (!(e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) ||
		     e->index == idx))
			return e;
	}
	return NULL;
}

/*
 * Whether the guest may have a feature: its KVM_SET_CPUID2 table once
 * there is one, the host before (KVM_SET_SREGS is legal before CPUID).
 */
bool vmon_guest_has(struct vmon_vcpu *vcpu, int host_feature, u32 fn,
		    u32 idx, enum vmon_cpuid_reg reg, int bit)
{
	struct kvm_cpuid_entry2 *e;
	u32 val;

	if (!boot_cpu_has(host_feature))
		return false;
	if (!vcpu->cpuid_nent)
		return true;
	e = vmon_find_cpuid(vcpu, fn, idx);
	if (!e)
		return false;
	val = reg == VMON_EAX ? e->eax : reg == VMON_EBX ? e->ebx :
	      reg == VMON_ECX ? e->ecx : e->edx;
	return val & BIT(bit);
}

/* CR4 bits the guest may not set (vendor limits come on top). */
u64 vmon_cr4_reserved(struct vmon_vcpu *vcpu)
{
	static const struct {
		u64 cr4;
		int feature;
		u32 fn;
		u8 reg, bit;
	} opt[] = {
		{ X86_CR4_UMIP, X86_FEATURE_UMIP, 7, VMON_ECX, 2 },
		{ X86_CR4_LA57, X86_FEATURE_LA57, 7, VMON_ECX, 16 },
		{ X86_CR4_FSGSBASE, X86_FEATURE_FSGSBASE, 7, VMON_EBX, 0 },
		{ X86_CR4_PCIDE, X86_FEATURE_PCID, 1, VMON_ECX, 17 },
		{ X86_CR4_OSXSAVE, X86_FEATURE_XSAVE, 1, VMON_ECX, 26 },
		{ X86_CR4_SMEP, X86_FEATURE_SMEP, 7, VMON_EBX, 7 },
		{ X86_CR4_SMAP, X86_FEATURE_SMAP, 7, VMON_EBX, 20 },
		{ X86_CR4_PKE, X86_FEATURE_PKU, 7, VMON_ECX, 3 },
	};
	u64 allowed = X86_CR4_VME | X86_CR4_PVI | X86_CR4_TSD | X86_CR4_DE |
		      X86_CR4_PSE | X86_CR4_PAE | X86_CR4_MCE | X86_CR4_PGE |
		      X86_CR4_PCE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;
	unsigned int i;

	/* Offered by vmon, present on the host, and in the guest's CPUID. */
	for (i = 0; i < ARRAY_SIZE(opt); i++)
		if (vmon_cpuid_offered(opt[i].fn, opt[i].reg, opt[i].bit) &&
		    vmon_guest_has(vcpu, opt[i].feature, opt[i].fn, 0,
				   opt[i].reg, opt[i].bit))
			allowed |= opt[i].cr4;
	return ~allowed;
}

bool vmon_cr4_write_ok(struct vmon_vcpu *vcpu, u64 old, u64 cr4, u64 efer,
		       u64 cr3)
{
	if (cr4 & vmon_cr4_reserved(vcpu))
		return false;
	/* Long mode needs PAE, and its paging depth cannot change. */
	if ((efer & EFER_LMA) &&
	    (!(cr4 & X86_CR4_PAE) || ((cr4 ^ old) & X86_CR4_LA57)))
		return false;
	/* PCIDE may only be set with CR3[11:0] = 0, in long mode. */
	if ((cr4 & X86_CR4_PCIDE) && !(old & X86_CR4_PCIDE) &&
	    (!(efer & EFER_LMA) || (cr3 & 0xfff)))
		return false;
	/* Last: nothing may refuse the write once the PDPTEs are in. */
	if (vmon_cr4_loads_pdptrs(vmon_get_cr(vcpu, 0), efer, old, cr4) &&
	    !vmon_load_pdptrs(vcpu, cr3))
		return false;
	return true;
}

/*
 * The PDPT is 32-byte aligned at CR3[31:5]. PDPTEs carry no rights and
 * no NX: bits 2:1, 8:5, 63 and those above MAXPHYADDR are reserved.
 */
bool vmon_load_pdptrs(struct vmon_vcpu *vcpu, u64 cr3)
{
	u64 pdpte[4], rsvd;
	int i, idx, r;

	idx = srcu_read_lock(&vcpu->vm->srcu);
	r = vmon_read_guest(vcpu->vm, cr3 & 0xffffffe0ULL, pdpte,
			    sizeof(pdpte));
	srcu_read_unlock(&vcpu->vm->srcu, idx);
	if (r)
		return false;
	rsvd = GENMASK_ULL(63, vmon_guest_maxphyaddr(vcpu)) |
	       GENMASK_ULL(8, 5) | GENMASK_ULL(2, 1);
	for (i = 0; i < 4; i++)
		if ((pdpte[i] & BIT_ULL(0)) && (pdpte[i] & rsvd))
			return false;
	memcpy(vcpu->pdptrs, pdpte, sizeof(pdpte));
	return true;
}

/*
 * EFER bits a guest may have (no nested virtualization, so never SVME).
 * As in KVM, userspace is held to what the host supports, the guest to
 * its CPUID.
 */
bool vmon_efer_valid(struct vmon_vcpu *vcpu, u64 efer, bool host)
{
	if (efer & ~(EFER_SCE | EFER_LME | EFER_LMA | EFER_NX | EFER_FFXSR))
		return false;
	if (host)
		return (!(efer & (EFER_LME | EFER_LMA)) ||
			boot_cpu_has(X86_FEATURE_LM)) &&
		       (!(efer & EFER_NX) || boot_cpu_has(X86_FEATURE_NX)) &&
		       (!(efer & EFER_FFXSR) ||
			boot_cpu_has(X86_FEATURE_FXSR_OPT));
	if ((efer & (EFER_LME | EFER_LMA)) &&
	    !vmon_guest_has(vcpu, X86_FEATURE_LM, 0x80000001, 0, VMON_EDX, 29))
		return false;
	if ((efer & EFER_NX) &&
	    !vmon_guest_has(vcpu, X86_FEATURE_NX, 0x80000001, 0, VMON_EDX, 20))
		return false;
	if ((efer & EFER_FFXSR) &&
	    !vmon_guest_has(vcpu, X86_FEATURE_FXSR_OPT, 0x80000001, 0,
			    VMON_EDX, 25))
		return false;
	return true;
}

u8 vmon_guest_maxphyaddr(struct vmon_vcpu *vcpu)
{
	struct kvm_cpuid_entry2 *e = vmon_find_cpuid(vcpu, 0x80000008, 0);

	return e && (e->eax & 0xff) ? e->eax & 0xff :
				      boot_cpu_data.x86_phys_bits;
}

/* KVM's KVM_SET_SREGS checks; the core applies them before the backend. */
bool vmon_sregs_valid(struct vmon_vcpu *vcpu, const struct kvm_sregs *s)
{
	if (s->cr0 >> 32)
		return false;
	if ((s->cr0 & X86_CR0_NW) && !(s->cr0 & X86_CR0_CD))
		return false;
	if ((s->cr0 & X86_CR0_PG) && !(s->cr0 & X86_CR0_PE))
		return false;
	if (s->cr4 & vmon_cr4_reserved(vcpu))
		return false;
	if (!vmon_efer_valid(vcpu, s->efer, true))
		return false;

	if ((s->efer & EFER_LME) && (s->cr0 & X86_CR0_PG)) {
		/* Long mode: PAE and LMA set, CR3 within MAXPHYADDR. */
		if (!(s->cr4 & X86_CR4_PAE) || !(s->efer & EFER_LMA))
			return false;
		if (s->cr3 >> vmon_guest_maxphyaddr(vcpu))
			return false;
	} else if ((s->efer & EFER_LMA) || s->cs.l) {
		return false;
	}
	return true;
}

bool vmon_canonical(u64 addr)
{
	return __is_canonical_address(addr, boot_cpu_data.x86_virt_bits);
}

/* The guest's linear-address width: 57 bits with CR4.LA57, else 48. */
static u8 vmon_guest_virt_bits(struct vmon_vcpu *vcpu)
{
	return vmon_get_cr(vcpu, 4) & X86_CR4_LA57 ? 57 : 48;
}

/* Canonical for the guest's paging mode, as KVM checks MSR addresses. */
bool vmon_guest_canonical(struct vmon_vcpu *vcpu, u64 addr)
{
	return __is_canonical_address(addr, vmon_guest_virt_bits(vcpu));
}

u64 vmon_guest_canonicalize(struct vmon_vcpu *vcpu, u64 addr)
{
	return __canonical_address(addr, vmon_guest_virt_bits(vcpu));
}

/* The guest's CPUID vendor is "GenuineIntel" (EBX, EDX, ECX). */
bool vmon_guest_cpuid_is_intel(struct vmon_vcpu *vcpu)
{
	struct kvm_cpuid_entry2 *e = vmon_find_cpuid(vcpu, 0, 0);

	return e && e->ebx == 0x756e6547 && e->edx == 0x49656e69 &&
	       e->ecx == 0x6c65746e;
}

bool vmon_pat_valid(u64 pat)
{
	/* Each byte 0 (UC), 1 (WC), 4 (WT), 5 (WP), 6 (WB) or 7 (UC-). */
	if (pat & 0xf8f8f8f8f8f8f8f8ULL)
		return false;
	return (pat | ((pat & 0x0202020202020202ULL) << 1)) == pat;
}

/* Exceptions that push an error code (the #DF/#TS/.../#CP set). */
bool vmon_exception_has_error(u8 vector)
{
	switch (vector) {
	case DF_VECTOR: case TS_VECTOR: case NP_VECTOR: case SS_VECTOR:
	case GP_VECTOR: case PF_VECTOR: case AC_VECTOR: case X86_TRAP_CP:
		return true;
	default:
		return false;
	}
}

/*
 * Deliver @vector while exception @prev (-1: none) is being delivered:
 * the vector to inject (#DF for the benign/contributory/#PF pairs), or
 * -1 when the combination is a triple fault.
 */
int vmon_exception_combine(int prev, u8 vector)
{
	if (prev < 0)
		return vector;
	if (prev == DF_VECTOR)
		return -1;
	if ((vmon_exception_contributory(prev) &&
	     vmon_exception_contributory(vector)) ||
	    (prev == PF_VECTOR &&
	     (vector == PF_VECTOR || vmon_exception_contributory(vector))))
		return DF_VECTOR;
	return vector;
}

/* Contributory exceptions: two of them in a row make a #DF. */
bool vmon_exception_contributory(u8 vector)
{
	return vector == DE_VECTOR || (vector >= TS_VECTOR &&
				       vector <= GP_VECTOR);
}
