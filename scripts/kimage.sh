#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Print the kernel image run-qemu.sh should boot for $KVER.
#
# Debian's /boot/vmlinuz is an xz-compressed bzImage; under TCG its
# decompressor alone costs ~8 s per boot. The ELF vmlinux inside it has a
# PVH entry point (ELF note XEN_ELFNOTE_PHYS32_ENTRY, type 0x12), which
# QEMU's -kernel boots directly, so it is extracted once into
# build/vmlinux-$KVER. Any problem falls back to the bzImage.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
KVER=${KVER:-$("$top/scripts/kver.sh")}
bz=/boot/vmlinuz-$KVER
out=$top/build/vmlinux-$KVER

if [ "${QEMU_BZIMAGE:-0}" = 1 ]; then
	echo "$bz"
	exit 0
fi
if [ -s "$out" ]; then
	echo "$out"
	exit 0
fi

mkdir -p "$top/build"
if python3 - "$bz" "$out.tmp" <<'PY' 2>/dev/null &&
import lzma, sys, zlib
data = open(sys.argv[1], "rb").read()
off = data.find(b"\xfd7zXZ\x00")
if off >= 0:
    elf = lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(data[off:])
else:
    off = data.find(b"\x1f\x8b\x08")
    elf = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data[off:])
if off < 0 or elf[:4] != b"\x7fELF":
    sys.exit(1)
open(sys.argv[2], "wb").write(elf)
PY
   readelf -n "$out.tmp" | grep -Eq 'note type: \(0x00000012\)|PHYS32_ENTRY'; then
	mv "$out.tmp" "$out"
	echo "$out"
else
	rm -f "$out.tmp"
	echo "kimage.sh: no PVH vmlinux in $bz; booting the bzImage (slower)" >&2
	echo "$bz"
fi
