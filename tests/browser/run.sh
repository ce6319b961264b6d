#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# The dashboard in a real browser (Debian's chromium, headless, driven by puppeteer-core):
# dashboards over the recorded fixture log (fixtures/record.sh), a tampered copy, an empty
# log, a log with a malformed line, a log checked against another host's key, and a log
# being written with a live stream (gen_audit_log); then test.mjs asserts the DOM and the
# API. One line per result: "ok - NAME" / "not ok - NAME: REASON" (tests/run-tests.sh counts
# them). Screenshots go to BUILD/browser/; UPDATE_SCREENSHOTS=1 copies them to docs/img/.
set -uo pipefail
cd "$(dirname "$0")/../.."
build=${BUILD:-build}
ag=$PWD/$build/agentgate
gen=$PWD/$build/bench/gen_audit_log
here=$PWD/tests/browser
fix=$here/fixtures
chromium=${CHROMIUM:-/usr/bin/chromium}

bail() { echo "not ok - browser: $1"; exit 1; }
[ -x "$ag" ] && [ -x "$gen" ] || bail "build $ag and $gen first (make browser-test)"
[ -x "$chromium" ] || bail "no $chromium (tests/deps.sh installs Debian's chromium)"
command -v node >/dev/null && command -v npm >/dev/null || bail "no node/npm (tests/deps.sh)"
if [ ! -d "$here/node_modules/puppeteer-core" ]; then
	(cd "$here" && npm ci --no-audit --no-fund >/dev/null 2>&1) || bail "npm ci in tests/browser failed"
fi

work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

# Logs: the fixture as recorded, and what can go wrong with one.
cp "$fix/demo.log" "$work/good.log"
cp "$fix/demo.log" "$work/otherkey.log"
# Tampered: one denied lookup rewritten (the line keeps its old hash).
sed '0,/"domain":"pastebin.com"/s//"domain":"pastebin.org"/' "$fix/demo.log" >"$work/tampered.log"
: >"$work/empty.log"
{ head -n 20 "$fix/demo.log"; echo 'this line is not a record <script>alert(1)</script>'; tail -n +21 "$fix/demo.log"; } >"$work/malformed.log"
"$ag" audit keygen --key-dir "$work/otherkeys" >/dev/null || bail "audit keygen failed"
"$gen" --key-dir "$work/livekeys" --records 40 --follow "$work/live.sock" "$work/live.log" >"$work/gen.out" 2>&1 &
pids+=($!)
for _ in $(seq 50); do grep -qs following "$work/gen.out" && break; sleep 0.1; done
grep -qs following "$work/gen.out" || bail "gen_audit_log did not start: $(cat "$work/gen.out")"

sums() { sha256sum "$work"/good.log "$work"/tampered.log "$work"/empty.log "$work"/malformed.log "$work"/otherkey.log; }
before=$(sums)

# start NAME ARGS...: a dashboard in the background; sets NAME_url and NAME_token.
start() {
	local name=$1 out=$work/$1.out
	shift
	"$ag" dashboard --port 0 --token-file "$work/$name.token" "$@" >"$out" 2>&1 &
	pids+=($!)
	for _ in $(seq 100); do grep -qs 'dashboard on' "$out" && break; sleep 0.05; done
	grep -qs 'dashboard on' "$out" || bail "dashboard $name did not start: $(cat "$out")"
	printf -v "${name}_url" '%s' "$(sed -n 's|.*dashboard on \(http://[0-9.:]*\)/.*|\1|p' "$out")"
	printf -v "${name}_token" '%s' "$(cat "$work/$name.token")"
}
start good --audit-log "$work/good.log" --pubkey "$fix/demo.pub"
start tampered --audit-log "$work/tampered.log" --pubkey "$fix/demo.pub"
start empty --audit-log "$work/empty.log"
start malformed --audit-log "$work/malformed.log"
start otherkey --audit-log "$work/otherkey.log" --pubkey "$work/otherkeys/audit.pub"
start live --audit-log "$work/live.log" --stream "$work/live.sock"
"$ag" dashboard --unix "$work/dash.sock" --token-file "$work/unix.token" --audit-log "$work/good.log" \
	>"$work/unix.out" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -S "$work/dash.sock" ] && break; sleep 0.05; done

# The command line's own errors.
if out=$("$ag" dashboard --audit-log "$work/nonexistent.log" --port 0 --token-file "$work/x.token" 2>&1); then
	echo "not ok - browser: a missing log is refused: the dashboard started"
else
	case $out in
	*nonexistent.log*"No such file"*) echo "ok - browser: a missing log is refused with its name" ;;
	*) echo "not ok - browser: a missing log is refused with its name: $out" ;;
	esac
fi
if out=$("$ag" dashboard --audit-log "$work/good.log" --unix "$work/no/such/dir/d.sock" --token-file "$work/y.token" 2>&1); then
	echo "not ok - browser: a socket that cannot be bound is refused: the dashboard started"
else
	case $out in
	*"unix socket $work/no/such/dir/d.sock: No such file"*) echo "ok - browser: a socket that cannot be bound is refused with its name, not the log's" ;;
	*) echo "not ok - browser: a socket that cannot be bound is refused with its name, not the log's: $out" ;;
	esac
fi
mode=$(stat -c %a "$work/good.token")
[ "$mode" = 600 ] && echo "ok - browser: the token file is 0600" || echo "not ok - browser: the token file is 0600: $mode"
mode=$(stat -c %a "$work/dash.sock" 2>/dev/null)
[ "$mode" = 600 ] && echo "ok - browser: the unix socket is 0600" || echo "not ok - browser: the unix socket is 0600: ${mode:-absent}"

mkdir -p "$build/browser"
CHROMIUM=$chromium SHOTS=$PWD/$build/browser \
	GOOD_URL=$good_url GOOD_TOKEN=$good_token TAMPERED_URL=$tampered_url TAMPERED_TOKEN=$tampered_token \
	EMPTY_URL=$empty_url EMPTY_TOKEN=$empty_token MALFORMED_URL=$malformed_url \
	MALFORMED_TOKEN=$malformed_token OTHERKEY_URL=$otherkey_url OTHERKEY_TOKEN=$otherkey_token \
	LIVE_URL=$live_url LIVE_TOKEN=$live_token UNIX_SOCK=$work/dash.sock UNIX_TOKEN=$(cat "$work/unix.token") \
	GOOD_RECORDS=$(wc -l <"$fix/demo.log") GOOD_DENIED=$(grep -c '"decision":"DENY"' "$fix/demo.log") \
	timeout 300 node "$here/test.mjs" || echo "not ok - browser: test.mjs exited $?"

[ "$before" = "$(sums)" ] && echo "ok - browser: the dashboards wrote nothing to the logs" ||
	echo "not ok - browser: the dashboards wrote nothing to the logs: a log changed"
if [ "${UPDATE_SCREENSHOTS:-0}" = 1 ]; then
	mkdir -p docs/img
	cp "$build"/browser/dashboard*.png docs/img/
fi
exit 0
