// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* JSON answers of the dashboard's API (dash_api.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "audit/audit_int.h"
#include "dash_api.h"

#define TOP_N 10

static int dump(json_t *o, char **body, size_t *len)
{
	if (!o)
		return -ENOMEM;
	*body = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!*body)
		return -ENOMEM;
	*len = strlen(*body);
	return 0;
}

int dash_api_error(const char *why, char **body, size_t *len)
{
	return dump(json_pack("{ss}", "error", why), body, len);
}

/* A line that is not a record, as a JSON string: printable ASCII kept, other bytes \u00XX. */
static void put_raw_string(struct abuf *b, const char *s, size_t len)
{
	char esc[8];
	size_t i;

	abuf_put(b, "\"", 1);
	for (i = 0; i < len && i < 4096; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			abuf_put(b, &s[i], 1);
		} else {
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			abuf_put(b, esc, 6);
		}
	}
	abuf_put(b, "\"", 1);
}

static void put_rec(struct abuf *b, const struct dash_log *l, const struct dash_rec *r)
{
	char head[96];
	int n;

	if (r->canonical) {
		abuf_put(b, dash_log_line(l, r), r->len); /* canonical lines are JSON as they are */
		return;
	}
	n = snprintf(head, sizeof(head), "{\"type\":\"malformed\",\"file\":%u,\"offset\":%llu,\"line\":",
		     r->file, (unsigned long long)r->off);
	abuf_put(b, head, (size_t)n);
	put_raw_string(b, dash_log_line(l, r), r->len);
	abuf_put(b, "}", 1);
}

int dash_api_records(const struct dash_log *l, const struct dash_query *q, char **body,
		     size_t *len)
{
	size_t n = dash_log_count(l), total = 0, shown = 0, i;
	struct abuf b = { 0 };
	struct dash_match m;
	char head[128];
	int err;

	err = dash_match_prepare(l, q, &m);
	if (err)
		return err;
	abuf_put(&b, "{\"records\":[", 12);
	if (q->has_after) {
		/* Live: the oldest records after a seq, so the page appends them in order. */
		for (i = 0; i < n; i++) {
			const struct dash_rec *r = dash_log_rec(l, i);

			if (!dash_match(l, &m, r))
				continue;
			if (total++ >= q->limit)
				continue;
			if (shown++)
				abuf_put(&b, ",", 1);
			put_rec(&b, l, r);
		}
	} else if (dash_query_all(q)) {
		/* The whole log: a page is a seek into the index. */
		total = n;
		for (i = q->offset < n ? n - q->offset : 0; i > 0 && shown < q->limit; i--) {
			if (shown++)
				abuf_put(&b, ",", 1);
			put_rec(&b, l, dash_log_rec(l, i - 1));
		}
	} else {
		for (i = n; i > 0; i--) {
			const struct dash_rec *r = dash_log_rec(l, i - 1);

			if (!dash_match(l, &m, r))
				continue;
			if (total++ < q->offset || shown >= q->limit)
				continue;
			if (shown++)
				abuf_put(&b, ",", 1);
			put_rec(&b, l, r);
		}
	}
	dash_match_free(&m);
	snprintf(head, sizeof(head), "],\"total\":%zu,\"offset\":%llu,\"limit\":%u}\n", total,
		 (unsigned long long)q->offset, q->limit);
	abuf_put(&b, head, strlen(head));
	abuf_put(&b, "", 1);
	if (b.oom) {
		abuf_free(&b);
		return -ENOMEM;
	}
	*body = b.p;
	*len = b.len - 1;
	return 0;
}

struct obj_count {
	const char *kind; /* path, command, domain, ip */
	char *s;
	uint64_t n; /* the denials its record stands for */
};

static int obj_cmp(const void *a, const void *b)
{
	const struct obj_count *x = a, *y = b;
	int c = strcmp(x->kind, y->kind);

	return c ? c : strcmp(x->s, y->s);
}

