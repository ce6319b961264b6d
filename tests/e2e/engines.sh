# shellcheck shell=sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Container engines in the VM (sourced by tests, like dns.sh). A test that sources this
# carries the line "# e2e-needs: engines" so that tests/vm/e2e.sh boots it in the VM whose
# initramfs has Debian's docker.io 20.10, containerd 1.6 (ctr), podman 4.3 (conmon, crun),
# runc and Node.js (tests/vm/engines.sh). No registry: images are imported from root
# filesystems made of the guest's own files. Only for the throw-away VM guest.
#
# The initramfs root is rootfs, where pivot_root(2) fails with EINVAL: dockerd runs with
# DOCKER_RAMDISK=true, podman with no_pivot_root, ctr with --no-pivot (each then uses
# MS_MOVE + chroot). Storage is vfs (containerd: the native snapshotter), cgroups are
# cgroupfs-managed cgroup v2. Both kernels enable AppArmor and the VM has no
# apparmor_parser: docker containers need $DOCKER_UNCONFINED; podman's containers.conf
# makes "unconfined" its default; ctr applies no profile unless asked.
#
#   docker_start [bridge|none]   dockerd (default: with its docker0 bridge, 172.17.0.1/16;
#                                no iptables rules, no userland proxy); waits for the API;
#                                $DOCKERD_ARGS: more options (e.g. --add-runtime)
#   docker_stop                  removes every container, stops dockerd (and the containerd
#                                it started), frees its storage
#   containerd_start / containerd_stop   a containerd for ctr (namespace agvm, native
#                                snapshotter: $CONTAINERD_NAMESPACE, $CONTAINERD_SNAPSHOTTER)
#   podman_setup / podman_clean  writes /etc/containers/{storage,containers}.conf / removes
#                                every container and image and frees the storage
#   engines_rootfs_busybox OUT.tar        a root filesystem: busybox and its applets
#   engines_rootfs_node OUT.tar [APPDIR]  node, its libraries and the JavaScript files it
#                                loads, busybox, /app (a copy of APPDIR, or an empty tree
#                                with data/ and output/), /tmp
#   engines_archive ROOTFS.tar REF OUT.tar [USER]   one image as a tar that is both a
#                                docker-archive (`docker load`) and an OCI layout (`ctr image
#                                import`, `podman load`): manifest.json + index.json + blobs;
#                                USER: the image's user (uid:gid), as a Dockerfile's USER
#   docker_image NAME ROOTFS.tar / podman_image NAME ROOTFS.tar / ctr_image NAME ROOTFS.tar
#                                [USER] imports ROOTFS.tar as NAME ($ENGINES_PREFIX/NAME:latest;
#                                ctr 1.6 has no --user: the image says it); the
#                                references to run are $(docker_ref NAME), $(podman_ref NAME),
#                                $(ctr_ref NAME)
#   engines_uptime               /proc/uptime's seconds in hundredths (one clock for the
#                                guest and every container: no time namespaces)
# Logs: $ENGINES_LOGS/{dockerd,containerd}.log.

ENGINES_LOGS=${ENGINES_LOGS:-/tmp/engines}
ENGINES_PREFIX=${ENGINES_PREFIX:-agvm}
# shellcheck disable=SC2034 # for the tests
DOCKER_UNCONFINED="--security-opt apparmor=unconfined"
export DOCKER_HOST=unix:///run/docker.sock # the VM has no /var/run -> /run link
export CONTAINERD_NAMESPACE="${CONTAINERD_NAMESPACE:-agvm}"
export CONTAINERD_SNAPSHOTTER="${CONTAINERD_SNAPSHOTTER:-native}"
mkdir -p "$ENGINES_LOGS"

docker_ref() { echo "$ENGINES_PREFIX/$1:latest"; }
podman_ref() { echo "localhost/$ENGINES_PREFIX/$1:latest"; }
ctr_ref() { echo "docker.io/$ENGINES_PREFIX/$1:latest"; }

engines_uptime() {
	_eu=$(cut -d' ' -f1 /proc/uptime)
	echo "${_eu%.*}${_eu#*.}"
}

# _engines_wait SECS CMD...: polls CMD every 0.2 s until it succeeds or SECS have passed.
_engines_wait() {
	_ew_end=$(($(engines_uptime) + $1 * 100))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$(engines_uptime)" -lt "$_ew_end" ] || return 1
		sleep 0.2
	done
}

