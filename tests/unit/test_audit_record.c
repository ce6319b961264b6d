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
	assert_string_equal(s,
			    "{\"seq\":0,\"type\":\"lifecycle\",\"time\":\"2024-05-06T07:08:09."
			    "123456789Z\",\"host\":\"h\\\"q\",\"boot_id\":\"b\",\"what\":\"x\","
			    "\"detail\":\"\\u0001\",\"prev\":\"0000000000000000000000000000000000"
			    "000000000000000000000000000000\"}");
	/* Computed independently: sha256(32 zero bytes || the line above), Python hashlib. */
	assert_int_equal(audit_chain_hash(hs, prev, s, strlen(s), h), 0);
	audit_hex(h, 32, hex);
	assert_string_equal(hex,
			    "16fefcf1ee05d7c5afa5985a3dca88531cf3fb420bdc1830aa3e7398781b1686");
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
	assert_string_equal(s,
			    "{\"n\":18446744073709551615,\"utf8\":\"caf\xc3\xa9 / \\\\ "
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
		"{\"seq\":01,\"hash\":\""
		"0000000000000000000000000000000000000000000000000000000000000000\"}",
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

/* A count of folded decisions: "count" and "first" after "flags"; the rest as its record's. */
static void test_folded_fields(void **state)
{
	struct tdir d;
	struct audit_config c;
	struct audit_writer *w;
	struct ag_event ev = tevent(1, "/srv/data/a.csv");
	struct tlines t;
	struct audit_record r;
	const char *why, *f, *p;
	char buf[64], first[64];
	uint64_t u;
	int err;

	(void)state;
	tdir_make(&d);
	c = tcfg(&d);
	w = audit_writer_open(&c, &err);
	assert_non_null(w);
	ev.fold = 7;
	assert_int_equal(audit_append_decision(w, &ev, sizeof(ev), tctx()), 0);
	ev.flags = AG_EV_REPEAT | AG_EV_TRUNCATED;
	ev.count = 41;
	ev.first_ns = ev.ts_boot_ns + 1000;
	ev.ts_boot_ns += 5000000;
	assert_int_equal(audit_append_decision(w, &ev, sizeof(ev), tctx()), 0);
	assert_int_equal(audit_writer_close(w), 0);
	tl_read(d.log, &t);
	assert_int_equal(t.n, 4);
	assert_null(strstr(t.l[1], "\"count\""));
	assert_int_equal(audit_rec_parse(t.l[2], strlen(t.l[2]), &r, &why), 0);
	assert_null(audit_rec_schema_error(&r));
	assert_true(audit_rec_u64_get(&r, "count", &u) && u == 41);
	assert_string_equal(audit_rec_cstr_get(&r, "flags", buf, sizeof(buf)), "truncated");
	assert_string_equal(audit_rec_cstr_get(&r, "path", buf, sizeof(buf)), "/srv/data/a.csv");
	audit_rec_cstr_get(&r, "first", first, sizeof(first));
	audit_rec_cstr_get(&r, "time", buf, sizeof(buf));
	/* Same clock mapping: first is 4.999 ms before time. */
	assert_int_equal(strlen(first), strlen(buf));
	assert_true(strcmp(first, buf) < 0);
	f = strstr(t.l[2], "\"flags\"");
	p = strstr(t.l[2], "\"count\"");
	assert_true(f && p && f < p && p < strstr(t.l[2], "\"first\"") &&
		    strstr(t.l[2], "\"first\"") < strstr(t.l[2], "\"decision\":"));
	audit_rec_free(&r);
	tl_free(&t);
	tdir_remove(&d);
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

/*
 * Reference serialisation, byte by byte from docs/audit.md ("Canonical form"):
 * the writer's formatter scans and copies 8 bytes at a time and must agree
 * with it on every byte, wherever a special byte falls in a word.
 */
static bool ref_utf8(const unsigned char *s, size_t n)
{
	size_t i = 0, k, j;
	uint32_t cp;

	while (i < n) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if ((s[i] & 0xe0) == 0xc0)
			k = 1, cp = s[i] & 0x1f;
		else if ((s[i] & 0xf0) == 0xe0)
			k = 2, cp = s[i] & 0x0f;
		else if ((s[i] & 0xf8) == 0xf0)
			k = 3, cp = s[i] & 0x07;
		else
			return false;
		if (n - i <= k)
			return false;
		for (j = 1; j <= k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + j] & 0x3f);
		}
		if ((k == 1 && cp < 0x80) || (k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += k + 1;
	}
	return true;
}

static void ref_string(struct abuf *b, const unsigned char *s, size_t n)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				  "abcdefghijklmnopqrstuvwxyz0123456789+/";
	char esc[8];
	size_t i;

	abuf_put(b, "\"", 1);
	if (!ref_utf8(s, n)) {
		for (i = 0; i < n; i += 3) {
			uint32_t v = (uint32_t)s[i] << 16 | (i + 1 < n ? s[i + 1] << 8 : 0) |
				     (i + 2 < n ? s[i + 2] : 0);
			char q[4] = { b64[v >> 18], b64[(v >> 12) & 63],
				      i + 1 < n ? b64[(v >> 6) & 63] : '=',
				      i + 2 < n ? b64[v & 63] : '=' };

			abuf_put(b, q, 4);
		}
	} else {
		for (i = 0; i < n; i++) {
			if (s[i] == '"' || s[i] == '\\') {
				esc[0] = '\\';
				esc[1] = (char)s[i];
				abuf_put(b, esc, 2);
			} else if (s[i] < 0x20 || s[i] == 0x7f) {
				snprintf(esc, sizeof(esc), "\\u%04x", s[i]);
				abuf_put(b, esc, 6);
			} else {
				abuf_put(b, s + i, 1);
			}
		}
	}
	abuf_put(b, "\"", 1);
}

