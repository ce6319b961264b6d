#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# `make demo-docker` in the engines VM (tests/demo-docker.sh): seed 2 for real. Debian's
# dockerd runs a Node.js agent (tests/demo/docker/src/process.js) in a container started the
# way the seed's compose file says (non-root user, read-only root, :ro data, :rw output, no
# new privileges), through agentgate's runtime wrapper, which binds the container to
# policies/docker-sandbox.yaml (+ what Node needs) before its entrypoint runs. The agent does
# its job and tries the seed's misdeeds without asking anyone; the kernel answers. Then the
# container's audit records and the verification of the log.
set -u
. /ag/e2e/engines.sh
ag=/ag/bin/agentgate
S=/srv/seed2
D=/run/agentgate
mkdir -p "$S/policies" "$S/data" "$S/output" "$D" /var/log/agentgate
cp -a /ag/policies/include "$S/policies/"
sed 's/^default: deny$/default: deny\ninclude: [node]/' /ag/policies/docker-sandbox.yaml \
	>"$S/policies/docker-sandbox.yaml"
printf 'date,total\n2026-02-13,1523\n' >"$S/data/input.csv"
chown 1000:1000 "$S/output"
cat >/etc/agentgate.yaml <<EOC
audit:
  log: /var/log/agentgate/audit.log
containers:
  policies_dir: $S/policies
EOC
"$ag" daemon --config /etc/agentgate.yaml || { echo "demo: the daemon did not start"; exit 1; }
ln -sf "$ag" /ag/bin/agentgate-runc

# The agent's image: Node.js, the agent's code in /app/src, rm and curl where the seed's
# agent finds them; made from this VM's files (no registry).
engines_rootfs_node /tmp/node.tar /ag/demo/docker >/dev/null
mkdir -p /tmp/root
tar -C /tmp/root -xf /tmp/node.tar
rm -f /tmp/root/usr/bin/rm /tmp/root/usr/bin/curl
cp /bin/busybox /tmp/root/usr/bin/rm
cp /bin/busybox /tmp/root/usr/bin/curl
chown -R 1000:1000 /tmp/root/app/src
tar -C /tmp/root -cf /tmp/agent.tar .
DOCKERD_ARGS="--add-runtime agentgate=/ag/bin/agentgate-runc" docker_start none ||
	{ echo "demo: dockerd did not start"; exit 1; }
docker_image agent /tmp/agent.tar >/dev/null || { echo "demo: the image was not imported"; exit 1; }
img=$(docker_ref agent)

echo "== docker run --runtime agentgate -e AGENTGATE_POLICY=docker-sandbox --user 1000:1000 \\"
echo "     --read-only --security-opt no-new-privileges --network none --tmpfs /tmp \\"
echo "     -v $S/data:/app/data:ro -v $S/output:/app/output:rw agent node /app/src/process.js"
echo "   (Docker $(docker version --format '{{.Server.Version}}'), kernel $(uname -r))"
echo
# shellcheck disable=SC2086 # DOCKER_UNCONFINED is two words
docker run --rm --runtime agentgate --cidfile /tmp/cid $DOCKER_UNCONFINED --network none \
	--user 1000:1000 --read-only --security-opt no-new-privileges --tmpfs /tmp \
	-v "$S/data:/app/data:ro" -v "$S/output:/app/output:rw" -e AGENTGATE_POLICY=docker-sandbox \
	"$img" node /app/src/process.js | tr ' ' '\n' | sed 's/^/   /'
echo
echo "   read_input, write_output: what the seed's policy allows; write_src: the read-only root"
echo "   refuses it first; rm_data, curl_exfil: denied by agentgate, in the kernel."
echo
cid=$(cat /tmp/cid)
sleep 1
echo "== agentgate audit tail --text --container ${cid%"${cid#????????????}"}   (the agent's own actions;"
echo "   Node's start-up reads are in the log too)"
NO_COLOR=1 "$ag" audit tail --text --container "$cid" /var/log/agentgate/audit.log |
	grep -E ' /app/|shell_exec'
echo
echo "   its records as JSON name the container: $("$ag" audit tail --json --container "$cid" \
	/var/log/agentgate/audit.log | grep -o '"container_name":"[^"]*","image":"[^"]*"' | head -n 1)"
echo
echo "== agentgate audit verify --open /var/log/agentgate/audit.log"
"$ag" audit verify --open /var/log/agentgate/audit.log
