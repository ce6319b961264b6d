// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The dashboard's query parser and its paging and filters over a real log (audit writer). */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>
#include <jansson.h>
#include "audit/audit.h"
#include "cli/cli.h"
#include "dashboard/dash_api.h"
#include "dashboard/dash_log.h"
#include "dashboard/dash_query.h"
#include "dashboard/dash_token.h"
#include "policy_image.h"
#include "util/file.h"

static int parse(struct dash_query *q, const char *qs, const char **why)
{
	dash_query_init(q);
	*why = NULL;
	return dash_query_parse(q, qs, why);
}

static void test_query_full(void **state)
{
	struct dash_query q;
	const char *why;

	assert_int_equal(parse(&q, "agent=%2Fagents%2Fa1&action=file_read,network&decision=DENY"
				   "&rule=default&q=a+b%21&from=2026-12-03T04:00:00.5Z&to=1700000000"
				   "&offset=200&limit=50&after=7&buckets=10&token=x&_=1",
			       &why),
			 0);
	assert_string_equal(q.agent, "/agents/a1");
	assert_int_equal(q.actions, (1u << (DASH_A_FIRST + AUDIT_A_FILE_READ)) |
					    (1u << (DASH_A_FIRST + AUDIT_A_NETWORK)));
	assert_int_equal(q.decisions, 1u << DASH_D_DENY);
	assert_string_equal(q.rule, "default");
	assert_string_equal(q.text, "a b!");
	assert_int_equal(q.from_ns, 1796270400500000000ll);
	assert_int_equal(q.to_ns, 1700000000000000000ll);
	assert_int_equal(q.offset, 200);
	assert_int_equal(q.limit, 50);
	assert_true(q.has_after);
	assert_int_equal(q.after_seq, 7);
	assert_int_equal(q.buckets, 10);
	assert_false(dash_query_all(&q));
	assert_int_equal(parse(&q, "", &why), 0);
	assert_true(dash_query_all(&q));
	assert_int_equal(q.limit, DASH_LIMIT_DEFAULT);
	assert_int_equal(parse(&q, "type=seal,gap&&action=&offset=3", &why), 0);
	assert_int_equal(q.types, (1u << DASH_T_SEAL) | (1u << DASH_T_GAP));
	assert_int_equal(q.actions, 0);
	assert_false(dash_query_all(&q));
}

static void test_query_errors(void **state)
{
	static const char *const bad[] = {
		"bogus=1",	 "limit=0",	     "limit=1001",     "limit=-1",
		"limit=1x",	 "offset=",	     "buckets=501",    "action=file_reed",
		"action=,",	 "decision=maybe",   "type=decision,", "from=yesterday",
		"from=2026-13-01T00:00:00Z", "to=2026-02-30T00:00:00Z", "from=2026-12-03T04:00:00",
		"from=2026-12-03T04:00:00.Z", "q=%",	     "q=%4",	       "q=%zz",
		"q=a%00b",	 "after=1e3",	     "offset=99999999999999999999999",
	};
	struct dash_query q;
	char longval[400];
	const char *why;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse(&q, bad[i], &why), -EINVAL);
		assert_non_null(why);
		assert_true(strlen(why) > 10);
	}
	memset(longval, 'a', sizeof(longval) - 1);
	longval[sizeof(longval) - 1] = 0;
	memcpy(longval, "agent=", 6);
	assert_int_equal(parse(&q, longval, &why), -EINVAL);
}

static void test_time(void **state)
{
	int64_t ns;

	assert_int_equal(dash_time_parse("1970-01-01T00:00:01Z", &ns), 0);
	assert_int_equal(ns, 1000000000ll);
	assert_int_equal(dash_time_parse("2024-05-06T07:08:09.123456789Z", &ns), 0);
	assert_int_equal(ns % 1000000000ll, 123456789);
	assert_int_equal(dash_time_parse("0", &ns), 0);
	assert_int_equal(ns, 0);
	assert_int_equal(dash_time_parse("1969-12-31T23:59:59Z", &ns), -EINVAL);
	assert_int_equal(dash_time_parse("", &ns), -EINVAL);
}

struct fixture {
	char dir[64], log[128], keys[128];
};