static void ref_format(const struct audit_record *r, struct abuf *b)
{
	char num[24];
	size_t i;

	abuf_put(b, "{", 1);
	for (i = 0; i < r->n; i++) {
		const struct audit_field *f = &r->f[i];
		bool b64 = f->kind == AUDIT_STR && !ref_utf8((const unsigned char *)f->s, f->len);

		abuf_put(b, i ? ",\"" : "\"", i ? 2 : 1);
		abuf_put(b, f->key, strlen(f->key));
		abuf_put(b, b64 ? "_b64\":" : "\":", b64 ? 6 : 2);
		if (f->kind == AUDIT_U64) {
			snprintf(num, sizeof(num), "%llu", (unsigned long long)f->u);
			abuf_put(b, num, strlen(num));
		} else {
			ref_string(b, (const unsigned char *)f->s, f->len);
		}
	}
	abuf_put(b, "}", 1);
}

/* s as the middle member of a record, formatted both ways after some earlier bytes. */
static void check_string(const char *s, size_t n, uint64_t u)
{
	struct audit_record r = { 0 };
	struct abuf got = { 0 }, want = { 0 };

	audit_rec_u64(&r, "seq", u);
	audit_rec_str(&r, "path", s, n);
	audit_rec_cstr(&r, "prev", "x");
	abuf_put(&got, "earlier", 7);
	audit_rec_format(&r, &got);
	ref_format(&r, &want);
	assert_false(got.oom || want.oom);
	assert_int_equal(got.len - 7, want.len);
	assert_memory_equal(got.p + 7, want.p, want.len);
	abuf_free(&got);
	abuf_free(&want);
}

