// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The DNS proxy's messages: questions, refusals, answer addresses; upstreams from resolv.conf. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <cmocka.h>
#include <ldns/ldns.h>
#include "dns/dns_msg.h"
#include "dns/dns_forward.h"

/* A message built by ldns, independently of the code under test. */
static size_t wire(ldns_pkt *p, uint8_t *out, size_t outsz)
{
	uint8_t *w = NULL;
	size_t n = 0;

	assert_int_equal(ldns_pkt2wire(&w, p, &n), LDNS_STATUS_OK);
	assert_true(n <= outsz);
	memcpy(out, w, n);
	free(w);
	ldns_pkt_free(p);
	return n;
}

static size_t query(const char *name, ldns_rr_type t, uint16_t id, uint8_t *out, size_t outsz)
{
	ldns_rdf *d = ldns_dname_new_frm_str(name);
	ldns_pkt *p;

	assert_non_null(d);
	p = ldns_pkt_query_new(d, t, LDNS_RR_CLASS_IN, LDNS_RD);
	assert_non_null(p);
	ldns_pkt_set_id(p, id);
	return wire(p, out, outsz);
}

static size_t answer(const char *qname, uint16_t id, const char *const *rrs, uint8_t *out,
		     size_t outsz)
{
	ldns_pkt *p = ldns_pkt_query_new(ldns_dname_new_frm_str(qname), LDNS_RR_TYPE_A,
					 LDNS_RR_CLASS_IN, LDNS_RD);
	ldns_rr *rr;

	assert_non_null(p);
	ldns_pkt_set_id(p, id);
	ldns_pkt_set_qr(p, true);
	for (; *rrs; rrs++) {
		assert_int_equal(ldns_rr_new_frm_str(&rr, *rrs, 0, NULL, NULL), LDNS_STATUS_OK);
		assert_true(ldns_pkt_push_rr(p, LDNS_SECTION_ANSWER, rr));
	}
	return wire(p, out, outsz);
}

static void test_query(void **state)
{
	uint8_t m[512];
	struct dns_query q;
	size_t n;

	n = query("Hooks.SLACK.com.", LDNS_RR_TYPE_AAAA, 0x4242, m, sizeof(m));
	assert_int_equal(dns_query_parse(m, n, &q), 0);
	assert_string_equal(q.name, "hooks.slack.com");
	assert_int_equal(q.name_len, strlen("hooks.slack.com"));
	assert_int_equal(q.qtype, LDNS_RR_TYPE_AAAA);
	assert_int_equal(q.id, 0x4242);
	n = query("_443._tcp.svc-1.example.", LDNS_RR_TYPE_SRV, 1, m, sizeof(m));
	assert_int_equal(dns_query_parse(m, n, &q), 0);
	assert_string_equal(q.name, "_443._tcp.svc-1.example");
	n = query(".", LDNS_RR_TYPE_NS, 1, m, sizeof(m));
	assert_int_equal(dns_query_parse(m, n, &q), 0);
	assert_string_equal(q.name, "");
}

static void test_query_refused_input(void **state)
{
	static const char *const rrs[] = { NULL };
	uint8_t m[512];
	struct dns_query q;
	size_t n;

	/* A dot inside a label must not pass for a subdomain: "a.b" + "com" is not under b.com. */
	n = query("a\\.b.com.", LDNS_RR_TYPE_A, 9, m, sizeof(m));
	assert_int_equal(dns_query_parse(m, n, &q), -EILSEQ);
	assert_int_equal(q.id, 9);
	assert_non_null(strstr(q.name, "a\\.b.com"));
	n = query("a\\000b.com.", LDNS_RR_TYPE_A, 9, m, sizeof(m));
	assert_int_equal(dns_query_parse(m, n, &q), -EILSEQ);
	/* Responses, truncated and empty messages are not queries. */
	n = answer("x.com.", 3, rrs, m, sizeof(m));
	assert_int_equal(dns_query_parse(m, n, &q), -EINVAL);
	n = query("x.com.", LDNS_RR_TYPE_A, 3, m, sizeof(m));
	assert_int_equal(dns_query_parse(m, n - 3, &q), -EINVAL);
	assert_int_equal(dns_query_parse(m, 0, &q), -EINVAL);
}

/* The text form of the same rule, for check: what the proxy would read, or why not. */
static void test_name_readable(void **state)
{
	static const struct {
		const char *name;
		int err;
	} cases[] = {
		{ "api.example.com", 0 },
		{ "_sip._tcp.example-1.com", 0 },
		{ "a\\.b.example.com", -EILSEQ },
		{ "m\xc3\xbcnchen.example.com", -EILSEQ },
		{ "a b.example.com", -EILSEQ },
		{ "*.example.com", -EILSEQ },
		{ "a..example.com", -EINVAL },
		{ ".example.com", -EINVAL },
		{ "example.com.", -EINVAL }, /* check strips the one trailing dot first */
	};
	char name[300];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (dns_name_readable(cases[i].name, strlen(cases[i].name)) != cases[i].err)
			fail_msg("%s: expected %d", cases[i].name, cases[i].err);
	memset(name, 'a', 64);
	assert_int_equal(dns_name_readable(name, 63), 0);
	assert_int_equal(dns_name_readable(name, 64), -EINVAL);
	/* 63 + 1 + 63 + 1 + 63 + 1 + 61: the 253 bytes of the longest name. */
	memset(name, 'a', sizeof(name));
	name[63] = name[127] = name[191] = '.';
	assert_int_equal(dns_name_readable(name, 253), 0);
	assert_int_equal(dns_name_readable(name, 254), -EINVAL);
}

