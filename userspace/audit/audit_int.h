/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Internals shared by the audit files: records, canonical form, chain hash, keys. */
#ifndef AGENTGATE_AUDIT_INT_H
#define AGENTGATE_AUDIT_INT_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include "util/hex.h"

#define AUDIT_MAX_FIELDS 32
#define AUDIT_MAX_LINE (64u * 1024u) /* longer lines are never produced, so never accepted */
#define AUDIT_HASH_SUFFIX_LEN 75 /* ,"hash":"<64 hex>"} */

/* Growable byte buffer; on allocation failure it sets oom and stops growing. */
struct abuf {
	char *p;
	size_t len, cap;
	bool oom;
};

void abuf_reserve(struct abuf *b, size_t extra);
void abuf_free(struct abuf *b);

/* Inline: the writer calls this a few dozen times per record. */
static inline void abuf_put(struct abuf *b, const void *s, size_t n)
{
	if (b->len + n > b->cap) {
		abuf_reserve(b, n);
		if (b->oom)
			return;
	}
	__builtin_memcpy(b->p + b->len, s, n);
	b->len += n;
}

enum audit_kind {
	AUDIT_STR = 0, /* byte string: UTF-8 as a JSON string, otherwise KEY_b64 */
	AUDIT_U64 = 1,
};

struct audit_field {
	const char *key;
	size_t klen; /* strlen(key): every record formats every key */
	enum audit_kind kind;
	const char *s;
	size_t len;
	uint64_t u;
};

/* A record without its hash; parsed records also carry the hash and own their strings. */
struct audit_record {
	size_t n;
	struct audit_field f[AUDIT_MAX_FIELDS];
	uint8_t hash[32];
	bool has_hash;
	char *store; /* parser's storage for keys and decoded strings */
};

/* Empties r without clearing its 32 fields: cheaper than = { 0 } on the per-event path. */
static inline void audit_rec_init(struct audit_record *r)
{
	r->n = 0;
	r->has_hash = false;
	r->store = NULL;
}

/* Inline: keys and most values are literals, so their strlen() is folded at compile time. */
static inline struct audit_field *audit_rec_add(struct audit_record *r, const char *key,
						enum audit_kind kind)
{
	struct audit_field *f;

	if (r->n >= AUDIT_MAX_FIELDS)
		abort(); /* the writer's records have fixed, smaller field counts */
	f = &r->f[r->n++];
	f->key = key;
	f->klen = strlen(key);
	f->kind = kind;
	f->s = NULL;
	f->len = 0;
	f->u = 0;
	return f;
}

static inline void audit_rec_str(struct audit_record *r, const char *key, const char *s, size_t len)
{
	struct audit_field *f = audit_rec_add(r, key, AUDIT_STR);

	f->s = s ? s : "";
	f->len = s ? len : 0;
}

static inline void audit_rec_cstr(struct audit_record *r, const char *key, const char *s)
{
	audit_rec_str(r, key, s, s ? strlen(s) : 0);
}

static inline void audit_rec_u64(struct audit_record *r, const char *key, uint64_t u)
{
	audit_rec_add(r, key, AUDIT_U64)->u = u;
}

const struct audit_field *audit_rec_get(const struct audit_record *r, const char *key);
/* The string value of key, NUL-terminated copy in buf (truncated); "" when absent. */
const char *audit_rec_cstr_get(const struct audit_record *r, const char *key, char *buf, size_t sz);
bool audit_rec_u64_get(const struct audit_record *r, const char *key, uint64_t *u);
bool audit_rec_is(const struct audit_record *r, const char *type);

/* Canonical serialisation: "{...}" without hash, no newline. */
void audit_rec_format(const struct audit_record *r, struct abuf *out);
/* Appends one JSON string body (no quotes) for bytes known to be valid UTF-8. */
void audit_escape(struct abuf *out, const char *s, size_t len);
bool audit_utf8_valid(const char *s, size_t len);

/*
 * Parses one line (without '\n'): a flat JSON object of strings and unsigned
 * integers whose last member is "hash". Returns 0 or -EBADMSG with why set.
 * Accepts some non-canonical spellings: audit_rec_canonical() says if the
 * line is exactly what the writer would have produced.
 */
