// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The input builders: what check asks the DFA must be what the kernel asks. */
#include <errno.h>
#include <stdio.h>
#include "compile_test.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path),	cmocka_unit_test(test_path_oversized),
		cmocka_unit_test(test_addr),	cmocka_unit_test(test_domain),
		cmocka_unit_test(test_command),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
