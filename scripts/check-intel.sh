#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check-intel`: only the Intel half of `make check` -- build, then
# boot the emulated Intel machine (Bochs, corei7_skylake_x: VMX with EPT)
# ONCE to run every selftest against /dev/vmon and against Linux's own
# kvm_intel (/dev/kvm, the oracle). Results carry the same names as in
# `make check` (intel:vmon:BIN:CASE, intel:kvm:..., intel:host:...), and
# the last line is "N passed, N failed, N skipped".
#
# The host-only unit tests are not run here: they do not depend on the
# CPU vendor and `make check` runs them.
#
# Environment: as check.sh (T, BOCHS_TEST_TIMEOUT, BOCHS_TIMEOUT,
# BOCHS_IDLE, run-bochs.sh's BOCHS_* settings). Logs and results go to
# build/check-intel.<pid>/ (build/check-intel links to the latest).
export MACHINES=intel CHECK_NAME=check-intel CHECK_UNIT=0
# The whole Bochs boot may take longer here than inside `make check`,
# which must fit CI's time.
export BOCHS_TIMEOUT=${BOCHS_TIMEOUT:-2400} BOCHS_IDLE=${BOCHS_IDLE:-600}
exec "$(dirname "$0")/check.sh"
