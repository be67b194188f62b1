#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of vmon's test initramfs (busybox sh, PID 1). Built into the image
# by scripts/mkinitramfs.sh, which also writes /etc/vmon/plan. Everything it
# prints goes to the serial console, which the host logs and parses with
# scripts/vmonlog.py. The marker lines (mark() below) are that parser's
# contract, written down once, in vmonlog.py's docstring.
#
# Plans: suite (every /tests/* binary against each device, then the
# module-level checks host:vmon-*, then Linux's own KVM selftests in
# /kvmst against each device), demo (vmon-run on one guest), bench (vmon-bench
# against each device).
#
# A KVM selftest's run is named dev=kvmst bin=<test>@<device>; its result
# is kvmst:<test>@<device>:<test> (see Documentation/kvm-selftests.rst).

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
TEST_TIMEOUTS=
DEMO_DEV=vmon
DEMO_CMD="/bin/vmon-run --dev /dev/vmon /guests/hello.elf"
BENCH_ARGS=
BENCH_ROUNDS=1
LOAD_KVM=1
KVMST_TESTS=
KVMST_BUILD=0
KVMST_TIMEOUT=60
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

# A line written into the kernel log by /init. What the kernel printed
# during one module operation is what follows its mark (robust against
# the ring buffer dropping old lines, unlike counting lines).
kmsg_mark() {
	echo "<5>vmon-init: ---- $1 ----" > /dev/kmsg
}

# The kernel log since `kmsg_mark $1`, raw: "<priority>[time] text".
kmsg_since() {
	dmesg -r | awk -v m="vmon-init: ---- $1 ----" 'f { print } index($0, m) { f = 1 }'
}

# The kernel log lines on stdin that the kernel logged at warning level
# or worse (priority < 8: facility kernel; & 7 <= 4), or that
# host:kernel-clean would flag; except the two notices any first load of
# an unsigned out-of-tree module prints.
kmsg_bad() {
	grep -v -e 'loading out-of-tree module taints kernel' \
		-e 'module verification failed: signature and/or required key' |
	awk '/BUG:|WARNING:|kernel BUG at|Oops|general protection|Call Trace|soft lockup|hard LOCKUP|Kernel panic/ {
		print
		next
	}
	match($0, /^<[0-9]+>/) {
		p = substr($0, 2, RLENGTH - 2) + 0
		if (p < 8 && p % 8 <= 4)
			print
	}'
}

# "mode uid gid" of /dev/vmon, e.g. "600 0 0"; "missing" when absent.
vmon_node() {
	if [ -c /dev/vmon ]; then
		stat -c '%a %u %g' /dev/vmon
	else
		echo missing
	fi
}

