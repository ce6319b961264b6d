// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Walking a cgroup tree (util/cgroup.c), over a directory tree shaped like
 * one: cgroup.threads files and subdirectories, nested deeper than the walk goes.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <cmocka.h>
#include "file_test.h"
#include "util/cgroup.h"

#define DEEP 40 /* deeper than the walk's bound */

struct seen {
	uint64_t v[64];
	int n;
	int stop_at; /* returns 7 at this call (1-based); 0: never */
};

static int see_tid(void *ctx, int tid)
{
	struct seen *s = ctx;

	s->v[s->n++] = (uint64_t)tid;
	return s->stop_at && s->n == s->stop_at ? 7 : 0;
}

static int see_id(void *ctx, uint64_t id)
{
	struct seen *s = ctx;

	s->v[s->n++] = id;
	return s->stop_at && s->n == s->stop_at ? 7 : 0;
}

static int has(const struct seen *s, uint64_t v)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (s->v[i] == v)
			return 1;
	return 0;
}

static uint64_t ino(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_ino;
}

static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* root/{a/{b},c} with threads in root, a and b, and a chain DEEP directories long under c. */
static int setup(void **state)
{
	char *root = strdup("/tmp/agcg.XXXXXX"), path[4096];
	size_t len;
	int i;

	assert_non_null(mkdtemp(root));
	snprintf(path, sizeof(path), "%s/cgroup.threads", root);
	put_file(path, "1\n2\n");
	snprintf(path, sizeof(path), "%s/a", root);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/a/cgroup.threads", root);
	put_file(path, "3\n");
	snprintf(path, sizeof(path), "%s/a/b", root);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/a/b/cgroup.threads", root);
	put_file(path, "4\n5\n");
	len = (size_t)snprintf(path, sizeof(path), "%s/c", root);
	assert_int_equal(mkdir(path, 0755), 0);
	for (i = 0; i < DEEP; i++) {
		len += (size_t)snprintf(path + len, sizeof(path) - len, "/d");
		assert_int_equal(mkdir(path, 0755), 0);
	}
	*state = root;
	return 0;
}

static int teardown(void **state)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", (char *)*state);
	assert_int_equal(system(cmd), 0);
	free(*state);
	return 0;
}

static void test_threads_every_file(void **state)
{
	const char *root = *state;
	struct seen s = { 0 };
	int i;

	assert_int_equal(cgroup_threads(root, see_tid, &s), 0);
	assert_int_equal(s.n, 5);
	for (i = 1; i <= 5; i++)
		assert_true(has(&s, (uint64_t)i));
}

static void test_threads_stop(void **state)
{
	struct seen s = { .stop_at = 2 };

	assert_int_equal(cgroup_threads(*state, see_tid, &s), 7);
	assert_int_equal(s.n, 2);
}

/* Every directory's inode number, which is a cgroup's id on cgroup v2. */
static void test_ids_every_directory(void **state)
{
	const char *root = *state;
	struct seen s = { 0 };
	char a[4096], b[4096];

	snprintf(a, sizeof(a), "%s/a", root);
	snprintf(b, sizeof(b), "%s/a/b", root);
	assert_int_equal(cgroup_ids(a, see_id, &s), 0);
	assert_int_equal(s.n, 2);
	assert_true(has(&s, ino(a)));
	assert_true(has(&s, ino(b)));
}

/* Its callers remove what it does not report: a tree deeper than it walks is an error. */
static void test_ids_too_deep(void **state)
{
	const char *root = *state;
	struct seen s = { 0 };

	assert_int_equal(cgroup_ids(root, see_id, &s), -ELOOP);
}

/*
 * An unreadable directory is an error too, not a cgroup left out. Root reads
 * anything: as root the walk runs in a child that became nobody.
 */
static void test_ids_unreadable(void **state)
{
	const char *root = *state;
	struct seen s = { 0 };
	char a[4096], b[4096];
	int status;
	pid_t pid;

	snprintf(a, sizeof(a), "%s/a", root);
	snprintf(b, sizeof(b), "%s/a/b", root);
	assert_int_equal(chmod(root, 0755), 0);
	assert_int_equal(chmod(b, 0), 0);
	if (geteuid() != 0) {
		assert_int_equal(cgroup_ids(a, see_id, &s), -EACCES);
	} else {
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0)
			_exit(setuid(65534) ? 2 : cgroup_ids(a, see_id, &s) == -EACCES ? 0 : 1);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	assert_int_equal(chmod(b, 0755), 0);
}

static void test_ids_stop(void **state)
{
	struct seen s = { .stop_at = 1 };
	char a[4096];

	snprintf(a, sizeof(a), "%s/a", (char *)*state);
	assert_int_equal(cgroup_ids(a, see_id, &s), 7);
	assert_int_equal(s.n, 1);
}

