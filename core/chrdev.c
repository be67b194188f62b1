// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/vmon: the system file descriptor of the KVM API. Its ioctls answer
 * questions about the host (API version, capabilities, supported CPUID,
 * MSR list) and create VMs.
 */
#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/uidgid.h>
#include "vmon.h"

static ushort dev_mode = 0600;
module_param(dev_mode, ushort, 0444);
MODULE_PARM_DESC(dev_mode, "Permissions of /dev/vmon (default 0600)");

static int dev_group = -1;
module_param(dev_group, int, 0444);
MODULE_PARM_DESC(dev_group, "Group id owning /dev/vmon (default: root)");

static dev_t vmon_devt;
static struct cdev vmon_cdev;
static struct class *vmon_class;
static struct device vmon_device;

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
		return 1;
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

/* devtmpfs asks here for the node's mode and group (module parameters). */
static char *vmon_devnode(struct device *dev, umode_t *mode, kuid_t *uid,
			  kgid_t *gid)
{
	if (mode)
		*mode = dev_mode & 0777;
	if (gid && dev_group >= 0)
		*gid = KGIDT_INIT(dev_group);
	return NULL;
}

static const struct device_type vmon_device_type = {
	.name = "vmon",
	.devnode = vmon_devnode,
};

static void vmon_device_release(struct device *dev)
{
}

int vmon_dev_init(void)
{
	int r;

	r = alloc_chrdev_region(&vmon_devt, 0, 1, "vmon");
	if (r)
		return r;
	vmon_class = class_create(THIS_MODULE, "vmon");
	if (IS_ERR(vmon_class)) {
		r = PTR_ERR(vmon_class);
		goto err_region;
	}
	cdev_init(&vmon_cdev, &vmon_dev_fops);
	vmon_cdev.owner = THIS_MODULE;
	device_initialize(&vmon_device);
	vmon_device.devt = vmon_devt;
	vmon_device.class = vmon_class;
	vmon_device.type = &vmon_device_type;
	vmon_device.release = vmon_device_release;
	r = dev_set_name(&vmon_device, "vmon");
	if (r)
		goto err_put;
	r = cdev_device_add(&vmon_cdev, &vmon_device);
	if (r)
		goto err_put;
	return 0;

err_put:
	put_device(&vmon_device);
	class_destroy(vmon_class);
err_region:
	unregister_chrdev_region(vmon_devt, 1);
	return r;
}

void vmon_dev_exit(void)
{
	cdev_device_del(&vmon_cdev, &vmon_device);
	put_device(&vmon_device);
	class_destroy(vmon_class);
	unregister_chrdev_region(vmon_devt, 1);
}
