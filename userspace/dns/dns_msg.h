/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * DNS messages as the proxy needs them (parsed and built with ldns): the
 * question of a query, a refusal, and the addresses of an answer.
 */
#ifndef AGENTGATE_DNS_MSG_H
#define AGENTGATE_DNS_MSG_H

#include <stddef.h>
#include <stdint.h>
#include "maps.h"

#define DNS_MSG_MAX 65535u

struct dns_query {
	uint16_t id;
	uint16_t qtype;
	/* Lower case, labels joined by '.', no trailing dot; the root is "". */
	char name[AG_DNS_NAME_MAX];
	size_t name_len;
};

struct dns_addr {
	uint8_t addr[16]; /* IPv6, or ::ffff:IPv4 */
	uint32_t ttl;
};

/*
 * A query with exactly one question: 0. -EINVAL: not such a query. -EILSEQ: its
 * name holds a byte other than letters, digits, '-' and '_' in a label (a dot
 * or NUL inside a label would let "a\.b.com" pass for "*.b.com"); q->name then
 * holds the name escaped, for the record, and q->id is set.
 */
int dns_query_parse(const uint8_t *msg, size_t len, struct dns_query *q);

/*
 * 0 when name (text: labels joined by '.', no trailing dot) could be a query's
 * name that dns_query_parse reads: labels of 1 to 63 bytes, each a letter,
 * digit, '-' or '_', at most 253 bytes in all. -EILSEQ for another byte (the
 * proxy refuses such a query as unreadable), -EINVAL for an empty or long
 * label or a long name (no query can carry it). For `agentgate check`.
 */
int dns_name_readable(const char *name, size_t len);

/*
 * The answer to query msg with rcode (LDNS_RCODE_REFUSED, ...): its id, flags
 * and question. An unparsable query gets a bare header with FORMERR. Returns
 * the length written, or a negative errno.
 */
int dns_reply_rcode(const uint8_t *msg, size_t len, int rcode, uint8_t *out, size_t outsz);

/*
 * The A and AAAA records in the answer section of msg, a response to q (same
 * id and question, else -EINVAL): at most max of them; returns the count.
 */
int dns_answer_addrs(const uint8_t *msg, size_t len, const struct dns_query *q,
		     struct dns_addr *out, int max);

#endif /* AGENTGATE_DNS_MSG_H */
