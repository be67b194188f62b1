// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/vmon: the system file descriptor of the KVM API. Its ioctls answer
 * questions about the host (API version, capabilities, supported CPUID,
 * MSR list) and create VMs. A misc device, as KVM's node is
 * (/sys/class/misc/vmon); kvm_node=1 presents it as KVM's /dev/kvm.
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include "vmon.h"

static ushort dev_mode = 0600;
module_param(dev_mode, ushort, 0444);
MODULE_PARM_DESC(dev_mode, "Permissions of the node (default 0600; udev rules may override)");

/*
 * kvm_node=1: register under KVM's own misc name and minor ("kvm", 232), so
 * that every KVM client finds vmon at /dev/kvm unchanged and udev gives the
 * node KVM's group and mode. Only one driver can own the minor: with kvm.ko
 * loaded the load fails.
 */
static bool kvm_node;
module_param(kvm_node, bool, 0444);
MODULE_PARM_DESC(kvm_node, "Register as /dev/kvm (misc minor 232) instead of /dev/vmon; kvm.ko must not be loaded");

const struct vmon_ioctl_desc *vmon_ioctl_find(const struct vmon_ioctl_desc *t,
					      size_t n, unsigned int cmd)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (t[i].cmd == cmd)
			return &t[i];
	return NULL;
}

/*
 * Every ioctl result passes here: kernel-internal error codes must never
 * reach userspace (they have no meaning there).
 */
long vmon_ioctl_finish(const struct vmon_ioctl_desc *d, long r)
{
	if (r == -ENOIOCTLCMD)
		return -ENOTTY;
	if (WARN_ONCE(r <= -ENOIOCTLCMD && r >= -MAX_ERRNO,
		      "vmon: %s leaked internal error %ld\n", d->name, r))
		return -EINVAL;
	return r;
}

long vmon_check_extension(struct vmon_vm *vm, long ext)
{
	switch (ext) {
	case KVM_CAP_USER_MEMORY:
	case KVM_CAP_DESTROY_MEMORY_REGION_WORKS:
	case KVM_CAP_SYNC_MMU:
	case KVM_CAP_READONLY_MEM:
	case KVM_CAP_IMMEDIATE_EXIT:
	case KVM_CAP_EXT_CPUID:
	case KVM_CAP_MP_STATE:
	case KVM_CAP_CHECK_EXTENSION_VM:
	case KVM_CAP_JOIN_MEMORY_REGIONS_WORKS:
	case KVM_CAP_SET_TSS_ADDR:
	case KVM_CAP_USER_NMI:
	case KVM_CAP_VCPU_EVENTS:
	case KVM_CAP_INTR_SHADOW:
	/* The in-kernel irqchip and what feeds it. */
	case KVM_CAP_IRQCHIP:
	case KVM_CAP_IRQ_INJECT_STATUS:
	case KVM_CAP_SIGNAL_MSI:
	case KVM_CAP_IRQFD:
	case KVM_CAP_IOEVENTFD:
	case KVM_CAP_IOEVENTFD_NO_LENGTH:
	case KVM_CAP_IOEVENTFD_ANY_LENGTH:
	case KVM_CAP_PIT:
	case KVM_CAP_PIT2:
	case KVM_CAP_PIT_STATE2:
	case KVM_CAP_REINJECT_CONTROL:
	case KVM_CAP_TSC_DEADLINE_TIMER:
	case KVM_CAP_GET_TSC_KHZ:
	case KVM_CAP_ENABLE_CAP_VM:
	case KVM_CAP_MSR_PLATFORM_INFO:
	case KVM_CAP_GET_MSR_FEATURES:
	case KVM_CAP_SPLIT_IRQCHIP:
		return 1;
	case KVM_CAP_X2APIC_API:
		return VMON_X2APIC_API_FLAGS;
	case KVM_CAP_SYNC_REGS:
		return KVM_SYNC_X86_VALID_FIELDS;
	case KVM_CAP_IRQ_ROUTING:
		return VMON_MAX_IRQ_ROUTES;	/* routing table entries */
	case KVM_CAP_NR_VCPUS:
		return min_t(long, num_online_cpus(), VMON_MAX_VCPUS);
	case KVM_CAP_MAX_VCPUS:
		return VMON_MAX_VCPUS;
	case KVM_CAP_MAX_VCPU_ID:
		return VMON_MAX_VCPU_ID;
	case KVM_CAP_NR_MEMSLOTS:
		return VMON_MAX_MEMSLOTS;
	case KVM_CAP_MCE:
		return VMON_MAX_MCE_BANKS;	/* mce.c */
	case KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2:
		return VMON_DIRTY_LOG_MANUAL_CAPS;
	default:
		/* Unknown or not (yet) implemented: the truth is "no". */
		return 0;
	}
}

