// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Path globs through compile_policy() and image_match(): the file_read/file_write DFAs. */
#include <errno.h>
#include <stdio.h>
#include <stdbool.h>
#include "compile_test.h"
#include "compile/compile_int.h"
#include "policy/policy_int.h"

#define R AG_ACTION_FILE_READ
#define W AG_ACTION_FILE_WRITE
#define FR AG_CLASS_FILE_READ
#define FW AG_CLASS_FILE_WRITE

static void one(struct tpol *t, const char *pattern)
{
	tp_free(t);
	tp_init(t, 0);
	tp_rule(t, R, pattern, 1);
	tp_compile_ok(t);
}

static void test_literal(void **state)
{
	struct tpol t = { 0 };

	one(&t, "/etc/hosts");
	assert_rule(&t, FR, "/etc/hosts", 0);
	assert_rule(&t, FR, "/etc/host", -1);
	assert_rule(&t, FR, "/etc/hostss", -1);
	assert_rule(&t, FR, "/etc/hosts/x", -1);
	assert_rule(&t, FR, "", -1);
	/* Other classes have no DFA: default. */
	assert_rule(&t, FW, "/etc/hosts", -1);
	assert_int_equal(t.st.states[FW], 0);
	tp_free(&t);
}

static void test_star(void **state)
{
	struct tpol t = { 0 };

	one(&t, "/home/*/notes.txt");
	assert_rule(&t, FR, "/home/ann/notes.txt", 0);
	assert_rule(&t, FR, "/home//notes.txt", 0);
	assert_rule(&t, FR, "/home/a/b/notes.txt", -1);
	one(&t, "/tmp/*.log");
	assert_rule(&t, FR, "/tmp/x.log", 0);
	assert_rule(&t, FR, "/tmp/.log", 0);
	assert_rule(&t, FR, "/tmp/d/x.log", -1);
	assert_rule(&t, FR, "/tmp/x.logs", -1);
	tp_free(&t);
}

static void test_double_star(void **state)
{
	struct tpol t = { 0 };

	one(&t, "/a/**");
	assert_rule(&t, FR, "/a/x", 0);
	assert_rule(&t, FR, "/a/x/y/z", 0);
	assert_rule(&t, FR, "/a", -1); /* not the directory itself, as in AppArmor */
	assert_rule(&t, FR, "/ab", -1);
	assert_rule(&t, FR, "/b/a/x", -1);
	one(&t, "/a/**/b");
	assert_rule(&t, FR, "/a/b", 0); /* zero directories */
	assert_rule(&t, FR, "/a/x/b", 0);
	assert_rule(&t, FR, "/a/x/y/b", 0);
	assert_rule(&t, FR, "/a/xb", -1);
	assert_rule(&t, FR, "/a/x/b/c", -1);
	one(&t, "/**");
	assert_rule(&t, FR, "/", 0);
	assert_rule(&t, FR, "/anything/at/all", 0);
	one(&t, "/x**y");
	assert_rule(&t, FR, "/xy", 0);
	assert_rule(&t, FR, "/x/a/y", 0);
	assert_rule(&t, FR, "/x/a/yz", -1);
	tp_free(&t);
}

static void test_question(void **state)
{
	struct tpol t = { 0 };

	one(&t, "/d/file?.c");
	assert_rule(&t, FR, "/d/file1.c", 0);
	assert_rule(&t, FR, "/d/file.c", -1);
	assert_rule(&t, FR, "/d/file12.c", -1);
	assert_rule(&t, FR, "/d/file/.c", -1);
	tp_free(&t);
}

