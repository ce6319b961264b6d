// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * lint: shadowed rules, catch-alls, over-wide allows, paths the kernel never
 * reports as written, and its exit statuses.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>
#include "cli/cli.h"
#include "check/lint.h"

/* Runs cmd_lint on text; returns its status and what it printed. */
static int lint(const char *text, char *out, size_t outsz)
{
	char path[] = "/tmp/agentgate-lint-XXXXXX.yaml", *argv[] = { "lint", path, NULL };
	int fd = mkstemps(path, 5), saved, pipefd[2], ret;
	ssize_t n;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	assert_int_equal(pipe(pipefd), 0);
	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	dup2(pipefd[1], STDOUT_FILENO);
	close(pipefd[1]);
	ret = cmd_lint(2, argv);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	n = read(pipefd[0], out, outsz - 1);
	out[n > 0 ? n : 0] = '\0';
	close(pipefd[0]);
	unlink(path);
	return ret;
}

#define R(a, k, v, d) "  - {action: " a ", " k ": \"" v "\", decision: " d "}\n"

static void test_clean(void **state)
{
	char out[4096];

	assert_int_equal(lint("rules:\n" R("file_read", "path", "/a/**", "allow")
				      R("file_read", "path", "/b/*", "deny")
					      R("network", "domain", "*", "deny"),
			      out, sizeof(out)),
			 0);
	assert_string_equal(out, "");
}

static void test_shadowed_by_one(void **state)
{
	char out[4096];

	assert_int_equal(lint("rules:\n" R("file_read", "path", "/etc/**", "allow")
				      R("file_read", "path", "/etc/ssh/*_key", "deny"),
			      out, sizeof(out)),
			 1);
	assert_non_null(strstr(out,
			       ":3:5: warning: rule 1 ('/etc/ssh/*_key') is never the first "
			       "match: an earlier rule matches everything it matches (rule 0, "));
}

/* Neither earlier rule covers it alone; together they do. */
static void test_shadowed_by_union(void **state)
{
	char out[4096];

	assert_int_equal(lint("rules:\n" R("file_read", "path", "/d/[a-m]*", "allow")
				      R("file_read", "path", "/d/[n-z]*", "allow")
					      R("file_read", "path", "/d/[c-q]x", "deny")
						      R("file_read", "path", "/d/[c-q]", "deny"),
			      out, sizeof(out)),
			 1);
	assert_non_null(strstr(out, ":4:5: warning: rule 2 ('/d/[c-q]x') is never the first match: "
				    "the rules before it together match everything it matches\n"));
	assert_non_null(strstr(out, ":5:5: warning: rule 3"));
}

static void test_catch_all(void **state)
{
	char out[4096];

	assert_int_equal(
		lint("rules:\n" R("shell_exec", "command", "*", "deny") R("shell_exec", "command",
									  "ls *", "allow")
			     R("network", "domain", "*", "deny") "  - {action: network, cidr: 10.0.0.0/8, decision: allow}\n" R(
				     "file_write", "path", "/**", "allow"),
		     out, sizeof(out)),
		1);
	assert_non_null(strstr(
		out, "rule 1 ('ls *') comes after a catch-all rule and never matches (rule 0"));
	assert_non_null(strstr(
		out,
		"rule 3 ('10.0.0.0/8') comes after a catch-all rule and never matches (rule 2"));
	assert_non_null(
		strstr(out, "rule 4 ('/**') allows file_write of every path, as wide as '/**'"));
}

static void test_wide_allow(void **state)
{
	char out[4096];

	assert_int_equal(
		lint("rules:\n" R("file_read", "path", "/*/../**", "allow"), out, sizeof(out)), 1);
	assert_non_null(strstr(out, "allows file_read of every path"));
	/* A single star does not reach below the first level: not every path. */
	assert_int_equal(lint("rules:\n" R("file_read", "path", "/*", "allow"), out, sizeof(out)),
			 0);
}

