#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Guest script for tests/vm/e2e.sh: runs /ag/tests/e2e/NN-*.sh in order, each in its own
# shell with set -u, tests/e2e/lib.sh sourced first and $0 set to the test file. Test
# output is "ok - NAME" / "not ok - NAME: REASON"; "# ..." lines are comments.
# AGVM_TEST_TIMEOUT (seconds, default 300) bounds one test file; a file with the line
# "# e2e-timeout: SECS" sets its own bound.
dir=/ag/tests/e2e
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
	# A file that dies early loses its later results: make that a failure of its own.
	case $rc in
	0) ;;
	124|143) echo "not ok - $name: timed out after $limit s" ;;
	*) echo "not ok - $name: exited with status $rc" ;;
	esac
	echo "# $name: $(($(cut -d. -f1 /proc/uptime) - start)) s"
done
exit 0
