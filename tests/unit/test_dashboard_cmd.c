// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * `agentgate dashboard`'s start: a start it refuses (no log, --port with --unix) writes no
 * token file, and --port with --unix is a usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "cli/cli.h"

struct fixture {
	char dir[64], log[128], token[128], sock[128];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	strcpy(f->dir, "/tmp/ag-dashcmd-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->log, sizeof(f->log), "%s/missing.log", f->dir);
	snprintf(f->token, sizeof(f->token), "%s/run/dashboard.token", f->dir);
	snprintf(f->sock, sizeof(f->sock), "%s/dashboard.sock", f->dir);
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

static int dashboard(char **argv)
{
	int argc = 0;

	while (argv[argc])
		argc++;
	optind = 0; /* getopt starts over, as in a new process */
	return cmd_dashboard(argc, argv);
}

static void test_missing_log_no_token(void **state)
{
	struct fixture *f = *state;
	char *tcp[] = { "dashboard", "--audit-log", f->log, "--token-file",
			f->token,    "--port",	    "0",    NULL };
	char *un[] = { "dashboard", "--audit-log", f->log,  "--token-file",
		       f->token,    "--unix",	   f->sock, NULL };

	assert_int_equal(dashboard(tcp), 1);
	assert_int_equal(access(f->token, F_OK), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(dashboard(un), 1);
	assert_int_equal(access(f->token, F_OK), -1);
	assert_int_equal(access(f->sock, F_OK), -1);
}

static void test_port_and_unix(void **state)
{
	struct fixture *f = *state;
	char *both[] = { "dashboard", "--audit-log", f->log,   "--token-file", f->token,
			 "--port",    "0",	     "--unix", f->sock,	       NULL };
	char *rev[] = { "dashboard", "--unix",	    f->sock, "--port",
			"7878",	     "--audit-log", f->log,  NULL };

	assert_int_equal(dashboard(both), 2);
	assert_int_equal(dashboard(rev), 2);
	assert_int_equal(access(f->token, F_OK), -1);
	assert_int_equal(access(f->sock, F_OK), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_missing_log_no_token, setup, teardown),
		cmocka_unit_test_setup_teardown(test_port_and_unix, setup, teardown),
	};

	return cmocka_run_group_tests_name("dashboard_cmd", tests, NULL, NULL);
}
