// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Audit records as ordered lists of fields, their canonical JSON form and a
 * strict parser for it (docs/audit.md, "Canonical form"). Byte strings that
 * are not valid UTF-8 are written as KEY_b64 with standard base64, so every
 * value survives a round trip exactly and no escape is ambiguous.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "audit_int.h"
#include "util/b64.h"

void abuf_reserve(struct abuf *b, size_t extra)
{
	size_t cap;
	char *p;

	if (b->oom || b->len + extra <= b->cap)
		return;
	cap = b->cap ? b->cap : 1024;
	while (cap < b->len + extra)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p) {
		b->oom = true;
		return;
	}
	b->p = p;
	b->cap = cap;
}

void abuf_free(struct abuf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

const struct audit_field *audit_rec_get(const struct audit_record *r, const char *key)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (!strcmp(r->f[i].key, key))
			return &r->f[i];
	return NULL;
}

const char *audit_rec_cstr_get(const struct audit_record *r, const char *key, char *buf, size_t sz)
{
	const struct audit_field *f = audit_rec_get(r, key);
	size_t n;

	buf[0] = 0;
	if (!f || f->kind != AUDIT_STR || !sz)
		return buf;
	n = f->len < sz - 1 ? f->len : sz - 1;
	memcpy(buf, f->s, n);
	buf[n] = 0;
	return buf;
}

bool audit_rec_u64_get(const struct audit_record *r, const char *key, uint64_t *u)
{
	const struct audit_field *f = audit_rec_get(r, key);

	if (!f || f->kind != AUDIT_U64)
		return false;
	*u = f->u;
	return true;
}

bool audit_rec_is(const struct audit_record *r, const char *type)
{
	const struct audit_field *f = r->n > 1 ? &r->f[1] : NULL;

	return f && f->kind == AUDIT_STR && !strcmp(f->key, "type") && f->len == strlen(type) &&
	       !memcmp(f->s, type, f->len);
}

/*
 * Word-at-a-time scans, 8 bytes per step. The top bit of each byte is
 * cleared before adding to it, so no sum carries into the next byte and every
 * flag (the top bit of a byte of the result) is exact for its own byte.
 */
#define BYTES(c) (0x0101010101010101ull * (c))

static inline uint64_t load8(const unsigned char *s)
{
	uint64_t x;

	memcpy(&x, s, 8);
	return x;
}

/* Flags for the ASCII bytes a JSON string body escapes: 0x00..0x1f, 0x7f, '"' and '\\'. */
static inline uint64_t word_escaped(uint64_t x)
{
	uint64_t y = x & BYTES(0x7f);
	uint64_t keep = (y + BYTES(0x60)) & ((y ^ BYTES('"')) + BYTES(0x7f)) &
			((y ^ BYTES('\\')) + BYTES(0x7f));

	return (~keep | (y + BYTES(0x01))) & ~x & BYTES(0x80);
}

static inline bool byte_escaped(unsigned char c)
{
	return c < 0x20 || c == 0x7f || c == '"' || c == '\\';
}

/*
 * Index of the first byte at or after i that is escaped, or with stop_high
 * also non-ASCII (such bytes need UTF-8 validation); len when there is none.
 * The last word ends at len and may overlap bytes already seen: the byte
 * loop settles where the run ends.
 */
static inline size_t scan(const unsigned char *s, size_t i, size_t len, bool stop_high)
{
	uint64_t high = stop_high ? BYTES(0x80) : 0;

	for (; len >= 8 && i < len; i += 8) {
		uint64_t x = load8(s + (len - i >= 8 ? i : len - 8));

		if (word_escaped(x) | (x & high))
			break;
	}
	while (i < len && !byte_escaped(s[i]) && !(stop_high && s[i] >= 0x80))
		i++;
	return i < len ? i : len;
}

