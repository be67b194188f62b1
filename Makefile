# SPDX-License-Identifier: GPL-2.0
#
# vmon: top-level build and test entry points. Kbuild (beside this file)
# describes vmon.ko; userspace/ and selftests/ have their own Makefiles.
#
#   make            vmon.ko, userspace tools, selftests
#   make demo       boot the emulated AMD machine and run a guest on vmon
#                   (VENDOR=intel: the emulated Intel machine)
#   make check      everything, then the whole suite on both emulated
#                   machines (AMD: QEMU, Intel: Bochs), one boot each, at
#                   the same time; one combined summary
#   make check-intel  only the Intel half of check
#   make bench      vmon vs. KVM figures, one emulated boot per vendor
#                   (VENDOR=amd or VENDOR=intel: only that one)
#   make unit       host-side unit tests
#   make install    vmon.ko into /lib/modules/$(KVER)/updates, depmod, the
#                   udev rule giving /dev/vmon KVM's group and mode, and
#                   vmon-run into $(PREFIX)/bin
#   make dkms-install  the same module through DKMS (rebuilt for every
#                   kernel installed later)
#   make checkpatch kernel style of the kernel sources, after make lint
#   make lint       include boundaries between core/, dev/, npt_ept/ and
#                   the vendors (scripts/check-layout.py); every selftest
#                   in selftests/README.md and every exit-table entry in
#                   design.rst (scripts/check-docs.py)
#
# Everything runtime runs in emulated machines: `qemu-system-x86_64 -accel
# tcg -cpu EPYC,+svm,+npt` (AMD-V) and Bochs's corei7_skylake_x (VT-x),
# booting Debian's kernel (see Documentation/testing.rst).

KVER ?= $(shell scripts/kver.sh)
KDIR ?= /usr/src/linux-headers-$(KVER)

# Per run of one test binary on one device, and for the whole boot (s).
TEST_TIMEOUT ?= 120
QEMU_TIMEOUT ?= 2400
# Only these selftests (names in selftests/build, "_test" optional).
T ?=
export TEST_TIMEOUT T

INITRD := build/initramfs.cpio.gz
PLAN ?= suite

CHECKPATCH := build/linux-source-6.1/scripts/checkpatch.pl
KERNEL_SRCS = $(wildcard core/*.[chS] dev/*.[chS] svm/*.[chS] vmx/*.[chS] \
		npt_ept/*.[chS] uapi/*.h)

.PHONY: all module userspace selftests unit deps ksrc initramfs demo \
	check check-intel bench checkpatch lint install dkms-install clean

all: module userspace selftests

deps:
	@scripts/deps.sh

ksrc:
	@scripts/ksrc.sh

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

userspace:
	$(MAKE) -C userspace

selftests: ksrc
	$(MAKE) -C selftests

unit: ksrc
	$(MAKE) -C selftests/unit run

# PLAN=suite|demo|bench; the build tree is not rebuilt here.
initramfs:
	scripts/mkinitramfs.sh -p $(PLAN) -o $(INITRD) -t "$(T)"

# make demo runs on one machine: the AMD one (QEMU) unless VENDOR=intel
# (Bochs, kvm_intel beside vmon). make bench runs on every vendor named in
# VENDOR (default both), the two boots at the same time.
VENDOR ?=
BENCH_VENDORS := $(or $(VENDOR),amd intel)
MACHINE_amd := QEMU_SMP=1 scripts/run-qemu.sh
MACHINE_intel := BOCHS_SMP=1 scripts/run-bochs.sh
DEMO_LIMIT_amd := 300
DEMO_LIMIT_intel := 1200
BENCH_LIMIT_amd := $(QEMU_TIMEOUT)
BENCH_LIMIT_intel := 2400
DEMO_VENDOR := $(if $(filter intel,$(VENDOR)),intel,amd)

demo: deps
	@$(MAKE) --no-print-directory all
	@KVM_VENDOR=$(DEMO_VENDOR) scripts/mkinitramfs.sh -p demo \
		-o build/initramfs-demo.cpio.gz
	@$(MACHINE_$(DEMO_VENDOR)) build/initramfs-demo.cpio.gz \
		build/demo.log $(DEMO_LIMIT_$(DEMO_VENDOR))
	@python3 scripts/demo-status.py build/demo.log

check:
	@scripts/check.sh

# The Intel half of check alone (Bochs, kvm_intel as the oracle).
check-intel:
	@scripts/check-intel.sh

# One boot per vendor; with both, the two boots run at the same time
# (each emulator uses one host core) with their consoles only in their
# logs, build/bench-<vendor>.log; then one table per vendor.
bench: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory -j2 $(BENCH_VENDORS:%=bench-boot-%)
	@rc=0; for v in $(BENCH_VENDORS); do \
		echo; echo "==== make bench: $$v ($$( \
			[ $$v = intel ] && echo 'Bochs, kvm_intel' || \
			echo 'QEMU TCG, kvm_amd')) ===="; \
		python3 scripts/bench-table.py build/bench-$$v.log || rc=1; \
	done; exit $$rc

bench-boot-%:
	@KVM_VENDOR=$* scripts/mkinitramfs.sh -p bench \
		-o build/initramfs-bench-$*.cpio.gz
	@echo "make bench: booting the $* machine (log build/bench-$*.log)"
	@QEMU_QUIET=$(if $(VENDOR),0,1) BOCHS_QUIET=$(if $(VENDOR),0,1) \
		$(MACHINE_$*) build/initramfs-bench-$*.cpio.gz \
		build/bench-$*.log $(BENCH_LIMIT_$*) || \
		echo "make bench: the $* boot failed (see build/bench-$*.log)"

lint:
	@python3 scripts/check-layout.py
	@python3 scripts/check-docs.py

checkpatch: ksrc lint
	@test -n "$(KERNEL_SRCS)" || { echo "no kernel sources yet"; exit 1; }
	@perl $(CHECKPATCH) --no-tree --show-types --quiet -f $(KERNEL_SRCS) && \
		echo "checkpatch: $(words $(KERNEL_SRCS)) files, no problems"

PREFIX ?= /usr/local

install: module userspace
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_DIR=updates modules_install
	depmod -a $(KVER)
	install -D -m 0644 scripts/60-vmon.rules /etc/udev/rules.d/60-vmon.rules
	install -D -m 0755 userspace/vmon-run $(PREFIX)/bin/vmon-run
	-udevadm control --reload 2>/dev/null

dkms-install:
	scripts/dkms.sh install

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	-$(MAKE) -C userspace clean
	-$(MAKE) -C selftests clean
	rm -rf build/initramfs-root build/*.cpio.gz build/check build/*.log
