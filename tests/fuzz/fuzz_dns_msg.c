// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Any bytes as what the DNS proxy reads: a client's query (parsed, judged,
 * refused) and an upstream's answer to it (addresses learned). A result or an
 * error, never a crash.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ldns/ldns.h>
#include "compile/compile.h"
#include "dns/dns_msg.h"

static struct ag_policy *pol;
static struct ag_image img;

static const char policy[] =
	"default: deny\n"
	"rules:\n"
	"  - {action: network, domain: hooks.slack.com, ports: [443], decision: allow}\n"
	"  - {action: network, domain: \"*.example.com\", decision: allow}\n"
	"  - {action: network, domain: \"*\", decision: deny}\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[DNS_MSG_MAX];
	struct dns_addr addrs[8];
	struct dns_query q;
	struct ag_error err;
	int n;

	if (!pol) {
		if (policy_load_mem("fuzz.yaml", policy, strlen(policy), NULL, &pol, &err) ||
		    compile_policy(pol, NULL, &img, NULL, &err)) {
			fprintf(stderr, "%s\n", err.msg);
			abort();
		}
	}
	n = dns_query_parse(data, size, &q);
	if (n == 0) {
		if (q.name_len >= sizeof(q.name) || strlen(q.name) != q.name_len)
			abort();
		image_name_verdict(&img, q.name, q.name_len);
	}
	n = dns_reply_rcode(data, size, LDNS_RCODE_REFUSED, out, sizeof(out));
	if (n < 12 || (size_t)n > sizeof(out))
		abort();
	/* The same bytes as the answer to the query they hold (ids and names then agree). */
	n = dns_answer_addrs(data, size, &q, addrs, 8);
	if (n > 8)
		abort();
	return 0;
}
