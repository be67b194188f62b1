#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Table of `make bench` figures: vmon vs. KVM from one boot's log.

vmon-bench prints one figure a line, either
    bench <metric> <value> <unit>
or  metric=<metric> value=<value> unit=<unit>
(other lines are ignored); a value that is not a number ("error")
marks a figure that could not be measured. Lower is better for time units; the ratio is
vmon/KVM either way.

/init may run vmon-bench several rounds per device, alternating the
devices (BENCH_ROUNDS); each figure is the best of all rounds: the lowest
time, the highest rate.
"""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vmonlog  # noqa: E402

PLAIN = re.compile(r"^\s*bench:?\s+(\S+)\s+(\S+)\s*(\S*)\s*$")


def figures(run):
    out = {}
    for line in run.lines:
        m = PLAIN.match(line)
        if m:
            try:
                out[m.group(1)] = (float(m.group(2)), m.group(3))
            except ValueError:      # "bench NAME error -": measured nothing
                out[m.group(1)] = (None, "")
            continue
        kv = dict(vmonlog.KV.findall(line))
        name = kv.get("metric") or kv.get("name")
        if name and "value" in kv:
            try:
                out[name] = (float(kv["value"]), kv.get("unit", ""))
            except ValueError:
                pass
    return out


def higher_is_better(unit):
    return "/" in unit


def best(a, b):
    """The better of two (value, unit) figures; None values lose."""
    if a is None or a[0] is None:
        return b
    if b is None or b[0] is None:
        return a
    if higher_is_better(a[1]):
        return a if a[0] >= b[0] else b
    return a if a[0] <= b[0] else b


def main():
    path = sys.argv[1]
    log = vmonlog.parse(open(path, errors="replace").read())
    runs = {}
    for r in log.runs:
        if r.bin == "vmon-bench":
            runs.setdefault(r.dev, []).append(r)
    ok = True
    for name, rc, lines in log.host:
        if rc != 0:
            print("bench: host:%s failed (status %d)" % (name, rc))
            ok = False
    figs = {}
    rounds = {}
    for dev in ("vmon", "kvm"):
        figs[dev] = {}
        rounds[dev] = 0
        if not runs.get(dev):
            ok = False
            print("bench: vmon-bench on /dev/%s did not run" % dev)
        for i, r in enumerate(runs.get(dev, []), 1):
            if not r.ended or r.rc != 0:
                ok = False
                print("bench: vmon-bench on /dev/%s, round %d, %s" % (
                      dev, i, "did not finish" if not r.ended else
                      "exited with status %d" % r.rc))
            rounds[dev] += 1
            for n, v in figures(r).items():
                figs[dev][n] = best(figs[dev].get(n), v)
    names = list(figs["vmon"]) + [n for n in figs["kvm"]
                                  if n not in figs["vmon"]]
    # Same binary, same options: a figure one device lacks was skipped
    # or lost, and a ratio against nothing would hide that.
    if all(runs.get(d) for d in ("vmon", "kvm")):
        for n in names:
            missing = [d for d in ("vmon", "kvm") if n not in figs[d]]
            if missing:
                ok = False
                print("bench: %s measured on one device only (none on /dev/%s)"
                      % (n, missing[0]))
    if not names:
        print("bench: no figures found in %s" % path)
        return 1
    w = max(len(n) for n in names + ["metric"])
    print("best of %d round(s) on vmon, %d on kvm, devices alternating" %
          (rounds["vmon"], rounds["kvm"]))
    print("%-*s %14s %14s %10s" % (w, "metric", "vmon", "kvm", "vmon/kvm"))
    for n in names:
        v = figs["vmon"].get(n)
        k = figs["kvm"].get(n)
        unit = (v if v and v[0] is not None else k or v)[1]

        def fmt(x):
            if not x:
                return "-"
            if x[0] is None:
                return "error"
            num = "%.0f" % x[0] if abs(x[0]) >= 100 else "%.2f" % x[0]
            return "%s %s" % (num, unit)
        fv, fk = fmt(v), fmt(k)
        ratio = ("%.2f" % (v[0] / k[0]) if v and k and v[0] is not None
                 and k[0] else "-")
        print("%-*s %14s %14s %10s" % (w, n, fv, fk, ratio))
    print("(time units: lower is better; rates such as MiB/s and 1/s: "
          "higher is better)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