static int write_records(const struct fixture *f, unsigned int n, uint64_t max_bytes)
{
	struct audit_config c = { .path = f->log, .key_dir = f->keys, .host = "h", .boot_id = "b",
				  .max_bytes = max_bytes };
	struct audit_context ctx = { .agent = "/agents/a1", .policy = "p", .reason = "why" };
	struct audit_writer *w;
	struct ag_event ev;
	unsigned int i;
	int err;

	w = audit_writer_open(&c, &err);
	if (!w)
		return err;
	for (i = 0; i < n && !err; i++) {
		memset(&ev, 0, sizeof(ev));
		ev.version = AG_EVENT_VERSION;
		ev.ts_boot_ns = 1000000000ull + i;
		ev.action = i % 2 ? AG_CLASS_FILE_READ : AG_CLASS_FILE_WRITE;
		ev.decision = i % 4 == 1 ? AG_DECISION_DENY : AG_DECISION_ALLOW;
		ev.rule = (uint16_t)(i % 4 == 1 ? 3 : AG_RULE_DEFAULT);
		ev.subject_len = (uint32_t)snprintf(ev.subject, 64, "/data/f%u", i);
		ctx.agent = i % 3 ? "/agents/a1" : "/agents/a2/sub";
		err = audit_append_decision(w, &ev, AG_EVENT_HDR_SIZE + ev.subject_len, &ctx);
	}
	return audit_writer_close(w) ?: err;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	strcpy(f->dir, "/tmp/ag-dash-XXXXXX");
	if (!f || !mkdtemp(f->dir))
		return -1;
	snprintf(f->log, sizeof(f->log), "%s/audit.log", f->dir);
	snprintf(f->keys, sizeof(f->keys), "%s/keys", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	free(f);
	return system(cmd) ? -1 : 0;
}

/* The records API for qs over l: its JSON, parsed. */
static json_t *records(const struct dash_log *l, const char *qs)
{
	struct dash_query q;
	const char *why;
	json_t *j;
	char *body;
	size_t len;

	assert_int_equal(parse(&q, qs, &why), 0);
	assert_int_equal(dash_api_records(l, &q, &body, &len), 0);
	j = json_loadb(body, len, 0, NULL);
	free(body);
	assert_non_null(j);
	return j;
}

static uint64_t seq_at(json_t *j, size_t i)
{
	return (uint64_t)json_integer_value(json_object_get(json_array_get(json_object_get(j, "records"), i), "seq"));
}

static size_t nrec(json_t *j)
{
	return json_array_size(json_object_get(j, "records"));
}

static size_t total(json_t *j)
{
	return (size_t)json_integer_value(json_object_get(j, "total"));
}

static void test_paging(void **state)
{
	struct fixture *f = *state;
	struct dash_log *l;
	size_t n;
	json_t *j;

	assert_int_equal(write_records(f, 250, 0), 0);
	assert_int_equal(dash_log_open(f->log, &l), 0);
	n = dash_log_count(l); /* genesis, 250 decisions, seals */
	assert_true(n > 251);
	j = records(l, "");
	assert_int_equal(total(j), n);
	assert_int_equal(nrec(j), DASH_LIMIT_DEFAULT);
	assert_int_equal(seq_at(j, 0), n - 1); /* newest first */
	json_decref(j);
	j = records(l, "offset=100&limit=10");
	assert_int_equal(nrec(j), 10);
	assert_int_equal(seq_at(j, 0), n - 101);
	json_decref(j);
	j = records(l, "offset=1000000");
	assert_int_equal(nrec(j), 0);
	assert_int_equal(total(j), n);
	json_decref(j);
	j = records(l, "decision=deny&limit=1000");
	assert_int_equal(total(j), 63); /* i % 4 == 1 for i < 250 */
	assert_int_equal(nrec(j), 63);
	json_decref(j);
	j = records(l, "decision=deny&offset=60");
	assert_int_equal(total(j), 63);
	assert_int_equal(nrec(j), 3);
	json_decref(j);
	j = records(l, "agent=/agents/a2&action=file_write&limit=1000");
	assert_int_equal(total(j), 42); /* i % 3 == 0 and even: i % 6 == 0 */
	json_decref(j);
	/* The cgroup as assign names it, from its mount. */
	j = records(l, "agent=/sys/fs/cgroup/agents/a2&action=file_write&limit=1000");
	assert_int_equal(total(j), 42);
	json_decref(j);
	j = records(l, "agent=/agents/a&limit=1000"); /* not a path prefix at a '/' */
	assert_int_equal(total(j), 0);
	json_decref(j);
	j = records(l, "rule=3&q=%2Fdata%2Ff1");
	assert_true(total(j) > 0);
	json_decref(j);
	j = records(l, "rule=99");
	assert_int_equal(total(j), 0);
	json_decref(j);
	j = records(l, "type=seal&limit=1000");
	assert_true(total(j) >= 1);
	json_decref(j);
	j = records(l, "after=240&limit=5"); /* live: oldest first after a seq */
	assert_int_equal(seq_at(j, 0), 241);
	assert_int_equal(nrec(j), 5);
	json_decref(j);

	/* Appended records are found by refresh; so are rotated files. */
	assert_int_equal(write_records(f, 10, 0), 0);
	assert_int_equal(dash_log_refresh(l), 0);
	assert_true(dash_log_count(l) > n + 10);
	dash_log_close(l);
}

static void test_rotated_and_malformed(void **state)
{
	struct fixture *f = *state;
	struct dash_log *l;
	char *const *paths;
	int nfiles;
	FILE *fp;
	json_t *j;

	assert_int_equal(write_records(f, 400, 16384), 0);
	assert_int_equal(dash_log_open(f->log, &l), 0);
	paths = dash_log_paths(l, &nfiles);
	assert_true(nfiles > 2);
	assert_non_null(strstr(paths[0], ".000001"));
	assert_string_equal(paths[nfiles - 1], f->log);
	j = records(l, "type=decision&limit=1");
	assert_int_equal(total(j), 400);
	json_decref(j);
	dash_log_close(l);

	fp = fopen(f->log, "a");
	assert_non_null(fp);
	fputs("not a record \x01\xff\n{\"seq\":1}\n", fp);
	fclose(fp);
	assert_int_equal(dash_log_open(f->log, &l), 0);
	j = records(l, "type=malformed");
	assert_int_equal(total(j), 2);
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(json_object_get(j, "records"), 1), "line")),
			    "not a record \x01\xc3\xbf"); /* bytes as \u00XX: 0xff is U+00FF */
	json_decref(j);
	dash_log_close(l);
	assert_int_equal(dash_log_open("/nonexistent/audit.log", &l), -ENOENT);
}

