#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Summarize a `make check` run.

    ktap-summary.py [--results FILE] MACHINE_ARGS [--machine NAME MACHINE_ARGS]...

MACHINE_ARGS (each machine, i.e. each emulated boot, has its own):
  --host LOG   host-side log (build steps, unit tests) in the marker syntax
  --guest LOG  serial console of the one emulated boot that ran the suite
  --expect     a run ("DEV:BIN") or host check ("host:NAME") the guest was
               told to do (missing ones fail)
  --timeout S  the per-run timeout that boot used

The arguments before the first --machine give unprefixed names (the AMD
machine of `make check`: "vmon:memslot_test:global.move_slot"); those after
"--machine intel" are named "intel:vmon:memslot_test:global.move_slot".

Prints failures (with the diagnostics that preceded them), skips, a table
per machine and device, and last the line "N passed, N failed, N skipped"
over all machines. Exits 1 when anything failed.
"""

import argparse
import collections
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vmonlog  # noqa: E402
from vmonlog import FAIL, PASS, SKIP, Result  # noqa: E402


def host_results(log):
    out = []
    for name, rc, lines in log.host:
        if name in log.host_skip:
            out.append(Result("host:" + name, SKIP, log.host_skip[name]))
        elif rc == 0:
            out.append(Result("host:" + name, PASS))
        else:
            out.append(Result("host:" + name, FAIL, "status %d" % rc,
                              lines[-15:]))
    return out


def guest_results(log, expect, timeout_s):
    out = host_results(log)
    seen = set("host:" + h[0] for h in log.host)
    for run in log.runs:
        seen.add("%s:%s" % (run.dev, run.bin))
        out.extend(vmonlog.run_results(run, timeout_s))
    for e in expect:
        if e in seen:
            continue
        if e.startswith("host:"):
            why = "never reported (the guest stopped before it)"
        else:
            why = ("never started (not in the image, or the guest stopped "
                   "before it)")
        out.append(Result(e, FAIL, why))
    if log.done is not None:
        out.append(Result("host:guest-finished", PASS))
    else:
        lines = log.lines
        hung = [i for i, l in enumerate(lines)
                if "guest hung; asking for backtraces" in l]
        if hung:
            # Show what the guest did last; the watchdog's backtraces and
            # registers that follow are in the log.
            lines = lines[:hung[0] + 1]
        last = vmonlog.tail(lines, 20)
        why = ("/init never reached its end (panic, hang or boot timeout)"
               if log.started else "/init never started (kernel or "
               "initramfs problem)")
        out.append(Result("host:guest-finished", FAIL,
                          why + "; last console lines follow", last))
    tolerated = []
    bad = vmonlog.kernel_findings(log, tolerated)
    if tolerated:
        out.append(Result("host:rcu-stalls", SKIP,
                          "Bochs: %d line(s) of RCU stall reports not "
                          "counted by host:kernel-clean (a spinning nested "
                          "guest is never switched away from, on kvm_intel "
                          "as on vmon)" % len(tolerated)))
    if bad is None:
        # No dmesg dump: judge by what reached the console.
        bad = [l for l in log.lines if vmonlog.KERNEL_BAD.search(l)]
        out.append(Result("host:kernel-clean", FAIL,
                          "no dmesg dump (guest did not finish)", bad[:20]))
    elif bad:
        out.append(Result("host:kernel-clean", FAIL,
                          "%d suspicious dmesg line(s)" % len(bad), bad[:20]))
    else:
        out.append(Result("host:kernel-clean", PASS))
    return out


def read(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError as e:
        return "=== VMON HOST name=log-readable rc=1 ===\n%s\n" % e


def machine_results(a):
    results = []
    for path in a.host:
        log = vmonlog.parse(read(path))
        results.extend(host_results(log))
        for run in log.runs:
            results.extend(vmonlog.run_results(run, a.timeout))
    if a.guest:
        expect = [e for x in a.expect for e in x.split()]
        results.extend(guest_results(vmonlog.parse(read(a.guest)), expect,
                                     a.timeout))
    return results


def split_machines(argv):
    """[(prefix, args)]: the arguments before the first --machine, then
    one group per "--machine NAME"."""
    groups = [("", [])]
    i = 0
    while i < len(argv):
        if argv[i] == "--machine" and i + 1 < len(argv):
            groups.append((argv[i + 1] + ":", []))
            i += 2
            continue
        if argv[i].startswith("--machine="):
            groups.append((argv[i].split("=", 1)[1] + ":", []))
            i += 1
            continue
        groups[-1][1].append(argv[i])
        i += 1
    return groups


def device(name, prefixes):
    """The table row of a result: its device, with its machine prefix."""
    for p in prefixes:
        if p and name.startswith(p):
            return p + name[len(p):].split(":", 1)[0]
    return name.split(":", 1)[0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", action="append", default=[])
    ap.add_argument("--guest")
    ap.add_argument("--expect", action="append", default=[])
    ap.add_argument("--timeout")
    ap.add_argument("--results")

    results = []
    results_file = None
    groups = split_machines(sys.argv[1:])
    for prefix, argv in groups:
        a = ap.parse_args(argv)
        results_file = a.results or results_file
        for r in machine_results(a):
            r.name = prefix + r.name
            results.append(r)
    prefixes = [p for p, _ in groups]

    print("==== vmon test summary ====")
    for r in results:
        if r.status == FAIL:
            print("FAIL %s%s" % (r.name, "  (%s)" % r.reason if r.reason else ""))
            for d in r.diag:
                print("       | " + d)
    for r in results:
        if r.status == SKIP:
            print("SKIP %s  (%s)" % (r.name, r.reason or "no reason given"))

    per = collections.OrderedDict()
    for r in results:
        dev = device(r.name, prefixes)
        per.setdefault(dev, collections.Counter())[r.status] += 1
    print("---- by device ----")
    for dev, c in per.items():
        print("  %-11s %4d passed, %4d failed, %4d skipped" %
              (dev, c[PASS], c[FAIL], c[SKIP]))

    if results_file:
        with open(results_file, "w") as f:
            for r in results:
                f.write("%s %s%s\n" % (r.status, r.name,
                                       " # " + r.reason if r.reason else ""))

    n = collections.Counter(r.status for r in results)
    print("%d passed, %d failed, %d skipped" % (n[PASS], n[FAIL], n[SKIP]))
    return 1 if n[FAIL] else 0


if __name__ == "__main__":
    sys.exit(main())