int audit_rec_parse(const char *line, size_t len, struct audit_record *r, const char **why);
void audit_rec_free(struct audit_record *r);
/* True when line is byte for byte the canonical form of r plus its hash. */
bool audit_rec_canonical(const struct audit_record *r, const char *line, size_t len);
/* Field order and kinds of r's type (docs/audit.md); NULL when fine, else why. */
const char *audit_rec_schema_error(const struct audit_record *r);
/*
 * Member i of type's records as "name kind" (kind: s string, u integer, * either;
 * after ? when optional); NULL past the last or for an unknown type.
 */
const char *audit_rec_schema_member(const char *type, size_t i);

/* Chain: hash = SHA-256(prev[32] || canonical). */
struct audit_hasher;
struct audit_hasher *audit_hasher_new(void);
void audit_hasher_free(struct audit_hasher *h);
int audit_chain_hash(struct audit_hasher *h, const uint8_t prev[32], const char *canon, size_t len,
		     uint8_t out[32]);
int audit_sha256(const void *data, size_t len, uint8_t out[32]);
/* The canonical form's hex (util/hex.h) under the audit code's names. */
static inline void audit_hex(const uint8_t *in, size_t n, char *out)
{
	hex_encode(in, n, out);
}

static inline int audit_unhex(const char *s, size_t len, uint8_t *out, size_t n)
{
	return hex_decode(s, len, out, n);
}
/*
 * A finished line (with '\n', len bytes) whose prev and hash are placeholders
 * of 64 characters: fills in prev from head (head_hex: the same in hex, which
 * chaining has at hand as the line before's hash) and hash = SHA-256(head ||
 * canonical), and moves head to it. The bytes come out as if the record had
 * been formatted with its prev and finished with its hash.
 */
int audit_chain_fill(struct audit_hasher *h, uint8_t head[32], const char *head_hex, char *line,
		     size_t len);
/* Where audit_chain_fill() put the hash in hex, in a line of len bytes. */
#define AUDIT_LINE_HASH_HEX(line, len) ((line) + (len) - AUDIT_HASH_SUFFIX_LEN + 8)
/* Line = canonical minus '}' + ,"hash":"..."} + '\n' (appended to out). */
void audit_line_finish(struct abuf *out, size_t start, const uint8_t hash[32]);
/* The same with the hash already in hex (64 digits): the writer keeps it as the next prev. */
void audit_line_finish_hex(struct abuf *out, size_t start, const char hash_hex[64]);

/* Time: "YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ" (31 bytes incl. NUL). */
void audit_time_format(int64_t unix_ns, char out[32]);

/* Signing keys (forward-secure: seed_{e+1} = SHA-256("agentgate-audit-fs-v1" || seed_e)). */
struct audit_key {
	uint64_t epoch;
	uint8_t seed[32];
	uint8_t pub[32];
	uint8_t root[32]; /* epoch-0 public key, from audit.pub */
};

int audit_key_load(const char *key_dir, struct audit_key *k); /* creates when absent */
int audit_key_store(const char *key_dir, const struct audit_key *k); /* atomic replace */
void audit_key_evolve(struct audit_key *k); /* next epoch; the old seed is wiped */
int audit_key_public(const uint8_t seed[32], uint8_t pub[32]);
void audit_key_wipe(struct audit_key *k);
/* A key prepared once for many signatures: preparing it costs as much as signing. */
struct audit_signer;
struct audit_signer *audit_signer_new(const uint8_t seed[32]);
int audit_signer_sign(struct audit_signer *s, const void *msg, size_t len, uint8_t sig[64]);
void audit_signer_free(struct audit_signer *s); /* wipes the key; NULL ok */
bool audit_sig_ok(const uint8_t pub[32], const void *msg, size_t len, const uint8_t sig[64]);
/* The message a seal signs (docs/audit.md, "Seals"), appended to out: where prev_hex went in it. */
size_t audit_seal_message(struct abuf *out, const char *log_id, uint64_t seq, const char *prev_hex,
			  const char *time, const char *reason, const char *next_pub_hex);

