// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The metrics registry (metrics.h): bounded label sets, one lock, rendered from a copy. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "event.h"
#include "metrics.h"

#define NB 12 /* histogram bounds */

/* Seconds: a buffered write takes microseconds, an fsync milliseconds to seconds. */
static const double hist_bounds[MH_COUNT][NB] = {
	[MH_AUDIT_WRITE] = { 1e-6, 5e-6, 1e-5, 5e-5, 1e-4, 5e-4, 1e-3, 5e-3, 0.01, 0.05, 0.1, 1 },
	[MH_AUDIT_FSYNC] = { 1e-5, 5e-5, 1e-4, 5e-4, 1e-3, 5e-3, 0.01, 0.05, 0.1, 0.5, 1, 5 },
};

struct agent_slot {
	char agent[METRICS_LABEL_MAX];
	char container[METRICS_LABEL_MAX];
	uint64_t n[MA_COUNT][2][2]; /* [action][decision][mode] */
};

struct hist {
	uint64_t counts[NB + 1];
	uint64_t sum_ns;
};

/* Everything a scrape shows: copied whole under the lock. */
struct values {
	struct agent_slot slots[METRICS_MAX_AGENTS + 1]; /* the last one is "other" */
	unsigned int nslots; /* slots taken, "other" not included */
	uint64_t overflow; /* decisions counted under "other" */
	uint64_t counters[MC_COUNT];
	double gauges[MG_COUNT];
	struct hist hists[MH_COUNT];
	double records_per_s;
};

struct metrics {
	pthread_mutex_t lock; /* guards v, last_slot, tick_ms, tick_records */
	struct values v;
	unsigned int last_slot; /* where the previous decision went: most come in runs */
	int64_t tick_ms;
	uint64_t tick_records;
};

static const char *const action_names[MA_COUNT] = {
	[MA_FILE_READ] = "file_read", [MA_FILE_WRITE] = "file_write",
	[MA_SHELL_EXEC] = "shell_exec", [MA_NETWORK] = "network",
	[MA_DNS] = "dns",		[MA_LISTEN] = "listen",
	[MA_PROTECT] = "protect",	[MA_OTHER] = "other",
};

struct metrics *metrics_new(void)
{
	struct metrics *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	pthread_mutex_init(&m->lock, NULL);
	strcpy(m->v.slots[METRICS_MAX_AGENTS].agent, "other");
	strcpy(m->v.slots[METRICS_MAX_AGENTS].container, "other");
	return m;
}

void metrics_free(struct metrics *m)
{
	if (!m)
		return;
	pthread_mutex_destroy(&m->lock);
	free(m);
}

enum metrics_action metrics_action_of(unsigned int ev_action)
{
	switch (ev_action) {
	case AG_CLASS_FILE_READ:
		return MA_FILE_READ;
	case AG_CLASS_FILE_WRITE:
		return MA_FILE_WRITE;
	case AG_CLASS_EXEC:
		return MA_SHELL_EXEC;
	case AG_CLASS_NET_ADDR:
		return MA_NETWORK;
	case AG_CLASS_NET_DOMAIN:
		return MA_DNS;
	case AG_CLASS_NET_LISTEN:
		return MA_LISTEN;
	case AG_ACT_PROTECT:
		return MA_PROTECT;
	default:
		return MA_OTHER;
	}
}

const char *metrics_action_name(enum metrics_action a)
{
	return a < MA_COUNT ? action_names[a] : "other";
}

static int slot_is(const struct agent_slot *s, const char *agent, const char *container)
{
	return !strncmp(s->agent, agent, METRICS_LABEL_MAX - 1) &&
	       !strncmp(s->container, container, METRICS_LABEL_MAX - 1);
}

/* The slot of the pair, taken now if there is room; "other" when there is none. */
static struct agent_slot *slot_of(struct metrics *m, const char *agent, const char *container)
{
	struct values *v = &m->v;
	struct agent_slot *s;
	unsigned int i;

