// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The kernel's helper-failure counters (ag_errors), per hook, summed over CPUs. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "loader.h"

static const char *const hook_names[AG_HOOK_COUNT] = {
#define AG_HOOK_NAME(id, name) [AG_HOOK_##id] = #name,
	AG_HOOKS(AG_HOOK_NAME)
#undef AG_HOOK_NAME
};

const char *loader_hook_name(unsigned int hook)
{
	return hook < AG_HOOK_COUNT ? hook_names[hook] : NULL;
}

int loader_errors(struct loader *l, uint64_t *counts)
{
	int ncpu = libbpf_num_possible_cpus(), fd = loader_errors_fd(l), i, err = 0;
	uint64_t *v;
	__u32 hook;

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	v = calloc(ncpu, sizeof(*v));
	if (!v)
		return -ENOMEM;
	memset(counts, 0, AG_HOOK_COUNT * sizeof(*counts));
	for (hook = 0; hook < AG_HOOK_COUNT; hook++) {
		if (bpf_map_lookup_elem(fd, &hook, v)) {
			err = -errno;
			break;
		}
		for (i = 0; i < ncpu; i++)
			counts[hook] += v[i];
	}
	free(v);
	return err;
}