/* Reading logs: a file's bytes split into lines; the last, unterminated piece is the tail. */
struct audit_lines {
	char *data;
	size_t size;
	size_t *off; /* start of each complete line */
	size_t *len; /* its length without '\n' */
	size_t n;
	size_t tail_off, tail_len; /* bytes after the last '\n' */
	dev_t dev; /* the file's, to know it when it is named twice */
	ino_t ino;
};

int audit_lines_read(const char *path, struct audit_lines *l);
void audit_lines_free(struct audit_lines *l);

/* Whether two reads were of the same file (one named twice: its records would be duplicates). */
static inline bool audit_lines_same_file(const struct audit_lines *a, const struct audit_lines *b)
{
	return a->dev == b->dev && a->ino == b->ino;
}

/*
 * Bytes as a person sees them (tail --text, csv cells, check's table): UTF-8
 * as is, but control characters (C0, DEL, C1) and bytes of a string that is
 * not UTF-8 as \xHH, so that no agent-chosen byte drives a terminal. The
 * exact bytes are in the records themselves.
 */
void audit_display(struct abuf *out, const char *s, size_t len);
/* The same, written to out. */
void audit_display_put(FILE *out, const char *s, size_t len);

/* Record line filter and printer shared by tail (file and live). */
struct audit_filter {
	const char *decision; /* "allow" / "deny" or NULL */
	const char *action;
	const char *agent; /* cgroup path prefix, at a '/' boundary */
	const char *container; /* a container's name, its id, or a prefix of the id */
	bool json;
	bool color;
};

/*
 * The "action" a decision record carries for an event's action (AG_CLASS_*,
 * AG_ACT_PROTECT): one of audit_action_names, or NULL for another value (the
 * record says "unknown").
 */
const char *audit_action_name(unsigned int action);
/*
 * 0 when each field of flt can select records: decision allow or deny, action
 * one of audit_action_names, agent a cgroup path, container not empty;
 * -EINVAL with why filled, naming the option, otherwise.
 */
int audit_filter_check(const struct audit_filter *flt, char *why, size_t whysz);
/*
 * The cgroup agent[0..len) is want or below it; want may be spelled as
 * assign takes it, from /sys/fs/cgroup (tail, learn and the dashboard).
 */
bool audit_agent_within(const char *agent, size_t len, const char *want);
/* A decision record the filter selects (tail prints it, learn learns from it). */
bool audit_filter_match(const struct audit_filter *flt, const struct audit_record *r);
/*
 * Prints line per the filter; returns 1 when printed, 0 when filtered out,
 * -EBADMSG when it is not a record.
 */
int audit_tail_emit(const struct audit_filter *flt, const char *line, size_t len, FILE *out);
/*
 * Lines left out because they are not records (garbage, a forged or torn
 * line): how many, and where the first is.
 */
struct audit_skip {
	size_t n;
	char file[PATH_MAX + 16]; /* the file (or socket) it is in */
	size_t line; /* 1-based */
};

/* Counts one such line in skip, naming it when it is the first. */
void audit_skip_note(struct audit_skip *skip, const char *file, size_t line);
/*
 * Whole file, then (follow) new records, reopening the path when rotation
 * replaces it. skip: the lines that are not records (and, when not following,
 * an unterminated last line). A file truncated in place is read again from its
 * start, said through note (NULL: not said).
 */
int audit_tail_file(const char *path, const struct audit_filter *flt, bool follow,
		    struct audit_skip *skip, void (*note)(const char *msg));
/* The daemon's stream until it ends (0) or fails; skip as audit_tail_file()'s. */
int audit_tail_live(const char *sock, const struct audit_filter *flt, struct audit_skip *skip);

/*
 * Records of the files in chain order to out: "jsonl" (verbatim lines) or "csv".
 * *failed: the path that could not be read, or NULL when the error is not a file's;
 * -EEXIST: *failed names the same file as an earlier path (its records would be there twice).
 * skip: what csv left out (jsonl copies every line).
 */
int audit_export(char *const *paths, int n, const char *format, FILE *out, const char **failed,
		 struct audit_skip *skip);

#endif /* AGENTGATE_AUDIT_INT_H */
