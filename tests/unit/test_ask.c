// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The ask socket's pure parts: HTTP requests (complete, partial, refused with
 * the right status), questions and batches answered from seed 1's policy with
 * the seed's decisions, the audit record a question makes, repeats folded
 * into one record, and the per-agent token buckets; and the asker's root,
 * where a bare program name is looked up.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <cmocka.h>
#include "ask/ask.h"
#include "ask/ask_http.h"
#include "audit/audit.h"
#include "audit_test.h"
#include "file_test.h"
#include "util/file.h"

static int parse(const char *s, struct ask_http_req *req, int *status)
{
	char msg[256];

	*status = 0;
	return ask_http_parse(s, strlen(s), req, status, msg, sizeof(msg));
}

static void test_http_whole_and_partial(void **state)
{
	static const char full[] = "POST /v1/evaluate HTTP/1.1\r\nHost: localhost\r\n"
				   "content-length: 2\r\nExpect: 100-continue\r\n\r\n{}";
	struct ask_http_req req;
	char part[sizeof(full)];
	int status;
	size_t n;

	assert_int_equal(parse(full, &req, &status), 0);
	assert_string_equal(req.method, "POST");
	assert_string_equal(req.target, "/v1/evaluate");
	assert_int_equal(req.body_len, 2);
	assert_memory_equal(req.body, "{}", 2);
	assert_true(req.expect_continue);
	/* Every prefix is incomplete, never an error: reads may split anywhere. */
	for (n = 0; n < sizeof(full) - 1; n++) {
		memcpy(part, full, n);
		part[n] = '\0';
		assert_int_equal(parse(part, &req, &status), -EAGAIN);
	}
	assert_int_equal(parse("GET /v1/evaluate?x=1 HTTP/1.0\r\n\r\n", &req, &status), 0);
	assert_string_equal(req.target, "/v1/evaluate");
}

static void test_http_refused(void **state)
{
	static const struct {
		const char *in;
		int status;
	} bad[] = {
		{ "POST /v1/evaluate HTTP/1.1\r\n\r\n", 411 },
		{ "POST /v1/evaluate HTTP/2.0\r\nContent-Length: 0\r\n\r\n", 505 },
		{ "POST /v1/evaluate HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 501 },
		{ "POST /v1/evaluate HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n", 413 },
		{ "POST /v1/evaluate HTTP/1.1\r\nContent-Length: 1x\r\n\r\n", 400 },
		{ "POST /v1/evaluate HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n",
		  400 },
		{ "POST\r\n\r\n", 400 },
		/* Not ASCII: never echoed into a JSON answer, which must be UTF-8. */
		{ "POST /v1/\xff HTTP/1.1\r\nContent-Length: 0\r\n\r\n", 400 },
		{ "POST /v1/evaluate?\xc3 HTTP/1.1\r\nContent-Length: 0\r\n\r\n", 400 },
		{ "POST /v1/\x01 HTTP/1.1\r\nContent-Length: 0\r\n\r\n", 400 },
	};
	struct ask_http_req req;
	char *big;
	size_t i;
	int status;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse(bad[i].in, &req, &status), -EBADMSG);
		assert_int_equal(status, bad[i].status);
	}
	/* A head that never ends is refused once it passes 8 KiB. */
	big = malloc(ASK_MAX_HEAD + 64);
	assert_non_null(big);
	memset(big, 'a', ASK_MAX_HEAD + 63);
	big[ASK_MAX_HEAD + 63] = '\0';
	assert_int_equal(parse(big, &req, &status), -EBADMSG);
	assert_int_equal(status, 413);
	free(big);
}

struct loaded {
	struct ag_policy *p;
	struct ag_image img;
	struct ask_policy ap;
};

static void load(struct loaded *l)
{
	struct ag_error err;

	if (policy_load("policies/openai-agent-sandbox.yaml", &l->p, &err) ||
	    compile_policy(l->p, NULL, &l->img, NULL, &err))
		fail_msg("%s", err.msg);
	l->ap.model = l->p;
	l->ap.img = &l->img;
	l->ap.agent = "/agents/a1";
	l->ap.mode = AG_MODE_ENFORCE;
}

