// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The control socket's transport: permissions, peer uid, one JSON line each way, bad input. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <cmocka.h>
#include "daemon/control.h"

struct fixture {
	char dir[64];
	char path[128];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	strcpy(f->dir, "/tmp/ag-control-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/sub/control.sock", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char sub[128];

	unlink(f->path);
	snprintf(sub, sizeof(sub), "%s/sub", f->dir);
	rmdir(sub);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void test_listen_mode(void **state)
{
	struct fixture *f = *state;
	struct stat sb;
	char sub[128];
	int fd, fd2;

	assert_int_equal(control_listen(f->path, &fd), 0);
	assert_int_equal(stat(f->path, &sb), 0);
	assert_true(S_ISSOCK(sb.st_mode));
	assert_int_equal(sb.st_mode & 0777, 0600);
	snprintf(sub, sizeof(sub), "%s/sub", f->dir);
	assert_int_equal(stat(sub, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
	/* Another daemon's live socket is kept; a stale one (daemon killed) is replaced. */
	assert_int_equal(control_listen(f->path, &fd2), -EADDRINUSE);
	close(fd);
	assert_int_equal(control_listen(f->path, &fd2), 0);
	close(fd2);
	/* Anything else is never removed. */
	unlink(f->path);
	close(open(f->path, O_CREAT | O_WRONLY, 0600));
	assert_int_equal(control_listen(f->path, &fd), -EEXIST);
	unlink(f->path);
}

/* A child answers one request the way the daemon does: peer uid, then echo the command. */
static void test_roundtrip(void **state)
{
	struct fixture *f = *state;
	json_t *req, *resp = NULL, *got = NULL;
	const char *cmd = NULL;
	char msg[256];
	int lfd, cfd, status;
	uid_t uid;
	pid_t pid;

	assert_int_equal(control_listen(f->path, &lfd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		fd_set rs;

		FD_ZERO(&rs);
		FD_SET(lfd, &rs);
		select(lfd + 1, &rs, NULL, NULL, NULL);
		cfd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
		if (cfd < 0 || control_peer_uid(cfd, &uid) || uid != getuid())
			_exit(1);
		if (control_recv(cfd, 2000, CONTROL_MAX_LINE, &got, msg, sizeof(msg)))
			_exit(2);
		resp = json_pack("{s:b, s:O}", "ok", 1, "echo", json_object_get(got, "cmd"));
		_exit(control_send(cfd, resp) ? 3 : 0);
	}
	req = json_pack("{s:s}", "cmd", "status");
	assert_int_equal(control_call(f->path, req, &resp, msg, sizeof(msg)), 0);
	assert_int_equal(json_unpack(resp, "{s:s}", "echo", &cmd), 0);
	assert_string_equal(cmd, "status");
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(WEXITSTATUS(status), 0);
	json_decref(req);
	json_decref(resp);
	close(lfd);
}

static void test_recv_bad(void **state)
{
	json_t *o = NULL;
	char msg[256];
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(write(sv[1], "[1,2]\n", 6), 6);
	assert_int_equal(control_recv(sv[0], 1000, CONTROL_MAX_LINE, &o, msg, sizeof(msg)), -EPROTO);
	assert_string_equal(msg, "not a JSON object");
	assert_int_equal(write(sv[1], "{oops\n", 6), 6);
	assert_int_equal(control_recv(sv[0], 1000, CONTROL_MAX_LINE, &o, msg, sizeof(msg)), -EPROTO);
	assert_memory_equal(msg, "not JSON", 8);
	/* No newline and no EOF: the server gives up instead of hanging. */
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	assert_int_equal(write(sv[1], "{", 1), 1);
	assert_int_equal(control_recv(sv[0], 100, CONTROL_MAX_LINE, &o, msg, sizeof(msg)), -ETIMEDOUT);
	/* EOF ends a request without a newline. */
	assert_int_equal(write(sv[1], "\"a\":1}", 6), 6);
	shutdown(sv[1], SHUT_WR);
	close(sv[0]);
	close(sv[1]);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(write(sv[1], "{\"a\":1}", 7), 7);
	shutdown(sv[1], SHUT_WR);
	assert_int_equal(control_recv(sv[0], 1000, CONTROL_MAX_LINE, &o, msg, sizeof(msg)), 0);
	assert_int_equal(json_integer_value(json_object_get(o, "a")), 1);
	json_decref(o);
	assert_int_equal(control_recv(sv[0], 1000, CONTROL_MAX_LINE, &o, msg, sizeof(msg)), -ENODATA);
	close(sv[0]);
	close(sv[1]);
}

static void test_recv_too_long(void **state)
{
	char *big, msg[256];
	json_t *o = NULL;
	int sv[2];
	pid_t pid;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	pid = fork();
	if (pid == 0) {
		big = malloc(CONTROL_MAX_LINE + 10);
		memset(big, ' ', CONTROL_MAX_LINE + 10);
		close(sv[0]);
		(void)!write(sv[1], big, CONTROL_MAX_LINE + 10);
		_exit(0);
	}
	close(sv[1]);
	assert_int_equal(control_recv(sv[0], 2000, CONTROL_MAX_LINE, &o, msg, sizeof(msg)), -EMSGSIZE);
	close(sv[0]);
	waitpid(pid, NULL, 0);
}

static void test_call_no_daemon(void **state)
{
	struct fixture *f = *state;
	json_t *req = json_pack("{s:s}", "cmd", "status"), *resp = NULL;
	char msg[256];

	assert_int_equal(control_call(f->path, req, &resp, msg, sizeof(msg)), -ENOENT);
	assert_non_null(strstr(msg, "is `agentgate daemon` running?"));
	json_decref(req);
}

static void test_error(void **state)
{
	json_t *e = control_error("bad %s %d", "thing", 3);
	const char *s = NULL;
	int ok = 1;

	assert_int_equal(json_unpack(e, "{s:b, s:s}", "ok", &ok, "error", &s), 0);
	assert_int_equal(ok, 0);
	assert_string_equal(s, "bad thing 3");
	json_decref(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_listen_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
		cmocka_unit_test(test_recv_bad),
		cmocka_unit_test(test_recv_too_long),
		cmocka_unit_test_setup_teardown(test_call_no_daemon, setup, teardown),
		cmocka_unit_test(test_error),
	};

	return cmocka_run_group_tests_name("control_proto", tests, NULL, NULL);
}
