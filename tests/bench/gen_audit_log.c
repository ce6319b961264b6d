// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * gen_audit_log [--follow SOCKET] --key-dir DIR --records N LOG: writes N decision
 * records through the audit writer library (so the chain and the seals are real)
 * for eight agents, spread over the last hour; one in seven is a deny. With --follow
 * it then serves the live stream on SOCKET and appends one record every 200 ms until
 * SIGTERM (the dashboard's live view on a host without BPF-LSM: tests/browser/run.sh).
 * Used by tests/bench/dashboard.sh and tests/browser/run.sh.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "audit/audit.h"
#include "policy_image.h"

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	stop = 1;
}

static uint64_t boot_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int append(struct audit_writer *w, uint64_t i, uint64_t ts)
{
	static const char *const agents[] = { "/agents/coder",  "/agents/reviewer", "/agents/scraper",
					      "/agents/tester", "/agents/mailer",   "/agents/builder",
					      "/agents/planner", "/agents/indexer" };
	static const char *const paths[] = { "/home/dev/project/src/main.c", "/etc/shadow",
					     "/home/dev/.ssh/id_ed25519", "/usr/lib/python3/json.py",
					     "/tmp/\xe2\x80\xaetxt.hsab" /* U+202E */ };
	static const char *const cmds[] = { "/usr/bin/make -j2", "/usr/bin/curl http://evil.test",
					    "/usr/bin/git status" };
	static const char *const domains[] = { "pypi.org", "pastebin.com", "api.openai.com" };
	bool deny = i % 7 == 3;
	struct audit_context ctx = { .agent = agents[i % 8],
				     .exe = "/usr/bin/python3",
				     .policy = "coding-agent",
				     .reason = deny ? "not the project's files" : "project files" };
	struct ag_event ev;
	const char *subj;

	memset(&ev, 0, sizeof(ev));
	ev.version = AG_EVENT_VERSION;
	ev.ts_boot_ns = ts;
	ev.cgroup_id = ev.policy_cgroup_id = 9001 + i % 8;
	ev.pid = ev.tid = 1000 + (uint32_t)(i % 251);
	ev.uid = 1000;
	memcpy(ev.comm, "python3", 7);
	switch (i % 5) {
	case 0:
	case 1:
		ev.action = AG_CLASS_FILE_READ;
		subj = paths[(i / 5) % 5];
		break;
	case 2:
		ev.action = AG_CLASS_FILE_WRITE;
		subj = paths[(i / 5) % 5];
		break;
	case 3:
		ev.action = AG_CLASS_EXEC;
		subj = cmds[(i / 5) % 3];
		break;
	default:
		ev.action = AG_CLASS_NET_DOMAIN;
		subj = domains[(i / 5) % 3];
		break;
	}
	ev.decision = deny ? AG_DECISION_DENY : AG_DECISION_ALLOW;
	ev.rule = deny ? (uint16_t)(i % 3 ? 4 : AG_RULE_DEFAULT) : 2;
	ev.subject_len = (uint32_t)strlen(subj);
	memcpy(ev.subject, subj, ev.subject_len);
	return audit_append_decision(w, &ev, AG_EVENT_HDR_SIZE + ev.subject_len, &ctx);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = { { "key-dir", required_argument, NULL, 'k' },
					      { "records", required_argument, NULL, 'n' },
					      { "follow", required_argument, NULL, 'f' },
					      {} };
	struct audit_config c = { .host = "gen-host", .boot_id = "00000000-0000-4000-8000-000000000001",
				  .fsync_ms = 1000 };
	const char *follow = NULL;
	struct audit_stream *s = NULL;
	struct audit_writer *w;
	uint64_t n = 0, i, now, span = 3600ull * 1000000000ull;
	int opt, err;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt == 'k')
			c.key_dir = optarg;
		else if (opt == 'n')
			n = strtoull(optarg, NULL, 10);
		else if (opt == 'f')
			follow = optarg;
		else
			return 2;
	}
	if (optind + 1 != argc || !c.key_dir) {
		fprintf(stderr, "usage: gen_audit_log [--follow SOCKET] --key-dir DIR --records N LOG\n");
		return 2;
	}
	c.path = argv[optind];
	w = audit_writer_open(&c, &err);
	if (!w) {
		fprintf(stderr, "gen_audit_log: %s: %s\n", c.path, strerror(-err));
		return 1;
	}
	now = boot_ns();
	if (now < span)
		span = now / 2;
	for (i = 0; i < n && !err; i++)
		err = append(w, i, now - span + span / (n ? n : 1) * i);
	if (!err && follow) {
		s = audit_stream_open(follow, 0, &err);
		if (s) {
			signal(SIGTERM, on_term);
			signal(SIGINT, on_term);
			audit_writer_set_stream(w, s);
			printf("following\n");
			fflush(stdout);
		}
		for (; s && !stop && !err; i++) {
			struct pollfd p = { .fd = audit_stream_fd(s), .events = POLLIN };

			if (poll(&p, 1, 200) > 0)
				audit_stream_handle(s);
			err = append(w, i, boot_ns());
			if (!err)
				err = audit_writer_tick(w);
			if (!err)
				err = audit_flush(w);
			audit_stream_handle(s);
		}
	}
	audit_writer_set_stream(w, NULL);
	audit_stream_close(s);
	if (audit_writer_close(w) && !err)
		err = -EIO;
	if (err)
		fprintf(stderr, "gen_audit_log: %s\n", strerror(-err));
	return err ? 1 : 0;
}
