// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Canonical form: golden bytes and hashes, lossless byte strings, the strict parser. */
#include "audit_test.h"

static const char zero_hex[] = "0000000000000000000000000000000000000000000000000000000000000000";

static char *format(const struct audit_record *r)
{
	struct abuf b = { 0 };

	audit_rec_format(r, &b);
	abuf_put(&b, "", 1);
	assert_false(b.oom);
	return b.p;
}

static void test_golden_bytes(void **state)
{
	struct audit_record r = { 0 };
	uint8_t prev[32] = { 0 }, h[32];
	struct audit_hasher *hs = audit_hasher_new();
	char *s, hex[65];

	audit_rec_u64(&r, "seq", 0);
	audit_rec_cstr(&r, "type", "lifecycle");
	audit_rec_cstr(&r, "time", "2024-05-06T07:08:09.123456789Z");
	audit_rec_cstr(&r, "host", "h\"q");
	audit_rec_cstr(&r, "boot_id", "b");
	audit_rec_cstr(&r, "what", "x");
	audit_rec_str(&r, "detail", "\x01", 1);
	audit_rec_cstr(&r, "prev", zero_hex);
	s = format(&r);
	assert_string_equal(s, "{\"seq\":0,\"type\":\"lifecycle\",\"time\":\"2024-05-06T07:08:09."
			       "123456789Z\",\"host\":\"h\\\"q\",\"boot_id\":\"b\",\"what\":\"x\","
			       "\"detail\":\"\\u0001\",\"prev\":\"0000000000000000000000000000000000"
			       "000000000000000000000000000000\"}");
	/* Computed independently: sha256(32 zero bytes || the line above), Python hashlib. */
	assert_int_equal(audit_chain_hash(hs, prev, s, strlen(s), h), 0);
	audit_hex(h, 32, hex);
	assert_string_equal(hex, "16fefcf1ee05d7c5afa5985a3dca88531cf3fb420bdc1830aa3e7398781b1686");
	free(s);
	audit_hasher_free(hs);
}

static void test_escapes_and_bytes(void **state)
{
	struct audit_record r = { 0 }, p;
	struct abuf b = { 0 };
	const char *why;
	char *s;
	uint8_t h[32] = { 0xab };

	audit_rec_u64(&r, "n", 18446744073709551615ull);
	audit_rec_cstr(&r, "utf8", "caf\xc3\xa9 / \\ \x7f\t");
	audit_rec_str(&r, "path", "/tmp/\xff\xfe", 7); /* not UTF-8 */
	audit_rec_str(&r, "nul", "a\0b", 3);
	audit_rec_str(&r, "overlong", "\xc0\xaf", 2); /* overlong '/': invalid */
	audit_rec_str(&r, "surrogate", "\xed\xa0\x80", 3);
	s = format(&r);
	assert_string_equal(s, "{\"n\":18446744073709551615,\"utf8\":\"caf\xc3\xa9 / \\\\ "
			       "\\u007f\\u0009\",\"path_b64\":\"L3RtcC///g==\",\"nul\":\"a\\u0000b\","
			       "\"overlong_b64\":\"wK8=\",\"surrogate_b64\":\"7aCA\"}");
	/* Round trip: parse gives back the exact bytes, and the line is canonical. */
	audit_rec_format(&r, &b);
	audit_line_finish(&b, 0, h);
	assert_int_equal(audit_rec_parse(b.p, b.len - 1, &p, &why), 0);
	assert_int_equal(p.n, 6);
	assert_string_equal(p.f[2].key, "path");
	assert_int_equal(p.f[2].len, 7);
	assert_memory_equal(p.f[2].s, "/tmp/\xff\xfe", 7);
	assert_memory_equal(p.f[3].s, "a\0b", 3);
	assert_int_equal(p.f[0].u, 18446744073709551615ull);
	assert_memory_equal(p.hash, h, 32);
	assert_true(audit_rec_canonical(&p, b.p, b.len - 1));
	audit_rec_free(&p);
	abuf_free(&b);
	free(s);
}

static void test_parser_strict(void **state)
{
	static const char *const bad[] = {
		"",
		"{}",
		"{\"seq\":1}",
		"{\"seq\":01,\"hash\":\"" "0000000000000000000000000000000000000000000000000000000000000000\"}",
		"{\"seq\":18446744073709551616,\"hash\":\"0000000000000000000000000000000000000000000000000000000000000000\"}",
		"{\"seq\":-1,\"hash\":\"0000000000000000000000000000000000000000000000000000000000000000\"}",
		"{\"a\":\"\\ud800\",\"hash\":\"0000000000000000000000000000000000000000000000000000000000000000\"}",
		"{\"a_b64\":\"abc\",\"hash\":\"0000000000000000000000000000000000000000000000000000000000000000\"}",
		"{\"a\":\"x\",\"hash\":\"0000\"}",
		"{\"a\":\"x\",\"hash\":\"0000000000000000000000000000000000000000000000000000000000000000\"} ",
		"{\"a\":\"x\n\",\"hash\":\"0000000000000000000000000000000000000000000000000000000000000000\"}",
		"{\"hash\":\"0000000000000000000000000000000000000000000000000000000000000000\",}",
	};
	/* Valid JSON, but not how the writer spells it: parses, is not canonical. */
	static const char *const noncanon[] = {
		"{\"a\":\"\\n\",\"hash\":\"0000000000000000000000000000000000000000000000000000000000000000\"}",
		"{\"a\":\"\\/\",\"hash\":\"0000000000000000000000000000000000000000000000000000000000000000\"}",
		"{\"a\":\"\\u0041\",\"hash\":\"0000000000000000000000000000000000000000000000000000000000000000\"}",
		"{\"a_b64\":\"QQ==\",\"hash\":\"0000000000000000000000000000000000000000000000000000000000000000\"}",
	};
	struct audit_record r;
	const char *why;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(audit_rec_parse(bad[i], strlen(bad[i]), &r, &why), -EBADMSG);
		assert_non_null(why);
	}
	for (i = 0; i < sizeof(noncanon) / sizeof(noncanon[0]); i++) {
		assert_int_equal(audit_rec_parse(noncanon[i], strlen(noncanon[i]), &r, &why), 0);
		assert_false(audit_rec_canonical(&r, noncanon[i], strlen(noncanon[i])));
		audit_rec_free(&r);
	}
}

