// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Records formatted with placeholders for prev and hash (and a periodic
 * seal's for its sig), chained later in order: by the chain thread for a
 * batch (audit_io.c), by the appending thread when it must catch up
 * (audit_writer.c). Whoever holds the struct calls these (audit_io.c says
 * when a batch changes hands).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "audit_writer_int.h"

/* The seal's fields end its record: "sig":"<128>","prev":"<64>" then ,"hash":... */
#define SIG_FROM_CANON_END (2 + 64 + 9 + 1 + 128)

static int grow(void **p, size_t *cap, size_t n, size_t size)
{
	size_t c;
	void *q;

	if (n < *cap)
		return 0;
	c = *cap ? 2 * *cap : 64;
	q = realloc(*p, c * size);
	if (!q)
		return -ENOMEM;
	*p = q;
	*cap = c;
	return 0;
}

int audit_unchained_add(struct audit_unchained *u, size_t end, const struct abuf *seal_msg,
			size_t prev_at)
{
	int err = grow((void **)&u->end, &u->cap, u->n, sizeof(*u->end));

	if (!err && seal_msg) {
		err = grow((void **)&u->seals, &u->seals_cap, u->nseals, sizeof(*u->seals));
		if (!err) {
			abuf_reserve(&u->msgs, seal_msg->len);
			err = u->msgs.oom ? -ENOMEM : 0;
			u->msgs.oom = false; /* a failed realloc kept the buffer: the next seal may fit */
		}
		if (!err) {
			u->seals[u->nseals++] = (struct audit_seal_todo){
				.rec = u->n,
				.msg = u->msgs.len,
				.msg_len = seal_msg->len,
				.prev_at = u->msgs.len + prev_at,
			};
			abuf_put(&u->msgs, seal_msg->p, seal_msg->len);
		}
	}
	if (!err)
		u->end[u->n++] = end;
	return err;
}

/* Before its record is chained: the head into the message, the signature into the record. */
static int sign(const struct audit_unchained *u, const struct audit_seal_todo *t,
		const char *head_hex, char *line, size_t len)
{
	char *msg = u->msgs.p + t->msg, *sig_hex;
	char hex[129];
	uint8_t sig[64];
	int err;

	if (len < AUDIT_HASH_SUFFIX_LEN + SIG_FROM_CANON_END + 7 || !u->signer)
		return -EINVAL;
	sig_hex = line + len - AUDIT_HASH_SUFFIX_LEN - SIG_FROM_CANON_END;
	if (memcmp(sig_hex - 7, "\"sig\":\"", 7))
		return -EINVAL; /* not a seal's record: never sign a guess */
	memcpy(msg + t->prev_at - t->msg, head_hex, 64);
	err = audit_signer_sign(u->signer, msg, t->msg_len, sig);
	if (err)
		return err;
	audit_hex(sig, 64, hex);
	memcpy(sig_hex, hex, 128);
	return 0;
}

int audit_unchained_chain(const struct audit_unchained *u, size_t i, size_t to,
			  struct audit_hasher *h, char *buf, uint8_t head[32])
{
	size_t k = 0, start = i ? u->end[i - 1] : u->from;
	const char *head_hex;
	char hex[65];
	int err;

	audit_hex(head, 32, hex);
	head_hex = hex;
	while (k < u->nseals && u->seals[k].rec < i)
		k++;
	for (; i < to; i++) {
		char *line = buf + start;
		size_t len = u->end[i] - start;

		if (k < u->nseals && u->seals[k].rec == i) {
			err = sign(u, &u->seals[k++], head_hex, line, len);
			if (err)
				return err;
		}
		err = audit_chain_fill(h, head, head_hex, line, len);
		if (err)
			return err;
		head_hex = AUDIT_LINE_HASH_HEX(line, len); /* the next one's prev */
		start = u->end[i];
	}
	return 0;
}

void audit_unchained_reset(struct audit_unchained *u, size_t from)
{
	u->from = from;
	u->n = u->nseals = 0;
	u->msgs.len = 0;
	u->msgs.oom = false;
	u->signer = NULL; /* lent again with each batch */
}

void audit_unchained_free(struct audit_unchained *u)
{
	free(u->end);
	free(u->seals);
	abuf_free(&u->msgs);
	memset(u, 0, sizeof(*u));
}