/* memcpy for the short keys and values of records, without a library call for each. */
static inline void copy_short(char *o, const void *src, size_t n)
{
	const char *s = src;

	if (n >= 16) {
		memcpy(o, s, n);
	} else if (n >= 8) { /* two overlapping words */
		memcpy(o, s, 8);
		memcpy(o + n - 8, s + n - 8, 8);
	} else if (n >= 4) {
		memcpy(o, s, 4);
		memcpy(o + n - 4, s + n - 4, 4);
	} else if (n) {
		o[0] = s[0];
		o[n / 2] = s[n / 2];
		o[n - 1] = s[n - 1];
	}
}

/* RFC 3629: shortest forms only, no surrogates, nothing above U+10FFFF. */
bool audit_utf8_valid(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < len) {
		unsigned char c = s[i];
		unsigned char lo = 0x80, hi = 0xbf;
		int n;

		if (len - i >= 8 && !(load8(s + i) & BYTES(0x80))) {
			i += 8;
			continue;
		}
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			if (c == 0xe0)
				lo = 0xa0;
			if (c == 0xed)
				hi = 0x9f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			if (c == 0xf0)
				lo = 0x90;
			if (c == 0xf4)
				hi = 0x8f;
		} else {
			return false;
		}
		if (len - i <= (size_t)n)
			return false;
		if (s[i + 1] < lo || s[i + 1] > hi)
			return false;
		for (int k = 2; k <= n; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
		i += n + 1;
	}
	return true;
}

/* out: room for 6 bytes per byte of s. */
static char *put_escaped(char *o, const unsigned char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i = 0, j;

	for (;;) {
		j = scan(s, i, len, false);
		copy_short(o, s + i, j - i);
		o += j - i;
		if (j == len)
			return o;
		if (s[j] == '"' || s[j] == '\\') {
			*o++ = '\\';
			*o++ = (char)s[j];
		} else {
			memcpy(o, "\\u00", 4);
			o[4] = hex[s[j] >> 4];
			o[5] = hex[s[j] & 15];
			o += 6;
		}
		i = j + 1;
	}
}

void audit_escape(struct abuf *out, const char *s, size_t len)
{
	abuf_reserve(out, 6 * len);
	if (!out->oom && len)
		out->len = (size_t)(put_escaped(out->p + out->len, (const unsigned char *)s, len) -
				    out->p);
}

/*
 * Digits stored in place, last first: a copy from a stack buffer filled a byte
 * at a time stalls on the word load (no store forwarding from byte stores).
 */
static char *put_u64(char *o, uint64_t u)
{
	uint64_t v = u;
	size_t n = 1;

	while (v >= 10) {
		v /= 10;
		n++;
	}
	for (size_t i = n; i-- > 0; u /= 10)
		o[i] = (char)('0' + u % 10);
	return o + n;
}

/* Room a field can take: ,"key_b64": and 20 digits, or a string escaped 6 bytes per byte. */
static size_t field_max(const struct audit_field *f)
{
	return f->klen + 8 + (f->kind == AUDIT_U64 ? 20 : 2 + 6 * f->len);
}

static char *put_field(char *o, const struct audit_field *f)
{
	const unsigned char *s = (const unsigned char *)f->s;
	size_t plain = f->kind == AUDIT_STR ? scan(s, 0, f->len, true) : 0;
	bool utf8 = f->kind == AUDIT_STR &&
		    (plain == f->len || audit_utf8_valid(f->s + plain, f->len - plain));

	*o++ = '"';
	copy_short(o, f->key, f->klen);
	o += f->klen;
	if (f->kind == AUDIT_STR && !utf8) {
		memcpy(o, "_b64", 4);
		o += 4;
	}
	*o++ = '"';
	*o++ = ':';
	if (f->kind == AUDIT_U64)
		return put_u64(o, f->u);
	*o++ = '"';
	if (utf8) {
		/* The common case is all plain: one copy. */
		copy_short(o, s, plain);
		o += plain;
		if (plain < f->len)
			o = put_escaped(o, s + plain, f->len - plain);
	} else {
		o = b64_encode(o, s, f->len);
	}
	*o++ = '"';
	return o;
}