/* An address with bits past its prefix stands for its whole network: said, since 10.0.0.1/8 reads like one host. */
static void test_host_bits(void **state)
{
	char out[4096];

	assert_int_equal(
		lint("rules:\n" R("network", "cidr", "10.0.0.1/8", "allow"), out, sizeof(out)), 1);
	assert_non_null(strstr(out, "rule 0 ('10.0.0.1/8') has address bits past its prefix"));
	assert_int_equal(lint("rules:\n" R("network", "cidr", "10.0.0.0/8", "allow")
				      R("listen", "cidr", "2001:db8::/32", "allow")
					      R("network", "cidr", "192.0.2.7", "deny"),
			      out, sizeof(out)),
			 0);
}

/* /proc/self is /proc/PID to the kernel, on every host: such a rule never matches. */
static void test_proc_self(void **state)
{
	char out[4096];

	assert_int_equal(lint("rules:\n" R("file_read", "path", "/proc/self/maps", "allow")
				      R("file_write", "path", "/proc/thread-self/attr/*", "deny")
					      R("file_read", "path", "/proc/selfish", "allow")
						      R("file_read", "path", "/proc/[0-9]*/maps",
							"allow"),
			      out, sizeof(out)),
			 1);
	assert_non_null(strstr(out, ":2:5: warning: rule 0 ('/proc/self/maps') never matches: "
				    "the kernel reports /proc/self as /proc/PID and /proc/thread-self "
				    "as /proc/PID/task/TID; write '/proc/[0-9]*/maps'\n"));
	assert_non_null(strstr(out, ":3:5: warning: rule 1 ('/proc/thread-self/attr/*') never "
				    "matches: "));
	assert_non_null(strstr(out, "write '/proc/[0-9]*/task/[0-9]*/attr/*'\n"));
	assert_null(strstr(out, "rule 2"));
	assert_null(strstr(out, "rule 3"));
}

/* lint_path_resolved of dir + pat: ret, with dir + want and dir + link (NULL: not looked at). */
static void resolves(const char *dir, const char *pat, int ret, const char *want,
		     const char *link)
{
	char in[256], out[4096], got[4096], expect[256];

	snprintf(in, sizeof(in), "%s%s", dir, pat);
	assert_int_equal(lint_path_resolved(in, out, sizeof(out), got, sizeof(got)), ret);
	if (want) {
		snprintf(expect, sizeof(expect), "%s%s", dir, want);
		assert_string_equal(out, expect);
	}
	if (link) {
		snprintf(expect, sizeof(expect), "%s%s", dir, link);
		assert_string_equal(got, expect);
	}
}

/*
 * A directory of this host that is a symbolic link (as /lib on merged /usr):
 * the kernel reports its target. Made here, in a directory of the test's own.
 */
static void test_host_link(void **state)
{
	char dir[] = "/tmp/agentgate-lint-link-XXXXXX", path[128], pol[1024], out[4096];
	char want[4096];

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/real", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/rel", dir);
	assert_int_equal(symlink("real", path), 0);
	snprintf(path, sizeof(path), "%s/abs", dir);
	snprintf(pol, sizeof(pol), "%s/real", dir);
	assert_int_equal(symlink(pol, path), 0);
	snprintf(path, sizeof(path), "%s/chain", dir);
	assert_int_equal(symlink("rel/../abs", path), 0);

	/* Relative, absolute and chained targets; a glob before the link hides it. */
	resolves(dir, "/rel/*.so", LINT_PATH_LINK, "/real/*.so", "/rel -> real");
	resolves(dir, "/chain/x/", LINT_PATH_LINK, "/real/x", "/chain -> rel/../abs");
	resolves(dir, "/*/abs/x", LINT_PATH_AS_IS, NULL, NULL);
	/* The link itself, as the last name: some operations take it as it is. */
	resolves(dir, "/rel", LINT_PATH_AS_IS, NULL, NULL);

	snprintf(pol, sizeof(pol), "rules:\n" R("file_read", "path", "%s/abs/*.so", "allow")
					  R("file_write", "path", "%s/rel/**", "deny"),
		 dir, dir);
	assert_int_equal(lint(pol, out, sizeof(out)), 1);
	snprintf(want, sizeof(want),
		 ":2:5: warning: rule 0 ('%s/abs/*.so') never matches on this host (symbolic "
		 "link %s/abs -> %s/real): the kernel reports the path it resolves, "
		 "'%s/real/*.so', which no other allow rule covers\n",
		 dir, dir, dir, dir);
	assert_non_null(strstr(out, want));
	assert_non_null(strstr(out, ":3:5: warning: rule 1 ("));
	/* Written for hosts without the link too, next to a rule deciding the same: fine. */
	snprintf(pol, sizeof(pol), "rules:\n" R("file_read", "path", "%s/real/**", "allow")
					  R("file_read", "path", "%s/rel/*.so", "allow"),
		 dir, dir);
	assert_int_equal(lint(pol, out, sizeof(out)), 0);
	/* ... but not next to one deciding the other way. */
	snprintf(pol, sizeof(pol), "rules:\n" R("file_read", "path", "%s/real/**", "deny")
					  R("file_read", "path", "%s/rel/*.so", "allow"),
		 dir, dir);
	assert_int_equal(lint(pol, out, sizeof(out)), 1);
	snprintf(pol, sizeof(pol), "rm -rf '%s'", dir);
	assert_int_equal(system(pol), 0);
}

