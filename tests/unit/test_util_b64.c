// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Base64 (util/b64.c): RFC 4648's vectors, one spelling per value, decoding in place. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "util/b64.h"

static const char *const vectors[][2] = { { "", "" },
					  { "f", "Zg==" },
					  { "fo", "Zm8=" },
					  { "foo", "Zm9v" },
					  { "foob", "Zm9vYg==" },
					  { "fooba", "Zm9vYmE=" },
					  { "foobar", "Zm9vYmFy" } };

static void test_rfc4648(void **state)
{
	char out[16], back[16];
	size_t i, n;

	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		size_t len = strlen(vectors[i][0]);
		char *end = b64_encode(out, (const unsigned char *)vectors[i][0], len);

		assert_int_equal(end - out, B64_LEN(len));
		assert_memory_equal(out, vectors[i][1], strlen(vectors[i][1]));
		assert_int_equal(b64_decode(vectors[i][1], strlen(vectors[i][1]), back, &n), 0);
		assert_int_equal(n, len);
		assert_memory_equal(back, vectors[i][0], len);
	}
}

/* Every byte value, at every length mod 3, decoded in place as the record parser does. */
static void test_round_trip_in_place(void **state)
{
	unsigned char in[256];
	char buf[B64_LEN(256)];
	size_t len, n, i;

	for (i = 0; i < sizeof(in); i++)
		in[i] = (unsigned char)(255 - i);
	for (len = 253; len <= 256; len++) {
		char *end = b64_encode(buf, in, len);

		assert_int_equal(b64_decode(buf, (size_t)(end - buf), buf, &n), 0);
		assert_int_equal(n, len);
		assert_memory_equal(buf, in, len);
	}
}

/* What another encoder might write but ours never does: refused, so a value has one spelling. */
static void test_strict(void **state)
{
	static const char *const bad[] = {
		"Zg", /* unpadded */
		"Zg=", /* not a multiple of 4 */
		"Zh==", /* unused bits set */
		"Zm9=", /* unused bits set, one pad */
		"Z===", /* three pads */
		"Zg==Zm9v", /* padding before the end */
		"Zm9v\n", /* whitespace */
		"Zm 9", /* whitespace inside */
		"Zm-_", /* the URL alphabet */
		"Zg=a", /* data after a pad */
	};
	char out[16];
	size_t i, n;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(b64_decode(bad[i], strlen(bad[i]), out, &n), -EBADMSG);
	/* A NUL inside is no digit either. */
	assert_int_equal(b64_decode("Zm\0v", 4, out, &n), -EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc4648),
		cmocka_unit_test(test_round_trip_in_place),
		cmocka_unit_test(test_strict),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
