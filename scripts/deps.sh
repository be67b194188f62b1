#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Install the Debian 12 packages vmon's build and test harness need.
# Idempotent: when everything is installed it only runs one dpkg-query.
# With --missing it only prints what is missing (CI installs that itself).
set -eu

PKGS="qemu-system-x86 linux-image-amd64 linux-headers-amd64 busybox-static
cpio libnl-genl-3-dev linux-source-6.1 bochs bochsbios vgabios isolinux
syslinux-common xorriso gcc make libc6-dev binutils kmod xz-utils zstd
dkms
python3 perl"

missing=
for p in $PKGS; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || missing="$missing $p"
done

if [ "${1:-}" = --missing ]; then
	echo $missing
	exit 0
fi
if [ -z "$missing" ]; then
	exit 0
fi

echo "deps.sh: installing:$missing"
SUDO=
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null 2>&1 || {
		echo "deps.sh: not root and no sudo; install:$missing" >&2
		exit 1
	}
	SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
# One update per run: the lists may be absent on a fresh machine.
$SUDO apt-get update -q
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing
