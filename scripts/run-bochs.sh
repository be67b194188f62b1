#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot Debian's kernel with an initramfs on Bochs's emulated Intel machine
# (corei7_skylake_x: VMX with EPT, unrestricted guest, VPID) and copy the
# serial console to a log file and to the terminal. The Intel counterpart
# of run-qemu.sh (QEMU's TCG emulates no VMX).
#
# Usage: run-bochs.sh INITRD LOG [TIMEOUT_SECONDS]
# Environment: KVER, BOCHS_MEM (MiB, default 512), BOCHS_SMP (default 2,
#   as run-qemu.sh), BOCHS_IPS (emulated instructions per emulated
#   second, default 50000000: about Bochs's speed on the development
#   machine, so guest time ~ host time), BOCHS_CPU (default
#   corei7_skylake_x), BOCHS_APPEND (extra kernel arguments),
#   BOCHS_QUIET=1 (log only), BOCHS_SHOW=all (terminal shows the whole
#   log), BOCHS_IDLE (stop a guest silent for this many s of host time;
#   default 300, 0: never), BOCHS_BZIMAGE=1 (boot /boot/vmlinuz through
#   ISOLINUX as it is: ~60 s slower).
# Exit status: 0 when /init reached its end (=== VMON DONE), 124 when the
# overall timeout or the watchdog ended Bochs, else non-zero. Bochs itself
# exits with 1 even after a clean poweroff, so its status says nothing.
#
# Bochs has no -kernel: the kernel and initramfs go on an ISOLINUX CD
# (<log>.bochs/boot.iso). The fast route (default) boots
# vmlinux's PVH entry through mboot.c32 and scripts/bochs/pvhshim.c; the
# plain bzImage would spend ~45 s in its xz decompressor alone.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/console.sh
. "$top/scripts/console.sh"
initrd=${1:?usage: run-bochs.sh INITRD LOG [TIMEOUT]}
log=${2:?usage: run-bochs.sh INITRD LOG [TIMEOUT]}
limit=${3:-900}
KVER=${KVER:-$("$top/scripts/kver.sh")}
here=$top/scripts/bochs
work=$top/build/bochs
idle=${BOCHS_IDLE:-300}

die() {
	echo "run-bochs.sh: $*" >&2
	exit 1
}

[ -r "$initrd" ] || die "cannot read $initrd"
command -v bochs >/dev/null || die "bochs missing; run scripts/deps.sh (bochs bochsbios vgabios)"
command -v xorriso >/dev/null || die "xorriso missing; run scripts/deps.sh"
isolinux=/usr/lib/ISOLINUX/isolinux.bin
c32=/usr/lib/syslinux/modules/bios
for f in "$isolinux" "$c32/ldlinux.c32" "$c32/libcom32.c32" "$c32/mboot.c32"; do
	[ -r "$f" ] || die "$f missing; run scripts/deps.sh (isolinux syslinux-common)"
done

mkdir -p "$work" "$(dirname "$log")"
# Per-run files (ISO, bochsrc, Bochs's own log, the timeline) live beside
# the log, in LOG-without-.log plus .bochs/: two runs never share an ISO.
# Only the packed kernel is shared (build/bochs/).
run=${log%.log}.bochs
rm -rf "$run"
mkdir -p "$run"
iso=$run/iso
mkdir -p "$iso/isolinux"
cp "$isolinux" "$c32/ldlinux.c32" "$c32/libcom32.c32" "$c32/mboot.c32" \
	"$iso/isolinux/"

# newer TARGET SOURCE...: TARGET is missing or older than a source.
stale() {
	local t=$1 s
	shift
	[ -s "$t" ] || return 0
	for s in "$@"; do
		[ "$s" -nt "$t" ] && return 0
	done
	return 1
}