static long vmon_dev_get_api_version(void *unused, unsigned long arg)
{
	return arg ? -EINVAL : KVM_API_VERSION;
}

static long vmon_dev_create_vm(void *unused, unsigned long type)
{
	/* Only the default VM type exists on x86 in this KVM version. */
	return type ? -EINVAL : vmon_create_vm();
}

static long vmon_dev_check_extension(void *unused, unsigned long arg)
{
	return vmon_check_extension(NULL, arg);
}

static long vmon_dev_get_vcpu_mmap_size(void *unused, unsigned long arg)
{
	return arg ? -EINVAL : VMON_RUN_MMAP_PAGES * PAGE_SIZE;
}

static long vmon_dev_get_supported_cpuid(void *unused, unsigned long arg)
{
	return vmon_get_supported_cpuid((void __user *)arg);
}

static long vmon_dev_get_msr_index_list(void *unused, unsigned long arg)
{
	return vmon_get_msr_index_list((void __user *)arg);
}

static long vmon_dev_get_msr_feature_index_list(void *unused,
						unsigned long arg)
{
	return vmon_get_msr_feature_index_list((void __user *)arg);
}

static long vmon_dev_get_msrs(void *unused, unsigned long arg)
{
	return vmon_get_feature_msrs((void __user *)arg);
}

static const struct vmon_ioctl_desc vmon_dev_ioctls[] = {
	VMON_IOCTL(KVM_GET_API_VERSION, vmon_dev_get_api_version, VMON_LOCK_NONE),
	VMON_IOCTL(KVM_CREATE_VM, vmon_dev_create_vm, VMON_LOCK_NONE),
	VMON_IOCTL(KVM_CHECK_EXTENSION, vmon_dev_check_extension, VMON_LOCK_NONE),
	VMON_IOCTL(KVM_GET_VCPU_MMAP_SIZE, vmon_dev_get_vcpu_mmap_size,
		   VMON_LOCK_NONE),
	VMON_IOCTL(KVM_GET_SUPPORTED_CPUID, vmon_dev_get_supported_cpuid,
		   VMON_LOCK_NONE),
	VMON_IOCTL(KVM_GET_MSR_INDEX_LIST, vmon_dev_get_msr_index_list,
		   VMON_LOCK_NONE),
	VMON_IOCTL(KVM_GET_MSR_FEATURE_INDEX_LIST,
		   vmon_dev_get_msr_feature_index_list, VMON_LOCK_NONE),
	VMON_IOCTL(KVM_GET_MSRS, vmon_dev_get_msrs, VMON_LOCK_NONE),
	VMON_IOCTL(KVM_X86_GET_MCE_CAP_SUPPORTED,
		   vmon_dev_get_mce_cap_supported, VMON_LOCK_NONE),
};

static long vmon_dev_ioctl(struct file *filp, unsigned int cmd,
			   unsigned long arg)
{
	const struct vmon_ioctl_desc *d;

	d = vmon_ioctl_find(vmon_dev_ioctls, ARRAY_SIZE(vmon_dev_ioctls), cmd);
	if (!d)
		return -EINVAL;		/* what KVM's system fd answers */
	return vmon_ioctl_finish(d, d->fn(NULL, arg));
}

static const struct file_operations vmon_dev_fops = {
	.owner		= THIS_MODULE,
	.unlocked_ioctl	= vmon_dev_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

static struct miscdevice vmon_misc = {
	.fops = &vmon_dev_fops,
};

int vmon_dev_init(void)
{
	int r;

	vmon_misc.minor = kvm_node ? KVM_MINOR : MISC_DYNAMIC_MINOR;
	vmon_misc.name = kvm_node ? "kvm" : "vmon";
	vmon_misc.mode = dev_mode & 0777;
	r = misc_register(&vmon_misc);
	if (r == -EBUSY && kvm_node)
		pr_err("vmon: kvm_node=1 but misc minor %d (/dev/kvm) is taken: unload kvm_amd/kvm_intel and kvm first\n",
		       KVM_MINOR);
	else if (r)
		pr_err("vmon: registering the misc device %s failed (%d)\n",
		       vmon_misc.name, r);
	return r;
}

const char *vmon_dev_name(void)
{
	return vmon_misc.name;
}

void vmon_dev_exit(void)
{
	misc_deregister(&vmon_misc);
}
