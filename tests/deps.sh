#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine lacks to build, test and demo agentgate.
set -euo pipefail
pkgs=(
	make gcc clang llvm libclang-rt-14-dev   # build, BPF target, libFuzzer runtime
	libbpf-dev bpftool libelf-dev zlib1g-dev # BPF loading and skeletons
	libyaml-dev libjansson-dev libssl-dev    # policy, JSON, SHA-256/Ed25519
	libcmocka-dev                            # unit tests
	libldns-dev                              # DNS messages (the DNS proxy)
	libmicrohttpd-dev                        # the metrics scrape server
	prometheus                               # promtool: checks the metrics scrape (e2e)
	xxd                                      # the dashboard's built-in page (xxd -i)
	chromium nodejs                          # the dashboard's browser tests (tests/browser)
	dnsmasq-base                             # the real DNS server in the VM tests and demo
	qemu-system-x86 busybox-static cpio      # the BPF-LSM VM for e2e tests and the demo
	iproute2 python3
	rsyslog rsyslog-openssl openssl          # the syslog collector (forward e2e test, make bench-ops)
	curl                                     # scrapes the metrics in the VM (e2e, make bench-ops)
	debhelper lintian dpkg-dev systemd      # make deb and its checks (tests/deb.sh)
	groff-base man-db                       # the man pages render without warnings (tests/deb.sh)
)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# npm comes with nodejs from NodeSource, or as Debian's own package next to Debian's nodejs.
command -v npm >/dev/null 2>&1 || missing+=(npm)
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
