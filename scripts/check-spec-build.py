#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check, in the built objects, the speculative-execution mitigations that
no test inside an emulator can see (host:spec-build in make check).

1. The VERW before VM entry (the kernel's CPU-buffer clear, MDS/TAA/MMIO/
   RFDS/TSA) is an alternative: a "jmp past the VERW" that the kernel
   patches away when a CPU feature is set. It must be keyed on the feature
   the kernel sets for that vendor's mitigations, as KVM 6.1 does:
     vmx/  X86_FEATURE_CLEAR_CPU_BUF     (CLEAR_CPU_BUFFERS, KVM's vmenter.S)
     svm/  X86_FEATURE_CLEAR_CPU_BUF_VM  (VM_CLEAR_CPU_BUFFERS, KVM's SVM)
   Each entry file must hold at least one such VERW, and no VERW keyed on
   anything else. The entries are read from .altinstructions (struct
   alt_instr of the headers' asm/alternative.h: s32 instr_offset, s32
   repl_offset, u16 cpuid, u8 instrlen, u8 replacementlen; packed) with
   their relocations; the feature numbers come from the headers'
   asm/cpufeatures.h.
2. vmx_run() reads the host's IA32_DEBUGCTL before entry and writes it
   back after the exit (the hardware clears it), judged by the MSR number
   loaded for RDMSR/WRMSR in that function.
3. The core's run loop references the kernel's per-CPU VMSCAPE flag
   x86_ibpb_exit_to_user (the kernel's IBPB before the return to userspace
   needs the hypervisor to arm it after each exit).

Usage: check-spec-build.py [--kdir HEADERS] [TOP]
"""
import argparse
import os
import re
import struct
import sys

ALT_FMT = "<iiHBB"
ALT_SIZE = struct.calcsize(ALT_FMT)   # 12


class Elf:
    """Just enough of an ELF64 relocatable object."""

    def __init__(self, path):
        self.path = path
        self.data = open(path, "rb").read()
        d = self.data
        if d[:4] != b"\x7fELF" or d[4] != 2 or d[5] != 1:
            raise ValueError(f"{path}: not a little-endian ELF64 file")
        shoff, = struct.unpack_from("<Q", d, 0x28)
        shentsize, shnum, shstrndx = struct.unpack_from("<HHH", d, 0x3a)
        self.sections = []
        for i in range(shnum):
            (name, typ, flags, addr, off, size, link, info, align,
             entsize) = struct.unpack_from("<IIQQQQIIQQ", d,
                                            shoff + i * shentsize)
            self.sections.append(dict(name_off=name, type=typ, off=off,
                                      size=size, link=link, info=info,
                                      entsize=entsize))
        strtab = self.sections[shstrndx]
        for s in self.sections:
            s["name"] = self._str(strtab, s["name_off"])

    def _str(self, sec, off):
        start = sec["off"] + off
        end = self.data.index(b"\0", start)
        return self.data[start:end].decode()

    def section(self, name):
        for i, s in enumerate(self.sections):
            if s["name"] == name:
                return i, s
        return None, None

    def bytes_of(self, sec):
        return self.data[sec["off"]:sec["off"] + sec["size"]]

    def symbols(self, symtab_idx):
        st = self.sections[symtab_idx]
        strtab = self.sections[st["link"]]
        syms = []
        for i in range(st["size"] // 24):
            name, info, other, shndx, value, size = struct.unpack_from(
                "<IBBHQQ", self.data, st["off"] + i * 24)
            syms.append(dict(name=self._str(strtab, name), shndx=shndx,
                             value=value, size=size, type=info & 0xf))
        return syms

    def relocs_for(self, target_idx):
        """(offset, symbol dict, addend) of every RELA entry on a section."""
        out = []
        for s in self.sections:
            if s["type"] != 4 or s["info"] != target_idx:   # SHT_RELA
                continue
            syms = self.symbols(s["link"])
            for i in range(s["size"] // 24):
                off, info, addend = struct.unpack_from(
                    "<QQq", self.data, s["off"] + i * 24)
                out.append((off, syms[info >> 32], addend))
        return out


def features(kdir):
    path = os.path.join(kdir, "arch/x86/include/asm/cpufeatures.h")
    text = open(path).read()
    want = {}
    for name in ("X86_FEATURE_CLEAR_CPU_BUF", "X86_FEATURE_CLEAR_CPU_BUF_VM"):
        m = re.search(r"#define\s+%s\s+\(\s*(\d+)\s*\*\s*32\s*\+\s*(\d+)\s*\)"
                      % name, text)
        if not m:
            raise ValueError(f"{path}: no {name}")
        want[name] = int(m.group(1)) * 32 + int(m.group(2))
    return want


def is_verw(code, off):
    """VERW m16: 0F 00 /5 (only the memory form clears the buffers)."""
    if off + 3 > len(code) or code[off] != 0x0f or code[off + 1] != 0x00:
        return False
    modrm = code[off + 2]
    return (modrm >> 3) & 7 == 5 and (modrm >> 6) != 3


def verw_alternatives(path):
    """[(section, offset, feature)] of each alternative guarding a VERW."""
    elf = Elf(path)
    ai, alt = elf.section(".altinstructions")
    if alt is None:
        return []
    raw = elf.bytes_of(alt)
    rel = {off: (sym, addend) for off, sym, addend in elf.relocs_for(ai)}
    found = []
    for n in range(len(raw) // ALT_SIZE):
        base = n * ALT_SIZE
        _, _, cpuid, instrlen, _ = struct.unpack_from(ALT_FMT, raw, base)
        if base not in rel:
            continue
        sym, addend = rel[base]
        sec = elf.sections[sym["shndx"]]
        code = elf.bytes_of(sec)
        at = sym["value"] + addend
        # The original is the "jmp .Lskip_verw" the feature patches away.
        if is_verw(code, at + instrlen):
            found.append((sec["name"], at, cpuid))
    return found


def references(path, symbol):
    elf = Elf(path)
    for i, s in enumerate(elf.sections):
        if s["type"] != 4:
            continue
        for off, sym, addend in elf.relocs_for(s["info"]):
            if sym["name"] == symbol:
                return True
    return False


def msr_refs_in(path, func, msr):
    """How often @func (a symbol of the object) loads MSR number @msr
    into ECX (rdmsr/wrmsr) or EDI (the paravirt MSR calls)."""
    elf = Elf(path)
    symtab = [i for i, s in enumerate(elf.sections) if s["type"] == 2]
    if not symtab:
        return None
    for sym in elf.symbols(symtab[0]):
        if sym["name"] != func or sym["type"] != 2:   # STT_FUNC
            continue
        code = elf.bytes_of(elf.sections[sym["shndx"]])
        imm = struct.pack("<I", msr)
        body = code[sym["value"]:sym["value"] + sym["size"]]
        return sum(body.count(op + imm) for op in (b"\xb9", b"\xbf"))
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kdir", default=None,
                    help="kernel headers (default: the -common tree of "
                         "/usr/src/linux-headers-$(scripts/kver.sh))")
    ap.add_argument("top", nargs="?",
                    default=os.path.join(os.path.dirname(__file__), ".."))
    a = ap.parse_args()
    top = os.path.abspath(a.top)
    kdir = a.kdir
    if kdir is None:
        kver = os.popen(os.path.join(top, "scripts/kver.sh")).read().strip()
        kdir = f"/usr/src/linux-headers-{kver}".replace("-amd64", "-common")
    want = features(kdir)
    names = {v: k for k, v in want.items()}
    bad = 0

    checks = [
        ("vmx/vmx_vmenter.o", "X86_FEATURE_CLEAR_CPU_BUF"),
        ("svm/svm_vmrun.o", "X86_FEATURE_CLEAR_CPU_BUF_VM"),
    ]
    for obj, feat in checks:
        path = os.path.join(top, obj)
        if not os.path.exists(path):
            print(f"FAIL {obj}: not built")
            bad += 1
            continue
        alts = verw_alternatives(path)
        if not alts:
            print(f"FAIL {obj}: no VERW alternative (no CPU-buffer clear "
                  f"before VM entry)")
            bad += 1
        for sec, off, cpuid in alts:
            got = names.get(cpuid, f"feature {cpuid // 32}*32+{cpuid % 32}")
            if cpuid == want[feat]:
                print(f"ok   {obj}: VERW at {sec}+{off:#x} keyed on {got}")
            else:
                print(f"FAIL {obj}: VERW at {sec}+{off:#x} keyed on {got}, "
                      f"want {feat} (what KVM 6.1 uses there)")
                bad += 1

    # VT-x clears IA32_DEBUGCTL at every exit; vmx_run() must read the
    # host's before entry and write it back after (no emulated CPU keeps
    # a DEBUGCTL bit for spec_test to see: Bochs reads 0 back).
    vmx = os.path.join(top, "vmx/vmx.o")
    n = msr_refs_in(vmx, "vmx_run", 0x1d9) if os.path.exists(vmx) else None
    if n is None:
        print("FAIL vmx/vmx.o: no vmx_run found")
        bad += 1
    elif n >= 2:
        print(f"ok   vmx/vmx.o: vmx_run reads and restores IA32_DEBUGCTL "
              f"({n} accesses)")
    else:
        print(f"FAIL vmx/vmx.o: vmx_run touches IA32_DEBUGCTL {n} times: "
              f"the host's value, cleared by every VM exit, is not "
              f"restored")
        bad += 1

    run = os.path.join(top, "core/run.o")
    if not os.path.exists(run):
        print("FAIL core/run.o: not built")
        bad += 1
    elif references(run, "x86_ibpb_exit_to_user"):
        print("ok   core/run.o: arms x86_ibpb_exit_to_user (VMSCAPE)")
    else:
        print("FAIL core/run.o: never touches x86_ibpb_exit_to_user: the "
              "kernel's VMSCAPE IBPB before the return to userspace is "
              "never armed")
        bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
