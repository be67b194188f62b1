// SPDX-License-Identifier: GPL-2.0
/*
 * Interrupt plumbing: placeholder until the irqchip lands. Every entry
 * point answers as KVM does for a VM without an in-kernel irqchip.
 */
#include "vmon.h"

long vmon_vm_create_irqchip(struct vmon_vm *vm, unsigned long arg)
{ return -ENOTTY; }
long vmon_vm_irq_line(struct vmon_vm *vm, unsigned long arg) { return -ENXIO; }
long vmon_vm_irq_line_status(struct vmon_vm *vm, unsigned long arg)
{ return -ENXIO; }
long vmon_vm_get_irqchip(struct vmon_vm *vm, unsigned long arg)
{ return -ENXIO; }
long vmon_vm_set_irqchip(struct vmon_vm *vm, unsigned long arg)
{ return -ENXIO; }
long vmon_vm_set_gsi_routing(struct vmon_vm *vm, unsigned long arg)
{ return -ENOTTY; }
long vmon_vm_signal_msi(struct vmon_vm *vm, unsigned long arg)
{ return -ENOTTY; }
long vmon_vm_irqfd(struct vmon_vm *vm, unsigned long arg) { return -ENOTTY; }
long vmon_vm_ioeventfd(struct vmon_vm *vm, unsigned long arg)
{ return -ENOTTY; }
void vmon_irqchip_destroy(struct vmon_vm *vm) { }
bool vmon_irqchip_in_kernel(struct vmon_vm *vm)
{ return smp_load_acquire(&vm->irqchip) != NULL; }
bool vmon_kernel_pio(struct vmon_vcpu *vcpu, u16 port, bool in, int size,
		     void *data) { return false; }
bool vmon_kernel_mmio(struct vmon_vcpu *vcpu, u64 gpa, bool write, int len,
		      void *data) { return false; }
bool vmon_pic_has_irq(struct vmon_vm *vm) { return false; }
int vmon_pic_read_irq(struct vmon_vm *vm) { return -1; }
void vmon_ioapic_eoi(struct vmon_vm *vm, u8 vector) { }