static void unload(struct loaded *l)
{
	image_free(&l->img);
	policy_free(l->p);
}

/* The last record's fields, copied: a record's strings live only as long as the question. */
struct noted {
	int n;
	struct audit_ask last;
	char agent[64], asked_as[64], command[256];
	const struct ask_policy *p;
};

static void note(void *ctx, const struct ask_question *q)
{
	static const struct ag_ask_peer peer = { .cgroup_id = 7, .policy_cgroup_id = 5, .pid = 9 };
	struct noted *n = ctx;

	n->n++;
	ask_audit_fill(&peer, n->p, q, "/agents/a1/sub", &n->last);
	snprintf(n->agent, sizeof(n->agent), "%s", n->last.agent);
	snprintf(n->asked_as, sizeof(n->asked_as), "%s", n->last.asked_as ? n->last.asked_as : "");
	snprintf(n->command, sizeof(n->command), "%s", n->last.command ? n->last.command : "");
}

/* body answered for an asker whose root is open as root_fd (-1: none known). */
static json_t *answer_in(struct loaded *l, const char *body, int root_fd, struct noted *n)
{
	char msg[256];
	json_t *req, *a;
	size_t nq;
	int status;

	if (ask_parse(body, strlen(body), &req, &nq, msg, sizeof(msg)))
		fail_msg("%s: %s", body, msg);
	n->p = &l->ap;
	a = ask_answer(&l->ap, req, root_fd, note, n, &status);
	json_decref(req);
	assert_non_null(a);
	/* 400 exactly for a lone question that could not be answered. */
	assert_int_equal(status, json_object_get(a, "error") ? 400 : 200);
	return a;
}

static json_t *answer(struct loaded *l, const char *body, struct noted *n)
{
	return answer_in(l, body, -1, n);
}

static const char *str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static void test_seed_questions(void **state)
{
	static const struct {
		const char *q, *result;
	} seed[] = {
		{ "{\"action\":\"file_read\",\"path\":\"/opt/agent/input/daily-report-2026-02-13.csv\","
		  "\"agent\":\"openai-gpt4-agent\",\"timestamp\":\"2026-02-13T06:00:01Z\"}",
		  "ALLOW" },
		{ "{\"action\":\"file_write\",\"path\":\"/opt/agent/output/summary-2026-02-13.json\","
		  "\"content\":\"{}\",\"agent\":\"openai-gpt4-agent\"}",
		  "ALLOW" },
		{ "{\"action\":\"file_write\",\"path\":\"/opt/agent/config/agent.yaml\"}", "DENY" },
		{ "{\"action\":\"network\",\"domain\":\"hooks.slack.com\",\"method\":\"POST\"}",
		  "ALLOW" },
		{ "{\"action\":\"network\",\"domain\":\"pastebin.com\",\"method\":\"POST\"}",
		  "DENY" },
		{ "{\"action\":\"shell_exec\",\"command\":\"sudo apt-get install netcat\","
		  "\"agent\":\"openai-gpt4-agent\"}",
		  "DENY" },
	};
	struct noted n = {};
	struct loaded l;
	size_t i;
	json_t *a;

	load(&l);
	for (i = 0; i < sizeof(seed) / sizeof(seed[0]); i++) {
		a = answer(&l, seed[i].q, &n);
		assert_string_equal(str(a, "result"), seed[i].result);
		assert_string_equal(str(a, "decision"), seed[i].result);
		assert_string_equal(str(a, "mode"), "enforce");
		assert_string_equal(str(a, "policy"), "openai-agent-sandbox");
		assert_non_null(json_object_get(a, "rule"));
		json_decref(a);
	}
	assert_int_equal(n.n, 6);
	/* The last question's record: who asked, what, the answer. */
	assert_string_equal(n.agent, "/agents/a1/sub");
	assert_int_equal(n.last.cgroup_id, 7);
	assert_string_equal(n.asked_as, "openai-gpt4-agent");
	assert_string_equal(n.last.action, "shell_exec");
	assert_non_null(strstr(n.command, "sudo apt-get install netcat"));
	assert_false(n.last.allow);
	assert_true(n.last.rule >= 0);
	unload(&l);
}

