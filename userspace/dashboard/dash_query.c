// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The dashboard's query string: filters and paging (dash_query.h). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "dash_query.h"

static const char *const type_names[DASH_T_COUNT] = {
	"genesis", "decision", "ask", "gap", "lifecycle", "torn", "seal", "malformed",
};
#define WORD(e, s) " " s /* the action names for a message */
static const char *const decision_names[DASH_D_COUNT] = { "", "allow", "deny" };

static int name_index(const char *const *names, int n, const char *s, size_t len, bool nocase)
{
	int i;

	for (i = 0; i < n; i++)
		if (names[i][0] && strlen(names[i]) == len &&
		    !(nocase ? strncasecmp(names[i], s, len) : memcmp(names[i], s, len)))
			return i;
	return -1;
}

int dash_type_of(const char *s, size_t len)
{
	return name_index(type_names, DASH_T_COUNT, s, len, false);
}

int dash_action_of(const char *s, size_t len)
{
	int i = name_index(audit_action_names, AUDIT_A_COUNT, s, len, false);

	return i < 0 ? -1 : DASH_A_FIRST + i;
}

const char *dash_type_name(int t)
{
	return t >= 0 && t < DASH_T_COUNT ? type_names[t] : "";
}

const char *dash_action_name(int a)
{
	return a >= DASH_A_FIRST && a < DASH_A_COUNT ? audit_action_names[a - DASH_A_FIRST] : "";
}

void dash_query_init(struct dash_query *q)
{
	memset(q, 0, sizeof(*q));
	q->limit = DASH_LIMIT_DEFAULT;
	q->buckets = DASH_BUCKETS_DEFAULT;
}

bool dash_query_all(const struct dash_query *q)
{
	return !q->agent[0] && !q->rule[0] && !q->text[0] && !q->types && !q->actions &&
	       !q->decisions && !q->from_ns && !q->to_ns && !q->has_after;
}

/* "a,b,c" of names to a bit set; decisions are case-insensitive (ALLOW in the log). */
static int name_set(const char *const *names, int n, const char *val, bool nocase, uint32_t *out)
{
	const char *p = val;
	uint32_t set = 0;

	for (;;) {
		size_t len = strcspn(p, ",");
		int i = name_index(names, n, p, len, nocase);

		if (i < 0)
			return -EINVAL;
		set |= 1u << i;
		if (!p[len])
			break;
		p += len + 1;
	}
	*out = set;
	return 0;
}

