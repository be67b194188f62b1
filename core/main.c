// SPDX-License-Identifier: GPL-2.0
/*
 * vmon: module entry. Picks the vendor backend once, at load, and exposes
 * /dev/vmon. Nothing here runs per exit.
 */
#include <linux/module.h>
#include <asm/cpufeature.h>
#include <asm/fpu/xcr.h>
#include <asm/processor.h>
#include "vmon.h"

const struct vmon_backend_ops *vmon_ops __read_mostly;

/* The backend, chosen by CPU vendor; its detect() logs why it cannot run. */
static int vmon_pick_backend(void)
{
	int r;

	switch (boot_cpu_data.x86_vendor) {
	case X86_VENDOR_AMD:
	case X86_VENDOR_HYGON:
		r = svm_detect();
		if (!r)
			vmon_ops = &vmon_svm_ops;
		return r;
	case X86_VENDOR_INTEL:
	case X86_VENDOR_CENTAUR:
	case X86_VENDOR_ZHAOXIN:
		r = vmx_detect();
		if (!r)
			vmon_ops = &vmon_vmx_ops;
		return r;
	default:
		vmon_pr_err("no AMD-V or VT-x on this CPU (vendor %s)\n",
			    boot_cpu_data.x86_vendor_id);
		return -ENODEV;
	}
}

static int __init vmon_init(void)
{
	int r;

	r = vmon_pick_backend();
	if (r)
		return r;
	/* The kernel's XCR0 never changes at run time: read it once. */
	if (boot_cpu_has(X86_FEATURE_OSXSAVE))
		vmon_host_xcr0 = xgetbv(XCR_XFEATURE_ENABLED_MASK);

	r = vmon_ops->hardware_setup();
	if (r) {
		vmon_pr_err("%s: hardware setup failed (%d)\n",
			    vmon_ops->name, r);
		return r;
	}

	r = vmon_hw_init();
	if (r)
		goto err_unsetup;

	/* Must come last: after this, /dev/vmon is exposed to userspace. */
	r = vmon_dev_init();
	if (r)
		goto err_hw;

	vmon_pr_info("%s backend ready, /dev/%s registered\n",
		     vmon_ops->name, vmon_dev_name());
	return 0;

err_hw:
	vmon_hw_exit();
err_unsetup:
	vmon_ops->hardware_unsetup();
	return r;
}

static void __exit vmon_exit(void)
{
	/* No VM can exist: each VM file holds a module reference. */
	vmon_dev_exit();
	vmon_hw_exit();
	vmon_ops->hardware_unsetup();
}

module_init(vmon_init);
module_exit(vmon_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("vmon: a KVM-ABI compatible hypervisor module (AMD-V, VT-x)");
