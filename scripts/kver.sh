#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Print the Debian kernel version vmon builds against and boots: the newest
# /usr/src/linux-headers-*-amd64 that has a matching /boot/vmlinuz-*.
# Debian's point releases move the ABI number, so it is never hard-coded.
# Override with KVER=... in the environment.
set -eu

if [ -n "${KVER:-}" ]; then
	echo "$KVER"
	exit 0
fi

best=
for d in $(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V); do
	v=${d#/usr/src/linux-headers-}
	[ -e "/boot/vmlinuz-$v" ] && best=$v
done

if [ -z "$best" ]; then
	echo "kver.sh: no /usr/src/linux-headers-*-amd64 with a matching" \
	     "/boot/vmlinuz-*; run scripts/deps.sh" >&2
	exit 1
fi
echo "$best"
