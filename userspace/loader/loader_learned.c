// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * ag_learned (docs/network.md): addresses each policy's DNS proxy learned
 * from allowed answers. A plain hash, not an LRU: the kernel never evicts
 * one policy's address for another's; each proxy keeps its own policy within
 * its quota (dns/dns_quota.c) and makes room among its own.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "loader_state.h"
#include "util/clock.h"

/* Entries copied per system call by walk(), at first. */
#define WALK_BATCH 1024u

typedef int (*visit_fn)(struct loader *l, const struct ag_learned_key *k,
			const struct ag_learned_val *v, void *ctx);

/*
 * Calls visit for every entry with a copy of its value, taken in batches of
 * whole hash buckets (a few system calls for the whole table, not one or two
 * an entry); visit may delete the key it is given: the walk's cursor is the
 * next bucket. Returns the sum of what visit returned, or -errno.
 */
static int walk(struct loader *l, visit_fn visit, void *ctx)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	struct ag_learned_key *keys = NULL;
	struct ag_learned_val *vals = NULL;
	__u32 cap = WALK_BATCH, count, i, cursor = 0, next = 0, *from = NULL;
	int n = 0, err = 0, end = 0;

	while (!end) {
		if (!keys) {
			keys = calloc(cap, sizeof(*keys));
			vals = calloc(cap, sizeof(*vals));
			if (!keys || !vals) {
				err = -ENOMEM;
				break;
			}
		}
		count = cap;
		if (bpf_map_lookup_batch(FD(l, learned), from, &next, keys, vals, &count, &opts)) {
			/* ENOSPC: one bucket holds more than the buffers; larger ones, same cursor. */
			if (errno == ENOSPC && !count && cap < AG_LEARNED_ENTRIES) {
				cap *= 2;
				free(keys);
				free(vals);
				keys = NULL;
				vals = NULL;
				continue;
			}
			if (errno != ENOENT) {
				err = -errno;
				break;
			}
			end = 1; /* the last entries, if any, are in this batch */
		}
		for (i = 0; i < count; i++)
			n += visit(l, &keys[i], &vals[i], ctx);
		cursor = next;
		from = &cursor;
	}
	free(keys);
	free(vals);
	return err ? err : n;
}

int loader_learn(struct loader *l, uint64_t cgroup_id, const uint8_t addr[16], const char *name,
		 size_t name_len, uint64_t expires_ns)
{
	struct ag_learned_key k = { .cgroup_id = cgroup_id };
	struct ag_learned_val v = { .expires_ns = expires_ns };
	struct ag_dns_key marker = { .cgroup_id = cgroup_id };
	struct ag_dns_proxy px;
	int err = 0;

	if (name_len >= AG_DNS_NAME_MAX)
		return -ENAMETOOLONG;
	memcpy(k.addr, addr, sizeof(k.addr));
	memcpy(v.name, name, name_len);
	v.name_len = (__u32)name_len;
	/*
	 * loader_remove() unregisters the policy's proxy (its marker, namespace 0, goes),
	 * then forgets: once it is gone, an answer still in flight in a proxy thread must
	 * not leave an address behind. The marker, not ag_policies: a lookup in a map of
	 * maps waits for an RCU grace period before 6.8 (tens of ms, each address).
	 */
	pthread_mutex_lock(&l->learn_lock);
	if (bpf_map_lookup_elem(FD(l, dns), &marker, &px) ||
	    bpf_map_update_elem(FD(l, learned), &k, &v, BPF_ANY))
		err = errno == E2BIG ? -ENOSPC : -errno;
	pthread_mutex_unlock(&l->learn_lock);
	return err;
}

int loader_unlearn(struct loader *l, uint64_t cgroup_id, const uint8_t addr[16])
{
	struct ag_learned_key k = { .cgroup_id = cgroup_id };

	memcpy(k.addr, addr, sizeof(k.addr));
	return bpf_map_delete_elem(FD(l, learned), &k) ? -errno : 0;
}

static int forget_one(struct loader *l, const struct ag_learned_key *k,
		      const struct ag_learned_val *v, void *ctx)
{
	(void)v;
	return k->cgroup_id == *(const uint64_t *)ctx && !bpf_map_delete_elem(FD(l, learned), k);
}

int loader_forget(struct loader *l, uint64_t cgroup_id)
{
	int n;

	pthread_mutex_lock(&l->learn_lock);
	n = walk(l, forget_one, &cgroup_id);
	pthread_mutex_unlock(&l->learn_lock);
	return n;
}

struct loader_seen {
	uint64_t cgroup_id;
	uint8_t addr[16];
	uint64_t expires_ns;
};

/* The walk's copies are reused this long (loader_state.h). */
#define LOADER_SEEN_MS 1000

struct seen_walk {
	struct loader_seen *v;
	size_t n, cap;
	int err;
};

static int see_one(struct loader *l, const struct ag_learned_key *k,
		   const struct ag_learned_val *val, void *ctx)
{
	struct seen_walk *w = ctx;
	struct loader_seen *v;
	size_t cap;

	(void)l;
	if (w->n == w->cap) {
		cap = w->cap ? w->cap * 2 : 256;
		v = realloc(w->v, cap * sizeof(*v));
		if (!v) {
			w->err = -ENOMEM;
			return 0;
		}
		w->v = v;
		w->cap = cap;
	}
	w->v[w->n].cgroup_id = k->cgroup_id;
	memcpy(w->v[w->n].addr, k->addr, sizeof(k->addr));
	w->v[w->n++].expires_ns = val->expires_ns;
	return 1;
}

int loader_learned(struct loader *l, uint64_t cgroup_id, loader_learned_fn fn, void *ctx)
{
	int64_t now = clock_now_ms();
	struct seen_walk w = { 0 };
	size_t i;
	int n = 0, err;

	pthread_mutex_lock(&l->seen_lock);
	if (!l->seen_ms || now - l->seen_ms > LOADER_SEEN_MS) {
		err = walk(l, see_one, &w);
		if (err < 0 || w.err) {
			free(w.v);
			pthread_mutex_unlock(&l->seen_lock);
			return err < 0 ? err : w.err;
		}
		free(l->seen);
		l->seen = w.v;
		l->nseen = w.n;
		l->seen_ms = now;
	}
	for (i = 0; i < l->nseen; i++)
		if (l->seen[i].cgroup_id == cgroup_id) {
			fn(ctx, l->seen[i].addr, l->seen[i].expires_ns);
			n++;
		}
	pthread_mutex_unlock(&l->seen_lock);
	return n;
}

static int sweep_one(struct loader *l, const struct ag_learned_key *k,
		     const struct ag_learned_val *v, void *ctx)
{
	uint64_t now_ns = *(uint64_t *)ctx;
	struct ag_learned_val cur;

	/* A proxy may have refreshed it since the walk's copy: read again what goes. */
	return v->expires_ns <= now_ns && !bpf_map_lookup_elem(FD(l, learned), k, &cur) &&
	       cur.expires_ns <= now_ns && !bpf_map_delete_elem(FD(l, learned), k);
}

int loader_learned_sweep(struct loader *l, uint64_t now_ns)
{
	return walk(l, sweep_one, &now_ns);
}

static int count_one(struct loader *l, const struct ag_learned_key *k,
		     const struct ag_learned_val *v, void *ctx)
{
	(void)l;
	(void)k;
	(void)v;
	(void)ctx;
	return 1;
}

int loader_learned_count(struct loader *l)
{
	return walk(l, count_one, NULL);
}
