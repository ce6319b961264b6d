// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * What a person sees of agent-chosen bytes: tail --text and csv cells show
 * control characters and bytes that are not UTF-8 as \xHH, and a csv cell
 * never starts a spreadsheet formula.
 */
#include "audit_test.h"

static void shown(const char *s, size_t len, const char *want)
{
	struct abuf b = { 0 };

	audit_display(&b, s, len);
	abuf_put(&b, "", 1);
	assert_false(b.oom);
	assert_string_equal(b.p, want);
	abuf_free(&b);
}

static void test_display(void **state)
{
	shown("/srv/a b.txt", 12, "/srv/a b.txt");
	shown("\x1b[2J\a\r\n\t\x7f", 9, "\\x1b[2J\\x07\\x0d\\x0a\\x09\\x7f");
	/* UTF-8 stays, but C1 controls (CSI is U+009B) are commands to some terminals. */
	shown("caf\xc3\xa9 \xc2\x9b[1m \xc2\xa0", 14, "caf\xc3\xa9 \\xc2\\x9b[1m \xc2\xa0");
	/* Not UTF-8: every byte above 0x7e, the valid sequences too. */
	shown("caf\xc3\xa9 \xff", 7, "caf\\xc3\\xa9 \\xff");
	shown("a\0b", 3, "a\\x00b");
	shown("", 0, "");
	/*
	 * Bidirectional overrides and isolates reorder what follows them on a terminal or
	 * in a spreadsheet that implements bidi: /tmp/U+202E"txt.hsab" reads /tmp/bash.txt.
	 * Zero-width characters hide in a name. Shown as bytes, as controls are.
	 */
	shown("/tmp/\xe2\x80\xaetxt.hsab", 16, "/tmp/\\xe2\\x80\\xaetxt.hsab");
	shown("a\xe2\x81\xa6"
	      "b\xe2\x80\x8b"
	      "c\xe2\x80\x8f",
	      12, "a\\xe2\\x81\\xa6b\\xe2\\x80\\x8bc\\xe2\\x80\\x8f");
	/* Other characters of those blocks stay: an en dash, an ellipsis. */
	shown("\xe2\x80\x93\xe2\x80\xa6", 6, "\xe2\x80\x93\xe2\x80\xa6");
}

/* The log of one decision per path, the last with comm and reason chosen by the agent. */
static void write_hostile(const struct audit_config *c, const char *const *paths, size_t n)
{
	struct audit_context ctx = *tctx();
	struct audit_writer *w;
	struct ag_event ev;
	size_t i;
	int err;

	w = audit_writer_open(c, &err);
	assert_non_null(w);
	for (i = 0; i < n; i++) {
		ev = tevent((unsigned int)i, paths[i]);
		ev.rule = 3;
		ev.decision = AG_DECISION_ALLOW;
		if (i == n - 1) {
			memcpy(ev.comm, "=HYPERLINK(\"x\")", 15);
			ctx.reason = "-2+3\x1b]0;pwned\a";
		}
		assert_int_equal(audit_append_decision(w, &ev, sizeof(ev), &ctx), 0);
	}
	assert_int_equal(audit_writer_close(w), 0);
}

static char *export_csv(const struct tdir *d)
{
	char *paths[] = { (char *)d->log }, *buf = NULL;
	struct audit_skip skip;
	const char *failed;
	size_t len;
	FILE *fp = open_memstream(&buf, &len);

	assert_non_null(fp);
	assert_int_equal(audit_export(paths, 1, "csv", fp, &failed, &skip), 0);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(skip.n, 0);
	return buf;
}