static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!isdigit((unsigned char)s[0]) || strlen(s) > 20)
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int digits(const char *s, int n, int *out)
{
	int i, v = 0;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -EINVAL;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* YYYY-MM-DDTHH:MM:SS[.fraction]Z, or unix seconds. */
int dash_time_parse(const char *s, int64_t *ns)
{
	static const int mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, mo, d, h, mi, sec;
	int64_t frac = 0, scale = 100000000;
	struct tm tm = { 0 };
	const char *p;
	uint64_t u;
	time_t t;

	if (!parse_u64(s, 4102444800ull, &u)) { /* up to 2100 */
		*ns = (int64_t)u * 1000000000;
		return 0;
	}
	if (strlen(s) < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
	    s[13] != ':' || s[16] != ':' || digits(s, 4, &y) || digits(s + 5, 2, &mo) ||
	    digits(s + 8, 2, &d) || digits(s + 11, 2, &h) || digits(s + 14, 2, &mi) ||
	    digits(s + 17, 2, &sec))
		return -EINVAL;
	if (y < 1970 || y > 2100 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 ||
	    mi > 59 || sec > 60)
		return -EINVAL;
	p = s + 19;
	if (*p == '.') {
		if (!isdigit((unsigned char)p[1]))
			return -EINVAL;
		for (p++; isdigit((unsigned char)*p); p++) {
			frac += (*p - '0') * scale;
			scale /= 10;
		}
	}
	if ((*p != 'Z' && *p != 'z') || p[1])
		return -EINVAL;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	*ns = (int64_t)t * 1000000000 + frac;
	return 0;
}

static int copy_text(char *dst, size_t sz, const char *val)
{
	size_t n = strlen(val);

	if (n >= sz)
		return -EINVAL;
	memcpy(dst, val, n + 1);
	return 0;
}

int dash_query_set(struct dash_query *q, const char *key, const char *val, const char **why)
{
	uint64_t u;

	if (!strcmp(key, "token") || !strcmp(key, "_"))
		return 0;
	if (!strcmp(key, "agent") || !strcmp(key, "container")) {
		if (copy_text(q->agent, sizeof(q->agent), val))
			goto toolong;
	} else if (!strcmp(key, "rule")) {
		if (copy_text(q->rule, sizeof(q->rule), val))
			goto toolong;
	} else if (!strcmp(key, "q")) {
		if (copy_text(q->text, sizeof(q->text), val))
			goto toolong;
	} else if (!strcmp(key, "type")) {
		if (val[0] && name_set(type_names, DASH_T_COUNT, val, false, &q->types)) {
			*why = "type: want a comma-separated list of genesis, decision, ask, gap, "
			       "lifecycle, torn, seal, malformed";
			return -EINVAL;
		}
	} else if (!strcmp(key, "action")) {
		uint32_t set;

		if (val[0] && name_set(audit_action_names, AUDIT_A_COUNT, val, false, &set)) {
			*why = "action: want a comma-separated list of these:" AUDIT_ACTIONS(WORD);
			return -EINVAL;
		}
		if (val[0])
			q->actions = set << DASH_A_FIRST;
	} else if (!strcmp(key, "decision")) {
		if (val[0] && name_set(decision_names, DASH_D_COUNT, val, true, &q->decisions)) {
			*why = "decision: want allow, deny or allow,deny";
			return -EINVAL;
		}
	} else if (!strcmp(key, "from") || !strcmp(key, "to")) {
		int64_t *dst = key[0] == 'f' ? &q->from_ns : &q->to_ns;

		if (!val[0])
			*dst = 0;
		else if (dash_time_parse(val, dst)) {
			*why = "from/to: want RFC 3339 UTC time (2026-12-03T04:00:00Z) or unix seconds";
			return -EINVAL;
		}
	} else if (!strcmp(key, "offset")) {
		if (parse_u64(val, UINT64_MAX, &q->offset)) {
			*why = "offset: want a record count";
			return -EINVAL;
		}
	} else if (!strcmp(key, "limit")) {
		if (parse_u64(val, DASH_LIMIT_MAX, &u) || !u) {
			*why = "limit: want 1 to 1000";
			return -EINVAL;
		}
		q->limit = (unsigned int)u;
	} else if (!strcmp(key, "after")) {
		if (parse_u64(val, UINT64_MAX, &q->after_seq)) {
			*why = "after: want a sequence number";
			return -EINVAL;
		}
		q->has_after = true;
	} else if (!strcmp(key, "buckets")) {
		if (parse_u64(val, DASH_BUCKETS_MAX, &u) || !u) {
			*why = "buckets: want 1 to 500";
			return -EINVAL;
		}
		q->buckets = (unsigned int)u;
	} else {
		*why = "unknown parameter (agent, action, decision, rule, type, q, from, to, "
		       "offset, limit, after, buckets)";
		return -EINVAL;
	}
	return 0;
toolong:
	*why = "value too long";
	return -EINVAL;
}

static int unhex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Percent-decodes s[0..len) into out (size sz); NUL bytes and bad escapes are refused. */
static int decode(const char *s, size_t len, char *out, size_t sz)
{
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		int c = (unsigned char)s[i];

		if (c == '+') {
			c = ' ';
		} else if (c == '%') {
			int hi, lo;

			if (i + 2 >= len || (hi = unhex(s[i + 1])) < 0 || (lo = unhex(s[i + 2])) < 0)
				return -EINVAL;
			c = hi * 16 + lo;
			i += 2;
		}
		if (!c || o + 1 >= sz)
			return -EINVAL;
		out[o++] = (char)c;
	}
	out[o] = 0;
	return 0;
}

int dash_query_parse(struct dash_query *q, const char *qs, const char **why)
{
	char key[32], val[DASH_TEXT_MAX + 1];
	const char *p = qs;

	while (*p) {
		size_t len = strcspn(p, "&"), klen = strcspn(p, "=&");
		int err;

		if (len) {
			if (decode(p, klen, key, sizeof(key)) ||
			    decode(p + klen + (klen < len), len - klen - (klen < len), val,
				   sizeof(val))) {
				*why = "bad percent-encoding, NUL byte or over-long value";
				return -EINVAL;
			}
			err = dash_query_set(q, key, val, why);
			if (err)
				return err;
		}
		p += len + (p[len] == '&');
	}
	return 0;
}