/* The denied objects' top TOP_N per kind, by count. */
static json_t *top_denied(struct obj_count *objs, size_t n)
{
	json_t *out = json_object(), *kind_arr = NULL;
	const char *kind = NULL;
	size_t i, j;

	qsort(objs, n, sizeof(*objs), obj_cmp);
	for (i = 0; out && i < n; i = j) {
		json_int_t c = 0;
		size_t k;

		for (j = i; j < n && !obj_cmp(&objs[i], &objs[j]); j++)
			c += (json_int_t)objs[j].n;
		if (!kind || strcmp(kind, objs[i].kind)) {
			kind = objs[i].kind;
			kind_arr = json_array();
			json_object_set_new(out, kind, kind_arr);
		}
		/* Insertion into a list kept sorted by count, at most TOP_N long. */
		for (k = 0; k < json_array_size(kind_arr); k++)
			if (json_integer_value(json_array_get(json_array_get(kind_arr, k), 1)) < c)
				break;
		if (k < TOP_N)
			json_array_insert_new(kind_arr, k, json_pack("[s,I]", objs[i].s, c));
		if (json_array_size(kind_arr) > TOP_N)
			json_array_remove(kind_arr, TOP_N);
	}
	return out;
}

/* The object of a denied decision or question: the line parsed once more. */
static int collect_obj(const struct dash_log *l, const struct dash_rec *r, struct obj_count **objs,
		       size_t *n, size_t *cap)
{
	static const char *const kinds[] = { "path", "command", "domain", "ip" };
	struct audit_record rec;
	const struct audit_field *f = NULL;
	const char *why;
	size_t k;

	audit_rec_init(&rec);
	if (audit_rec_parse(dash_log_line(l, r), r->len, &rec, &why))
		return 0;
	for (k = 0; k < 4 && !f; k++)
		f = audit_rec_get(&rec, kinds[k]);
	if (f && f->kind == AUDIT_STR) {
		if (*n == *cap) {
			size_t c = *cap ? *cap * 2 : 256;
			struct obj_count *p = realloc(*objs, c * sizeof(*p));

			if (!p) {
				audit_rec_free(&rec);
				return -ENOMEM;
			}
			*objs = p;
			*cap = c;
		}
		(*objs)[*n].kind = kinds[k - 1];
		(*objs)[*n].n = r->count;
		(*objs)[*n].s = strndup(f->s, f->len);
		if ((*objs)[*n].s && audit_utf8_valid(f->s, f->len))
			(*n)++;
		else
			free((*objs)[*n].s);
	}
	audit_rec_free(&rec);
	return 0;
}

int dash_api_summary(const struct dash_log *l, const struct dash_query *q, char **body,
		     size_t *len)
{
	uint32_t nstr = dash_log_nstr(l);
	/* counts[agent id][action][decision] */
	uint64_t (*counts)[DASH_A_COUNT][DASH_D_COUNT] = calloc(nstr, sizeof(*counts));
	uint64_t matched = 0, types[DASH_T_COUNT] = { 0 };
	struct obj_count *objs = NULL;
	size_t nobj = 0, capobj = 0, i, n = dash_log_count(l);
	json_t *out, *agents, *tj;
	struct dash_match m;
	int err, a;

	if (!counts)
		return -ENOMEM;
	err = dash_match_prepare(l, q, &m);
	for (i = 0; !err && i < n; i++) {
		const struct dash_rec *r = dash_log_rec(l, i);

		if (!dash_match(l, &m, r))
			continue;
		matched++;
		types[r->type]++;
		if (r->type == DASH_T_DECISION || r->type == DASH_T_ASK) {
			counts[r->agent][r->action][r->decision] += r->count;
			if (r->decision == DASH_D_DENY)
				err = collect_obj(l, r, &objs, &nobj, &capobj);
		}
	}
	dash_match_free(&m);
	out = json_pack("{sI}", "records", (json_int_t)matched);
	agents = json_array();
	tj = json_object();
	for (i = 0; i < DASH_T_COUNT; i++)
		if (types[i])
			json_object_set_new(tj, dash_type_name((int)i), json_integer((json_int_t)types[i]));
	for (i = 0; !err && i < nstr; i++) {
		json_t *ag = NULL, *acts = json_object();
		uint64_t allow = 0, deny = 0;

		for (a = 0; a < DASH_A_COUNT; a++) {
			if (!counts[i][a][DASH_D_ALLOW] && !counts[i][a][DASH_D_DENY] &&
			    !counts[i][a][DASH_D_NONE])
				continue;
			json_object_set_new(acts, a ? dash_action_name(a) : "other",
					    json_pack("{sIsI}", "allow",
						      (json_int_t)counts[i][a][DASH_D_ALLOW], "deny",
						      (json_int_t)counts[i][a][DASH_D_DENY]));
			allow += counts[i][a][DASH_D_ALLOW];
			deny += counts[i][a][DASH_D_DENY];
		}
		if (json_object_size(acts))
			ag = json_pack("{sssIsIso}", "agent", dash_log_str(l, (uint32_t)i), "allow",
				       (json_int_t)allow, "deny", (json_int_t)deny, "actions", acts);
		else
			json_decref(acts);
		if (ag)
			json_array_append_new(agents, ag);
	}
	free(counts);
	if (!err) {
		json_object_set_new(out, "types", tj);
		json_object_set_new(out, "agents", agents);
		json_object_set_new(out, "top_denied", top_denied(objs, nobj));
	} else {
		json_decref(tj);
		json_decref(agents);
	}
	for (i = 0; i < nobj; i++)
		free(objs[i].s);
	free(objs);
	if (err) {
		json_decref(out);
		return err;
	}
	return dump(out, body, len);
}