static void test_classes(void **state)
{
	struct tpol t = { 0 };

	one(&t, "/v/[a-c]x");
	assert_rule(&t, FR, "/v/bx", 0);
	assert_rule(&t, FR, "/v/dx", -1);
	one(&t, "/v/[!a-c]x");
	assert_rule(&t, FR, "/v/dx", 0);
	assert_rule(&t, FR, "/v/ax", -1);
	assert_rule(&t, FR, "/v//x", -1); /* a negated class never matches '/' */
	one(&t, "/v/[^0-9]");
	assert_rule(&t, FR, "/v/a", 0);
	assert_rule(&t, FR, "/v/5", -1);
	one(&t, "/v/[]a]");
	assert_rule(&t, FR, "/v/]", 0);
	assert_rule(&t, FR, "/v/a", 0);
	one(&t, "/v/[a-]");
	assert_rule(&t, FR, "/v/-", 0);
	one(&t, "/v/[\\]x]");
	assert_rule(&t, FR, "/v/]", 0);
	assert_rule(&t, FR, "/v/x", 0);
	assert_rule(&t, FR, "/v/\\", -1);
	tp_free(&t);
}

static void test_escapes(void **state)
{
	struct tpol t = { 0 };

	one(&t, "/q/\\*");
	assert_rule(&t, FR, "/q/*", 0);
	assert_rule(&t, FR, "/q/x", -1);
	one(&t, "/q/a\\?b\\[c\\\\");
	assert_rule(&t, FR, "/q/a?b[c\\", 0);
	assert_rule(&t, FR, "/q/axb[c\\", -1);
	tp_free(&t);
}

static void test_pattern_normalised(void **state)
{
	struct tpol t = { 0 };

	one(&t, "/a/./b//c/../d/");
	assert_rule(&t, FR, "/a/b/d", 0);
	one(&t, "/../../etc/passwd");
	assert_rule(&t, FR, "/etc/passwd", 0);
	/* '/' inside a class is no separator, and '.' in a class is no "." segment. */
	one(&t, "/a/[.]/b");
	assert_rule(&t, FR, "/a/./b", 0);
	tp_free(&t);
}

static void expect_error(const char *pattern, const char *what)
{
	struct tpol t = { 0 };

	tp_init(&t, 0);
	tp_rule(&t, R, "/ok", 1);
	tp_rule(&t, R, pattern, 1);
	assert_int_equal(tp_compile(&t, NULL), -EINVAL);
	if (!strstr(t.err.msg, "test.yaml:11:5") || !strstr(t.err.msg, what))
		fail_msg("message '%s' lacks '%s'", t.err.msg, what);
	tp_free(&t);
}

static void test_errors(void **state)
{
	expect_error("relative/path", "absolute");
	expect_error("", "absolute");
	expect_error("/a/[bc", "closing");
	expect_error("/a/[z-a]", "reversed");
	expect_error("/a/b\\", "backslash");
	expect_error("/a/[/]", "no byte");
}

/*
 * lint's check (val_glob) reads a class's ranges as the compiler does: "a-c-a"
 * is a-c, '-', 'a' to both; a reversed range is an error to both.
 */
static void test_lint_agrees(void **state)
{
	static const char *const pats[] = {
		"/v/[a-c-a]", "/v/[c-a]",    "/v/[]-a]",   "/v/[!a-c]x",   "/v/[\\]-a]",
		"/v/[a-]",    "/v/[\\-a-c]", "/v/[b-a-c]", "/v/[a-c-e-a]", "/v/[^z-a]",
	};
	struct glob_err e;
	struct re re;
	uint32_t node;
	size_t i, off;

	for (i = 0; i < sizeof(pats) / sizeof(pats[0]); i++) {
		bool lint_ok = !val_glob(pats[i], &off);
		int err;

		re_init(&re);
		err = glob_parse(&re, pats[i], strlen(pats[i]), GLOB_PATH, &node, &e);
		re_free(&re);
		if (lint_ok != !err)
			fail_msg("%s: lint %s, the compiler %s", pats[i],
				 lint_ok ? "accepts" : "refuses", err ? "refuses" : "accepts");
	}
}