ips=${BOCHS_IPS:-50000000}
# Bochs advances the TSC once per instruction and its timers (PIT, HPET,
# local APIC) by ips instructions per emulated second, but the CPU model's
# CPUID leaf 0x15 says 3.5 GHz, which Linux would trust: its clock would
# then run ~40x slower than the host's and every guest-side timeout
# (TEST_TIMEOUT, kselftest_harness's 30 s) would never fire. With
# tsc_early_khz Linux takes the TSC at ips and checks it against the HPET.
cpu=${BOCHS_CPU:-corei7_skylake_x}
# Bochs's corei7_skylake_x gives CPUID leaf 0xd sizes that disagree
# ("XSAVE consistency problem: size 2432 != kernel_size 2688"): Linux
# WARNs, which fails host:kernel-clean, and then runs without XSAVE
# anyway. noxsave gets the same machine without the WARN.
xsave=
[ "$cpu" != corei7_skylake_x ] || xsave=noxsave
# vmontest.emulator=bochs names the machine to the tests, which skip (and
# say why) what this emulator cannot do; the kernel ignores the word (a
# dotted parameter of no module it has).
cmdline="console=ttyS0,115200 quiet panic=-1 cryptomgr.notests mitigations=off tsc_early_khz=$((ips / 1000)) $xsave vmontest.emulator=bochs ${BOCHS_APPEND:-}"
if [ "${BOCHS_BZIMAGE:-0}" = 1 ]; then
	route=bzimage
	cp "/boot/vmlinuz-$KVER" "$iso/vmlinuz"
