#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot Debian's kernel with an initramfs on QEMU's emulated AMD machine
# (TCG with SVM and NPT: the host has no usable hardware virtualization)
# and copy the serial console to a log file and to the terminal.
#
# Usage: run-qemu.sh INITRD LOG [TIMEOUT_SECONDS]
# Environment: KVER, QEMU_MEM (MiB, default 1024), QEMU_SMP (default 2),
#   QEMU_APPEND (extra kernel arguments), QEMU_QUIET=1 (log only),
#   QEMU_SHOW=all (terminal shows the whole log, dmesg dump included),
#   QEMU_IDLE (stop a guest silent for this many s; default 180, 0: never),
#   QEMU_KERNEL (image to boot), QEMU_BZIMAGE=1 (boot /boot/vmlinuz as is).
# Exit status: QEMU's, or 124 when the overall timeout or the silence
# watchdog ended it.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/console.sh
. "$top/scripts/console.sh"
initrd=${1:?usage: run-qemu.sh INITRD LOG [TIMEOUT]}
log=${2:?usage: run-qemu.sh INITRD LOG [TIMEOUT]}
limit=${3:-600}
KVER=${KVER:-$("$top/scripts/kver.sh")}
# The PVH vmlinux extracted from /boot/vmlinuz (see kimage.sh).
kernel=${QEMU_KERNEL:-$(KVER=$KVER "$top/scripts/kimage.sh")}

[ -r "$kernel" ] || { echo "run-qemu.sh: cannot read $kernel" >&2; exit 1; }
[ -r "$initrd" ] || { echo "run-qemu.sh: cannot read $initrd" >&2; exit 1; }
command -v qemu-system-x86_64 >/dev/null ||
	{ echo "run-qemu.sh: qemu-system-x86_64 missing; run scripts/deps.sh" >&2; exit 1; }

mkdir -p "$(dirname "$log")"
: > "$log"
idle=${QEMU_IDLE:-180}

# -accel tcg always: the host's /dev/kvm cannot run ordinary guests.
# panic=-1 and -no-reboot turn a guest panic into QEMU exiting; stdin is
# /dev/null so QEMU never puts a terminal into raw mode. QEMU writes the
# log itself and console_follow (console.sh) shows it, so that the
# watchdog below has the PID of the timeout process to stop. The host's
# /usr and /boot are shared read-only over 9p (tags hostusr, hostboot):
# selftests/qemu_test.sh runs the host's own QEMU from there.
# vmontest.emulator=qemu-tcg names the machine to the tests (see
# run-bochs.sh); the kernel ignores it.
# Single-threaded TCG by default: with QEMU 7.2's multi-threaded TCG the
# emulated machine hung in about 2 of 5 suite runs in which vmon and
# kvm_amd alternate (both emulated CPUs kept executing a stale INT3 that
# the kernel had already patched away, in KVM's static-key update at VM
# creation): an instruction/data incoherence of the emulator, which a guest
# kernel cannot cause on x86. With thread=single it never hung (6 of 6, and
# the suite takes as long). QEMU_TCG=thread=multi brings the old mode back.
QEMU_TCG=${QEMU_TCG:-thread=single}
mon=$(mktemp -u "${TMPDIR:-/tmp}/vmon-qemu-mon.XXXXXX")
start=$(date +%s.%N)
timeout -k 10 "$limit" qemu-system-x86_64 \
	-accel "tcg,${QEMU_TCG}" -cpu EPYC,+svm,+npt \
	-m "${QEMU_MEM:-1024}" -smp "${QEMU_SMP:-2}" \
	-nographic -no-reboot -monitor "unix:$mon,server=on,wait=off" \
	-kernel "$kernel" -initrd "$initrd" \
	-virtfs local,path=/usr,mount_tag=hostusr,security_model=none,readonly=on \
	-virtfs local,path=/boot,mount_tag=hostboot,security_model=none,readonly=on \
	-append "console=ttyS0 quiet panic=-1 vmontest.emulator=qemu-tcg ${QEMU_APPEND:-}" \
	< /dev/null >> "$log" 2>&1 &
qpid=$!
console_follow "$log" "$qpid" "${QEMU_QUIET:-0}" "${QEMU_SHOW:-}"

# A guest that hangs hard (a lockup with interrupts off, a deadlock)
# prints nothing more: stop it after $idle s of silence rather than wait
# for the overall limit. /init prints within TEST_TIMEOUT of every start.
hung=0
watch=0
console_watch "$qpid" "$log" "$idle" || watch=$?
if [ "$watch" = 2 ]; then
	hung=1
	# Where is it stuck? SysRq (enabled by /init) from QEMU's
	# keyboard: 9 raises the console loglevel past "quiet", l makes
	# every CPU print its backtrace through an NMI, w lists blocked
	# tasks -- if the kernel still takes the keyboard interrupt.
	# The registers come from QEMU itself, whatever the guest does.
	echo "run-qemu.sh: no console output for ${idle} s: guest hung;" \
		"asking for backtraces and registers" >> "$log"
	python3 "$top/scripts/qemu-mon.py" "$mon" \
		"sendkey alt-sysrq-9" sleep:1 \
		"sendkey alt-sysrq-l" sleep:5 "sendkey alt-sysrq-w" \
		sleep:3 "info registers -a" >> "$log" 2>&1
	kill -TERM "$qpid" 2>/dev/null
fi
rc=0
wait "$qpid" || rc=$?
rm -f "$mon"
[ -z "$console_tail" ] || wait "$console_tail" || true
end=$(date +%s.%N)
secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
if [ "$hung" = 1 ]; then
	echo "run-qemu.sh: no console output for ${idle} s: guest hung; QEMU stopped" |
		tee -a "$log" >&2
	rc=124
elif [ "$rc" -eq 124 ]; then
	echo "run-qemu.sh: QEMU killed after the ${limit} s limit" | tee -a "$log" >&2
fi
echo "run-qemu.sh: boot took ${secs} s wall (exit $rc)" >&2
exit "$rc"
