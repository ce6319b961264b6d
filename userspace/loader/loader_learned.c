// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * ag_learned (docs/network.md): addresses each policy's DNS proxy learned
 * from allowed answers. A plain hash, not an LRU: the kernel never evicts
 * one policy's address for another's; each proxy keeps its own policy within
 * its quota (dns/dns_quota.c) and makes room among its own.
 */
#include <errno.h>
#include <string.h>
#include <bpf/bpf.h>
#include "loader_state.h"

/*
 * Calls visit for every entry; deleting the key just visited would restart
 * the walk, so visit sees each key one step behind the cursor and may delete
 * it. Returns the sum of what visit returned, or -errno.
 */
static int walk(struct loader *l, int (*visit)(struct loader *l, const struct ag_learned_key *k,
					       void *ctx),
		void *ctx)
{
	struct ag_learned_key key, next;
	void *prev = NULL;
	int n = 0;

	while (!bpf_map_get_next_key(FD(l, learned), prev, &next)) {
		if (prev)
			n += visit(l, &key, ctx);
		key = next;
		prev = &key;
	}
	if (errno != ENOENT)
		return -errno;
	if (prev)
		n += visit(l, &key, ctx);
	return n;
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

static int forget_one(struct loader *l, const struct ag_learned_key *k, void *ctx)
{
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

struct list_ctx {
	uint64_t cgroup_id;
	loader_learned_fn fn;
	void *ctx;
};

static int list_one(struct loader *l, const struct ag_learned_key *k, void *ctx)
{
	struct list_ctx *c = ctx;
	struct ag_learned_val v;

	if (k->cgroup_id != c->cgroup_id || bpf_map_lookup_elem(FD(l, learned), k, &v))
		return 0; /* another policy's, or gone since the walk saw it */
	c->fn(c->ctx, k->addr, v.expires_ns);
	return 1;
}

int loader_learned(struct loader *l, uint64_t cgroup_id, loader_learned_fn fn, void *ctx)
{
	struct list_ctx c = { .cgroup_id = cgroup_id, .fn = fn, .ctx = ctx };

	return walk(l, list_one, &c);
}

static int sweep_one(struct loader *l, const struct ag_learned_key *k, void *ctx)
{
	struct ag_learned_val v;

	return !bpf_map_lookup_elem(FD(l, learned), k, &v) && v.expires_ns <= *(uint64_t *)ctx &&
	       !bpf_map_delete_elem(FD(l, learned), k);
}

int loader_learned_sweep(struct loader *l, uint64_t now_ns)
{
	return walk(l, sweep_one, &now_ns);
}

static int count_one(struct loader *l, const struct ag_learned_key *k, void *ctx)
{
	(void)l;
	(void)k;
	(void)ctx;
	return 1;
}

int loader_learned_count(struct loader *l)
{
	return walk(l, count_one, NULL);
}
