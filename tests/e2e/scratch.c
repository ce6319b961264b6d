// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * scratch: the per-CPU scratch slots agentgate's programs hold
 * (bpf/lib/scratch.h), read from the pinned ag_scratch_busy. Prints "none"
 * and exits 0 when no slot is held, else "cpuN=MASK ..." and exits 1; exits
 * 2 when the map cannot be read. A slot is held only while a program runs: one
 * held across reads a second apart was not given back.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "maps.h"

int main(void)
{
	uint32_t zero = 0;
	uint64_t *masks;
	int fd, ncpu, i, held = 0;

	fd = bpf_obj_get(AG_PIN_DIR "/scratch_busy");
	ncpu = libbpf_num_possible_cpus();
	if (fd < 0 || ncpu <= 0) {
		fprintf(stderr, "scratch: %s/scratch_busy: %s\n", AG_PIN_DIR, strerror(errno));
		return 2;
	}
	masks = calloc(ncpu, sizeof(*masks));
	if (!masks || bpf_map_lookup_elem(fd, &zero, masks)) {
		fprintf(stderr, "scratch: lookup: %s\n", strerror(errno));
		return 2;
	}
	for (i = 0; i < ncpu; i++) {
		if (masks[i]) {
			printf("%scpu%d=%#llx", held ? " " : "", i, (unsigned long long)masks[i]);
			held = 1;
		}
	}
	printf("%s\n", held ? "" : "none");
	free(masks);
	return held;
}
