// SPDX-License-Identifier: GPL-2.0
/*
 * Hardware virtualization on demand: enabled on every online CPU when the
 * first VM is created, disabled when the last one goes, so that vmon and
 * kvm_amd/kvm_intel can be loaded in the same kernel and used one after
 * the other. CPUs that come online while VMs exist are enabled by the
 * hotplug callback.
 *
 * Emergency reboot/kexec: in 6.1 the kernel's own
 * cpu_emergency_disable_virtualization() always clears EFER.SVME (and
 * STGIs), so the SVM backend needs no callback. The single callback slot
 * (cpu_emergency_register_virt_callback) is taken by kvm_intel at load,
 * so registering one here would WARN whenever both are loaded; the VMX
 * backend uses a reboot notifier and relies on kvm_intel's callback for
 * the emergency paths (vmx/vmx.c says how, and what that leaves open).
 */
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/percpu.h>
#include <linux/smp.h>
#include <asm/mce.h>
#include "vmon.h"

static DEFINE_MUTEX(vmon_hw_lock);
/* Number of VMs; changed under vmon_hw_lock AND cpus_read_lock. */
static int vmon_hw_users;
/* This CPU has virtualization enabled by vmon (touched on the CPU only). */
static DEFINE_PER_CPU(bool, vmon_hw_enabled);
static enum cpuhp_state vmon_hp_state;

struct vmon_enable_result {
	atomic_t failed;
	int busy_cpu;
};

static int vmon_hw_enable_this_cpu(void)
{
	int r;

	if (__this_cpu_read(vmon_hw_enabled))
		return 0;
	r = vmon_ops->cpu_enable();
	if (!r)
		__this_cpu_write(vmon_hw_enabled, true);
	return r;
}

static void vmon_hw_disable_this_cpu(void)
{
	if (!__this_cpu_read(vmon_hw_enabled))
		return;
	vmon_ops->cpu_disable();
	__this_cpu_write(vmon_hw_enabled, false);
}

static void vmon_hw_enable_ipi(void *data)
{
	struct vmon_enable_result *res = data;

	if (vmon_hw_enable_this_cpu()) {
		atomic_inc(&res->failed);
		WRITE_ONCE(res->busy_cpu, smp_processor_id());
	}
}

static void vmon_hw_disable_ipi(void *unused)
{
	vmon_hw_disable_this_cpu();
}

int vmon_hw_get(void)
{
	struct vmon_enable_result res = { .failed = ATOMIC_INIT(0) };
	int r = 0;

	mutex_lock(&vmon_hw_lock);
	cpus_read_lock();
	if (vmon_hw_users++ == 0) {
		on_each_cpu(vmon_hw_enable_ipi, &res, 1);
		if (atomic_read(&res.failed)) {
			on_each_cpu(vmon_hw_disable_ipi, NULL, 1);
			vmon_hw_users = 0;
			pr_warn_ratelimited("vmon: %s is in use by another hypervisor on CPU %d (is kvm running a VM?); KVM_CREATE_VM fails with EBUSY\n",
					    vmon_ops->name, res.busy_cpu);
			r = -EBUSY;
		}
	}
	cpus_read_unlock();
	mutex_unlock(&vmon_hw_lock);
	return r;
}

void vmon_hw_put(void)
{
	mutex_lock(&vmon_hw_lock);
	cpus_read_lock();
	if (!WARN_ON_ONCE(vmon_hw_users <= 0) && --vmon_hw_users == 0)
		on_each_cpu(vmon_hw_disable_ipi, NULL, 1);
	cpus_read_unlock();
	mutex_unlock(&vmon_hw_lock);
}

/* Runs on the CPU coming online; the hotplug lock excludes vmon_hw_get. */
static int vmon_cpu_online(unsigned int cpu)
{
	int r = 0;

	if (!vmon_hw_users)
		return 0;
	local_irq_disable();
	r = vmon_hw_enable_this_cpu();
	local_irq_enable();
	if (r)
		pr_warn("vmon: cannot enable %s on CPU %u coming online (%d)\n",
			vmon_ops->name, cpu, r);
	return r;
}

static int vmon_cpu_offline(unsigned int cpu)
{
	local_irq_disable();
	vmon_hw_disable_this_cpu();
	local_irq_enable();
	return 0;
}

/*
 * A machine check that hit the guest (or a VM entry) exits to the host
 * instead of reaching its handler: hand it over on this CPU, right after
 * the exit with IRQs still off, as KVM's kvm_machine_check() does. The
 * frame says user mode, whatever the guest's CPL, so that the handler may
 * kill the current task (the VMM) rather than panic. The guest gets
 * nothing injected, as in KVM.
 */
void vmon_machine_check(void)
{
	struct pt_regs regs = { .cs = 3, .flags = X86_EFLAGS_IF };

	do_machine_check(&regs);
}

int vmon_hw_init(void)
{
	int r;

	r = cpuhp_setup_state_nocalls(CPUHP_AP_ONLINE_DYN, "vmon:online",
				      vmon_cpu_online, vmon_cpu_offline);
	if (r < 0)
		return r;
	vmon_hp_state = r;
	return 0;
}

void vmon_hw_exit(void)
{
	cpuhp_remove_state_nocalls(vmon_hp_state);
	WARN_ON(vmon_hw_users);
}