else
	route=pvh
	vmlinux=$(QEMU_BZIMAGE=0 KVER=$KVER "$top/scripts/kimage.sh")
	case $vmlinux in
	/boot/*) die "no PVH vmlinux could be extracted (try BOCHS_BZIMAGE=1)" ;;
	esac
	# Cached: shim and packed kernel are rebuilt only when their
	# sources change.
	shim=$work/pvhshim-$KVER.elf
	packed=$work/pvh-$KVER.elf
	if stale "$shim" "$here/pvhshim.c" "$here/pvhshim.ld" "$vmlinux"; then
		entry=$(python3 "$here/mkpvh.py" entry "$vmlinux")
		gcc -m32 -march=i686 -O2 -Wall -Wextra -ffreestanding -fno-pic \
			-fno-pie -no-pie -nostdlib -static -fno-stack-protector \
			-fno-asynchronous-unwind-tables -DPVH_ENTRY="$entry" \
			-Wl,-T,"$here/pvhshim.ld" -Wl,--build-id=none \
			-Wl,--no-warn-rwx-segments \
			-o "$shim.$$" "$here/pvhshim.c"
		mv "$shim.$$" "$shim"
	fi
	if stale "$packed" "$shim" "$here/mkpvh.py"; then
		python3 "$here/mkpvh.py" pack "$vmlinux" "$shim" "$packed.$$" >&2
		mv "$packed.$$" "$packed"
	fi
	ln -f "$packed" "$iso/pvh.elf" 2>/dev/null || cp "$packed" "$iso/pvh.elf"
fi
cp "$initrd" "$iso/initrd.gz"
sed -e "s|@ROUTE@|$route|" -e "s|@CMDLINE@|$cmdline|" \
	"$here/isolinux.cfg.in" > "$iso/isolinux/isolinux.cfg"
xorriso -as mkisofs -quiet -R -J -l -o "$run/boot.iso" \
	-b isolinux/isolinux.bin -c isolinux/boot.cat \
	-no-emul-boot -boot-load-size 4 -boot-info-table "$iso" ||
	die "xorriso failed"

serial=$(realpath -m "$log")
sed -e "s|@MEGS@|${BOCHS_MEM:-512}|" -e "s|@SMP@|${BOCHS_SMP:-2}|" \
	-e "s|@IPS@|$ips|" \
	-e "s|@CPU@|$cpu|" \
	-e "s|@ISO@|$run/boot.iso|" -e "s|@SERIAL@|$serial|" \
	-e "s|@BOCHSLOG@|$run/bochs.log|" \
	"$here/bochsrc.in" > "$run/bochsrc"
# bochs-bin stops in its debugger before the first instruction; "c" runs.
echo c > "$run/debugger.rc"

: > "$log"
start=$(date +%s.%N)
# stdin /dev/null: the debugger prompt must never wait for a terminal.
timeout -k 10 "$limit" bochs -q -f "$run/bochsrc" -rc "$run/debugger.rc" \
	< /dev/null > "$run/bochs.out" 2>&1 &
bpid=$!
# Stopped from outside (make check interrupted): stop Bochs as well.
# timeout(1) passes the TERM on to it.
trap 'kill -TERM "$bpid" 2>/dev/null; exit 143' INT TERM
console_follow "$log" "$bpid" "${BOCHS_QUIET:-0}" "${BOCHS_SHOW:-}"

# Bochs has no -no-reboot: a panic (panic=-1) or a triple fault resets the
# machine and ISOLINUX boots again. pvhshim greets once per boot, so a
# second greeting, or a panic line, ends the run (bochs_output, each time
# the console grew). A guest silent for $idle s is hung.
why=
t_init=
marks=0
: > "$run/timeline.txt"
# shellcheck disable=SC2317  # called by console_watch, by name
bochs_output() {
	local now=$1 n
	# Host-side timeline of the markers in $run/timeline.txt (the
	# host's time, not the guest's); complete lines only.
	head -n "$(wc -l < "$log")" "$log" |
		grep '^pvhshim: starting\|=== VMON \(END\|HOST\|START\|DONE\)' \
		> "$run/marks" || true
	n=$(wc -l < "$run/marks")
	if [ "$n" != "$marks" ]; then
		tail -n +$((marks + 1)) "$run/marks" |
			sed "s/^/$((now - ${start%.*})) s: /" \
			>> "$run/timeline.txt"
		marks=$n
	fi
	if [ -z "$t_init" ] && grep -q '=== VMON START' "$log"; then
		t_init=$(awk -v a="$start" -v b="$(date +%s.%N)" \
			'BEGIN { printf "%.0f", b - a }')
		echo "run-bochs.sh: /init started after ${t_init} s" >&2
	fi
	if grep -q 'Kernel panic - not syncing' "$log"; then
		sleep 2
		why="the guest kernel panicked"
	elif grep -q '^boot: ' "$log"; then
		# ISOLINUX's prompt: it could not boot the entry.
		sleep 1
		why="ISOLINUX could not boot the kernel"
	elif [ "$(grep -c '^pvhshim: starting Linux' "$log")" -gt 1 ]; then
		why="the guest rebooted"
	elif grep -q '=== VMON DONE' "$log"; then
		# poweroff -f ends Bochs; don't wait forever if not.
		for _ in $(seq 30); do
			kill -0 "$bpid" 2>/dev/null || break
			sleep 1
		done
		kill -0 "$bpid" 2>/dev/null && why="Bochs did not power off"
	fi
	[ -z "$why" ]
}
watch=0
console_watch "$bpid" "$log" "$idle" bochs_output || watch=$?
[ "$watch" != 2 ] || why="no console output for ${idle} s: guest hung"
[ -z "$why" ] || kill -TERM "$bpid" 2>/dev/null || true
rc=0
wait "$bpid" || rc=$?
[ -z "$console_tail" ] || wait "$console_tail" || true
end=$(date +%s.%N)
secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
if [ "$rc" -eq 124 ] && [ -z "$why" ]; then
	why="killed after the ${limit} s limit"
fi
if [ -n "$why" ] && [ "$why" != "Bochs did not power off" ]; then
	echo "run-bochs.sh: $why; Bochs stopped" | tee -a "$log" >&2
	rc=124
elif grep -q '=== VMON DONE' "$log"; then
	rc=0
else
	echo "run-bochs.sh: Bochs exited (status $rc) before /init finished;" \
		"its last words ($run/bochs.out):" | tee -a "$log" >&2
	tail -n 5 "$run/bochs.out" | tee -a "$log" >&2
	[ "$rc" -ne 0 ] || rc=1
fi
echo "run-bochs.sh: boot took ${secs} s wall (exit $rc)" >&2
exit "$rc"