# host:vmon-loaded. Missing vmon.ko is a failure, not a skip: the suite
# exists to test it. The first load's kernel log and the node it made
# are kept for the module checks at the end (host:vmon-insmod-log,
# host:vmon-params).
VMON_LOADED=0
load_vmon() {
	if [ ! -f /modules/vmon.order ]; then
		echo "vmon.ko is not in the initramfs (did the module build fail?)"
		mark "HOST name=vmon-loaded rc=127"
		return
	fi
	kmsg_mark insmod-first
	load_list /modules/vmon.order
	rc=$?
	kmsg_since insmod-first > /tmp/vmon-insmod.kmsg
	vmon_node > /tmp/vmon-node-default
	if [ $rc -ne 0 ]; then
		dmesg | tail -n 20
	elif [ ! -c /dev/vmon ]; then
		echo "vmon.ko loaded but /dev/vmon did not appear"
		rc=126
	else
		VMON_LOADED=1
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
	# TEST_TIMEOUTS="bin=secs ...": a binary's own limit (qemu_test).
	lim=$TEST_TIMEOUT
	for o in $TEST_TIMEOUTS; do
		[ "${o%%=*}" = "$bin" ] && lim=${o#*=}
	done
	t0=$(uptime_s)
	(cd /tmp && VMON_TEST_DEV=/dev/$dev \
		timeout -s KILL "$lim" "$@" < /dev/null 2>&1)
	rc=$?
	t1=$(uptime_s)
	secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
	to=0
	if [ $rc -eq 137 ] &&
	   awk -v s="$secs" -v t="$lim" 'BEGIN { exit !(s >= t) }'; then
		to=1
	fi
	# A run that died mid-line must not glue its last line to the marker.
	echo
	mark "END dev=$dev bin=$bin rc=$rc secs=$secs timeout=$to limit=$lim"
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

# Linux's own KVM selftests, unmodified (/kvmst, built on the host by
# scripts/kvm-selftests-build.sh). kvmst-run presents the device as
# /dev/kvm, prints the test's output as diagnostics and one KTAP result,
# and kills the test after KVMST_TIMEOUT. The oracle's runs come first,
# so that whatever vmon's runs leave behind cannot change KVM's results.
run_kvmst() {
	[ -n "$KVMST_TESTS" ] || return 0
	if [ "$KVMST_BUILD" != 0 ]; then
		echo "the KVM selftests did not build on the host" \
			"(scripts/kvm-selftests-build.sh; build/kvm-selftests/build.log)"
		mark "HOST name=kvmst-build rc=$KVMST_BUILD"
		return
	fi
	mark "HOST name=kvmst-build rc=0"
	# (run_one's variables are global: these loops use their own.)
	kdevs=
	case " $DEVICES " in *" kvm "*) kdevs=kvm ;; esac
	for kd in $DEVICES; do
		[ "$kd" = kvm ] || kdevs="$kdevs $kd"
	done
	export KVMST_TIMEOUT
	for kd in $kdevs; do
		for kt in $KVMST_TESTS; do
			run_one kvmst "$kt@$kd" /bin/kvmst-run "$kd" "/kvmst/$kt"
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
	# Rounds alternate the devices, so that a slow spell of the shared
	# host CPU does not land on one device only; bench-table.py keeps
	# each figure's best round.
	for r in $(seq "$BENCH_ROUNDS"); do
		for dev in $DEVICES; do
			echo "vmon-init: bench round $r of $BENCH_ROUNDS"
			# shellcheck disable=SC2086
			run_one "$dev" vmon-bench /bin/vmon-bench \
				--dev "/dev/$dev" $BENCH_ARGS
		done
	done
}

# ---- Module-level checks: after the suite, vmon.ko itself ----

# Who still holds a vmon file (the device, a VM or a vCPU), if anyone.
vmon_holders() {
	for f in /proc/[0-9]*/fd/*; do
		t=$(readlink "$f" 2>/dev/null) || continue
		case $t in
		*vmon*)
			p=${f#/proc/}
			p=${p%%/*}
			echo "pid $p ($(cat "/proc/$p/comm" 2>/dev/null)) fd ${f##*/}: $t"
			;;
		esac
	done
}

# Print the kernel log since mark $1 and return 1 if any of it is bad.
kmsg_clean_since() {
	bad=$(kmsg_since "$1" | kmsg_bad)
	[ -z "$bad" ] && return 0
	echo "kernel messages at warning level or worse after $2:"
	echo "$bad"
	return 1
}

# host:vmon-insmod-log: the first insmod named its backend and printed
# nothing at warning level or worse.
check_insmod_log() {
	rc=0
	case $(grep -m1 '^vendor_id' /proc/cpuinfo) in
	*AuthenticAMD*|*HygonGenuine*) want=svm ;;
	*) want=vmx ;;
	esac
	if ! grep -q "vmon: $want backend ready" /tmp/vmon-insmod.kmsg; then
		echo "no 'vmon: $want backend ready' in the first insmod's kernel log:"
		cat /tmp/vmon-insmod.kmsg
		rc=1
	fi
	bad=$(kmsg_bad < /tmp/vmon-insmod.kmsg)
	if [ -n "$bad" ]; then
		echo "the first insmod logged at warning level or worse:"
		echo "$bad"
		rc=1
	fi
	mark "HOST name=vmon-insmod-log rc=$rc"
}