/*
 * Every action the writer can put in a record is one the dashboard filters on and counts by
 * name (listen was refused with 400 and counted as "other").
 */
static void test_every_action(void **state)
{
	static const unsigned int classes[] = { AG_CLASS_FILE_READ,  AG_CLASS_FILE_WRITE,
						AG_CLASS_EXEC,	     AG_CLASS_NET_ADDR,
						AG_CLASS_NET_LISTEN, AG_ACT_PROTECT };
	struct fixture *f = *state;
	struct audit_config c = { .path = f->log, .key_dir = f->keys, .host = "h", .boot_id = "b" };
	struct audit_context ctx = { .agent = "/agents/a1", .policy = "p", .reason = "why" };
	struct audit_writer *w;
	struct dash_query q;
	struct dash_log *l;
	const char *why;
	json_t *j, *acts;
	struct ag_event ev;
	char qs[64], *body;
	size_t i, len;
	int err;

	w = audit_writer_open(&c, &err);
	assert_non_null(w);
	for (i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
		memset(&ev, 0, sizeof(ev));
		ev.version = AG_EVENT_VERSION;
		ev.action = (uint16_t)classes[i];
		ev.decision = AG_DECISION_DENY;
		ev.rule = AG_RULE_DEFAULT;
		ev.subject_len = (uint32_t)snprintf(ev.subject, 64, "/data/f%zu", i);
		assert_int_equal(
			audit_append_decision(w, &ev, AG_EVENT_HDR_SIZE + ev.subject_len, &ctx), 0);
	}
	assert_int_equal(audit_writer_close(w), 0);
	assert_int_equal(dash_log_open(f->log, &l), 0);
	for (i = 0; i < AUDIT_A_COUNT; i++) {
		snprintf(qs, sizeof(qs), "action=%s", audit_action_names[i]);
		j = records(l, qs);
		assert_int_equal(total(j), 1);
		assert_string_equal(
			json_string_value(json_object_get(
				json_array_get(json_object_get(j, "records"), 0), "action")),
			audit_action_names[i]);
		json_decref(j);
	}
	assert_int_equal(parse(&q, "action=listen,protect", &why), 0);
	assert_int_equal(parse(&q, "action=unknown", &why), -EINVAL);
	assert_non_null(strstr(why, " listen "));
	assert_int_equal(parse(&q, "", &why), 0);
	assert_int_equal(dash_api_summary(l, &q, &body, &len), 0);
	j = json_loadb(body, len, 0, NULL);
	free(body);
	assert_non_null(j);
	acts = json_object_get(json_array_get(json_object_get(j, "agents"), 0), "actions");
	assert_int_equal(json_object_size(acts), AUDIT_A_COUNT);
	assert_null(json_object_get(acts, "other"));
	for (i = 0; i < AUDIT_A_COUNT; i++)
		assert_int_equal(json_integer_value(json_object_get(
					 json_object_get(acts, audit_action_names[i]), "deny")),
				 1);
	json_decref(j);
	dash_log_close(l);
}