/* One reservation per record, then plain stores: the writer formats every record it appends. */
void audit_rec_format(const struct audit_record *r, struct abuf *out)
{
	size_t i, max = 2;
	char *o;

	for (i = 0; i < r->n; i++)
		max += field_max(&r->f[i]);
	abuf_reserve(out, max);
	if (out->oom)
		return;
	o = out->p + out->len;
	*o++ = '{';
	for (i = 0; i < r->n; i++) {
		if (i)
			*o++ = ',';
		o = put_field(o, &r->f[i]);
	}
	*o++ = '}';
	out->len = (size_t)(o - out->p);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void put_utf8(char **o, uint32_t cp)
{
	unsigned char *p = (unsigned char *)*o;

	if (cp < 0x80) {
		*p++ = (unsigned char)cp;
	} else if (cp < 0x800) {
		*p++ = (unsigned char)(0xc0 | (cp >> 6));
		*p++ = (unsigned char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		*p++ = (unsigned char)(0xe0 | (cp >> 12));
		*p++ = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		*p++ = (unsigned char)(0x80 | (cp & 0x3f));
	} else {
		*p++ = (unsigned char)(0xf0 | (cp >> 18));
		*p++ = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
		*p++ = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		*p++ = (unsigned char)(0x80 | (cp & 0x3f));
	}
	*o = (char *)p;
}

static int read_u4(const char *s, const char *end, uint32_t *cp)
{
	int k;

	if (end - s < 4)
		return -1;
	*cp = 0;
	for (k = 0; k < 4; k++) {
		int v = hexval(s[k]);

		if (v < 0)
			return -1;
		*cp = *cp << 4 | (uint32_t)v;
	}
	return 0;
}

/* Decodes a JSON string body starting after the opening quote; *p ends after the closing one. */
static int parse_string(const char **p, const char *end, char **o, const char **why)
{
	const char *s = *p;

	while (s < end && *s != '"') {
		unsigned char c = (unsigned char)*s;
		uint32_t cp, lo;

		if (c < 0x20) {
			*why = "control character inside a string";
			return -EBADMSG;
		}
		if (c != '\\') {
			*(*o)++ = (char)c;
			s++;
			continue;
		}
		if (++s >= end)
			break;
		switch (*s) {
		case '"':
		case '\\':
		case '/':
			*(*o)++ = *s;
			break;
		case 'b':
			*(*o)++ = '\b';
			break;
		case 'f':
			*(*o)++ = '\f';
			break;
		case 'n':
			*(*o)++ = '\n';
			break;
		case 'r':
			*(*o)++ = '\r';
			break;
		case 't':
			*(*o)++ = '\t';
			break;
		case 'u':
			if (read_u4(s + 1, end, &cp)) {
				*why = "bad \\u escape";
				return -EBADMSG;
			}
			s += 4;
			if (cp >= 0xdc00 && cp <= 0xdfff) {
				*why = "lone low surrogate";
				return -EBADMSG;
			}
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (end - s < 7 || s[1] != '\\' || s[2] != 'u' ||
				    read_u4(s + 3, end, &lo) || lo < 0xdc00 || lo > 0xdfff) {
					*why = "lone high surrogate";
					return -EBADMSG;
				}
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				s += 6;
			}
			put_utf8(o, cp);
			break;
		default:
			*why = "unknown escape";
			return -EBADMSG;
		}
		s++;
	}
	if (s >= end) {
		*why = "unterminated string";
		return -EBADMSG;
	}
	*p = s + 1;
	return 0;
}

int audit_rec_parse(const char *line, size_t len, struct audit_record *r, const char **why)
{
	const char *p = line, *end = line + len;
	char *o;

	memset(r, 0, sizeof(*r));
	*why = "not a JSON object";
	if (len > AUDIT_MAX_LINE) {
		*why = "line too long";
		return -EBADMSG;
	}
	/* Decoded data never outgrows its source; keys get a NUL each. */
	r->store = malloc(len + 2 * AUDIT_MAX_FIELDS + 8);
	if (!r->store)
		return -ENOMEM;
	o = r->store;
	if (p >= end || *p++ != '{')
		goto bad;
	for (;;) {
		struct audit_field *f;
		const char *key;
		size_t klen;

		if (p >= end || *p++ != '"') {
			*why = "expected a member name";
			goto bad;
		}
		key = p;
		while (p < end &&
		       ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
			p++;
		klen = (size_t)(p - key);
		if (!klen || klen > 28 || p + 1 >= end || p[0] != '"' || p[1] != ':') {
			*why = "bad member name";
			goto bad;
		}
		p += 2;
		if (r->n >= AUDIT_MAX_FIELDS) {
			*why = "too many members";
			goto bad;
		}
		f = &r->f[r->n];
		memset(f, 0, sizeof(*f));
		f->key = o;
		f->klen = klen;
		memcpy(o, key, klen);
		o += klen;
		*o++ = 0;
		if (p < end && *p == '"') {
			char *val = o;

			p++;
			if (parse_string(&p, end, &o, why))
				goto bad;
			f->kind = AUDIT_STR;
			f->s = val;
			f->len = (size_t)(o - val);
			if (klen > 4 && !memcmp(key + klen - 4, "_b64", 4)) {
				size_t n;

				if (b64_decode(val, f->len, val, &n)) {
					*why = "bad base64";
					goto bad;
				}
				((char *)f->key)[klen - 4] = 0;
				f->klen = klen - 4;
				/* KEY_b64_b64 would be ambiguous with a KEY_b64 string. */
				if (klen - 4 > 4 && !memcmp(key + klen - 8, "_b64", 4)) {
					*why = "bad member name";
					goto bad;
				}
				f->len = n;
				o = val + n;
			}
		} else if (p < end && *p >= '0' && *p <= '9') {
			uint64_t u = 0;

			if (*p == '0' && p + 1 < end && p[1] >= '0' && p[1] <= '9') {
				*why = "number with a leading zero";
				goto bad;
			}
			while (p < end && *p >= '0' && *p <= '9') {
				if (u > (UINT64_MAX - (uint64_t)(*p - '0')) / 10) {
					*why = "number out of range";
					goto bad;
				}
				u = u * 10 + (uint64_t)(*p++ - '0');
			}
			f->kind = AUDIT_U64;
			f->u = u;
		} else {
			*why = "value is neither a string nor an unsigned integer";
			goto bad;
		}
		/* Room for the _b64 suffix whatever the value: every record re-serialises. */
		if (f->klen > 24) {
			*why = "member name too long";
			goto bad;
		}
		r->n++;
		if (p < end && *p == ',') {
			p++;
			continue;
		}
		if (p < end && *p == '}' && p + 1 == end)
			break;
		*why = "expected ',' or a final '}'";
		goto bad;
	}
	{
		struct audit_field *h = &r->f[r->n - 1];

		if (r->n < 2 || strcmp(h->key, "hash") || h->kind != AUDIT_STR || h->len != 64 ||
		    audit_unhex(h->s, 64, r->hash, 32)) {
			*why = "no fields, or the last is not \"hash\" with 64 hex digits";
			goto bad;
		}
		r->has_hash = true;
		r->n--;
	}
	*why = NULL;
	return 0;
bad:
	audit_rec_free(r);
	return -EBADMSG;
}

void audit_rec_free(struct audit_record *r)
{
	free(r->store);
	r->store = NULL;
	r->n = 0;
}

bool audit_rec_canonical(const struct audit_record *r, const char *line, size_t len)
{
	struct abuf b = { 0 };
	bool same;

	audit_rec_format(r, &b);
	audit_line_finish(&b, 0, r->hash);
	same = !b.oom && b.len == len + 1 && !memcmp(b.p, line, len);
	abuf_free(&b);
	return same;
}

/*
 * Field lists per record type (docs/audit.md). '?' marks optional fields,
 * the kind letter follows: s string, u integer, * either.
 */
struct schema {
	const char *type;
	const char *fields[36];
};

static const struct schema schemas[] = {
	{ "genesis",
	  { "seq u", "type s", "time s", "host s", "boot_id s", "log_id s", "file u", "key s",
	    "epoch u", "pubkey s", "prev s" } },
	{ "decision", { "seq u",	   "type s",	 "time s",
			"host s",	   "boot_id s",	 "agent s",
			"container ?s",	   "engine ?s",	 "container_name ?s",
			"image ?s",	   "pod ?s",	 "namespace ?s",
			"cgroup_id u",	   "pid u",	 "tid u",
			"uid u",	   "comm s",	 "exe s",
			"action s",	   "op ?s",	 "path ?s",
			"command ?s",	   "domain ?s",	 "ip ?s",
			"port ?u",	   "flags s",	 "count ?u",
			"first ?s",	   "decision s", "mode s",
			"rule *",	   "reason s",	 "policy s",
			"policy_sha256 s", "prev s" } },
	{ "ask",
	  { "seq u",	   "type s",   "time s",	  "host s",	"boot_id s", "agent s",
	    "cgroup_id u", "pid u",    "asked_as ?s",	  "action s",	"path ?s",   "command ?s",
	    "domain ?s",   "ip ?s",    "port ?u",	  "decision s", "mode s",    "rule *",
	    "reason s",	   "policy s", "policy_sha256 s", "count ?u",	"prev s" } },
	{ "gap", { "seq u", "type s", "time s", "host s", "boot_id s", "lost u", "prev s" } },
	{ "lifecycle",
	  { "seq u", "type s", "time s", "host s", "boot_id s", "what s", "detail s", "prev s" } },
	{ "torn", { "seq u", "type s", "time s", "bytes u", "sha256 s", "prev s" } },
	{ "seal",
	  { "seq u", "type s", "time s", "log_id s", "reason s", "epoch u", "next_pubkey ?s",
	    "sig s", "prev s" } },
};

const char *audit_rec_schema_member(const char *type, size_t i)
{
	size_t t;

	for (t = 0; t < sizeof(schemas) / sizeof(schemas[0]); t++)
		if (!strcmp(schemas[t].type, type))
			return i < sizeof(schemas[t].fields) / sizeof(schemas[t].fields[0]) ?
				       schemas[t].fields[i] :
				       NULL;
	return NULL;
}

const char *audit_rec_schema_error(const struct audit_record *r)
{
	const struct schema *sc = NULL;
	size_t i, k = 0;

	for (i = 0; i < sizeof(schemas) / sizeof(schemas[0]); i++)
		if (audit_rec_is(r, schemas[i].type))
			sc = &schemas[i];
	if (!sc)
		return "unknown record type";
	for (i = 0; i < sizeof(sc->fields) / sizeof(sc->fields[0]) && sc->fields[i]; i++) {
		const char *spec = sc->fields[i], *sp = strchr(spec, ' ');
		size_t klen = (size_t)(sp - spec);
		bool opt = sp[1] == '?';
		char kind = sp[opt ? 2 : 1];
		const struct audit_field *f = k < r->n ? &r->f[k] : NULL;
		bool match = f && f->klen == klen && !memcmp(f->key, spec, klen);

		if (match && kind != '*' && (kind == 'u') != (f->kind == AUDIT_U64))
			return "a field has the wrong kind of value";
		if (match)
			k++;
		else if (!opt)
			return "fields missing or out of order for this record type";
	}
	return k == r->n ? NULL : "unexpected extra fields";
}