# host:vmon-rmmod: every VM and vCPU file pins the module until its last
# close, so a clean rmmod after the suite means none was leaked.
check_rmmod() {
	rc=0
	# A test killed by its timeout closes its files as it dies; give
	# that a moment before calling a reference leaked.
	i=0
	while [ "$(cat /sys/module/vmon/refcnt)" != 0 ] && [ $i -lt 5 ]; do
		sleep 1
		i=$((i + 1))
	done
	ref=$(cat /sys/module/vmon/refcnt)
	if [ "$ref" != 0 ]; then
		echo "vmon refcnt is $ref after the suite (VM/vCPU files leaked?)"
		vmon_holders
	fi
	kmsg_mark rmmod
	if ! rmmod vmon; then
		echo "rmmod vmon failed"
		rc=1
	elif [ -e /dev/vmon ] || [ -d /sys/module/vmon ]; then
		echo "/dev/vmon or /sys/module/vmon still there after rmmod"
		rc=1
	fi
	kmsg_clean_since rmmod "rmmod vmon" || rc=1
	mark "HOST name=vmon-rmmod rc=$rc"
}

# host:vmon-params: default load gives 0600 root:root (seen at the first
# load), a misc device (/sys/class/misc/vmon); dev_mode= changes the mode.
# The group is udev's business, as for KVM's node.
check_params() {
	rc=0
	def=$(cat /tmp/vmon-node-default)
	if [ "$def" != "600 0 0" ]; then
		echo "default load: /dev/vmon is '$def' (mode uid gid), want '600 0 0'"
		rc=1
	fi
	kmsg_mark insmod-params
	if insmod /modules/vmon.ko dev_mode=0660; then
		got=$(vmon_node)
		if [ "$got" != "660 0 0" ]; then
			echo "dev_mode=0660: /dev/vmon is '$got', want '660 0 0'"
			rc=1
		fi
		if [ ! -e /sys/class/misc/vmon/dev ]; then
			echo "no /sys/class/misc/vmon: not a misc device"
			rc=1
		fi
		rmmod vmon || { echo "rmmod vmon failed"; rc=1; }
	else
		echo "insmod vmon.ko dev_mode=0660 failed"
		rc=1
	fi
	kmsg_clean_since insmod-params "insmod with parameters, rmmod" || rc=1
	mark "HOST name=vmon-params rc=$rc"
}

# host:vmon-kvm-node: kvm_node=1 with kvm.ko loaded fails the load and
# says why; with KVM unloaded it registers KVM's name and minor (misc
# 10:232, /dev/kvm) and runs a guest there; KVM loads again afterwards.
check_kvm_node() {
	rc=0
	if [ ! -d /sys/module/kvm ]; then
		skip_host vmon-kvm-node "kvm.ko is not loaded in this boot"
		return
	fi
	kmsg_mark kvm-node-busy
	if insmod /modules/vmon.ko kvm_node=1 2>/dev/null; then
		echo "insmod vmon.ko kvm_node=1 succeeded beside kvm.ko"
		rmmod vmon
		rc=1
	elif ! kmsg_since kvm-node-busy | grep -q 'kvm_node=1 but misc minor 232'; then
		echo "insmod vmon.ko kvm_node=1 beside kvm.ko failed without saying why:"
		kmsg_since kvm-node-busy
		rc=1
	fi
	mods=$(grep -o '^kvm[_a-z]*' /proc/modules | sort -r)
	# shellcheck disable=SC2086
	if ! rmmod $mods; then
		echo "rmmod $mods failed"
		mark "HOST name=vmon-kvm-node rc=1"
		return
	fi
	kmsg_mark kvm-node
	if insmod /modules/vmon.ko kvm_node=1; then
		got=$(stat -c '%t:%T %a' /dev/kvm 2>&1)
		if [ "$got" != "a:e8 600" ] || [ ! -e /sys/class/misc/kvm/dev ] ||
		   [ -e /dev/vmon ]; then
			echo "kvm_node=1: /dev/kvm is '$got' (want 'a:e8 600')," \
				"/sys/class/misc/kvm: $(cat /sys/class/misc/kvm/dev 2>&1)"
			rc=1
		fi
		timeout -s KILL "$TEST_TIMEOUT" /bin/vmon-run --dev /dev/kvm \
			/guests/hello.elf < /dev/null 2>&1 ||
			{ echo "vmon-run --dev /dev/kvm (vmon) failed"; rc=1; }
		rmmod vmon || { echo "rmmod vmon failed"; rc=1; }
	else
		echo "insmod vmon.ko kvm_node=1 without kvm.ko failed"
		rc=1
	fi
	kmsg_clean_since kvm-node "insmod kvm_node=1, guest, rmmod" || rc=1
	load_list /modules/kvm.order || { echo "reloading KVM failed"; rc=1; }
	mark "HOST name=vmon-kvm-node rc=$rc"
}

