// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * DFA minimisation by partition refinement (Hopcroft), starting from groups
 * of states with equal accept values, then merging byte classes whose
 * columns became identical. The dead state 0 is a block of its own that is
 * never used as a splitter: Hopcroft needs all initial blocks but one, and
 * skipping it avoids walking the many transitions into it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "compile_int.h"

struct part {
	uint32_t *elems, *loc, *blk;
	uint32_t *start, *end, *marked;
	uint8_t *in_wl;
	uint32_t *wl, nwl;
	uint32_t nblk;
	uint32_t *touched;
};

static void wl_push(struct part *pt, uint32_t b)
{
	if (!pt->in_wl[b]) {
		pt->in_wl[b] = 1;
		pt->wl[pt->nwl++] = b;
	}
}

static void split(struct part *pt, const uint32_t *x, size_t n)
{
	uint32_t ntouched = 0, s, b, pos, other, nb, m, i;
	size_t k;

	for (k = 0; k < n; k++) {
		s = x[k];
		b = pt->blk[s];
		if (!pt->marked[b])
			pt->touched[ntouched++] = b;
		pos = pt->start[b] + pt->marked[b]++;
		other = pt->elems[pos];
		pt->elems[pos] = s;
		pt->elems[pt->loc[s]] = other;
		pt->loc[other] = pt->loc[s];
		pt->loc[s] = pos;
	}
	for (k = 0; k < ntouched; k++) {
		b = pt->touched[k];
		m = pt->marked[b];
		pt->marked[b] = 0;
		if (m == pt->end[b] - pt->start[b])
			continue;
		nb = pt->nblk++;
		pt->start[nb] = pt->start[b];
		pt->end[nb] = pt->start[b] + m;
		pt->start[b] += m;
		pt->marked[nb] = 0;
		pt->in_wl[nb] = 0;
		for (i = pt->start[nb]; i < pt->end[nb]; i++)
			pt->blk[pt->elems[i]] = nb;
		if (pt->in_wl[b] || m <= pt->end[b] - pt->start[b])
			wl_push(pt, nb);
		else
			wl_push(pt, b);
	}
}

static int merge_classes(struct dfa *d)
{
	uint32_t n = d->nstates, k = d->ncls, c, c2, nk = 0, newc[256], rep[256], s;
	uint64_t h[256];
	uint32_t *next;
	int same;

	/* Compare columns only when their hashes agree. */
	for (c = 0; c < k; c++) {
		h[c] = 1469598103934665603ull;
		for (s = 0; s < n; s++)
			h[c] = (h[c] ^ d->next[(size_t)s * k + c]) * 1099511628211ull;
	}
	for (c = 0; c < k; c++) {
		newc[c] = UINT32_MAX;
		for (c2 = 0; c2 < nk && newc[c] == UINT32_MAX; c2++) {
			if (h[c] != h[rep[c2]])
				continue;
			same = 1;
			for (s = 0; s < n && same; s++)
				same = d->next[(size_t)s * k + c] ==
				       d->next[(size_t)s * k + rep[c2]];
			if (same)
				newc[c] = c2;
		}
		if (newc[c] == UINT32_MAX) {
			rep[nk] = c;
			newc[c] = nk++;
		}
	}
	if (nk == k)
		return 0;
	next = malloc((size_t)n * nk * sizeof(*next));
	if (!next)
		return -ENOMEM;
	for (s = 0; s < n; s++)
		for (c = 0; c < nk; c++)
			next[(size_t)s * nk + c] = d->next[(size_t)s * k + rep[c]];
	for (c = 0; c < 256; c++)
		d->classmap[c] = (uint8_t)newc[d->classmap[c]];
	free(d->next);
	d->next = next;
	d->ncls = nk;
	return 0;
}

