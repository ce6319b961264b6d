// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* A policy's share of the learned addresses (dns_quota.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "dns_quota.h"
#include "loader/loader.h"

static int reserve(struct dns_quota *q)
{
	size_t cap = q->cap ? q->cap * 2 : 64;
	struct dns_learned *e;

	if (q->n < q->cap)
		return 0;
	e = realloc(q->e, cap * sizeof(*e));
	if (!e)
		return -ENOMEM;
	q->e = e;
	q->cap = cap;
	return 0;
}

static void seed_one(void *ctx, const uint8_t addr[16], uint64_t expires_ns)
{
	struct dns_quota *q = ctx;

	if (reserve(q))
		return; /* not tracked: the quota is exceeded by it until it expires */
	memcpy(q->e[q->n].addr, addr, 16);
	q->e[q->n++].expires_ns = expires_ns;
}

int dns_quota_seed(struct dns_quota *q, struct loader *l, uint64_t cgroup_id)
{
	int n = loader_learned(l, cgroup_id, seed_one, q);

	return n < 0 ? n : 0;
}

static void drop(struct dns_quota *q, struct loader *l, uint64_t cgroup_id, size_t i)
{
	/* ENOENT: loader_learned_sweep or the policy's removal took it already. */
	loader_unlearn(l, cgroup_id, q->e[i].addr);
	q->e[i] = q->e[--q->n];
}

/* Makes room for one more within quota: expired ones first, then the nearest to expiry. */
static void make_room(struct dns_quota *q, struct loader *l, uint64_t cgroup_id,
		      unsigned int quota, uint64_t now_ns)
{
	size_t i, soonest;

	for (i = 0; i < q->n && q->n >= quota;)
		if (q->e[i].expires_ns <= now_ns)
			drop(q, l, cgroup_id, i);
		else
			i++;
	while (q->n && q->n >= quota) {
		for (soonest = 0, i = 1; i < q->n; i++)
			if (q->e[i].expires_ns < q->e[soonest].expires_ns)
				soonest = i;
		drop(q, l, cgroup_id, soonest);
		q->evicted++;
	}
}

int dns_quota_learn(struct dns_quota *q, struct loader *l, uint64_t cgroup_id, unsigned int quota,
		    uint64_t now_ns, const uint8_t addr[16], const char *name, size_t name_len,
		    uint64_t expires_ns)
{
	struct dns_learned *e = NULL;
	size_t i;
	int err;

	for (i = 0; i < q->n && !e; i++)
		if (!memcmp(q->e[i].addr, addr, 16))
			e = &q->e[i];
	if (!e) {
		make_room(q, l, cgroup_id, quota, now_ns);
		err = reserve(q);
		if (err)
			return err;
	}
	err = loader_learn(l, cgroup_id, addr, name, name_len, expires_ns);
	/* The shared table is full: every policy's expired addresses make room, or nothing does. */
	if (err == -ENOSPC && loader_learned_sweep(l, now_ns) > 0)
		err = loader_learn(l, cgroup_id, addr, name, name_len, expires_ns);
	if (err)
		return err;
	if (!e) {
		e = &q->e[q->n++];
		memcpy(e->addr, addr, 16);
	}
	e->expires_ns = expires_ns;
	return 0;
}

void dns_quota_free(struct dns_quota *q)
{
	free(q->e);
	memset(q, 0, sizeof(*q));
}
