#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Container engines in the VM, no agentgate policy yet: docker, podman and ctr each run a
# busybox container and a Node.js container imported from the guest's own files; docker
# also the seed-2 shape (non-root, read-only root, :ro data and :rw output bind mounts,
# tmpfs /tmp, no-new-privileges, below --cgroup-parent /agents) and its default bridge.
# "# ENGINE IMAGE: run to first instruction N s" is the time from the engine's `run` to the
# entrypoint's first output (the entrypoint prints /proc/uptime first; one clock for all).
# e2e-needs: engines
# e2e-timeout: 1700
. "$(dirname "$0")/engines.sh"
T=$(mktemp -d /tmp/e45.XXXXXX)

# The seed-2 agent: reports what it could do, one KEY=VALUE a line.
mkdir -p "$T/app"
cat >"$T/app/index.js" <<'EOF'
const fs = require('fs');
const r = {};
const attempt = (k, f) => { try { f(); r[k] = 'ok'; } catch (e) { r[k] = e.code || String(e); } };
r.uid = process.getuid() + ':' + process.getgid();
attempt('data_read', () => { r.data = fs.readFileSync('/app/data/in.txt', 'utf8').trim(); });
attempt('data_write', () => fs.writeFileSync('/app/data/new.txt', 'x'));
attempt('output_write', () => fs.writeFileSync('/app/output/out.txt', 'written'));
attempt('root_write', () => fs.writeFileSync('/app/new.txt', 'x'));
attempt('tmp_write', () => fs.writeFileSync('/tmp/new.txt', 'x'));
r.nnp = /NoNewPrivs:\s*(\d)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1];
r.cgroup = fs.readFileSync('/proc/self/cgroup', 'utf8').trim();
for (const k in r) console.log(k + '=' + r[k]);
EOF
check "busybox root filesystem" engines_rootfs_busybox "$T/busybox.tar"
check "node root filesystem (node, its libraries, /app)" engines_rootfs_node "$T/node.tar" "$T/app"
echo "# node image: $(($(stat -c %s "$T/node.tar") / 1048576)) MB, busybox image: $(($(stat -c %s "$T/busybox.tar") / 1048576)) MB"

# hundredths N: N/100 as seconds with two decimals.
hundredths() { printf '%d.%02d' $(($1 / 100)) $(($1 % 100)); }

# started NAME WANT CMD...: CMD's first line must be a /proc/uptime reading, the rest of
# its output (one line) WANT. Prints the time from CMD's start to that reading: the run to
# the entrypoint's first instruction (one clock for the VM and its containers). One
# container run checks both, as every run costs seconds under TCG.
started() {
	_sn=$1 _sw=$2
	shift 2
	_t0=$(engines_uptime)
	"$@" >"$T/out" 2>"$T/stderr"
	_so=$(head -n 1 "$T/out")
	_sr=$(tail -n +2 "$T/out" | tr '\n' ' ')
	_sr=${_sr% }
	case $_so in
	[0-9]*.[0-9]*" "*) ;;
	*)
		fail "$_sn" "got '$_so' ($(head -c 300 "$T/stderr" | tr '\n' ' '))"
		return
		;;
	esac
	if [ "$_sr" != "$_sw" ]; then
		fail "$_sn" "got '$_sr', want '$_sw' ($(head -c 300 "$T/stderr" | tr '\n' ' '))"
		return
	fi
	_t1=${_so%% *}
	_t1=${_t1%.*}${_t1#*.}
	ok "$_sn"
	echo "# $_sn: run to first instruction $(hundredths $((_t1 - _t0))) s"
}

# The two entrypoints: busybox cat (then echo hello), node (then 1+1).
BB='cat /proc/uptime; echo hello'
NODE_JS='console.log(require("fs").readFileSync("/proc/uptime", "utf8").trim()); console.log(1+1)'

# equals NAME WANT CMD...: CMD's output (stderr included), as one line, must be WANT.
equals() {
	_qn=$1 _qw=$2
	shift 2
	_qo=$("$@" 2>&1 | tr '\n' ' ')
	_qo=${_qo% }
	if [ "$_qo" = "$_qw" ]; then ok "$_qn"; else fail "$_qn" "got '$(printf '%s' "$_qo" | head -c 300)', want '$_qw'"; fi
}

# Node.js outside any container, for scale.
t0=$(engines_uptime)
node -e 'console.log(1+1)' >/dev/null 2>&1
echo "# node -e in the VM, no container: $(hundredths $(($(engines_uptime) - t0))) s"

