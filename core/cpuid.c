// SPDX-License-Identifier: GPL-2.0
/*
 * CPUID: what vmon can offer a guest (KVM_GET_SUPPORTED_CPUID), the
 * per-vCPU table userspace sets (KVM_SET_CPUID2), and guest CPUID/XSETBV
 * answered in the kernel from that table.
 *
 * The supported set is the host's CPUID filtered through an allow-list of
 * features vmon really virtualizes: anything that needs MSRs or state
 * vmon does not handle yet (PKU, RDPID, MONITOR, XSAVES, SVM,
 * speculation-control MSRs) stays hidden, so a guest never relies on
 * something that would fault. x2APIC and TSC_ADJUST are offered whatever
 * the host has: the in-kernel LAPIC and msr.c emulate them, as KVM does.
 */
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/cpufeature.h>
#include <asm/fpu/xcr.h>
#include <asm/processor.h>
#include "vmon.h"

/* The hypervisor range: signature leaf, then the (empty) feature leaf. */
#define VMON_CPUID_SIGNATURE 0x40000000

#define F(x)	BIT(X86_FEATURE_##x & 31)

/* Leaf 1 ECX / EDX. */
#define VMON_1_ECX (F(XMM3) | F(PCLMULQDQ) | F(SSSE3) | F(FMA) | F(CX16) | \
		    F(XMM4_1) | F(XMM4_2) | F(MOVBE) | F(POPCNT) | F(AES) | \
		    F(XSAVE) | F(AVX) | F(F16C) | F(RDRAND))
/* Emulated by the in-kernel LAPIC whatever the host has, as in KVM. */
#define VMON_1_ECX_EMULATED F(X2APIC)
#define VMON_1_EDX (F(FPU) | F(VME) | F(DE) | F(PSE) | F(TSC) | F(MSR) | \
		    F(PAE) | F(CX8) | F(APIC) | F(SEP) | F(PGE) | F(CMOV) | \
		    F(PAT) | F(PSE36) | F(CLFLUSH) | F(MMX) | F(FXSR) | \
		    F(XMM) | F(XMM2) | F(MTRR) | F(MCE) | F(MCA))
/* Leaf 7.0 EBX / ECX / EDX. */
#define VMON_7_EBX (F(FSGSBASE) | F(BMI1) | F(AVX2) | F(SMEP) | F(BMI2) | \
		    F(ERMS) | F(SMAP) | F(ADX) | F(RDSEED) | F(CLFLUSHOPT) | \
		    F(CLWB) | F(SHA_NI))
#define VMON_7_ECX (F(UMIP) | F(VAES) | F(VPCLMULQDQ) | F(GFNI))
#define VMON_7_EDX 0
/* Leaf 0xD.1 EAX: XSAVEOPT, XSAVEC, XGETBV1 (not XSAVES: no IA32_XSS). */
#define VMON_D1_EAX (F(XSAVEOPT) | F(XSAVEC) | F(XGETBV1))
/* Leaf 0x80000001 ECX / EDX. */
#define VMON_81_ECX (F(LAHF_LM) | F(ABM) | F(SSE4A) | F(MISALIGNSSE) | \
		     F(3DNOWPREFETCH) | F(XOP) | F(FMA4) | F(TBM))
#define VMON_81_EDX (F(SYSCALL) | F(NX) | F(MMXEXT) | F(FXSR_OPT) | \
		     F(GBPAGES) | F(RDTSCP) | F(LM) | (F(FPU) | F(VME) | F(DE) | F(PSE) | \
		     F(TSC) | F(MSR) | F(PAE) | F(CX8) | F(APIC) | F(PGE) | \
		     F(CMOV) | F(PAT) | F(PSE36) | F(MMX) | F(FXSR) | \
		     F(MTRR) | F(MCE) | F(MCA)))