static void test_reply_rcode(void **state)
{
	uint8_t m[512], r[512];
	ldns_pkt *p = NULL;
	int n;

	n = (int)query("denied.example.", LDNS_RR_TYPE_A, 0x7777, m, sizeof(m));
	n = dns_reply_rcode(m, (size_t)n, LDNS_RCODE_REFUSED, r, sizeof(r));
	assert_true(n > 12);
	assert_int_equal(ldns_wire2pkt(&p, r, (size_t)n), LDNS_STATUS_OK);
	assert_int_equal(ldns_pkt_id(p), 0x7777);
	assert_true(ldns_pkt_qr(p));
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_REFUSED);
	assert_int_equal(ldns_pkt_qdcount(p), 1);
	assert_int_equal(ldns_pkt_ancount(p), 0);
	ldns_pkt_free(p);
	/* Garbage: a bare header with the id and FORMERR. */
	memcpy(m, "\xab\xcd\x01", 3);
	n = dns_reply_rcode(m, 3, LDNS_RCODE_REFUSED, r, sizeof(r));
	assert_int_equal(n, 12);
	assert_int_equal(r[0], 0xab);
	assert_int_equal(r[1], 0xcd);
	assert_int_equal(r[3] & 0xf, LDNS_RCODE_FORMERR);
	assert_int_equal(dns_reply_rcode(m, 3, LDNS_RCODE_REFUSED, r, 11), -ENOSPC);
}

static void test_answer_addrs(void **state)
{
	static const char *const rrs[] = {
		"api.example. 30 IN CNAME edge.cdn.example.",
		"edge.cdn.example. 20 IN A 192.0.2.7",
		"edge.cdn.example. 40 IN AAAA 2001:db8::7",
		"edge.cdn.example. 40 IN TXT \"x\"",
		NULL,
	};
	static const uint8_t v4[16] = { [10] = 0xff, [11] = 0xff, 192, 0, 2, 7 };
	uint8_t m[1024], q6[16];
	struct dns_addr a[4];
	struct dns_query q;
	size_t n;

	n = query("API.example.", LDNS_RR_TYPE_A, 5, m, sizeof(m));
	assert_int_equal(dns_query_parse(m, n, &q), 0);
	n = answer("api.example.", 5, rrs, m, sizeof(m));
	assert_int_equal(dns_answer_addrs(m, n, &q, a, 4), 2);
	assert_memory_equal(a[0].addr, v4, 16);
	assert_int_equal(a[0].ttl, 20);
	assert_int_equal(inet_pton(AF_INET6, "2001:db8::7", q6), 1);
	assert_memory_equal(a[1].addr, q6, 16);
	assert_int_equal(a[1].ttl, 40);
	assert_int_equal(dns_answer_addrs(m, n, &q, a, 1), 1);
	/* Not the answer to this question: nothing is learned from it. */
	n = answer("api.example.", 6, rrs, m, sizeof(m));
	assert_int_equal(dns_answer_addrs(m, n, &q, a, 4), -EINVAL);
	n = answer("other.example.", 5, rrs, m, sizeof(m));
	assert_int_equal(dns_answer_addrs(m, n, &q, a, 4), -EINVAL);
	n = query("api.example.", LDNS_RR_TYPE_A, 5, m, sizeof(m));
	assert_int_equal(dns_answer_addrs(m, n, &q, a, 4), -EINVAL);
}

static void test_upstreams(void **state)
{
	char path[] = "/tmp/agentgate-resolv.XXXXXX";
	struct sockaddr_storage up[3];
	struct sockaddr_in *s4 = (void *)&up[0];
	int fd = mkstemp(path);
	FILE *f;

	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs("# comment\nsearch example\nnameserver 192.0.2.53\nnameserver bogus\n"
	      "  nameserver   2001:db8::53\nnameserver 192.0.2.54\nnameserver 192.0.2.55\n",
	      f);
	fclose(f);
	assert_int_equal(dns_upstreams(path, up, 3), 3);
	assert_int_equal(up[0].ss_family, AF_INET);
	assert_int_equal(ntohs(s4->sin_port), 53);
	assert_int_equal(ntohl(s4->sin_addr.s_addr), 0xc0000235);
	assert_int_equal(up[1].ss_family, AF_INET6);
	assert_int_equal(up[2].ss_family, AF_INET);
	unlink(path);
	/* No file, or no nameserver in it: the local resolver. */
	assert_int_equal(dns_upstreams(path, up, 3), 1);
	assert_int_equal(ntohl(s4->sin_addr.s_addr), 0x7f000001);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_query),	    cmocka_unit_test(test_query_refused_input),
		cmocka_unit_test(test_reply_rcode), cmocka_unit_test(test_answer_addrs),
		cmocka_unit_test(test_upstreams),   cmocka_unit_test(test_name_readable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