# --- docker -------------------------------------------------------------------------------
t0=$(engines_uptime)
if docker_start bridge 2>"$T/err"; then
	ok "docker: dockerd answers"
	echo "# dockerd up in $(hundredths $(($(engines_uptime) - t0))) s"
	check "docker: import busybox" docker_image busybox "$T/busybox.tar"
	t0=$(engines_uptime)
	check "docker: import node" docker_image node "$T/node.tar"
	echo "# docker import node: $(hundredths $(($(engines_uptime) - t0))) s"
	bb=$(docker_ref busybox)
	nd=$(docker_ref node)
	# shellcheck disable=SC2086 # DOCKER_UNCONFINED is two words
	{
		started "docker busybox: cat, echo hello" hello \
			docker run --rm $DOCKER_UNCONFINED --network none "$bb" sh -c "$BB"
		started "docker node: node -e 1+1" 2 \
			docker run --rm $DOCKER_UNCONFINED --network none "$nd" node -e "$NODE_JS"
		# The default bridge: eth0 on 172.17.0.0/16, the VM's docker0 reachable.
		o=$(docker run --rm $DOCKER_UNCONFINED "$bb" sh -c 'ip -4 -o addr show dev eth0; ping -c 1 -W 5 172.17.0.1' 2>&1)
		case $o in
		*"inet 172.17."*" 0% packet loss"*) ok "docker default bridge: the container reaches docker0" ;;
		*) fail "docker default bridge: the container reaches docker0" "$(printf '%s' "$o" | head -c 300 | tr '\n' ' ')" ;;
		esac

		# The seed-2 shape.
		mkdir -p "$T/data" "$T/output"
		echo seed-data >"$T/data/in.txt"
		chown 1000:1000 "$T/output"
		docker run --rm $DOCKER_UNCONFINED --network none --user 1000:1000 --read-only \
			-v "$T/data:/app/data:ro" -v "$T/output:/app/output:rw" --tmpfs /tmp \
			--security-opt no-new-privileges --cgroup-parent /agents --cgroupns host \
			"$nd" node /app/index.js >"$T/seed.out" 2>&1
	}
	seed() { sed -n "s/^$1=//p" "$T/seed.out"; }
	grep -q '^uid=' "$T/seed.out" || echo "# docker seed-2 printed: $(head -c 600 "$T/seed.out" | tr '\n' ' ')"
	equals "docker seed-2: runs as 1000:1000" 1000:1000 seed uid
	equals "docker seed-2: reads the :ro data mount" seed-data seed data
	equals "docker seed-2: the :ro data mount refuses writes" EROFS seed data_write
	equals "docker seed-2: writes the :rw output mount" ok seed output_write
	equals "docker seed-2: the output reaches the VM" written cat "$T/output/out.txt"
	equals "docker seed-2: the root filesystem is read-only" EROFS seed root_write
	equals "docker seed-2: /tmp is writable (tmpfs)" ok seed tmp_write
	equals "docker seed-2: no-new-privileges" 1 seed nnp
	cg=$(seed cgroup)
	case $cg in
	0::/agents/????????????????????????????????????????????????????????????????)
		if [ -d "/sys/fs/cgroup${cg#0::}" ]; then
			ok "docker seed-2: cgroup below /agents"
		else
			ok "docker seed-2: cgroup below /agents (gone after --rm)"
		fi
		;;
	*) fail "docker seed-2: cgroup below /agents" "got '$cg' ($(head -c 300 "$T/seed.out" | tr '\n' ' '))" ;;
	esac
	echo "# docker seed-2 cgroup: $cg"
	docker_stop
else
	fail "docker: dockerd answers" "$(cat "$T/err")"
fi

# --- podman -------------------------------------------------------------------------------
podman_setup
check "podman: import busybox" podman_image busybox "$T/busybox.tar"
t0=$(engines_uptime)
check "podman: import node" podman_image node "$T/node.tar"
echo "# podman import node: $(hundredths $(($(engines_uptime) - t0))) s"
bb=$(podman_ref busybox)
nd=$(podman_ref node)
started "podman busybox: cat, echo hello" hello podman run --rm --network none "$bb" sh -c "$BB"
started "podman node: node -e 1+1" 2 podman run --rm --network none "$nd" node -e "$NODE_JS"
cg=$(podman run --rm --network none --cgroup-parent /agents --cgroupns host "$bb" cat /proc/self/cgroup 2>&1)
case $cg in
0::/agents/*) ok "podman: cgroup below /agents" ;;
*) fail "podman: cgroup below /agents" "got '$(printf '%s' "$cg" | head -c 300)'" ;;
esac
echo "# podman --cgroup-parent /agents cgroup: $cg"
podman_clean

# --- containerd (ctr) ---------------------------------------------------------------------
t0=$(engines_uptime)
if containerd_start 2>"$T/err"; then
	ok "containerd: ctr answers"
	echo "# containerd up in $(hundredths $(($(engines_uptime) - t0))) s"
	check "ctr: import busybox (OCI archive)" ctr_image busybox "$T/busybox.tar"
	t0=$(engines_uptime)
	check "ctr: import node (OCI archive)" ctr_image node "$T/node.tar"
	echo "# ctr import node: $(hundredths $(($(engines_uptime) - t0))) s"
	bb=$(ctr_ref busybox)
	nd=$(ctr_ref node)
	ctr_run() { ctr run --rm --no-pivot --snapshotter "$CONTAINERD_SNAPSHOTTER" "$@"; }
	started "ctr busybox: cat, echo hello" hello ctr_run "$bb" e45-1 sh -c "$BB"
	started "ctr node: node -e 1+1" 2 ctr_run "$nd" e45-2 node -e "$NODE_JS"
	equals "ctr: --cgroup /agents/e45-3" 0::/agents/e45-3 ctr_run --cgroup /agents/e45-3 "$bb" e45-3 cat /proc/self/cgroup
	containerd_stop
else
	fail "containerd: ctr answers" "$(cat "$T/err")"
fi
rm -rf "$T"
