# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Sourced by the benchmarks that compare git revisions (ab.sh, audit-ab.sh).
# revs_build NAME WORK TARGET: each revision of REVS (two or more) checked out in WORK/src.N,
# N from 0, with TARGET built there; WORK emptied first, the worktrees removed when the
# script exits. Sets revs (the revisions as given) and nrevs; NAME starts its messages.
revs_build() {
	local name=$1 target=$3 rev sha
	revs_work=$2
	read -r -a revs <<<"${REVS:-}"
	[ ${#revs[@]} -ge 2 ] ||
		{ echo "$name: want REVS=\"REV REV...\" (two or more git revisions)" >&2; exit 2; }
	rm -rf "$revs_work"
	mkdir -p "$revs_work"
	trap revs_cleanup EXIT
	nrevs=0
	for rev in "${revs[@]}"; do
		sha=$(git rev-parse --verify --short "$rev^{commit}") ||
			{ echo "$name: $rev is not a revision" >&2; exit 2; }
		git worktree add -q --detach "$revs_work/src.$nrevs" "$sha"
		make -s -C "$revs_work/src.$nrevs" "$target" >/dev/null ||
			{ echo "$name: $rev ($sha) does not build" >&2; exit 1; }
		echo "build $nrevs: $rev ($sha)"
		nrevs=$((nrevs + 1))
	done
}

revs_cleanup() {
	local d
	for d in "$revs_work"/src.*; do
		[ ! -d "$d" ] || git worktree remove --force "$d"
	done
}
