#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Pack Linux's vmlinux and pvhshim into one multiboot ELF32 for mboot.c32.

    mkpvh.py entry VMLINUX             print the PVH entry (hex)
    mkpvh.py pack VMLINUX SHIM OUT     write the multiboot kernel OUT

ISOLINUX's mboot.c32 loads any ELF32 as a multiboot kernel: each PT_LOAD
at its p_paddr, p_memsz - p_filesz zero-filled, entry at e_entry. So the
output is an ELF32 whose segments are vmlinux's loadable segments (at their
physical addresses) plus the shim's, with the shim's entry. Runs of zeros
(.bss, .brk, page-aligned padding) are left out of the file and become
zero-fill: Bochs reads the ISO slowly, and vmlinux is ~65 MB of which most
is zeros.
"""

import struct
import sys

PT_LOAD, PT_NOTE = 1, 4
XEN_ELFNOTE_PHYS32_ENTRY = 18
# A zero run at least this long (and page aligned) is not stored.
ZERO_RUN = 64 * 1024
PAGE = 4096


def elf_segments(data):
    """(type, offset, paddr, filesz, memsz) of each program header."""
    if data[:4] != b"\x7fELF":
        sys.exit("mkpvh.py: not an ELF file")
    if data[4] == 2:
        phoff, = struct.unpack_from("<Q", data, 0x20)
        phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
        fmt = "<IIQQQQQQ"
        for i in range(phnum):
            t, _, off, _, pa, fs, ms, _ = struct.unpack_from(
                fmt, data, phoff + i * phentsize)
            yield t, off, pa, fs, ms
    else:
        phoff, = struct.unpack_from("<I", data, 0x1c)
        phentsize, phnum = struct.unpack_from("<HH", data, 0x2a)
        for i in range(phnum):
            t, off, _, pa, fs, ms, _, _ = struct.unpack_from(
                "<IIIIIIII", data, phoff + i * phentsize)
            yield t, off, pa, fs, ms


def elf_entry(data):
    if data[4] == 2:
        return struct.unpack_from("<Q", data, 0x18)[0]
    return struct.unpack_from("<I", data, 0x18)[0]


def pvh_entry(data):
    for t, off, _, fs, _ in elf_segments(data):
        if t != PT_NOTE:
            continue
        p, end = off, off + fs
        while p + 12 <= end:
            namesz, descsz, ntype = struct.unpack_from("<III", data, p)
            name = data[p + 12:p + 12 + namesz].rstrip(b"\0")
            desc = p + 12 + ((namesz + 3) & ~3)
            if name == b"Xen" and ntype == XEN_ELFNOTE_PHYS32_ENTRY:
                fmt = "<Q" if descsz == 8 else "<I"
                return struct.unpack_from(fmt, data, desc)[0]
            p = desc + ((descsz + 3) & ~3)
    sys.exit("mkpvh.py: no XEN_ELFNOTE_PHYS32_ENTRY note: no PVH entry")


def split_zeros(paddr, blob, memsz):
    """Cut one segment into [paddr, data, memsz] pieces whose data leaves
    out runs of zero pages (at least ZERO_RUN long, or at the end)."""
    if paddr % PAGE:
        return [[paddr, blob, memsz]]
    zero_page = bytes(PAGE)
    n = len(blob)
    npages = (n + PAGE - 1) // PAGE
    zero = [blob[i * PAGE:(i + 1) * PAGE] == zero_page[:min(PAGE, n - i * PAGE)]
            for i in range(npages)]
    pieces = []
    start = 0           # first page of the data not yet emitted
    i = 0
    while i < npages:
        if not zero[i]:
            i += 1
            continue
        j = i
        while j < npages and zero[j]:
            j += 1
        if (j - i) * PAGE >= ZERO_RUN or j == npages:
            lo, hi = i * PAGE, min(j * PAGE, n)
            if lo > start * PAGE or not pieces:
                pieces.append([paddr + start * PAGE,
                               blob[start * PAGE:lo], lo - start * PAGE])
            pieces[-1][2] += hi - lo
            start = j
        i = j
    if start < npages:
        pieces.append([paddr + start * PAGE, blob[start * PAGE:n],
                       n - start * PAGE])
    # memsz beyond the file size (none in Debian's vmlinux, but legal).
    if memsz > n:
        pieces[-1][2] += memsz - n
    return pieces or [[paddr, b"", memsz]]


def pack(vmlinux_path, shim_path, out_path):
    vml = open(vmlinux_path, "rb").read()
    shim = open(shim_path, "rb").read()
    segs = []
    for t, off, pa, fs, ms in elf_segments(vml):
        if t == PT_LOAD:
            segs += split_zeros(pa, vml[off:off + fs], ms)
    kernel_lo = min(s[0] for s in segs)
    for t, off, pa, fs, ms in elf_segments(shim):
        if t == PT_LOAD:
            if pa + ms > kernel_lo:
                sys.exit("mkpvh.py: the shim overlaps the kernel")
            segs.append([pa, shim[off:off + fs], ms])
    segs.sort()
    for a, b in zip(segs, segs[1:]):
        if a[0] + a[2] > b[0]:
            sys.exit("mkpvh.py: overlapping segments at %#x" % b[0])
    if max(s[0] + s[2] for s in segs) >= 1 << 32:
        sys.exit("mkpvh.py: a segment lies above 4 GiB")

    ehsize, phentsize = 52, 32
    off = ehsize + phentsize * len(segs)
    phdrs = b""
    body = b""
    for pa, blob, ms in segs:
        off = (off + 15) & ~15
        pad = off - (ehsize + phentsize * len(segs) + len(body))
        body += bytes(pad) + blob
        # PF_R | PF_W | PF_X: the loader ignores them.
        phdrs += struct.pack("<IIIIIIII", PT_LOAD, off if blob else 0, pa, pa,
                             len(blob), ms, 7, 16)
        off += len(blob)
    ident = b"\x7fELF\x01\x01\x01" + bytes(9)
    # ET_EXEC, EM_386, EV_CURRENT; no section headers (mboot.c32 would
    # otherwise load them as a symbol table).
    hdr = ident + struct.pack("<HHIIIIIHHHHHH", 2, 3, 1, elf_entry(shim),
                              ehsize, 0, 0, ehsize, phentsize, len(segs),
                              40, 0, 0)
    with open(out_path, "wb") as f:
        f.write(hdr + phdrs + body)
    stored = sum(len(s[1]) for s in segs)
    print("mkpvh.py: %s: %d segments, %.1f MB stored of %.1f MB loaded" %
          (out_path, len(segs), stored / 1e6, sum(s[2] for s in segs) / 1e6))


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "entry":
        print("%#x" % pvh_entry(open(sys.argv[2], "rb").read()))
    elif len(sys.argv) == 5 and sys.argv[1] == "pack":
        pack(*sys.argv[2:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
