/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Helpers for the audit tests: scratch directories, logs written by the real writer, line edits. */
#ifndef AGENTGATE_AUDIT_TEST_H
#define AGENTGATE_AUDIT_TEST_H

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <cmocka.h>
#include "audit/audit.h"
#include "audit/audit_int.h"

struct tdir {
	char root[64];
	char keys[96];
	char log[96];
};

static inline void tdir_make(struct tdir *d)
{
	strcpy(d->root, "/tmp/agentgate-audit-XXXXXX");
	assert_non_null(mkdtemp(d->root));
	snprintf(d->keys, sizeof(d->keys), "%s/keys", d->root);
	snprintf(d->log, sizeof(d->log), "%s/audit.log", d->root);
}

static inline void tdir_remove(struct tdir *d)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d->root);
	assert_int_equal(system(cmd), 0);
}

static inline struct audit_config tcfg(const struct tdir *d)
{
	struct audit_config c = { .path = d->log,
				  .key_dir = d->keys,
				  .host = "testhost",
				  .boot_id = "11111111-2222-3333-4444-555555555555",
				  .fsync_ms = 0,
				  .seal_every = 1000,
				  .seal_ms = 60000 };
	return c;
}

static inline struct ag_event tevent(unsigned int i, const char *path)
{
	struct ag_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.ts_boot_ns = 1000000000ull + i;
	ev.cgroup_id = 4242;
	ev.policy_cgroup_id = 4242;
	ev.pid = 100 + i;
	ev.tid = 100 + i;
	ev.uid = 1000;
	ev.version = AG_EVENT_VERSION;
	ev.action = AG_CLASS_FILE_READ;
	ev.rule = i % 2 ? 3 : AG_RULE_DEFAULT;
	ev.decision = i % 2 ? AG_DECISION_ALLOW : AG_DECISION_DENY;
	memcpy(ev.comm, "python3", 7);
	ev.subject_len = (unsigned int)strlen(path);
	memcpy(ev.subject, path, ev.subject_len);
	return ev;
}

static inline const struct audit_context *tctx(void)
{
	static const struct audit_context c = { .agent = "/agentgate/agent-1",
						.exe = "/usr/bin/python3",
						.policy = "coding-agent",
						.reason = "no secrets" };
	return &c;
}

static inline void append_n(struct audit_writer *w, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct ag_event ev = tevent(i, "/home/dev/project/file.txt");

		assert_int_equal(audit_append_decision(w, &ev, sizeof(ev), tctx()), 0);
	}
}

/* A closed log: genesis, start, n decisions, stop, shutdown seal. */
static inline void write_log(const struct audit_config *c, unsigned int n)
{
	int err;
	struct audit_writer *w = audit_writer_open(c, &err);

	assert_non_null(w);
	assert_int_equal(audit_append_lifecycle(w, "daemon_start", ""), 0);
	append_n(w, n);
	assert_int_equal(audit_append_lifecycle(w, "daemon_stop", ""), 0);
	assert_int_equal(audit_writer_close(w), 0);
}

static inline enum audit_verdict verify1(const char *path, const char *pub, bool open,
					 struct audit_verify_report *rep)
{
	struct audit_verify_opts o = { .pubkey_hex = pub, .open = open };
	char *paths[] = { (char *)path };

	assert_int_equal(audit_verify_files(paths, 1, &o, rep), 0);
	return rep->verdict;
}

/* Lines of a file as separate strings (without '\n'); the unterminated tail is dropped. */
struct tlines {
	char *l[4096];
	int n;
};

static inline void tl_read(const char *path, struct tlines *t)
{
	struct audit_lines l;
	size_t i;

	assert_int_equal(audit_lines_read(path, &l), 0);
	assert_true(l.n < 4096);
	t->n = 0;
	for (i = 0; i < l.n; i++)
		t->l[t->n++] = strndup(l.data + l.off[i], l.len[i]);
	audit_lines_free(&l);
}

static inline void tl_write(const char *path, const struct tlines *t, const char *tail)
{
	FILE *f = fopen(path, "w");
	int i;

	assert_non_null(f);
	for (i = 0; i < t->n; i++)
		fprintf(f, "%s\n", t->l[i]);
	if (tail)
		fputs(tail, f);
	assert_int_equal(fclose(f), 0);
}

static inline void tl_free(struct tlines *t)
{
	int i;

	for (i = 0; i < t->n; i++)
		free(t->l[i]);
	t->n = 0;
}

static inline void tl_remove(struct tlines *t, int i)
{
	free(t->l[i]);
	memmove(&t->l[i], &t->l[i + 1], (size_t)(t->n - i - 1) * sizeof(char *));
	t->n--;
}

static inline void tl_insert(struct tlines *t, int i, const char *s)
{
	memmove(&t->l[i + 1], &t->l[i], (size_t)(t->n - i) * sizeof(char *));
	t->l[i] = strdup(s);
	t->n++;
}

/* One log in a scratch directory, written with tcfg's settings (setup/teardown for cmocka). */
struct log_fixture {
	struct tdir d;
	struct audit_config c;
	char pub[65];
	struct tlines t;
	struct audit_verify_report rep;
};

static inline int log_setup(void **state)
{
	struct log_fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	tdir_make(&f->d);
	f->c = tcfg(&f->d);
	*state = f;
	return 0;
}

static inline int log_teardown(void **state)
{
	struct log_fixture *f = *state;

	tl_free(&f->t);
	tdir_remove(&f->d);
	free(f);
	return 0;
}

#endif /* AGENTGATE_AUDIT_TEST_H */