	if (m->last_slot < v->nslots && slot_is(&v->slots[m->last_slot], agent, container))
		return &v->slots[m->last_slot];
	for (i = 0; i < v->nslots; i++)
		if (slot_is(&v->slots[i], agent, container)) {
			m->last_slot = i;
			return &v->slots[i];
		}
	if (v->nslots == METRICS_MAX_AGENTS) {
		v->overflow++;
		return &v->slots[METRICS_MAX_AGENTS];
	}
	s = &v->slots[v->nslots];
	strncpy(s->agent, agent, METRICS_LABEL_MAX - 1);
	strncpy(s->container, container, METRICS_LABEL_MAX - 1);
	m->last_slot = v->nslots++;
	return s;
}

void metrics_decision(struct metrics *m, const char *agent, const char *container,
		      enum metrics_action a, unsigned int decision, unsigned int mode, uint64_t n)
{
	struct agent_slot *s;

	if (!m)
		return;
	pthread_mutex_lock(&m->lock);
	s = slot_of(m, agent ? agent : "", container ? container : "");
	s->n[a < MA_COUNT ? a : MA_OTHER][decision ? 1 : 0][mode ? 1 : 0] += n;
	pthread_mutex_unlock(&m->lock);
}

void metrics_count(struct metrics *m, enum metrics_counter c, uint64_t n)
{
	if (!m || c >= MC_COUNT)
		return;
	pthread_mutex_lock(&m->lock);
	m->v.counters[c] += n;
	pthread_mutex_unlock(&m->lock);
}

void metrics_gauge(struct metrics *m, enum metrics_gauge g, double val)
{
	if (!m || g >= MG_COUNT)
		return;
	pthread_mutex_lock(&m->lock);
	m->v.gauges[g] = val;
	pthread_mutex_unlock(&m->lock);
}

void metrics_observe(struct metrics *m, enum metrics_hist h, uint64_t ns)
{
	double s = (double)ns / 1e9;
	unsigned int i;

	if (!m || h >= MH_COUNT)
		return;
	for (i = 0; i < NB && s > hist_bounds[h][i]; i++)
		;
	pthread_mutex_lock(&m->lock);
	m->v.hists[h].counts[i]++;
	m->v.hists[h].sum_ns += ns;
	pthread_mutex_unlock(&m->lock);
}

void metrics_tick(struct metrics *m, int64_t now_ms)
{
	uint64_t rec;

	if (!m)
		return;
	pthread_mutex_lock(&m->lock);
	rec = m->v.counters[MC_RECORDS];
	if (m->tick_ms && now_ms > m->tick_ms)
		m->v.records_per_s = (double)(rec - m->tick_records) * 1000.0 /
				     (double)(now_ms - m->tick_ms);
	m->tick_ms = now_ms;
	m->tick_records = rec;
	pthread_mutex_unlock(&m->lock);
}

static void render_decisions(const struct values *v, struct mtext *t)
{
	static const char *const decisions[2] = { "allow", "deny" };
	static const char *const modes[2] = { "enforce", "simulate" };
	static const char name[] = "agentgate_decisions_total";
	unsigned int i, a, d, mo;

	mtext_family(t, name, "counter",
		     "Decisions written to the audit log, by agent (cgroup), container, action, "
		     "decision and mode; past the label cap, agent=\"other\".");
	for (i = 0; i <= METRICS_MAX_AGENTS; i++) {
		const struct agent_slot *s = &v->slots[i];

		if (i >= v->nslots && i < METRICS_MAX_AGENTS)
			continue;
		if (i == METRICS_MAX_AGENTS && !v->overflow)
			continue;
		for (a = 0; a < MA_COUNT; a++)
			for (d = 0; d < 2; d++)
				for (mo = 0; mo < 2; mo++) {
					struct mlabel l[] = { { "agent", s->agent },
							      { "container", s->container },
							      { "action", action_names[a] },
							      { "decision", decisions[d] },
							      { "mode", modes[mo] } };

					if (s->n[a][d][mo])
						mtext_sample(t, name, l, 5, s->n[a][d][mo]);
				}
	}
	mtext_family(t, "agentgate_metrics_agents_overflow_total", "counter",
		     "Decisions counted under agent=\"other\" because every agent label slot was "
		     "taken.");
	mtext_sample(t, "agentgate_metrics_agents_overflow_total", NULL, 0, v->overflow);
}

