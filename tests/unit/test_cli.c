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

/* cmd(argv) exits with status, and its stderr holds text. */
static void expect(struct fixture *f, int (*cmd)(int, char **), char **argv, int status,
		   const char *text)
{
	assert_int_equal(run(f, cmd, argv, NULL), status);
	if (!strstr(f->err, text))
		fail_msg("expected '%s' in stderr: %s", text, f->err);
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

	expect(f, cmd_audit, argv, 2, "usage: the same file as");
	assert_null(strstr(f->err, "duplicated"));
}

/* Lines that are not records are left out of tail's output, and said at the end. */
static void test_tail_not_records(void **state)
{
	struct fixture *f = *state;
	char *argv[] = { "audit", "tail", f->d.log, NULL }, want[256];
	FILE *log = fopen(f->d.log, "a");

	assert_non_null(log);
	fputs("garbage\n{\"seq\":121,\"type\":\"decision\",\"path\":\"/etc/shadow\"}\n{\"seq\":9",
	      log);
	assert_int_equal(fclose(log), 0);
	assert_int_equal(run(f, cmd_audit, argv, NULL), 0);
	assert_non_null(strstr(f->out, "\"type\":\"seal\""));
	assert_null(strstr(f->out, "garbage"));
	snprintf(want, sizeof(want),
		 "tail: %s:8: not a complete record; 3 lines left out (agentgate audit verify",
		 f->d.log);
	if (!strstr(f->err, want))
		fail_msg("stderr: %s", f->err);
}

/* --live: a stream that ends is said, status 1; a path that is no socket is said so. */
static void test_tail_live(void **state)
{
	struct fixture *f = *state;
	char sock[128], line[2048], *argv[] = { "audit", "tail", "--live", sock, NULL };
	char *both[] = { "audit", "tail", "--live", sock, f->d.log, NULL };
	char *none[] = { "audit", "tail", "--json", NULL };
	struct audit_stream *s;
	struct cli_child c;
	struct tlines t;
	int err, i;

	tl_read(f->d.log, &t);
	snprintf(sock, sizeof(sock), "%s/stream.sock", f->d.root);
	s = audit_stream_open(sock, 0, &err);
	assert_non_null(s);
	cli_start(&c, cmd_audit, argv, NULL);
	for (i = 0; i < 5000 && !audit_stream_subscribers(s); i++) {
		audit_stream_handle(s);
		usleep(1000);
	}
	assert_int_equal(audit_stream_subscribers(s), 1);
	snprintf(line, sizeof(line), "%s\n", t.l[0]);
	audit_stream_publish(s, line, strlen(line));
	audit_stream_handle(s);
	audit_stream_close(s);
	assert_int_equal(cli_wait(&c, f->out, sizeof(f->out), f->err, sizeof(f->err)), 1);
	assert_string_equal(f->out, line);
	assert_non_null(strstr(f->err, "the stream ended (the daemon stopped or closed it)"));
	tl_free(&t);
	argv[3] = f->d.log;
	expect(f, cmd_audit, argv, 1, ": not a socket (--live takes the daemon's stream socket");
	expect(f, cmd_audit, both, 2, "--live SOCKET reads the daemon's stream, not a FILE too");
	expect(f, cmd_audit, none, 2, "no FILE (or --live SOCKET) to read");
}

/* Waits (at most 5 s) for the file at path to reach size bytes; whether it did. */
static bool wait_size(const char *path, off_t size)
{
	struct stat st;
	int i;

	for (i = 0; i < 500; i++) {
		if (!stat(path, &st) && st.st_size >= size)
			return true;
		usleep(10000);
	}
	return false;
}

/*
 * tail -f of a log truncated in place (copytruncate): said on stderr, and what the writer
 * appends then is shown from the start of the file, not lost before the old read position.
 */
