#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Guest script for tests/vm/e2e.sh: runs /ag/tests/e2e/NN-*.sh in order, each in its own
# shell with set -u, tests/e2e/lib.sh sourced first and $0 set to the test file. Test
# output is "ok - NAME" / "not ok - NAME: REASON"; "# ..." lines are comments.
# AGVM_TEST_TIMEOUT (seconds, default 300) bounds one test file; a file with the line
# "# e2e-timeout: SECS" sets its own bound.
dir=/ag/tests/e2e

# scratch_released NAME: after a test file, no program holds a scratch slot (bpf/lib/scratch.h):
# every return path of every hook the file drove gave its slot back. A run holds one for
# microseconds, so a slot still held a second later was leaked. Nothing to check once the
# pins are gone.
scratch_released() {
	[ -e /sys/fs/bpf/agentgate/scratch_busy ] || return 0
	_n=0
	until _held=$(scratch 2>&1); do
		_n=$((_n + 1))
		[ $_n -lt 3 ] || { echo "not ok - $1: every scratch slot given back: held $_held"; return 0; }
		sleep 1
	done
	echo "ok - $1: every scratch slot given back"
}
echo "# kernel $(uname -r), lsm $(cat /sys/kernel/security/lsm), cpus $(cat /sys/devices/system/cpu/online), up $(cut -d' ' -f1 /proc/uptime) s"
for t in "$dir"/[0-9]*.sh; do
	[ -f "$t" ] || continue
	name=${t##*/}
	echo "# $name"
	start=$(cut -d. -f1 /proc/uptime)
	limit=$(sed -n 's/^# e2e-timeout: \([0-9]*\)$/\1/p' "$t" | head -n 1)
	limit=${limit:-${AGVM_TEST_TIMEOUT:-300}}
	mkdir -p /tmp/e2e-cwd && cd /tmp/e2e-cwd || exit 1
	# shellcheck disable=SC2016 # expanded by the inner shell, where $0 is the test file
	timeout "$limit" sh -u -c '. /ag/tests/e2e/lib.sh; . "$0"' "$t" </dev/null
	rc=$?
	cd /
	scratch_released "$name"
	# A file that dies early loses its later results: make that a failure of its own.
	case $rc in
	0) ;;
	124|143) echo "not ok - $name: timed out after $limit s" ;;
	*) echo "not ok - $name: exited with status $rc" ;;
	esac
	echo "# $name: $(($(cut -d. -f1 /proc/uptime) - start)) s"
done
exit 0
