// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* network rules: domain globs (NET_DOMAIN) and cidr/ports (NET_ADDR), first match by file order. */
#include <errno.h>
#include <stdio.h>
#include "compile_test.h"

#define N AG_ACTION_NETWORK
#define AD AG_CLASS_NET_ADDR
#define DO AG_CLASS_NET_DOMAIN

/* Verdict rule for ip:port on the NET_ADDR DFA, -1 for the default. */
static int addr_rule(struct tpol *t, const char *ip, uint16_t port)
{
	uint8_t in[AG_NET_ADDR_LEN];
	struct ag_verdict v;

	assert_int_equal(subject_addr(ip, port, in), AG_NET_ADDR_LEN);
	v = image_match(&t->img, AD, in, sizeof(in));
	return v.rule == AG_RULE_DEFAULT ? -1 : v.rule;
}

static int dom_rule(struct tpol *t, const char *name)
{
	char d[256];
	struct ag_verdict v;

	assert_true(subject_domain(name, d, sizeof(d)) > 0);
	v = tp_match(t, DO, d);
	return v.rule == AG_RULE_DEFAULT ? -1 : v.rule;
}

static struct ag_rule *cidr(struct tpol *t, const char *c, int allow)
{
	struct ag_rule *r = tp_rule(t, N, NULL, allow);

	r->cidr = (char *)c;
	return r;
}

static void test_domains(void **state)
{
	struct tpol t = { 0 };

	tp_init(&t, 0);
	tp_rule(&t, N, "hooks.slack.com", 1);
	tp_rule(&t, N, "*.Example.com.", 1);
	tp_rule(&t, N, "api.openai.com", 1);
	tp_rule(&t, N, "*", 0);
	tp_compile_ok(&t);
	assert_int_equal(dom_rule(&t, "hooks.slack.com"), 0);
	assert_int_equal(dom_rule(&t, "HOOKS.Slack.com."), 0);
	assert_int_equal(dom_rule(&t, "a.example.com"), 1);
	assert_int_equal(dom_rule(&t, "a.b.example.com"), 1);
	assert_int_equal(dom_rule(&t, "example.com"), 3); /* subdomains only */
	assert_int_equal(dom_rule(&t, "badexample.com"), 3);
	assert_int_equal(dom_rule(&t, "pastebin.com"), 3);
	assert_int_equal(tp_match(&t, DO, "pastebin.com").allow, 0);
	/* Without a resolver only "*" reaches NET_ADDR. */
	assert_int_equal(addr_rule(&t, "1.2.3.4", 443), 3);
	assert_int_equal(addr_rule(&t, "::1", 1), 3);
	tp_free(&t);
}

static void test_cidr_v4(void **state)
{
	struct tpol t = { 0 };

	tp_init(&t, 0);
	cidr(&t, "10.1.2.3/32", 0);
	cidr(&t, "10.0.0.0/8", 1);
	cidr(&t, "192.168.1.128/25", 1);
	cidr(&t, "172.16.5.5", 1); /* no prefix: one address */
	tp_compile_ok(&t);
	assert_int_equal(addr_rule(&t, "10.1.2.3", 80), 0);
	assert_int_equal(addr_rule(&t, "10.1.2.4", 80), 1);
	assert_int_equal(addr_rule(&t, "10.255.255.255", 0), 1);
	assert_int_equal(addr_rule(&t, "11.0.0.0", 80), -1);
	assert_int_equal(addr_rule(&t, "192.168.1.128", 80), 2);
	assert_int_equal(addr_rule(&t, "192.168.1.255", 80), 2);
	assert_int_equal(addr_rule(&t, "192.168.1.127", 80), -1);
	assert_int_equal(addr_rule(&t, "172.16.5.5", 1), 3);
	assert_int_equal(addr_rule(&t, "172.16.5.6", 1), -1);
	/* IPv4 rules match the v4-mapped IPv6 form, and nothing else in IPv6. */
	assert_int_equal(addr_rule(&t, "::ffff:10.9.9.9", 80), 1);
	assert_int_equal(addr_rule(&t, "::10.9.9.9", 80), -1);
	tp_free(&t);
}

static void test_cidr_edges(void **state)
{
	struct tpol t = { 0 };

	tp_init(&t, 0);
	cidr(&t, "2001:db8::1/128", 0);
	cidr(&t, "2001:db8::/32", 1);
	cidr(&t, "0.0.0.0/0", 0);
	cidr(&t, "::/0", 1);
	tp_compile_ok(&t);
	assert_int_equal(addr_rule(&t, "2001:db8::1", 443), 0);
	assert_int_equal(addr_rule(&t, "2001:db8::2", 443), 1);
	assert_int_equal(addr_rule(&t, "2001:db8:ffff::", 443), 1);
	assert_int_equal(addr_rule(&t, "2001:db9::", 443), 3);
	/* IPv4 /0 is every v4-mapped address, not every IPv6 one. */
	assert_int_equal(addr_rule(&t, "8.8.8.8", 53), 2);
	assert_int_equal(addr_rule(&t, "fe80::1", 53), 3);
	tp_free(&t);
}