static void test_tail_truncated(void **state)
{
	struct fixture *f = *state;
	char *argv[] = { "audit", "tail", "-f", "--json", f->d.log, NULL };
	struct cli_child c;
	struct tlines t;
	struct stat st;
	char line[2048];
	int status;

	tl_read(f->d.log, &t);
	assert_int_equal(stat(f->d.log, &st), 0);
	snprintf(line, sizeof(line), "%s\n", t.l[0]);
	cli_start(&c, cmd_audit, argv, NULL);
	/* tail -f runs until killed: killed whatever happened. */
	if (wait_size(c.out, st.st_size) && !truncate(f->d.log, 0)) {
		put_file(f->d.log, line);
		wait_size(c.out, st.st_size + (off_t)strlen(line));
	}
	kill(c.pid, SIGKILL);
	assert_int_equal(waitpid(c.pid, &status, 0), c.pid);
	cli_slurp(c.out, -1, f->out, sizeof(f->out));
	cli_slurp(c.err, -1, f->err, sizeof(f->err));
	unlink(c.out);
	unlink(c.err);
	assert_int_equal(strlen(f->out), st.st_size + strlen(line));
	assert_string_equal(f->out + st.st_size, line);
	if (!strstr(f->err, "was truncated in place (copytruncate?): reading it again from its"))
		fail_msg("stderr: %s", f->err);
	tl_free(&t);
}

/* Errors that say what is wrong, not only the usage text or an errno's words. */
static void test_errors_say_why(void **state)
{
	struct fixture *f = *state;
	char pub[160], req[160], want[256], *root = f->d.root;
	char *check_dir[] = { "check", f->policy, root, NULL };
	char *check_nul[] = { "check", f->policy, req, NULL };
	char *lint_stdin[] = { "lint", "-", NULL };
	char *ca[] = { "audit", "forward", "--log", f->d.log, "--to", "127.0.0.1:1", "--ca", pub,
		       NULL };
	char *verify[] = { "audit", "verify", "--pubkey", pub, f->d.log, NULL };
	char *dash[] = { "dashboard", "--audit-log", root, "--port", "0", NULL };
	char *exec_twice[] = { "exec", "--policy", f->policy, "--policy", f->policy, "--", "true",
			       NULL };
	char *export_twice[] = { "audit", "export", "--format", "csv", "--format", "jsonl",
				 f->d.log, NULL };
	char *learn_twice[] = { "learn", "--audit-log", f->d.log, "--agent", "/a", "--agent", "/b",
				NULL };

	snprintf(want, sizeof(want), "check: %s: Is a directory", root);
	expect(f, cmd_check, check_dir, 2, want);
	snprintf(req, sizeof(req), "%s/req.jsonl", root);
	put_file(req, "{\"action\":\"file_read\",\"path\":\"/srv/a\\u0000b\"}\n");
	expect(f, cmd_check, check_nul, 1, "a NUL byte (\\u0000) is not allowed in a request");
	expect(f, cmd_lint, lint_stdin, 2, "'-': lint reads a POLICY file, not standard input");
	snprintf(pub, sizeof(pub), "%s/audit.pub", f->d.keys);
	expect(f, cmd_audit, ca, 2, "forward: --ca goes with --tls");
	/* A key file with spaces before the key. */
	snprintf(pub, sizeof(pub), "%s/spaced.pub", root);
	put_file(pub, "  0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n");
	expect(f, cmd_audit, verify, 2, ": not a key file: its first line must be the 64 hex");
	expect(f, cmd_dashboard, dash, 1, ": not a regular file (a directory?)");
	/* Refused before anything is loaded: no root or BPF-LSM needed to say so. */
	expect(f, cmd_exec, exec_twice, 2, "agentgate: exec: --policy given twice");
	expect(f, cmd_learn, learn_twice, 2, "agentgate: learn: --agent given twice");
	expect(f, cmd_audit, export_twice, 2, "agentgate: audit: --format given twice");
}

/* A single-value option given twice is a usage error (2), named, before anything is done. */
static void test_option_twice(void **state)
{
	struct fixture *f = *state;
	char *fwd[] = { "audit", "forward", "--log", f->d.log, "--to", "h:1", "--to", "h:2", NULL };
	char *dash[] = { "dashboard", "--audit-log", f->d.log, "--port", "0", "--port", "1", NULL };
	char *assign[] = { "assign", "--mode", "enforce", "--mode", "simulate", "/a", "p", NULL };
	char *unassign[] = { "unassign", "--socket", "/a", "--socket", "/b", "/a", NULL };
	char *daemon[] = { "daemon", "--config", "/a", "-c", "/b", "--check", NULL };

	expect(f, cmd_audit, fwd, 2, "agentgate: audit: --to given twice");
	expect(f, cmd_dashboard, dash, 2, "agentgate: dashboard: --port given twice");
	expect(f, cmd_assign, assign, 2, "agentgate: assign: --mode given twice");
	expect(f, cmd_unassign, unassign, 2, "agentgate: unassign: --socket given twice");
	expect(f, cmd_daemon, daemon, 2, "agentgate: daemon: --config given twice");
}

