#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the initramfs every emulated boot of vmon uses (make check / demo /
# bench): busybox-static, /init (scripts/init.sh), a run plan, vmon.ko, the
# kvm_amd oracle with its dependencies from /lib/modules/$KVER, the
# userspace binaries and the selftest binaries.
#
# Usage: mkinitramfs.sh [-p suite|demo|bench] [-o OUT] [-t "TESTS"]
#   -p  plan written to /etc/vmon/plan (default suite)
#   -o  output (default build/initramfs.cpio.gz); with the suite plan also
#       OUT.expect, the results /init's plan will produce (see below)
#   -t  test binaries to run (names in selftests/build, "_test" optional);
#       default: all of selftests/build/*_test
# Environment: KVER, TEST_TIMEOUT (per run, s), KVMST (KVM's own selftests
# to run, see below; "none": none), KVMST_TIMEOUT (s, each), NO_VMON=1 (leave vmon.ko
# out: the module build failed, so a stale vmon.ko must not be tested),
# DEMO_GUEST (default userspace/guests/hello.elf), DEMO_DEV (vmon or kvm:
# the device the demo runs on, default vmon), BENCH_ARGS (vmon-bench
# options), BENCH_ROUNDS (rounds of vmon-bench on each device, default 3),
# SELFTESTS_DIR (default selftests/build: where the *_test binaries are).
#
# Layout of the image:
#   /init /etc/vmon/plan /bin/busybox + applet links
#   /modules/*.ko, /modules/vmon.order, /modules/kvm.order (insmod order)
#   /modules/zsmalloc.ko, zram.ko (loaded by reclaim_test, for swap)
#   /bin/vmon-run /bin/vmon-bench /guests/* /tests/*_test
#   /kvmst/* (KVM's selftests) /bin/kvmst-run
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
plan=suite
out=$top/build/initramfs.cpio.gz
tests=
while getopts "p:o:t:" opt; do
	case $opt in
	p) plan=$OPTARG ;;
	o) out=$OPTARG ;;
	t) tests=$OPTARG ;;
	*) exit 2 ;;
	esac
done
case $plan in
suite|demo|bench) ;;
*) echo "mkinitramfs.sh: unknown plan '$plan'" >&2; exit 2 ;;
esac

KVER=${KVER:-$("$top/scripts/kver.sh")}
moddir=/lib/modules/$KVER
# Per-run staging directory (parallel runs must not share one); kept only
# with KEEP_STAGE=1, e.g. to patch /init by hand when debugging.
stage=$top/build/initramfs-root.$$
[ "${KEEP_STAGE:-0}" = 1 ] || trap 'rm -rf "$stage"' EXIT

die() {
	echo "mkinitramfs.sh: $*" >&2
	exit 1
}

rm -rf "$stage"
mkdir -p "$stage"/{bin,etc/vmon,modules,guests,tests,proc,sys,dev,tmp}

# Copy an executable; a dynamic one gets its loader and libraries too
# (the contract asks for static binaries, but a dynamic one must still
# run rather than fail with a baffling ENOENT from the missing loader).
add_exe() {
	local src=$1 dst=$2 lib
	install -m 0755 "$src" "$stage/$dst"
	if readelf -l "$src" 2>/dev/null | grep -q 'Requesting program interpreter'; then
		echo "mkinitramfs.sh: note: $src is dynamically linked; copying its libraries" >&2
		for lib in $(ldd "$src" | grep -o '/[^ ]*'); do
			[ -e "$stage/$lib" ] && continue
			mkdir -p "$stage/$(dirname "$lib")"
			cp -L "$lib" "$stage/$lib"
		done
	fi
}

# busybox-static and one link per applet.
bb=$(command -v busybox || true)
[ -n "$bb" ] || die "busybox not found; run scripts/deps.sh (busybox-static)"
if readelf -l "$bb" | grep -q 'program interpreter'; then
	die "$bb is not static; install busybox-static"
fi
install -m 0755 "$bb" "$stage/bin/busybox"
for a in $("$bb" --list); do
	[ "$a" = busybox ] || ln -s busybox "$stage/bin/$a"
done
install -m 0755 "$top/scripts/init.sh" "$stage/init"
# Without /dev/console in the image the kernel starts /init with no
# stdout; init.sh re-opens it too, but then early errors would be lost.
mknod -m 600 "$stage/dev/console" c 5 1 2>/dev/null || true

# Copy a module as a plain .ko (busybox insmod reads no .xz/.zst), with
# debug info and the signature stripped: smaller and faster to load.
add_ko() {
	local src=$1 dst=$stage/modules/$2
	case $src in
	*.ko.xz) xz -dc "$src" > "$dst" ;;
	*.ko.zst) zstd -qdc "$src" > "$dst" ;;
	*.ko.gz) gzip -dc "$src" > "$dst" ;;
	*) cp "$src" "$dst" ;;
	esac
	strip --strip-debug "$dst"
}

