// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * DNS (docs/network.md): proxies registered per (cgroup, network namespace),
 * addresses learned from their answers.
 */
#include <errno.h>
#include <string.h>
#include <bpf/bpf.h>
#include "loader_state.h"

int loader_dns_register(struct loader *l, uint64_t cgroup_id, uint64_t netns, uint16_t port4,
			uint16_t port6)
{
	struct ag_dns_key k = { .cgroup_id = cgroup_id, .netns = netns };
	struct ag_dns_proxy px = { .port4 = port4, .port6 = port6 };

	return bpf_map_update_elem(FD(l, dns), &k, &px, BPF_ANY) ? -errno : 0;
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

int loader_dns_unregister(struct loader *l, uint64_t cgroup_id, uint64_t netns)
{
	struct ag_dns_key k = { .cgroup_id = cgroup_id, .netns = netns }, next;

	if (netns != LOADER_DNS_ALL)
		return bpf_map_delete_elem(FD(l, dns), &k) ? -errno : 0;
	delete_cgroup_keys(FD(l, dns), cgroup_id, &k, &next, sizeof(k));
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
