#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check the include boundaries between vmon's kernel directories.

Who may include what (Documentation/design.rst, "Map of the sources"):
  core/     its own headers, dev/devices.h (the device models' contract),
            uapi/; never a device-private header, a vendor header or
            nested paging's internal header.
  dev/      its own headers, core/vmon.h, uapi/; no vendor header.
  npt_ept/  its own headers, core/vmon.h; no vendor or device header.
  svm/      its own headers, core/vmon.h, core/insn.h (the decoder); no
  vmx/      device-private header, never the other vendor's headers
            (neither "svm.h"/"vmx.h" nor <asm/svm.h>/<asm/vmx.h>).
Prints each violation as FILE:LINE: text and exits 1 if there is one.
"""
import os
import re
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DIRS = ("core", "dev", "npt_ept", "svm", "vmx", "uapi")
INC = re.compile(r'^\s*#\s*include\s+([<"])([^>"]+)[>"]')

# Quoted headers another directory may include, as dir/name.
PUBLIC = {
    "core": {"dev/devices.h"},
    "dev": {"core/vmon.h", "dev/devices.h"},
    "npt_ept": {"core/vmon.h", "dev/devices.h"},
    "svm": {"core/vmon.h", "core/insn.h", "dev/devices.h"},
    "vmx": {"core/vmon.h", "core/insn.h", "dev/devices.h"},
    "uapi": set(),
}
# System headers that belong to one vendor.
VENDOR_ASM = {"asm/svm.h": "svm", "asm/vmx.h": "vmx"}


def owner(name, here):
    """Directory that holds quoted header @name seen from @here."""
    if os.path.exists(os.path.join(TOP, here, name)):
        return here
    for d in DIRS:
        if os.path.exists(os.path.join(TOP, d, name)):
            return d
    return None     # unit_shim.h and the like: not a kernel header


def check(path, here):
    bad = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            m = INC.match(line)
            if not m:
                continue
            kind, name = m.groups()
            if kind == "<":
                v = VENDOR_ASM.get(name)
                if v and here != v:
                    bad.append((n, line.strip(), f"{name} belongs to {v}/"))
                continue
            d = owner(name, here)
            if d is None or d == here:
                continue
            if f"{d}/{name}" not in PUBLIC[here]:
                bad.append((n, line.strip(),
                            f"{d}/{name} is private to {d}/"))
    return bad


def main():
    nbad = nfiles = 0
    for d in DIRS:
        full = os.path.join(TOP, d)
        if not os.path.isdir(full):
            continue
        for name in sorted(os.listdir(full)):
            if not re.search(r"\.[chS]$", name):
                continue
            nfiles += 1
            rel = f"{d}/{name}"
            for n, text, why in check(os.path.join(full, name), d):
                print(f"{rel}:{n}: {text}: {why}")
                nbad += 1
    if nbad:
        print(f"check-layout: {nbad} include(s) cross a boundary")
        return 1
    print(f"check-layout: {nfiles} files, boundaries kept")
    return 0


if __name__ == "__main__":
    sys.exit(main())
