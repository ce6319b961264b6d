// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The input builders: what check asks the DFA must be what the kernel asks. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/stat.h>
#include "compile_test.h"
#include "file_test.h"

static void path_is(const char *in, const char *want)
{
	char out[AG_MAX_INPUT + 1];
	int n = subject_path(in, out, sizeof(out));

	if (n < 0)
		fail_msg("subject_path('%s') = %d", in, n);
	assert_string_equal(out, want);
	assert_int_equal(n, strlen(want));
}

static void test_path(void **state)
{
	char small[4];

	path_is("/a/./b//c/../d", "/a/b/d");
	path_is("/", "/");
	path_is("//", "/");
	path_is("/..", "/");
	path_is("/../../etc/passwd", "/etc/passwd");
	path_is("/a/b/", "/a/b");
	path_is("/a/.../b", "/a/.../b");
	path_is("/a/..b/.c", "/a/..b/.c");
	path_is("/a/b/../../..", "/");
	/* No symlink resolution: lexical only. */
	path_is("/proc/self/../1", "/proc/1");
	assert_int_equal(subject_path("a/b", small, sizeof(small)), -EINVAL);
	assert_int_equal(subject_path("", small, sizeof(small)), -EINVAL);
	assert_int_equal(subject_path("/abcdef", small, sizeof(small)), -ENAMETOOLONG);
	assert_int_equal(subject_path("/abc", small, sizeof(small)), -ENAMETOOLONG);
	assert_int_equal(subject_path("/ab", small, sizeof(small)), 3);
}

static void test_path_oversized(void **state)
{
	char *in = malloc(AG_MAX_INPUT + 2), out[64];

	assert_non_null(in);
	memset(in, 'a', AG_MAX_INPUT + 1);
	in[0] = '/';
	in[AG_MAX_INPUT + 1] = '\0';
	assert_int_equal(subject_path(in, out, sizeof(out)), -ENAMETOOLONG);
	free(in);
}

static void test_addr(void **state)
{
	uint8_t a[AG_NET_ADDR_LEN];
	static const uint8_t v4[AG_NET_ADDR_LEN] = { 0, 0,    0,    0,	 0, 0, 0, 0,	0,
						     0, 0xff, 0xff, 192, 0, 2, 1, 0x01, 0xbb };

	assert_int_equal(subject_addr("192.0.2.1", 443, a), AG_NET_ADDR_LEN);
	assert_memory_equal(a, v4, sizeof(v4));
	assert_int_equal(subject_addr("::ffff:192.0.2.1", 443, a), AG_NET_ADDR_LEN);
	assert_memory_equal(a, v4, sizeof(v4));
	assert_int_equal(subject_addr("2001:db8::1", 0x1234, a), AG_NET_ADDR_LEN);
	assert_int_equal(a[0], 0x20);
	assert_int_equal(a[15], 1);
	assert_int_equal(a[16], 0x12);
	assert_int_equal(a[17], 0x34);
	assert_int_equal(subject_addr("192.0.2", 1, a), -EINVAL);
	assert_int_equal(subject_addr("example.com", 1, a), -EINVAL);
	assert_int_equal(subject_addr(NULL, 1, a), -EINVAL);
}

static void test_domain(void **state)
{
	char out[32];

	assert_int_equal(subject_domain("API.OpenAI.com.", out, sizeof(out)), 14);
	assert_string_equal(out, "api.openai.com");
	assert_int_equal(subject_domain("x", out, sizeof(out)), 1);
	assert_int_equal(subject_domain(".", out, sizeof(out)), -EINVAL);
	assert_int_equal(subject_domain("", out, sizeof(out)), -EINVAL);
	assert_int_equal(subject_domain("abcdefghijklmnopqrstuvwxyz0123456789", out, sizeof(out)),
			 -ENAMETOOLONG);
}

static void test_command(void **state)
{
	char *const sp[] = { "/nonexistent-agentgate-dir", "/bin" };
	char out[256], small[8];

	/* Not found anywhere: the first trusted directory, which rules compile to. */
	assert_true(subject_command("no-such-program-xyz  a   b", sp, 2, out, sizeof(out)) > 0);
	assert_string_equal(out, "/nonexistent-agentgate-dir/no-such-program-xyz a b");
	/* Found: its realpath (on merged-/usr systems /bin/sh is /usr/bin/dash or similar). */
	assert_true(subject_command("sh -c true", sp, 2, out, sizeof(out)) > 0);
	assert_true(out[0] == '/' && strstr(out, " -c true"));
	assert_null(strstr(out, "/nonexistent"));
	/* A path as the first word: normalised when it does not exist. */
	assert_true(subject_command("/opt/x/../y/tool", sp, 2, out, sizeof(out)) > 0);
	assert_string_equal(out, "/opt/y/tool");
	assert_int_equal(subject_command("./no-such-agentgate-tool", sp, 2, out, sizeof(out)),
			 -ENOENT);
	assert_int_equal(subject_command("   ", sp, 2, out, sizeof(out)), -EINVAL);
	assert_int_equal(subject_command("/opt/y/tool with args", sp, 2, small, sizeof(small)),
			 -ENAMETOOLONG);
}