# _engines_kill PIDFILE: SIGTERM, then waits up to 20 s (SIGKILL after that).
_engines_kill() {
	_ek=$(cat "$1" 2>/dev/null)
	rm -f "$1"
	[ -n "$_ek" ] && kill "$_ek" 2>/dev/null || return 0
	_ei=0
	while [ -d "/proc/$_ek" ] && [ "$_ei" -lt 100 ]; do
		sleep 0.2
		_ei=$((_ei + 1))
	done
	kill -9 "$_ek" 2>/dev/null
	return 0
}

# _engines_free DIR: unmounts what is left at and below DIR (a mount of DIR itself too: after
# a dockerd with --live-restore, /var/lib/docker stayed busy), then removes it
# (the VM's RAM).
_engines_free() {
	awk -v d="$1" '$2 == d || index($2, d "/") == 1 { print $2 }' /proc/mounts | sort -r |
		while read -r _m; do umount -l "$_m"; done
	rm -rf "$1"
}

docker_start() {
	_db=
	[ "${1:-bridge}" = none ] && _db=--bridge=none
	mkdir -p /etc/docker /var/lib/docker
	echo '{}' >/etc/docker/daemon.json
	# shellcheck disable=SC2086 # _db is one word or none
	DOCKER_RAMDISK=true dockerd --iptables=false --ip6tables=false --userland-proxy=false \
		--storage-driver=vfs --exec-opt native.cgroupdriver=cgroupfs $_db \
		--pidfile /run/docker.pid --host unix:///run/docker.sock ${DOCKERD_ARGS:-} \
		>"$ENGINES_LOGS/dockerd.log" 2>&1 &
	if ! _engines_wait 120 docker version; then
		echo "docker_start: dockerd did not answer in 120 s: $(tail -n 5 "$ENGINES_LOGS/dockerd.log" | tr '\n' ' ')" >&2
		return 1
	fi
}

docker_stop() {
	_dc=$(docker ps -aq 2>/dev/null)
	# shellcheck disable=SC2086 # ids
	[ -n "$_dc" ] && docker rm -f $_dc >/dev/null 2>&1
	_engines_kill /run/docker.pid
	_engines_free /var/lib/docker
	_engines_free /run/docker
	return 0
}

containerd_start() {
	mkdir -p /etc/containerd
	cat >/etc/containerd/agvm.toml <<'EOF'
version = 2
root = "/var/lib/containerd"
state = "/run/containerd"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.snapshotter.v1.aufs", "io.containerd.internal.v1.tracing",
  "io.containerd.tracing.processor.v1.otlp"]
[grpc]
  address = "/run/containerd/containerd.sock"
EOF
	containerd --config /etc/containerd/agvm.toml >"$ENGINES_LOGS/containerd.log" 2>&1 &
	echo $! >/run/agvm-containerd.pid
	if ! _engines_wait 60 ctr version; then
		echo "containerd_start: containerd did not answer in 60 s: $(tail -n 5 "$ENGINES_LOGS/containerd.log" | tr '\n' ' ')" >&2
		return 1
	fi
}

containerd_stop() {
	for _c in $(ctr task ls -q 2>/dev/null); do ctr task kill -s KILL "$_c" 2>/dev/null; done
	sleep 0.5
	for _c in $(ctr container ls -q 2>/dev/null); do
		ctr task delete "$_c" >/dev/null 2>&1
		ctr container delete "$_c" >/dev/null 2>&1
	done
	_engines_kill /run/agvm-containerd.pid
	_engines_free /var/lib/containerd
	_engines_free /run/containerd
	return 0
}

podman_setup() {
	mkdir -p /etc/containers /var/lib/containers /var/tmp
	cat >/etc/containers/storage.conf <<'EOF'
[storage]
driver = "vfs"
runroot = "/run/containers/storage"
graphroot = "/var/lib/containers/storage"
EOF
	# network_backend cni: the VM has no netavark (and so no bridge for podman); cni needs
	# no plugin binary for --network none.
	cat >/etc/containers/containers.conf <<'EOF'
[containers]
apparmor_profile = "unconfined"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
no_pivot_root = true
runtime = "crun"
[network]
network_backend = "cni"
EOF
}

podman_clean() {
	podman rm -af >/dev/null 2>&1
	podman rmi -af >/dev/null 2>&1
	_engines_free /var/lib/containers
	_engines_free /run/containers
	_engines_free /run/libpod
	return 0
}

# _engines_busybox DIR: busybox at DIR/bin with its applets as symlinks at their paths.
_engines_busybox() {
	chmod 755 "$1" # mktemp -d made it 0700: it becomes the container's /
	mkdir -p "$1/bin" "$1/usr/bin" "$1/sbin" "$1/usr/sbin" "$1/tmp" "$1/proc" "$1/sys" \
		"$1/dev" "$1/etc" "$1/root"
	chmod 1777 "$1/tmp"
	cp /bin/busybox "$1/bin/busybox"
	for _a in $(/bin/busybox --list-full); do
		[ -e "$1/$_a" ] || ln -s /bin/busybox "$1/$_a"
	done
	cp /etc/passwd /etc/group "$1/etc/"
}

