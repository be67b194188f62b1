# SPDX-License-Identifier: GPL-2.0
"""The known bugs and limits of the emulated machines, in one place.

vmon's test beds are emulators (QEMU TCG for AMD-V, Bochs for VT-x), and
both have bugs of their own that a hypervisor running on them trips over.
Each entry here says what the emulator does wrong, how the harness knows
that it was the emulator (the evidence), and what the harness does about
it. Documentation/testing.rst explains the two QEMU bugs at length.

The policy, enforced by excuse() and by nothing else:

* A test binary prints ``# vmon-known-emulator-bug: <id>`` as a
  diagnosis when it has counted the evidence (selftests/lib/emulator.c), on any
  device. The marker explains a failure; it does not decide its verdict.
* Only the oracle's failures (device ``kvm``, on either machine) may be
  turned into a SKIP by a marker: Linux's KVM is not what is under test,
  and a failure it shares with the emulator tells us nothing about vmon.
* On ``vmon`` a failure stays a failure whatever marker it printed: a vmon
  bug could produce the very same evidence (an injection left armed and
  not counted looks exactly like a doubled delivery), and hiding it as an
  emulator bug is the one mistake the harness must not make.

Entries without a marker are limits that the tests themselves skip on
both devices (with the id in the skip reason), because the emulated CPU
cannot run them at all; they are listed here so that every emulator
excuse the suite makes can be found in this file.
"""

MARKER = "vmon-known-emulator-bug:"

# Devices whose failures a marker may excuse.
EXCUSABLE_DEVICES = ("kvm",)


class Bug:
    def __init__(self, emulator, marker, summary, evidence):
        self.emulator = emulator
        self.marker = marker        # printed by the guest library, or None
        self.summary = summary      # the SKIP reason on the oracle
        self.evidence = evidence    # how a run proves it was the emulator


BUGS = {
    "qemu-svm-sti-shadow": Bug(
        "qemu-tcg", True,
        "QEMU TCG's SVM does not reload the STI shadow at VMRUN: kvm_amd "
        "let an interrupt in between 'sti' and 'hlt' (counted by the "
        "guest), and the vCPU halted for good; vmon steps out of the "
        "shadow instead (Documentation/testing.rst)",
        "the guest library counts interrupts whose frame RIP is a HLT "
        "right after an STI run with IF=0, and events_test sees an "
        "interrupt-window exit with RIP on the instruction after STI; "
        "QEMU's helper_vmrun has no int_state load"),
    "qemu-svm-double-delivery": Bug(
        "qemu-tcg", True,
        "QEMU TCG delivered an interrupt twice: the guest took more "
        "interrupts than the hypervisor injected (both counted; "
        "Documentation/testing.rst)",
        "the guest counts the interrupts it takes (vector 32 and up) and "
        "the test compares them with the hypervisor's own injection count "
        "(VMON_GET_VCPU_STATS / KVM's binary stat irq_injections); QEMU's "
        "helper_vmrun leaves exception_index set after an EVENTINJ"),
    "bochs-no-switch-from-spinning-guest": Bug(
        "bochs", None,
        "Bochs: a CPU running a spinning nested guest never switches to "
        "another host thread, on kvm_intel as on vmon",
        "kvm_intel and vmon hang the same way (RCU stalls with 0 ticks "
        "this grace period; vmon's delete_slot_while_running wedged CPU#1 "
        "with a 300 s soft lockup on 2026-12-07); skipped in preempt_test, "
        "signal_test and concurrency_test under vmontest.emulator=bochs, "
        "and Linux's xapic_ipi_test on both devices there "
        "(scripts/kvm-selftests-run.sh; Documentation/testing-intel.rst)"),
}


def markers_in(lines):
    """The ids of the known-bug markers printed in @lines, in order."""
    seen = []
    for line in lines:
        i = line.find(MARKER)
        if i < 0:
            continue
        bug_id = line[i + len(MARKER):].split()
        if bug_id and bug_id[0] not in seen:
            seen.append(bug_id[0])
    return seen


def excuse(dev, lines):
    """For a failed case on @dev whose diagnosis is @lines: the reason for
    turning it into a SKIP, or None when it stays a failure. The second
    value is a diagnosis line to add to a failure that printed a marker
    without being excused (None otherwise)."""
    seen = [b for b in markers_in(lines) if b in BUGS and BUGS[b].marker]
    if not seen:
        return None, None
    if dev in EXCUSABLE_DEVICES:
        return BUGS[seen[0]].summary, None
    return None, ("# printed the marker of %s: a known emulator bug, "
                  "excused on the oracle only; on %s it stays a failure"
                  % (", ".join(seen), dev))
