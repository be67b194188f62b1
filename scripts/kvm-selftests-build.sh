#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build Linux 6.1's own KVM selftests (tools/testing/selftests/kvm of
# Debian's linux-source-6.1), unmodified, as static binaries for the
# busybox initramfs. The suite runs them against KVM and against vmon
# (scripts/kvm-selftests-run.sh; Documentation/kvm-selftests.rst).
#
# Usage: kvm-selftests-build.sh [TEST...] | --list
#   TEST: names as in the kernel's Makefile, without the x86_64/ prefix;
#   default: the list below (issue 4, item 5), which --list prints.
# Output: build/kvm-selftests/bin/<TEST> (debug info stripped); the
# compiler's output goes to build/kvm-selftests/build.log. Incremental:
# a second run with nothing changed takes a few seconds.
#
# The uapi headers come from the same source tree (`make headers` into
# build/kvm-selftests/khdr, an out-of-tree object directory, so the
# extracted sources stay pristine), never from the build machine's
# linux-libc-dev: the selftests must see the <linux/kvm.h> they were
# written against.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
src=$top/build/linux-source-6.1
out=$top/build/kvm-selftests
log=$out/build.log

DEFAULT_TESTS="set_sregs_test kvm_create_max_vcpus max_vcpuid_cap_test
cpuid_test cr4_cpuid_sync_test get_msr_index_features tsc_msrs_test
sync_regs_test userspace_io_test platform_info_test xapic_state_test
xapic_ipi_test"
if [ "${1:-}" = --list ]; then
	# shellcheck disable=SC2086
	echo $DEFAULT_TESTS
	exit 0
elif [ $# -gt 0 ]; then
	tests="$*"
else
	tests=$DEFAULT_TESTS
fi

"$top/scripts/ksrc.sh"
kdir=$src/tools/testing/selftests/kvm
[ -f "$kdir/Makefile" ] || {
	echo "kvm-selftests-build.sh: $kdir/Makefile missing after ksrc.sh" >&2
	exit 1
}

mkdir -p "$out/bin" "$out/obj"
# Several sessions may share a tree (check.sh builds one image per
# machine, and runs can overlap): one build at a time.
exec 9> "$out/.lock"
flock 9
: > "$log"

fail() {
	echo "kvm-selftests-build.sh: $1 failed; last lines of $log:" >&2
	tail -n 25 "$log" >&2
	exit 1
}

jobs=$(nproc 2>/dev/null || echo 1)

# Exported uapi headers of this very source (O= keeps the tree clean).
echo "== make headers" >> "$log"
make -s -C "$src" O="$out/khdr" headers >> "$log" 2>&1 ||
	fail "make headers"
hdr=$out/khdr/usr

# Each test is a top-level or an x86_64/ target of the kernel's Makefile.
targets=()
for t in $tests; do
	if [ -f "$kdir/x86_64/$t.c" ]; then
		targets+=("$out/obj/x86_64/$t")
	elif [ -f "$kdir/$t.c" ]; then
		targets+=("$out/obj/$t")
	else
		echo "kvm-selftests-build.sh: no test '$t' in $kdir" >&2
		exit 1
	fi
done

# Static: the initramfs has no C library. The command line replaces the
# Makefile's LDFLAGS, so -pthread and -no-pie are repeated here.
echo "== make ${tests//$'\n'/ }" >> "$log"
make -C "$kdir" -j"$jobs" OUTPUT="$out/obj" \
	INSTALL_HDR_PATH="$hdr" KHDR_INCLUDES="-isystem $hdr/include" \
	LDFLAGS="-static -pthread -no-pie" "${targets[@]}" >> "$log" 2>&1 ||
	fail "make (KVM selftests)"

n=0
for f in "${targets[@]}"; do
	b=$out/bin/$(basename "$f")
	if [ ! -f "$b" ] || [ "$f" -nt "$b" ]; then
		strip --strip-debug -o "$b.tmp" "$f"
		mv "$b.tmp" "$b"
	fi
	n=$((n + 1))
done
echo "kvm-selftests: $n built in build/kvm-selftests/bin (log: build/kvm-selftests/build.log)"
