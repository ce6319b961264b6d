// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* path_walk (util/path_walk.c): every link met on the way, in order, then the file; the kernel's errors. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>
#include "util/path_walk.h"

static char root[256]; /* mkdtemp's, resolved */

/*
 * What the walk called back with, a line each: "L entry" (a link on the way), "LL" (the
 * last link), "D" (a directory left by ..) or "F" (the file).
 */
struct calls {
	char buf[4096];
	int stop_at, n;
};

static int record(void *ctx, const char *entry, bool link, bool last)
{
	struct calls *c = ctx;
	size_t len = strlen(c->buf);

	snprintf(c->buf + len, sizeof(c->buf) - len, "%s %s\n",
		 link ? (last ? "LL" : "L") : (last ? "F" : "D"), entry);
	return ++c->n == c->stop_at ? 7 : 0;
}

static void at(char *out, const char *sub)
{
	snprintf(out, PATH_MAX, "%s%s", root, sub);
}

static int setup(void **state)
{
	char tmp[] = "/tmp/ag-path-walk-XXXXXX", p[PATH_MAX], t[PATH_MAX];
	FILE *f;

	if (!mkdtemp(tmp) || !realpath(tmp, p) || strlen(p) >= sizeof(root))
		return -1;
	strcpy(root, p);
	at(p, "/a");
	if (mkdir(p, 0755))
		return -1;
	at(p, "/b");
	if (mkdir(p, 0755))
		return -1;
	at(p, "/a/f");
	f = fopen(p, "w");
	if (!f)
		return -1;
	fclose(f);
	at(p, "/l1");
	if (symlink("a", p))
		return -1;
	at(p, "/l2");
	at(t, "/l1/f");
	if (symlink(t, p))
		return -1;
	at(p, "/b/rel");
	if (symlink("../a/f", p))
		return -1;
	at(p, "/loop");
	return symlink("loop", p);
}

static int teardown(void **state)
{
	char cmd[sizeof(root) + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) ? -1 : 0;
}

/* Walks root/sub and compares the calls with want, where @ stands for root. */
static void walk_is(const char *sub, int ret, const char *want)
{
	struct calls c = { .stop_at = -1 };
	char path[PATH_MAX], expect[4096] = "";
	const char *w;
	size_t len;

	at(path, sub);
	assert_int_equal(path_walk(path, record, &c), ret);
	for (w = want; *w; w++) {
		len = strlen(expect);
		if (*w == '@')
			snprintf(expect + len, sizeof(expect) - len, "%s", root);
		else
			snprintf(expect + len, sizeof(expect) - len, "%c", *w);
	}
	assert_string_equal(c.buf, expect);
}

static void test_no_link(void **state)
{
	walk_is("/a/f", 0, "F @/a/f\n");
	walk_is("//a/./f", 0, "F @/a/f\n");
	walk_is("/b/../a/f", 0, "D @/b\nF @/a/f\n");
}

static void test_link_on_the_way(void **state)
{
	walk_is("/l1/f", 0, "L @/l1\nF @/a/f\n");
}

static void test_links_to_links(void **state)
{
	/* l2 is what the path names; through it, l1 is on the way. */
	walk_is("/l2", 0, "LL @/l2\nL @/l1\nF @/a/f\n");
	walk_is("/b/rel", 0, "LL @/b/rel\nD @/b\nF @/a/f\n");
}

static void test_dotdot_after_a_link(void **state)
{
	/* The kernel resolves l1 first: l1/.. is root, not root/l1's parent by name. */
	walk_is("/l1/../a/f", 0, "L @/l1\nD @/a\nF @/a/f\n");
}

static void test_relative(void **state)
{
	struct calls c = { .stop_at = -1 };
	char cwd[PATH_MAX], want[2 * sizeof(root) + 16];

	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(root), 0);
	assert_int_equal(path_walk("l1/f", record, &c), 0);
	assert_int_equal(chdir(cwd), 0);
	snprintf(want, sizeof(want), "L %s/l1\nF %s/a/f\n", root, root);
	assert_string_equal(c.buf, want);
}

static void test_root(void **state)
{
	struct calls c = { .stop_at = -1 };

	assert_int_equal(path_walk("/", record, &c), 0);
	assert_string_equal(c.buf, "F /\n");
}

static void test_errors(void **state)
{
	struct calls c = { .stop_at = -1 };
	char big[PATH_MAX + 8];

	at(big, "/loop");
	assert_int_equal(path_walk(big, record, &c), -ELOOP);
	assert_int_equal(c.n, 40); /* each link met is named, up to the kernel's limit */
	c.n = 0;
	walk_is("/missing", -ENOENT, "");
	walk_is("/a/f/x", -ENOTDIR, "");
	walk_is("/a/f/..", -ENOTDIR, "");
	assert_int_equal(path_walk("", record, &c), -ENOENT);
	memset(big, 'x', sizeof(big) - 1);
	big[0] = '/';
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(path_walk(big, record, &c), -ENAMETOOLONG);
	assert_int_equal(c.n, 0);
}

static void test_callback_stops(void **state)
{
	struct calls c = { .stop_at = 1 };
	char path[PATH_MAX];

	at(path, "/l2");
	assert_int_equal(path_walk(path, record, &c), 7);
	assert_int_equal(c.n, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_link),
		cmocka_unit_test(test_link_on_the_way),
		cmocka_unit_test(test_links_to_links),
		cmocka_unit_test(test_dotdot_after_a_link),
		cmocka_unit_test(test_relative),
		cmocka_unit_test(test_root),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_callback_stops),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
