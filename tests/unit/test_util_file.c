// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * mkdir_new and mkdir -p (util/file.c): the modes it is given, whatever the umask; what exists
 * is kept. file_sync_dir, file_replace.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>
#include "file_test.h"
#include "util/file.h"

static char root[32];
static mode_t old_umask;

static int setup(void **state)
{
	snprintf(root, sizeof(root), "/tmp/ag-util-file-XXXXXX");
	if (!mkdtemp(root))
		return -1;
	old_umask = umask(077);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	umask(old_umask);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) ? -1 : 0;
}

static mode_t mode_of(const char *sub)
{
	char p[256];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", root, sub);
	assert_int_equal(lstat(p, &st), 0);
	return st.st_mode & 07777;
}

static int mk(const char *sub, mode_t parents, mode_t last)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", root, sub);
	return mkdir_p(p, parents, last);
}

/* A 077 umask would make them 0700: agents of other users could not reach the ask socket. */
static void test_modes_despite_umask(void **state)
{
	assert_int_equal(mk("a/b/c", 0755, 0750), 0);
	assert_int_equal(mode_of("a"), 0755);
	assert_int_equal(mode_of("a/b"), 0755);
	assert_int_equal(mode_of("a/b/c"), 0750);
}

static void test_existing_kept(void **state)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/own", root);
	assert_int_equal(mkdir(p, 0700), 0);
	assert_int_equal(mk("own/x", 0755, 0755), 0);
	assert_int_equal(mode_of("own"), 0700);
	assert_int_equal(mode_of("own/x"), 0755);
	assert_int_equal(mk("own", 0755, 0755), 0);
	assert_int_equal(mode_of("own"), 0700);
}

static void test_file_in_the_way(void **state)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/f", root);
	put_file(p, "x");
	assert_int_equal(mk("f/x", 0755, 0755), -ENOTDIR);
	assert_int_equal(mode_of("f"), 0600);
}

/* A link in place of a directory is followed as mkdir -p would, and its target's mode is kept. */
static void test_link_target_kept(void **state)
{
	char p[256], t[256];

	snprintf(t, sizeof(t), "%s/target", root);
	snprintf(p, sizeof(p), "%s/link", root);
	assert_int_equal(mkdir(t, 0700), 0);
	assert_int_equal(symlink(t, p), 0);
	assert_int_equal(mk("link/x", 0755, 0755), 0);
	assert_int_equal(mode_of("target"), 0700);
	assert_int_equal(mode_of("target/x"), 0755);
}

/* exec's cgroup (0755, so that agents of other users read their limits): one of its own or none. */
static void test_new_exclusive(void **state)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/cg", root);
	assert_int_equal(mkdir_new(p, 0755), 0);
	assert_int_equal(mode_of("cg"), 0755);
	assert_int_equal(chmod(p, 0700), 0);
	assert_int_equal(mkdir_new(p, 0755), -EEXIST);
	assert_int_equal(mode_of("cg"), 0700);
	snprintf(p, sizeof(p), "%s/none/cg", root);
	assert_int_equal(mkdir_new(p, 0755), -ENOENT);
}

/* The directory of a path is synced; one that is not there is said. */
static void test_sync_dir(void **state)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/f", root);
	assert_int_equal(file_replace(p, "x\n", 2, 0600), 0);
	assert_int_equal(file_sync_dir(p), 0);
	assert_int_equal(file_sync_dir("/f"), 0);
	assert_int_equal(file_sync_dir("f"), 0);
	snprintf(p, sizeof(p), "%s/none/f", root);
	assert_int_equal(file_sync_dir(p), -ENOENT);
	assert_int_equal(file_replace(p, "x\n", 2, 0600), -ENOENT);
}

/* One file by two names (a link) is the same; two files, or one missing, are not. */
static void test_same(void **state)
{
	char a[256], b[256], l[256];

	snprintf(a, sizeof(a), "%s/a", root);
	snprintf(b, sizeof(b), "%s/b", root);
	snprintf(l, sizeof(l), "%s/l", root);
	assert_int_equal(file_replace(a, "x\n", 2, 0600), 0);
	assert_int_equal(file_replace(b, "x\n", 2, 0600), 0);
	assert_int_equal(symlink(a, l), 0);
	assert_int_equal(file_same(a, l), 1);
	assert_int_equal(file_same(a, b), 0);
	snprintf(b, sizeof(b), "%s/none", root);
	assert_int_equal(file_same(a, b), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_modes_despite_umask, setup, teardown),
		cmocka_unit_test_setup_teardown(test_existing_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_in_the_way, setup, teardown),
		cmocka_unit_test_setup_teardown(test_link_target_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_new_exclusive, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sync_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_same, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