static void test_batch_and_errors(void **state)
{
	struct noted n = {};
	struct loaded l;
	char msg[256];
	json_t *a, *r, *req;
	size_t nq;

	load(&l);
	a = answer(&l,
		   "{\"requests\":[{\"action\":\"teleport\"},"
		   "{\"action\":\"network\",\"ip\":\"192.0.2.1\",\"port\":443}]}",
		   &n);
	r = json_object_get(a, "results");
	assert_int_equal(json_array_size(r), 2);
	assert_non_null(strstr(str(json_array_get(r, 0), "error"), "expected \"action\""));
	assert_string_equal(str(json_array_get(r, 1), "result"), "DENY");
	assert_int_equal(n.n, 1); /* only answered questions are recorded */
	assert_int_equal(n.last.port, 443);
	json_decref(a);
	a = answer(&l, "[{\"action\":\"file_read\",\"path\":\"/etc/shadow\"}]", &n);
	assert_string_equal(str(a, "error") ? "x" : "ok", "ok");
	assert_string_equal(str(json_array_get(json_object_get(a, "results"), 0), "rule"),
			    "default");
	json_decref(a);
	a = answer(&l, "{\"action\":\"file_read\"}", &n);
	assert_non_null(strstr(str(a, "error"), "path"));
	json_decref(a);
	assert_int_equal(ask_parse("{", 1, &req, &nq, msg, sizeof(msg)), -EINVAL);
	assert_non_null(strstr(msg, "expected a JSON body"));
	assert_int_equal(ask_parse("[]", 2, &req, &nq, msg, sizeof(msg)), -EINVAL);
	assert_int_equal(ask_parse("\"x\"", 3, &req, &nq, msg, sizeof(msg)), -EINVAL);
	unload(&l);
}

static void test_rate(void **state)
{
	struct ask_rate *r = calloc(1, sizeof(*r));
	uint64_t k;
	int i, taken = 0;

	assert_non_null(r);
	for (i = 0; i < 1000; i++)
		taken += ask_rate_take(r, 1, 1, 1000);
	assert_int_equal(taken, ASK_RATE_BURST);
	/* Another agent is untouched by the flood. */
	assert_true(ask_rate_take(r, 2, 1, 1000));
	/* A second later the flooder has a second's worth again. */
	taken = 0;
	for (i = 0; i < 1000; i++)
		taken += ask_rate_take(r, 1, 1, 2000);
	assert_int_equal(taken, ASK_RATE_PER_SEC);
	/* Evicting agents only refills: a flood of new keys never empties agent 2's bucket. */
	for (k = 100; k < 100 + 4 * ASK_RATE_SLOTS; k++)
		ask_rate_take(r, k, 1, 3000);
	assert_true(ask_rate_take(r, 2, ASK_RATE_BURST, 3000));
	assert_false(ask_rate_take(r, 2, 1, 3000));
	free(r);
}

struct written {
	int n;
	uint64_t count[8];
	char path[8][64];
};

static void write_rec(void *ctx, const struct audit_ask *rec)
{
	struct written *w = ctx;

	if (w->n < 8) {
		w->count[w->n] = rec->count;
		snprintf(w->path[w->n], sizeof(w->path[0]), "%s", rec->path ? rec->path : "");
	}
	w->n++;
}

