// SPDX-License-Identifier: GPL-2.0
/*
 * In-kernel local APIC: placeholder until the LAPIC model lands; no vCPU
 * has one because KVM_CREATE_IRQCHIP is not offered yet.
 */
#include "vmon.h"

int vmon_lapic_create(struct vmon_vcpu *vcpu) { return -ENODEV; }
void vmon_lapic_free(struct vmon_vcpu *vcpu) { }
void vmon_lapic_reset(struct vmon_vcpu *vcpu, bool init) { }
int vmon_apic_deliver(struct vmon_vm *vm, struct vmon_vcpu *src,
		      const struct vmon_apic_irq *irq) { return -1; }
int vmon_lapic_pending_vector(struct vmon_vcpu *vcpu) { return -1; }
void vmon_lapic_ack(struct vmon_vcpu *vcpu, int vector) { }
bool vmon_lapic_accept_extint(struct vmon_vcpu *vcpu) { return false; }
u8 vmon_lapic_get_cr8(struct vmon_vcpu *vcpu) { return 0; }
void vmon_lapic_set_cr8(struct vmon_vcpu *vcpu, u8 cr8) { }
bool vmon_lapic_x2apic(struct vmon_vcpu *vcpu) { return false; }
bool vmon_lapic_mmio(struct vmon_vcpu *vcpu, u64 gpa, bool write,
		     void *data, int len) { return false; }
int vmon_lapic_get_msr(struct vmon_vcpu *vcpu, u32 index, u64 *data,
		       bool host) { return 1; }
int vmon_lapic_set_msr(struct vmon_vcpu *vcpu, u32 index, u64 data,
		       bool host) { return 1; }
int vmon_lapic_set_base(struct vmon_vcpu *vcpu, u64 value, bool host)
{ return 0; }
long vmon_vcpu_get_lapic(struct vmon_vcpu *vcpu, unsigned long arg)
{ return -ENXIO; }
long vmon_vcpu_set_lapic(struct vmon_vcpu *vcpu, unsigned long arg)
{ return -ENXIO; }
