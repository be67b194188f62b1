// SPDX-License-Identifier: GPL-2.0
/*
 * vmtest host side: which emulated machine runs the suite, and the
 * emulator-bug policy of the library. The markers printed here
 * ("# vmon-known-emulator-bug: NAME") are a diagnosis only; what a marker
 * may excuse, and on which device, is decided by scripts/emulator_bugs.py
 * (on the oracle only: a bug that hits vmon is vmon's to work around).
 */
#include <unistd.h>
#include <sys/ioctl.h>

#include "vmtest.h"
#include "../../uapi/linux/vmon.h"

/*
 * The emulated test machines name themselves on the kernel command line
 * (scripts/run-bochs.sh passes "vmontest.emulator=bochs", run-qemu.sh
 * "vmontest.emulator=qemu-tcg"); real hardware passes nothing.
 */
bool vt_running_on_emulator(const char *name)
{
	char buf[4096], want[64];
	const char *p;
	size_t n;
	FILE *f = fopen("/proc/cmdline", "r");

	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	snprintf(want, sizeof(want), "vmontest.emulator=%s", name);
	for (p = strstr(buf, want); p; p = strstr(p + 1, want)) {
		char end = p[strlen(want)];

		if ((p == buf || p[-1] == ' ') &&
		    (end == '\0' || end == ' ' || end == '\n'))
			return true;
	}
	return false;
}

/*
 * x86 lets nothing in during the instruction after an STI that set IF
 * (the shadow). QEMU's SVM saves the shadow at #VMEXIT and never loads it
 * at VMRUN, so under QEMU kvm_amd lets interrupts and interrupt windows
 * in there (vmon works around it: svm/svm_events.c). Under QEMU this
 * prints the known-bug marker as a diagnosis, on either device; what it
 * may excuse is decided by scripts/emulator_bugs.py (the oracle only).
 */
void vt_shadow_violation(const char *what)
{
	fprintf(stderr, "# %s, inside STI's shadow (STI run with IF=0)\n",
		what);
	if (vt_running_on_emulator("qemu-tcg"))
		fprintf(stderr,
			"# vmon-known-emulator-bug: qemu-svm-sti-shadow\n");
}

/* A guest u64 of the library, or 0 if its page left the memslots. */
static u64 vt_guest_u64(struct vt_vm *vm, volatile u64 *var)
{
	u64 gpa = (u64)(uintptr_t)var;
	int i;

	for (i = 0; i < VT_MAX_REGIONS; i++) {
		struct vt_region *r = &vm->regions[i];

		if (r->used && gpa >= r->gpa && gpa - r->gpa < r->size)
			return *(volatile u64 *)((u8 *)r->hva + (gpa - r->gpa));
	}
	return 0;
}

/* KVM's binary statistics of a vCPU: the u64 named @name, or -1. */
static long long kvm_vcpu_stat(struct vt_vcpu *vcpu, const char *name)
{
	struct kvm_stats_header h;
	long long val = -1;
	size_t dsz;
	char *descs = NULL;
	int fd = ioctl(vcpu->fd, KVM_GET_STATS_FD, NULL);
	u32 i;

	if (fd < 0)
		return -1;
	if (pread(fd, &h, sizeof(h), 0) != sizeof(h))
		goto out;
	dsz = sizeof(struct kvm_stats_desc) + h.name_size;
	descs = calloc(h.num_desc, dsz);
	if (!descs || pread(fd, descs, h.num_desc * dsz, h.desc_offset) !=
	    (ssize_t)(h.num_desc * dsz))
		goto out;
	for (i = 0; i < h.num_desc; i++) {
		struct kvm_stats_desc *d = (void *)(descs + i * dsz);
		u64 v;

		if (strcmp(d->name, name))
			continue;
		if (pread(fd, &v, sizeof(v), h.data_offset + d->offset) ==
		    sizeof(v))
			val = v;
		break;
	}
out:
	free(descs);
	close(fd);
	return val;
}

/*
 * External interrupts the hypervisor handed to the CPU for this VM (each
 * re-injection counts again, on KVM as on vmon), or -1 if unknown or if a
 * vCPU may be inside KVM_RUN on a thread (the stats ioctls wait for it).
 */
static long long vt_irq_injections(struct vt_vm *vm)
{
	long long sum = 0, n;
	int i;

	for (i = 0; i < VT_MAX_VCPUS; i++) {
		struct vt_vcpu *vcpu = vm->vcpus[i];
		struct vmon_vcpu_stats st;

		if (!vcpu)
			continue;
		if (vcpu->thread_started)
			return -1;
		if (vt_dev_is_kvm())
			n = kvm_vcpu_stat(vcpu, "irq_injections");
		else
			n = ioctl(vcpu->fd, VMON_GET_VCPU_STATS, &st) ? -1 :
			    (long long)st.irq_injections;
		if (n < 0)
			return -1;
		sum += n;
	}
	return sum;
}

/*
 * What the guest library saw that no CPU allows (guest64.c): interrupts
 * taken inside STI's shadow, and more interrupts taken than the
 * hypervisor injected (one delivery given twice, below the hypervisor).
 * With @stats, the injection counts are read (not while vCPUs may run).
 */
void vt_report_irq_anomalies(struct vt_vm *vm, bool stats)
{
	char what[128];
	u64 n, got;
	long long sent;

	if (!vm->long_mode)
		return;
	n = vt_guest_u64(vm, &vt_irqs_in_sti_shadow);
	if (n) {
		snprintf(what, sizeof(what),
			 "%llu interrupt(s) taken on a HLT right after STI",
			 (unsigned long long)n);
		vt_shadow_violation(what);
	}
	/*
	 * Only on QEMU: with posted interrupts (APICv, AVIC) KVM's count
	 * leaves out what the CPU delivers by itself.
	 */
	got = vt_guest_u64(vm, &vt_irq_deliveries);
	if (!stats || !got || !vt_running_on_emulator("qemu-tcg"))
		return;
	sent = vt_irq_injections(vm);
	if (sent < 0 || got <= (u64)sent)
		return;
	fprintf(stderr,
		"# the guest took %llu interrupt(s), the hypervisor injected %lld: the CPU delivered some twice\n",
		(unsigned long long)got, sent);
	/* QEMU's SVM (testing.rst); excuses the oracle only (emulator_bugs.py). */
	fprintf(stderr, "# vmon-known-emulator-bug: qemu-svm-double-delivery\n");
}