/* dir/rel, with its missing parents: a file of mode (0: a directory), or a link to target. */
static void make(const char *dir, const char *rel, mode_t mode, const char *target)
{
	char path[512], *slash;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	for (slash = path + strlen(dir) + 1; (slash = strchr(slash, '/')); *slash++ = '/') {
		*slash = '\0';
		assert_true(!mkdir(path, 0755) || errno == EEXIST);
	}
	if (target) {
		assert_int_equal(symlink(target, path), 0);
	} else if (!mode) {
		assert_int_equal(mkdir(path, 0755), 0);
	} else {
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);
		assert_true(fd >= 0);
		close(fd);
		assert_int_equal(chmod(path, mode), 0); /* past the umask */
	}
}

/*
 * An asker's question is judged with no lookup on this host: a name found
 * only here (in a search directory that exists only on this host) is still
 * named as in the first directory, as a program found nowhere.
 */
static void test_command_lexical(void **state)
{
	char dir[] = "/tmp/agentgate-subject-XXXXXX", want[128], out[256];
	char *sp[] = { "/nonexistent-agentgate-dir", dir };

	assert_non_null(mkdtemp(dir));
	make(dir, "only-here-tool", 0755, NULL);
	snprintf(want, sizeof(want), "%s/only-here-tool x", dir);
	assert_true(subject_command("only-here-tool x", sp, 2, out, sizeof(out)) > 0);
	assert_string_equal(out, want);
	assert_true(subject_command_in_root("only-here-tool   x", sp, 2, -1, out, sizeof(out)) > 0);
	assert_string_equal(out, "/nonexistent-agentgate-dir/only-here-tool x");
	/* Nor the host's own programs: sh is somewhere on every host. */
	sp[1] = "/bin";
	assert_true(subject_command_in_root("sh -c true", sp, 2, -1, out, sizeof(out)) > 0);
	assert_string_equal(out, "/nonexistent-agentgate-dir/sh -c true");
	/* Paths as written, normalised; relative ones mean nothing here. */
	assert_true(subject_command_in_root("/opt/x/../y/tool", sp, 2, -1, out, sizeof(out)) > 0);
	assert_string_equal(out, "/opt/y/tool");
	assert_int_equal(subject_command_in_root("./tool", sp, 2, -1, out, sizeof(out)), -ENOENT);
	remove_tree(dir);
}

/*
 * A bare name looked up in another root (a temporary directory standing for
 * an agent's container): found in its first search directory that holds an
 * executable by that name, named as written, and every symbolic link stays
 * inside that root, absolute or through "..", even one that would reach a
 * file of the host.
 */
static void test_command_in_root(void **state)
{
	char *const sp[] = { "/usr/local/sbin", "/usr/local/bin", "/usr/bin", "/" };
	char root[] = "/tmp/agentgate-root-XXXXXX", out[256];
	int fd;

	assert_non_null(mkdtemp(root));
	make(root, "usr/bin/tool", 0755, NULL);
	/* Escapes to a program of the host, which this root lacks. */
	assert_int_equal(access("/bin/sh", X_OK), 0);
	make(root, "usr/local/sbin/tool", 0, "/bin/sh");
	make(root, "usr/local/bin/tool", 0, "../../../../../../../../bin/sh");
	/* A link within the root: found, named as written, not as its target. */
	make(root, "usr/local/bin/alias", 0, "/usr/bin/tool");
	/* Passed over, as a shell's PATH search passes them over. */
	make(root, "usr/local/sbin/data", 0644, NULL);
	make(root, "usr/local/bin/data", 0, NULL);
	make(root, "usr/bin/data", 0700, NULL);
	make(root, "top", 0755, NULL);
	fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_true(subject_command_in_root("tool  a b", sp, 4, fd, out, sizeof(out)) > 0);
	assert_string_equal(out, "/usr/bin/tool a b");
	assert_true(subject_command_in_root("alias", sp, 4, fd, out, sizeof(out)) > 0);
	assert_string_equal(out, "/usr/local/bin/alias");
	assert_true(subject_command_in_root("data", sp, 4, fd, out, sizeof(out)) > 0);
	assert_string_equal(out, "/usr/bin/data");
	/* "/" names "/top", as the kernel does, not "//top". */
	assert_true(subject_command_in_root("top", sp, 4, fd, out, sizeof(out)) > 0);
	assert_string_equal(out, "/top");
	/* Found nowhere in this root, though the host has it: the first directory. */
	assert_true(subject_command_in_root("sh -c x", sp, 4, fd, out, sizeof(out)) > 0);
	assert_string_equal(out, "/usr/local/sbin/sh -c x");
	assert_true(subject_command_in_root("/bin/../bin/sh", sp, 4, fd, out, sizeof(out)) > 0);
	assert_string_equal(out, "/bin/sh");
	assert_int_equal(subject_command_in_root("./tool", sp, 4, fd, out, sizeof(out)), -ENOENT);
	close(fd);
	remove_tree(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path),
		cmocka_unit_test(test_path_oversized),
		cmocka_unit_test(test_addr),
		cmocka_unit_test(test_domain),
		cmocka_unit_test(test_command),
		cmocka_unit_test(test_command_lexical),
		cmocka_unit_test(test_command_in_root),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
