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

# apparmor_seed_rules: the rules of an AppArmor profile standing for the seed policy's files:
# ld-so's libraries (policies/include/ld-so.yaml) and the seed's input, config, output and
# logs. Each profile adds its own executables and what its harness needs.
apparmor_seed_rules() {
	sed -n 's/^    path: "\(.*\)"$/  "\1" mr,/p' policies/include/ld-so.yaml
	cat <<EOF
  /opt/agent/input/** r,
  /opt/agent/config/agent.yaml r,
  /opt/agent/output/** w,
  /opt/agent/logs/** w,
  deny /opt/agent/config/** w,
  /lib64/ld-linux-x86-64.so.2 mr,
EOF
}