int dash_api_timeline(const struct dash_log *l, const struct dash_query *q, char **body,
		      size_t *len)
{
	size_t n = dash_log_count(l), i;
	int64_t lo = q->from_ns, hi = q->to_ns, width;
	json_t *allow, *deny, *out;
	uint64_t *ca, *cd;
	struct dash_match m;
	char t0[32];
	int err;

	err = dash_match_prepare(l, q, &m);
	if (err)
		return err;
	/* Without from/to: the span of the matching decisions. */
	for (i = 0; (!q->from_ns || !q->to_ns) && i < n; i++) {
		const struct dash_rec *r = dash_log_rec(l, i);

		if (!r->decision || !r->time_ns || !dash_match(l, &m, r))
			continue;
		if (!q->from_ns && (!lo || r->time_ns < lo))
			lo = r->time_ns;
		if (!q->to_ns && (!hi || r->time_ns + 1 > hi))
			hi = r->time_ns + 1;
	}
	if (hi && lo && hi < lo)
		hi = lo;
	width = hi > lo ? (hi - lo + q->buckets - 1) / q->buckets : 1;
	ca = calloc(q->buckets, sizeof(*ca));
	cd = calloc(q->buckets, sizeof(*cd));
	if (!ca || !cd) {
		free(ca);
		free(cd);
		dash_match_free(&m);
		return -ENOMEM;
	}
	for (i = 0; lo && i < n; i++) {
		const struct dash_rec *r = dash_log_rec(l, i);
		uint64_t b;

		if (!r->decision || r->time_ns < lo || r->time_ns >= hi || !dash_match(l, &m, r))
			continue;
		b = (uint64_t)(r->time_ns - lo) / (uint64_t)width;
		if (b >= q->buckets)
			b = q->buckets - 1;
		(r->decision == DASH_D_DENY ? cd : ca)[b]++;
	}
	dash_match_free(&m);
	allow = json_array();
	deny = json_array();
	for (i = 0; i < q->buckets; i++) {
		json_array_append_new(allow, json_integer((json_int_t)ca[i]));
		json_array_append_new(deny, json_integer((json_int_t)cd[i]));
	}
	free(ca);
	free(cd);
	audit_time_format(lo, t0);
	out = json_pack("{sssIsoso}", "start", lo ? t0 : "", "bucket_ms",
			(json_int_t)(width / 1000000 ? width / 1000000 : 1), "allow", allow, "deny",
			deny);
	if (out)
		json_object_set_new(out, "bucket_ns", json_integer((json_int_t)width));
	return dump(out, body, len);
}

int dash_api_verify(const struct audit_verify_report *rep, bool pubkey_given, char **body,
		    size_t *len)
{
	return dump(json_pack("{sssisIsIsIsIsIsIsssssssb}", "verdict",
			      audit_verdict_name(rep->verdict), "status", (int)rep->verdict,
			      "records", (json_int_t)rep->records, "seals", (json_int_t)rep->seals,
			      "first_seq", (json_int_t)rep->first_seq, "last_seq",
			      (json_int_t)rep->last_seq, "bad_seq", (json_int_t)rep->bad_seq,
			      "gaps_lost", (json_int_t)rep->gaps_lost, "where", rep->where, "why",
			      rep->why, "note", rep->note, "pubkey_given", pubkey_given),
		    body, len);
}

int dash_api_info(const struct dash_log *l, const char *log_path, const char *stream_socket,
		  bool pubkey_given, char **body, size_t *len)
{
	int n;

	dash_log_paths(l, &n);
	return dump(json_pack("{sssisIsssssssb}", "log", log_path, "files", n, "records",
			      (json_int_t)dash_log_count(l), "version", AG_VERSION, "live",
			      stream_socket ? "stream" : "file", "stream",
			      stream_socket ? stream_socket : "", "pubkey_given", pubkey_given),
		    body, len);
}
