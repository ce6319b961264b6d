#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# `make demo-docker`: seed 2 for real (tests/demo/docker-guest.sh), in the VM that carries
# Debian's docker.io and Node.js (tests/vm/engines.sh stages them from Debian's packages:
# apt-get download, nothing installed on this host), booting Debian's 6.12 cloud kernel
# under qemu. AGDEMO_KERNEL=6.1 picks the other kernel.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD:-build}
cpio=$(tests/vm/engines.sh --cpio)
AGVM_CPIO=$cpio AGVM_SMP=1 exec tests/vm/run.sh --kernel "${AGDEMO_KERNEL:-6.12}" --mem 3072 \
	--timeout 1200 --log "$build/vm/demo-docker.log" tests/demo/docker-guest.sh \
	"$build/agentgate:/ag/bin/agentgate" tests/demo:/ag/demo policies:/ag/policies \
	tests/e2e/engines.sh:/ag/e2e/engines.sh
