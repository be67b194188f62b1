/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * vmon's own userspace ABI, beside the KVM ABI it serves on /dev/vmon.
 *
 * Everything here lives in vmon's ioctl type, VMONIO (0xB2, unassigned
 * in the kernel's ioctl-number registry), never in KVM's 0xAE: a KVM
 * client never sees these, and on /dev/kvm they fail (EINVAL on a vCPU
 * fd, as any unknown vCPU ioctl), which is how a tool tells the two apart.
 */
#ifndef _UAPI_VMON_H
#define _UAPI_VMON_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define VMON_DEVICE_NAME	"vmon"	/* /dev/vmon */
#define VMONIO			0xB2

/*
 * Per-vCPU counters since KVM_CREATE_VCPU. Read with VMON_GET_VCPU_STATS
 * on a vCPU fd; the call takes the vCPU's lock, so while another thread
 * is inside KVM_RUN it waits for that KVM_RUN to return.
 */
struct vmon_vcpu_stats {
	__u64 exits;		/* hardware exits (VMRUN/VMLAUNCH returns) */
	__u64 io_exits;		/* KVM_EXIT_IO given to userspace */
	__u64 mmio_exits;	/* KVM_EXIT_MMIO given to userspace */
	__u64 tdp_faults;	/* nested page faults taken */
	__u64 halt_exits;	/* KVM_EXIT_HLT given to userspace */
	__u64 signal_exits;	/* KVM_RUN ended by a pending signal */
	__u64 halt_wakeups;	/* in-kernel HLT: times the vCPU slept */
	__u64 irq_injections;	/* external interrupts injected */
	__u64 nmi_injections;	/* NMIs injected */
	__u64 irq_window_exits;	/* KVM_EXIT_IRQ_WINDOW_OPEN given */
	__u64 halt_poll_hits;	/* in-kernel HLT: woken while polling */
	/*
	 * Speculative-execution mitigations (Documentation/design.rst):
	 * entries that called for an IBPB because another vCPU ran on
	 * this CPU since this one last did (the kernel makes the barrier a
	 * no-op where it does not use IBPB); L1D flushes before VM entry
	 * (VT-x, L1TF); exits after which the kernel's VMSCAPE IBPB before
	 * the return to userspace was armed.
	 */
	__u64 ibpb_switches;
	__u64 l1d_flushes;
	__u64 vmscape_arms;
	__u64 reserved[2];	/* zero; room for more counters */
};

#define VMON_GET_VCPU_STATS	_IOR(VMONIO, 0x00, struct vmon_vcpu_stats)

#endif /* _UAPI_VMON_H */
