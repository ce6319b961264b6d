// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * `audit verify`: walks the records of one or more files as one chain and
 * stops at the first problem, naming its kind (enum audit_verdict), the
 * sequence number and the file:line. The rules are in docs/audit.md,
 * "Verification"; a verifier in another language follows the same steps.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "audit.h"
#include "audit_int.h"

struct vfile {
	const char *path;
	struct audit_lines l;
	uint64_t first_seq;
	int order;
};

/* Position of every parsable record's seq, to tell reordering from deletion. */
struct seqpos {
	uint64_t seq;
	size_t pos;
	uint64_t hash8;
};

struct vstate {
	const struct audit_verify_opts *opts;
	struct audit_verify_report *rep;
	struct audit_hasher *h;
	struct seqpos *sp; /* sorted by seq, then pos */
	size_t nsp;
	struct seqpos *seen; /* verified records: seq -> first 8 bytes of hash */
	size_t nseen;
	bool started;
	uint64_t last_seq;
	uint8_t last_hash[32];
	char last_type[16];
	char last_reason[16];
	uint64_t last_seal_seq;
	bool any_seal;
	char log_id[40];
	uint8_t pub[32];
	uint64_t epoch;
};

const char *audit_verdict_name(enum audit_verdict v)
{
	static const char *const names[] = { "intact",	    "unsealed tail", "usage",
					     "edited",	    "missing",	     "reordered",
					     "duplicated",  "inserted",	     "bad signature",
					     "broken link", "torn tail",     "stale" };

	return (unsigned int)v < sizeof(names) / sizeof(names[0]) ? names[v] : "unknown";
}

static int fail(struct vstate *v, enum audit_verdict verdict, uint64_t seq, const char *fmt, ...)
{
	va_list ap;

	v->rep->verdict = verdict;
	v->rep->bad_seq = seq;
	va_start(ap, fmt);
	vsnprintf(v->rep->why, sizeof(v->rep->why), fmt, ap);
	va_end(ap);
	return 1;
}

static void note(struct vstate *v, const char *s)
{
	size_t n = strlen(v->rep->note);

	snprintf(v->rep->note + n, sizeof(v->rep->note) - n, "%s%s", n ? " " : "", s);
}

static uint64_t hash8(const uint8_t h[32])
{
	uint64_t u;

	memcpy(&u, h, 8);
	return u;
}

