// SPDX-License-Identifier: GPL-2.0
/*
 * The nested-page-fault entry and the remote TLB flush: the two places
 * where nested paging meets the run loop. The backends' NPF / EPT-violation
 * exits call vmon_handle_tdp_fault(), which maps the page (tdp.c) or hands
 * an access outside guest RAM to the core's MMIO emulation. Every change
 * that removes or narrows a mapping ends in vmon_flush_remote_tlbs().
 */
#include <linux/cpumask.h>
#include <linux/smp.h>
#include <linux/srcu.h>
#include "vmon.h"

int vmon_handle_tdp_fault(struct vmon_vcpu *vcpu, u64 gpa, bool write,
			  bool exec)
{
	int idx, r;

	vcpu->stat.tdp_faults++;
	idx = srcu_read_lock(&vcpu->vm->srcu);
	r = vmon_tdp_fault(vcpu, gpa, write, exec);
	srcu_read_unlock(&vcpu->vm->srcu, idx);

	switch (r) {
	case VMON_TDP_MAPPED:
	case VMON_TDP_RETRY:
		return 1;
	case VMON_TDP_MMIO:
		return vmon_emulate_mmio(vcpu, gpa, exec);
	default:
		/* The slot's userspace mapping is bad: KVM returns -EFAULT. */
		return r < 0 ? r : -EIO;
	}
}

static void vmon_flush_ipi(void *unused)
{
	/* Nothing: taking the IPI proves the CPU has left guest mode. */
}

void vmon_flush_remote_tlbs(struct vmon_vm *vm)
{
	struct vmon_vcpu *vcpu;
	cpumask_var_t cpus;
	unsigned long i;

	atomic_inc(&vm->tlb_flush_gen);
	/* Pairs with the barrier between setting IN_GUEST and the check. */
	smp_mb__after_atomic();

	if (!zalloc_cpumask_var(&cpus, GFP_ATOMIC)) {
		/* Cannot build a mask: interrupt everybody. */
		on_each_cpu(vmon_flush_ipi, NULL, 1);
		return;
	}
	/*
	 * Under RCU: a vCPU whose creation fails after it was published is
	 * freed only after a grace period (vmon_create_vcpu).
	 */
	rcu_read_lock();
	xa_for_each(&vm->vcpus, i, vcpu) {
		int cpu = READ_ONCE(vcpu->cpu);

		if (READ_ONCE(vcpu->mode) == VMON_IN_GUEST &&
		    cpu >= 0 && cpu < nr_cpu_ids)
			cpumask_set_cpu(cpu, cpus);
	}
	rcu_read_unlock();
	preempt_disable();
	/*
	 * A vCPU that entered after we read its mode sees the new generation
	 * before VMRUN; one that is in guest mode is forced out by the IPI.
	 */
	smp_call_function_many(cpus, vmon_flush_ipi, NULL, true);
	preempt_enable();
	free_cpumask_var(cpus);
}
