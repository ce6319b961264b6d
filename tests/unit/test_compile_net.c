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

/* The DNS question: may the name be resolved (some port of it reached)? */
static struct ag_verdict dom(struct tpol *t, const char *name)
{
	char d[256];
	int n = subject_domain(name, d, sizeof(d));

	assert_true(n > 0);
	return image_name_verdict(&t->img, d, (size_t)n);
}

static int dom_rule(struct tpol *t, const char *name)
{
	struct ag_verdict v = dom(t, name);

	return v.rule == AG_RULE_DEFAULT ? -1 : v.rule;
}

/* A connect to port on an address learned from name: the NET_DOMAIN DFA alone. */
static struct ag_verdict dom_port(struct tpol *t, const char *name, uint16_t port)
{
	uint8_t in[256];
	int n = subject_domain_port(name, port, in, sizeof(in));

	assert_true(n > 3);
	return image_match(&t->img, DO, in, (size_t)n);
}

/* The DNS question by brute force: every port through the plain matcher. */
static void dom_is_brute(struct tpol *t, const char *name)
{
	struct ag_verdict want = { AG_RULE_DEFAULT, 0 }, best_allow = { 0, 0 }, v, got;
	unsigned int port;
	int any_allow = 0;

	for (port = 0; port < 65536; port++) {
		v = dom_port(t, name, (uint16_t)port);
		if (v.allow && (!any_allow || v.rule < best_allow.rule)) {
			best_allow = v;
			any_allow = 1;
		} else if (!v.allow && v.rule < want.rule) {
			want = v;
		}
	}
	if (any_allow)
		want = best_allow;
	got = dom(t, name);
	if (got.rule != want.rule || got.allow != want.allow)
		fail_msg("'%s': rule %u allow %u, brute force rule %u allow %u", name, got.rule,
			 got.allow, want.rule, want.allow);
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
	assert_int_equal(dom(&t, "pastebin.com").allow, 0);
	/* Names are never resolved: only "*" reaches NET_ADDR. */
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

/* Ports of a domain rule hold for addresses learned from the name; the first rule still wins. */
static void test_learned_domains(void **state)
{
	uint8_t a[AG_NET_ADDR_LEN];
	struct ag_verdict va, v;
	struct ag_rule *r;
	struct tpol t = { 0 };

	tp_init(&t, 0);
	r = tp_rule(&t, N, "Hooks.Slack.com", 1);
	tp_ports(&t, r, 443, 443);
	tp_rule(&t, N, "*.slack.com", 0);
	r = tp_rule(&t, N, "api.example", 1);
	tp_ports(&t, r, 8000, 8080);
	tp_rule(&t, N, "*", 1);
	tp_compile_ok(&t);
	assert_int_equal(dom_port(&t, "hooks.slack.com", 443).rule, 0);
	v = dom_port(&t, "hooks.slack.com", 80);
	assert_int_equal(v.rule, 1);
	assert_int_equal(v.allow, 0);
	/* "*" allows the address, but the name's deny comes first. */
	assert_int_equal(subject_addr("203.0.113.7", 80, a), AG_NET_ADDR_LEN);
	va = image_match(&t.img, AD, a, sizeof(a));
	assert_int_equal(va.rule, 3);
	v = ag_verdict_first(va, v);
	assert_int_equal(v.rule, 1);
	assert_int_equal(v.allow, 0);
	/* The DNS question: allowed when some port may be reached. */
	assert_int_equal(dom_rule(&t, "hooks.slack.com"), 0);
	assert_int_equal(dom(&t, "hooks.slack.com").allow, 1);
	assert_int_equal(dom_rule(&t, "x.slack.com"), 1);
	assert_int_equal(dom(&t, "x.slack.com").allow, 0);
	assert_int_equal(dom_rule(&t, "api.example"), 2);
	assert_int_equal(dom_port(&t, "api.example", 8080).rule, 2);
	assert_int_equal(dom_port(&t, "api.example", 8081).rule, 3);
	assert_int_equal(dom_rule(&t, "other.example"), 3);
	dom_is_brute(&t, "hooks.slack.com");
	dom_is_brute(&t, "x.slack.com");
	dom_is_brute(&t, "api.example");
	dom_is_brute(&t, "other.example");
	tp_free(&t);
}

/* Default allow: a name resolves unless every port of it is denied by a rule. */
static void test_name_default_allow(void **state)
{
	struct ag_verdict v;
	struct ag_rule *r;
	struct tpol t = { 0 };

	tp_init(&t, 1);
	tp_rule(&t, N, "*.evil.example", 0);
	r = tp_rule(&t, N, "mail.example", 0);
	tp_ports(&t, r, 25, 25);
	tp_compile_ok(&t);
	v = dom(&t, "x.evil.example");
	assert_int_equal(v.rule, 0);
	assert_int_equal(v.allow, 0);
	/* Only port 25 is denied: the name resolves, the other ports fall to the default. */
	v = dom(&t, "mail.example");
	assert_int_equal(v.rule, AG_RULE_DEFAULT);
	assert_int_equal(v.allow, 1);
	assert_int_equal(dom_port(&t, "mail.example", 25).allow, 0);
	assert_int_equal(dom_port(&t, "mail.example", 587).allow, 1);
	v = dom(&t, "ok.example");
	assert_int_equal(v.rule, AG_RULE_DEFAULT);
	assert_int_equal(v.allow, 1);
	dom_is_brute(&t, "x.evil.example");
	dom_is_brute(&t, "mail.example");
	dom_is_brute(&t, "ok.example");
	tp_free(&t);
}

static void test_errors(void **state)
{
	static const char *const bad[] = { "10.0.0.0/33", "10.0.0/8", "::/129",
					   "x",		  "1.2.3.4/", "1.2.3.4/-1" };
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
		cmocka_unit_test(test_domains),		cmocka_unit_test(test_cidr_v4),
		cmocka_unit_test(test_cidr_edges),	cmocka_unit_test(test_ports),
		cmocka_unit_test(test_learned_domains), cmocka_unit_test(test_name_default_allow),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