static void test_fold(void **state)
{
	static const uint8_t sha[32];
	char path[32] = "/etc/shadow";
	struct audit_ask rec = { .agent = "/a",
				 .action = "file_read",
				 .path = path,
				 .port = -1,
				 .rule = -1,
				 .rule_name = "default",
				 .reason = "r",
				 .policy = "p",
				 .policy_sha256 = sha };
	struct ask_fold f = {};
	struct written w = {};

	ask_fold_add(&f, &rec, 1000, write_rec, &w);
	/* The question's own strings may change once it is answered: the fold keeps copies. */
	strcpy(path, "/etc/passwd");
	rec.path = "/etc/shadow";
	ask_fold_add(&f, &rec, 1100, write_rec, &w);
	ask_fold_add(&f, &rec, 1200, write_rec, &w);
	assert_int_equal(w.n, 0);
	rec.path = "/etc/hosts";
	ask_fold_add(&f, &rec, 1300, write_rec, &w);
	assert_int_equal(w.n, 1);
	assert_int_equal(w.count[0], 3);
	assert_string_equal(w.path[0], "/etc/shadow");
	/* Held no longer than ASK_FOLD_MS after its first question. */
	ask_fold_tick(&f, 1300 + ASK_FOLD_MS - 1, write_rec, &w);
	assert_int_equal(w.n, 1);
	ask_fold_tick(&f, 1300 + ASK_FOLD_MS, write_rec, &w);
	assert_int_equal(w.n, 2);
	assert_int_equal(w.count[1], 1);
	ask_fold_add(&f, &rec, 5000, write_rec, &w);
	ask_fold_flush(&f, write_rec, &w);
	assert_int_equal(w.n, 3);
	ask_fold_flush(&f, write_rec, &w);
	assert_int_equal(w.n, 3);
}

/*
 * An agent's question of 64 KiB (a long "agent" of newlines, escaped six bytes
 * for one, and a long domain) is recorded, its strings cut, and the log still
 * verifies: a longer line would be refused by every reader of the log.
 */
static void test_record_bounded(void **state)
{
	static const uint8_t sha[32];
	struct audit_verify_report rep;
	struct audit_record r;
	struct audit_writer *w;
	struct audit_config c;
	struct tlines t;
	struct tdir d;
	const struct audit_field *f;
	const char *why;
	char *as = malloc(30000), *dom = malloc(40001);
	int err, i, asks = 0;

	assert_non_null(as);
	assert_non_null(dom);
	/* A two-byte character across the cut: left out whole, never halved. */
	memset(as, 'x', 255);
	memcpy(as + 255, "\xc3\xa9", 2);
	memset(as + 257, '\n', 30000 - 258);
	as[30000 - 1] = '\0';
	memset(dom, 'a', 40000);
	dom[40000] = '\0';
	tdir_make(&d);
	c = tcfg(&d);
	w = audit_writer_open(&c, &err);
	assert_non_null(w);
	assert_int_equal(audit_append_ask(w, &(struct audit_ask){ .agent = "/agents/a1",
								  .asked_as = as,
								  .action = "network",
								  .domain = dom,
								  .port = -1,
								  .rule = -1,
								  .rule_name = "oversized",
								  .reason = "input longer than 4096 bytes",
								  .policy = "p",
								  .policy_sha256 = sha }),
			 0);
	assert_int_equal(audit_writer_close(w), 0);
	assert_int_equal(verify1(d.log, NULL, false, &rep), AUDIT_OK);
	tl_read(d.log, &t);
	for (i = 0; i < t.n; i++) {
		assert_int_equal(audit_rec_parse(t.l[i], strlen(t.l[i]), &r, &why), 0);
		if (audit_rec_is(&r, "ask")) {
			asks++;
			f = audit_rec_get(&r, "asked_as");
			assert_non_null(f);
			assert_int_equal(f->len, 255);
			f = audit_rec_get(&r, "domain");
			assert_non_null(f);
			assert_int_equal(f->len, AUDIT_ASK_OBJECT_MAX);
		}
		audit_rec_free(&r);
	}
	assert_int_equal(asks, 1);
	tl_free(&t);
	tdir_remove(&d);
	free(as);
	free(dom);
}

/*
 * The daemon answers from its own filesystem, as root: a command given as a
 * path is judged as written, never through the daemon's symbolic links, else
 * the subject would tell an agent what any link on the host points to (a
 * name in a directory it may not read, /proc/PID/fd/N of any process, the
 * daemon's own cwd) and whether any path exists (/proc/1/root/...).
 */
