// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Regular expressions to a DFA by followpos (Glushkov positions, as in the
 * dragon book and AppArmor's libapparmor_re): every byte-set leaf and every
 * rule's end marker is a position, a DFA state is a set of positions, and a
 * state accepts for the first rule (lowest index) whose end marker it holds.
 * Bytes are grouped into equivalence classes first, so a state costs
 * O(positions + classes) to expand whatever the number of rules; state sets
 * are interned through a hash table.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "compile_int.h"

#define POS_END 0x80000000u

struct vec {
	uint32_t *v;
	size_t n, cap;
};

static int vec_push(struct vec *x, uint32_t val)
{
	uint32_t *p;
	size_t cap;

	if (x->n == x->cap) {
		cap = x->cap ? x->cap * 2 : 16;
		p = realloc(x->v, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		x->v = p;
		x->cap = cap;
	}
	x->v[x->n++] = val;
	return 0;
}

static int vec_reserve(struct vec *x, size_t n)
{
	uint32_t *p;
	size_t cap;

	if (x->n + n > x->cap) {
		cap = x->cap ? x->cap : 16;
		while (cap < x->n + n)
			cap *= 2;
		p = realloc(x->v, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		x->v = p;
		x->cap = cap;
	}
	return 0;
}

static int vec_append(struct vec *x, const uint32_t *src, size_t n)
{
	if (!n)
		return 0;
	if (vec_reserve(x, n))
		return -ENOMEM;
	memcpy(x->v + x->n, src, n * sizeof(*src));
	x->n += n;
	return 0;
}

static void sort_u32(uint32_t *a, size_t n)
{
	size_t i, j;
	uint32_t t;

	if (n > 24) {
		/* Heapsort: no recursion, no worst case. */
		size_t start = n / 2, end = n, root, child;

		for (;;) {
			if (start > 0) {
				start--;
			} else {
				end--;
				if (end == 0)
					return;
				t = a[end];
				a[end] = a[0];
				a[0] = t;
			}
			root = start;
			while ((child = 2 * root + 1) < end) {
				if (child + 1 < end && a[child] < a[child + 1])
					child++;
				if (a[root] >= a[child])
					break;
				t = a[root];
				a[root] = a[child];
				a[child] = t;
				root = child;
			}
		}
	}
	for (i = 1; i < n; i++) {
		t = a[i];
		for (j = i; j > 0 && a[j - 1] > t; j--)
			a[j] = a[j - 1];
		a[j] = t;
	}
}

static size_t uniq_u32(uint32_t *a, size_t n)
{
	size_t i, m = 0;

	sort_u32(a, n);
	for (i = 0; i < n; i++)
		if (m == 0 || a[m - 1] != a[i])
			a[m++] = a[i];
	return m;
}

static uint64_t hash_u32s(const uint32_t *a, size_t n)
{
	uint64_t h = 1469598103934665603ull ^ n;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= a[i];
		h *= 1099511628211ull;
		h ^= h >> 29;
	}
	return h;
}

/* Byte classes: bytes no set tells apart share a class. Sets are deduplicated first. */
struct classes {
	uint32_t *set_uid; /* re set index -> unique set id */
	uint32_t nuid;
	struct vec uid_cls; /* classes of each unique set, CSR */
	uint32_t *uid_off; /* nuid + 1 */
	uint32_t ncls;
};

static int make_classes(const struct re *re, struct dfa *d, struct classes *c)
{
	uint32_t *table, *rep = NULL, mask, h, k, u, remap[512], ncls = 1, nn, b;
	size_t i, cap = 64;
	int err = -ENOMEM;

	memset(d->classmap, 0, sizeof(d->classmap));
	while (cap < 2 * re->nsets + 2)
		cap *= 2;
	mask = (uint32_t)cap - 1;
	table = calloc(cap, sizeof(*table));
	c->set_uid = calloc(re->nsets + 1, sizeof(*c->set_uid));
	rep = calloc(re->nsets + 1, sizeof(*rep));
	if (!table || !c->set_uid || !rep)
		goto out;
	c->nuid = 0;
	for (i = 0; i < re->nsets; i++) {
		uint32_t w[8];

		memcpy(w, re->sets[i], sizeof(w));
		h = (uint32_t)hash_u32s(w, 8) & mask;
		while ((k = table[h]) && memcmp(re->sets[rep[k - 1]], re->sets[i], 32))
			h = (h + 1) & mask;
		if (!k) {
			rep[c->nuid] = (uint32_t)i;
			table[h] = ++c->nuid;
			k = c->nuid;
		}
		c->set_uid[i] = k - 1;
	}
	/* Refine the byte partition by each distinct set. */
	for (u = 0; u < c->nuid; u++) {
		const uint8_t *s = re->sets[rep[u]];

		memset(remap, 0xff, 2 * ncls * sizeof(remap[0]));
		nn = 0;
		for (b = 0; b < 256; b++) {
			k = d->classmap[b] * 2u + (uint32_t)bset_has(s, b);
			if (remap[k] == 0xffffffffu)
				remap[k] = nn++;
			d->classmap[b] = (uint8_t)remap[k];
		}
		ncls = nn;
	}
	d->ncls = ncls;
	c->ncls = ncls;
	c->uid_off = calloc(c->nuid + 1, sizeof(*c->uid_off));
	if (!c->uid_off)
		goto out;
	for (u = 0; u < c->nuid; u++) {
		uint8_t seen[256] = { 0 };
		const uint8_t *s = re->sets[rep[u]];

		c->uid_off[u] = (uint32_t)c->uid_cls.n;
		for (b = 0; b < 256; b++) {
			if (!bset_has(s, b) || seen[d->classmap[b]])
				continue;
			seen[d->classmap[b]] = 1;
			if (vec_push(&c->uid_cls, d->classmap[b]))
				goto out;
		}
	}
	c->uid_off[c->nuid] = (uint32_t)c->uid_cls.n;
	err = 0;
out:
	free(table);
	free(rep);
	return err;
}

/* Positions and their followpos sets, from the tree (children precede parents in the arena). */
struct glushkov {
	uint32_t npos;
	uint32_t *pos_of; /* node -> position (leaves only) */
	uint32_t *info; /* position -> unique set id, or POS_END | rule */
	uint32_t *owner; /* position -> rule */
	uint32_t *fol_off; /* npos + 1 */
	uint32_t *fol;
	uint8_t *univ; /* position -> 1 when it matches everything from here on */
	struct vec start;
};

struct span {
	uint32_t off, len;
};

static int union_into(struct vec *pool, struct span *out, struct span a, struct span b)
{
	size_t base = pool->n;

	out->off = (uint32_t)base;
	out->len = 0;
	if (!a.len && !b.len)
		return 0;
	/* Reserve first: the sources live in the pool itself. */
	if (vec_reserve(pool, a.len + b.len))
		return -ENOMEM;
	pool->n += a.len + b.len;
	memcpy(pool->v + base, pool->v + a.off, a.len * sizeof(uint32_t));
	memcpy(pool->v + base + a.len, pool->v + b.off, b.len * sizeof(uint32_t));
	out->off = (uint32_t)base;
	out->len = a.len + b.len;
	return 0;
}

static int add_pairs(struct vec *pairs, const struct vec *pool, struct span from, struct span to)
{
	uint32_t i, j;

	for (i = 0; i < from.len; i++)
		for (j = 0; j < to.len; j++)
			if (vec_push(pairs, pool->v[from.off + i]) ||
			    vec_push(pairs, pool->v[to.off + j]))
				return -ENOMEM;
	return 0;
}

static int glushkov(const struct re *re, const struct classes *c, struct glushkov *g)
{
	struct span *first = NULL, *last = NULL, e = { 0, 0 };
	struct vec pool = { 0 }, pairs = { 0 }, pending = { 0 };
	uint8_t *nullable = NULL;
	uint32_t *cnt = NULL, p;
	size_t i, n = re->nnodes;
	int err = -ENOMEM;

	first = calloc(n, sizeof(*first));
	last = calloc(n, sizeof(*last));
	nullable = calloc(n, 1);
	g->pos_of = calloc(n, sizeof(*g->pos_of));
	g->info = calloc(n, sizeof(*g->info));
	g->owner = calloc(n, sizeof(*g->owner));
	if (!first || !last || !nullable || !g->pos_of || !g->info || !g->owner)
		goto out;
	g->npos = 0;
	for (i = 0; i < n; i++) {
		const struct re_node *x = &re->nodes[i];

		switch (x->type) {
		case RE_EPS:
			nullable[i] = 1;
			first[i] = last[i] = e;
			break;
		case RE_SET:
		case RE_END:
			p = g->npos++;
			g->pos_of[i] = p;
			if (x->type == RE_SET) {
				g->info[p] = c->set_uid[x->v];
				if (vec_push(&pending, p))
					goto out;
			} else {
				g->info[p] = POS_END | x->v;
				g->owner[p] = x->v;
				while (pending.n)
					g->owner[pending.v[--pending.n]] = x->v;
			}
			first[i].off = last[i].off = (uint32_t)pool.n;
			first[i].len = last[i].len = 1;
			if (vec_push(&pool, p))
				goto out;
			break;
		case RE_CAT:
			nullable[i] = nullable[x->a] && nullable[x->b];
			if (nullable[x->a]) {
				if (union_into(&pool, &first[i], first[x->a], first[x->b]))
					goto out;
			} else {
				first[i] = first[x->a];
			}
			if (nullable[x->b]) {
				if (union_into(&pool, &last[i], last[x->a], last[x->b]))
					goto out;
			} else {
				last[i] = last[x->b];
			}
			if (add_pairs(&pairs, &pool, last[x->a], first[x->b]))
				goto out;
			break;
		case RE_ALT:
			nullable[i] = nullable[x->a] || nullable[x->b];
			if (union_into(&pool, &first[i], first[x->a], first[x->b]) ||
			    union_into(&pool, &last[i], last[x->a], last[x->b]))
				goto out;
			break;
		case RE_STAR:
			nullable[i] = 1;
			first[i] = first[x->a];
			last[i] = last[x->a];
			if (add_pairs(&pairs, &pool, last[x->a], first[x->a]))
				goto out;
			break;
		}
	}
	for (i = 0; i < re->nrules; i++) {
		struct span f = first[re->rules[i].root];

		if (vec_append(&g->start, pool.v + f.off, f.len))
			goto out;
	}
	g->start.n = uniq_u32(g->start.v, g->start.n);
	/* followpos as CSR, each list sorted and unique. */
	g->fol_off = calloc(g->npos + 1, sizeof(*g->fol_off));
	cnt = calloc(g->npos + 1, sizeof(*cnt));
	g->fol = malloc((pairs.n / 2 + 1) * sizeof(*g->fol));
	if (!g->fol_off || !cnt || !g->fol)
		goto out;
	for (i = 0; i < pairs.n; i += 2)
		g->fol_off[pairs.v[i] + 1]++;
	for (p = 0; p < g->npos; p++)
		g->fol_off[p + 1] += g->fol_off[p];
	for (i = 0; i < pairs.n; i += 2) {
		p = pairs.v[i];
		g->fol[g->fol_off[p] + cnt[p]++] = pairs.v[i + 1];
	}
	/* Compact after deduplicating each list. */
	{
		uint32_t w = 0, start;

		for (p = 0; p < g->npos; p++) {
			uint32_t m;

			start = g->fol_off[p];
			m = (uint32_t)uniq_u32(g->fol + start, g->fol_off[p + 1] - start);
			memmove(g->fol + w, g->fol + start, m * sizeof(*g->fol));
			g->fol_off[p] = w;
			w += m;
		}
		g->fol_off[g->npos] = w;
	}
	/*
	 * A loop over every byte whose only followers are itself and its rule's
	 * end ("/a/" `**` at the end of a pattern): its rule matches every
	 * continuation. The end marker is then in every state holding it.
	 */
	g->univ = calloc(g->npos + 1, 1);
	if (!g->univ)
		goto out;
	for (p = 0; p < g->npos; p++) {
		const uint32_t *f = g->fol + g->fol_off[p];

		if ((g->info[p] & POS_END) ||
		    c->uid_off[g->info[p] + 1] - c->uid_off[g->info[p]] != c->ncls ||
		    g->fol_off[p + 1] - g->fol_off[p] != 2)
			continue;
		g->univ[p] = f[0] == p && (g->info[f[1]] & POS_END) &&
			     g->owner[f[1]] == g->owner[p];
	}
	err = 0;
out:
	free(first);
	free(last);
	free(nullable);
	free(cnt);
	free(pool.v);
	free(pairs.v);
	free(pending.v);
	return err;
}

/* Interned position sets. */
struct states {
	struct vec pool;
	size_t *off;
	uint32_t *len;
	size_t n, cap;
	uint32_t *table; /* state id + 1 */
	size_t tcap;
};

static int states_grow_table(struct states *s)
{
	size_t cap = s->tcap ? s->tcap * 2 : 1024, i;
	uint32_t *t = calloc(cap, sizeof(*t)), h;

	if (!t)
		return -ENOMEM;
	for (i = 0; i < s->n; i++) {
		h = (uint32_t)hash_u32s(s->pool.v + s->off[i], s->len[i]) & (uint32_t)(cap - 1);
		while (t[h])
			h = (h + 1) & (uint32_t)(cap - 1);
		t[h] = (uint32_t)i + 1;
	}
	free(s->table);
	s->table = t;
	s->tcap = cap;
	return 0;
}

/* Returns the state id of set a[0..n) (added when new; *added says so), or -ENOMEM. */
static long states_intern(struct states *s, const uint32_t *a, size_t n, int *added)
{
	uint32_t h, k;
	size_t cap;

	*added = 0;
	if (2 * (s->n + 1) > s->tcap && states_grow_table(s))
		return -ENOMEM;
	h = (uint32_t)hash_u32s(a, n) & (uint32_t)(s->tcap - 1);
	while ((k = s->table[h])) {
		if (s->len[k - 1] == n && !memcmp(s->pool.v + s->off[k - 1], a, n * sizeof(*a)))
			return k - 1;
		h = (h + 1) & (uint32_t)(s->tcap - 1);
	}
	if (s->n == s->cap) {
		size_t *o;
		uint32_t *l;

		cap = s->cap ? s->cap * 2 : 1024;
		o = realloc(s->off, cap * sizeof(*o));
		if (!o)
			return -ENOMEM;
		s->off = o;
		l = realloc(s->len, cap * sizeof(*l));
		if (!l)
			return -ENOMEM;
		s->len = l;
		s->cap = cap;
	}
	s->off[s->n] = s->pool.n;
	s->len[s->n] = (uint32_t)n;
	if (vec_append(&s->pool, a, n))
		return -ENOMEM;
	s->table[h] = (uint32_t)s->n + 1;
	*added = 1;
	return (long)s->n++;
}

static int grow_rows(struct dfa *d, size_t *cap, size_t need)
{
	size_t n = *cap ? *cap : 1024;
	uint32_t *next;
	uint16_t *acc;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	next = realloc(d->next, n * d->ncls * sizeof(*next));
	if (!next)
		return -ENOMEM;
	d->next = next;
	acc = realloc(d->accept, n * sizeof(*acc));
	if (!acc)
		return -ENOMEM;
	d->accept = acc;
	memset(d->next + *cap * d->ncls, 0, (n - *cap) * d->ncls * sizeof(*next));
	*cap = n;
	return 0;
}

static void count_hits(const struct glushkov *g, struct dfa *d, uint32_t *stamp,
		       const uint32_t *set, size_t n, uint32_t state)
{
	size_t i;
	uint32_t r;

	for (i = 0; i < n; i++) {
		r = g->owner[set[i]];
		if (stamp[r] != state + 1) {
			stamp[r] = state + 1;
			d->rule_hits[r]++;
		}
	}
}

/*
 * First match makes the rules after a universal position irrelevant: its rule
 * (lower index) accepts every continuation. Positions are numbered in rule
 * order, so those rules are the tail of the sorted set; dropping them (and the
 * rule's own other positions) keeps sets small under "dir/" `**` rules and
 * collapses shadowed subtrees before they are ever built.
 */
static size_t prune(const struct glushkov *g, uint32_t *a, size_t n)
{
	size_t i, j;
	uint32_t p, r, end;

	for (i = 0; i < n && !g->univ[a[i]]; i++)
		;
	if (i == n)
		return n;
	p = a[i];
	r = g->owner[p];
	end = g->fol[g->fol_off[p] + 1];
	for (j = i; j > 0 && g->owner[a[j - 1]] == r; j--)
		;
	a[j] = p;
	a[j + 1] = end;
	return j + 2;
}

int dfa_build(const struct re *re, uint32_t budget, struct dfa *d)
{
	struct classes c = { 0 };
	struct glushkov g = { 0 };
	struct states st = { 0 };
	struct vec bucket[256] = { { 0 } };
	uint32_t touched[256], ntouched, s, p, q, *stamp = NULL, best;
	uint8_t istouched[256] = { 0 };
	size_t rows = 0, i, j, k;
	long t;
	int err, added;

	memset(d, 0, sizeof(*d));
	err = make_classes(re, d, &c);
	if (err)
		goto out;
	err = glushkov(re, &c, &g);
	if (err)
		goto out;
	err = -ENOMEM;
	d->rule_hits = calloc(re->nrules + 1, sizeof(*d->rule_hits));
	d->rule_npos = calloc(re->nrules + 1, sizeof(*d->rule_npos));
	stamp = calloc(re->nrules + 1, sizeof(*stamp));
	if (!d->rule_hits || !d->rule_npos || !stamp)
		goto out;
	for (p = 0; p < g.npos; p++)
		d->rule_npos[g.owner[p]]++;
	g.start.n = prune(&g, g.start.v, g.start.n);
	if (states_intern(&st, NULL, 0, &added) < 0 ||
	    states_intern(&st, g.start.v, g.start.n, &added) < 0)
		goto out;
	count_hits(&g, d, stamp, g.start.v, g.start.n, 1);
	for (s = 0; s < st.n; s++) {
		const uint32_t *set;
		size_t n;

		if (grow_rows(d, &rows, st.n + 1))
			goto out;
		set = st.pool.v + st.off[s];
		n = st.len[s];
		best = UINT32_MAX;
		ntouched = 0;
		for (i = 0; i < n; i++) {
			p = set[i];
			if (g.info[p] & POS_END) {
				best = best < (g.info[p] & ~POS_END) ? best :
								       (g.info[p] & ~POS_END);
				continue;
			}
			for (j = c.uid_off[g.info[p]]; j < c.uid_off[g.info[p] + 1]; j++) {
				q = c.uid_cls.v[j];
				if (!istouched[q]) {
					istouched[q] = 1;
					touched[ntouched++] = q;
				}
				if (vec_append(&bucket[q], g.fol + g.fol_off[p],
					       g.fol_off[p + 1] - g.fol_off[p]))
					goto out;
			}
		}
		d->accept[s] = best == UINT32_MAX ?
				       AG_NO_MATCH :
				       AG_ACCEPT(re->rules[best].index, re->rules[best].allow);
		for (k = 0; k < ntouched; k++) {
			struct vec *b = &bucket[touched[k]];

			b->n = prune(&g, b->v, uniq_u32(b->v, b->n));
			t = states_intern(&st, b->v, b->n, &added);
			if (t < 0)
				goto out;
			if (added) {
				if (st.n > budget) {
					d->nstates = (uint32_t)st.n;
					err = -E2BIG;
					goto out;
				}
				/* The pool may have moved: count from the bucket. */
				count_hits(&g, d, stamp, b->v, b->n, (uint32_t)t);
			}
			d->next[(size_t)s * d->ncls + touched[k]] = (uint32_t)t;
			b->n = 0;
			istouched[touched[k]] = 0;
		}
	}
	d->nstates = (uint32_t)st.n;
	err = 0;
out:
	for (i = 0; i < 256; i++)
		free(bucket[i].v);
	free(stamp);
	free(c.set_uid);
	free(c.uid_off);
	free(c.uid_cls.v);
	free(g.pos_of);
	free(g.info);
	free(g.owner);
	free(g.fol_off);
	free(g.fol);
	free(g.univ);
	free(g.start.v);
	free(st.pool.v);
	free(st.off);
	free(st.len);
	free(st.table);
	return err;
}

size_t dfa_blame(const struct re *re, const struct dfa *d, uint32_t *out, size_t max)
{
	size_t n = 0, i, j;
	uint32_t r;
	int64_t ex, exj;

	/* A rule's excess: states it takes part in beyond its own positions (a trie costs ~0). */
	for (r = 0; r < re->nrules; r++) {
		ex = (int64_t)d->rule_hits[r] - d->rule_npos[r];
		if (ex <= 0)
			continue;
		for (i = 0; i < n; i++) {
			exj = (int64_t)d->rule_hits[out[i]] - d->rule_npos[out[i]];
			if (ex > exj)
				break;
		}
		if (i >= max)
			continue;
		if (n < max)
			n++;
		for (j = n - 1; j > i; j--)
			out[j] = out[j - 1];
		out[i] = r;
	}
	return n;
}

void dfa_free(struct dfa *d)
{
	free(d->next);
	free(d->accept);
	free(d->rule_hits);
	free(d->rule_npos);
	memset(d, 0, sizeof(*d));
}
