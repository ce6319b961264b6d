// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * scratch: the per-CPU scratch slots agentgate's programs hold
 * (bpf/lib/scratch.h), read from the pinned ag_scratch_busy. Prints "none"
 * and exits 0 when no slot is held, else "cpuN=MASK ..." and exits 1; exits
 * 2 when the map cannot be read. A slot is held only while a program runs: one
 * held across reads a second apart was not given back.
 *
 * scratch PID...: the same for the exec hooks' buffers of those tasks (the
 * pinned ag_scratch_tasks, looked up by pidfd): "PID=held" for each task that
 * keeps one, which no task between execs should.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "maps.h"

static int tasks_held(int argc, char **argv)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);
	void *value = NULL;
	int fd, pidfd, i, held = 0;

	fd = bpf_obj_get(AG_PIN_DIR "/scratch_tasks");
	if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len))
		value = malloc(info.value_size);
	if (!value) {
		fprintf(stderr, "scratch: %s/scratch_tasks: %s\n", AG_PIN_DIR, strerror(errno));
		return 2;
	}
	for (i = 1; i < argc; i++) {
		pidfd = syscall(SYS_pidfd_open, atoi(argv[i]), 0);
		if (pidfd < 0) {
			fprintf(stderr, "scratch: pid %s: %s\n", argv[i], strerror(errno));
			return 2;
		}
		if (!bpf_map_lookup_elem(fd, &pidfd, value)) {
			printf("%s%s=held", held ? " " : "", argv[i]);
			held = 1;
		} else if (errno != ENOENT) {
			fprintf(stderr, "scratch: lookup %s: %s\n", argv[i], strerror(errno));
			return 2;
		}
		close(pidfd);
	}
	printf("%s\n", held ? "" : "none");
	free(value);
	return held;
}

int main(int argc, char **argv)
{
	uint32_t zero = 0;
	uint64_t *masks;
	int fd, ncpu, i, held = 0;

	if (argc > 1)
		return tasks_held(argc, argv);
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