static void test_first_match(void **state)
{
	struct tpol t = { 0 };

	tp_init(&t, 1);
	tp_rule(&t, W, "/opt/agent/output/**", 1);
	tp_rule(&t, W, "/opt/agent/config/**", 0);
	tp_rule(&t, W, "/opt/**", 0);
	tp_rule(&t, W, "/opt/agent/config/ok", 1); /* shadowed by rule 1 */
	tp_rule(&t, R, "/opt/**", 1);
	tp_compile_ok(&t);
	assert_rule(&t, FW, "/opt/agent/output/summary.json", 0);
	assert_rule(&t, FW, "/opt/agent/config/agent.yaml", 1);
	assert_rule(&t, FW, "/opt/agent/config/ok", 1);
	assert_rule(&t, FW, "/opt/other", 2);
	assert_rule(&t, FW, "/etc/passwd", -1);
	assert_int_equal(tp_match(&t, FW, "/etc/passwd").allow, 1); /* default allow */
	/* Rule indexes are policy indexes across classes. */
	assert_rule(&t, FR, "/opt/x", 4);
	tp_free(&t);
}

static void test_header(void **state)
{
	const struct ag_image_hdr *h;
	struct tpol t = { 0 };

	tp_init(&t, 0);
	t.p.mode = AG_MODE_SIMULATE;
	memset(t.p.sha256, 0xab, sizeof(t.p.sha256));
	tp_rule(&t, R, "/a", 1);
	tp_rule(&t, W, "/b", 0);
	tp_compile_ok(&t);
	h = (const void *)t.img.data;
	assert_int_equal(h->magic, AG_IMAGE_MAGIC);
	assert_int_equal(h->version, AG_IMAGE_VERSION);
	assert_int_equal(h->size, t.img.size);
	assert_int_equal(h->mode, AG_MODE_SIMULATE);
	assert_int_equal(h->default_allow, 0);
	assert_int_equal(h->nrules, 2);
	assert_int_equal(h->policy_sha256[31], 0xab);
	assert_int_equal(h->dfa[FR].offset % 4, 0);
	assert_true(h->dfa[FW].offset > h->dfa[FR].offset);
	assert_int_equal(h->dfa[AG_CLASS_EXEC].nstates, 0);
	assert_int_equal(h->dfa[AG_CLASS_EXEC].offset, 0);
	/* "/a": dead, start, after '/', after 'a' (accepting). */
	assert_int_equal(h->dfa[FR].nstates, 4);
	assert_int_equal(t.st.states[FR], 4);
	tp_free(&t);
}

static void test_dead_state(void **state)
{
	const struct ag_image_hdr *h;
	const uint8_t *acc;
	struct tpol t = { 0 };
	unsigned int c;

	one(&t, "/a/**");
	h = (const void *)t.img.data;
	acc = t.img.data + h->dfa[FR].offset + 256;
	/* State 0 accepts nothing and loops to itself on every class. */
	assert_int_equal(acc[0] | acc[1] << 8, AG_NO_MATCH);
	for (c = 0; c < h->dfa[FR].nclasses; c++) {
		const uint8_t *nx = acc + 2 * h->dfa[FR].nstates + 2 * c;

		assert_int_equal(nx[0] | nx[1] << 8, 0);
	}
	/* Leaving the language early stays dead: no later byte revives it. */
	assert_rule(&t, FR, "/b/a/x", -1);
	assert_rule(&t, FR, "x/a/x", -1);
	tp_free(&t);
}

static void test_oversized(void **state)
{
	char *big = malloc(AG_MAX_INPUT + 2);
	struct ag_verdict v;
	struct tpol t = { 0 };

	assert_non_null(big);
	one(&t, "/**");
	memset(big, 'a', AG_MAX_INPUT + 1);
	big[0] = '/';
	big[AG_MAX_INPUT + 1] = '\0';
	v = tp_match(&t, FR, big);
	assert_int_equal(v.rule, AG_RULE_OVERSIZED);
	assert_int_equal(v.allow, 0);
	big[AG_MAX_INPUT] = '\0';
	assert_rule(&t, FR, big, 0);
	tp_free(&t);
	free(big);
}

static void test_broken_image(void **state)
{
	struct ag_image img = { 0 };
	struct ag_verdict v;
	struct tpol t = { 0 };

	v = image_match(&img, FR, (const uint8_t *)"/a", 2);
	assert_int_equal(v.allow, 0);
	one(&t, "/a");
	img.data = t.img.data;
	img.size = t.img.size - 1; /* truncated: refused as a whole */
	v = image_match(&img, FR, (const uint8_t *)"/a", 2);
	assert_int_equal(v.rule, AG_RULE_DEFAULT);
	assert_int_equal(v.allow, 0);
	tp_free(&t);
}

