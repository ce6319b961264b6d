// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * DNS (docs/network.md): proxies registered per (cgroup, network namespace),
 * addresses learned from their answers.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
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
	__u32 owner = (__u32)getpid();
	int i, err = 0;

	for (i = 0; i < 2; i++) {
		k.port = i ? px->port6 : px->port4;
		if (!k.port)
			continue;
		if (on && bpf_map_update_elem(FD(l, protected_ports), &k, &owner, BPF_ANY))
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
	/* Its senders' table first: sends still steered until the sites go are only unnamed. */
	bpf_map_delete_elem(FD(l, dns_clients), &cgroup_id); /* ENOENT: it had none */
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

int loader_dns_clients_open(struct loader *l, uint64_t cgroup_id)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_LRU_HASH, "ag_dns_clients", sizeof(struct ag_dns_client_key),
				sizeof(struct ag_dns_client), AG_DNS_CLIENTS, NULL);
	int err;

	if (fd < 0)
		return -errno;
	if (bpf_map_update_elem(FD(l, dns_clients), &cgroup_id, &fd, BPF_ANY)) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

int loader_dns_client(int clients_fd, uint64_t netns, int family, int proto, uint16_t port,
		      struct ag_dns_client *out)
{
	struct ag_dns_client_key k = { .netns = netns,
				       .family = (__u16)family,
				       .port = port,
				       .proto = (__u16)proto };

	return bpf_map_lookup_elem(clients_fd, &k, out) ? -errno : 0;
}
