// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The kernel's per-CPU counters, summed over CPUs: events dropped (ag_drops), helper
 * failures per hook (ag_errors). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "loader_state.h"

static const char *const hook_names[AG_HOOK_COUNT] = {
#define AG_HOOK_NAME(id, name) [AG_HOOK_##id] = #name,
	AG_HOOKS(AG_HOOK_NAME)
#undef AG_HOOK_NAME
};

const char *loader_hook_name(unsigned int hook)
{
	return hook < AG_HOOK_COUNT ? hook_names[hook] : NULL;
}

/* out[k] = the sum over CPUs of the per-CPU array's slot k, for k < n. */
static int percpu_sums(int fd, uint64_t *out, __u32 n)
{
	int ncpu = libbpf_num_possible_cpus(), i, err = 0;
	uint64_t *v;
	__u32 k;

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	v = calloc(ncpu, sizeof(*v));
	if (!v)
		return -ENOMEM;
	memset(out, 0, n * sizeof(*out));
	for (k = 0; k < n && !err; k++) {
		if (bpf_map_lookup_elem(fd, &k, v))
			err = -errno;
		for (i = 0; i < ncpu && !err; i++)
			out[k] += v[i];
	}
	free(v);
	return err;
}

int loader_drops(struct loader *l, uint64_t *total)
{
	return percpu_sums(FD(l, drops), total, 1);
}

int loader_errors(struct loader *l, uint64_t *counts)
{
	return percpu_sums(FD(l, errors), counts, AG_HOOK_COUNT);
}