/* Arguments that do not fit: a line saying what is wrong comes before the usage. */
static void test_usage_says_why(void **state)
{
	struct fixture *f = *state;
	char *check[] = { "check", f->policy, "--action", "file_read", "--path", "/a", "x", NULL };
	char *learn[] = { "learn", "--audit-log", "L", "--agent", "/a", "--container", "c", NULL };
	char *exec[] = { "exec", "--policy", f->policy, NULL };

	expect(f, cmd_check, check, 2,
	       "agentgate: check: 'x': --action judges the request its options give, not a "
	       "FILE of requests too\nusage: ");
	expect(f, cmd_learn, learn, 2,
	       "agentgate: learn: --agent and --container are alternatives\nusage: ");
	expect(f, cmd_exec, exec, 2,
	       "agentgate: exec: no command to run (give it after --)\nusage: ");
}

/* daemon --check names a policy it cannot find by a clean path, not "././nope.yaml". */
static void test_daemon_check_path(void **state)
{
	struct fixture *f = *state;
	char *argv[] = { "daemon", "--config", "daemon.yaml", "--check", NULL };
	char cwd[PATH_MAX];

	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(f->d.root), 0);
	put_file("daemon.yaml", "containers:\n  policies_dir: .\n  default_policy: nope\n");
	expect(f, cmd_daemon, argv, 2,
	       "agentgate: daemon: containers.default_policy: ./nope.yaml: No such file");
	assert_int_equal(chdir(cwd), 0);
}

/* One log named twice is the operator's typo, as verify and export take it: usage (2). */
static void test_learn_same_log(void **state)
{
	struct fixture *f = *state;
	char *argv[] = { "learn", "--audit-log", f->d.log, "--audit-log", f->d.log, NULL };
	char want[512];

	snprintf(want, sizeof(want), "learn: %s: the same file as %s, given twice", f->d.log,
		 f->d.log);
	expect(f, cmd_learn, argv, 2, want);
}

/* verify's counts read as English: "1 seal", "1 record", never "1 seals". */
static void test_verify_counts(void **state)
{
	struct fixture *f = *state;
	char *argv[] = { "audit", "verify", f->d.log, NULL };
	struct tlines t;

	assert_int_equal(run(f, cmd_audit, argv, NULL), 0);
	if (!strstr(f->out, " standing for 3 decisions, 1 seal verified, 0 events lost in gaps, "
			    "0 torn tails recovered\n"))
		fail_msg("stdout: %s", f->out);
	/* The first decision gone: only the genesis before it verified. */
	tl_read(f->d.log, &t);
	tl_remove(&t, 1);
	tl_write(f->d.log, &t, NULL);
	tl_free(&t);
	expect(f, cmd_audit, argv, AUDIT_MISSING,
	       "audit: 1 record before it verified (seq 0..0), 0 seals\n");
}

/* An intact verdict that never reached stdout is no verdict: 2 (nothing verified), said. */
static void test_verify_report_lost(void **state)
{
	struct fixture *f = *state;
	char *argv[] = { "audit", "verify", f->d.log, NULL };

	assert_int_equal(run(f, cmd_audit, argv, NULL), 0);
	assert_non_null(strstr(f->out, "intact: "));
	assert_int_equal(run(f, cmd_audit, argv, "/dev/full"), 2);
	assert_non_null(strstr(f->err, "agentgate: standard output: No space left on device"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_check_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_verify_same_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tail_not_records, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tail_live, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tail_truncated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors_say_why, setup, teardown),
		cmocka_unit_test_setup_teardown(test_option_twice, setup, teardown),
		cmocka_unit_test_setup_teardown(test_usage_says_why, setup, teardown),
		cmocka_unit_test_setup_teardown(test_learn_same_log, setup, teardown),
		cmocka_unit_test_setup_teardown(test_daemon_check_path, setup, teardown),
		cmocka_unit_test_setup_teardown(test_verify_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_verify_report_lost, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
