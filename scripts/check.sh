#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check`: set up, build, run the unit tests on the host, then run
# the whole selftest suite on both emulated machines, each booted ONCE:
#
#   amd    QEMU TCG (EPYC, SVM + NPT), oracle kvm_amd; results named
#          vmon:BIN:CASE, kvm:BIN:CASE, host:CHECK
#   intel  Bochs (corei7_skylake_x, VMX + EPT), oracle kvm_intel; results
#          named intel:vmon:BIN:CASE, intel:kvm:BIN:CASE, intel:host:CHECK
#   slowtsc the AMD machine again with tsc_early_khz=800000, only the
#          timer tests (SLOWTSC_TESTS); results slowtsc:vmon:BIN:CASE, ...
#
# The two boots run at the same time (each emulator uses one host core:
# QEMU with thread=single, Bochs always), so the run takes about as long as
# the Bochs boot. A step that fails does not stop the run: it becomes a
# failed host:<step> result, so the last line is always the combined
# "N passed, N failed, N skipped" and the exit status is non-zero when
# anything failed.
#
# Environment: MACHINES ("amd intel"; "amd" alone is the quick loop),
# T="a_test b_test" (only these selftests), KVER/KDIR;
# AMD machine: TEST_TIMEOUT (per test binary and device, s; default 120),
# QEMU_TIMEOUT (whole boot, s; default 2400), QEMU_IDLE (silence that
# counts as a hung guest, s; default TEST_TIMEOUT + 60), QEMU_MEM,
# QEMU_SMP; Intel machine: BOCHS_TEST_TIMEOUT (per test binary and device,
# s of guest time; default 300), BOCHS_TIMEOUT (whole boot, s; default
# 1500), BOCHS_IDLE (default 300), and run-bochs.sh's BOCHS_* settings.
# CHECK_NAME (check; check-intel.sh sets check-intel) names the run
# directory build/$CHECK_NAME.<pid>, which build/$CHECK_NAME links to.
# CHECK_UNIT=0 leaves out the host unit tests.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
CHECK_NAME=${CHECK_NAME:-check}
MACHINES=${MACHINES:-amd intel}
# Each run has its own directory (several sessions may share a tree);
# build/$CHECK_NAME points at the latest.
out=build/$CHECK_NAME.$$
rm -rf "$out"
mkdir -p "$out"
[ -L "build/$CHECK_NAME" ] || rm -rf "build/$CHECK_NAME"
ln -sfn "$CHECK_NAME.$$" "build/$CHECK_NAME"
hostlog=$out/host.log
: > "$hostlog"
export TEST_TIMEOUT=${TEST_TIMEOUT:-120}
QEMU_TIMEOUT=${QEMU_TIMEOUT:-2400}
# /init prints at least once per TEST_TIMEOUT: longer silence is a hang.
export QEMU_IDLE=${QEMU_IDLE:-$((TEST_TIMEOUT + 60))}
# Bochs runs guest code ~10-30x slower than QEMU's TCG: a kvm_intel test
# making thousands of exits prints nothing for minutes.
BOCHS_TEST_TIMEOUT=${BOCHS_TEST_TIMEOUT:-300}
BOCHS_TIMEOUT=${BOCHS_TIMEOUT:-1500}
# A wedged Bochs prints nothing and no guest-side timeout fires: stop it
# after 5 minutes of silence (the quietest healthy stretch, loading
# kvm_intel or a long kvm_intel test, is ~30 s of guest time).
export BOCHS_IDLE=${BOCHS_IDLE:-300}
# shellcheck source=scripts/check-common.sh
. scripts/check-common.sh

want() {
	case " $MACHINES " in *" $1 "*) return 0 ;; esac
	return 1
}

# expect_args DIR: the --expect arguments for what the image in DIR was
# told to run: mkinitramfs.sh wrote them beside it, with its plan.
expect_args() {
	local f=$1/initramfs.cpio.gz.expect
	if [ ! -s "$f" ]; then
		echo "check.sh: $f missing or empty" >&2
		return
	fi
	sed 's/^/--expect /' "$f"
}

