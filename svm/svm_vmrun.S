/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one VMRUN of vmon's AMD-V backend.
 *
 * Between the guest VMLOAD and the host VMLOAD, GS.base is the guest's:
 * no per-CPU access (and no C call) is possible there, which is why the
 * host save area's address travels on the stack. The caller has cleared
 * GIF, so neither interrupts nor NMIs can observe that window.
 */
#include <linux/linkage.h>
#include <asm/asm.h>
#include <asm/nospec-branch.h>
#include "svm.h"

#define REG(r)	((r) * 8)

.section .noinstr.text, "ax"

/*
 * void __svm_vmon_run(u64 vmcb_pa, u64 *regs, u64 host_save_pa)
 *   %rdi: guest VMCB (physical), %rsi: vcpu->regs[], %rdx: host save area
 */
SYM_FUNC_START(__svm_vmon_run)
	push %rbp
	push %r15
	push %r14
	push %r13
	push %r12
	push %rbx

	/* Popped in reverse order after VMRUN, when no register is free. */
	push %rdx
	push %rdi
	push %rsi

	/*
	 * Host FS/GS/TR/LDTR hidden state, KERNEL_GS_BASE, the STAR family
	 * and SYSENTER: VMRUN/#VMEXIT switch none of these.
	 */
	mov %rdx, %rax
	vmsave %rax
	mov %rdi, %rax
	vmload %rax

	/* RAX and RSP are loaded by VMRUN from the VMCB. */
	mov REG(SVM_REGS_RCX)(%rsi), %rcx
	mov REG(SVM_REGS_RDX)(%rsi), %rdx
	mov REG(SVM_REGS_RBX)(%rsi), %rbx
	mov REG(SVM_REGS_RBP)(%rsi), %rbp
	mov REG(SVM_REGS_RDI)(%rsi), %rdi
	mov REG(SVM_REGS_R8)(%rsi), %r8
	mov REG(SVM_REGS_R9)(%rsi), %r9
	mov REG(SVM_REGS_R10)(%rsi), %r10
	mov REG(SVM_REGS_R11)(%rsi), %r11
	mov REG(SVM_REGS_R12)(%rsi), %r12
	mov REG(SVM_REGS_R13)(%rsi), %r13
	mov REG(SVM_REGS_R14)(%rsi), %r14
	mov REG(SVM_REGS_R15)(%rsi), %r15
	mov REG(SVM_REGS_RSI)(%rsi), %rsi

	/* MDS/TSA: flush CPU buffers last (clobbers EFLAGS.ZF only). */
	VM_CLEAR_CPU_BUFFERS

	vmrun %rax

	/* #VMEXIT: RAX = VMCB address and RSP are the host's again. */
	pop %rax
	mov %rcx, REG(SVM_REGS_RCX)(%rax)
	mov %rdx, REG(SVM_REGS_RDX)(%rax)
	mov %rbx, REG(SVM_REGS_RBX)(%rax)
	mov %rbp, REG(SVM_REGS_RBP)(%rax)
	mov %rsi, REG(SVM_REGS_RSI)(%rax)
	mov %rdi, REG(SVM_REGS_RDI)(%rax)
	mov %r8, REG(SVM_REGS_R8)(%rax)
	mov %r9, REG(SVM_REGS_R9)(%rax)
	mov %r10, REG(SVM_REGS_R10)(%rax)
	mov %r11, REG(SVM_REGS_R11)(%rax)
	mov %r12, REG(SVM_REGS_R12)(%rax)
	mov %r13, REG(SVM_REGS_R13)(%rax)
	mov %r14, REG(SVM_REGS_R14)(%rax)
	mov %r15, REG(SVM_REGS_R15)(%rax)

	pop %rax
	vmsave %rax
	pop %rax
	vmload %rax

	/*
	 * The guest may have poisoned the RSB and the return predictors:
	 * stuff the RSB before the first RET, then the kernel's RETBleed/SRSO
	 * untraining and the IBPB-on-VMEXIT mitigation, as KVM does.
	 */
#ifdef CONFIG_RETPOLINE
	FILL_RETURN_BUFFER %rax, RSB_CLEAR_LOOPS, X86_FEATURE_RETPOLINE
#endif
	UNTRAIN_RET
	ALTERNATIVE "", "call entry_ibpb", X86_FEATURE_IBPB_ON_VMEXIT

	/*
	 * No guest value may stay in a register, not even in those about to
	 * be reloaded from the stack: a speculative use of a stale value is
	 * what this prevents.
	 */
	xor %eax, %eax
	xor %ecx, %ecx
	xor %edx, %edx
	xor %ebx, %ebx
	xor %ebp, %ebp
	xor %esi, %esi
	xor %edi, %edi
	xor %r8d, %r8d
	xor %r9d, %r9d
	xor %r10d, %r10d
	xor %r11d, %r11d
	xor %r12d, %r12d
	xor %r13d, %r13d
	xor %r14d, %r14d
	xor %r15d, %r15d

	pop %rbx
	pop %r12
	pop %r13
	pop %r14
	pop %r15
	pop %rbp
	RET
SYM_FUNC_END(__svm_vmon_run)
