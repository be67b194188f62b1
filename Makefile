# SPDX-License-Identifier: GPL-2.0
#
# vmon: top-level build and test entry points. Kbuild (beside this file)
# describes vmon.ko; userspace/ and selftests/ have their own Makefiles.
#
#   make            vmon.ko, userspace tools, selftests
#   make demo       boot the emulated AMD machine and run a guest on vmon
#   make check      everything, then the whole suite in one emulated boot
#   make bench      vmon vs. KVM figures from one emulated boot
#   make unit       host-side unit tests
#   make checkpatch kernel style of the kernel sources
#
# Everything runtime runs under `qemu-system-x86_64 -accel tcg -cpu
# EPYC,+svm,+npt` booting Debian's kernel (see Documentation/testing.rst).

KVER ?= $(shell scripts/kver.sh)
KDIR ?= /usr/src/linux-headers-$(KVER)

# Per run of one test binary on one device, and for the whole boot (s).
TEST_TIMEOUT ?= 120
QEMU_TIMEOUT ?= 900
# Only these selftests (names in selftests/build, "_test" optional).
T ?=
export TEST_TIMEOUT T

INITRD := build/initramfs.cpio.gz
PLAN ?= suite

CHECKPATCH := build/linux-source-6.1/scripts/checkpatch.pl
KERNEL_SRCS = $(wildcard module/*.[chS] svm/*.[chS] vmx/*.[chS] \
		npt_ept/*.[chS] uapi/*.h)

.PHONY: all module userspace selftests unit deps ksrc initramfs demo \
	check check-intel bench checkpatch clean

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

# VENDOR=intel runs demo and bench on the emulated Intel machine (Bochs,
# kvm_intel beside vmon) instead of the AMD one (QEMU).
VENDOR ?= amd
ifeq ($(VENDOR),intel)
MACHINE := BOCHS_SMP=1 scripts/run-bochs.sh
DEMO_LIMIT := 1200
BENCH_LIMIT := 2400
export KVM_VENDOR := intel
else
MACHINE := QEMU_SMP=1 scripts/run-qemu.sh
DEMO_LIMIT := 300
BENCH_LIMIT := $(QEMU_TIMEOUT)
endif

demo: deps
	@$(MAKE) --no-print-directory all
	@scripts/mkinitramfs.sh -p demo -o build/initramfs-demo.cpio.gz
	@$(MACHINE) build/initramfs-demo.cpio.gz build/demo.log $(DEMO_LIMIT)
	@python3 scripts/demo-status.py build/demo.log

check:
	@scripts/check.sh

# The same suite on the emulated Intel machine (Bochs, kvm_intel as the
# oracle). Not part of `check` until the VT-x backend passes it.
check-intel:
	@scripts/check-intel.sh

bench: deps
	@$(MAKE) --no-print-directory all
	@scripts/mkinitramfs.sh -p bench -o build/initramfs-bench.cpio.gz
	@$(MACHINE) build/initramfs-bench.cpio.gz build/bench.log \
		$(BENCH_LIMIT)
	@python3 scripts/bench-table.py build/bench.log

checkpatch: ksrc
	@test -n "$(KERNEL_SRCS)" || { echo "no kernel sources yet"; exit 1; }
	@perl $(CHECKPATCH) --no-tree --show-types --quiet -f $(KERNEL_SRCS) && \
		echo "checkpatch: $(words $(KERNEL_SRCS)) files, no problems"

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	-$(MAKE) -C userspace clean
	-$(MAKE) -C selftests clean
	rm -rf build/initramfs-root build/*.cpio.gz build/check build/*.log