check_build
# The VERW alternatives and the VMSCAPE flag in the built objects
# (scripts/check-spec-build.py): nothing inside an emulator shows them.
step spec-build python3 scripts/check-spec-build.py
# The include boundaries between core/, dev/, npt_ept/ and the vendors.
step layout python3 scripts/check-layout.py
# The DKMS configuration builds the module against the installed headers.
step dkms scripts/dkms.sh check "$KVER"
# Every selftest has its README row, every exit-table entry its design.rst row.
step docs python3 scripts/check-docs.py

# The Intel image first, so that the slow Bochs boot starts as early as
# possible and runs beside the unit tests and the QEMU boot. Its host
# steps go to its own host log (intel:host:...).
intel=$out/intel
bochs_pid=
if want intel; then
	mkdir -p "$intel"
	ihost=$intel/host.log
	: > "$ihost"
	amdlog=$hostlog
	hostlog=$ihost
	if [ -n "$KVER" ] &&
	   KVM_VENDOR=intel TEST_TIMEOUT=$BOCHS_TEST_TIMEOUT NO_VMON=$no_vmon \
		step initramfs scripts/mkinitramfs.sh -p suite \
		-o "$intel/initramfs.cpio.gz" -t "${T:-}"; then
		phase "intel: boot Bochs in the background (limit ${BOCHS_TIMEOUT} s; log $intel/guest.log)"
		BOCHS_QUIET=1 scripts/run-bochs.sh "$intel/initramfs.cpio.gz" \
			"$intel/guest.log" "$BOCHS_TIMEOUT" \
			2> "$intel/run-bochs.err" &
		bochs_pid=$!
		# An interrupted check stops its Bochs too (run-bochs.sh
		# passes the TERM on to the emulator).
		trap '[ -z "$bochs_pid" ] || kill -TERM "$bochs_pid" 2>/dev/null' EXIT
		trap 'exit 130' INT
		trap 'exit 143' TERM
	fi
	hostlog=$amdlog
fi

if [ "${CHECK_UNIT:-1}" != 0 ]; then
	phase unit
	echo "=== VMON BEGIN dev=unit bin=- ===" >> "$hostlog"
	"$MAKE" --no-print-directory unit 2>&1 | tee -a "$hostlog"
	rc=${PIPESTATUS[0]}
	{ echo; echo "=== VMON END dev=unit bin=- rc=$rc ==="; } >> "$hostlog"
fi

amd_args=()
if want amd && [ -n "$KVER" ] &&
   NO_VMON=$no_vmon step initramfs scripts/mkinitramfs.sh -p suite \
	-o "$out/initramfs.cpio.gz" -t "${T:-}"; then
	phase "amd: boot QEMU (limit ${QEMU_TIMEOUT} s)"
	scripts/run-qemu.sh "$out/initramfs.cpio.gz" "$out/guest.log" \
		"$QEMU_TIMEOUT"
	rc=$?
	echo "=== VMON HOST name=qemu-exit rc=$rc ===" >> "$hostlog"
	# shellcheck disable=SC2207
	amd_args=(--guest "$out/guest.log" $(expect_args "$out"))
fi

# The slow-TSC boot: the AMD machine once more, its kernel told that the
# TSC runs at SLOWTSC_KHZ (default 800000: 800 MHz) with tsc_early_khz=,
# running only the timer tests (SLOWTSC_TESTS, those of them that T
# selects) on both devices. Below 1 GHz a TSC delta converted to ns is
# larger than the delta itself: where such conversions overflow 64 bits.
# Results are named slowtsc:vmon:..., slowtsc:kvm:..., slowtsc:host:...;
# slowtsc:host:tsc-below-1ghz checks that the tests really ran at that
# rate (KVM_GET_TSC_KHZ, which each of them logs). SLOWTSC=0 leaves it out.
SLOWTSC_TESTS=${SLOWTSC_TESTS:-timer_limits_test}
SLOWTSC_KHZ=${SLOWTSC_KHZ:-800000}
SLOWTSC_TIMEOUT=${SLOWTSC_TIMEOUT:-300}
slow_sel=
for st in $SLOWTSC_TESTS; do
	if [ -z "${T:-}" ]; then
		slow_sel="$slow_sel $st"
		continue
	fi
	for t in $T; do
		[ "${t%_test}_test" = "$st" ] && slow_sel="$slow_sel $st"
	done
done
[ "${SLOWTSC:-1}" != 0 ] || slow_sel=

# slowtsc_rate LOG: every TSC rate the tests logged is below 1 GHz.
slowtsc_rate() {
	local log=$1 rates r
	echo "the guest kernel's TSC lines:"
	grep -a 'tsc: ' "$log" | grep -ai 'mhz\|refined\|unstable' | sed 's/^/  /'
	rates=$(grep -ao 'guest TSC [0-9]* kHz' "$log" | awk '{ print $3 }' |
		sort -u)
	if [ -z "$rates" ]; then
		echo "no test logged its TSC rate"
		return 1
	fi
	echo "KVM_GET_TSC_KHZ as the tests logged it (kHz):" $rates
	for r in $rates; do
		if [ "$r" -ge 1000000 ]; then
			echo "$r kHz is not below 1 GHz: the boot did not slow the TSC"
			return 1
		fi
	done
}

slow_args=()
if want amd && [ -n "$KVER" ] && [ -n "$slow_sel" ]; then
	slow=$out/slowtsc
	mkdir -p "$slow"
	shost=$slow/host.log
	: > "$shost"
	amdlog=$hostlog
	hostlog=$shost
	if KVMST=none NO_VMON=$no_vmon step initramfs scripts/mkinitramfs.sh \
		-p suite -o "$slow/initramfs.cpio.gz" -t "$slow_sel"; then
		phase "slowtsc: boot QEMU with tsc_early_khz=$SLOWTSC_KHZ (limit ${SLOWTSC_TIMEOUT} s)"
		QEMU_APPEND="${QEMU_APPEND:-} tsc_early_khz=$SLOWTSC_KHZ" \
			scripts/run-qemu.sh "$slow/initramfs.cpio.gz" \
			"$slow/guest.log" "$SLOWTSC_TIMEOUT"
		rc=$?
		echo "=== VMON HOST name=qemu-exit rc=$rc ===" >> "$hostlog"
		step tsc-below-1ghz slowtsc_rate "$slow/guest.log"
		# shellcheck disable=SC2207
		slow_args=(--guest "$slow/guest.log" $(expect_args "$slow"))
	fi
	hostlog=$amdlog
	slow_args=(--machine slowtsc --host "$shost" --timeout "$TEST_TIMEOUT"
		"${slow_args[@]}")
fi

intel_args=()
if want intel; then
	if [ -n "$bochs_pid" ]; then
		phase "intel: waiting for Bochs (progress: its markers)"
		# Its progress, so that a long wait is not silent.
		# -F: run-bochs.sh may not have created the log yet.
		tail -n +1 -F --pid="$bochs_pid" "$intel/guest.log" 2>/dev/null |
			grep --line-buffered -a '=== VMON \(START\|END\|HOST\|DONE\)' |
			sed -u 's/^/intel: /' &
		wait "$bochs_pid"
		rc=$?
		bochs_pid=
		echo "=== VMON HOST name=bochs-exit rc=$rc ===" >> "$intel/host.log"
		wait
		cat "$intel/run-bochs.err" >&2
		# shellcheck disable=SC2207
		intel_args=(--guest "$intel/guest.log" $(expect_args "$intel"))
	fi
	intel_args=(--machine intel --host "$intel/host.log"
		--timeout "$BOCHS_TEST_TIMEOUT" "${intel_args[@]}")
fi

phase summary
# The AMD group also carries the shared steps (deps, builds, unit).
amd_host=(--host "$hostlog" --timeout "$TEST_TIMEOUT")
python3 scripts/ktap-summary.py "${amd_host[@]}" "${amd_args[@]}" \
	"${slow_args[@]}" "${intel_args[@]}" --results "$out/results.txt" |
	tee "$out/summary.txt"
exit "${PIPESTATUS[0]}"
