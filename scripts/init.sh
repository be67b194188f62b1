#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of vmon's test initramfs (busybox sh, PID 1). Built into the image
# by scripts/mkinitramfs.sh, which also writes /etc/vmon/plan. Everything it
# prints goes to the serial console, which the host logs and parses with
# scripts/vmonlog.py. The marker lines below are that parser's contract:
#
#   === VMON START plan=<p> ===                     /init began
#   === VMON HOST name=<check> rc=<n> ===          a host-level check
#   === VMON BEGIN dev=<d> bin=<b> ===              start of one run
#   === VMON END dev=<d> bin=<b> rc=<n> secs=<s> timeout=<t> ===
#   === VMON DMESG BEGIN === ... === VMON DMESG END ===
#   === VMON DONE plan=<p> ===                      /init reached the end
#
# Plans: suite (every /tests/* binary against each device), demo (vmon-run
# on one guest), bench (vmon-bench against each device).

export PATH=/bin
umask 022

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /tmp /dev/pts
mount -t tmpfs tmpfs /tmp
# The kernel opened /dev/console before devtmpfs existed only if the image
# carried the node; make sure every later line reaches the serial port.
exec < /dev/console > /dev/console 2>&1

# SysRq debug dumps (l: all CPUs' backtraces, w: blocked tasks) for the
# host's hang watchdog, which sends them from QEMU's keyboard.
echo 1 > /proc/sys/kernel/sysrq

# Defaults; /etc/vmon/plan overrides them.
PLAN=suite
TESTS=
DEVICES="vmon kvm"
TEST_TIMEOUT=120
DEMO_DEV=vmon
DEMO_CMD="/bin/vmon-run --dev /dev/vmon /guests/hello.elf"
BENCH_ARGS=
LOAD_KVM=1
. /etc/vmon/plan

mark() {
	echo "=== VMON $* ==="
}

uptime_s() {
	cut -d' ' -f1 /proc/uptime
}

# insmod the modules listed (one file name a line) in $1, skipping those
# already loaded (vmon's and KVM's dependency lists may overlap).
# Prints insmod's complaints; returns the first failure's status.
load_list() {
	ret=0
	while read -r ko; do
		[ -n "$ko" ] || continue
		name=$(basename "$ko" .ko | tr - _)
		[ -d "/sys/module/$name" ] && continue
		insmod "/modules/$ko" || {
			rc=$?
			echo "insmod $ko failed (status $rc)"
			[ $ret -ne 0 ] || ret=$rc
		}
	done < "$1"
	return $ret
}

# host:vmon-loaded. Missing vmon.ko is a failure, not a skip: the suite
# exists to test it.
load_vmon() {
	if [ ! -f /modules/vmon.order ]; then
		echo "vmon.ko is not in the initramfs (did the module build fail?)"
		mark "HOST name=vmon-loaded rc=127"
		return
	fi
	load_list /modules/vmon.order
	rc=$?
	if [ $rc -ne 0 ]; then
		dmesg | tail -n 20
	elif [ ! -c /dev/vmon ]; then
		echo "vmon.ko loaded but /dev/vmon did not appear"
		rc=126
	fi
	mark "HOST name=vmon-loaded rc=$rc"
}

# host:kvm-loaded: the oracle, Linux's own kvm_amd, in the same boot.
load_kvm() {
	load_list /modules/kvm.order
	rc=$?
	if [ $rc -ne 0 ]; then
		dmesg | tail -n 20
	elif [ ! -c /dev/kvm ]; then
		echo "kvm modules loaded but /dev/kvm did not appear"
		rc=126
	fi
	mark "HOST name=kvm-loaded rc=$rc"
}

# run_one DEV BIN CMD...: one run between markers, under a hard timeout.
# busybox timeout execs CMD itself, so a crash shows as 128+signal and
# a timeout as 137 (SIGKILL) with secs >= TEST_TIMEOUT.
run_one() {
	dev=$1
	bin=$2
	shift 2
	mark "BEGIN dev=$dev bin=$bin"
	t0=$(uptime_s)
	(cd /tmp && VMON_TEST_DEV=/dev/$dev \
		timeout -s KILL "$TEST_TIMEOUT" "$@" < /dev/null 2>&1)
	rc=$?
	t1=$(uptime_s)
	secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
	to=0
	if [ $rc -eq 137 ] &&
	   awk -v s="$secs" -v t="$TEST_TIMEOUT" 'BEGIN { exit !(s >= t) }'; then
		to=1
	fi
	# A run that died mid-line must not glue its last line to the marker.
	echo
	mark "END dev=$dev bin=$bin rc=$rc secs=$secs timeout=$to"
}

run_suite() {
	if [ -z "$TESTS" ]; then
		TESTS=$(cd /tests 2>/dev/null && ls)
	fi
	for t in $TESTS; do
		for dev in $DEVICES; do
			run_one "$dev" "$t" "/tests/$t"
		done
	done
}

run_demo() {
	# shellcheck disable=SC2086
	run_one "$DEMO_DEV" demo $DEMO_CMD
}

run_bench() {
	if [ ! -x /bin/vmon-bench ]; then
		echo "vmon-bench is not in the initramfs"
	fi
	for dev in $DEVICES; do
		# shellcheck disable=SC2086
		run_one "$dev" vmon-bench /bin/vmon-bench --dev "/dev/$dev" \
			$BENCH_ARGS
	done
}

mark "START plan=$PLAN"
echo "vmon-init: kernel=$(uname -r) cpus=$(nproc)"
load_vmon
[ "$LOAD_KVM" = 1 ] && load_kvm

case "$PLAN" in
suite)	run_suite ;;
demo)	run_demo ;;
bench)	run_bench ;;
*)	echo "vmon-init: unknown plan '$PLAN'" ;;
esac

mark "DMESG BEGIN"
dmesg
mark "DMESG END"
mark "DONE plan=$PLAN"
sync
poweroff -f