static void test_state_budget(void **state)
{
	struct compile_opts o = { .state_budget = 200 };
	struct tpol t = { 0 };

	tp_init(&t, 0);
	tp_rule(&t, R, "/etc/passwd", 1);
	/* The classic blow-up: the last seven bytes must be remembered. */
	tp_rule(&t, R, "/**a??????", 0);
	tp_rule(&t, R, "/**x??????", 0);
	tp_rule(&t, R, "/home/user", 1);
	assert_int_equal(tp_compile(&t, &o), -E2BIG);
	if (!strstr(t.err.msg, "more than 200") || !strstr(t.err.msg, "test.yaml:11:5") ||
	    !strstr(t.err.msg, "test.yaml:12:5") || strstr(t.err.msg, "test.yaml:10:5"))
		fail_msg("message: %s", t.err.msg);
	/* The default budget is enough for it. */
	tp_compile_ok(&t);
	assert_rule(&t, FR, "/q/a123456", 1);
	assert_rule(&t, FR, "/q/x12a456", 2);
	assert_rule(&t, FR, "/q/a12/456", -1);
	tp_free(&t);
}

static void test_many_rules_fast(void **state)
{
	static char pats[2000][48];
	struct tpol t = { 0 };
	struct ag_rule *rules = calloc(2000, sizeof(*rules));
	int i;

	assert_non_null(rules);
	tp_init(&t, 0);
	t.p.rules = rules;
	for (i = 0; i < 2000; i++) {
		snprintf(pats[i], sizeof(pats[i]), "/srv/p%d/%s", i % 97,
			 i % 3 ? "data/**" : "*.conf");
		rules[i].action = R;
		rules[i].allow = i & 1;
		rules[i].pattern = pats[i];
	}
	t.p.nrules = 2000;
	assert_int_equal(compile_policy(&t.p, NULL, &t.img, &t.st, &t.err), 0);
	/* The first rule with that prefix and kind wins. */
	assert_int_equal(tp_match(&t, FR, "/srv/p5/data/x").rule, 5);
	assert_int_equal(tp_match(&t, FR, "/srv/p0/a.conf").rule, 0);
	assert_int_equal(tp_match(&t, FR, "/srv/p3/a.conf").rule, 3);
	assert_int_equal(tp_match(&t, FR, "/srv/p4/a.conf").rule, 198);
	tp_free(&t);
	free(rules);
}

/* deny_env entries become the ENV class: "NAME=..." strings, names exact or by prefix. */
static void test_deny_env(void **state)
{
	static char *names[] = { "LD_PRELOAD", "DYLD_*" };
	struct tpol t;
	struct ag_verdict v;

	tp_init(&t, 1);
	tp_rule(&t, AG_ACTION_SHELL_EXEC, "/bin/true*", 1);
	t.p.deny_env = names;
	t.p.ndeny_env = 2;
	tp_compile_ok(&t);
	v = tp_match(&t, AG_CLASS_ENV, "LD_PRELOAD=/tmp/x.so");
	assert_int_equal(v.rule, 0);
	v = tp_match(&t, AG_CLASS_ENV, "LD_PRELOAD=");
	assert_int_equal(v.rule, 0);
	v = tp_match(&t, AG_CLASS_ENV, "DYLD_INSERT_LIBRARIES=a");
	assert_int_equal(v.rule, 1);
	v = tp_match(&t, AG_CLASS_ENV, "LD_PRELOADX=1");
	assert_int_equal(v.rule, AG_RULE_DEFAULT);
	v = tp_match(&t, AG_CLASS_ENV, "XLD_PRELOAD=1");
	assert_int_equal(v.rule, AG_RULE_DEFAULT);
	v = tp_match(&t, AG_CLASS_ENV, "PATH=/usr/bin:LD_PRELOAD=x");
	assert_int_equal(v.rule, AG_RULE_DEFAULT);
	/* The rules' classes are unaffected. */
	assert_rule(&t, AG_CLASS_EXEC, "/bin/true x", 0);
	tp_free(&t);
}

