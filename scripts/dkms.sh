#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# DKMS for vmon.
#   scripts/dkms.sh install [VERSION]  copy the kernel sources to
#        /usr/src/vmon-VERSION, dkms add + build + install (running kernel)
#   scripts/dkms.sh check KVER         CI: the same sources, under a version
#        of their own, dkms add + build against KVER's headers, then dkms
#        remove; nothing is installed into /lib/modules
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
cmd=${1:-}

stage() {		# stage VERSION: /usr/src/vmon-VERSION
	src=/usr/src/vmon-$1
	rm -rf "$src"
	mkdir -p "$src"
	(cd "$top" && cp -r Kbuild core dev npt_ept svm vmx uapi "$src"/)
	find "$src" \( -name '*.o' -o -name '*.cmd' -o -name '*.ko' \
		-o -name '*.mod*' \) -delete
	sed "s/@VERSION@/$1/" "$top/dkms.conf" > "$src/dkms.conf"
}

case $cmd in
install)
	ver=${2:-0.1}
	stage "$ver"
	dkms remove -m vmon -v "$ver" --all >/dev/null 2>&1 || true
	dkms add -m vmon -v "$ver"
	dkms build -m vmon -v "$ver"
	dkms install -m vmon -v "$ver"
	;;
check)
	kver=${2:?usage: dkms.sh check KVER}
	command -v dkms >/dev/null || { echo "dkms: not installed"; exit 1; }
	ver=0.0ci$$
	stage "$ver"
	rc=0
	dkms add -m vmon -v "$ver" >/dev/null &&
		dkms build -m vmon -v "$ver" -k "$kver" || rc=1
	ko=/var/lib/dkms/vmon/$ver/$kver/x86_64/module/vmon.ko
	if [ $rc = 0 ] && [ -f "$ko" ] &&
	   modinfo -F vermagic "$ko" | grep -q "^$kver "; then
		echo "dkms: vmon $ver built for $kver ($ko)"
	else
		echo "dkms: build for $kver failed"
		cat "/var/lib/dkms/vmon/$ver/build/make.log" 2>/dev/null | tail -20
		rc=1
	fi
	dkms remove -m vmon -v "$ver" --all >/dev/null 2>&1 || true
	rm -rf "/usr/src/vmon-$ver"
	exit $rc
	;;
*)
	echo "usage: scripts/dkms.sh install [VERSION] | check KVER" >&2
	exit 2
	;;
esac