# Emit, dependencies first, the in-tree modules that $1 (a name or a .ko
# path) needs, per modinfo's depends: field; then $1 itself if it is a
# name. Each appears once.
declare -A seen=()
resolve() {
	local m=$1 deps d f
	deps=$(modinfo -k "$KVER" -F depends "$m") ||
		die "modinfo cannot find $m for $KVER"
	for d in ${deps//,/ }; do
		[ -n "${seen[$d]:-}" ] && continue
		seen[$d]=1
		resolve "$d"
	done
	case $m in
	*.ko) ;;
	*)
		f=$(modinfo -k "$KVER" -n "$m")
		echo "$f"
		;;
	esac
}

ko_name() {
	local b
	b=$(basename "$1")
	echo "${b%%.ko*}.ko"
}

order_list() {
	local list=$1 f
	shift
	: > "$stage/modules/$list"
	for f in "$@"; do
		add_ko "$f" "$(ko_name "$f")"
		ko_name "$f" >> "$stage/modules/$list"
	done
}

# vmon.ko (absent when the build failed: /init reports host:vmon-loaded).
if [ "${NO_VMON:-0}" != 1 ] && [ -f "$top/vmon.ko" ]; then
	mapfile -t vdeps < <(resolve "$top/vmon.ko")
	order_list vmon.order "${vdeps[@]}"
	add_ko "$top/vmon.ko" vmon.ko
	echo vmon.ko >> "$stage/modules/vmon.order"
else
	echo "mkinitramfs.sh: note: no vmon.ko in the image" >&2
fi

demo_dev=${DEMO_DEV:-vmon}
load_kvm=0
if [ "$plan" != demo ] || [ "$demo_dev" = kvm ]; then
	[ -d "$moddir" ] || die "$moddir missing; run scripts/deps.sh (linux-image-amd64)"
	seen=()
	# KVM_VENDOR=intel packs kvm_intel, the oracle of the Bochs (VMX)
	# machine (scripts/check-intel.sh); default amd: kvm_amd.
	case ${KVM_VENDOR:=amd} in
	amd|intel) ;;
	*) die "KVM_VENDOR is '$KVM_VENDOR'; want amd or intel" ;;
	esac
	mapfile -t kdeps < <(resolve "kvm_$KVM_VENDOR")
	order_list kvm.order "${kdeps[@]}"
	load_kvm=1
fi

# zram and zsmalloc, in no .order list: reclaim_test loads them itself
# for a swap device (the machine has no swap). Missing: it runs without.
for m in zsmalloc zram; do
	if f=$(modinfo -k "$KVER" -n "$m" 2>/dev/null); then
		add_ko "$f" "$m.ko"
	else
		echo "mkinitramfs.sh: note: no $m module for $KVER" >&2
	fi
done

# msr.ko, not loaded: spec_test loads it to set a host DEBUGCTL bit
# through /dev/cpu/N/msr.
msr_ko=$(modinfo -k "$KVER" -n msr 2>/dev/null || true)
[ -z "$msr_ko" ] || add_ko "$msr_ko" msr.ko

# Userspace: the runner, the benchmark, the guest images.
for b in vmon-run vmon-bench run-guests.sh; do
	[ -x "$top/userspace/$b" ] && add_exe "$top/userspace/$b" "bin/$b"
