/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The daemon's Prometheus metrics (docs/metrics.md): a registry of counters,
 * gauges and histograms with bounded label sets, filled where the daemon
 * works (decisions as their records are written, audit write and fsync
 * times, gaps, DNS, policy compiles) and rendered in the text format
 * (metrics_text.h) by the scrape server (metrics_http.c), which adds what it
 * reads from the kernel at each scrape (metrics_kernel.c).
 *
 * Cardinality. action, decision and mode are fixed enums (8 x 2 x 2). The
 * agent/container pair takes one of METRICS_MAX_AGENTS slots the first time
 * it decides; once they are all taken, further pairs are counted under
 * agent="other", container="other" (and agentgate_metrics_agents_overflow_total
 * says how often). Slots are never reused while the daemon runs, so a series
 * never changes its meaning. Label values longer than METRICS_LABEL_MAX - 1
 * bytes are cut (pairs equal in their first bytes share a slot).
 *
 * Threads. One mutex (struct metrics' lock) guards every value: the daemon's
 * event loop updates (metrics_decision, metrics_count, ...), the scrape
 * server's thread copies the values under it and renders the copy without it.
 * Every function may be called from any thread; metrics_free() once no other
 * thread uses m.
 */
#ifndef AGENTGATE_METRICS_H
#define AGENTGATE_METRICS_H

#include <stddef.h>
#include <stdint.h>
#include "metrics_text.h"

#define METRICS_MAX_AGENTS 64
#define METRICS_LABEL_MAX 256

/* The action label: the audit record's action names, and "dns" for the DNS proxy's. */
enum metrics_action {
	MA_FILE_READ,
	MA_FILE_WRITE,
	MA_SHELL_EXEC,
	MA_NETWORK,
	MA_DNS,
	MA_LISTEN,
	MA_PROTECT,
	MA_OTHER,
	MA_COUNT,
};

enum metrics_counter {
	MC_RECORDS, /* audit records written (decisions, gaps, lifecycle, seals) */
	MC_WRITE_ERRORS, /* audit appends that failed */
	MC_GAP_RECORDS, /* gap records written */
	MC_GAP_EVENTS, /* events those gap records say were lost */
	MC_DNS_BUSY, /* DNS queries or connections refused for a limit */
	MC_DNS_EVICTED, /* learned addresses a policy's proxy forgot to stay within its dns_quota */
	MC_COMPILE_ERRORS, /* policy loads or compiles that failed */
	MC_COUNT,
};

enum metrics_gauge {
	MG_ASSIGNMENTS, /* assignments in force */
	MG_ASSIGNMENTS_FAILED, /* assignments whose last load failed */
	MG_START_TIME, /* the daemon's start, Unix seconds */
	MG_COUNT,
};

enum metrics_hist {
	MH_AUDIT_WRITE, /* write(2) of pending records */
	MH_AUDIT_FSYNC, /* fdatasync(2) of the log */
	MH_COUNT,
};

struct metrics;

struct metrics *metrics_new(void);
void metrics_free(struct metrics *m);

/* The action label of an event's action (enum ag_class or AG_ACT_PROTECT). */
enum metrics_action metrics_action_of(unsigned int ev_action);
const char *metrics_action_name(enum metrics_action a);

/* n decisions alike; decision: enum ag_decision, mode: enum ag_mode. container may be NULL. */
void metrics_decision(struct metrics *m, const char *agent, const char *container,
		      enum metrics_action a, unsigned int decision, unsigned int mode, uint64_t n);
void metrics_count(struct metrics *m, enum metrics_counter c, uint64_t n);
void metrics_gauge(struct metrics *m, enum metrics_gauge g, double v);
/* One observation of ns nanoseconds. */
void metrics_observe(struct metrics *m, enum metrics_hist h, uint64_t ns);
/* Called about once a second (CLOCK_MONOTONIC ms): records/s over the last interval. */
void metrics_tick(struct metrics *m, int64_t now_ms);

/* Appends the registry's families to t; t->err on failure. */
void metrics_render(struct metrics *m, struct mtext *t);

#endif /* AGENTGATE_METRICS_H */