static void test_decision_fields(void **state)
{
	struct tdir d;
	struct audit_config c;
	struct audit_writer *w;
	struct ag_event ev = tevent(1, "/etc/\xffshadow");
	struct tlines t;
	struct audit_record r;
	const char *why;
	char buf[128];
	uint64_t u;
	int err;

	tdir_make(&d);
	c = tcfg(&d);
	w = audit_writer_open(&c, &err);
	assert_non_null(w);
	ev.flags = AG_EV_TRUNCATED;
	ev.mode = AG_MODE_SIMULATE;
	assert_int_equal(audit_append_decision(w, &ev, sizeof(ev), tctx()), 0);
	ev = tevent(2, "");
	ev.action = AG_CLASS_NET_ADDR;
	ev.addr[10] = ev.addr[11] = 0xff;
	ev.addr[12] = 10, ev.addr[15] = 7;
	ev.port = 443;
	ev.rule = AG_RULE_OVERSIZED;
	assert_int_equal(audit_append_decision(w, &ev, AG_EVENT_HDR_SIZE, tctx()), 0);
	ev.subject_len = 10;
	assert_int_equal(audit_append_decision(w, &ev, AG_EVENT_HDR_SIZE + 9, tctx()), -EINVAL);
	assert_int_equal(audit_writer_close(w), 0);
	tl_read(d.log, &t);
	assert_int_equal(t.n, 4); /* genesis, two decisions, seal */
	assert_int_equal(audit_rec_parse(t.l[1], strlen(t.l[1]), &r, &why), 0);
	assert_null(audit_rec_schema_error(&r));
	assert_true(audit_rec_is(&r, "decision"));
	assert_string_equal(audit_rec_cstr_get(&r, "time", buf, sizeof(buf)) + 30, "");
	assert_string_equal(audit_rec_cstr_get(&r, "host", buf, sizeof(buf)), "testhost");
	assert_string_equal(audit_rec_cstr_get(&r, "agent", buf, sizeof(buf)),
			    "/agentgate/agent-1");
	assert_string_equal(audit_rec_cstr_get(&r, "exe", buf, sizeof(buf)), "/usr/bin/python3");
	assert_string_equal(audit_rec_cstr_get(&r, "comm", buf, sizeof(buf)), "python3");
	assert_string_equal(audit_rec_cstr_get(&r, "action", buf, sizeof(buf)), "file_read");
	assert_string_equal(audit_rec_cstr_get(&r, "path", buf, sizeof(buf)), "/etc/\xffshadow");
	assert_non_null(strstr(t.l[1], "\"path_b64\":"));
	assert_string_equal(audit_rec_cstr_get(&r, "decision", buf, sizeof(buf)), "ALLOW");
	assert_string_equal(audit_rec_cstr_get(&r, "mode", buf, sizeof(buf)), "simulate");
	assert_string_equal(audit_rec_cstr_get(&r, "flags", buf, sizeof(buf)), "truncated");
	assert_string_equal(audit_rec_cstr_get(&r, "reason", buf, sizeof(buf)), "no secrets");
	assert_string_equal(audit_rec_cstr_get(&r, "policy", buf, sizeof(buf)), "coding-agent");
	assert_true(audit_rec_u64_get(&r, "rule", &u) && u == 3);
	assert_true(audit_rec_u64_get(&r, "pid", &u) && u == 101);
	assert_true(audit_rec_u64_get(&r, "cgroup_id", &u) && u == 4242);
	audit_rec_free(&r);
	assert_int_equal(audit_rec_parse(t.l[2], strlen(t.l[2]), &r, &why), 0);
	assert_null(audit_rec_schema_error(&r));
	assert_string_equal(audit_rec_cstr_get(&r, "action", buf, sizeof(buf)), "network");
	assert_string_equal(audit_rec_cstr_get(&r, "ip", buf, sizeof(buf)), "10.0.0.7");
	assert_true(audit_rec_u64_get(&r, "port", &u) && u == 443);
	assert_string_equal(audit_rec_cstr_get(&r, "rule", buf, sizeof(buf)), "oversized");
	assert_string_equal(audit_rec_cstr_get(&r, "decision", buf, sizeof(buf)), "DENY");
	audit_rec_free(&r);
	tl_free(&t);
	tdir_remove(&d);
}

static void test_time(void **state)
{
	char out[32];

	audit_time_format(0, out);
	assert_string_equal(out, "1970-01-01T00:00:00.000000000Z");
	audit_time_format(1715000000123456789ll, out);
	assert_string_equal(out, "2024-05-06T12:53:20.123456789Z");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden_bytes),	cmocka_unit_test(test_escapes_and_bytes),
		cmocka_unit_test(test_parser_strict),	cmocka_unit_test(test_decision_fields),
		cmocka_unit_test(test_time),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
