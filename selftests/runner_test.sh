#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# vmon-run's own cases (userspace/run-guests.sh: the sample guests in
# real, protected and long mode, exit statuses, triple fault, timeout,
# bad images, a missing device, too much memory) on the device under
# test. KTAP from run-guests.sh; passes on /dev/kvm and /dev/vmon alike.
exec /bin/run-guests.sh "${VMON_TEST_DEV:-/dev/vmon}" /guests /bin/vmon-run