/* Neither a stop nor the depth bound leaves a directory open. */
static void test_no_fd_left(void **state)
{
	struct seen s = { .stop_at = 2 };
	int before = open_fds();

	cgroup_ids(*state, see_id, &s);
	s = (struct seen){ 0 };
	cgroup_ids(*state, see_id, &s);
	cgroup_threads(*state, see_tid, &s);
	assert_int_equal(open_fds(), before);
}

/* A directory found by its inode number, given by its absolute path. */
static void test_find(void **state)
{
	const char *root = *state;
	char path[4096], want[4096], got[4096];

	snprintf(path, sizeof(path), "%s/a/b", root);
	assert_non_null(realpath(path, want));
	assert_int_equal(cgroup_find(root, ino(path), got, sizeof(got)), 0);
	assert_string_equal(got, want);
	assert_int_equal(cgroup_find(root, ino(root), got, sizeof(got)), 0);
	assert_non_null(realpath(root, want));
	assert_string_equal(got, want);
	/* Outside the tree (the parent of root), or not a directory of it. */
	assert_int_equal(cgroup_find(root, ino("/tmp"), got, sizeof(got)), -ENOENT);
	/* Too long for the buffer: an error, not a cut path. */
	assert_int_equal(cgroup_find(root, ino(path), got, 8), -ENAMETOOLONG);
}

/* A directory's path through its fd; once removed, the kernel's " (deleted)" is no path. */
static void test_fd_path(void **state)
{
	char path[4096], want[4096], got[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/a/b", (char *)*state);
	assert_non_null(realpath(path, want));
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(cgroup_fd_path(fd, got, sizeof(got)), (int)strlen(want));
	assert_string_equal(got, want);
	assert_int_equal(cgroup_fd_path(fd, got, 8), -ENAMETOOLONG);
	snprintf(path, sizeof(path), "%s/a/b/cgroup.threads", (char *)*state);
	assert_int_equal(unlink(path), 0);
	snprintf(path, sizeof(path), "%s/a/b", (char *)*state);
	assert_int_equal(rmdir(path), 0);
	assert_int_equal(cgroup_fd_path(fd, got, sizeof(got)), -ENOENT);
	close(fd);
}

/* Where this machine mounts cgroup2 (a hybrid host: not at CGROUP_ROOT), into dir; 0 or -ENOENT. */
static int cgroup2_mount(char *dir, size_t dirsz)
{
	char line[4096], mnt[4096], type[64];
	FILE *f = fopen("/proc/self/mounts", "r");
	int err = -ENOENT;

	assert_non_null(f);
	while (err && fgets(line, sizeof(line), f))
		if (sscanf(line, "%*s %4095s %63s", mnt, type) == 2 && !strcmp(type, "cgroup2") &&
		    (size_t)snprintf(dir, dirsz, "%s", mnt) < dirsz)
			err = 0;
	fclose(f);
	return err;
}

/*
 * The real cgroup2 mount, when this machine has one and the test may open
 * handles (CAP_DAC_READ_SEARCH): a cgroup made for the test by its id, its
 * path, and once removed, gone; an id no cgroup has.
 */
static void test_open_by_id(void **state)
{
	char mnt[4096], dir[4200], got[4096];
	struct stat st;
	int root, fd;

	if (cgroup2_mount(mnt, sizeof(mnt)))
		skip();
	snprintf(dir, sizeof(dir), "%s/agentgate-unit-%d", mnt, getpid());
	root = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(root >= 0);
	if (mkdir(dir, 0755)) {
		close(root);
		skip(); /* not root */
	}
	assert_int_equal(stat(dir, &st), 0);
	fd = cgroup_open_by_id(root, st.st_ino);
	if (fd == -EPERM) {
		rmdir(dir);
		close(root);
		skip();
	}
	assert_true(fd >= 0);
	assert_int_equal(cgroup_fd_path(fd, got, sizeof(got)), (int)strlen(dir));
	assert_string_equal(got, dir);
	close(fd);
	assert_int_equal(rmdir(dir), 0);
	assert_int_equal(cgroup_open_by_id(root, st.st_ino), -ESTALE);
	assert_int_equal(cgroup_open_by_id(root, (1ull << 62) + 12345), -ESTALE);
	close(root);
}

static void test_missing(void **state)
{
	struct seen s = { 0 };
	char path[4096];

	snprintf(path, sizeof(path), "%s/nope", (char *)*state);
	assert_int_equal(cgroup_ids(path, see_id, &s), -ENOENT);
	assert_int_equal(cgroup_threads(path, see_tid, &s), -ENOENT);
	assert_int_equal(cgroup_find(path, 1, path, sizeof(path)), -ENOENT);
	assert_int_equal(s.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_threads_every_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_threads_stop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ids_every_directory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ids_too_deep, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ids_unreadable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ids_stop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_fd_left, setup, teardown),
		cmocka_unit_test_setup_teardown(test_find, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fd_path, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_by_id, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
