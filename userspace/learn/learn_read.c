// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The evidence: the logs are verified first (a log that does not verify is
 * refused unless the caller says otherwise), then their decision records,
 * selected as `audit tail` selects them, become distinct observations.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "audit/audit.h"
#include "audit/audit_int.h"
#include "check/check.h"
#include "dns/dns_msg.h"
#include "learn_int.h"
#include "util/file.h"

static int failf(struct ag_error *err, int ret, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int failf(struct ag_error *err, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return ret;
}

/*
 * The log must verify against the trusted key: the one given, else this host's.
 * Records after the last seal (a log still being written, or a crash) are not
 * signed yet: *upto is the first such seq, and they are left out.
 */
static int verify(const struct learn_opts *o, struct learn_result *r, uint64_t *upto,
		  struct ag_error *err)
{
	const char *dir = o->key_dir ? o->key_dir : AUDIT_DEFAULT_KEY_DIR;
	struct audit_verify_opts vo = { .open = true };
	struct audit_verify_report rep;
	char pub[65], no_key[PATH_MAX + 32], own[PATH_MAX + 80] = "";
	int ret;

	snprintf(no_key, sizeof(no_key), "no --pubkey, no %s/audit.pub", dir);
	vo.pubkey_hex = o->pubkey_hex;
	/*
	 * Only a host without a key falls back to the log's own: one that cannot be
	 * read (a 0700 key directory, a damaged file) is this host's key all the same.
	 */
	if (!vo.pubkey_hex) {
		ret = audit_key_pubkey_hex(dir, pub);
		if (!ret)
			vo.pubkey_hex = pub;
		else if (ret != -ENOENT)
			return failf(err, ret,
				     "%s/audit.pub: %s: this host's key cannot be read, so the log "
				     "cannot be checked with it (--pubkey HEX|FILE gives the key, "
				     "--key-dir another directory)",
				     dir, ret == -EBADMSG ? "not 64 hex digits" : strerror(-ret));
	}
	ret = audit_verify_files(o->logs, o->nlogs, &vo, &rep);
	if (ret)
		return failf(err, ret, "%s: %s", o->logs[0], strerror(-ret));
	if (rep.verdict == AUDIT_USAGE)
		return failf(err, -EINVAL, "%s: %s", rep.where, rep.why);
	if (rep.verdict == AUDIT_UNSEALED && !o->unverified) {
		*upto = rep.bad_seq;
		learn_note(r, "records from seq %llu on follow the last seal (not signed yet): "
			      "left out (--unverified to include them)",
			   (unsigned long long)rep.bad_seq);
	} else if (rep.verdict != AUDIT_OK) {
		if (!o->unverified)
			return failf(err, -EBADMSG,
				     "%s: the log does not verify (%s: %s); refusing to learn from it "
				     "(%s--unverified to learn anyway)",
				     rep.where, audit_verdict_name(rep.verdict), rep.why,
				     rep.verdict == AUDIT_BAD_SIGNATURE && !o->pubkey_hex ?
					     "checked with this host's key: another host's log needs "
					     "--pubkey; " :
					     "");
		/* The summary says this first, and nothing that reads as verified. */
		if (!vo.pubkey_hex)
			snprintf(own, sizeof(own), " (checked with the log's own key: %s)", no_key);
		if (asprintf(&r->unverified, "UNVERIFIED: %s: %s: %s%s", rep.where,
			     audit_verdict_name(rep.verdict), rep.why, own) < 0) {
			r->unverified = NULL;
			return failf(err, -ENOMEM, "out of memory");
		}
		return 0;
	}
	if (!vo.pubkey_hex)
		learn_note(r, "verified with the log's own key (%s)", no_key);
	return 0;
}

static char *dup_field(const struct audit_record *rec, const char *key, bool *bad)
{
	const struct audit_field *f = audit_rec_get(rec, key);
	char *s;

	if (!f || f->kind != AUDIT_STR)
		return NULL;
	/* A policy is YAML text: bytes that are not UTF-8 cannot be written in one. */
	if (!audit_utf8_valid(f->s, f->len) || memchr(f->s, 0, f->len)) {
		*bad = true;
		return NULL;
	}
	s = strndup(f->s, f->len);
	if (!s)
		*bad = true;
	return s;
}

static void obs_clear(struct learn_obs *ob)
{
	free(ob->subject);
	free(ob->ip);
	free(ob->reason);
	free(ob->policy);
}

void learn_obsv_free(struct learn_obsv *obs)
{
	size_t i;

	for (i = 0; i < obs->n; i++)
		obs_clear(&obs->v[i]);
	free(obs->v);
	obs->v = NULL;
	obs->n = obs->cap = 0;
}

/* One decision record into an observation; 1 when it is one learn can use, 0 when skipped. */
static int observe(struct learn_result *r, const struct audit_record *rec, struct learn_obs *ob)
{
	const struct audit_field *rule = audit_rec_get(rec, "rule");
	char action[32], decision[16], mode[16], *p;
	bool bad = false;
	uint64_t port, count;

	memset(ob, 0, sizeof(*ob));
	ob->port = -1;
	ob->rule = -1;
	/* A record of folded decisions (docs/audit.md) stands for count of them. */
	ob->count = audit_rec_u64_get(rec, "count", &count) && count ? count : 1;
	audit_rec_cstr_get(rec, "action", action, sizeof(action));
	/* Self-protection refusals and refusals no rule can lift are not policy matters. */
	if (!rule || (rule->kind == AUDIT_STR && (rule->len != 7 || memcmp(rule->s, "default", 7))))
		return 0;
	if (!strcmp(action, "protect") || check_parse_action(action, &ob->action))
		return 0;
	audit_rec_cstr_get(rec, "decision", decision, sizeof(decision));
	audit_rec_cstr_get(rec, "mode", mode, sizeof(mode));
	ob->done = !strcmp(decision, "ALLOW") || !strcmp(mode, "simulate");
	if (rule->kind == AUDIT_U64)
		ob->rule = (long)rule->u;
	ob->subject = dup_field(rec, ob->action == AG_ACTION_SHELL_EXEC ? "command" :
				     ob->action == AG_ACTION_NETWORK    ? "domain" :
									  "path",
				&bad);
	/* Names match whatever their case (the matcher lower-cases them): proposed as matched. */
	for (p = ob->action == AG_ACTION_NETWORK ? ob->subject : NULL; p && *p; p++)
		*p = (char)tolower((unsigned char)*p);
	ob->ip = dup_field(rec, "ip", &bad);
	if (audit_rec_u64_get(rec, "port", &port) && port <= 65535)
		ob->port = (long)port;
	if (strcmp(decision, "ALLOW") && ob->rule >= 0)
		ob->reason = dup_field(rec, "reason", &bad);
	ob->policy = dup_field(rec, "policy", &bad);
	/* Serving on loopback needs no rule (docs/policy.md, listen). */
	if (ob->action == AG_ACTION_LISTEN && ob->ip &&
	    (!strncmp(ob->ip, "127.", 4) || !strcmp(ob->ip, "::1"))) {
		obs_clear(ob);
		return 0;
	}
	/*
	 * A name the DNS proxy refuses as unreadable is never looked up, so no rule
	 * can allow it (check says so): like a refusal no rule can lift, not a
	 * policy matter.
	 */
	if (ob->action == AG_ACTION_NETWORK && ob->subject &&
	    dns_name_readable(ob->subject, strlen(ob->subject))) {
		obs_clear(ob);
		return 0;
	}
	if (bad || (!ob->subject && !ob->ip)) {
		r->undecodable++;
		obs_clear(ob);
		return 0;
	}
	return 1;
}

static int cmp_str(const char *a, const char *b)
{
	return a && b ? strcmp(a, b) : (a != NULL) - (b != NULL);
}

static int cmp_obs(const void *pa, const void *pb)
{
	const struct learn_obs *a = pa, *b = pb;
	int c;

	if (a->action != b->action)
		return (int)a->action - (int)b->action;
	if ((c = cmp_str(a->subject, b->subject)) || (c = cmp_str(a->ip, b->ip)))
		return c;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	return (int)a->done - (int)b->done;
}

/* Sorted, and one observation per distinct (action, object, done) with its count. */
static void dedupe(struct learn_obsv *obs)
{
	size_t i, n = 0;

	if (!obs->n)
		return;
	qsort(obs->v, obs->n, sizeof(*obs->v), cmp_obs);
	for (i = 1; i < obs->n; i++) {
		if (!cmp_obs(&obs->v[n], &obs->v[i])) {
			obs->v[n].count += obs->v[i].count;
			obs_clear(&obs->v[i]);
			continue;
		}
		obs->v[++n] = obs->v[i];
	}
	obs->n = n + 1;
}

static int push(struct learn_obsv *obs, const struct learn_obs *ob)
{
	struct learn_obs *v;

	if (obs->n == obs->cap) {
		v = realloc(obs->v, (obs->cap ? obs->cap * 2 : 256) * sizeof(*v));
		if (!v)
			return -ENOMEM;
		obs->v = v;
		obs->cap = obs->cap ? obs->cap * 2 : 256;
	}
	obs->v[obs->n++] = *ob;
	return 0;
}

/* The agents (cgroups) whose decisions are learned, in the order first seen. */
struct agent {
	char *s;
	size_t len;
};

struct agents {
	struct agent *v;
	size_t n, cap, last;
};

static int agents_add(struct agents *a, const struct audit_record *rec)
{
	const struct audit_field *f = audit_rec_get(rec, "agent");
	const char *s = f && f->kind == AUDIT_STR ? f->s : "";
	size_t len = f && f->kind == AUDIT_STR ? f->len : 0, i;
	struct agent *v;

	/* Records of one agent come in runs: the last one first. */
	for (i = 0; i < a->n; i++) {
		size_t k = (a->last + i) % a->n;

		if (a->v[k].len == len && !memcmp(a->v[k].s, s, len)) {
			a->last = k;
			return 0;
		}
	}
	if (a->n == a->cap) {
		v = realloc(a->v, (a->cap ? a->cap * 2 : 8) * sizeof(*a->v));
		if (!v)
			return -ENOMEM;
		a->v = v;
		a->cap = a->cap ? a->cap * 2 : 8;
	}
	a->v[a->n].s = malloc(len ? len : 1);
	if (!a->v[a->n].s)
		return -ENOMEM;
	memcpy(a->v[a->n].s, s, len);
	a->v[a->n].len = len;
	a->last = a->n++;
	return 0;
}

static void agents_free(struct agents *a)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		free(a->v[i].s);
	free(a->v);
}

