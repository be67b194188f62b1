/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one VM entry of vmon's VT-x backend.
 *
 * HOST_RIP is vmx_vmon_vmexit (written once per VMCS); HOST_RSP is the
 * stack pointer right after the pushes below, written just before entry
 * because this frame's address differs from call to call. At the exit
 * only RSP and RIP are the host's: every other GPR still holds the guest's
 * value, so the regs pointer is fetched back from the stack.
 */
#include <linux/linkage.h>
#include <asm/asm.h>
#include <asm/nospec-branch.h>
#include <asm/segment.h>
#include <asm/unwind_hints.h>
#include "vmx.h"

#define REG(r)	((r) * 8)

.section .noinstr.text, "ax"

/*
 * int __vmx_vmon_enter(u64 *regs, bool launched)
 *   %rdi: vcpu->regs[], %sil: VMRESUME (1) or VMLAUNCH (0)
 * Returns 0 after a VM exit, VMX_ENTER_VMFAIL when the instruction failed
 * (RFLAGS.CF/ZF) or faulted (VMX already off at reboot).
 */
SYM_FUNC_START(__vmx_vmon_enter)
	push %rbp
	mov %rsp, %rbp
	push %r15
	push %r14
	push %r13
	push %r12
	push %rbx
	/* Popped after the exit, when no register is free. */
	push %rdi

	mov %esi, %ebx
	mov $VMX_HOST_RSP_FIELD, %eax
	vmwrite %rsp, %rax
	jna .Lvmfail_early

	/* CF = launched: MOV and VERW below leave CF alone. */
	bt $0, %ebx

	mov %rdi, %rax
	mov REG(VMX_REGS_RCX)(%rax), %rcx
	mov REG(VMX_REGS_RDX)(%rax), %rdx
	mov REG(VMX_REGS_RBX)(%rax), %rbx
	mov REG(VMX_REGS_RBP)(%rax), %rbp
	mov REG(VMX_REGS_RSI)(%rax), %rsi
	mov REG(VMX_REGS_RDI)(%rax), %rdi
	mov REG(VMX_REGS_R8)(%rax), %r8
	mov REG(VMX_REGS_R9)(%rax), %r9
	mov REG(VMX_REGS_R10)(%rax), %r10
	mov REG(VMX_REGS_R11)(%rax), %r11
	mov REG(VMX_REGS_R12)(%rax), %r12
	mov REG(VMX_REGS_R13)(%rax), %r13
	mov REG(VMX_REGS_R14)(%rax), %r14
	mov REG(VMX_REGS_R15)(%rax), %r15
	mov REG(VMX_REGS_RAX)(%rax), %rax

	/*
	 * MDS/TAA/MMIO/RFDS: clear the CPU buffers last (VERW clobbers
	 * EFLAGS.ZF only). Keyed on X86_FEATURE_CLEAR_CPU_BUF, which the
	 * Intel mitigations set, as KVM's VMX does; the _VM variant is AMD's
	 * TSA only (scripts/check-spec-build.py checks which one is here).
	 */
	CLEAR_CPU_BUFFERS

	jnc .Lvmlaunch

	/* The exit below lands with this stack layout (HOST_RSP). */
	UNWIND_HINT_SAVE
.Lvmresume:
	vmresume
	jmp .Lvmfail
.Lvmlaunch:
	vmlaunch
	jmp .Lvmfail

	_ASM_EXTABLE(.Lvmresume, .Lvmfail)
	_ASM_EXTABLE(.Lvmlaunch, .Lvmfail)

SYM_INNER_LABEL(vmx_vmon_vmexit, SYM_L_GLOBAL)
	UNWIND_HINT_RESTORE
	ENDBR

	push %rax
	mov 8(%rsp), %rax		/* regs */
	pop REG(VMX_REGS_RAX)(%rax)
	mov %rcx, REG(VMX_REGS_RCX)(%rax)
	mov %rdx, REG(VMX_REGS_RDX)(%rax)
	mov %rbx, REG(VMX_REGS_RBX)(%rax)
	mov %rbp, REG(VMX_REGS_RBP)(%rax)
	mov %rsi, REG(VMX_REGS_RSI)(%rax)
	mov %rdi, REG(VMX_REGS_RDI)(%rax)
	mov %r8, REG(VMX_REGS_R8)(%rax)
	mov %r9, REG(VMX_REGS_R9)(%rax)
	mov %r10, REG(VMX_REGS_R10)(%rax)
	mov %r11, REG(VMX_REGS_R11)(%rax)
	mov %r12, REG(VMX_REGS_R12)(%rax)
	mov %r13, REG(VMX_REGS_R13)(%rax)
	mov %r14, REG(VMX_REGS_R14)(%rax)
	mov %r15, REG(VMX_REGS_R15)(%rax)
	xor %ebx, %ebx

.Lclear_regs:
	pop %rax			/* regs pointer, no longer needed */
	/*
	 * No guest value may stay in a register, not even in those about to
	 * be reloaded from the stack: a speculative use of a stale value is
	 * what this prevents.
	 */
	xor %eax, %eax
	xor %ecx, %ecx
	xor %edx, %edx
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

	/*
	 * The guest may have poisoned the RSB and the branch history: stuff
	 * the RSB before the first RET and clear the history where the
	 * kernel asks for it, as KVM does.
	 */
	FILL_RETURN_BUFFER %rcx, RSB_CLEAR_LOOPS, X86_FEATURE_RSB_VMEXIT,\
			   X86_FEATURE_RSB_VMEXIT_LITE
	CLEAR_BRANCH_HISTORY_VMEXIT

	mov %rbx, %rax
	pop %rbx
	pop %r12
	pop %r13
	pop %r14
	pop %r15
	pop %rbp
	RET

.Lvmfail:
	/* Nothing entered; RSP is ours but guest values are loaded. */
	mov $VMX_ENTER_VMFAIL, %ebx
	jmp .Lclear_regs

.Lvmfail_early:
	mov $VMX_ENTER_VMFAIL, %ebx
	jmp .Lclear_regs
SYM_FUNC_END(__vmx_vmon_enter)

.section .text, "ax"

/*
 * void vmx_vmon_call_nmi(void (*entry)(void))
 * Call an IDT entry point as the CPU would deliver an NMI: a 16-byte
 * aligned interrupt frame (SS, RSP, RFLAGS, CS) and a CALL for the
 * return address; the handler ends with IRET, which also unblocks NMIs.
 */
SYM_FUNC_START(vmx_vmon_call_nmi)
	push %rbp
	mov %rsp, %rbp
	and $-16, %rsp
	push $__KERNEL_DS
	push %rbp
	pushf
	push $__KERNEL_CS
	CALL_NOSPEC rdi
	/* IRET already restored RSP; say so for objtool. */
	mov %rbp, %rsp
	pop %rbp
	RET
SYM_FUNC_END(vmx_vmon_call_nmi)