/* Components vmon lets a guest enable in XCR0. */
#define VMON_XCR0_ALLOWED (XFEATURE_MASK_FP | XFEATURE_MASK_SSE | \
			   XFEATURE_MASK_YMM | XFEATURE_MASK_AVX512)

struct vmon_cpuid_buf {
	struct kvm_cpuid_entry2 *e;
	int n, max;
};

/*
 * Does KVM_GET_SUPPORTED_CPUID offer this feature bit of leaf 1 or 7.0?
 * (The host must have it too; vmon_guest_has() checks that.) Used for
 * the CR4 bits a guest may set before any KVM_SET_CPUID2, as KVM does
 * with its own capabilities.
 */
bool vmon_cpuid_offered(u32 fn, enum vmon_cpuid_reg reg, int bit)
{
	u32 mask = 0;

	if (fn == 1 && reg == VMON_ECX)
		mask = VMON_1_ECX | VMON_1_ECX_EMULATED;
	else if (fn == 1 && reg == VMON_EDX)
		mask = VMON_1_EDX;
	else if (fn == 7 && reg == VMON_EBX)
		mask = VMON_7_EBX;
	else if (fn == 7 && reg == VMON_ECX)
		mask = VMON_7_ECX;
	return mask & BIT(bit);
}

static int vmon_cpuid_add(struct vmon_cpuid_buf *b, u32 fn, u32 idx,
			  u32 flags, struct kvm_cpuid_entry2 **out)
{
	struct kvm_cpuid_entry2 *e;

	if (b->n >= b->max)
		return -E2BIG;
	e = &b->e[b->n++];
	memset(e, 0, sizeof(*e));
	e->function = fn;
	e->index = idx;
	e->flags = flags;
	cpuid_count(fn, idx, &e->eax, &e->ebx, &e->ecx, &e->edx);
	*out = e;
	return 0;
}

static u64 vmon_supported_xcr0(void)
{
	return vmon_host_xcr0 & VMON_XCR0_ALLOWED;
}

/* Size of the XSAVE area for @xcr0, standard (or compacted) layout. */
static u32 vmon_xstate_size(u64 xcr0, bool compacted)
{
	u32 size = 512 + 64, eax, ebx, ecx, edx;
	int i;

	for (i = 2; i < 64; i++) {
		if (!(xcr0 & BIT_ULL(i)))
			continue;
		cpuid_count(0xd, i, &eax, &ebx, &ecx, &edx);
		if (compacted)
			size = (ecx & 2 ? ALIGN(size, 64) : size) + eax;
		else
			size = max(size, eax + ebx);
	}
	return size;
}

