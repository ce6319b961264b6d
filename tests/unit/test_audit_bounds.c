// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Lines the log's readers accept (AUDIT_MAX_LINE): a record that would pass it
 * is not written, and a decision is written with its context's strings cut, so
 * an agent's longest names never cost the log its verification nor a record.
 */
#include "audit_test.h"

static void verified(struct log_fixture *f)
{
	assert_int_equal(audit_key_pubkey_hex(f->d.keys, f->pub), 0);
	assert_int_equal(verify1(f->d.log, f->pub, false, &f->rep), AUDIT_OK);
}

static void test_overlong_refused(void **state)
{
	struct log_fixture *f = *state;
	struct audit_writer *w;
	char *big = malloc(AUDIT_MAX_LINE / 4);
	int err;

	assert_non_null(big);
	memset(big, '\n', AUDIT_MAX_LINE / 4 - 1);
	big[AUDIT_MAX_LINE / 4 - 1] = '\0';
	w = audit_writer_open(&f->c, &err);
	assert_non_null(w);
	append_n(w, 2);
	assert_int_equal(audit_append_lifecycle(w, "policy_load", big), -EMSGSIZE);
	/* The writer goes on: the next records chain to the last one written. */
	append_n(w, 2);
	assert_int_equal(audit_writer_close(w), 0);
	free(big);
	verified(f);
}

/* A string of n control bytes (each escaped to six) after prefix. */
static char *escaped_six(const char *prefix, size_t n)
{
	size_t p = strlen(prefix);
	char *s = malloc(p + n + 1);

	assert_non_null(s);
	memcpy(s, prefix, p);
	memset(s + p, '\x01', n);
	s[p + n] = '\0';
	return s;
}

/* The length of string member key's JSON text in line (it holds no escaped quote). */
static size_t value_len(const char *line, const char *key)
{
	char k[32];
	const char *v, *end;

	snprintf(k, sizeof(k), "\"%s\":\"", key);
	v = strstr(line, k);
	assert_non_null(v);
	v += strlen(k);
	end = strchr(v, '"');
	assert_non_null(end);
	return (size_t)(end - v);
}

/*
 * The longest decision an agent can make: a path of AG_MAX_INPUT control bytes,
 * run by a program of as long a name, in a cgroup of as long a path: written, its
 * context cut, its path whole.
 */
static void test_longest_decision(void **state)
{
	struct log_fixture *f = *state;
	struct audit_context ctx = *tctx();
	struct audit_writer *w;
	struct ag_event ev = tevent(1, "/");
	char *agent = escaped_six("/agents/a/", 4000), *exe = escaped_six("/tmp/", 4000);
	struct tlines t;
	int err;

	memset(ev.subject, '\x01', AG_MAX_INPUT);
	ev.subject[0] = '/';
	ev.subject_len = AG_MAX_INPUT;
	ctx.agent = agent;
	ctx.exe = exe;
	w = audit_writer_open(&f->c, &err);
	assert_non_null(w);
	assert_int_equal(audit_append_decision(w, &ev, sizeof(ev), &ctx), 0);
	assert_int_equal(audit_writer_close(w), 0);
	verified(f);
	assert_int_equal(f->rep.records, f->rep.last_seq + 1);
	tl_read(f->d.log, &t);
	assert_int_equal(t.n, 3);
	/* Genesis, the decision, the seal; its agent and exe cut to AUDIT_CONTEXT_CUT bytes. */
	assert_int_equal(value_len(t.l[1], "agent"), 10 + (AUDIT_CONTEXT_CUT - 10) * 6);
	assert_int_equal(value_len(t.l[1], "exe"), 5 + (AUDIT_CONTEXT_CUT - 5) * 6);
	assert_int_equal(value_len(t.l[1], "path"), 1 + (AG_MAX_INPUT - 1) * 6);
	tl_free(&t);
	free(agent);
	free(exe);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_overlong_refused, log_setup, log_teardown),
		cmocka_unit_test_setup_teardown(test_longest_decision, log_setup, log_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
