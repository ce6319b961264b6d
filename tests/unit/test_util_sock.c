// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * sock_listen_unix (util/sock.c): only a socket nobody listens on is replaced, with the
 * mode asked for; another process binding in the same directory is waited for.
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
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <cmocka.h>
#include "util/sock.h"

static char root[64], path[128];
static int stale_calls;

static int setup(void **state)
{
	snprintf(root, sizeof(root), "/tmp/ag-util-sock-XXXXXX");
	if (!mkdtemp(root))
		return -1;
	snprintf(path, sizeof(path), "%s/s", root);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) ? -1 : 0;
}

static void count_stale(void *ctx, const char *p)
{
	assert_string_equal(p, path);
	stale_calls++;
}

/* A unix socket of type bound at path; listening when listens. Its fd. */
static int bound(int type, int listens)
{
	struct sockaddr_un sa;
	int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_int_equal(sock_unix_addr(path, &sa), 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	if (listens)
		assert_int_equal(listen(fd, 1), 0);
	return fd;
}

static int connects(void)
{
	struct sockaddr_un sa;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), ok;

	assert_int_equal(sock_unix_addr(path, &sa), 0);
	ok = !connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	return ok;
}

static void test_new_with_mode(void **state)
{
	struct stat sb;
	int fd;

	unlink(path);
	fd = sock_listen_unix(path, 0666, SOCK_NONBLOCK, 4, NULL, NULL);
	assert_true(fd >= 0);
	assert_int_equal(lstat(path, &sb), 0);
	assert_true(S_ISSOCK(sb.st_mode));
	assert_int_equal(sb.st_mode & 0777, 0666);
	assert_true(connects());
	assert_true(fcntl(fd, F_GETFL) & O_NONBLOCK);
	close(fd);
	unlink(path);
	fd = sock_listen_unix(path, 0600, 0, 4, NULL, NULL);
	assert_int_equal(lstat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	close(fd);
	unlink(path);
}

static void test_other_things_kept(void **state)
{
	struct stat sb;
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs("precious", f);
	fclose(f);
	assert_int_equal(sock_listen_unix(path, 0600, 0, 4, count_stale, NULL), -EEXIST);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_size, 8);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(sock_listen_unix(path, 0600, 0, 4, count_stale, NULL), -EEXIST);
	assert_int_equal(rmdir(path), 0);
	assert_int_equal(symlink("/etc/passwd", path), 0);
	assert_int_equal(sock_listen_unix(path, 0600, 0, 4, count_stale, NULL), -EEXIST);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(stale_calls, 0);
}

static void test_stale_replaced(void **state)
{
	int fd;

	stale_calls = 0;
	close(bound(SOCK_STREAM, 1)); /* the socket file outlives its process */
	assert_false(connects());
	fd = sock_listen_unix(path, 0600, 0, 4, count_stale, NULL);
	assert_true(fd >= 0);
	assert_int_equal(stale_calls, 1);
	assert_true(connects());
	close(fd);
	unlink(path);
}

static void test_live_kept(void **state)
{
	int fd = bound(SOCK_STREAM, 1);

	stale_calls = 0;
	assert_int_equal(sock_listen_unix(path, 0600, 0, 4, count_stale, NULL), -EADDRINUSE);
	assert_true(connects()); /* still the first one's */
	close(fd);
	unlink(path);
	fd = bound(SOCK_DGRAM, 0); /* another program's datagram socket */
	assert_int_equal(sock_listen_unix(path, 0600, 0, 4, count_stale, NULL), -EADDRINUSE);
	assert_int_equal(stale_calls, 0);
	close(fd);
	unlink(path);
}

/*
 * Another process holds the directory's lock with its socket bound but not yet
 * listening (connections refused: it looks stale); this call waits for it and
 * then finds it live.
 */
static void test_waits_for_a_binder(void **state)
{
	int sync[2], dfd, fd, status;
	pid_t pid;
	char c;

	assert_int_equal(pipe(sync), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		dfd = open(root, O_RDONLY | O_DIRECTORY);
		if (dfd < 0 || flock(dfd, LOCK_EX))
			_exit(1);
		fd = bound(SOCK_STREAM, 0);
		if (write(sync[1], "b", 1) != 1)
			_exit(1);
		usleep(300 * 1000);
		if (listen(fd, 4))
			_exit(1);
		close(dfd);
		if (read(sync[0], &c, 1) != 1) /* until the parent is done */
			_exit(1);
		_exit(0);
	}
	assert_int_equal(read(sync[0], &c, 1), 1);
	assert_int_equal(sock_listen_unix(path, 0600, 0, 4, NULL, NULL), -EADDRINUSE);
	assert_true(connects());
	assert_int_equal(write(sync[1], "d", 1), 1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	unlink(path);
}

static void test_words(void **state)
{
	assert_string_equal(sock_strerror(-EEXIST), "exists and is not a socket");
	assert_string_equal(sock_strerror(-EADDRINUSE), "another process listens on it");
	assert_string_equal(sock_strerror(-EACCES), strerror(EACCES));
}

/* What a service manager's notify socket bound at addr (len bytes) receives from sock_notify. */
static void notified(const struct sockaddr_un *sa, socklen_t len, const char *env)
{
	char buf[64];
	ssize_t n;
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (const struct sockaddr *)sa, len), 0);
	setenv("NOTIFY_SOCKET", env, 1);
	assert_int_equal(sock_notify("READY=1"), 0);
	n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	assert_int_equal(n, 7);
	buf[n] = '\0';
	assert_string_equal(buf, "READY=1");
	close(fd);
}

static void test_notify(void **state)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char abstract[64];
	int len;

	unsetenv("NOTIFY_SOCKET");
	assert_int_equal(sock_notify("READY=1"), 0); /* no manager asked: nothing to tell */
	setenv("NOTIFY_SOCKET", "relative", 1);
	assert_int_equal(sock_notify("READY=1"), -EINVAL);
	assert_true(strlen(path) < sizeof(sa.sun_path));
	memcpy(sa.sun_path, path, strlen(path) + 1);
	notified(&sa, sizeof(sa), path);
	unlink(path);
	setenv("NOTIFY_SOCKET", path, 1);
	assert_int_equal(sock_notify("READY=1"), -ENOENT); /* the manager's socket is gone */
	len = snprintf(abstract, sizeof(abstract), "@ag-test-notify-%d", (int)getpid());
	memset(sa.sun_path, 0, sizeof(sa.sun_path));
	memcpy(sa.sun_path + 1, abstract + 1, (size_t)len - 1);
	notified(&sa, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len), abstract);
	unsetenv("NOTIFY_SOCKET");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_with_mode),
		cmocka_unit_test(test_other_things_kept),
		cmocka_unit_test(test_stale_replaced),
		cmocka_unit_test(test_live_kept),
		cmocka_unit_test(test_waits_for_a_binder),
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_notify),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