/*
 * One proposal for the decisions of several agents allows each what any of
 * them did: said, naming the first few.
 */
static int agents_note(const struct agents *a, struct learn_result *r)
{
	struct abuf list = { 0 };
	size_t i, shown = a->n < 5 ? a->n : 5;
	char more[40];
	int ret;

	for (i = 0; i < shown; i++) {
		if (i)
			abuf_put(&list, ", ", 2);
		if (a->v[i].len)
			audit_display(&list, a->v[i].s, a->v[i].len);
		else
			abuf_put(&list, "(no cgroup)", 11);
	}
	if (a->n > shown)
		abuf_put(&list, more,
			 (size_t)snprintf(more, sizeof(more), " and %zu more", a->n - shown));
	abuf_put(&list, "", 1);
	ret = list.oom ? -ENOMEM :
			 learn_note(r,
				    "the decisions of %zu agents are merged into one policy: %s "
				    "(--agent CGROUP or --container NAME|ID learns one agent's)",
				    a->n, list.p);
	abuf_free(&list);
	return ret;
}

static int read_file(const char *path, const struct learn_opts *o, const char *since, uint64_t upto,
		     struct learn_result *r, struct learn_obsv *obs, struct agents *agents)
{
	struct audit_filter flt = { .agent = o->agent, .container = o->container };
	struct audit_lines l = { 0 };
	struct audit_record rec;
	struct learn_obs ob;
	const char *why;
	char time[40];
	uint64_t seq;
	size_t i;
	int ret;

