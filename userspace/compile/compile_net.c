// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * network rules. NET_ADDR inputs are 16 address bytes (IPv4 as ::ffff:a.b.c.d)
 * and 2 port bytes, big-endian; a cidr is a run of literal bytes, one byte
 * range for a partial byte, then any bytes, and a port range splits into at
 * most three two-byte sequences. These go through the same DFA machinery as
 * globs, so first match by file order holds across addresses too.
 * NET_DOMAIN inputs are lower-case names without a trailing dot, a NUL and
 * the port: what a connect to an address learned from that name matches.
 * Names are never resolved here: addresses are learned at run time from the
 * agent's own allowed lookups (userspace/dns/dns_proxy.c).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "compile_int.h"

int net_parse_cidr(const char *cidr, uint8_t addr[16], unsigned int *prefix)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash, *end;
	unsigned long n;
	uint8_t v4[4];

	if (strlen(cidr) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, cidr);
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	if (inet_pton(AF_INET, buf, v4) == 1) {
		memset(addr, 0, 10);
		addr[10] = addr[11] = 0xff;
		memcpy(addr + 12, v4, 4);
		*prefix = 128;
		if (slash) {
			if (!isdigit((unsigned char)*slash))
				return -EINVAL;
			n = strtoul(slash, &end, 10);
			if (*end || n > 32)
				return -EINVAL;
			*prefix = 96 + (unsigned int)n;
		}
		return 0;
	}
	if (inet_pton(AF_INET6, buf, addr) != 1)
		return -EINVAL;
	*prefix = 128;
	if (slash) {
		if (!isdigit((unsigned char)*slash))
			return -EINVAL;
		n = strtoul(slash, &end, 10);
		if (*end || n > 128)
			return -EINVAL;
		*prefix = (unsigned int)n;
	}
	return 0;
}

static uint32_t addr_node(struct re *re, const uint8_t addr[16], unsigned int prefix)
{
	uint32_t n = re_eps(re);
	unsigned int i, bits;
	uint8_t m, lo;

	for (i = 0; i < 16; i++) {
		if (prefix >= 8 * (i + 1)) {
			n = re_cat(re, n, re_byte(re, addr[i]));
		} else if (prefix > 8 * i) {
			bits = prefix - 8 * i;
			m = (uint8_t)(0xffu >> bits);
			lo = addr[i] & (uint8_t)~m;
			n = re_cat(re, n, re_range(re, lo, lo | m));
		} else {
			n = re_cat(re, n, re_any(re));
		}
	}
	return n;
}

static uint32_t port_range(struct re *re, uint16_t lo, uint16_t hi)
{
	uint8_t hl = lo >> 8, ll = lo & 0xff, hh = hi >> 8, lh = hi & 0xff;
	uint32_t n;

	if (hl == hh)
		return re_cat(re, re_byte(re, hl), re_range(re, ll, lh));
	n = re_alt(re, re_cat(re, re_byte(re, hl), re_range(re, ll, 0xff)),
		   re_cat(re, re_byte(re, hh), re_range(re, 0, lh)));
	if (hh - hl > 1)
		n = re_alt(re, n, re_cat(re, re_range(re, hl + 1, hh - 1), re_any(re)));
	return n;
}

static int ports_node(struct re *re, const struct ag_rule *r, uint32_t *node, struct glob_err *e)
{
	uint32_t n = 0;
	size_t i;

	if (!r->ports || !r->nports) {
		*node = re_cat(re, re_any(re), re_any(re));
		return 0;
	}
	for (i = 0; i < r->nports; i++) {
		if (r->ports[i].lo > r->ports[i].hi) {
			e->off = 0;
			e->what = "a port range whose low end is above its high end";
			return -EINVAL;
		}
		n = i ? re_alt(re, n, port_range(re, r->ports[i].lo, r->ports[i].hi)) :
			port_range(re, r->ports[i].lo, r->ports[i].hi);
	}
	*node = n;
	return 0;
}

/* Lower case, without one trailing dot; NULL on allocation failure. */
static char *domain_norm(const char *d)
{
	size_t len = strlen(d), i;
	char *s = malloc(len + 1);

	if (!s)
		return NULL;
	for (i = 0; i < len; i++)
		s[i] = (char)tolower((unsigned char)d[i]);
	if (len > 1 && s[len - 1] == '.' && s[len - 2] != '\\')
		len--;
	s[len] = '\0';
	return s;
}

int net_addr_pattern(struct re *re, const struct ag_rule *r, uint32_t *node, struct glob_err *e)
{
	uint8_t addr[16];
	unsigned int prefix;
	uint32_t ports;
	int err;

	err = ports_node(re, r, &ports, e);
	if (err)
		return err;
	if (r->cidr) {
		if (net_parse_cidr(r->cidr, addr, &prefix)) {
			e->off = 0;
			e->what = "cidr is not an IPv4 or IPv6 address with an optional /prefix";
			return -EINVAL;
		}
		*node = re_cat(re, addr_node(re, addr, prefix), ports);
		return re->oom ? -ENOMEM : 0;
	}
	if (!r->pattern) {
		e->off = 0;
		e->what = "a network rule needs a domain or a cidr";
		return -EINVAL;
	}
	/* `*` stands for every destination, named or not; other names only for learned ones. */
	if (strcmp(r->pattern, "*"))
		return 1;
	*node = re_cat(re, addr_node(re, addr, 0), ports);
	return re->oom ? -ENOMEM : 0;
}

int net_domain_pattern(struct re *re, const struct ag_rule *r, uint32_t *node, struct glob_err *e)
{
	uint32_t name, ports;
	char *d;
	int err;

	if (!r->pattern)
		return 1;
	d = domain_norm(r->pattern);
	if (!d)
		return -ENOMEM;
	if (!*d) {
		e->off = 0;
		e->what = "an empty domain";
		free(d);
		return -EINVAL;
	}
	err = glob_parse(re, d, strlen(d), GLOB_DOMAIN, &name, e);
	free(d);
	if (!err)
		err = ports_node(re, r, &ports, e);
	if (err)
		return err;
	*node = re_cat(re, re_cat(re, name, re_byte(re, 0)), ports);
	return re->oom ? -ENOMEM : 0;
}
