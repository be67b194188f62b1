#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check-intel`: the Intel counterpart of check.sh. Build, then boot
# the emulated Intel machine (Bochs, corei7_skylake_x: VMX with EPT) ONCE
# to run every selftest against /dev/vmon and against Linux's own
# kvm_intel (/dev/kvm, the oracle), and summarize with the same result
# names and the same last line "N passed, N failed, N skipped".
#
# The host-only unit tests are not run here: they do not depend on the
# CPU vendor and `make check` runs them.
#
# Environment: T="a_test b_test" (only these selftests), TEST_TIMEOUT
# (per test binary and device, s of guest time; default 300),
# BOCHS_TIMEOUT (whole boot, s; default 2400), BOCHS_IDLE (silence that
# counts as a hung guest, s; default 600), KVER/KDIR, and run-bochs.sh's
# BOCHS_* settings. Logs and results go to build/check-intel.<pid>/
# (build/check-intel links to the latest).
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
# Each run has its own directory (several sessions may share a tree);
# build/check-intel points at the latest.
out=build/check-intel.$$
rm -rf "$out"
mkdir -p "$out"
ln -sfn "check-intel.$$" build/check-intel.tmp &&
	mv -Tf build/check-intel.tmp build/check-intel 2>/dev/null || true
hostlog=$out/host.log
guestlog=$out/guest.log
: > "$hostlog"
rm -f "$guestlog" "$out/summary.txt" "$out/results.txt"
export TEST_TIMEOUT=${TEST_TIMEOUT:-300}
BOCHS_TIMEOUT=${BOCHS_TIMEOUT:-2400}
# Bochs is ~10-30x slower than QEMU's TCG: a kvm_intel test that makes
# thousands of exits prints nothing for minutes.
export BOCHS_IDLE=${BOCHS_IDLE:-600}
CHECK_NAME=check-intel
# shellcheck source=scripts/check-common.sh
. scripts/check-common.sh
check_build

guest_args=()
if [ -n "$KVER" ] &&
   KVM_VENDOR=intel NO_VMON=$no_vmon step initramfs scripts/mkinitramfs.sh \
	-p suite -o "$out/initramfs.cpio.gz" -t "${T:-}"; then
	# What the guest was told to run, from the image itself.
	(cd "$out" && gzip -dc initramfs.cpio.gz |
		cpio -i --quiet --to-stdout etc/vmon/plan > plan)
	# shellcheck disable=SC1091
	tests=$(. "$out/plan" && echo "$TESTS")
	# shellcheck disable=SC1091
	devices=$(. "$out/plan" && echo "$DEVICES")
	phase "boot Bochs (limit ${BOCHS_TIMEOUT} s)"
	scripts/run-bochs.sh "$out/initramfs.cpio.gz" "$guestlog" \
		"$BOCHS_TIMEOUT"
	rc=$?
	echo "=== VMON HOST name=bochs-exit rc=$rc ===" >> "$hostlog"
	guest_args=(--guest "$guestlog")
	for t in $tests; do
		for d in $devices; do
			guest_args+=(--expect "$d:$t")
		done
	done
	case " $devices " in
	*" vmon "*)
		for c in insmod-log rmmod params reload; do
			guest_args+=(--expect "host:vmon-$c")
		done
		;;
	esac
fi

phase summary
python3 scripts/ktap-summary.py --host "$hostlog" "${guest_args[@]}" \
	--timeout "$TEST_TIMEOUT" --results "$out/results.txt" \
	| tee "$out/summary.txt"
exit "${PIPESTATUS[0]}"
