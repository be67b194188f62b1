// SPDX-License-Identifier: GPL-2.0
/*
 * Intel VT-x backend: not implemented yet (tracked as its own issue).
 * Until then, loading on an Intel CPU fails with a clear reason instead
 * of pretending; the ops table exists so the core links unchanged.
 */
#include <linux/module.h>
#include "vmon.h"

int vmx_detect(void)
{
	vmon_pr_err("Intel VT-x backend not implemented yet; this build supports AMD-V only\n");
	return -ENODEV;
}

const struct vmon_backend_ops vmon_vmx_ops = {
	.name = "vmx",
	.tdp = &vmon_ept_format,
};
