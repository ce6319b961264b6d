// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * DNS (docs/network.md): proxies registered per (cgroup, network namespace),
 * addresses learned from their answers.
 */
#include <errno.h>
#include <string.h>
#include <bpf/bpf.h>
#include "loader_state.h"

/*
 * A proxy's ports are agentgate's in their namespace (ag_protected_ports): a
 * confined task reaches its own proxy only through the kernel's steering of
 * port 53 (the LSM hooks see the resolver's address, not the proxy's), never
 * by sending to a proxy port itself, its own or another policy's.
 */
static int mark_ports(struct loader *l, uint64_t netns, const struct ag_dns_proxy *px, bool on)
{
	struct ag_port_key k = { .netns = netns };
	__u32 one = 1;
	int i, err = 0;

	for (i = 0; i < 2; i++) {
		k.port = i ? px->port6 : px->port4;
		if (!k.port)
			continue;
		if (on && bpf_map_update_elem(FD(l, protected_ports), &k, &one, BPF_ANY))
			err = errno == E2BIG ? -ENOSPC : -errno;
		else if (!on && bpf_map_delete_elem(FD(l, protected_ports), &k) && errno != ENOENT)
			err = -errno;
	}
	return err;
}

int loader_dns_register(struct loader *l, uint64_t cgroup_id, uint64_t netns, uint16_t port4,
			uint16_t port6)
{
	struct ag_dns_key k = { .cgroup_id = cgroup_id, .netns = netns };
	struct ag_dns_proxy px = { .port4 = port4, .port6 = port6 };
	int err = mark_ports(l, netns, &px, true);

	if (!err && bpf_map_update_elem(FD(l, dns), &k, &px, BPF_ANY))
		err = -errno;
	return err;
}

/* Deletes the keys of map fd whose first 8 bytes are cgroup_id: the count deleted. */
static int delete_cgroup_keys(int fd, uint64_t cgroup_id, void *key, void *next, size_t key_size)
{
	void *prev = NULL;
	uint64_t id;
	int n = 0;

	/* Deleting the key just visited would restart the walk: delete one step behind. */
	while (!bpf_map_get_next_key(fd, prev, next)) {
		if (prev) {
			memcpy(&id, key, sizeof(id));
			if (id == cgroup_id && !bpf_map_delete_elem(fd, key))
				n++;
		}
		memcpy(key, next, key_size);
		prev = key;
	}
	if (prev) {
		memcpy(&id, key, sizeof(id));
		if (id == cgroup_id && !bpf_map_delete_elem(fd, key))
			n++;
	}
	return n;
}

/* The site k's entry goes, then its ports' marks (steering stops before the ports open up). */
static int unregister_site(struct loader *l, const struct ag_dns_key *k)
{
	struct ag_dns_proxy px;
	int err;

	if (bpf_map_lookup_elem(FD(l, dns), k, &px))
		return -errno;
	err = bpf_map_delete_elem(FD(l, dns), k) ? -errno : 0;
	mark_ports(l, k->netns, &px, false);
	return err;
}

int loader_dns_unregister(struct loader *l, uint64_t cgroup_id, uint64_t netns)
{
	struct ag_dns_key k = { .cgroup_id = cgroup_id, .netns = netns }, next, *prev = NULL;
	struct ag_dns_key sites[64];
	size_t n, i, gone;

	if (netns != LOADER_DNS_ALL)
		return unregister_site(l, &k);
	/* In batches: deleting the key just visited would restart the walk. */
	do {
		n = 0;
		prev = NULL;
		while (n < sizeof(sites) / sizeof(sites[0]) &&
		       !bpf_map_get_next_key(FD(l, dns), prev, &next)) {
			if (next.cgroup_id == cgroup_id)
				sites[n++] = next;
			k = next;
			prev = &k;
		}
		for (i = gone = 0; i < n; i++)
			gone += !unregister_site(l, &sites[i]);
		/* A full batch none of which could go would be found again: stop. */
	} while (n == sizeof(sites) / sizeof(sites[0]) && gone);
	return 0;
}

int loader_learn(struct loader *l, uint64_t cgroup_id, const uint8_t addr[16], const char *name,
		 size_t name_len, uint64_t expires_ns)
{
	struct ag_learned_key k = { .cgroup_id = cgroup_id };
	struct ag_learned_val v = { .expires_ns = expires_ns };
	__u32 inner_id;
	int err = 0;

	if (name_len >= AG_DNS_NAME_MAX)
		return -ENAMETOOLONG;
	memcpy(k.addr, addr, sizeof(k.addr));
	memcpy(v.name, name, name_len);
	v.name_len = (__u32)name_len;
	/*
	 * loader_remove() deletes the policy, then forgets: once the policy is gone, an answer
	 * still in flight in a proxy thread must not leave an address behind.
	 */
	pthread_mutex_lock(&l->learn_lock);
	if (bpf_map_lookup_elem(FD(l, policies), &cgroup_id, &inner_id) ||
	    bpf_map_update_elem(FD(l, learned), &k, &v, BPF_ANY))
		err = -errno;
	pthread_mutex_unlock(&l->learn_lock);
	return err;
}

int loader_dns_client(struct loader *l, uint64_t netns, int family, int proto, uint16_t port,
		      struct ag_dns_client *out)
{
	struct ag_dns_client_key k = { .netns = netns,
				       .family = (__u16)family,
				       .port = port,
				       .proto = (__u16)proto };

	return bpf_map_lookup_elem(FD(l, dns_clients), &k, out) ? -errno : 0;
}

int loader_forget(struct loader *l, uint64_t cgroup_id)
{
	struct ag_learned_key key, next;
	int n;

	pthread_mutex_lock(&l->learn_lock);
	n = delete_cgroup_keys(FD(l, learned), cgroup_id, &key, &next, sizeof(key));
	pthread_mutex_unlock(&l->learn_lock);
	return n;
}
