// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* DNS messages through ldns: questions, refusals, answer addresses. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <ldns/ldns.h>
#include "dns_msg.h"

/* Letters, digits, '-' and '_' (service labels), in ASCII whatever the locale. */
static int label_byte(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

/* Wire labels (ldns keeps a dname uncompressed) to "a.b.c", lower case. */
static int name_text(const ldns_rdf *rdf, char *out, size_t outsz, size_t *len)
{
	const uint8_t *w = ldns_rdf_data(rdf);
	size_t n = ldns_rdf_size(rdf), i = 0, o = 0, j;

	if (ldns_rdf_get_type(rdf) != LDNS_RDF_TYPE_DNAME)
		return -EINVAL;
	while (i < n && w[i]) {
		size_t l = w[i++];

		if (l > 63 || i + l > n)
			return -EINVAL;
		if (o && o + 1 < outsz)
			out[o++] = '.';
		for (j = 0; j < l; j++) {
			uint8_t c = w[i + j];

			if (!label_byte(c))
				return -EILSEQ;
			if (o + 1 >= outsz)
				return -EINVAL;
			out[o++] = (char)tolower(c);
		}
		i += l;
	}
	out[o] = '\0';
	*len = o;
	return 0;
}

int dns_name_readable(const char *name, size_t len)
{
	size_t i, label = 0;

	if (len > 253)
		return -EINVAL;
	for (i = 0; i <= len; i++) {
		if (i == len || name[i] == '.') {
			if (label == 0 || label > 63)
				return -EINVAL;
			label = 0;
		} else if (!label_byte((uint8_t)name[i])) {
			return -EILSEQ;
		} else {
			label++;
		}
	}
	return 0;
}

static int first_question(const ldns_pkt *p, ldns_rr **rr)
{
	if (ldns_pkt_qdcount(p) != 1 || ldns_rr_list_rr_count(ldns_pkt_question(p)) != 1)
		return -EINVAL;
	*rr = ldns_rr_list_rr(ldns_pkt_question(p), 0);
	return 0;
}

int dns_query_parse(const uint8_t *msg, size_t len, struct dns_query *q)
{
	ldns_pkt *p = NULL;
	ldns_rr *rr;
	int err;

	memset(q, 0, sizeof(*q));
	if (len >= 2)
		q->id = (uint16_t)(msg[0] << 8 | msg[1]);
	if (ldns_wire2pkt(&p, msg, len) != LDNS_STATUS_OK)
		return -EINVAL;
	err = -EINVAL;
	if (ldns_pkt_qr(p) || ldns_pkt_get_opcode(p) != LDNS_PACKET_QUERY || first_question(p, &rr))
		goto out;
	q->qtype = (uint16_t)ldns_rr_get_type(rr);
	err = name_text(ldns_rr_owner(rr), q->name, sizeof(q->name), &q->name_len);
	if (err == -EILSEQ) { /* for the record: ldns's escaped text ("a\\.b.com.") */
		char *s = ldns_rdf2str(ldns_rr_owner(rr));

		snprintf(q->name, sizeof(q->name), "%s", s ? s : "");
		q->name_len = strlen(q->name);
		free(s);
	}
out:
	ldns_pkt_free(p);
	return err;
}

int dns_reply_rcode(const uint8_t *msg, size_t len, int rcode, uint8_t *out, size_t outsz)
{
	ldns_pkt *q = NULL, *r = NULL;
	uint8_t *wire = NULL;
	size_t n = 0;
	ldns_rr *rr;
	int err = -ENOMEM;

	if (outsz < LDNS_HEADER_SIZE)
		return -ENOSPC;
	if (ldns_wire2pkt(&q, msg, len) != LDNS_STATUS_OK || first_question(q, &rr)) {
		memset(out, 0, LDNS_HEADER_SIZE);
		if (len >= 2)
			memcpy(out, msg, 2);
		out[2] = 0x80; /* QR */
		out[3] = LDNS_RCODE_FORMERR;
		ldns_pkt_free(q);
		return LDNS_HEADER_SIZE;
	}
	r = ldns_pkt_new();
	if (!r)
		goto out;
	ldns_pkt_set_id(r, ldns_pkt_id(q));
	ldns_pkt_set_qr(r, true);
	ldns_pkt_set_opcode(r, ldns_pkt_get_opcode(q));
	ldns_pkt_set_rd(r, ldns_pkt_rd(q));
	ldns_pkt_set_ra(r, true);
	ldns_pkt_set_rcode(r, (uint8_t)rcode);
	rr = ldns_rr_clone(rr);
	if (!rr || !ldns_pkt_push_rr(r, LDNS_SECTION_QUESTION, rr)) {
		ldns_rr_free(rr);
		goto out;
	}
	if (ldns_pkt2wire(&wire, r, &n) != LDNS_STATUS_OK)
		goto out;
	err = -ENOSPC;
	if (n > outsz)
		goto out;
	memcpy(out, wire, n);
	err = (int)n;
out:
	free(wire);
	ldns_pkt_free(r);
	ldns_pkt_free(q);
	return err;
}

int dns_answer_addrs(const uint8_t *msg, size_t len, const struct dns_query *q,
		     struct dns_addr *out, int max)
{
	char name[AG_DNS_NAME_MAX];
	ldns_pkt *p = NULL;
	ldns_rr_list *an;
	size_t nlen, i;
	ldns_rr *rr;
	int n = 0, err = -EINVAL;

	if (ldns_wire2pkt(&p, msg, len) != LDNS_STATUS_OK)
		return -EINVAL;
	if (!ldns_pkt_qr(p) || ldns_pkt_id(p) != q->id || first_question(p, &rr) ||
	    (uint16_t)ldns_rr_get_type(rr) != q->qtype ||
	    name_text(ldns_rr_owner(rr), name, sizeof(name), &nlen) || nlen != q->name_len ||
	    memcmp(name, q->name, nlen))
		goto out;
	an = ldns_pkt_answer(p);
	for (i = 0; an && i < ldns_rr_list_rr_count(an) && n < max; i++) {
		const ldns_rdf *d;

		rr = ldns_rr_list_rr(an, i);
		d = ldns_rr_rd_count(rr) == 1 ? ldns_rr_rdf(rr, 0) : NULL;
		if (!d)
			continue;
		memset(out[n].addr, 0, 16);
		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_A && ldns_rdf_size(d) == 4) {
			out[n].addr[10] = out[n].addr[11] = 0xff;
			memcpy(out[n].addr + 12, ldns_rdf_data(d), 4);
		} else if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_AAAA && ldns_rdf_size(d) == 16) {
			memcpy(out[n].addr, ldns_rdf_data(d), 16);
		} else {
			continue;
		}
		out[n++].ttl = ldns_rr_ttl(rr);
	}
	err = n;
out:
	ldns_pkt_free(p);
	return err;
}