engines_rootfs_busybox() {
	_er=$(mktemp -d /tmp/rootfs.XXXXXX)
	_engines_busybox "$_er"
	tar -C "$_er" -cf "$1" .
	_er_rc=$?
	rm -rf "$_er"
	return $_er_rc
}

engines_rootfs_node() {
	_er=$(mktemp -d /tmp/rootfs.XXXXXX)
	_engines_busybox "$_er"
	_en=$(command -v node) || { echo "engines_rootfs_node: no node in the VM" >&2; return 1; }
	mkdir -p "$_er/usr/bin"
	cp "$_en" "$_er/usr/bin/node"
	# Its libraries and the loader, at the paths the loader resolves them to (ldd's way).
	for _l in $(/lib64/ld-linux-x86-64.so.2 --list "$_en" |
		sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) (0x.*/\1/p'); do
		mkdir -p "$_er${_l%/*}"
		cp -L "$_l" "$_er$_l"
	done
	# Debian's libnode loads these JavaScript files at run time.
	if [ -d /usr/share/nodejs ]; then
		mkdir -p "$_er/usr/share"
		cp -a /usr/share/nodejs "$_er/usr/share/"
	fi
	if [ -n "${2:-}" ]; then
		mkdir -p "$_er/app"
		cp -a "$2/." "$_er/app/"
	fi
	mkdir -p "$_er/app/data" "$_er/app/output"
	tar -C "$_er" -cf "$1" .
	_er_rc=$?
	rm -rf "$_er"
	return $_er_rc
}

# _engines_blob DIR FILE: moves FILE into DIR/blobs/sha256/ under its digest, prints
# "DIGEST SIZE".
_engines_blob() {
	_eb_d=$(sha256sum "$2" | cut -d' ' -f1)
	_eb_s=$(stat -c %s "$2")
	mkdir -p "$1/blobs/sha256"
	mv "$2" "$1/blobs/sha256/$_eb_d"
	echo "$_eb_d $_eb_s"
}

engines_archive() {
	_ea_user=${4:-}
	_ea=$(mktemp -d /tmp/archive.XXXXXX)
	cp "$1" "$_ea/layer"
	# shellcheck disable=SC2046 # digest and size
	set -- "$1" "$2" "$3" $(_engines_blob "$_ea" "$_ea/layer")
	_ea_layer=$4 _ea_lsize=$5
	printf '{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["/bin/sh"]%s},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"history":[{"created_by":"agvm engines_archive"}]}' \
		"${_ea_user:+,\"User\":\"$_ea_user\"}" "$_ea_layer" >"$_ea/config"
	# shellcheck disable=SC2046
	set -- "$1" "$2" "$3" $(_engines_blob "$_ea" "$_ea/config")
	_ea_config=$4 _ea_csize=$5
	printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%s}]}' \
		"$_ea_config" "$_ea_csize" "$_ea_layer" "$_ea_lsize" >"$_ea/manifest"
	# shellcheck disable=SC2046
	set -- "$1" "$2" "$3" $(_engines_blob "$_ea" "$_ea/manifest")
	printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"%s"}}]}' \
		"$4" "$5" "$2" "${2##*:}" >"$_ea/index.json"
	echo '{"imageLayoutVersion":"1.0.0"}' >"$_ea/oci-layout"
	printf '[{"Config":"blobs/sha256/%s","RepoTags":["%s"],"Layers":["blobs/sha256/%s"]}]' \
		"$_ea_config" "$2" "$_ea_layer" >"$_ea/manifest.json"
	tar -C "$_ea" -cf "$3" oci-layout index.json manifest.json blobs
	_ea_rc=$?
	rm -rf "$_ea"
	return $_ea_rc
}

docker_image() { docker import "$2" "$(docker_ref "$1")" >/dev/null; }
podman_image() { podman import -q "$2" "$(podman_ref "$1")" >/dev/null; }
ctr_image() {
	engines_archive "$2" "$(ctr_ref "$1")" "/tmp/$1.oci.tar" "${3:-}" || return 1
	ctr image import --snapshotter "$CONTAINERD_SNAPSHOTTER" "/tmp/$1.oci.tar" >/dev/null
	_ci_rc=$?
	rm -f "/tmp/$1.oci.tar"
	return $_ci_rc
}
