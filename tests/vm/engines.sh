#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# engines.sh [--cpio]: stages Debian 12's container engines and Node.js for the VM and
# prints the HOST_FILE:GUEST_PATH specs that tests/vm/mkinitramfs.sh takes, one a line;
# with --cpio, the path of an uncompressed newc cpio archive of the same files instead, for
# tests/vm/run.sh's AGVM_CPIO (built once per staging: compressing ~340 MB on every boot
# costs more than the guest's unpacking of the uncompressed archive).
#   docker.io  dockerd, docker, docker-init (tini-static)
#   containerd containerd, containerd-shim-runc-v2, ctr   runc  runc
#   podman     podman, conmon, crun, /etc/containers/policy.json and registries.conf,
#              /usr/share/containers/{containers.conf,seccomp.json}
#   nodejs     node, libnode and the JavaScript files it loads from /usr/share/nodejs
# The .debs come from `apt-get download` (the newest version an apt source offers, so a
# locally installed nodejs build without a source is skipped), cached in
# build/vm/engines/debs/; nothing is installed on the host. They are unpacked with
# `dpkg-deb -x` and only the files above are staged in build/vm/engines/root/, with every
# shared library they need (ldd, with the unpacked library directories first on
# LD_LIBRARY_PATH) at the path the guest's loader searches. Libraries the host lacks
# (libgpgme, libsubid, libyajl, libnode...) therefore come from the unpacked packages, and
# the dependencies of those libraries are resolved too, which mkinitramfs's ldd of the
# executables alone would miss. Staged once per package set (root/.stamp).
# Without apt lists (offline) the cached .debs are used. Exits non-zero, naming the
# library, when something stays unresolved.
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=$(realpath -m "${BUILD:-build}/vm/engines")
debs=$dir/debs
mkdir -p "$debs"

# Engines and Node.js, then the libraries they link that a build host may lack (their own
# dependencies are base-system libraries every Debian has).
pkgs=(
	docker.io containerd runc tini podman conmon crun golang-github-containers-common
	golang-github-containers-image nodejs libnode108 node-undici node-cjs-module-lexer
	node-acorn
	libdevmapper1.02.1 libgpgme11 libassuan0 libgpg-error0 libseccomp2 libsubid4 libyajl2
	libuv1 libc-ares2 libbrotli1 libicu72 libnghttp2-14
)

# Guest paths staged from the unpacked packages (files, symlinks or directories).
files=(
	/usr/sbin/dockerd /usr/bin/docker /usr/bin/docker-init /usr/bin/tini-static
	/usr/bin/containerd /usr/bin/containerd-shim-runc-v2 /usr/bin/ctr
	/usr/sbin/runc /usr/bin/runc
	/usr/bin/podman /usr/bin/conmon /usr/bin/crun
	/etc/containers/policy.json /etc/containers/registries.conf
	/usr/share/containers/containers.conf /usr/share/containers/seccomp.json
	/usr/bin/node /usr/share/nodejs/cjs-module-lexer /usr/share/nodejs/undici
	/usr/share/nodejs/acorn /usr/share/nodejs/acorn-walk
)

root=$dir/root
# The newest version of each with an apt source (madison lists no dpkg-status-only
# versions, and the newest first), looked up again only when the apt lists changed since
# the last staging (apt-cache is slow on a loaded machine).
declare -A want=()
if [ ! -f "$root/.stamp" ] ||
	[ -n "$(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' -newer "$root/.stamp" 2>/dev/null | head -n 1)" ]; then
	while IFS='|' read -r p v _; do
		p=${p// /} v=${v// /}
		[ -n "${want[$p]:-}" ] || want[$p]=$v
	done < <(apt-cache madison "${pkgs[@]}" 2>/dev/null)
fi
for p in "${pkgs[@]}"; do
	v=${want[$p]:-}
	if [ -z "$v" ]; then # cached, or offline: the cached .deb
		[ -n "$(find "$debs" -maxdepth 1 -name "${p}_*.deb")" ] && continue
		echo "engines: no apt source offers $p (apt-get update?)" >&2
		exit 1
	fi
	[ -n "$(find "$debs" -maxdepth 1 -name "${p}_${v/:/%3a}_*.deb")" ] && continue
	echo "engines: downloading $p=$v" >&2
	(cd "$debs" && apt-get download -q -o APT::Sandbox::User=root "$p=$v" >&2)
done

# One .deb per package (the newest cached one when several are).
set_debs=()
for p in "${pkgs[@]}"; do
	d=$(find "$debs" -maxdepth 1 -name "${p}_*.deb" | sort -V | tail -n 1)
	[ -n "$d" ] || { echo "engines: $p not downloaded" >&2; exit 1; }
	set_debs+=("$d")
done

stamp=$(printf '%s\n' "${set_debs[@]##*/}" "${files[@]}" | sha256sum | cut -c1-16)
if [ "$(cat "$root/.stamp" 2>/dev/null)" != "$stamp" ]; then
	x=$dir/unpacked
	rm -rf "$x" "$root.tmp"
	mkdir -p "$x" "$root.tmp"
	for d in "${set_debs[@]}"; do dpkg-deb -x "$d" "$x"; done
	for f in "${files[@]}"; do
		[ -e "$x$f" ] || [ -L "$x$f" ] || { echo "engines: no $f in the packages" >&2; exit 1; }
		mkdir -p "$root.tmp${f%/*}"
		cp -a "$x$f" "$root.tmp$f"
	done
	# Shared libraries: unpacked ones first, then the host's. A path inside $x is staged at
	# the same path below /, a host path as it is (the loader searches both /lib and
	# /usr/lib multiarch directories).
	libpath=$x/usr/lib/x86_64-linux-gnu:$x/lib/x86_64-linux-gnu
	missing=
	while IFS= read -r -d '' f; do
		[ "$(head -c 4 "$f" | od -An -c | tr -d ' ')" = "177ELF" ] || continue
		out=$(LD_LIBRARY_PATH=$libpath ldd "$f" 2>&1) || continue # static: nothing to add
		while read -r name arrow path _; do
			case $name:$arrow in
			/*:"("*) path=$name ;; # the loader
			*:"=>") ;;
			*) continue ;;
			esac
			if [ "$path" = "not" ]; then
				missing="$missing $name (for ${f#"$root.tmp"})"
				continue
			fi
			case $path in
			"$x"/*) rel=${path#"$x"} ;;
			/*) rel=$path ;;
			*) continue ;;
			esac
			[ -e "$root.tmp$rel" ] && continue
			mkdir -p "$root.tmp${rel%/*}"
			cp -L "$path" "$root.tmp$rel"
		done <<<"$out"
	done < <(find "$root.tmp" -type f -print0)
	if [ -n "$missing" ]; then
		echo "engines: unresolved libraries:$missing; add their package to engines.sh" >&2
		exit 1
	fi
	rm -rf "$x"
	echo "$stamp" >"$root.tmp/.stamp"
	rm -rf "$root"
	mv "$root.tmp" "$root"
fi

if [ "${1:-}" = --cpio ]; then
	if [ ! "$dir/root.cpio" -nt "$root/.stamp" ]; then
		(cd "$root" && find . ! -name .stamp -print0 | LC_ALL=C sort -z |
			cpio --null -o -H newc --quiet -R 0:0) >"$dir/root.cpio.tmp"
		mv "$dir/root.cpio.tmp" "$dir/root.cpio"
	fi
	echo "$dir/root.cpio"
	exit 0
fi
for top in "$root"/*; do
	echo "$top:/${top##*/}"
done
