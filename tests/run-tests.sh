#!/usr/bin/env bash
# Runs every test (unit, fuzz, VM e2e) and ends with one line: "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
build=${BUILD:-build}
pass=0
fail=0
failed=()

# cmocka ends each group with "[  PASSED  ] N test(s)." and, if any failed, "[  FAILED  ] N test(s)".
for t in "$build"/tests/test_*; do
	[ -x "$t" ] || continue
	out=$("$t" 2>&1)
	rc=$?
	ok=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test(s)\./\1/p' <<<"$out" | awk '{s+=$1} END {print s+0}')
	bad=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test(s).*/\1/p' <<<"$out" | awk '{s+=$1} END {print s+0}')
	if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then
		bad=1 # crashed or aborted outside a test case
	fi
	pass=$((pass + ok))
	fail=$((fail + bad))
	if [ "$bad" -ne 0 ]; then
		failed+=("unit $(basename "$t")")
		printf '%s\n' "$out" | tail -n 30
	fi
	printf 'unit  %-28s %3d passed, %d failed\n' "$(basename "$t")" "$ok" "$bad"
done

if ! FUZZ_SECONDS=${FUZZ_SECONDS:-10} tests/run-fuzz.sh; then
	:
fi
while read -r name result; do
	case "$result" in
	ok) pass=$((pass + 1)) ;;
	*) fail=$((fail + 1)); failed+=("fuzz $name") ;;
	esac
done < <(cat "$build"/fuzz/results 2>/dev/null)

# count_tap CMD: runs CMD, shows its output and counts its "ok - " / "not ok - " lines.
count_tap() {
	local line
	while IFS= read -r line; do
		echo "$line"
		case $line in
		"ok - "*) pass=$((pass + 1)) ;;
		"not ok - "*) fail=$((fail + 1)); failed+=("${line#not ok - }") ;;
		esac
	done < <("$@" 2>&1)
}

# The Debian package: built, lintian, its files, its unit, its binary (tests/deb.sh).
count_tap tests/deb.sh
# The dashboard in headless Chromium, on the host (tests/browser/run.sh).
count_tap tests/browser/run.sh

if [ "${SKIP_VM:-0}" = 1 ]; then
	echo "e2e   skipped (SKIP_VM=1)"
else
	e2e_out=$(mktemp)
	tests/vm/e2e.sh 2>&1 | tee "$e2e_out"
	line=$(grep -aE '^e2e: [0-9]+ passed, [0-9]+ failed' "$e2e_out" | tail -n 1)
	if [ -n "$line" ]; then
		p=$(sed -E 's/^e2e: ([0-9]+) passed, ([0-9]+) failed.*/\1/' <<<"$line")
		f=$(sed -E 's/^e2e: ([0-9]+) passed, ([0-9]+) failed.*/\2/' <<<"$line")
		pass=$((pass + p))
		fail=$((fail + f))
		[ "$f" -eq 0 ] || failed+=("e2e")
	else
		fail=$((fail + 1))
		failed+=("e2e (no summary: the VM run did not finish)")
	fi
	rm -f "$e2e_out"
fi

for f in "${failed[@]}"; do echo "FAILED: $f"; done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