int dfa_minimise(struct dfa *d)
{
	uint32_t n = d->nstates, k = d->ncls, s, c, t, b, i, j, nb = 0, *in_off = NULL,
		 *in_src = NULL, *tmp = NULL, *ccnt = NULL, *cpos = NULL, *xs = NULL, *bylab = NULL,
		 *newid = NULL, *next = NULL, ntmp, nx;
	uint8_t *in_cls = NULL;
	uint16_t *acc = NULL;
	struct part pt = { 0 };
	size_t e, m = 0;
	int err = -ENOMEM;

	if (n < 3)
		return merge_classes(d);
	in_off = calloc(n + 1, sizeof(*in_off));
	pt.elems = malloc(n * sizeof(uint32_t));
	pt.loc = malloc(n * sizeof(uint32_t));
	pt.blk = malloc(n * sizeof(uint32_t));
	pt.start = malloc(n * sizeof(uint32_t));
	pt.end = malloc(n * sizeof(uint32_t));
	pt.marked = calloc(n, sizeof(uint32_t));
	pt.in_wl = calloc(n, 1);
	pt.wl = malloc(n * sizeof(uint32_t));
	pt.touched = malloc(n * sizeof(uint32_t));
	tmp = malloc(n * sizeof(uint32_t));
	bylab = malloc(65536 * sizeof(uint32_t));
	ccnt = malloc((k + 1) * sizeof(uint32_t));
	cpos = malloc((k + 1) * sizeof(uint32_t));
	if (!in_off || !pt.elems || !pt.loc || !pt.blk || !pt.start || !pt.end || !pt.marked ||
	    !pt.in_wl || !pt.wl || !pt.touched || !tmp || !bylab || !ccnt || !cpos)
		goto out;
	/* Transitions into live states, grouped by target. */
	for (s = 1; s < n; s++)
		for (c = 0; c < k; c++)
			if ((t = d->next[(size_t)s * k + c]))
				in_off[t + 1]++, m++;
	for (t = 0; t < n; t++)
		in_off[t + 1] += in_off[t];
	in_src = malloc((m + 1) * sizeof(*in_src));
	in_cls = malloc(m + 1);
	xs = malloc((m + 1) * sizeof(*xs));
	if (!in_src || !in_cls || !xs)
		goto out;
	memcpy(tmp, in_off, n * sizeof(*tmp));
	for (s = 1; s < n; s++)
		for (c = 0; c < k; c++)
			if ((t = d->next[(size_t)s * k + c])) {
				in_src[tmp[t]] = s;
				in_cls[tmp[t]++] = (uint8_t)c;
			}
	/* Initial blocks: the dead state alone, then one block per accept value. */
	memset(bylab, 0xff, 65536 * sizeof(uint32_t));
	pt.nblk = 1;
	pt.blk[0] = 0;
	for (s = 1; s < n; s++) {
		if (bylab[d->accept[s]] == UINT32_MAX)
			bylab[d->accept[s]] = pt.nblk++;
		pt.blk[s] = bylab[d->accept[s]];
	}
	memset(pt.end, 0, n * sizeof(uint32_t));
	for (s = 0; s < n; s++)
		pt.end[pt.blk[s]]++;
	for (b = 0, i = 0; b < pt.nblk; b++) {
		pt.start[b] = i;
		i += pt.end[b];
		pt.end[b] = pt.start[b];
	}
	for (s = 0; s < n; s++) {
		b = pt.blk[s];
		pt.loc[s] = pt.end[b];
		pt.elems[pt.end[b]++] = s;
	}
	for (b = 1; b < pt.nblk; b++)
		wl_push(&pt, b);
	while (pt.nwl) {
		b = pt.wl[--pt.nwl];
		pt.in_wl[b] = 0;
		ntmp = 0;
		for (i = pt.start[b]; i < pt.end[b]; i++)
			tmp[ntmp++] = pt.elems[i];
		/* Predecessors of the block, bucketed by class. */
		memset(ccnt, 0, (k + 1) * sizeof(*ccnt));
		nx = 0;
		for (i = 0; i < ntmp; i++)
			for (e = in_off[tmp[i]]; e < in_off[tmp[i] + 1]; e++)
				ccnt[in_cls[e] + 1]++, nx++;
		for (c = 0; c < k; c++)
			ccnt[c + 1] += ccnt[c];
		memcpy(cpos, ccnt, (k + 1) * sizeof(*cpos));
		for (i = 0; i < ntmp; i++)
			for (e = in_off[tmp[i]]; e < in_off[tmp[i] + 1]; e++)
				xs[cpos[in_cls[e]]++] = in_src[e];
		for (c = 0; c < k; c++)
			if (ccnt[c + 1] > ccnt[c])
				split(&pt, xs + ccnt[c], ccnt[c + 1] - ccnt[c]);
	}
	/* Renumber: dead 0, start 1, the rest in order of their first state. */
	newid = malloc(pt.nblk * sizeof(*newid));
	if (!newid)
		goto out;
	memset(newid, 0xff, pt.nblk * sizeof(*newid));
	newid[pt.blk[0]] = nb++;
	newid[pt.blk[1]] = nb++;
	for (s = 2; s < n; s++)
		if (newid[pt.blk[s]] == UINT32_MAX)
			newid[pt.blk[s]] = nb++;
	next = calloc((size_t)nb * k, sizeof(*next));
	acc = malloc(nb * sizeof(*acc));
	if (!next || !acc)
		goto out;
	for (s = 0; s < n; s++) {
		j = newid[pt.blk[s]];
		acc[j] = d->accept[s];
		for (c = 0; c < k; c++)
			next[(size_t)j * k + c] = newid[pt.blk[d->next[(size_t)s * k + c]]];
	}
	free(d->next);
	free(d->accept);
	d->next = next;
	d->accept = acc;
	d->nstates = nb;
	next = NULL;
	acc = NULL;
	err = merge_classes(d);
out:
	free(in_off);
	free(in_src);
	free(in_cls);
	free(tmp);
	free(ccnt);
	free(cpos);
	free(xs);
	free(bylab);
	free(newid);
	free(next);
	free(acc);
	free(pt.elems);
	free(pt.loc);
	free(pt.blk);
	free(pt.start);
	free(pt.end);
	free(pt.marked);
	free(pt.in_wl);
	free(pt.wl);
	free(pt.touched);
	return err;
}
