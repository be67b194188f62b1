#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Run one of Linux's own KVM selftests (unmodified, built by
# scripts/kvm-selftests-build.sh) against one device, in the emulated
# machine (busybox sh). Installed as /bin/kvmst-run by mkinitramfs.sh and
# called by /init (scripts/init.sh) between its BEGIN/END markers.
#
# Usage: kvmst-run DEV TEST [ARGS...]
#   DEV  kvm: KVM itself at /dev/kvm (the oracle);
#        vmon: vmon's node presented as /dev/kvm (see below)
#   TEST path of the test binary
# Environment: KVMST_TIMEOUT (s, default 60).
#
# KVM's selftest library opens the fixed path /dev/kvm. For DEV=vmon the
# test runs in a private mount namespace in which /dev/vmon is bind-mounted
# over /dev/kvm; nothing outside the namespace changes, so KVM's own node
# stays intact for the kvm runs. In that namespace KVM's module directories
# under /sys/module (kvm, kvm_amd, kvm_intel) are covered by empty tmpfs
# mounts: KVM is loaded in the same boot, and a test must not read KVM's
# parameters as if they were vmon's. vmon has no equivalent parameters (it
# always uses nested paging and has no module options that change the
# guest ABI), so nothing is shown in their place; a test that needs one
# would skip for the missing file, as on a kernel without that module.
#
# The test's own output is printed with "# " in front (diagnostics), then
# one KTAP result that is what the test itself reported:
#   exit 0 -> ok; exit 4 (KSFT_SKIP) -> ok # SKIP <its reason>;
#   anything else (254: TEST_ASSERT failed, a signal, the timeout) -> not ok.
# The test runs under its own timeout (SIGKILL) so that /init's outer
# timeout, which would only kill this script, never has to fire; a test
# that survives its SIGKILL (stuck in the kernel) is reported and left
# behind rather than waited for, so the suite goes on.

dev=$1
bin=$2
shift 2
name=$(basename "$bin")
limit=${KVMST_TIMEOUT:-60}
# How long after the SIGKILL a test may take to die.
grace=10

# Re-enter this script in a private mount namespace for vmon. exec keeps
# the PID, so /init's timeout still covers it.
if [ "$dev" != kvm ] && [ -z "${KVMST_IN_NS:-}" ]; then
	export KVMST_IN_NS=1
	exec unshare -m --propagation private "$0" "$dev" "$bin" "$@"
fi

echo "1..1"

result() {
	# result ok|not_ok|skip [REASON]
	case $1 in
	ok) echo "ok 1 $name" ;;
	skip) echo "ok 1 $name # SKIP $2" ;;
	*) echo "not ok 1 $name" ;;
	esac
}

harness_fail() {
	echo "# kvmst-run: $*"
	result not_ok
	exit 1
}

# "major:minor" of a character device, decimal.
rdev() {
	# shellcheck disable=SC2046
	set -- $(stat -c '%t %T' "$1")
	echo "$((0x$1)):$((0x$2))"
}

# Make /dev/kvm the node of $1 in this namespace (/dev/kvm absent: KVM
# did not load; then /dev itself is replaced by a tmpfs with the few
# nodes a test uses, so the shared devtmpfs is never written).
present_as_kvm() {
	node=$1
	if [ -e /dev/kvm ]; then
		mount --bind "$node" /dev/kvm || return 1
	else
		nodes=
		for n in null zero full random urandom tty; do
			[ -c /dev/$n ] && nodes="$nodes $n=$(rdev /dev/$n)"
		done
		want=$(rdev "$node")
		mount -t tmpfs -o mode=755 kvmst-dev /dev || return 1
		for nd in $nodes; do
			n=${nd%%=*}
			mm=${nd#*=}
			mknod -m 666 "/dev/$n" c "${mm%:*}" "${mm#*:}" || return 1
		done
		mknod -m 600 /dev/kvm c "${want%:*}" "${want#*:}" || return 1
		ln -s /proc/self/fd /dev/fd
	fi
}

case $dev in
kvm)
	if [ ! -c /dev/kvm ] || [ ! -d /sys/module/kvm ]; then
		harness_fail "no KVM at /dev/kvm (see host:kvm-loaded)"
	fi
	;;
