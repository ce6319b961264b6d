# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# apparmor_unpack DIR: AppArmor's parser and aa-exec from Debian's package, downloaded into
# DIR/debs and unpacked once into DIR/apparmor, never installed on the host (they link libc
# only). Without apt nothing is unpacked: the callers check for DIR/apparmor/sbin/apparmor_parser
# and say why their AppArmor figures are missing. Sourced by tests/bench/run.sh and macro.sh.
apparmor_unpack() {
	local aa=$1/apparmor deb
	[ -x "$aa/sbin/apparmor_parser" ] && return 0
	mkdir -p "$1/debs"
	deb=$(find "$1/debs" -name 'apparmor_*.deb' | head -n 1)
	[ -n "$deb" ] || (cd "$1/debs" && apt-get download -q -o APT::Sandbox::User=root apparmor >&2) || true
	deb=$(find "$1/debs" -name 'apparmor_*.deb' | head -n 1)
	[ -n "$deb" ] || return 0
	rm -rf "$aa.tmp"
	dpkg-deb -x "$deb" "$aa.tmp"
	mv "$aa.tmp" "$aa"
}
