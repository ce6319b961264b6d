// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* sock_unlink_stale (util/sock.c): only a socket nobody listens on is removed before a bind. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <cmocka.h>
#include "util/sock.h"

static char root[64], path[128];

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

static void test_nothing_there(void **state)
{
	unlink(path);
	assert_int_equal(sock_unlink_stale(path), 0);
}

static void test_file_kept(void **state)
{
	struct stat sb;
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs("precious", f);
	fclose(f);
	assert_int_equal(sock_unlink_stale(path), -EEXIST);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_size, 8);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(sock_unlink_stale(path), -EEXIST);
	assert_int_equal(rmdir(path), 0);
	assert_int_equal(symlink("/etc/passwd", path), 0);
	assert_int_equal(sock_unlink_stale(path), -EEXIST);
	assert_int_equal(unlink(path), 0);
}

static void test_stale_removed(void **state)
{
	struct stat sb;

	close(bound(SOCK_STREAM, 1)); /* the socket file outlives its process */
	assert_int_equal(sock_stale(path), 1);
	assert_int_equal(sock_unlink_stale(path), 0);
	assert_int_equal(lstat(path, &sb), -1);
	assert_int_equal(errno, ENOENT);
}

static void test_live_kept(void **state)
{
	struct stat sb;
	int fd = bound(SOCK_STREAM, 1);

	assert_int_equal(sock_unlink_stale(path), -EADDRINUSE);
	assert_int_equal(lstat(path, &sb), 0);
	close(fd);
	unlink(path);
	fd = bound(SOCK_DGRAM, 0); /* another program's datagram socket */
	assert_int_equal(sock_unlink_stale(path), -EADDRINUSE);
	assert_int_equal(lstat(path, &sb), 0);
	close(fd);
	unlink(path);
}

static void test_words(void **state)
{
	assert_string_equal(sock_strerror(-EEXIST), "exists and is not a socket");
	assert_string_equal(sock_strerror(-EADDRINUSE), "another process listens on it");
	assert_string_equal(sock_strerror(-EACCES), strerror(EACCES));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nothing_there), cmocka_unit_test(test_file_kept),
		cmocka_unit_test(test_stale_removed), cmocka_unit_test(test_live_kept),
		cmocka_unit_test(test_words),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
