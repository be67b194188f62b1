/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libvmon: the few steps every vmon userspace program takes to get a guest
 * running, written against the plain KVM ioctl ABI of <linux/kvm.h> so the
 * same binary drives /dev/kvm (the oracle) and /dev/vmon.
 *
 * Guest-physical layout used by the long-mode setup (vmon_setup_long_mode):
 *   0x1000  GDT: null, 64-bit code (0x08), data (0x10), 64-bit TSS (0x18)
 *   0x2000  PML4
 *   0x3000  PDPT
 *   0x4000  one page directory per GiB, 2 MiB pages, identity map
 *   0x4000 + nr_gib * 4 KiB: end of the reserved area (vmon_lm_reserved_end)
 * The identity map covers max(RAM, 4 GiB) so that a guest access above RAM
 * reaches the hypervisor as MMIO instead of faulting inside the guest.
 */
#ifndef LIBVMON_H
#define LIBVMON_H

#include <stddef.h>
#include <stdint.h>
#include <linux/kvm.h>

#define VMON_DEFAULT_DEV	"/dev/vmon"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define VMON_LM_GDT		0x1000ULL
#define VMON_LM_PML4		0x2000ULL
#define VMON_LM_PDPT		0x3000ULL
#define VMON_LM_PD		0x4000ULL
#define VMON_LM_CS		0x08
#define VMON_LM_DS		0x10
#define VMON_LM_TR		0x18

/* Largest guest RAM the runner agrees to lay out (fits one PDPT). */
#define VMON_MAX_MEM_MIB	(64ULL * 1024)

struct vmon_guest {
	const char *dev;	/* path, for messages */
	int sys_fd;		/* /dev/kvm or /dev/vmon */
	int vm_fd;
	int vcpu_fd;
	struct kvm_run *run;
	size_t run_size;
	uint8_t *mem;		/* guest RAM, guest-physical 0 */
	uint64_t mem_size;
};

/*
 * Which step failed, so callers can map it to their exit status; the
 * message has already gone to stderr.
 */
enum vmon_err {
	VMON_OK = 0,
	VMON_ERR_DEV,		/* cannot open the device */
	VMON_ERR_API,		/* wrong API version or a setup ioctl failed */
	VMON_ERR_MEM,		/* mmap or KVM_SET_USER_MEMORY_REGION refused */
};

/* Open @dev and check KVM_GET_API_VERSION == 12. */
enum vmon_err vmon_open(struct vmon_guest *vm, const char *dev);
/* KVM_CREATE_VM, guest RAM at GPA 0 in slot 0, vCPU 0 + its kvm_run. */
enum vmon_err vmon_create(struct vmon_guest *vm, uint64_t mem_size);
/* KVM_GET_SUPPORTED_CPUID -> KVM_SET_CPUID2 on the vCPU. */
enum vmon_err vmon_set_cpuid(struct vmon_guest *vm);
/* Close vCPU, VM and unmap RAM; keeps sys_fd open. */
void vmon_destroy(struct vmon_guest *vm);
void vmon_close(struct vmon_guest *vm);

/* End of the area vmon_setup_long_mode writes into guest RAM. */
uint64_t vmon_lm_reserved_end(uint64_t mem_size);
/* Page tables, GDT and sregs for 64-bit mode; RIP = @entry, RSP = @rsp. */
enum vmon_err vmon_setup_long_mode(struct vmon_guest *vm, uint64_t entry,
				   uint64_t rsp);
/* Flat real mode with CS = DS = ES = SS = 0; IP = @ip, SP = @sp. */
enum vmon_err vmon_setup_real_mode(struct vmon_guest *vm, uint16_t ip,
				   uint16_t sp);

/* Pointer to the PIO data of the current KVM_EXIT_IO. */
static inline uint8_t *vmon_pio_data(struct vmon_guest *vm)
{
	return (uint8_t *)vm->run + vm->run->io.data_offset;
}

const char *vmon_exit_name(uint32_t reason);

#endif /* LIBVMON_H */
