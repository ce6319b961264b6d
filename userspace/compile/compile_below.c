// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * below[] of a DFA (include/policy_image.h): for each state, whether every
 * state reachable from it (itself included) decides allow, or every one deny.
 * A state decides what its accept entry says, the policy's default when no
 * rule accepts there (the dead state always). Computed backwards: a state that
 * decides deny taints every state that can reach it with "not all allowed",
 * and likewise for allow, one breadth-first pass over the reversed transitions.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "compile_int.h"

/* Reversed edges in CSR form: preds of s are pred[first[s] .. first[s + 1]). */
struct rev {
	uint32_t *first, *pred;
};

static int rev_build(const struct dfa *d, struct rev *r)
{
	size_t n = d->nstates, edges = n * d->ncls, i;
	uint32_t *fill;

	r->first = calloc(n + 1, sizeof(*r->first));
	r->pred = malloc((edges ? edges : 1) * sizeof(*r->pred));
	fill = calloc(n + 1, sizeof(*fill));
	if (!r->first || !r->pred || !fill) {
		free(fill);
		return -ENOMEM;
	}
	for (i = 0; i < edges; i++)
		r->first[d->next[i] + 1]++;
	for (i = 0; i < n; i++)
		r->first[i + 1] += r->first[i];
	memcpy(fill, r->first, (n + 1) * sizeof(*fill));
	for (i = 0; i < edges; i++)
		r->pred[fill[d->next[i]]++] = (uint32_t)(i / d->ncls);
	free(fill);
	return 0;
}

/* Clears bit in out[] of every state that reaches a state deciding !allow_side. */
static void taint(const struct dfa *d, const struct rev *r, int default_allow, int allow_side,
		  uint8_t bit, uint8_t *out, uint32_t *queue)
{
	size_t head = 0, tail = 0;
	uint32_t s, k;

	for (s = 0; s < d->nstates; s++) {
		uint16_t a = s ? d->accept[s] : AG_NO_MATCH;
		int allow = a == AG_NO_MATCH ? default_allow : AG_ACCEPT_ALLOW(a);

		if (allow != allow_side) {
			out[s] &= (uint8_t)~bit;
			queue[tail++] = s;
		}
	}
	while (head < tail) {
		s = queue[head++];
		for (k = r->first[s]; k < r->first[s + 1]; k++) {
			uint32_t p = r->pred[k];

			if (out[p] & bit) {
				out[p] &= (uint8_t)~bit;
				queue[tail++] = p;
			}
		}
	}
}

int dfa_below(const struct dfa *d, int default_allow, uint8_t *out)
{
	struct rev r = { 0 };
	uint32_t *queue;
	int err;

	memset(out, AG_BELOW_ALLOW | AG_BELOW_DENY, d->nstates);
	queue = malloc(d->nstates * sizeof(*queue));
	err = queue ? rev_build(d, &r) : -ENOMEM;
	if (!err) {
		taint(d, &r, default_allow, 1, AG_BELOW_ALLOW, out, queue);
		taint(d, &r, default_allow, 0, AG_BELOW_DENY, out, queue);
	}
	free(queue);
	free(r.first);
	free(r.pred);
	return err;
}
