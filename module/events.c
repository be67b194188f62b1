// SPDX-License-Identifier: GPL-2.0
/*
 * Events: being written (exception queue, interrupts, NMIs, windows).
 */
#include "vmon.h"

void vmon_vcpu_kick(struct vmon_vcpu *vcpu) { }
void vmon_vcpu_deliver_nmi(struct vmon_vcpu *vcpu) { }
void vmon_vcpu_deliver_init(struct vmon_vcpu *vcpu) { }
void vmon_vcpu_deliver_sipi(struct vmon_vcpu *vcpu, u8 vector) { }
void vmon_queue_exception(struct vmon_vcpu *vcpu, u8 vector, bool has_error,
			  u32 error_code)
{
	vmon_ops->queue_exception(vcpu, vector, has_error, error_code);
}
void vmon_event_vectoring(struct vmon_vcpu *vcpu, const struct vmon_event *ev)
{ }
int vmon_events_prepare(struct vmon_vcpu *vcpu) { return 1; }
void vmon_events_inject(struct vmon_vcpu *vcpu) { }
void vmon_events_reset(struct vmon_vcpu *vcpu) { }
long vmon_vcpu_interrupt(struct vmon_vcpu *vcpu, unsigned long arg)
{ return -ENOTTY; }
long vmon_vcpu_nmi(struct vmon_vcpu *vcpu, unsigned long arg)
{ return -ENOTTY; }
long vmon_vcpu_get_events(struct vmon_vcpu *vcpu, unsigned long arg)
{ return -ENOTTY; }
long vmon_vcpu_set_events(struct vmon_vcpu *vcpu, unsigned long arg)
{ return -ENOTTY; }