static int vmon_fill_supported(struct vmon_cpuid_buf *b)
{
	struct kvm_cpuid_entry2 *e;
	u32 max_basic, max_ext, i, ebx, ecx, edx;
	const u32 sig = KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
	u64 xcr0 = vmon_supported_xcr0();
	int r;

	cpuid(0, &max_basic, &ebx, &ecx, &edx);
	max_basic = min_t(u32, max_basic, 0xd);
	r = vmon_cpuid_add(b, 0, 0, 0, &e);
	if (r)
		return r;
	e->eax = max_basic;

	r = vmon_cpuid_add(b, 1, 0, 0, &e);
	if (r)
		return r;
	e->ebx &= 0x0000ffff;		/* APIC ID and CPU count are per VM */
	e->ecx = (e->ecx & VMON_1_ECX) | VMON_1_ECX_EMULATED |
		 BIT(X86_FEATURE_HYPERVISOR & 31);
	e->edx &= VMON_1_EDX;
	if (!xcr0)
		e->ecx &= ~(F(XSAVE) | F(AVX));

	if (max_basic >= 7) {
		r = vmon_cpuid_add(b, 7, 0, sig, &e);
		if (r)
			return r;
		e->eax = 0;
		e->ebx = (e->ebx & VMON_7_EBX) | F(TSC_ADJUST); /* msr.c */
		e->ecx &= VMON_7_ECX;
		e->edx &= VMON_7_EDX;
	}

	if (max_basic >= 0xd && xcr0) {
		r = vmon_cpuid_add(b, 0xd, 0, sig, &e);
		if (r)
			return r;
		e->eax = (u32)xcr0;
		e->edx = xcr0 >> 32;
		e->ebx = vmon_xstate_size(XFEATURE_MASK_FPSSE, false);
		e->ecx = vmon_xstate_size(xcr0, false);
		r = vmon_cpuid_add(b, 0xd, 1, sig, &e);
		if (r)
			return r;
		e->eax &= VMON_D1_EAX;
		e->ebx = e->ecx = e->edx = 0;
		for (i = 2; i < 64; i++) {
			if (!(xcr0 & BIT_ULL(i)))
				continue;
			r = vmon_cpuid_add(b, 0xd, i, sig, &e);
			if (r)
				return r;
			e->ecx &= 0x2;	/* keep only the alignment bit */
			e->edx = 0;
		}
	}

	/*
	 * The hypervisor range, as KVM offers it: a signature leaf whose EAX
	 * is the last leaf (0x40000001). vmon signs as itself, not as KVM,
	 * and its feature leaf is empty: no paravirtual interface.
	 */
	r = vmon_cpuid_add(b, VMON_CPUID_SIGNATURE, 0, 0, &e);
	if (r)
		return r;
	e->eax = VMON_CPUID_SIGNATURE + 1;
	memcpy(&e->ebx, "vmon", 4);
	memcpy(&e->ecx, "vmon", 4);
	memcpy(&e->edx, "vmon", 4);
	r = vmon_cpuid_add(b, VMON_CPUID_SIGNATURE + 1, 0, 0, &e);
	if (r)
		return r;
	e->eax = e->ebx = e->ecx = e->edx = 0;

	cpuid(0x80000000, &max_ext, &ebx, &ecx, &edx);
	if (max_ext < 0x80000000)
		return 0;
	max_ext = min_t(u32, max_ext, 0x80000008);
	r = vmon_cpuid_add(b, 0x80000000, 0, 0, &e);
	if (r)
		return r;
	e->eax = max_ext;
	for (i = 0x80000001; i <= max_ext; i++) {
		if (i == 0x80000007)
			continue;	/* power management: nothing to offer */
		r = vmon_cpuid_add(b, i, 0, 0, &e);
		if (r)
			return r;
		if (i == 0x80000001) {
			e->eax = 0;
			e->ebx = 0;
			e->ecx &= VMON_81_ECX;
			e->edx &= VMON_81_EDX;
		} else if (i == 0x80000008) {
			e->eax &= 0xffff;	/* physical/virtual bits */
			e->ebx = 0;
			e->ecx = 0;		/* one core */
			e->edx = 0;
		}
	}
	return 0;
}

long vmon_get_supported_cpuid(void __user *argp)
{
	struct kvm_cpuid2 __user *uc = argp;
	struct vmon_cpuid_buf b = {};
	struct kvm_cpuid2 c;
	long r;

	if (copy_from_user(&c, uc, sizeof(c)))
		return -EFAULT;
	if (c.nent < 1)
		return -E2BIG;
	b.max = min_t(u32, c.nent, VMON_MAX_CPUID_ENTRIES);
	b.e = kvcalloc(b.max, sizeof(*b.e), GFP_KERNEL);
	if (!b.e)
		return -ENOMEM;
	r = vmon_fill_supported(&b);
	if (!r && copy_to_user(uc->entries, b.e, b.n * sizeof(*b.e)))
		r = -EFAULT;
	if (!r) {
		c.nent = b.n;
		if (copy_to_user(uc, &c, sizeof(c)))
			r = -EFAULT;
	}
	kvfree(b.e);
	return r;
}

