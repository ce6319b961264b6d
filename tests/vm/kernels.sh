#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# kernels.sh [6.1|6.12]...: fetch the Debian 12 cloud kernels the VM tests boot and print
# the path of each vmlinuz, one a line, in the order asked (default: 6.1 then 6.12).
# Package names change with every Debian point release, so they are resolved through
# apt-cache at run time. Each kernel is extracted once into build/vm/kernels/<release>/
# (with a symlink build/vm/kernels/<series> to it); the .deb stays in build/vm/debs/.
set -euo pipefail
cd "$(dirname "$0")/../.."
vm=${BUILD:-build}/vm
mkdir -p "$vm/kernels" "$vm/debs"

# The package the meta-package depends on, as its -unsigned twin when that exists: the
# contents are the same and the unsigned one has no shim/signing dependencies.
resolve() {
	local meta=$1 dep
	dep=$(apt-cache depends "$meta" 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[^ ]*\)$/\1/p' | grep -v -- '-dbg$' | head -n 1)
	if [ -z "$dep" ]; then
		# No meta-package: the newest -unsigned package of the series.
		dep=$(apt-cache search --names-only "^linux-image-${2//./\\.}[.-].*cloud-amd64-unsigned\$" |
			awk '{print $1}' | sort -V | tail -n 1)
	fi
	[ -n "$dep" ] || { echo "kernels: no package for $meta (apt-get update?)" >&2; return 1; }
	case $dep in
	*-unsigned) ;;
	*) apt-cache show "$dep-unsigned" >/dev/null 2>&1 && dep=$dep-unsigned ;;
	esac
	echo "$dep"
}

fetch() {
	local series=$1 meta pkg rel dir deb
	case $series in
	6.1) meta=linux-image-cloud-amd64 ;;
	6.12) meta=linux-image-6.12-cloud-amd64 ;;
	*) echo "kernels: unknown series $series (6.1 or 6.12)" >&2; return 1 ;;
	esac
	# Without apt lists (offline, cleaned image) fall back to what an earlier run extracted.
	if ! pkg=$(resolve "$meta" "$series"); then
		[ -e "$vm/kernels/$series" ] || return 1
		rel=$(readlink "$vm/kernels/$series")
		echo "kernels: using the cached $rel" >&2
		echo "$PWD/$vm/kernels/$rel/boot/vmlinuz-$rel"
		return 0
	fi
	rel=${pkg#linux-image-}
	rel=${rel%-unsigned}
	dir=$vm/kernels/$rel
	if [ ! -f "$dir/boot/vmlinuz-$rel" ]; then
		deb=$(ls "$vm"/debs/"${pkg}"_*.deb 2>/dev/null | head -n 1 || true)
		if [ -z "$deb" ]; then
			echo "kernels: downloading $pkg" >&2
			(cd "$vm/debs" && apt-get download -q -o APT::Sandbox::User=root "$pkg" >&2)
			deb=$(ls "$vm"/debs/"${pkg}"_*.deb | head -n 1)
		fi
		rm -rf "$dir.tmp"
		dpkg-deb -x "$deb" "$dir.tmp"
		mv "$dir.tmp" "$dir"
	fi
	ln -sfn "$rel" "$vm/kernels/$series"
	echo "$PWD/$dir/boot/vmlinuz-$rel"
}

[ $# -gt 0 ] || set -- 6.1 6.12
for s in "$@"; do
	fetch "$s"
done
