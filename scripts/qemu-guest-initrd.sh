#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The initramfs of the guest that Debian's QEMU boots inside the emulated
# machine (selftests/qemu_test.sh): busybox-static and an /init that
# prints markers, runs a few commands and powers off (or reboots once,
# vmonq.mode=reboot, and powers off after the second boot). The reboot
# count lives in a CMOS byte (RTC NVRAM survives QEMU's system reset).
#
# Usage: qemu-guest-initrd.sh OUT
set -euo pipefail
out=${1:?usage: qemu-guest-initrd.sh OUT}
bb=$(command -v busybox)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,proc,sys,dev}
install -m 0755 "$bb" "$stage/bin/busybox"
for a in sh mount cat echo grep uname nproc dd od poweroff reboot sleep \
	 tr cut head; do
	ln -s busybox "$stage/bin/$a"
done
mknod -m 600 "$stage/dev/console" c 5 1 2>/dev/null || true
cat > "$stage/init" <<'INIT'
#!/bin/sh
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec < /dev/console > /dev/console 2>&1
echo "VMONQ-INIT-OK cpus=$(nproc)"
echo "kernel $(uname -r); online $(cat /sys/devices/system/cpu/online)"
grep -m1 'model name' /proc/cpuinfo
grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -c .
mode=poweroff
for a in $(cat /proc/cmdline); do
	case $a in vmonq.mode=*) mode=${a#vmonq.mode=} ;; esac
done
# CMOS byte 0x7c: 0 at the first boot, 0x5a after the reboot.
cmos_get() {
	printf '\174' | dd of=/dev/port bs=1 seek=112 count=1 2>/dev/null
	dd if=/dev/port bs=1 skip=113 count=1 2>/dev/null | od -An -tx1 | tr -d ' '
}
cmos_set() {
	printf '\174' | dd of=/dev/port bs=1 seek=112 count=1 2>/dev/null
	printf "$1" | dd of=/dev/port bs=1 seek=113 count=1 2>/dev/null
}
if [ "$mode" = reboot ]; then
	if [ "$(cmos_get)" != 5a ]; then
		cmos_set '\132'
		echo "VMONQ-REBOOTING"
		reboot -f
		sleep 10
	fi
	cmos_set '\000'
	echo "VMONQ-REBOOTED"
fi
echo "VMONQ-DONE"
poweroff -f
sleep 10
INIT
chmod 0755 "$stage/init"
(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort |
	cpio -o -H newc -R 0:0 --quiet) | gzip -1 > "$out"