static void test_command_not_resolved(void **state)
{
	char dir[] = "/tmp/agentgate-ask-XXXXXX", target[64], link[64], q[256], want[128];
	struct noted n = {};
	struct loaded l;
	json_t *a;
	FILE *f;

	assert_non_null(mkdtemp(dir));
	snprintf(target, sizeof(target), "%s/hidden-name-7f3a", dir);
	snprintf(link, sizeof(link), "%s/link", dir);
	f = fopen(target, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(symlink("hidden-name-7f3a", link), 0);
	load(&l);
	snprintf(q, sizeof(q), "{\"action\":\"shell_exec\",\"command\":\"%s/../%s --x\"}",
		 dir, link + 5);
	a = answer(&l, q, &n);
	snprintf(want, sizeof(want), "%s --x", link);
	assert_string_equal(str(a, "subject"), want);
	assert_null(strstr(n.command, "hidden-name"));
	json_decref(a);
	a = answer(&l, "{\"action\":\"shell_exec\",\"command\":\"/proc/self/cwd/.\"}", &n);
	assert_string_equal(str(a, "subject"), "/proc/self/cwd");
	json_decref(a);
	/* A relative path means nothing on the daemon's side: refused, whatever exists there. */
	a = answer(&l, "{\"action\":\"shell_exec\",\"command\":\"./bin/sh\"}", &n);
	assert_non_null(strstr(str(a, "error"), "absolute"));
	json_decref(a);
	unload(&l);
	assert_int_equal(unlink(link), 0);
	assert_int_equal(unlink(target), 0);
	assert_int_equal(rmdir(dir), 0);
}

/*
 * The mode is the assignment's: two assignments of one policy file share its
 * model, whose mode is whichever was compiled last (daemon_model_keep).
 */
static void test_mode_is_the_assignments(void **state)
{
	struct noted n = {};
	struct loaded l;
	json_t *a;

	load(&l);
	assert_int_equal(l.p->mode, AG_MODE_ENFORCE);
	l.ap.mode = AG_MODE_SIMULATE;
	a = answer(&l, "{\"action\":\"file_read\",\"path\":\"/etc/shadow\"}", &n);
	assert_string_equal(str(a, "mode"), "simulate");
	assert_true(n.last.simulate);
	json_decref(a);
	unload(&l);
}

/*
 * A bare program name is looked up in the asker's root, not in the server's
 * files: here a temporary directory stands for an agent's container, which
 * has /usr/bin/sudo; the seed's policy denies sudo by its bare name, the
 * subject says where it was found. With no root known: the first directory.
 */
static void test_bare_name_in_askers_root(void **state)
{
	char root[] = "/tmp/agentgate-askroot-XXXXXX", path[128];
	struct noted n = {};
	struct loaded l;
	json_t *a;
	int fd;

	assert_non_null(mkdtemp(root));
	snprintf(path, sizeof(path), "%s/usr/bin", root);
	assert_int_equal(mkdir_p(path, 0755, 0755), 0);
	snprintf(path, sizeof(path), "%s/usr/bin/sudo", root);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0755);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(chmod(path, 0755), 0);
	fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);
	load(&l);
	a = answer_in(&l, "{\"action\":\"shell_exec\",\"command\":\"sudo id\"}", fd, &n);
	assert_string_equal(str(a, "subject"), "/usr/bin/sudo id");
	assert_string_equal(str(a, "result"), "DENY");
	assert_string_equal(n.command, "/usr/bin/sudo id");
	json_decref(a);
	a = answer_in(&l, "{\"action\":\"shell_exec\",\"command\":\"sudo id\"}", -1, &n);
	assert_string_equal(str(a, "subject"), "/usr/local/sbin/sudo id");
	json_decref(a);
	unload(&l);
	close(fd);
	remove_tree(root);
}

/*
 * ask_peer_root for this test's own process: its cgroup v2 path (read from
 * /proc) is made below a temporary directory standing for the cgroup mount,
 * whose inode number is then the id the kernel would have noted. Its root is
 * this process's "/". Another id (a pid reused by a task of another cgroup)
 * and a pid that is gone give no root.
 */
