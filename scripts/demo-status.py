#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Judge a `make demo` boot from its serial log (the guest's output was
already shown live): exit 0 only if the device's module loaded, vmon-run
exited 0 and the kernel did not complain."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vmonlog  # noqa: E402

log = vmonlog.parse(open(sys.argv[1], errors="replace").read())
runs = [r for r in log.runs if r.bin == "demo"]
dev = runs[0].dev if runs else "vmon"
ok = True
for name, rc, lines in log.host:
    # Only the device the demo ran on matters (DEMO_DEV=kvm runs the
    # same guest on kvm_amd for comparison).
    if rc != 0 and name == dev + "-loaded":
        ok = False
        print("demo: host:%s failed (status %d)" % (name, rc))
        for l in lines[-10:]:
            print("       | " + l)
if not runs or not runs[0].ended:
    ok = False
    print("demo: vmon-run did not finish (see %s)" % sys.argv[1])
elif runs[0].rc != 0:
    ok = False
    print("demo: vmon-run exited with status %d" % runs[0].rc)
bad = vmonlog.kernel_findings(log)
if bad:
    ok = False
    print("demo: the kernel complained:")
    for l in bad[:10]:
        print("       | " + l)
print("demo: %s" % ("OK" if ok else "FAILED"))
sys.exit(0 if ok else 1)
