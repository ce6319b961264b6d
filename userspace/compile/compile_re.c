// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The regular-expression tree the compiler's front ends build: an arena of nodes. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "compile_int.h"

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
	size_t n = *cap ? *cap : 64;
	void *q;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	q = realloc(*p, n * elem);
	if (!q)
		return -ENOMEM;
	*p = q;
	*cap = n;
	return 0;
}

static uint32_t node(struct re *re, uint8_t type, uint32_t a, uint32_t b, uint32_t v)
{
	struct re_node *n;

	if (re->oom || grow((void **)&re->nodes, &re->capnodes, re->nnodes + 1, sizeof(*n))) {
		re->oom = 1;
		return 0;
	}
	n = &re->nodes[re->nnodes];
	n->type = type;
	n->a = (int32_t)a;
	n->b = (int32_t)b;
	n->v = v;
	return (uint32_t)re->nnodes++;
}

void re_init(struct re *re)
{
	memset(re, 0, sizeof(*re));
	/* Node 0 is the epsilon that failed constructors return. */
	node(re, RE_EPS, 0, 0, 0);
}

void re_free(struct re *re)
{
	free(re->nodes);
	free(re->sets);
	free(re->rules);
	memset(re, 0, sizeof(*re));
}

uint32_t re_eps(struct re *re)
{
	return node(re, RE_EPS, 0, 0, 0);
}

uint32_t re_set(struct re *re, const uint8_t set[32])
{
	if (re->oom || grow((void **)&re->sets, &re->capsets, re->nsets + 1, 32)) {
		re->oom = 1;
		return 0;
	}
	memcpy(re->sets[re->nsets], set, 32);
	return node(re, RE_SET, 0, 0, (uint32_t)re->nsets++);
}

uint32_t re_range(struct re *re, uint8_t lo, uint8_t hi)
{
	uint8_t set[32] = { 0 };
	unsigned int c;

	for (c = lo; c <= hi; c++)
		bset_add(set, c);
	return re_set(re, set);
}

uint32_t re_byte(struct re *re, uint8_t c)
{
	uint32_t n;

	/* Literals dominate; sharing their sets keeps the class computation small. */
	if (re->byteset[c])
		return node(re, RE_SET, 0, 0, re->byteset[c] - 1);
	n = re_range(re, c, c);
	if (!re->oom)
		re->byteset[c] = re->nodes[n].v + 1;
	return n;
}

uint32_t re_any(struct re *re)
{
	return re_range(re, 0, 255);
}

uint32_t re_cat(struct re *re, uint32_t a, uint32_t b)
{
	if (re->nodes && re->nodes[a].type == RE_EPS)
		return b;
	if (re->nodes && re->nodes[b].type == RE_EPS)
		return a;
	return node(re, RE_CAT, a, b, 0);
}

uint32_t re_alt(struct re *re, uint32_t a, uint32_t b)
{
	return node(re, RE_ALT, a, b, 0);
}

uint32_t re_star(struct re *re, uint32_t a)
{
	return node(re, RE_STAR, a, 0, 0);
}

uint32_t re_opt(struct re *re, uint32_t a)
{
	return re_alt(re, a, re_eps(re));
}

uint32_t re_literal(struct re *re, const char *s, size_t len)
{
	uint32_t n = re_eps(re);
	size_t i;

	for (i = 0; i < len; i++)
		n = re_cat(re, n, re_byte(re, (uint8_t)s[i]));
	return n;
}

int re_add_rule(struct re *re, uint32_t pattern, uint16_t index, int allow)
{
	struct re_rule *r;
	uint32_t end;

	if (re->oom || grow((void **)&re->rules, &re->caprules, re->nrules + 1, sizeof(*r)))
		return -ENOMEM;
	end = node(re, RE_END, 0, 0, (uint32_t)re->nrules);
	r = &re->rules[re->nrules];
	r->root = node(re, RE_CAT, pattern, end, 0);
	r->index = index;
	r->allow = allow ? 1 : 0;
	if (re->oom)
		return -ENOMEM;
	re->nrules++;
	return 0;
}
