#!/usr/bin/env bash
# Runs each libFuzzer target for FUZZ_SECONDS on its corpus; writes "name ok|fail" lines
# to build/fuzz/results. A finding leaves its reproducer in build/fuzz/artifacts/.
set -uo pipefail
cd "$(dirname "$0")/.."
build=${BUILD:-build}
secs=${FUZZ_SECONDS:-10}
mkdir -p "$build/fuzz/artifacts"
: >"$build/fuzz/results"
for f in "$build"/fuzz/fuzz_*; do
	[ -x "$f" ] || continue
	name=$(basename "$f")
	corpus="$build/fuzz/corpus/$name"
	mkdir -p "$corpus"
	[ -d "tests/fuzz/corpus/$name" ] && cp -n "tests/fuzz/corpus/$name"/* "$corpus"/ 2>/dev/null
	if "$f" -max_total_time="$secs" -max_len=65536 -artifact_prefix="$build/fuzz/artifacts/$name-" \
		"$corpus" >"$build/fuzz/$name.log" 2>&1; then
		echo "$name ok" >>"$build/fuzz/results"
		printf 'fuzz  %-28s ok (%ss)\n' "$name" "$secs"
	else
		echo "$name fail" >>"$build/fuzz/results"
		printf 'fuzz  %-28s FAILED, see %s\n' "$name" "$build/fuzz/$name.log"
		tail -n 30 "$build/fuzz/$name.log"
	fi
done