static void test_csv_cells(void **state)
{
	static const char *const paths[] = { "/tmp/\x1b[31mred\a\r\x7f", "/tmp/\xff\xfe,x",
					     "@SUM(A1)", "/tmp/\"q\"" };
	struct audit_config c;
	struct tdir d;
	char *csv, *p;

	tdir_make(&d);
	c = tcfg(&d);
	write_hostile(&c, paths, 4);
	csv = export_csv(&d);
	/* No byte below 0x20 but the row ends, no DEL, no byte a UTF-8 reader would refuse. */
	for (p = csv; *p; p++)
		assert_true(*p == '\n' || ((unsigned char)*p >= 0x20 && *p != 0x7f));
	assert_true(audit_utf8_valid(csv, strlen(csv)));
	assert_non_null(strstr(csv, ",/tmp/\\x1b[31mred\\x07\\x0d\\x7f,"));
	assert_non_null(strstr(csv, ",\"/tmp/\\xff\\xfe,x\","));
	/* Formula-leading cells are text: quoted, after a '. */
	assert_non_null(strstr(csv, ",\"'@SUM(A1)\","));
	assert_non_null(strstr(csv, ",\"'=HYPERLINK(\"\"x\"\")\","));
	assert_non_null(strstr(csv, ",\"'-2+3\\x1b]0;pwned\\x07\","));
	assert_non_null(strstr(csv, ",\"/tmp/\"\"q\"\"\","));
	free(csv);
	tdir_remove(&d);
}

/* tail's aligned lines: the object, comm and reason as shown, never raw. */
static void test_tail_text(void **state)
{
	static const char *const paths[] = { "/tmp/\x1b[2Jx" };
	struct audit_filter flt = { .decision = "allow" };
	struct audit_config c;
	struct tdir d;
	struct tlines t;
	char *buf = NULL;
	size_t len;
	FILE *fp;
	int i;

	tdir_make(&d);
	c = tcfg(&d);
	write_hostile(&c, paths, 1);
	tl_read(d.log, &t);
	fp = open_memstream(&buf, &len);
	for (i = 0; i < t.n; i++)
		audit_tail_emit(&flt, t.l[i], strlen(t.l[i]), fp);
	assert_int_equal(fclose(fp), 0);
	assert_null(strchr(buf, '\x1b'));
	assert_null(strchr(buf, '\a'));
	assert_non_null(strstr(buf, "/tmp/\\x1b[2Jx"));
	assert_non_null(strstr(buf, "[rule 3: -2+3\\x1b]0;pwned\\x07]"));
	free(buf);
	tl_free(&t);
	tdir_remove(&d);
}

/*
 * Lines tail prints without verifying them (a collector's file takes lines from any host):
 * no member reaches the terminal raw, even those the writer fills with plain words.
 */
static void test_tail_text_forged(void **state)
{
#define H ",\"hash\":\"0000000000000000000000000000000000000000000000000000000000000000\"}"
#define E "\\u001b]0;x\\u0007"
	static const char *const lines[] = {
		"{\"seq\":1,\"type\":\"decision\",\"time\":\"" E "\",\"agent\":\"/a\",\"pid\":1,"
		"\"comm\":\"c\",\"action\":\"" E "\",\"ip\":\"" E "\",\"port\":1,\"count\":2,"
		"\"first\":\"" E "\",\"decision\":\"" E "\",\"rule\":\"" E "\"" H,
		"{\"seq\":2,\"type\":\"lifecycle\",\"time\":\"t\",\"what\":\"" E "\"" H,
		"{\"seq\":3,\"type\":\"seal\",\"time\":\"t\",\"reason\":\"" E "\"" H,
		"{\"seq\":4,\"type\":\"ask\",\"time\":\"t\",\"action\":\"" E "\",\"decision\":\"" E
		"\"" H,
		"{\"seq\":5,\"type\":\"" E "\",\"time\":\"t\"" H,
	};
#undef H
#undef E
	struct audit_filter flt = { 0 };
	char *buf = NULL;
	size_t len, i;
	FILE *fp = open_memstream(&buf, &len);

	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		assert_int_equal(audit_tail_emit(&flt, lines[i], strlen(lines[i]), fp), 1);
	assert_int_equal(fclose(fp), 0);
	assert_null(strchr(buf, '\x1b'));
	assert_null(strchr(buf, '\a'));
	assert_non_null(strstr(buf, "\\x1b]0;x\\x07"));
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_display),
		cmocka_unit_test(test_csv_cells),
		cmocka_unit_test(test_tail_text),
		cmocka_unit_test(test_tail_text_forged),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
