// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The kernel's figures at scrape time (metrics_kernel.h). */
#include <stdlib.h>
#include "loader/loader.h"
#include "metrics_kernel.h"
#include "metrics_text.h"

#define MAX_PROGS 128

static void one(struct mtext *t, const char *name, const char *type, const char *help,
		int ok, double v)
{
	mtext_family(t, name, type, help);
	if (ok)
		mtext_sample_f(t, name, NULL, 0, v);
}

static void ring(struct loader *l, struct mtext *t)
{
	uint64_t used = 0, size = 0;
	int ok = !loader_ring_fill(l, &used, &size) && size;

	one(t, "agentgate_ringbuf_used_bytes", "gauge",
	    "Bytes of records waiting in the kernel's shared ring buffer.", ok, (double)used);
	one(t, "agentgate_ringbuf_size_bytes", "gauge", "Size of the kernel's shared ring buffer.",
	    ok, (double)size);
	one(t, "agentgate_ringbuf_fill_ratio", "gauge",
	    "Share of the shared ring buffer holding records not read yet (0 to 1).", ok,
	    ok ? (double)used / (double)size : 0);
}

static void hooks(struct loader *l, struct mtext *t)
{
	static const char name[] = "agentgate_kernel_helper_errors_total";
	uint64_t counts[AG_HOOK_COUNT];
	unsigned int i;

	mtext_family(t, name, "counter",
		     "Helper or map failures the kernel met on confined tasks' paths, by hook "
		     "(each denied or recorded).");
	if (loader_errors(l, counts))
		return;
	for (i = 0; i < AG_HOOK_COUNT; i++)
		mtext_sample(t, name, (struct mlabel[]){ { "hook", loader_hook_name(i) } }, 1,
			     counts[i]);
}

static void progs(struct loader *l, struct mtext *t)
{
	static const char rt[] = "agentgate_bpf_prog_run_time_seconds_total";
	static const char rc[] = "agentgate_bpf_prog_runs_total";
	static const char rm[] = "agentgate_bpf_prog_recursion_misses_total";
	struct loader_prog_stat *st = calloc(MAX_PROGS, sizeof(*st));
	int n = st ? loader_prog_stats(l, st, MAX_PROGS) : 0, i;

	mtext_family(t, rt, "counter",
		     "Time spent in each BPF program (0 unless kernel.bpf_stats_enabled is on).");
	for (i = 0; i < n; i++)
		mtext_sample_f(t, rt, (struct mlabel[]){ { "program", st[i].name } }, 1,
			       (double)st[i].run_time_ns / 1e9);
	mtext_family(t, rc, "counter",
		     "Runs of each BPF program (0 unless kernel.bpf_stats_enabled is on).");
	for (i = 0; i < n; i++)
		mtext_sample(t, rc, (struct mlabel[]){ { "program", st[i].name } }, 1,
			     st[i].run_cnt);
	mtext_family(t, rm, "counter", "Runs of each BPF program skipped for recursion.");
	for (i = 0; i < n; i++)
		mtext_sample(t, rm, (struct mlabel[]){ { "program", st[i].name } }, 1,
			     st[i].recursion_misses);
	free(st);
}

void metrics_kernel_render(struct loader *l, struct mtext *t)
{
	uint64_t drops = 0;
	int n;

	one(t, "agentgate_kernel_events_dropped_total", "counter",
	    "Events the kernel could not queue (ring buffer full): each becomes a gap record.",
	    !loader_drops(l, &drops), (double)drops);
	ring(l, t);
	n = loader_policies(l, NULL, 0);
	one(t, "agentgate_kernel_policies", "gauge",
	    "Cgroups with a policy in the kernel (every agentgate process's).", n >= 0, n);
	n = loader_learned_count(l);
	one(t, "agentgate_dns_learned_addresses", "gauge",
	    "Addresses learned from allowed DNS answers, held in the kernel.", n >= 0, n);
	hooks(l, t);
	progs(l, t);
}