done
if [ -d "$top/userspace/guests" ]; then
	for g in "$top"/userspace/guests/*.elf "$top"/userspace/guests/*.bin; do
		[ -f "$g" ] && install -m 0644 "$g" "$stage/guests/"
	done
fi

# Selftests: selftests/build/*_test, all or the ones asked for.
tdir=${SELFTESTS_DIR:-$top/selftests/build}
sel=()
if [ -n "$tests" ]; then
	for t in $tests; do
		t=${t%_test}_test
		[ -x "$tdir/$t" ] || die "$tdir/$t does not exist (built?)"
		sel+=("$tdir/$t")
	done
elif [ "$plan" = suite ]; then
	for t in "$tdir"/*_test; do
		[ -x "$t" ] && sel+=("$t")
	done
fi
names=
for t in "${sel[@]}"; do
	add_exe "$t" "tests/$(basename "$t")"
	names="$names $(basename "$t")"
done

# qemu_test (Debian's QEMU as a client): the 9p modules that mount the
# host's /usr and /boot (run-qemu.sh's -virtfs shares) and the inner
# guest's initramfs. QEMU itself stays on the host's disk.
timeouts=
case " $names " in
*" qemu_test "*)
	seen=()
	mapfile -t pdeps < <(for m in virtio_pci 9pnet_virtio 9p; do resolve "$m"; done | awk '!s[$0]++')
	order_list 9p.order "${pdeps[@]}"
	mkdir -p "$stage/qemu"
	"$top/scripts/qemu-guest-initrd.sh" "$stage/qemu/guest-initrd.gz"
	# Every configuration boots twice (vmon, KVM): its own budget.
	timeouts="qemu_test=${QEMU_TEST_TIMEOUT:-1500}"
	;;
esac

# KVM's own selftests (Documentation/kvm-selftests.rst), suite plan only:
# built here (incrementally) by kvm-selftests-build.sh, run by /init
# through /bin/kvmst-run. KVMST unset: the default list, unless -t chose
# some of vmon's tests (a focused run); KVMST="a b": those; KVMST=none:
# none. A failed build does not stop the image: /init reports it as
# host:kvmst-build.
kvmst=
kvmst_build=0
if [ "$plan" = suite ]; then
	if [ -n "${KVMST+set}" ]; then
		kvmst=${KVMST/none/}
	elif [ -z "$tests" ]; then
		kvmst=$("$top/scripts/kvm-selftests-build.sh" --list)
	fi
fi
# One line, single spaces (the list goes into the plan between quotes).
# shellcheck disable=SC2086,SC2116
kvmst=$(echo $kvmst)
if [ -n "$kvmst" ]; then
	mkdir -p "$stage/kvmst"
	# shellcheck disable=SC2086
	if "$top/scripts/kvm-selftests-build.sh" $kvmst; then
		for t in $kvmst; do
			add_exe "$top/build/kvm-selftests/bin/$t" "kvmst/$t"
		done
		add_exe "$top/scripts/kvm-selftests-run.sh" bin/kvmst-run
	else
		kvmst_build=1
	fi
fi
# Per test: its own SIGKILL timeout inside /init's per-run one, with room
# for kvmst-run's grace period after the kill. Default: half the per-run
# timeout (60 s on QEMU; the whole run of a test on KVM takes at most
# ~16 s there), so that the slower Bochs machine, which has a longer
# TEST_TIMEOUT, gets more too.
kvmst_timeout=${KVMST_TIMEOUT:-$(( ${TEST_TIMEOUT:-120} / 2 ))}
if [ $((kvmst_timeout + 20)) -gt "${TEST_TIMEOUT:-120}" ]; then
	kvmst_timeout=$(( ${TEST_TIMEOUT:-120} - 20 ))
	[ "$kvmst_timeout" -ge 5 ] ||
		die "TEST_TIMEOUT too short for KVM's selftests (want >= 25 s)"
fi

guest=${DEMO_GUEST:-userspace/guests/hello.elf}
devices=${DEVICES:-vmon kvm}
cat > "$stage/etc/vmon/plan" <<EOF
# Written by scripts/mkinitramfs.sh; read by /init.
PLAN=$plan
TESTS="${names# }"
DEVICES="$devices"
TEST_TIMEOUT=${TEST_TIMEOUT:-120}
TEST_TIMEOUTS="$timeouts"
DEMO_DEV=$demo_dev
DEMO_CMD="/bin/vmon-run --dev /dev/$demo_dev /guests/$(basename "$guest")"
BENCH_ARGS="${BENCH_ARGS:-}"
BENCH_ROUNDS=${BENCH_ROUNDS:-3}
LOAD_KVM=$load_kvm
KVMST_TESTS="$kvmst"
KVMST_BUILD=$kvmst_build
KVMST_TIMEOUT=$kvmst_timeout
EOF

# What that plan produces, one result name a line, for the summary
# (scripts/check.sh passes each as --expect to ktap-summary.py, which
# fails what the log lacks): every test on every device; Linux's KVM
# selftests, kvmst:TEST@DEV, unless their build failed (that is
# host:kvmst-build's failure); the module checks of init.sh's
# run_module_checks where the suite uses vmon. Written here, beside the
# plan, so that nobody derives it again from the image.
rm -f "$out.expect"
if [ "$plan" = suite ]; then
	mkdir -p "$(dirname "$out")"
	{
		for t in $names; do
			for d in $devices; do
				echo "$d:$t"
			done
		done
		if [ -n "$kvmst" ]; then
			echo "host:kvmst-build"
			if [ "$kvmst_build" = 0 ]; then
				for t in $kvmst; do
					for d in $devices; do
						echo "kvmst:$t@$d"
					done
				done
			fi
		fi
		case " $devices " in
		*" vmon "*)
			for c in insmod-log rmmod params reload kvm-node; do
				echo "host:vmon-$c"
			done
			;;
		esac
	} > "$out.expect"
	[ -n "$names" ] || echo "mkinitramfs.sh: note: no tests in the suite plan" >&2
fi

mkdir -p "$(dirname "$out")"
(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort |
	cpio -o -H newc -R 0:0 --quiet) | gzip -1 > "$out.tmp"
mv "$out.tmp" "$out"
echo "initramfs: $out (plan=$plan, kernel $KVER, tests:${names:- none})"
[ -z "$kvmst" ] || echo "initramfs: KVM selftests: $kvmst"
