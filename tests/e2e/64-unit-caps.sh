#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# The systemd unit's capability bounding set is enough: the daemon's own scenarios (control
# and assignment, DNS inside other network namespaces, the ask socket) run again with the
# daemon started under exactly the CapabilityBoundingSet= of deploy/systemd/agentgate.service,
# and a daemon with no capability at all refuses to start with a clear error.
# e2e-needs: python
. "$(dirname "$0")/kernel.sh"
unit=/ag/deploy/systemd/agentgate.service
caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$unit" | tr 'A-Z' 'a-z' | sed 's/cap_/+/g; s/ /,/g')
if [ -z "$caps" ]; then
	fail "unit: CapabilityBoundingSet= found in $unit" "none"
	exit 0
fi
ok "unit: CapabilityBoundingSet= found ($caps)"
command -v setpriv >/dev/null || { fail "unit: setpriv in the VM" "missing"; exit 0; }

# The scenarios, each in its own shell as the guest runs tests, names prefixed.
for t in 36-dns-netns 52-daemon-control 56-ask; do
	AG_DAEMON_WRAP="setpriv --bounding-set -all,$caps" \
		timeout 600 sh -u -c '. /ag/tests/e2e/lib.sh; . "$0"' "$E2E_DIR/$t.sh" \
		</dev/null >"$WORK/$t.out" 2>&1
	if grep -q '^\(not \)\{0,1\}ok - ' "$WORK/$t.out"; then
		sed -n "s/^\(not \)\{0,1\}ok - /&unit caps: /p" "$WORK/$t.out"
	else
		fail "unit caps: $t runs" "$(head -c 400 "$WORK/$t.out" | tr '\n' ' ')"
	fi
done

# With no capability the daemon cannot load its programs: it says so and exits non-zero.
D=$WORK/unit-nocaps
mkdir -p "$D/run"
cat >"$D/daemon.yaml" <<EOC
control_socket: $D/run/control.sock
stream_socket: $D/run/stream.sock
ask_socket: none
state_file: $D/run/daemon.state
audit:
  log: $D/audit.log
  key_dir: $D/keys
EOC
if out=$(timeout 60 setpriv --bounding-set -all "$AGENTGATE" daemon --foreground --config "$D/daemon.yaml" 2>&1); then
	fail "unit: a daemon with no capability refuses to start" "it ran: $out"
else
	case $out in
	*ermi*|*capab*|*CAP_*) ok "unit: a daemon with no capability refuses to start and says why" ;;
	*) fail "unit: a daemon with no capability refuses to start and says why" "$(printf '%s' "$out" | head -c 300)" ;;
	esac
fi
