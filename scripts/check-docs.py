#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check two lists in the docs against the sources they describe.

  selftests/README.md  every selftests/*_test.c (and *_test.sh, installed
                       as a test binary too) has a row "| NAME |" in the
                       "Test binaries" table, and every row names a test
                       that exists.
  design.rst           every entry of the backends' exit tables
                       (svm_exit_handlers[] in svm/svm_exits.c,
                       vmx_exit_handlers[] in vmx/vmx_exits.c), written as
                       its index (``SVM_EXIT_CPUID``, ``SVM_EXIT_READ_DR0 ...
                       SVM_EXIT_READ_DR7``), appears as a literal in the
                       table of "Where each exit is handled".
Prints each miss as FILE: text and exits 1 if there is one.
"""
import os
import re
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXIT_TABLES = (("svm/svm_exits.c", "svm_exit_handlers"),
               ("vmx/vmx_exits.c", "vmx_exit_handlers"))
DESIGN = "Documentation/design.rst"
EXIT_SECTION = "Where each exit is handled"
README = "selftests/README.md"


def read(rel):
    with open(os.path.join(TOP, rel), encoding="utf-8") as f:
        return f.read()


def squash(text):
    return re.sub(r"\s+", " ", text).strip()


def exit_entries(rel, table):
    """The index of each designated initializer of @table in @rel."""
    src = read(rel)
    m = re.search(r"\b" + table + r"\[\][^=;]*=\s*\{(.*?)\n\};", src, re.S)
    if not m:
        return None
    body = re.sub(r"/\*.*?\*/", "", m.group(1), flags=re.S)
    return [squash(k) for k in re.findall(r"^\s*\[([^\]]+)\]\s*=",
                                          body, re.M)]


def rst_section(text, title):
    """Body of the section @title (up to the next section title)."""
    m = re.search(r"^" + re.escape(title) + r"\n[=\-~]{3,}\n", text, re.M)
    if not m:
        return None
    rest = text[m.end():]
    nxt = re.search(r"^\S.*\n[=\-~]{3,}\n", rest, re.M)
    return rest[:nxt.start()] if nxt else rest


def check_exits():
    bad = []
    section = rst_section(read(DESIGN), EXIT_SECTION)
    if section is None:
        return [f"{DESIGN}: no section \"{EXIT_SECTION}\""], 0
    literals = {squash(x) for x in re.findall(r"``(.+?)``", section, re.S)}
    n = 0
    for rel, table in EXIT_TABLES:
        entries = exit_entries(rel, table)
        if entries is None:
            bad.append(f"{rel}: no {table}[] found")
            continue
        for key in entries:
            n += 1
            if key not in literals:
                bad.append(f"{DESIGN}: {table}[{key}] ({rel}) is not in "
                           f"the table of \"{EXIT_SECTION}\"")
    return bad, n


def check_tests():
    bad = []
    tests = sorted(re.sub(r"\.(c|sh)$", "", f)
                   for f in os.listdir(os.path.join(TOP, "selftests"))
                   if re.search(r"_test\.(c|sh)$", f))
    rows = set(re.findall(r"^\|\s*(\w+_test)\s*\|", read(README), re.M))
    for t in tests:
        if t not in rows:
            bad.append(f"{README}: no row for {t} (selftests/{t}.*)")
    for r in sorted(rows - set(tests)):
        bad.append(f"{README}: row for {r}, but no selftests/{r}.*")
    return bad, len(tests)


def main():
    bad_e, nexits = check_exits()
    bad_t, ntests = check_tests()
    for line in bad_e + bad_t:
        print(line)
    if bad_e or bad_t:
        print(f"check-docs: {len(bad_e) + len(bad_t)} miss(es)")
        return 1
    print(f"check-docs: {ntests} tests in {README}, {nexits} exit-table "
          f"entries in {DESIGN}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