vmon)
	[ -c /dev/vmon ] ||
		harness_fail "no /dev/vmon (see host:vmon-loaded)"
	want=$(rdev /dev/vmon)
	present_as_kvm /dev/vmon ||
		harness_fail "could not present /dev/vmon as /dev/kvm"
	got=$(rdev /dev/kvm)
	[ "$got" = "$want" ] ||
		harness_fail "/dev/kvm is $got in the namespace, vmon is $want"
	for m in kvm kvm_amd kvm_intel; do
		[ -d /sys/module/$m ] || continue
		mount -t tmpfs -o ro,size=4k kvmst-hide /sys/module/$m ||
			harness_fail "could not hide /sys/module/$m"
	done
	echo "# kvmst-run: /dev/kvm is vmon's node ($got) in this mount namespace"
	;;
*)
	harness_fail "unknown device '$dev'"
	;;
esac

[ -x "$bin" ] || harness_fail "$bin missing from the image"

# Known limits of the emulated machines, which the host harness names on
# the kernel command line (vmontest.emulator=...). Each is a visible SKIP
# that says why, never a silent omission; keep the list short and cite
# the evidence.
emulator=$(sed -n 's/.*vmontest\.emulator=\([^ ]*\).*/\1/p' /proc/cmdline)
case "$emulator:$name" in
bochs:xapic_ipi_test)
	# Issue 4's measured baseline, seen again on 2026-11-22: the
	# sender's guest spins up to 2e9 TSC cycles waiting for the halter
	# and Bochs does not switch away from a spinning nested guest, so
	# the timed check fails with RCU stall reports. kvm_intel failed it
	# in every recent boot; vmon passed it in 2 boots and failed it the
	# same way in a third: on this machine the test measures Bochs.
	result skip "Bochs (emulator_bugs.py: bochs-no-switch-from-spinning-guest): this timed test fails here on kvm_intel and on vmon alike (a spinning nested guest is never preempted; RCU stalls follow)"
	exit 0
	;;
esac

tmp=/tmp/kvmst.$$
rm -f "$tmp.rc" "$tmp.out" "$tmp.done"
t0=$(cut -d' ' -f1 /proc/uptime)
# Output streams to the console as it comes (a guest that dies mid-test
# still shows how far it got) and to $tmp.out for the skip reason.
(
	(cd /tmp && timeout -s KILL "$limit" "$bin" "$@" < /dev/null 2>&1)
	echo $? > "$tmp.rc"
) | {
	while IFS= read -r l || [ -n "$l" ]; do
		echo "# $l"
		echo "$l" >> "$tmp.out"
	done
	: > "$tmp.done"
} &

# Poll rather than wait: a test stuck in the kernel ignores SIGKILL.
deadline=$(awk -v t="$t0" -v l="$limit" -v g="$grace" 'BEGIN { print t + l + g }')
while [ ! -s "$tmp.rc" ]; do
	now=$(cut -d' ' -f1 /proc/uptime)
	awk -v n="$now" -v d="$deadline" 'BEGIN { exit !(n >= d) }' && break
	sleep 0.2
done
if [ ! -s "$tmp.rc" ]; then
	harness_fail "still running ${grace} s after its SIGKILL at the" \
		"${limit} s timeout (stuck in the kernel?); left behind"
fi
# All of its output before the verdict; but something the test started
# may still hold the pipe open: wait for that a few seconds at most.
i=0
while [ ! -e "$tmp.done" ] && [ $i -lt 25 ]; do
	sleep 0.2
	i=$((i + 1))
done
rc=$(cat "$tmp.rc")
secs=$(awk -v a="$t0" -v b="$(cut -d' ' -f1 /proc/uptime)" \
	'BEGIN { printf "%.1f", b - a }')

case $rc in
0)
	result ok
	;;
4)
	why=$(sed -n -e 's/^.*# SKIP *//p' -e 's/, skipping test$//p' \
		"$tmp.out" | tail -n 1 | sed 's/^- //')
	result skip "${why:-exit status 4 (KSFT_SKIP), no reason printed}"
	;;
*)
	if [ "$rc" = 137 ] && awk -v s="$secs" -v l="$limit" \
		'BEGIN { exit !(s >= l) }'; then
		echo "# kvmst-run: killed after the ${limit} s timeout"
	elif [ "$rc" = 254 ]; then
		echo "# kvmst-run: exit status 254 (a TEST_ASSERT failed)"
	elif [ "$rc" -gt 128 ] && [ "$rc" -le 192 ]; then
		echo "# kvmst-run: killed by signal $((rc - 128))"
	else
		echo "# kvmst-run: exit status $rc"
	fi
	result not_ok
	;;
esac
rm -f "$tmp.rc" "$tmp.out" "$tmp.done"
[ "$rc" = 0 ] || [ "$rc" = 4 ]
