# SPDX-License-Identifier: GPL-2.0
"""Parse the logs of vmon's test harness.

A log is the serial console of one emulated boot (scripts/init.sh writes
it) or a host-side log written by scripts/check.sh in the same syntax.
This docstring is the one statement of the marker contract between them.
Marker lines (found anywhere in a line: kernel messages can glue onto
them):

    === VMON HOST name=<check> rc=<n> ===
    === VMON HOST name=<check> rc=0 skip=1 ===     (reason: the line before)
    === VMON START plan=<p> ===                     /init began
    === VMON BEGIN dev=<d> bin=<b> ===
    === VMON END dev=<d> bin=<b> rc=<n> secs=<s> timeout=<0|1> ===
    === VMON DMESG BEGIN ===  ...  === VMON DMESG END ===
    === VMON DONE plan=<p> ===

Between BEGIN and END is the output of one test binary: KTAP as printed
by kselftest.h / kselftest_harness.h. Each result becomes
"<dev>:<bin>:<case>" ("<dev>:<case>" when bin is "-").
"""

import re

from emulator_bugs import excuse

MARK = re.compile(r"=== VMON (.*?) ===")
KV = re.compile(r"(\w+)=(\S*)")
RESULT = re.compile(r"^(not ok|ok)\s+(\d+)\b\s*(?:-\s*)?(.*)$")
PLAN = re.compile(r"^1\.\.(\d+)\s*(?:#\s*(.*))?$")
RUN_LINE = re.compile(r"^#\s+RUN\s+(\S+)")
DIRECTIVE = re.compile(r"(?:^|\s)#\s*(SKIP|TODO|XFAIL|error)\b\s*(.*)$", re.I)

# dmesg lines that make host:kernel-clean fail. BUG:/WARNING: count only
# at the start of a message (after the timestamp): WARN() and friends print
# them there, while e.g. the SRSO mitigation notice has "WARNING:" in the
# middle of an informational line on every boot of the emulated EPYC.
KERNEL_BAD = re.compile(
    r"(^|\]\s*)(BUG:|WARNING:)|kernel BUG at|Oops|general protection"
    r"|Call Trace|soft lockup|hard LOCKUP|Kernel panic")

# ...except a user program's own #GP ("traps: foo[12] general protection
# fault ip:..."): that is the test binary's crash, already counted there.
USER_TRAP = re.compile(r"traps: \S+\[\d+\] general protection")

PASS, FAIL, SKIP = "PASS", "FAIL", "SKIP"


class Result:
    def __init__(self, name, status, reason="", diag=None):
        self.name = name
        self.status = status
        self.reason = reason
        self.diag = diag or []


class Run:
    """One BEGIN..END block."""

    def __init__(self, dev, binary):
        self.dev = dev
        self.bin = binary
        self.lines = []
        self.rc = None
        self.secs = None
        self.timeout = False
        self.ended = False


class Log:
    def __init__(self):
        self.host = []       # (name, rc, lines printed before the marker)
        self.host_skip = {}  # name -> reason, for host checks skipped
        self.runs = []
        self.dmesg = None    # list of lines, None when never dumped
        self.done = None     # plan name from the DONE marker
        self.started = False  # /init printed its START marker
        self.lines = []


def _fields(payload):
    return dict(KV.findall(payload))


def parse(text):
    log = Log()
    run = None
    pending = []         # lines since the last marker (host diagnostics)
    in_dmesg = False
    for raw in text.splitlines():
        line = raw.replace("\r", "")
        log.lines.append(line)
        if line.startswith(("run-qemu.sh:", "run-bochs.sh:")):
            # The host's watchdog speaks: what follows (backtraces,
            # registers) belongs to no run.
            if run is not None:
                log.runs.append(run)
                run = None
            in_dmesg = False
            pending.append(line)
            continue
        m = MARK.search(line)
        if not m:
            if in_dmesg:
                log.dmesg.append(line)
            elif run is not None:
                run.lines.append(line)
            else:
                pending.append(line)
            continue
        before = line[:m.start()]
        payload = m.group(1).strip()
        word = payload.split()[0] if payload else ""
        f = _fields(payload)
        if before.strip():
            (run.lines if run is not None else pending).append(before)
        if payload == "DMESG BEGIN":
            log.dmesg = []
            in_dmesg = True
        elif payload == "DMESG END":
            in_dmesg = False
        elif word == "BEGIN":
            if run is not None:          # previous one never ended
                log.runs.append(run)
            run = Run(f.get("dev", "?"), f.get("bin", "?"))
        elif word == "END":
            if run is None or (run.dev, run.bin) != (f.get("dev"), f.get("bin")):
                if run is not None:
                    log.runs.append(run)
                run = Run(f.get("dev", "?"), f.get("bin", "?"))
            run.ended = True
            run.rc = int(f.get("rc", "-1"))
            run.secs = f.get("secs")
            run.timeout = f.get("timeout") == "1"
            log.runs.append(run)
            run = None
            pending = []
        elif word == "HOST":
            lines = [p for p in pending if p.strip()]
            name = f.get("name", "?")
            log.host.append((name, int(f.get("rc", "-1")), lines))
            if f.get("skip") == "1":
                log.host_skip[name] = (lines[-1].strip() if lines
                                       else "no reason given")
            pending = []
        elif word == "START":
            pending = []
            log.started = True
        elif word == "DONE":
            log.done = f.get("plan", "?")
    if run is not None:
        log.runs.append(run)
    return log


NOISE = re.compile(r"TCG doesn't support requested feature")
ESCAPE = re.compile(r"\x1b(\[[0-9;?]*[A-Za-z]|c)")