static void test_ports(void **state)
{
	struct ag_rule *r;
	struct tpol t = { 0 };

	tp_init(&t, 0);
	r = cidr(&t, "10.0.0.0/8", 1);
	tp_ports(&t, r, 443, 443);
	tp_ports(&t, r, 8000, 8999);
	r = cidr(&t, "10.0.0.0/8", 0);
	tp_ports(&t, r, 0, 255);
	r = cidr(&t, "10.0.0.0/8", 1);
	tp_ports(&t, r, 65535, 65535);
	r = tp_rule(&t, N, "*", 0);
	tp_ports(&t, r, 22, 22);
	tp_compile_ok(&t);
	assert_int_equal(addr_rule(&t, "10.0.0.1", 443), 0);
	assert_int_equal(addr_rule(&t, "10.0.0.1", 442), -1);
	assert_int_equal(addr_rule(&t, "10.0.0.1", 444), -1);
	assert_int_equal(addr_rule(&t, "10.0.0.1", 8000), 0);
	assert_int_equal(addr_rule(&t, "10.0.0.1", 8255), 0);
	assert_int_equal(addr_rule(&t, "10.0.0.1", 8256), 0);
	assert_int_equal(addr_rule(&t, "10.0.0.1", 8999), 0);
	assert_int_equal(addr_rule(&t, "10.0.0.1", 9000), -1);
	assert_int_equal(addr_rule(&t, "10.0.0.1", 7999), -1);
	assert_int_equal(addr_rule(&t, "10.0.0.1", 0), 1);
	assert_int_equal(addr_rule(&t, "10.0.0.1", 255), 1);
	assert_int_equal(addr_rule(&t, "10.0.0.1", 256), -1);
	assert_int_equal(addr_rule(&t, "10.0.0.1", 65535), 2);
	assert_int_equal(addr_rule(&t, "11.0.0.1", 22), 3);
	assert_int_equal(addr_rule(&t, "10.0.0.1", 22), 1);
	tp_free(&t);
}

/* A resolver answering from a table, as the daemon's would from DNS. */
static int fake_resolve(const char *domain, uint8_t (*addrs)[16], int max, void *ctx)
{
	uint8_t a[AG_NET_ADDR_LEN];
	int *calls = ctx;

	(*calls)++;
	if (strcmp(domain, "hooks.slack.com"))
		return -ENOENT;
	assert_int_equal(subject_addr("203.0.113.7", 0, a), AG_NET_ADDR_LEN);
	memcpy(addrs[0], a, 16);
	assert_int_equal(subject_addr("2001:db8::7", 0, a), AG_NET_ADDR_LEN);
	memcpy(addrs[1], a, 16);
	return max < 2 ? max : 2;
}

static void test_resolved_domains(void **state)
{
	struct compile_opts o = { .resolve = fake_resolve };
	struct ag_rule *r;
	struct tpol t = { 0 };
	int calls = 0;

	o.resolve_ctx = &calls;
	tp_init(&t, 0);
	r = tp_rule(&t, N, "Hooks.Slack.com", 1);
	tp_ports(&t, r, 443, 443);
	tp_rule(&t, N, "unknown.example", 1);
	tp_rule(&t, N, "*.glob.example", 1); /* globs are not resolved */
	tp_rule(&t, N, "*", 0);
	assert_int_equal(tp_compile(&t, &o), 0);
	assert_int_equal(calls, 2);
	assert_int_equal(addr_rule(&t, "203.0.113.7", 443), 0);
	assert_int_equal(addr_rule(&t, "2001:db8::7", 443), 0);
	assert_int_equal(addr_rule(&t, "203.0.113.7", 80), 3);
	assert_int_equal(addr_rule(&t, "203.0.113.8", 443), 3);
	tp_free(&t);
}

static void test_errors(void **state)
{
	static const char *const bad[] = { "10.0.0.0/33", "10.0.0/8", "::/129", "x", "1.2.3.4/",
					   "1.2.3.4/-1" };
	struct ag_rule *r;
	struct tpol t = { 0 };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		tp_init(&t, 0);
		cidr(&t, bad[i], 1);
		assert_int_equal(tp_compile(&t, NULL), -EINVAL);
		if (!strstr(t.err.msg, "test.yaml:10:5") || !strstr(t.err.msg, "cidr"))
			fail_msg("'%s': %s", bad[i], t.err.msg);
	}
	tp_init(&t, 0);
	r = cidr(&t, "10.0.0.0/8", 1);
	tp_ports(&t, r, 90, 80);
	assert_int_equal(tp_compile(&t, NULL), -EINVAL);
	assert_non_null(strstr(t.err.msg, "port"));
	tp_init(&t, 0);
	tp_rule(&t, N, NULL, 1);
	assert_int_equal(tp_compile(&t, NULL), -EINVAL);
	tp_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_domains),		 cmocka_unit_test(test_cidr_v4),
		cmocka_unit_test(test_cidr_edges),	 cmocka_unit_test(test_ports),
		cmocka_unit_test(test_resolved_domains), cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
