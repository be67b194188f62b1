#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Extract the parts of Debian's linux-source-6.1 that vmon uses into
# build/linux-source-6.1/: the kselftest framework (for selftests/),
# checkpatch (for `make checkpatch`), arch/x86/kvm (reference for facts
# only; never copied into vmon), and what building KVM's own selftests
# unmodified needs (scripts/kvm-selftests-build.sh): all of tools/, and
# the top-level build system with the uapi sources for `make headers`.
# Runs tar (a ~15 s full decompression) only when the stamp is missing or
# the list of parts changed. Extra parts: KSRC_EXTRA="path ..." (relative
# to the top of the kernel tree).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
tarball=${KSRC_TARBALL:-/usr/src/linux-source-6.1.tar.xz}
out=$top/build
prefix=linux-source-6.1
stamp=$out/$prefix/.vmon-ksrc-stamp

# tools/ holds the kselftest framework and KVM's selftests; scripts/
# holds checkpatch; the rest is what `make headers` reads.
parts="tools
scripts
arch/x86/kvm
Makefile
Kbuild
Kconfig
include
usr
arch/x86/include
arch/x86/Makefile
arch/x86/tools
arch/x86/entry/syscalls
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
