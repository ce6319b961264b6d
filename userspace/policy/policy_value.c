// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Checks of single policy values: decisions, modes, glob syntax, cidrs and
 * ports. The compiler checks again; doing it here gives the error a line and
 * a column in the YAML file.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "policy_int.h"

const char *val_decision(const char *s, int *allow)
{
	if (!strcasecmp(s, "allow"))
		*allow = 1;
	else if (!strcasecmp(s, "deny"))
		*allow = 0;
	else
		return "a decision: allow or deny (any case)";
	return NULL;
}

const char *val_mode(const char *s, enum ag_mode *mode)
{
	if (!strcasecmp(s, "enforce"))
		*mode = AG_MODE_ENFORCE;
	else if (!strcasecmp(s, "simulate"))
		*mode = AG_MODE_SIMULATE;
	else
		return "a mode: enforce or simulate";
	return NULL;
}

#define STR_(x) #x
#define STR(x) STR_(x)

/* Decimal digits only, min to max: 0, else -1 (no sign, no fraction, no overflow). */
static int whole(const char *s, unsigned long min, unsigned long max, unsigned int *out)
{
	unsigned long v = 0;
	const char *c;

	for (c = s; *c; c++) {
		v = v * 10 + (unsigned long)(*c - '0');
		if (!isdigit((unsigned char)*c) || v > max)
			break;
	}
	if (!*s || *c || v < min)
		return -1;
	*out = (unsigned int)v;
	return 0;
}

const char *val_dns_grace(const char *s, unsigned int *out)
{
	return whole(s, 0, AG_DNS_GRACE_MAX, out) ? "whole seconds from 0 to " STR(AG_DNS_GRACE_MAX) :
						    NULL;
}

const char *val_dns_quota(const char *s, unsigned int *out)
{
	return whole(s, 1, AG_DNS_QUOTA_MAX, out) ? "a whole number from 1 to " STR(AG_DNS_QUOTA_MAX) :
						    NULL;
}

/* Same bracket rules as the compiler (compile_glob.c): "[]" and "[!]" start with a literal ']'. */
const char *val_glob(const char *s, size_t *off)
{
	size_t len = strlen(s), i, j, h, k, first;
	unsigned char lo, hi;

	for (i = 0; i < len; i++) {
		if (s[i] == '\\') {
			if (i + 1 >= len) {
				*off = i;
				return "a character after '\\' (a backslash at the end escapes nothing)";
			}
			i++;
			continue;
		}
		if (s[i] != '[')
			continue;
		j = first = i + 1;
		if (j < len && (s[j] == '!' || s[j] == '^'))
			j = first = i + 2;
		if (j < len && s[j] == ']')
			j++;
		while (j < len && s[j] != ']')
			j += s[j] == '\\' ? 2 : 1;
		if (j >= len) {
			*off = i;
			return "a ']' closing the '['";
		}
		/* Its ranges, read as the compiler reads them (parse_class): "a-c-e" is a-c, '-', 'e'. */
		for (k = first; k < j;) {
			h = k;
			k += s[k] == '\\';
			lo = (unsigned char)s[k++];
			if (k + 1 < j && s[k] == '-') {
				k++;
				k += s[k] == '\\';
				hi = (unsigned char)s[k++];
				if (hi < lo) {
					*off = h;
					return "a range whose low end is not above its high end in '[...]'";
				}
			}
		}
		i = j;
	}
	return NULL;
}

const char *val_cidr(const char *s)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash, *end;
	unsigned char a[16];
	unsigned long n, max;

	if (strlen(s) >= sizeof(buf))
		return "a cidr: an IPv4 or IPv6 address with an optional /prefix";
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	if (inet_pton(AF_INET, buf, a) == 1)
		max = 32;
	else if (inet_pton(AF_INET6, buf, a) == 1)
		max = 128;
	else
		return "a cidr: an IPv4 or IPv6 address with an optional /prefix";
	if (!slash)
		return NULL;
	if (!isdigit((unsigned char)*slash))
		return "a cidr prefix length after '/'";
	n = strtoul(slash, &end, 10);
	if (*end || n > max)
		return max == 32 ? "a cidr prefix length from 0 to 32" :
				   "a cidr prefix length from 0 to 128";
	return NULL;
}

static const char *port_num(const char *s, const char **end, uint16_t *v)
{
	unsigned long n = 0;
	const char *p = s;

	if (!isdigit((unsigned char)*p))
		return "a port: a number from 0 to 65535, a range \"lo-hi\" or a list of them";
	while (isdigit((unsigned char)*p) && n <= 65535)
		n = n * 10 + (unsigned long)(*p++ - '0');
	if (n > 65535 || isdigit((unsigned char)*p))
		return "a port number from 0 to 65535";
	*v = (uint16_t)n;
	*end = p;
	return NULL;
}

const char *val_port(const char *s, struct ag_port_range *r)
{
	const char *p, *what;

	what = port_num(s, &p, &r->lo);
	if (what)
		return what;
	r->hi = r->lo;
	if (*p == '-') {
		what = port_num(p + 1, &p, &r->hi);
		if (what)
			return what;
		if (r->hi < r->lo)
			return "a port range \"lo-hi\" with lo <= hi";
	}
	if (*p)
		return "a port: a number from 0 to 65535, a range \"lo-hi\" or a list of them";
	return NULL;
}

bool policy_name_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (!n || n > AG_POLICY_MAX_NAME)
		return false;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}