static void vmon_cpuid_dynamic(struct vmon_vcpu *vcpu, u32 fn, u32 idx,
			       u32 *ebx, u32 *ecx, u32 *edx);

static bool vmon_cpuid_same(struct vmon_vcpu *vcpu,
			    const struct kvm_cpuid_entry2 *e, int nent)
{
	int i;

	if (nent != vcpu->cpuid_nent)
		return false;
	for (i = 0; i < nent; i++) {
		struct kvm_cpuid_entry2 a = e[i], b = vcpu->cpuid[i];

		vmon_cpuid_dynamic(vcpu, a.function, a.index, &a.ebx, &a.ecx,
				   &a.edx);
		vmon_cpuid_dynamic(vcpu, b.function, b.index, &b.ebx, &b.ecx,
				   &b.edx);
		if (a.function != b.function || a.index != b.index ||
		    a.flags != b.flags || a.eax != b.eax || a.ebx != b.ebx ||
		    a.ecx != b.ecx || a.edx != b.edx)
			return false;
	}
	return true;
}

long vmon_vcpu_set_cpuid2(struct vmon_vcpu *vcpu, unsigned long arg)
{
	struct kvm_cpuid2 __user *uc = (void __user *)arg;
	struct kvm_cpuid_entry2 *e = NULL;
	struct kvm_cpuid2 c;

	if (copy_from_user(&c, uc, sizeof(c)))
		return -EFAULT;
	if (c.nent > VMON_MAX_CPUID_ENTRIES)
		return -E2BIG;
	if (c.nent) {
		e = memdup_user(uc->entries, c.nent * sizeof(*e));
		if (IS_ERR(e))
			return PTR_ERR(e);
	}
	/*
	 * As in KVM: once the vCPU has run, CPUID may only be set again to
	 * the very same table (changing it under a running guest is unsafe),
	 * compared as the guest sees both (what KVM_GET_CPUID2 returned).
	 */
	if (vcpu->ran_once && !vmon_cpuid_same(vcpu, e, c.nent)) {
		kfree(e);
		return -EINVAL;
	}
	kfree(vcpu->cpuid);
	vcpu->cpuid = e;
	vcpu->cpuid_nent = c.nent;
	return 0;
}

/*
 * Bits that follow guest state (CR4.OSXSAVE/PKE, APIC_BASE.EN, XCR0),
 * applied to an entry of the vCPU's table when it is read: by the guest's
 * CPUID and by KVM_GET_CPUID2, which therefore agree, as in KVM.
 */
static void vmon_cpuid_dynamic(struct vmon_vcpu *vcpu, u32 fn, u32 idx,
			       u32 *ebx, u32 *ecx, u32 *edx)
{
	u64 cr4 = vmon_get_cr(vcpu, 4);

	if (fn == 1) {
		*ecx &= ~F(OSXSAVE);
		if ((cr4 & X86_CR4_OSXSAVE) && (*ecx & F(XSAVE)))
			*ecx |= F(OSXSAVE);
		if (!(vcpu->apic_base & MSR_IA32_APICBASE_ENABLE))
			*edx &= ~F(APIC);
	} else if (fn == 7 && idx == 0) {
		*ecx &= ~F(OSPKE);
		if (cr4 & X86_CR4_PKE)
			*ecx |= F(OSPKE);
	} else if (fn == 0xd && (idx == 0 || idx == 1)) {
		*ebx = vmon_xstate_size(vcpu->xcr0, idx == 1);
	}
}