def tail(lines, n):
    """The last n meaningful lines (no QEMU feature warnings, no escapes)."""
    out = [ESCAPE.sub("", l) for l in lines if not NOISE.search(l)]
    return [l for l in out if l.strip()][-n:]


def _signal_name(rc):
    names = {4: "SIGILL", 6: "SIGABRT", 7: "SIGBUS", 8: "SIGFPE",
             9: "SIGKILL", 11: "SIGSEGV", 15: "SIGTERM"}
    return names.get(rc - 128, "signal %d" % (rc - 128))


def run_results(run, timeout_s=None):
    """KTAP results of one run plus at most one synthetic result for the
    binary itself ("<dev>:<bin>") when the run as a whole went wrong."""
    prefix = run.dev + ":" if run.bin == "-" else "%s:%s:" % (run.dev, run.bin)
    out = []
    plan = None
    plan_skip = None
    bailed = None
    last_run_name = None
    known_bug = False
    diag = []
    for line in run.lines:
        if line.startswith("Bail out!"):
            bailed = line
            continue
        m = PLAN.match(line)
        if m:
            plan = int(m.group(1))
            if m.group(2) and m.group(2).upper().startswith("SKIP"):
                plan_skip = m.group(2)[4:].strip() or "skipped"
            continue
        m = RUN_LINE.match(line)
        if m:
            last_run_name = m.group(1)
            diag = []
            continue
        m = RESULT.match(line)
        if not m:
            if line.startswith("#") or line.strip():
                diag.append(line)
            continue
        ok = m.group(1) == "ok"
        num = m.group(2)
        rest = m.group(3)
        # Only a known directive ends the name: descriptions such as
        # "... not #PF" keep their '#'.
        d = DIRECTIVE.search(rest)
        name = rest[:d.start()] if d else rest
        name = name.strip() or last_run_name or ("#" + num)
        kind = d.group(1).upper() if d else ""
        reason = d.group(2).strip() if d else ""
        # A known emulator bug the test proved by counting excuses the
        # oracle only (emulator_bugs.py holds the list and the rule).
        excused, note = excuse(run.dev, diag) if not ok else (None, None)
        if kind == "SKIP":
            status = SKIP
        elif excused:
            status = SKIP
            reason = excused
            known_bug = True
        elif kind in ("TODO", "XFAIL"):
            status = PASS if ok else SKIP   # expected failure
        elif kind == "ERROR":
            status = FAIL
        else:
            status = PASS if ok else FAIL
        if status == FAIL:
            diag = diag[-12:] + ([note] if note else [])
        out.append(Result(prefix + name, status, reason,
                          diag if status == FAIL else None))
        diag = []
        last_run_name = None

    problems = []
    if not run.ended:
        problems.append("no end marker: the guest died or the boot timed out "
                        "while it ran")
    elif run.timeout:
        problems.append("killed after the %s s timeout" %
                        (timeout_s or run.secs))
    elif run.rc is not None and run.rc >= 128:
        problems.append("killed by %s" % _signal_name(run.rc))
    if bailed:
        problems.append(bailed)
    if run.dev == "unit":
        pass    # several binaries, several plans: judged by exit status
    elif plan_skip is not None and plan == 0:
        if not problems:
            out.append(Result(prefix.rstrip(":"), SKIP, plan_skip))
            return out
    elif plan is None:
        problems.append("printed no KTAP plan (1..N)")
    elif plan is not None and len(out) < plan:
        problems.append("%d of %d planned results missing" %
                        (plan - len(out), plan))
    if (run.ended and run.rc not in (None, 0, 4) and run.rc < 128
            and not known_bug and not any(r.status == FAIL for r in out)):
        problems.append("exit status %d but no failing case reported" % run.rc)
    if problems:
        last = tail(run.lines, 12)
        whole = "unit:run" if run.bin == "-" else prefix.rstrip(":")
        out.append(Result(whole, FAIL, "; ".join(problems), last))
    return out


# An RCU stall report and the backtraces it prints (within a couple of
# seconds of its first line).
RCU_STALL = re.compile(r"rcu: INFO: rcu_\w+ (detected stalls|self-detected)"
                       r"|rcu: rcu_\w+ kthread (timer wakeup|starved)")
STAMP = re.compile(r"^\[\s*(\d+\.\d+)\]")
RCU_STALL_WINDOW = 2.0


def booted_on(log, emulator):
    """The kernel command line named this emulated machine (run-*.sh)."""
    return any("vmontest.emulator=%s" % emulator in l
               for l in (log.dmesg or []))


def rcu_stall_lines(log):
    """Suspicious dmesg lines that belong to RCU stall reports."""
    out, since = [], None
    for l in log.dmesg or []:
        m = STAMP.match(l)
        t = float(m.group(1)) if m else None
        if RCU_STALL.search(l):
            since = t
        if (since is not None and t is not None and
                t - since <= RCU_STALL_WINDOW and KERNEL_BAD.search(l)):
            out.append(l)
    return out


def kernel_findings(log, tolerated=None):
    """Lines that make host:kernel-clean fail; None if dmesg is missing.

    On the Bochs machine the backtraces of RCU stall reports are not
    counted: a CPU running a spinning nested guest is never switched away
    from there, on kvm_intel as on vmon (Documentation/testing-intel.rst).
    They are appended to @tolerated, so the caller can report them.
    """
    if log.dmesg is None:
        return None
    bad = [l for l in log.dmesg
           if KERNEL_BAD.search(l) and not USER_TRAP.search(l)]
    if booted_on(log, "bochs"):
        stall = set(rcu_stall_lines(log))
        if tolerated is not None:
            tolerated.extend(l for l in bad if l in stall)
        bad = [l for l in bad if l not in stall]
    return bad
