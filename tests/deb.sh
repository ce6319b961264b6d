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
fi
