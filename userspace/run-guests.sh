#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs the sample guests and vmon-run's error cases against one device and
# checks exit statuses and output. KTAP output; exit status 0 when every
# case passed. Needs only a POSIX/busybox sh, dd and printf.
#
#   run-guests.sh [DEV [GUESTDIR [VMON_RUN]]]
#   defaults: /dev/vmon, the guests/ next to this script, vmon-run from
#   next to this script or $PATH
#
# Cases that need no hypervisor (bad images, usage) run against DEV as
# well: vmon-run validates before it opens the device.

DEV=${1:-/dev/vmon}
HERE=$(cd "$(dirname "$0")" && pwd)
G=${2:-$HERE/guests}
RUN=${3:-}
if [ -z "$RUN" ]; then
	if [ -x "$HERE/vmon-run" ]; then RUN=$HERE/vmon-run; else RUN=vmon-run; fi
fi

TMP=${TMPDIR:-/tmp}/run-guests.$$
mkdir -p "$TMP" || exit 1
trap 'rm -rf "$TMP"' EXIT

# Crafted bad images.
printf 'this is not a guest\n' > "$TMP/text.img"
: > "$TMP/empty.img"
cp "$G/hello.elf" "$TMP/elf32.elf"
printf '\001' | dd of="$TMP/elf32.elf" bs=1 seek=4 conv=notrunc 2>/dev/null
cp "$G/hello.elf" "$TMP/arm.elf"
printf '\267\000' | dd of="$TMP/arm.elf" bs=1 seek=18 conv=notrunc 2>/dev/null
dd if=/dev/zero of="$TMP/big.img" bs=1024 count=700 2>/dev/null

N=0
FAILED=0
# case NAME WANT_STATUS "OUTPUT PATTERN" ARGS...  (pattern: sh glob, * = any)
case_() {
	name=$1; want=$2; pat=$3; shift 3
	N=$((N + 1))
	# A hung guest must not hang the suite; a case's own --timeout wins.
	out=$("$RUN" --timeout "${CASE_TIMEOUT:-60}" "$@" 2>&1)
	rc=$?
	ok=1
	[ "$rc" = "$want" ] || ok=0
	case "$out" in
	$pat) ;;
	*) ok=0 ;;
	esac
	if [ $ok = 1 ]; then
		echo "ok $N $name"
	else
		FAILED=$((FAILED + 1))
		echo "# vmon-run $* -> status $rc (want $want), output:"
		printf '%s\n' "$out" | while IFS= read -r l; do
			echo "#   $l"
		done
		echo "# expected output matching: $pat"
		echo "not ok $N $name"
	fi
}

echo "KTAP version 1"
echo "1..22"
D="--dev $DEV"
case_ hello.elf 0 "*Hello from a vmon guest*CPUID vendor: ?*memory pattern*: ok*" \
	$D "$G/hello.elf"
case_ hello16.bin 0 "*Hello from a vmon real-mode guest*halted*" \
	$D "$G/hello16.bin"
case_ hello32.bin 0 "*Hello from a vmon 32-bit protected-mode guest*" \
	$D "$G/hello32.bin"
case_ devices.elf 0 "*rep outsb*MMIO read at 0xd0000000, size 4*devices: all ok*" \
	$D "$G/devices.elf"
case_ exit_port_42 42 "*" $D "$G/exit42.bin"
case_ triple_fault_shutdown 71 "*KVM_EXIT_SHUTDOWN*" $D "$G/triple.bin"
case_ timeout 70 "*timeout*" $D --timeout 2 "$G/spin.bin"
case_ ram_hole_is_mmio 2 "*MMIO write at 0x200000*fail at 0x200000*" \
	$D --mem 2 "$G/hello.elf"
case_ quiet 0 "rep outsb*devices: all ok" $D --quiet "$G/devices.elf"
case_ missing_device 67 "cannot open /nonexistent/vmon: No such file or directory*" \
	--dev /nonexistent/vmon "$G/hello.elf"
case_ missing_image 66 "*cannot open image*" $D "$TMP/missing.elf"
case_ empty_image 65 "*bad image*empty*" $D "$TMP/empty.img"
case_ not_elf 65 "*bad image*not an ELF*" $D --mode elf "$TMP/text.img"
case_ elf32 65 "*bad image*not a 64-bit ELF*" $D "$TMP/elf32.elf"
case_ elf_not_x86_64 65 "*bad image*not x86-64*" $D "$TMP/arm.elf"
case_ segment_outside_ram 65 "*bad image*outside guest RAM*" \
	$D --mem 1 "$G/hello.elf"
case_ raw_too_big 65 "*bad image*do not fit between 0x7c00 and 0xa0000*" \
	$D --mode real "$TMP/big.img"
if [ "$(cat /proc/sys/vm/overcommit_memory 2>/dev/null)" = 0 ]; then
	case_ too_much_ram 69 "*cannot allocate 65536 MiB*" \
		$D --mem 65536 "$G/hello.elf"
else
	N=$((N + 1))
	echo "ok $N too_much_ram # SKIP vm.overcommit_memory is not 0: mmap would not refuse"
fi
case_ mem_out_of_range 64 "*--mem*" $D --mem 99999 "$G/hello.elf"
case_ bad_mode 64 "*--mode*" $D --mode bogus "$G/hello.elf"
case_ no_image 64 "usage:*" $D
case_ help 0 "usage:*Exit status*" --help
echo "# $FAILED of $N failed"
[ $FAILED = 0 ]