/* cmd_dashboard with argv (NULL-terminated), getopt started over as in a new process. */
static int dashboard(char **argv)
{
	int argc = 0;

	while (argv[argc])
		argc++;
	optind = 0;
	return cmd_dashboard(argc, argv);
}

/* A start refused for want of the log writes no token file and binds no socket. */
static void test_missing_log_no_token(void **state)
{
	struct fixture *f = *state;
	char token[160], sock[160];
	char *tcp[] = { "dashboard", "--audit-log", f->log, "--token-file",
			token,	     "--port",	    "0",    NULL };
	char *un[] = { "dashboard", "--audit-log", f->log, "--token-file",
		       token,	    "--unix",	   sock,   NULL };

	snprintf(token, sizeof(token), "%s/run/dashboard.token", f->dir);
	snprintf(sock, sizeof(sock), "%s/dashboard.sock", f->dir);
	assert_int_equal(dashboard(tcp), 1);
	assert_int_equal(access(token, F_OK), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(dashboard(un), 1);
	assert_int_equal(access(token, F_OK), -1);
	assert_int_equal(access(sock, F_OK), -1);
}

/* --port and --unix are alternatives: together a usage error, in either order. */
static void test_port_and_unix(void **state)
{
	struct fixture *f = *state;
	char token[160], sock[160];
	char *both[] = { "dashboard", "--audit-log", f->log,   "--token-file", token,
			 "--port",    "0",	     "--unix", sock,	       NULL };
	char *rev[] = { "dashboard", "--unix", sock, "--port", "7878", "--audit-log", f->log, NULL };

	snprintf(token, sizeof(token), "%s/run/dashboard.token", f->dir);
	snprintf(sock, sizeof(sock), "%s/dashboard.sock", f->dir);
	assert_int_equal(dashboard(both), 2);
	assert_int_equal(dashboard(rev), 2);
	assert_int_equal(access(token, F_OK), -1);
	assert_int_equal(access(sock, F_OK), -1);
}

/*
 * The token file's own directory is made 0700, never its missing parents; one
 * that group or others may write to is refused, sticky or not (as /tmp).
 */
static void test_token_file(void **state)
{
	static const char token[] = "0123456789abcdef0123456789abcdef"
				    "0123456789abcdef0123456789abcdef";
	static const mode_t shared[] = { 01777, 0777, 0770, 0722 };
	struct fixture *f = *state;
	char path[320], dir[256], buf[80];
	struct stat st;
	size_t i;

	snprintf(path, sizeof(path), "%s/run/dashboard.token", f->dir);
	assert_int_equal(dash_token_write(path, token), 0);
	snprintf(dir, sizeof(dir), "%s/run", f->dir);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(file_read_head(path, buf, sizeof(buf)), DASH_TOKEN_LEN + 1);
	assert_memory_equal(buf, token, DASH_TOKEN_LEN);
	snprintf(path, sizeof(path), "%s/no/such/dashboard.token", f->dir);
	assert_int_equal(dash_token_write(path, token), -ENOENT);
	snprintf(dir, sizeof(dir), "%s/no", f->dir);
	assert_int_equal(access(dir, F_OK), -1);
	for (i = 0; i < sizeof(shared) / sizeof(shared[0]); i++) {
		snprintf(dir, sizeof(dir), "%s/shared%zu", f->dir, i);
		assert_int_equal(mkdir(dir, 0700), 0);
		assert_int_equal(chmod(dir, shared[i]), 0);
		snprintf(path, sizeof(path), "%s/dashboard.token", dir);
		assert_int_equal(dash_token_write(path, token), -EPERM);
		assert_int_equal(access(path, F_OK), -1);
	}
	assert_int_equal(chmod(dir, 0755), 0);
	assert_int_equal(dash_token_write(path, token), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_query_full),
		cmocka_unit_test(test_query_errors),
		cmocka_unit_test(test_time),
		cmocka_unit_test_setup_teardown(test_paging, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rotated_and_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_every_action, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_log_no_token, setup, teardown),
		cmocka_unit_test_setup_teardown(test_port_and_unix, setup, teardown),
		cmocka_unit_test_setup_teardown(test_token_file, setup, teardown),
	};

	return cmocka_run_group_tests_name("dashboard", tests, NULL, NULL);
}
