#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Extract the parts of Debian's linux-source-6.1 that vmon uses into
# build/linux-source-6.1/: the kselftest framework (for selftests/),
# checkpatch (for `make checkpatch`), and arch/x86/kvm plus KVM's selftests
# (reference for facts only; never copied into vmon).
# Runs tar (a ~15 s full decompression) only when the stamp is missing or
# the list of parts changed. Extra parts: KSRC_EXTRA="path ..." (relative
# to the top of the kernel tree).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
tarball=${KSRC_TARBALL:-/usr/src/linux-source-6.1.tar.xz}
out=$top/build
prefix=linux-source-6.1
stamp=$out/$prefix/.vmon-ksrc-stamp

parts="tools/testing/selftests/kselftest.h
tools/testing/selftests/kselftest_harness.h
tools/testing/selftests/kselftest
scripts/checkpatch.pl
scripts/spelling.txt
scripts/const_structs.checkpatch
arch/x86/kvm
tools/testing/selftests/kvm
${KSRC_EXTRA:-}"

want=$(printf '%s\n' $parts | sort -u)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
	exit 0
fi

if [ ! -f "$tarball" ]; then
	echo "ksrc.sh: $tarball missing; run scripts/deps.sh" \
	     "(package linux-source-6.1)" >&2
	exit 1
fi

echo "ksrc.sh: extracting kernel sources into build/$prefix"
mkdir -p "$out"
members=
for p in $want; do
	members="$members $prefix/$p"
done
# shellcheck disable=SC2086
tar -xJf "$tarball" -C "$out" $members
printf '%s\n' "$want" > "$stamp"