static __u8 mv(struct tpol *t, enum ag_class c, const char *name, int is_dir)
{
	return image_move_flags(&t->img, c, (const uint8_t *)name, strlen(name), is_dir);
}

/* below[]: what is decided beneath a name, for directory renames (issue 15 #7). */
static void test_move_flags(void **state)
{
	struct tpol t = { 0 };

	tp_init(&t, 1);
	tp_rule(&t, W, "/out/locked/**", 0);
	tp_rule(&t, R, "/srv/secret", 0);
	tp_rule(&t, R, "/data/*.csv", 1);
	tp_rule(&t, R, "/data/**", 0);
	tp_compile_ok(&t);
	/* Beneath /out/locked every write is denied; beneath /out some are, some not. */
	assert_int_equal(mv(&t, FW, "/out/locked", 1), 0);
	assert_int_equal(mv(&t, FW, "/out/locked/x", 1), AG_BELOW_DENY);
	assert_int_equal(mv(&t, FW, "/out/open", 1), AG_BELOW_ALLOW);
	assert_int_equal(mv(&t, FW, "/out", 1), 0);
	/* The directory's own name counts: /out/locked itself is writable, beneath it not. */
	assert_int_equal(mv(&t, FW, "/out/locked", 0), AG_BELOW_ALLOW);
	/* Files: their own decision only. */
	assert_int_equal(mv(&t, FR, "/srv/secret", 0), AG_BELOW_DENY);
	assert_int_equal(mv(&t, FR, "/srv/public", 0), AG_BELOW_ALLOW);
	assert_int_equal(mv(&t, FR, "/srv", 1), 0);
	/* Mixed beneath /data (csv allowed, the rest denied); /data/x.csv/ is all denied. */
	assert_int_equal(mv(&t, FR, "/data", 1), 0);
	assert_int_equal(mv(&t, FR, "/data/x.csv", 1), 0);
	assert_int_equal(mv(&t, FR, "/data/sub", 1), AG_BELOW_DENY);
	/* A class without rules follows the default everywhere. */
	assert_int_equal(mv(&t, AG_CLASS_EXEC, "/anything", 1), AG_BELOW_ALLOW);
	/* The rename rule: out of an all-allowed name, or into an all-denied one. */
	assert_true(ag_subtree_ok(AG_BELOW_ALLOW, 0));
	assert_true(ag_subtree_ok(0, AG_BELOW_DENY));
	assert_false(ag_subtree_ok(AG_BELOW_DENY, AG_BELOW_ALLOW));
	assert_false(ag_subtree_ok(0, AG_BELOW_ALLOW));
	assert_false(ag_subtree_ok(AG_BELOW_DENY, 0));
	tp_free(&t);

	tp_init(&t, 0);
	tp_rule(&t, W, "/work/**", 1);
	tp_compile_ok(&t);
	assert_int_equal(mv(&t, FW, "/work/a", 1), AG_BELOW_ALLOW);
	assert_int_equal(mv(&t, FW, "/work", 1), 0); /* /work itself: default deny */
	assert_int_equal(mv(&t, FW, "/tmp", 1), AG_BELOW_DENY);
	tp_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deny_env),     cmocka_unit_test(test_literal),
		cmocka_unit_test(test_star),	     cmocka_unit_test(test_double_star),
		cmocka_unit_test(test_question),     cmocka_unit_test(test_classes),
		cmocka_unit_test(test_escapes),	     cmocka_unit_test(test_pattern_normalised),
		cmocka_unit_test(test_errors),	     cmocka_unit_test(test_first_match),
		cmocka_unit_test(test_header),	     cmocka_unit_test(test_dead_state),
		cmocka_unit_test(test_oversized),    cmocka_unit_test(test_broken_image),
		cmocka_unit_test(test_state_budget), cmocka_unit_test(test_many_rules_fast),
		cmocka_unit_test(test_move_flags),   cmocka_unit_test(test_lint_agrees),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