static int cmp_seqpos(const void *a, const void *b)
{
	const struct seqpos *x = a, *y = b;

	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static int cmp_vfile(const void *a, const void *b)
{
	const struct vfile *x = a, *y = b;

	if (x->first_seq != y->first_seq)
		return x->first_seq < y->first_seq ? -1 : 1;
	return x->order - y->order;
}

/* Whether a record with this seq sits at a position after pos. */
static bool seq_later(const struct vstate *v, uint64_t seq, size_t pos)
{
	struct seqpos key = { .seq = seq, .pos = pos + 1 };
	size_t lo = 0, hi = v->nsp;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (cmp_seqpos(&v->sp[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < v->nsp && v->sp[lo].seq == seq;
}

static bool seen_hash(const struct vstate *v, uint64_t seq, uint64_t h8)
{
	size_t i;

	/* seen[] is in seq order: the chain only ever grows by one. */
	for (i = v->nseen; i-- > 0;) {
		if (v->seen[i].seq == seq)
			return v->seen[i].hash8 == h8;
		if (v->seen[i].seq < seq)
			break;
	}
	return false;
}

/* A "torn" record right after line i that accounts for exactly its bytes. */
static bool torn_accounted(const char *line, size_t len, const char *next, size_t nlen)
{
	struct audit_record t;
	const struct audit_field *b, *s;
	const char *why;
	uint8_t sha[32], want[32];
	bool ok;

	if (!next || !memmem(next, nlen < 48 ? nlen : 48, "\"type\":\"torn\"", 13))
		return false;
	if (audit_rec_parse(next, nlen, &t, &why))
		return false;
	b = audit_rec_get(&t, "bytes");
	s = audit_rec_get(&t, "sha256");
	ok = audit_rec_is(&t, "torn") && b && b->kind == AUDIT_U64 && b->u == len && s &&
	     !audit_unhex(s->s, s->len, want, 32) && !audit_sha256(line, len, sha) &&
	     !memcmp(sha, want, 32);
	audit_rec_free(&t);
	return ok;
}

static int check_genesis(struct vstate *v, const struct audit_record *r, uint64_t seq,
			 const uint8_t prev[32])
{
	char buf[80], log_id[40];
	uint8_t key[32], pub[32], given[32];
	uint64_t epoch = 0, file = 0;
	static const uint8_t zero[32];

	audit_rec_cstr_get(r, "log_id", log_id, sizeof(log_id));
	audit_rec_u64_get(r, "epoch", &epoch);
	audit_rec_u64_get(r, "file", &file);
	audit_rec_cstr_get(r, "key", buf, sizeof(buf));
	if (audit_unhex(buf, strlen(buf), key, 32))
		return fail(v, AUDIT_EDITED, seq, "genesis record has a malformed key");
	audit_rec_cstr_get(r, "pubkey", buf, sizeof(buf));
	if (audit_unhex(buf, strlen(buf), pub, 32))
		return fail(v, AUDIT_EDITED, seq, "genesis record has a malformed pubkey");
	if (v->started) {
		if (strcmp(v->last_type, "seal") || strcmp(v->last_reason, "rotate"))
			return fail(
				v, AUDIT_BROKEN_LINK, seq,
				"a new file starts at seq %llu, but the record before it is not "
				"a rotation seal",
				(unsigned long long)seq);
		if (strcmp(log_id, v->log_id))
			return fail(v, AUDIT_BROKEN_LINK, seq,
				    "file starting at seq %llu belongs to another log (%s, not %s)",
				    (unsigned long long)seq, log_id, v->log_id);
		if (epoch != v->epoch || memcmp(pub, v->pub, 32))
			return fail(
				v, AUDIT_BAD_SIGNATURE, seq,
				"genesis at seq %llu names a key that is not the chain's current "
				"key",
				(unsigned long long)seq);
		return 0;
	}
	snprintf(v->log_id, sizeof(v->log_id), "%s", log_id);
	v->epoch = epoch;
	memcpy(v->pub, pub, 32);
	if (v->opts->pubkey_hex) {
		if (audit_unhex(v->opts->pubkey_hex, strlen(v->opts->pubkey_hex), given, 32))
			return fail(v, AUDIT_USAGE, seq, "--pubkey is not 64 hex digits");
		if (memcmp(given, key, 32) || (epoch == 0 && memcmp(given, pub, 32)))
			return fail(v, AUDIT_BAD_SIGNATURE, seq,
				    "the log is sealed with a different key than --pubkey");
		if (epoch)
			note(v,
			     "The first file given starts at key epoch > 0: its key is taken from "
			     "its genesis (give the earlier files to check it).");
	} else {
		note(v, "No --pubkey: seals were checked against the key the log names itself, "
			"which proves integrity only if that key is trusted.");
	}
	if (memcmp(prev, zero, 32) || seq != 0 || file > 1)
		note(v, "The chain starts after earlier files that were not given; the link to "
			"them was not checked.");
	return 0;
}

static int check_seal(struct vstate *v, const struct audit_record *r, uint64_t seq,
		      const char *prev_hex)
{
	char time[40], reason[16], log_id[40], sigh[140], nexth[80];
	const struct audit_field *np = audit_rec_get(r, "next_pubkey");
	uint8_t sig[64], next[32];
	struct abuf msg = { 0 };
	uint64_t epoch = 0;
	bool ok;

	audit_rec_cstr_get(r, "time", time, sizeof(time));
	audit_rec_cstr_get(r, "reason", reason, sizeof(reason));
	audit_rec_cstr_get(r, "log_id", log_id, sizeof(log_id));
	audit_rec_cstr_get(r, "sig", sigh, sizeof(sigh));
	audit_rec_cstr_get(r, "next_pubkey", nexth, sizeof(nexth));
	audit_rec_u64_get(r, "epoch", &epoch);
	if (strcmp(log_id, v->log_id))
		return fail(v, AUDIT_BROKEN_LINK, seq, "seal at seq %llu belongs to another log",
			    (unsigned long long)seq);
	if (epoch != v->epoch)
		return fail(v, AUDIT_BAD_SIGNATURE, seq,
			    "seal at seq %llu claims key epoch %llu, the chain is at %llu",
			    (unsigned long long)seq, (unsigned long long)epoch,
			    (unsigned long long)v->epoch);
	if (audit_unhex(sigh, strlen(sigh), sig, 64) ||
	    (np && audit_unhex(nexth, strlen(nexth), next, 32)))
		return fail(v, AUDIT_BAD_SIGNATURE, seq, "seal at seq %llu is malformed",
			    (unsigned long long)seq);
	audit_seal_message(&msg, log_id, seq, prev_hex, time, reason, nexth);
	ok = !msg.oom && audit_sig_ok(v->pub, msg.p, msg.len, sig);
	abuf_free(&msg);
	if (!ok)
		return fail(v, AUDIT_BAD_SIGNATURE, seq,
			    "seal at seq %llu: the signature does not verify with the key of epoch "
			    "%llu",
			    (unsigned long long)seq, (unsigned long long)v->epoch);
	if (np) {
		memcpy(v->pub, next, 32);
		v->epoch++;
	}
	v->rep->seals++;
	v->any_seal = true;
	snprintf(v->rep->last_seal_time, sizeof(v->rep->last_seal_time), "%s", time);
	v->last_seal_seq = seq;
	snprintf(v->last_reason, sizeof(v->last_reason), "%s", reason);
	return 0;
}

/* Sequencing of a record whose own hash is right; 0 when it extends the chain. */
static int check_link(struct vstate *v, const struct audit_record *r, uint64_t seq,
		      const uint8_t prev[32], size_t pos)
{
	uint64_t expected = v->last_seq + 1;
	bool gen = audit_rec_is(r, "genesis");

	if (!v->started) {
		if (!gen)
			return fail(v, AUDIT_MISSING, seq,
				    "the log does not start with a genesis record (first record is "
				    "seq %llu): records before it are missing",
				    (unsigned long long)seq);
		return 0;
	}
	if (seq == expected && !memcmp(prev, v->last_hash, 32))
		return 0;
	if (seq == expected)
		return fail(v, gen ? AUDIT_BROKEN_LINK : AUDIT_INSERTED, seq,
			    gen ? "the file starting at seq %llu does not continue the previous "
				  "file's last hash" :
				  "seq %llu does not link to the record before it: inserted or "
				  "replaced",
			    (unsigned long long)seq);
	if (seq == v->last_seq || (seq < v->last_seq && seen_hash(v, seq, hash8(r->hash))))
		return fail(v,
			    seq == v->last_seq && memcmp(r->hash, v->last_hash, 32) ?
				    AUDIT_INSERTED :
				    AUDIT_DUPLICATED,
			    seq,
			    seq == v->last_seq && memcmp(r->hash, v->last_hash, 32) ?
				    "two different records claim seq %llu: one was inserted" :
				    "seq %llu appears twice",
			    (unsigned long long)seq);
	if (seq < v->last_seq)
		return fail(v, AUDIT_REORDERED, seq, "seq %llu comes after seq %llu",
			    (unsigned long long)seq, (unsigned long long)v->last_seq);
	if (seq_later(v, expected, pos))
		return fail(v, AUDIT_REORDERED, expected,
			    "seq %llu comes before seq %llu: records were reordered",
			    (unsigned long long)seq, (unsigned long long)expected);
	if (gen)
		return fail(v, AUDIT_BROKEN_LINK, expected,
			    "records %llu..%llu are missing between files: a file was removed",
			    (unsigned long long)expected, (unsigned long long)seq - 1);
	return fail(v, AUDIT_MISSING, expected, "records %llu..%llu are missing",
		    (unsigned long long)expected, (unsigned long long)seq - 1);
}

/* One complete line at stream position pos; 0: fine, 1: verdict set. */
static int check_line(struct vstate *v, const char *line, size_t len, size_t pos)
{
	struct audit_record r;
	const char *why, *serr;
	char prev_hex[80];
	uint8_t prev[32], hash[32];
	uint64_t seq = 0, lost;
	int bad = 0;

	if (audit_rec_parse(line, len, &r, &why))
		return fail(v, AUDIT_EDITED, v->last_seq + 1, "not a valid record (%s)", why);
	audit_rec_u64_get(&r, "seq", &seq);
	serr = audit_rec_schema_error(&r);
	audit_rec_cstr_get(&r, "prev", prev_hex, sizeof(prev_hex));
	if (serr)
		bad = fail(v, AUDIT_EDITED, seq, "record seq %llu: %s", (unsigned long long)seq,
			   serr);
	else if (!audit_rec_canonical(&r, line, len))
		bad = fail(v, AUDIT_EDITED, seq, "record seq %llu is not in canonical form",
			   (unsigned long long)seq);
	else if (audit_unhex(prev_hex, strlen(prev_hex), prev, 32))
		bad = fail(v, AUDIT_EDITED, seq, "record seq %llu: prev is not a hash",
			   (unsigned long long)seq);
	if (bad)
		goto out;
	/* The canonical bytes are the line without its hash member. */
	{
		char *canon = malloc(len);

		if (!canon) {
			bad = fail(v, AUDIT_USAGE, seq, "out of memory");
			goto out;
		}
		memcpy(canon, line, len - AUDIT_HASH_SUFFIX_LEN);
		canon[len - AUDIT_HASH_SUFFIX_LEN] = '}';
		audit_chain_hash(v->h, prev, canon, len - AUDIT_HASH_SUFFIX_LEN + 1, hash);
		free(canon);
	}
	if (memcmp(hash, r.hash, 32)) {
		bad = fail(v, AUDIT_EDITED, seq,
			   "record seq %llu was edited: its content does not match its hash",
			   (unsigned long long)seq);
		goto out;
	}
	if (v->opts->dedup && v->started && seq <= v->last_seq &&
	    (seq == v->last_seq ? !memcmp(r.hash, v->last_hash, 32) :
				  seen_hash(v, seq, hash8(r.hash)))) {
		v->rep->duplicates++; /* sent again by a forwarder: the first copy counts */
		goto out;
	}
	bad = check_link(v, &r, seq, prev, pos);
	if (!bad && audit_rec_is(&r, "genesis") && !v->started)
		audit_rec_cstr_get(&r, "host", v->rep->host, sizeof(v->rep->host));
	if (!bad && audit_rec_is(&r, "genesis"))
		bad = check_genesis(v, &r, seq, prev);
	if (!bad && audit_rec_is(&r, "seal"))
		bad = check_seal(v, &r, seq, prev_hex);
	if (bad)
		goto out;
	if (audit_rec_is(&r, "gap") && audit_rec_u64_get(&r, "lost", &lost))
		v->rep->gaps_lost += lost;
	/* A record of folded decisions stands for its count (docs/audit.md). */
	if (audit_rec_is(&r, "decision"))
		v->rep->decisions += audit_rec_u64_get(&r, "count", &lost) ? lost : 1;
	if (audit_rec_is(&r, "torn"))
		v->rep->torn_recovered++;
	if (!v->started)
		v->rep->first_seq = seq;
	v->started = true;
	v->last_seq = seq;
	v->rep->last_seq = seq;
	memcpy(v->last_hash, r.hash, 32);
	audit_rec_cstr_get(&r, "type", v->last_type, sizeof(v->last_type));
	v->rep->records++;
	if (v->nseen % 4096 == 0) {
		struct seqpos *p = realloc(v->seen, (v->nseen + 4096) * sizeof(*p));

		if (!p) {
			bad = fail(v, AUDIT_USAGE, seq, "out of memory");
			goto out;
		}
		v->seen = p;
	}
	v->seen[v->nseen++] = (struct seqpos){ .seq = seq, .hash8 = hash8(r.hash) };
out:
	audit_rec_free(&r);
	return bad;
}

/*
 * The seq a line starts with ({"seq":N,). Bounded by the line's length: sscanf() would
 * take strlen() of the whole rest of the file at every line (quadratic in the log size).
 */
static bool line_seq(const char *s, size_t len, unsigned long long *seq)
{
	size_t i = 7;

	if (len < 9 || memcmp(s, "{\"seq\":", 7) || s[7] < '0' || s[7] > '9')
		return false;
	for (*seq = 0; i < len && i < 27 && s[i] >= '0' && s[i] <= '9'; i++)
		*seq = *seq * 10 + (unsigned long long)(s[i] - '0');
	return i < len && i < 27 && s[i] == ',';
}

static int collect_seqs(struct vstate *v, struct vfile *files, int n)
{
	size_t total = 0, pos = 0, i;
	int f;

	for (f = 0; f < n; f++)
		total += files[f].l.n;
	v->sp = calloc(total + 1, sizeof(*v->sp));
	if (!v->sp)
		return -ENOMEM;
	for (f = 0; f < n; f++) {
		for (i = 0; i < files[f].l.n; i++, pos++) {
			const char *s = files[f].l.data + files[f].l.off[i];
			unsigned long long seq;

			/* Only the position matters here; the line is checked in full later. */
			if (line_seq(s, files[f].l.len[i], &seq))
				v->sp[v->nsp++] = (struct seqpos){ .seq = seq, .pos = pos };
		}
	}
	qsort(v->sp, v->nsp, sizeof(*v->sp), cmp_seqpos);
	return 0;
}

/* --max-age: the seals carry time, so a host that stopped sending shows as an old last seal. */
static void check_age(struct vstate *v)
{
	int64_t now = v->opts->now_s ? v->opts->now_s : (int64_t)time(NULL);
	struct tm tm = { 0 };
	const char *end;
	int64_t t;

	if (!v->opts->max_age_s)
		return;
	end = strptime(v->rep->last_seal_time, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!end) {
		fail(v, AUDIT_STALE, v->last_seal_seq, "no seal carries a time to check --max-age");
		return;
	}
	t = (int64_t)timegm(&tm);
	if (now - t > (int64_t)v->opts->max_age_s)
		fail(v, AUDIT_STALE, v->last_seal_seq,
		     "the last seal (seq %llu, %s) is %lld s old, more than --max-age %llu: the "
		     "host stopped sending or sealing",
		     (unsigned long long)v->last_seal_seq, v->rep->last_seal_time,
		     (long long)(now - t), (unsigned long long)v->opts->max_age_s);
}

static void walk(struct vstate *v, struct vfile *files, int n)
{
	size_t pos = 0, i;
	int f;

	for (f = 0; f < n; f++) {
		const struct audit_lines *l = &files[f].l;

		for (i = 0; i < l->n; i++, pos++) {
			const char *line = l->data + l->off[i];
			const char *next = i + 1 < l->n ? l->data + l->off[i + 1] : NULL;

			snprintf(v->rep->where, sizeof(v->rep->where), "%s:%zu", files[f].path,
				 i + 1);
			if (torn_accounted(line, l->len[i], next, next ? l->len[i + 1] : 0))
				continue;
			if (check_line(v, line, l->len[i], pos))
				return;
		}
		if (l->tail_len) {
			snprintf(v->rep->where, sizeof(v->rep->where), "%s:%zu", files[f].path,
				 l->n + 1);
			/* No record read: nothing to be torn after, and no genesis, as in an empty log. */
			if (!v->started) {
				fail(v, AUDIT_MISSING, 0,
				     "no records: nothing but an incomplete line (%zu bytes), no genesis",
				     l->tail_len);
				return;
			}
			fail(v, f == n - 1 ? AUDIT_TORN : AUDIT_EDITED, v->last_seq + 1,
			     f == n - 1 ? "the last line (%zu bytes after seq %llu) is "
					  "incomplete: the writer stopped mid-record (crash); its "
					  "next start records it" :
					  "an incomplete line (%zu bytes after seq %llu) in a file "
					  "that is not the newest",
			     l->tail_len, (unsigned long long)v->last_seq);
			return;
		}
	}
	snprintf(v->rep->where, sizeof(v->rep->where), "%s:%zu", files[n - 1].path,
		 files[n - 1].l.n);
	if (!v->started) {
		fail(v, AUDIT_MISSING, 0, "no records");
	} else if (strcmp(v->last_type, "seal")) {
		fail(v, AUDIT_UNSEALED, v->any_seal ? v->last_seal_seq + 1 : v->rep->first_seq,
		     "records %llu..%llu follow the last seal: the writer crashed, "
		     "or records after them were removed",
		     (unsigned long long)(v->any_seal ? v->last_seal_seq + 1 : v->rep->first_seq),
		     (unsigned long long)v->last_seq);
		if (v->opts->open)
			check_age(v); /* a live log: going quiet is the worse news */
	} else if (!strcmp(v->last_reason, "periodic") && !v->opts->open) {
		fail(v, AUDIT_UNSEALED, v->last_seq + 1,
		     "the log ends with a periodic seal (seq %llu), not a shutdown seal: it is "
		     "still being written (use --open), or records after it were removed",
		     (unsigned long long)v->last_seq);
	} else {
		if (!strcmp(v->last_reason, "rotate"))
			note(v,
			     "The last file ends with a rotation seal: newer files were not given.");
		if (!strcmp(v->last_reason, "periodic"))
			note(v, "Open log: records after the last periodic seal cannot be proven "
				"present or absent.");
		v->rep->verdict = AUDIT_OK;
		check_age(v);
	}
}

int audit_verify_files(char *const *paths, int npaths, const struct audit_verify_opts *opts,
		       struct audit_verify_report *rep)
{
	struct vstate v = { .opts = opts, .rep = rep };
	struct vfile *files;
	int i, err = 0;

	memset(rep, 0, sizeof(*rep));
	if (npaths < 1)
		return -EINVAL;
	files = calloc((size_t)npaths, sizeof(*files));
	v.h = audit_hasher_new();
	if (!files || !v.h) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < npaths; i++) {
		unsigned long long seq;
		int j;

		files[i].path = paths[i];
		files[i].order = i;
		err = audit_lines_read(paths[i], &files[i].l);
		if (err) {
			snprintf(rep->where, sizeof(rep->where), "%s", paths[i]);
			rep->verdict = AUDIT_USAGE;
			snprintf(rep->why, sizeof(rep->why), "cannot read: %s", strerror(-err));
			goto out;
		}
		/* Its records would be duplicates: an operator's typo, not tampering. */
		for (j = 0; j < i; j++)
			if (audit_lines_same_file(&files[j].l, &files[i].l)) {
				snprintf(rep->where, sizeof(rep->where), "%s", paths[i]);
				rep->verdict = AUDIT_USAGE;
				snprintf(rep->why, sizeof(rep->why),
					 "the same file as %s, given twice (overlapping globs?)",
					 paths[j]);
				goto out;
			}
		files[i].first_seq =
			files[i].l.n && line_seq(files[i].l.data, files[i].l.len[0], &seq) ? seq :
											     UINT64_MAX;
	}
	/* Files are chained by seq: accept them in any order (shells sort PATH before PATH.1). */
	qsort(files, (size_t)npaths, sizeof(*files), cmp_vfile);
	err = collect_seqs(&v, files, npaths);
	if (!err)
		walk(&v, files, npaths);
out:
	for (i = 0; files && i < npaths; i++)
		audit_lines_free(&files[i].l);
	free(files);
	free(v.sp);
	free(v.seen);
	audit_hasher_free(v.h);
	return err;
}
