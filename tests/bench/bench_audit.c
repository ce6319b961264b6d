// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Audit writer throughput: records/s through formatting, hashing, sealing and
 * writing, with fsync batched (bound 50 ms) and per record, on one core.
 * Prints a markdown table. Usage: bench_audit [DIR [RUN]] (default: build/bench/tmp, every
 * run; RUN names one, e.g. batched, to profile it alone).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "audit/audit.h"

struct run {
	const char *name;
	unsigned int fsync_ms;
	bool forward_secure;
	unsigned int records;
};

static double now(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct result {
	double rate; /* records/s, wall clock */
	double thread_ns, process_ns; /* CPU per record: the appending thread, all threads */
	long bytes;
};

/* The log of the last run stays for audit.sh to hash; the next run removes it. */
static int one(const char *dir, const struct run *r, struct result *res)
{
	char log[4096], keys[4096], cmd[8300];
	struct audit_config c = { .path = log,
				  .key_dir = keys,
				  .host = "bench-host",
				  .boot_id = "0f0e0d0c-0b0a-0908-0706-050403020100",
				  .fsync_ms = r->fsync_ms,
				  .forward_secure = r->forward_secure };
	struct audit_context ctx = { .agent = "/agentgate/agent-1",
				     .exe = "/usr/bin/python3",
				     .policy = "coding-agent",
				     .reason = "project files" };
	static const char *const paths[] = { "/home/dev/project/src/main.c",
					     "/home/dev/project/README.md",
					     "/usr/lib/python3.11/json/__init__.py",
					     "/etc/ssl/certs/ca-certificates.crt" };
	struct audit_writer *w;
	struct ag_event ev;
	unsigned int i;
	double t0, t1, c0, c1, p0, p1;
	FILE *f;
	int err;

	snprintf(log, sizeof(log), "%s/%s.log", dir, r->name);
	snprintf(keys, sizeof(keys), "%s/keys-%s", dir, r->name);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s'*", keys, log);
	if (system(cmd))
		return -EIO;
	memset(&ev, 0, sizeof(ev));
	ev.version = AG_EVENT_VERSION;
	ev.cgroup_id = ev.policy_cgroup_id = 9001;
	ev.uid = 1000;
	memcpy(ev.comm, "python3", 7);
	w = audit_writer_open(&c, &err);
	if (!w)
		return err;
	t0 = now(CLOCK_MONOTONIC);
	c0 = now(CLOCK_THREAD_CPUTIME_ID);
	p0 = now(CLOCK_PROCESS_CPUTIME_ID);
	for (i = 0; i < r->records; i++) {
		const char *p = paths[i & 3];

		ev.ts_boot_ns = 5000000000ull + i * 1000ull;
		ev.pid = ev.tid = 1000 + (i & 255);
		ev.action = i & 1 ? AG_CLASS_FILE_READ : AG_CLASS_FILE_WRITE;
		ev.decision = i % 7 ? AG_DECISION_ALLOW : AG_DECISION_DENY;
		ev.rule = i % 7 ? 2 : AG_RULE_DEFAULT;
		ev.subject_len = (unsigned int)strlen(p);
		memcpy(ev.subject, p, ev.subject_len);
		err = audit_append_decision(w, &ev, AG_EVENT_HDR_SIZE + ev.subject_len, &ctx);
		if (err) {
			audit_writer_close(w);
			return err;
		}
	}
	err = audit_writer_close(w);
	t1 = now(CLOCK_MONOTONIC);
	c1 = now(CLOCK_THREAD_CPUTIME_ID);
	p1 = now(CLOCK_PROCESS_CPUTIME_ID);
	if (err)
		return err;
	res->rate = r->records / (t1 - t0);
	res->thread_ns = (c1 - c0) * 1e9 / r->records;
	res->process_ns = (p1 - p0) * 1e9 / r->records;
	f = fopen(log, "r");
	res->bytes = 0;
	if (f) {
		fseek(f, 0, SEEK_END);
		res->bytes = ftell(f);
		fclose(f);
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "build/bench/tmp";
	const char *only = argc > 2 ? argv[2] : NULL;
	static const struct run runs[] = {
		{ "batched", 50, false, 1000000 },
		{ "batched-forward-secure", 50, true, 1000000 },
		{ "per-record", 0, false, 2000 },
	};
	char mk[4200];
	size_t i, k;

	if (argc > 3 || (argc > 1 && argv[1][0] == '-')) {
		fprintf(stderr, "usage: bench_audit [DIR [RUN]]\n");
		return 2;
	}
	for (k = 0; k < sizeof(runs) / sizeof(runs[0]) && only && strcmp(only, runs[k].name); k++)
		;
	if (k == sizeof(runs) / sizeof(runs[0])) {
		fprintf(stderr,
			"bench_audit: no run named %s (batched, batched-forward-secure, "
			"per-record)\n",
			only);
		return 2;
	}
	snprintf(mk, sizeof(mk), "mkdir -p -- '%s'", dir);
	if (system(mk))
		return 1;
	printf("| audit writer (%s) | fsync | records | bytes/record | records/s | CPU ns/record, "
	       "appending thread | CPU ns/record, all threads |\n",
	       dir);
	printf("|---|---|---:|---:|---:|---:|---:|\n");
	for (i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
		struct result res = { 0 };
		int err;

		if (only && strcmp(only, runs[i].name))
			continue;
		err = one(dir, &runs[i], &res);
		if (err) {
			fprintf(stderr, "agentgate: bench_audit: %s: %s\n", runs[i].name,
				strerror(-err));
			return 1;
		}
		printf("| %s | %s | %u | %ld | %.0f | %.0f | %.0f |\n", runs[i].name,
		       runs[i].fsync_ms ? "batched, <= 50 ms" : "every record", runs[i].records,
		       res.bytes / runs[i].records, res.rate, res.thread_ns, res.process_ns);
	}
	return 0;
}