	ret = audit_lines_read(path, &l);
	for (i = 0; !ret && i < l.n; i++) {
		if (audit_rec_parse(l.data + l.off[i], l.len[i], &rec, &why))
			continue; /* only with --unverified: verification refused it */
		r->records++;
		if (audit_filter_match(&flt, &rec) &&
		    (!audit_rec_u64_get(&rec, "seq", &seq) || seq < upto) &&
		    strcmp(audit_rec_cstr_get(&rec, "time", time, sizeof(time)), since) >= 0) {
			r->decisions++;
			if (!observe(r, &rec, &ob))
				r->skipped++;
			else if (!(ret = push(obs, &ob)) && agents)
				ret = agents_add(agents, &rec); /* whose decisions are learned */
		}
		audit_rec_free(&rec);
	}
	audit_lines_free(&l);
	return ret;
}

/*
 * One log named twice is the operator's typo, not evidence (audit verify and export
 * call it usage): -EEXIST. A log that cannot be read is left to verify() to name.
 */
static int same_log(const struct learn_opts *o, struct ag_error *err)
{
	int i, j;

	for (i = 1; i < o->nlogs; i++)
		for (j = 0; j < i; j++)
			if (file_same(o->logs[i], o->logs[j]))
				return failf(err, -EEXIST,
					     "%s: the same file as %s, given twice (overlapping "
					     "globs?)",
					     o->logs[i], o->logs[j]);
	return 0;
}

int learn_read(const struct learn_opts *o, struct learn_result *r, struct learn_obsv *obs,
	       struct ag_error *err)
{
	bool one = o->agent || o->container;
	struct agents agents = { 0 };
	uint64_t upto = UINT64_MAX;
	char since[40] = "";
	size_t i;
	int ret;

	if (o->nlogs < 1)
		return failf(err, -EINVAL, "expected an audit log");
	ret = same_log(o, err);
	if (!ret)
		ret = verify(o, r, &upto, err);
	if (ret)
		return ret;
	/* Record times are fixed-width RFC 3339: text order is time order. */
	if (o->since_ns)
		audit_time_format(o->since_ns, since);
	for (i = 0, ret = 0; i < (size_t)o->nlogs && !ret; i++)
		ret = read_file(o->logs[i], o, since, upto, r, obs, one ? NULL : &agents);
	if (!ret && agents.n > 1)
		ret = agents_note(&agents, r);
	agents_free(&agents);
	if (ret)
		return failf(err, ret, "%s: %s", o->logs[i - 1], strerror(-ret));
	dedupe(obs);
	for (i = 0; i < obs->n; i++) {
		if (obs->v[i].done)
			r->done += obs->v[i].count;
		else
			r->refused += obs->v[i].count;
	}
	if (!obs->n)
		return failf(err, -ENODATA,
			     "%s: no decisions to learn from (%lu records, %lu decisions selected%s%s%s%s)",
			     o->logs[0], r->records, r->decisions,
			     o->agent || o->container ? " by the agent or container given" : "",
			     o->since_ns ? ", since " : "", o->since_ns ? since : "",
			     upto != UINT64_MAX ? "; records after the last seal are left out" : "");
	return 0;
}