static uint64_t xorshift(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static void test_format_reference(void **state)
{
	static const char *const seqs[] = {
		"\xc3\xa9",
		"\xe2\x82\xac",
		"\xf0\x9f\x98\x80",
		"\xf4\x8f\xbf\xbf", /* valid */
		"\xed\xa0\x80",
		"\xc0\xaf",
		"\xf4\x90\x80\x80",
		"\xe0\x80\x80", /* not */
		"\xe2\x82",
		"\xc2",
		"\x80",
		"\xff",
	};
	static char buf[5000];
	uint64_t x = 0x9e3779b97f4a7c15ull, u;
	size_t len, pos, k, n;
	unsigned int c;

	/* Every byte value at every place of strings up to five words long. */
	for (len = 1; len <= 40; len++)
		for (pos = 0; pos < len; pos++)
			for (c = 0; c < 256; c++) {
				memset(buf, 'a', len);
				buf[pos] = (char)c;
				check_string(buf, len, len);
			}
	/* Multi-byte sequences, valid and not, across word boundaries. */
	for (k = 0; k < sizeof(seqs) / sizeof(seqs[0]); k++)
		for (len = strlen(seqs[k]); len <= 24; len++)
			for (pos = 0; pos + strlen(seqs[k]) <= len; pos++) {
				memset(buf, '/', len);
				memcpy(buf + pos, seqs[k], strlen(seqs[k]));
				check_string(buf, len, pos);
			}
	/* Random strings: raw bytes, or printable text with a random byte in every eight or so. */
	for (k = 0; k < 20000; k++) {
		n = xorshift(&x) % 700;
		for (pos = 0; pos < n; pos++) {
			uint64_t r = xorshift(&x);

			buf[pos] = (char)(k % 2 ? r : r % 8 ? 0x20 + r % 95 : (r >> 8) % 0x100);
		}
		check_string(buf, n, xorshift(&x) >> (k % 64));
	}
	/* A long path, then the same with one byte that is not UTF-8 near its end. */
	for (pos = 0; pos < sizeof(buf); pos++)
		buf[pos] = "/home/dev/project/src/"[pos % 22];
	check_string(buf, sizeof(buf), 0);
	buf[sizeof(buf) - 3] = (char)0xfe;
	check_string(buf, sizeof(buf), UINT64_MAX);
	for (u = 1; u && u <= UINT64_MAX / 10; u *= 10) {
		check_string("", 0, u - 1);
		check_string("", 0, u);
	}
}

static void test_time(void **state)
{
	char out[32];

	audit_time_format(0, out);
	assert_string_equal(out, "1970-01-01T00:00:00.000000000Z");
	audit_time_format(1715000000123456789ll, out);
	assert_string_equal(out, "2024-05-06T12:53:20.123456789Z");
}

/*
 * docs/audit.md's table of members in order is the format a third-party verifier
 * checks records against: it must be the one the writer and `verify` use.
 */
static void test_docs_table(void **state)
{
	char line[1024], want[1024], got[1024], *type, *members, *m, *save;
	const char *spec;
	int rows = 0;
	size_t i;
	FILE *f = fopen("docs/audit.md", "r");

	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "| `", 3) || !strstr(line, "| seq, "))
			continue;
		type = line + 3;
		*strchr(type, '`') = '\0';
		members = strstr(type + strlen(type) + 1, "| ") + 2;
		members[strcspn(members, "|\n") - 1] = '\0';
		want[0] = got[0] = '\0';
		for (m = strtok_r(members, ", ", &save); m; m = strtok_r(NULL, ", ", &save))
			snprintf(want + strlen(want), sizeof(want) - strlen(want), "%s ", m);
		for (i = 0; (spec = audit_rec_schema_member(type, i)); i++)
			snprintf(got + strlen(got), sizeof(got) - strlen(got), "%.*s%s ",
				 (int)strcspn(spec, " "), spec, strchr(spec, '?') ? "?" : "");
		assert_string_equal(want, got);
		rows++;
	}
	fclose(f);
	assert_int_equal(rows, 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden_bytes),  cmocka_unit_test(test_escapes_and_bytes),
		cmocka_unit_test(test_parser_strict), cmocka_unit_test(test_decision_fields),
		cmocka_unit_test(test_folded_fields),
		cmocka_unit_test(test_time),	      cmocka_unit_test(test_format_reference),
		cmocka_unit_test(test_docs_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
