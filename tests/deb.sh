#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# The Debian package (make deb), as an operator gets it: built with debhelper, lintian
# clean, the files where the unit, the config and the man page say, the unit verified by
# systemd-analyze, and the packaged binary answering --version. Unpacked with dpkg-deb -x:
# this machine is not changed. Every man page of docs/man/ is in the package and renders
# without a warning from groff or man. One "ok - " / "not ok - " line per check.
set -uo pipefail
cd "$(dirname "$0")/.."
build=${BUILD:-build}
version=$(cat VERSION)
pass() { echo "ok - deb: $1"; }
fail() { echo "not ok - deb: $1: $2"; }

if ! out=$(make --no-print-directory deb BUILD="$build" 2>&1); then
	fail "make deb builds the package" "$(printf '%s' "$out" | tail -n 5 | tr '\n' ' ')"
	exit 0
fi
deb=$build/agentgate_${version}_$(dpkg --print-architecture).deb
[ -f "$deb" ] && pass "make deb builds $deb" || { fail "make deb builds the package" "no $deb"; exit 0; }
if command -v lintian >/dev/null; then
	l=$(lintian --suppress-tags running-with-root-privileges "$deb" 2>&1 | grep -E '^[EW]:')
	[ -z "$l" ] && pass "lintian finds no error or warning" || fail "lintian finds no error or warning" "$(printf '%s' "$l" | tr '\n' ' ')"
fi
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
dpkg-deb -x "$deb" "$root"
for f in usr/bin/agentgate usr/bin/agentgate-runc usr/bin/agentgate-crun \
	usr/lib/systemd/system/agentgate.service etc/agentgate/daemon.yaml \
	usr/share/man/man1/agentgate.1.gz usr/share/agentgate/policies/include/python3.yaml \
	usr/share/agentgate/policies/docker-sandbox.yaml usr/share/doc/agentgate/copyright; do
	[ -e "$root/$f" ] && pass "/$f" || fail "/$f" "missing"
done
# Each page as man finds it (gzip, .so links resolved from the man directory), and as
# groff reads it uncompressed; the same two checks as for docs/man/ before packaging.
mandir=$root/usr/share/man
plain=$root/man-plain
for src in docs/man/*.[0-9]; do
	page=$(basename "$src")
	sec=man${page##*.}
	f=$mandir/$sec/$page.gz
	if [ ! -e "$f" ]; then
		fail "man page $page" "missing: /usr/share/man/$sec/$page.gz"
		continue
	fi
	mkdir -p "$plain/$sec" && gzip -dc "$f" >"$plain/$sec/$page"
	w=$( (cd "$plain" && groff -man -Tutf8 -ww -z "$sec/$page") 2>&1
		(cd "$mandir" && MANWIDTH=80 man --warnings -l "$f") 2>&1 >/dev/null)
	[ -z "$w" ] && pass "man page $page renders without warnings" ||
		fail "man page $page renders without warnings" "$(printf '%s' "$w" | tr '\n' ' ')"
done
got=$("$root/usr/bin/agentgate" --version 2>&1)
[ "$got" = "agentgate $version" ] && pass "agentgate --version" || fail "agentgate --version" "got '$got'"
# The packaged binary finds the shipped includes where the package puts them.
grep -q "/usr/share/agentgate/policies" "$root/usr/bin/agentgate" && pass "includes looked up in /usr/share/agentgate/policies" ||
	fail "includes looked up in /usr/share/agentgate/policies" "path not in the binary"
if command -v systemd-analyze >/dev/null; then
	unit=$root/usr/lib/systemd/system/agentgate.service
	# verify checks ExecStart's binary: point it at the unpacked one.
	sed "s|/usr/bin/agentgate|$root/usr/bin/agentgate|" "$unit" >"$root/agentgate.service"
	# Its Documentation= man pages are looked up in the package's.
	out=$(MANPATH=$mandir systemd-analyze verify "$root/agentgate.service" 2>&1 | grep -v 'Failed to .* directory\|not found\|Cannot add dependency')
	[ -z "$out" ] && pass "systemd-analyze verify of the unit" || fail "systemd-analyze verify of the unit" "$(printf '%s' "$out" | tr '\n' ' ')"
	# The unit's sandboxing, as systemd scores it (10 = none); 64-unit-caps.sh runs the
	# daemon under its capability bounding set.
	score=$(systemd-analyze security --offline=yes "$root/agentgate.service" 2>/dev/null |
		sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
	if [ -n "$score" ] && awk -v s="$score" 'BEGIN { exit !(s <= 5.0) }'; then
		pass "unit hardened: exposure $score <= 5.0"
	else
		fail "unit hardened: exposure <= 5.0" "got '${score:-no score}'"
	fi
fi

# Installed for real (dpkg -i, then purged), where that changes nothing of an operator's:
# as root, with no agentgate package installed and no systemd running (CI machines, containers).
if [ "$(id -u)" -eq 0 ] && ! dpkg-query -W agentgate >/dev/null 2>&1 && [ ! -d /run/systemd/system ]; then
	if out=$(dpkg -i "$deb" 2>&1); then
		pass "dpkg -i installs the package"
		for f in /usr/bin/agentgate /usr/lib/systemd/system/agentgate.service /etc/agentgate/daemon.yaml \
			/usr/share/man/man8/agentgate-daemon.8.gz /usr/share/agentgate/policies/docker-sandbox.yaml; do
			dpkg -S "$f" >/dev/null 2>&1 && [ -e "$f" ] && pass "installed: $f" || fail "installed: $f" "missing or not the package's"
		done
		got=$(/usr/bin/agentgate --version 2>&1)
		[ "$got" = "agentgate $version" ] && pass "installed agentgate --version" || fail "installed agentgate --version" "got '$got'"
		if command -v systemd-analyze >/dev/null; then
			out=$(systemd-analyze verify /usr/lib/systemd/system/agentgate.service 2>&1 | grep -v 'Cannot add dependency\|not found')
			[ -z "$out" ] && pass "systemd-analyze verify of the installed unit" ||
				fail "systemd-analyze verify of the installed unit" "$(printf '%s' "$out" | tr '\n' ' ')"
		fi
		if out=$(dpkg --purge agentgate 2>&1) && [ ! -e /usr/bin/agentgate ] && [ ! -e /etc/agentgate/daemon.yaml ]; then
			pass "dpkg --purge removes it, configuration included"
		else
			fail "dpkg --purge removes it, configuration included" "$(printf '%s' "$out" | tail -n 3 | tr '\n' ' ')"
		fi
	else
		fail "dpkg -i installs the package" "$(printf '%s' "$out" | tail -n 3 | tr '\n' ' ')"
	fi
fi
