/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* A DNS query message, for the e2e helpers that speak DNS themselves (probe, dnsflood). */
#ifndef AGENTGATE_E2E_DNS_QUERY_H
#define AGENTGATE_E2E_DNS_QUERY_H

#include <string.h>

/*
 * Header (id, RD, one question), NAME as labels, TYPE (1 A, 28 AAAA), class IN,
 * into q (at least 300 bytes): the length, or -1 for a name of an empty or
 * over-long label, or longer than 250 bytes.
 */
static inline int dns_query_build(unsigned char *q, unsigned int id, const char *name, int type)
{
	const char *p = name;
	int qn = 12;

	if (strlen(name) > 250)
		return -1;
	memset(q, 0, 12);
	q[0] = (unsigned char)(id >> 8);
	q[1] = (unsigned char)id;
	q[2] = 0x01;
	q[5] = 1;
	while (*p) {
		size_t l = strcspn(p, ".");

		if (l == 0 || l > 63)
			return -1;
		q[qn++] = (unsigned char)l;
		memcpy(q + qn, p, l);
		qn += (int)l;
		p += l + (p[l] == '.');
	}
	q[qn++] = 0;
	q[qn++] = 0;
	q[qn++] = (unsigned char)type;
	q[qn++] = 0;
	q[qn++] = 1;
	return qn;
}

#endif /* AGENTGATE_E2E_DNS_QUERY_H */