static void test_peer_root(void **state)
{
	char cgroot[] = "/tmp/agentgate-cgroot-XXXXXX", line[512], dir[600], *p;
	struct ag_ask_peer peer = { .pid = (uint32_t)getpid() };
	struct stat want, got;
	FILE *f;
	pid_t child;
	int fd;

	f = fopen("/proc/self/cgroup", "r");
	assert_non_null(f);
	while ((p = fgets(line, sizeof(line), f)) && strncmp(line, "0::", 3))
		;
	fclose(f);
	if (!p)
		skip(); /* no cgroup v2 line: nothing to match */
	line[strcspn(line, "\n")] = '\0';
	assert_non_null(mkdtemp(cgroot));
	snprintf(dir, sizeof(dir), "%s%s", cgroot, line + 3);
	assert_int_equal(mkdir_p(dir, 0755, 0755), 0);
	assert_int_equal(stat(dir, &want), 0);
	peer.cgroup_id = want.st_ino;
	fd = ask_peer_root(&peer, cgroot);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &got), 0);
	assert_int_equal(stat("/", &want), 0);
	assert_true(got.st_dev == want.st_dev && got.st_ino == want.st_ino);
	close(fd);
	peer.cgroup_id++;
	assert_int_equal(ask_peer_root(&peer, cgroot), -ESRCH);
	peer.cgroup_id--;
	child = fork();
	assert_true(child >= 0);
	if (!child)
		_exit(0);
	assert_int_equal(waitpid(child, NULL, 0), child);
	peer.pid = (uint32_t)child;
	assert_true(ask_peer_root(&peer, cgroot) < 0);
	peer.pid = 0;
	assert_true(ask_peer_root(&peer, cgroot) < 0);
	remove_tree(cgroot);
}

/*
 * Strings cut for an answer are cut between UTF-8 characters: an "action" of
 * 63 bytes and a two-byte character is named in the error (it was answered
 * as if out of memory: jansson refuses a string that is not UTF-8), and an
 * oversized path's subject stays text, not subject_b64.
 */
static void test_cuts_stay_utf8(void **state)
{
	char q[8192], action[70];
	struct noted n = {};
	struct loaded l;
	char *text;
	json_t *a;
	int len;

	load(&l);
	memset(action, 'a', 63);
	memcpy(action + 63, "\xc3\xa9", 3);
	snprintf(q, sizeof(q), "{\"action\":\"%s\"}", action);
	a = answer(&l, q, &n);
	assert_non_null(strstr(str(a, "error"), "expected \"action\""));
	assert_non_null(strstr(str(a, "error"), "aaaa\""));
	text = json_dumps(a, JSON_COMPACT);
	assert_non_null(text);
	free(text);
	json_decref(a);
	len = snprintf(q, sizeof(q), "{\"action\":\"file_read\",\"path\":\"/");
	memset(q + len, 'b', 62);
	len += 62;
	while (len < 5000)
		len += snprintf(q + len, sizeof(q) - (size_t)len, "\xc3\xa9");
	snprintf(q + len, sizeof(q) - (size_t)len, "\"}");
	a = answer(&l, q, &n);
	assert_string_equal(str(a, "rule"), "oversized");
	assert_null(json_object_get(a, "subject_b64"));
	assert_non_null(strstr(str(a, "subject"), "bbb... ("));
	json_decref(a);
	unload(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_http_whole_and_partial),
		cmocka_unit_test(test_http_refused),
		cmocka_unit_test(test_seed_questions),
		cmocka_unit_test(test_batch_and_errors),
		cmocka_unit_test(test_rate),
		cmocka_unit_test(test_fold),
		cmocka_unit_test(test_record_bounded),
		cmocka_unit_test(test_command_not_resolved),
		cmocka_unit_test(test_mode_is_the_assignments),
		cmocka_unit_test(test_bare_name_in_askers_root),
		cmocka_unit_test(test_peer_root),
		cmocka_unit_test(test_cuts_stay_utf8),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
