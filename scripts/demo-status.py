#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Judge a `make demo` boot from its serial log (the guest's output was
already shown live): exit 0 only if vmon loaded and vmon-run exited 0."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vmonlog  # noqa: E402

log = vmonlog.parse(open(sys.argv[1], errors="replace").read())
ok = True
for name, rc, lines in log.host:
    if rc != 0:
        ok = False
        print("demo: host:%s failed (status %d)" % (name, rc))
        for l in lines[-10:]:
            print("       | " + l)
runs = [r for r in log.runs if r.bin == "demo"]
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
