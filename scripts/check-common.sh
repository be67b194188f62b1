# SPDX-License-Identifier: GPL-2.0
# Shared by check.sh and check-intel.sh (sourced, bash): progress lines,
# steps recorded as host:NAME results, and the build every run starts
# with. Expects $hostlog and $CHECK_NAME; sets KVER and no_vmon.

MAKE=${MAKE:-make}
t_start=$(date +%s)

phase() {
	echo
	echo "---- $CHECK_NAME: $* ($(($(date +%s) - t_start)) s) ----"
}

# step NAME CMD...: run CMD with its output on the terminal and in the
# host log, then record host:NAME.
step() {
	local name=$1 rc
	shift
	phase "$name"
	"$@" 2>&1 | tee -a "$hostlog"
	rc=${PIPESTATUS[0]}
	echo "=== VMON HOST name=$name rc=$rc ===" >> "$hostlog"
	return "$rc"
}

# Packages, kernel sources, the kernel to boot, and the three builds.
check_build() {
	step deps scripts/deps.sh
	step ksrc scripts/ksrc.sh
	if ! KVER=$(scripts/kver.sh 2>&1); then
		echo "$KVER" | tee -a "$hostlog"
		echo "=== VMON HOST name=kernel-found rc=1 ===" >> "$hostlog"
		KVER=
	fi
	export KVER

	no_vmon=0
	if ! step build-module "$MAKE" --no-print-directory module; then
		# A stale vmon.ko from an earlier build must not be tested.
		no_vmon=1
	fi
	step build-userspace "$MAKE" --no-print-directory userspace
	step build-selftests "$MAKE" --no-print-directory selftests
}