long vmon_vcpu_get_cpuid2(struct vmon_vcpu *vcpu, unsigned long arg)
{
	struct kvm_cpuid2 __user *uc = (void __user *)arg;
	struct kvm_cpuid_entry2 *out;
	struct kvm_cpuid2 c;
	long r = 0;
	int i;

	if (copy_from_user(&c, uc, sizeof(c)))
		return -EFAULT;
	if (c.nent < vcpu->cpuid_nent)
		return -E2BIG;
	if (!vcpu->cpuid_nent)
		return 0;
	out = kmemdup(vcpu->cpuid, vcpu->cpuid_nent * sizeof(*out),
		      GFP_KERNEL_ACCOUNT);
	if (!out)
		return -ENOMEM;
	for (i = 0; i < vcpu->cpuid_nent; i++)
		vmon_cpuid_dynamic(vcpu, out[i].function, out[i].index,
				   &out[i].ebx, &out[i].ecx, &out[i].edx);
	/*
	 * KVM 6.1 writes the entries but never the count back (neither on
	 * success nor on E2BIG); clients cope, and vmon answers the same.
	 */
	if (copy_to_user(uc->entries, out, vcpu->cpuid_nent * sizeof(*out)))
		r = -EFAULT;
	kfree(out);
	return r;
}

int vmon_emulate_cpuid(struct vmon_vcpu *vcpu)
{
	u32 fn = vcpu->regs[VMON_RAX], idx = vcpu->regs[VMON_RCX];
	struct kvm_cpuid_entry2 *e = vmon_find_cpuid(vcpu, fn, idx);
	u32 eax = 0, ebx = 0, ecx = 0, edx = 0;

	/* Intel-like guests: out-of-range leaves alias the max. */
	if (!e && vmon_guest_cpuid_is_intel(vcpu)) {
		struct kvm_cpuid_entry2 *max = vmon_find_cpuid(vcpu,
						fn & 0x80000000, 0);

		if (max && fn > max->eax) {
			struct kvm_cpuid_entry2 *b = vmon_find_cpuid(vcpu, 0, 0);

			e = vmon_find_cpuid(vcpu, b->eax, idx);
		}
	}
	if (e) {
		eax = e->eax;
		ebx = e->ebx;
		ecx = e->ecx;
		edx = e->edx;
	}

	if (e)
		vmon_cpuid_dynamic(vcpu, fn, idx, &ebx, &ecx, &edx);

	vcpu->regs[VMON_RAX] = eax;
	vcpu->regs[VMON_RBX] = ebx;
	vcpu->regs[VMON_RCX] = ecx;
	vcpu->regs[VMON_RDX] = edx;
	return vmon_skip_emulated_insn(vcpu);
}

/* XCR0 components the guest may enable: its CPUID and what vmon offers. */
static u64 vmon_guest_xcr0_mask(struct vmon_vcpu *vcpu)
{
	struct kvm_cpuid_entry2 *e = vmon_find_cpuid(vcpu, 0xd, 0);

	if (!e)
		return XFEATURE_MASK_FP;
	return (((u64)e->edx << 32) | e->eax) & vmon_supported_xcr0();
}

int vmon_emulate_xsetbv(struct vmon_vcpu *vcpu)
{
	u64 val = (vcpu->regs[VMON_RDX] << 32) | (u32)vcpu->regs[VMON_RAX];
	u32 index = vcpu->regs[VMON_RCX];
	u64 avx512 = val & XFEATURE_MASK_AVX512;

	if (!(vmon_get_cr(vcpu, 4) & X86_CR4_OSXSAVE)) {
		vmon_queue_exception(vcpu, UD_VECTOR, false, 0);
		return 1;
	}
	if (vmon_get_cpl(vcpu) != 0 || index != 0 ||
	    !(val & XFEATURE_MASK_FP) ||
	    (val & ~vmon_guest_xcr0_mask(vcpu)) ||
	    ((val & XFEATURE_MASK_YMM) && !(val & XFEATURE_MASK_SSE)) ||
	    (avx512 && (avx512 != XFEATURE_MASK_AVX512 ||
			!(val & XFEATURE_MASK_YMM)))) {
		vmon_queue_exception(vcpu, GP_VECTOR, true, 0);
		return 1;
	}
	vcpu->xcr0 = val;
	return vmon_skip_emulated_insn(vcpu);
}