/*
 * A multi-call program (busybox here, made in a directory of the test's own):
 * a rule for one of its names, or for one applet by argv[1], allows them all.
 */
static void test_multicall(void **state)
{
	char dir[] = "/tmp/agentgate-lint-mc-XXXXXX", path[128], pol[1024], out[4096];
	char want[512];
	FILE *f;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/busybox", dir);
	assert_non_null(f = fopen(path, "w"));
	fclose(f);
	snprintf(path, sizeof(path), "%s/ls", dir);
	assert_int_equal(symlink("busybox", path), 0);
	snprintf(path, sizeof(path), "%s/cat", dir);
	assert_non_null(f = fopen(path, "w"));
	fclose(f);

	snprintf(pol, sizeof(pol),
		 "search_path: [\"%s\"]\nrules:\n" R("shell_exec", "command", "ls *", "allow")
			 R("shell_exec", "command", "busybox ls *", "allow")
				 R("shell_exec", "command", "busybox *", "allow")
					 R("shell_exec", "command", "cat *", "allow")
						 R("shell_exec", "command", "ls -l", "deny"),
		 dir);
	assert_int_equal(lint(pol, out, sizeof(out)), 1);
	snprintf(want, sizeof(want),
		 ":3:5: warning: rule 0 ('ls *') allows %s/busybox whatever argv[0] says", dir);
	assert_non_null(strstr(out, want));
	assert_non_null(strstr(out, ":4:5: warning: rule 1 ('busybox ls *') allows "));
	/* Every applet, as written; another program; a deny. */
	assert_null(strstr(out, "rule 2 ('busybox *') allows"));
	assert_null(strstr(out, "rule 3 ('cat *') allows"));
	assert_null(strstr(out, "rule 4 ('ls -l') allows"));
	snprintf(pol, sizeof(pol), "rm -rf '%s'", dir);
	assert_int_equal(system(pol), 0);
}

static void test_errors(void **state)
{
	char out[4096];

	assert_int_equal(
		lint("rules:\n  - {action: file_read, decision: allow}\n", out, sizeof(out)), 2);
	assert_int_equal(lint("rules:\n" R("file_read", "path", "/a", "allow")
				      R("file_read", "path", "/[z-a]", "allow"),
			      out, sizeof(out)),
			 2);
}

static void test_shipped(void **state)
{
	static const char *const files[] = {
		"policies/openai-agent-sandbox.yaml", "policies/docker-sandbox.yaml",
		"policies/include/ld-so.yaml",	      "policies/include/python3.yaml",
		"policies/include/node.yaml",
	};
	char *argv[3] = { "lint", NULL, NULL };
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		argv[1] = (char *)files[i];
		if (cmd_lint(2, argv))
			fail_msg("%s is not lint-clean", files[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean),
		cmocka_unit_test(test_shadowed_by_one),
		cmocka_unit_test(test_shadowed_by_union),
		cmocka_unit_test(test_catch_all),
		cmocka_unit_test(test_wide_allow),
		cmocka_unit_test(test_host_bits),
		cmocka_unit_test(test_proc_self),
		cmocka_unit_test(test_host_link),
		cmocka_unit_test(test_multicall),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_shipped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
