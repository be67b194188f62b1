#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Host-side tests of the log parser's verdicts (scripts/vmonlog.py and
the known-emulator-bug policy of scripts/emulator_bugs.py), printed as
KTAP. Run by `make unit` beside the C unit tests."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vmonlog  # noqa: E402
from vmonlog import FAIL, PASS, SKIP  # noqa: E402

SHADOW = "# vmon-known-emulator-bug: qemu-svm-sti-shadow"
DOUBLE = "# vmon-known-emulator-bug: qemu-svm-double-delivery"


def boot(dev, case_lines, rc=1):
    """One BEGIN..END block of a test binary with one case."""
    body = ["TAP version 13", "1..1", "# RUN t.case ..."] + case_lines
    return "\n".join(["=== VMON BEGIN dev=%s bin=x_test ===" % dev] + body +
                     ["=== VMON END dev=%s bin=x_test rc=%d secs=1 "
                      "timeout=0 ===" % (dev, rc)])


def verdicts(text):
    log = vmonlog.parse(text)
    out = {}
    for run in log.runs:
        for r in vmonlog.run_results(run):
            out[r.name] = r
    return out


CASES = []


def case(fn):
    CASES.append(fn)
    return fn


@case
def oracle_shadow_failure_is_a_skip():
    r = verdicts(boot("kvm", [SHADOW, "not ok 1 t.case"]))
    assert r["kvm:x_test:t.case"].status == SKIP
    assert "STI shadow" in r["kvm:x_test:t.case"].reason
    assert "kvm:x_test" not in r, "no synthetic failure for the binary"


@case
def oracle_double_delivery_failure_is_a_skip():
    r = verdicts(boot("kvm", [DOUBLE, "not ok 1 t.case"]))
    assert r["kvm:x_test:t.case"].status == SKIP


@case
def vmon_shadow_failure_stays_a_failure():
    r = verdicts(boot("vmon", [SHADOW, "not ok 1 t.case"]))
    res = r["vmon:x_test:t.case"]
    assert res.status == FAIL
    assert any("excused on the oracle only" in l for l in res.diag), res.diag


@case
def vmon_double_delivery_failure_stays_a_failure():
    r = verdicts(boot("vmon", [DOUBLE, "not ok 1 t.case"]))
    assert r["vmon:x_test:t.case"].status == FAIL


@case
def oracle_failure_without_marker_stays_a_failure():
    r = verdicts(boot("kvm", ["# something else", "not ok 1 t.case"]))
    assert r["kvm:x_test:t.case"].status == FAIL


@case
def unknown_marker_excuses_nothing():
    r = verdicts(boot("kvm", ["# vmon-known-emulator-bug: made-up",
                              "not ok 1 t.case"]))
    assert r["kvm:x_test:t.case"].status == FAIL


@case
def marker_on_a_pass_changes_nothing():
    r = verdicts(boot("vmon", [SHADOW, "ok 1 t.case"], rc=0))
    assert r["vmon:x_test:t.case"].status == PASS


@case
def marker_of_an_earlier_case_does_not_leak():
    text = "\n".join([
        "=== VMON BEGIN dev=kvm bin=x_test ===", "TAP version 13", "1..2",
        "# RUN t.a ...", SHADOW, "ok 1 t.a", "# RUN t.b ...",
        "not ok 2 t.b",
        "=== VMON END dev=kvm bin=x_test rc=1 secs=1 timeout=0 ==="])
    r = verdicts(text)
    assert r["kvm:x_test:t.b"].status == FAIL


def main():
    print("TAP version 13")
    print("1..%d" % len(CASES))
    failed = 0
    for i, fn in enumerate(CASES, 1):
        try:
            fn()
            print("ok %d vmonlog.%s" % (i, fn.__name__))
        except AssertionError as e:
            failed += 1
            print("# %s" % (e or "assertion failed"))
            print("not ok %d vmonlog.%s" % (i, fn.__name__))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
