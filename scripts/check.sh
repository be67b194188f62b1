#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check`: set up, build, run the unit tests on the host, then boot
# the emulated AMD machine ONCE to run every selftest against /dev/vmon
# and against Linux's own kvm_amd (/dev/kvm, the oracle), and summarize.
#
# A step that fails does not stop the run: it becomes a failed host:<step>
# result, so the last line is always "N passed, N failed, N skipped" and
# the exit status is non-zero when anything failed.
#
# Environment: T="a_test b_test" (only these selftests), TEST_TIMEOUT
# (per test binary and device, s; default 120), QEMU_TIMEOUT (whole boot,
# s; default 900), QEMU_IDLE (silence that counts as a hung guest, s;
# default TEST_TIMEOUT + 60), KVER/KDIR, QEMU_MEM, QEMU_SMP.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
# Each run has its own directory (several sessions may share a tree);
# build/check points at the latest.
out=build/check.$$
rm -rf "$out"
mkdir -p "$out"
[ -L build/check ] || rm -rf build/check
ln -sfn "check.$$" build/check
hostlog=$out/host.log
guestlog=$out/guest.log
: > "$hostlog"
rm -f "$guestlog" "$out/summary.txt" "$out/results.txt"
export TEST_TIMEOUT=${TEST_TIMEOUT:-120}
QEMU_TIMEOUT=${QEMU_TIMEOUT:-900}
# /init prints at least once per TEST_TIMEOUT: longer silence is a hang.
export QEMU_IDLE=${QEMU_IDLE:-$((TEST_TIMEOUT + 60))}
CHECK_NAME=check
# shellcheck source=scripts/check-common.sh
. scripts/check-common.sh
check_build

phase unit
echo "=== VMON BEGIN dev=unit bin=- ===" >> "$hostlog"
"$MAKE" --no-print-directory unit 2>&1 | tee -a "$hostlog"
rc=${PIPESTATUS[0]}
{ echo; echo "=== VMON END dev=unit bin=- rc=$rc ==="; } >> "$hostlog"

guest_args=()
if [ -n "$KVER" ] &&
   NO_VMON=$no_vmon step initramfs scripts/mkinitramfs.sh -p suite \
	-o "$out/initramfs.cpio.gz" -t "${T:-}"; then
	phase "boot (limit ${QEMU_TIMEOUT} s)"
	scripts/run-qemu.sh "$out/initramfs.cpio.gz" "$guestlog" "$QEMU_TIMEOUT"
	rc=$?
	echo "=== VMON HOST name=qemu-exit rc=$rc ===" >> "$hostlog"
	# What the guest was told to run, from the image itself (the
	# staging tree is per run and gone by now).
	(cd "$out" && gzip -dc initramfs.cpio.gz |
		cpio -i --quiet --to-stdout etc/vmon/plan > plan)
	# shellcheck disable=SC1091
	tests=$(. "$out/plan" && echo "$TESTS")
	# shellcheck disable=SC1091
	devices=$(. "$out/plan" && echo "$DEVICES")
	[ -n "$tests" ] || echo "check.sh: no TESTS in the image's plan" >&2
	guest_args=(--guest "$guestlog")
	for t in $tests; do
		for d in $devices; do
			guest_args+=(--expect "$d:$t")
		done
	done
	# The module checks /init runs after the suite when it used vmon.
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
