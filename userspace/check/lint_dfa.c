// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Language questions over compiled images, for lint: inclusion by a walk of
 * the product of two DFAs (breadth first over pairs of states, one byte per
 * pair of byte classes), and which rules any state accepts with.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "lint.h"

#define MAX_PAIRS (1u << 22)

static const struct ag_dfa_hdr *dfa_of(const struct ag_image *img, enum ag_class cls)
{
	const struct ag_image_hdr *h = (const struct ag_image_hdr *)img->data;

	if (!img->data || img->size < sizeof(*h) || cls >= AG_CLASS_COUNT)
		return NULL;
	return h->dfa[cls].nstates >= 2 ? &h->dfa[cls] : NULL;
}

int image_has_class(const struct ag_image *img, enum ag_class cls)
{
	return dfa_of(img, cls) != NULL;
}

int image_rule_reachable(const struct ag_image *img, enum ag_class cls, unsigned int rule)
{
	const struct ag_dfa_hdr *d = dfa_of(img, cls);
	__u16 a, s;

	if (!d)
		return 0;
	/* Every state of a minimised DFA built by subset construction is reachable. */
	for (s = 1; s < d->nstates; s++) {
		a = image_dfa_accept(img, d, s);
		if (a != AG_NO_MATCH && AG_ACCEPT_RULE(a) == rule)
			return 1;
	}
	return 0;
}

/* A set of state pairs (a << 16 | b), open addressing; key 0 is the (dead, dead) pair,
 * which is never inserted (it accepts nothing and leads nowhere). */
struct pairset {
	__u32 *slot;
	size_t cap, n;
};

static int pairset_add(struct pairset *s, __u32 key)
{
	size_t i, newcap;
	__u32 *old;

	if (2 * (s->n + 1) > s->cap) {
		newcap = s->cap ? 2 * s->cap : 1024;
		old = s->slot;
		s->slot = calloc(newcap, sizeof(*s->slot));
		if (!s->slot) {
			s->slot = old;
			return -ENOMEM;
		}
		for (i = 0; i < s->cap; i++) {
			size_t j;

			if (!old[i])
				continue;
			for (j = (old[i] * 2654435761u) & (newcap - 1); s->slot[j];
			     j = (j + 1) & (newcap - 1))
				;
			s->slot[j] = old[i];
		}
		free(old);
		s->cap = newcap;
	}
	for (i = (key * 2654435761u) & (s->cap - 1); s->slot[i]; i = (i + 1) & (s->cap - 1))
		if (s->slot[i] == key)
			return 0;
	s->slot[i] = key;
	s->n++;
	return 1;
}

int image_includes(const struct ag_image *big, const struct ag_image *small, enum ag_class cls)
{
	const struct ag_dfa_hdr *ds = dfa_of(small, cls), *db = dfa_of(big, cls);
	struct pairset seen = { 0 };
	__u32 *queue = NULL, *q, key, head = 0, tail = 0, qcap = 1024;
	__u8 rep[256];
	unsigned int nrep = 0, b, k;
	__u16 a, bb, na, nb;
	int ret = 1, ca, cb;

	if (!ds)
		return 1;
	/* Representative bytes: one per distinct pair of byte classes. */
	for (b = 0; b < 256; b++) {
		ca = image_byte_class(small, ds, (__u8)b);
		cb = db ? image_byte_class(big, db, (__u8)b) : 0;
		for (k = 0; k < nrep; k++)
			if (image_byte_class(small, ds, rep[k]) == ca &&
			    (db ? image_byte_class(big, db, rep[k]) : 0) == cb)
				break;
		if (k == nrep)
			rep[nrep++] = (__u8)b;
	}
	queue = malloc(qcap * sizeof(*queue));
	if (!queue)
		return -ENOMEM;
	key = 1u << 16 | (db ? 1u : 0u);
	if (pairset_add(&seen, key) < 0) {
		ret = -ENOMEM;
		goto out;
	}
	queue[tail++] = key;
	while (head < tail) {
		key = queue[head++];
		a = (__u16)(key >> 16);
		bb = (__u16)key;
		if (image_dfa_accept(small, ds, a) != AG_NO_MATCH &&
		    (!db || image_dfa_accept(big, db, bb) == AG_NO_MATCH)) {
			ret = 0;
			goto out;
		}
		for (k = 0; k < nrep; k++) {
			na = image_dfa_step(small, ds, a, rep[k]);
			/* Once small is dead nothing it accepts lies ahead. */
			if (!na)
				continue;
			nb = db ? image_dfa_step(big, db, bb, rep[k]) : 0;
			key = (__u32)na << 16 | nb;
			ca = pairset_add(&seen, key);
			if (ca < 0) {
				ret = -ENOMEM;
				goto out;
			}
			if (!ca)
				continue;
			if (tail == MAX_PAIRS) {
				ret = -E2BIG;
				goto out;
			}
			if (tail == qcap) {
				q = realloc(queue, 2 * (size_t)qcap * sizeof(*queue));
				if (!q) {
					ret = -ENOMEM;
					goto out;
				}
				queue = q;
				qcap *= 2;
			}
			queue[tail++] = key;
		}
	}
out:
	free(queue);
	free(seen.slot);
	return ret;
}
