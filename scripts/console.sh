# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# The serial console of an emulated boot, as both machine runners see it
# (sourced by run-qemu.sh and run-bochs.sh, bash): the emulator writes the
# whole console to LOG; the terminal gets a filtered copy; a guest that
# stays silent too long is hung.

# console_filter: stdin to stdout without what the terminal does not
# need: escape sequences (SeaBIOS/ISOLINUX screen clearing), QEMU's
# CPUID-feature warnings, the dmesg dump between its markers (the log
# keeps all of it).
console_filter() {
	sed -u -e 's/\x1b\[[0-9;?]*[A-Za-z]//g; s/\x1bc//g' \
		-e "/TCG doesn't support requested feature/d" \
		-e '/=== VMON DMESG BEGIN/,/=== VMON DMESG END/{/=== VMON DMESG/!d}'
}

# console_follow LOG PID QUIET SHOW: copy LOG to the terminal while PID
# lives, filtered unless SHOW is "all"; nothing when QUIET is 1. Sets
# console_tail to the PID to wait for (empty: none).
console_follow() {
	local log=$1 pid=$2 quiet=$3 show=$4

	console_tail=
	[ "$quiet" != 1 ] || return 0
	if [ "$show" = all ]; then
		tail -n +1 -f --pid="$pid" "$log" &
	else
		tail -n +1 -f --pid="$pid" "$log" | console_filter &
	fi
	# shellcheck disable=SC2034  # read by the scripts that source this
	console_tail=$!
}

# console_watch PID LOG IDLE [HOOK]: wait while PID lives, looking at LOG
# once a second. HOOK, if given, runs in this shell each time LOG has
# grown, with the time (date +%s) as its argument. Returns 0 when PID
# ended, 1 when HOOK returned non-zero (the caller says why), 2 when LOG
# did not grow for IDLE s (the guest hung; IDLE 0: never).
console_watch() {
	local pid=$1 log=$2 idle=$3 hook=${4:-} last=-1 size now quiet_since

	quiet_since=$(date +%s)
	while kill -0 "$pid" 2>/dev/null; do
		sleep 1
		size=$(stat -c %s "$log" 2>/dev/null || echo 0)
		now=$(date +%s)
		if [ "$size" != "$last" ]; then
			last=$size
			quiet_since=$now
			if [ -n "$hook" ] && ! "$hook" "$now"; then
				return 1
			fi
		elif [ "$idle" -gt 0 ] &&
		     [ $((now - quiet_since)) -ge "$idle" ]; then
			return 2
		fi
	done
	return 0
}