static void render_dns(const struct values *v, struct mtext *t)
{
	static const char name[] = "agentgate_dns_queries_total";
	uint64_t n[2] = { 0, 0 };
	unsigned int i, d;

	for (i = 0; i <= METRICS_MAX_AGENTS; i++)
		for (d = 0; d < 2; d++)
			n[d] += v->slots[i].n[MA_DNS][d][0] + v->slots[i].n[MA_DNS][d][1];
	mtext_family(t, name, "counter",
		     "DNS queries judged by the proxies (allowed, denied), and refused for a "
		     "limit (busy).");
	mtext_sample(t, name, (struct mlabel[]){ { "outcome", "allowed" } }, 1, n[0]);
	mtext_sample(t, name, (struct mlabel[]){ { "outcome", "denied" } }, 1, n[1]);
	mtext_sample(t, name, (struct mlabel[]){ { "outcome", "busy" } }, 1,
		     v->counters[MC_DNS_BUSY]);
}

static void render_plain(const struct values *v, struct mtext *t)
{
	static const struct {
		const char *name, *help;
	} counters[MC_COUNT] = {
		[MC_RECORDS] = { "agentgate_audit_records_total", "Records written to the audit log." },
		[MC_WRITE_ERRORS] = { "agentgate_audit_write_errors_total",
				      "Audit records that could not be written." },
		[MC_GAP_RECORDS] = { "agentgate_audit_gap_records_total",
				     "Gap records written (events lost before the log)." },
		[MC_GAP_EVENTS] = { "agentgate_audit_gap_events_total",
				    "Events the gap records say were lost." },
		[MC_DNS_EVICTED] = { "agentgate_dns_quota_evictions_total",
				     "Learned addresses a policy's DNS proxy forgot before they expired, "
				     "to stay within the policy's dns_quota." },
		[MC_COMPILE_ERRORS] = { "agentgate_policy_compile_errors_total",
					"Policy loads or compiles that failed." },
	};
	static const struct {
		const char *name, *help;
	} gauges[MG_COUNT] = {
		[MG_ASSIGNMENTS] = { "agentgate_policies_installed",
				     "Assignments (cgroup and policy) the daemon keeps in force." },
		[MG_ASSIGNMENTS_FAILED] = { "agentgate_policies_failed",
					    "Assignments whose last load or compile failed." },
		[MG_START_TIME] = { "agentgate_daemon_start_time_seconds",
				    "When the daemon started, Unix time." },
	};
	unsigned int i;

	for (i = 0; i < MC_COUNT; i++) {
		if (!counters[i].name)
			continue;
		mtext_family(t, counters[i].name, "counter", counters[i].help);
		mtext_sample(t, counters[i].name, NULL, 0, v->counters[i]);
	}
	for (i = 0; i < MG_COUNT; i++) {
		mtext_family(t, gauges[i].name, "gauge", gauges[i].help);
		mtext_sample_f(t, gauges[i].name, NULL, 0, v->gauges[i]);
	}
	mtext_family(t, "agentgate_audit_records_per_second", "gauge",
		     "Audit records written per second over the last second or so.");
	mtext_sample_f(t, "agentgate_audit_records_per_second", NULL, 0, v->records_per_s);
	mtext_family(t, "agentgate_audit_write_seconds", "histogram",
		     "Time of each write(2) of pending audit records.");
	mtext_histogram(t, "agentgate_audit_write_seconds", NULL, 0, hist_bounds[MH_AUDIT_WRITE],
			v->hists[MH_AUDIT_WRITE].counts, NB,
			(double)v->hists[MH_AUDIT_WRITE].sum_ns / 1e9);
	mtext_family(t, "agentgate_audit_fsync_seconds", "histogram",
		     "Time of each fdatasync(2) of the audit log.");
	mtext_histogram(t, "agentgate_audit_fsync_seconds", NULL, 0, hist_bounds[MH_AUDIT_FSYNC],
			v->hists[MH_AUDIT_FSYNC].counts, NB,
			(double)v->hists[MH_AUDIT_FSYNC].sum_ns / 1e9);
}

void metrics_render(struct metrics *m, struct mtext *t)
{
	struct values *v = malloc(sizeof(*v));

	if (!v) {
		t->err = t->err ? t->err : -ENOMEM;
		return;
	}
	pthread_mutex_lock(&m->lock);
	memcpy(v, &m->v, sizeof(*v));
	pthread_mutex_unlock(&m->lock);
	render_decisions(v, t);
	render_dns(v, t);
	render_plain(v, t);
	free(v);
}