# host:vmon-reload: after those load/unload cycles, a fresh load still
# runs a guest, and unloads again.
check_reload() {
	rc=0
	kmsg_mark reload
	if insmod /modules/vmon.ko && [ -c /dev/vmon ]; then
		timeout -s KILL "$TEST_TIMEOUT" /bin/vmon-run --dev /dev/vmon \
			/guests/hello.elf < /dev/null 2>&1
		grc=$?
		if [ $grc -ne 0 ]; then
			echo "vmon-run --dev /dev/vmon /guests/hello.elf: status $grc"
			rc=1
		fi
		rmmod vmon || { echo "rmmod vmon after the guest failed"; rc=1; }
	else
		echo "insmod vmon.ko (reload) failed or made no /dev/vmon"
		rc=1
	fi
	kmsg_clean_since reload "insmod, guest, rmmod" || rc=1
	mark "HOST name=vmon-reload rc=$rc"
}

skip_host() {
	echo "$2"
	mark "HOST name=$1 rc=0 skip=1"
}

run_module_checks() {
	if [ "$VMON_LOADED" != 1 ]; then
		for c in insmod-log rmmod params reload kvm-node; do
			skip_host "vmon-$c" "vmon.ko did not load (see host:vmon-loaded)"
		done
		return
	fi
	check_insmod_log
	check_rmmod
	if [ -d /sys/module/vmon ]; then
		for c in params reload kvm-node; do
			skip_host "vmon-$c" "vmon.ko could not be unloaded (see host:vmon-rmmod)"
		done
		return
	fi
	check_params
	check_reload
	check_kvm_node
}

mark "START plan=$PLAN"
echo "vmon-init: kernel=$(uname -r) cpus=$(nproc)"
load_vmon
[ "$LOAD_KVM" = 1 ] && load_kvm

case "$PLAN" in
suite)
	run_suite
	# The module checks before KVM's selftests: on Bochs a spinning
	# guest can wedge the machine (Documentation/testing-intel.rst), and
	# what runs after that is lost. Only where the suite used vmon
	# (DEVICES=kvm isolates the oracle).
	case " $DEVICES " in
	*" vmon "*)
		run_module_checks
		# They end with vmon unloaded; the KVM selftests need it.
		if [ "$VMON_LOADED" = 1 ] && [ ! -c /dev/vmon ]; then
			load_list /modules/vmon.order ||
				echo "vmon-init: reloading vmon.ko for the KVM selftests failed"
		fi
		;;
	esac
	run_kvmst
	;;
demo)	run_demo ;;
bench)	run_bench ;;
*)	echo "vmon-init: unknown plan '$PLAN'" ;;
esac

mark "DMESG BEGIN"
dmesg
mark "DMESG END"
mark "DONE plan=$PLAN"
sync
# Bochs emulates the UART's baud rate: what is still in the tty buffer
# at poweroff never reaches the log (~0.4 s for its 4 KiB at 115200).
sleep 1
poweroff -f
