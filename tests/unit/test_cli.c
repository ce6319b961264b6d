// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The commands as a person runs them: what they print on a terminal, their
 * exit statuses, and errors that say what is wrong.
 */
#include "audit_test.h"
#include "cli_test.h"
#include "file_test.h"

struct fixture {
	struct tdir d; /* d.log: a closed log of 3 decisions */
	char policy[128];
	char out[8192], err[4096];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct audit_config c;

	tdir_make(&f->d);
	c = tcfg(&f->d);
	write_log(&c, 3);
	snprintf(f->policy, sizeof(f->policy), "%s/p.yaml", f->d.root);
	put_file(f->policy, "version: \"1.0\"\n"
			    "default: deny\n"
			    "rules:\n"
			    "  - action: file_read\n"
			    "    path: \"/srv/**\"\n"
			    "    decision: allow\n"
			    "    reason: \"ok\\e[2J\"\n");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	tdir_remove(&f->d);
	free(f);
	return 0;
}

static int run(struct fixture *f, int (*cmd)(int, char **), char **argv, const char *stdout_to)
{
	return cli_run(cmd, argv, stdout_to, f->out, sizeof(f->out), f->err, sizeof(f->err));
}

/* check's table on a terminal: the request's bytes and the reason shown, never raw. */
static void test_check_table(void **state)
{
	struct fixture *f = *state;
	char *argv[] = { "check",     f->policy, "--action",
			 "file_read", "--path",	 "/srv/\x1b[31mx\r\x7f",
			 NULL };

	assert_int_equal(run(f, cmd_check, argv, CLI_TTY), 0);
	assert_non_null(strstr(f->out, "DECISION"));
	assert_null(strchr(f->out, '\x1b'));
	assert_null(strchr(f->out, '\r'));
	assert_non_null(strstr(f->out, "ok\\x1b[2J"));
	assert_non_null(strstr(f->out, "/srv/\\x1b[31mx\\x0d\\x7f"));
}

/* One file named twice is the operator's typo: usage (2), naming it, never "duplicated". */
static void test_verify_same_file(void **state)
{
	struct fixture *f = *state;
	char *argv[] = { "audit", "verify", f->d.log, f->d.log, NULL };

	assert_int_equal(run(f, cmd_audit, argv, NULL), 2);
	assert_non_null(strstr(f->err, "usage: the same file as"));
	assert_null(strstr(f->err, "duplicated"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_check_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_verify_same_file, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
