/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * A policy's share of ag_learned (include/maps.h): the addresses its proxy
 * learned and when each expires, so the proxy holds at most the policy's
 * dns_quota at once. Past the quota it forgets the policy's own expired
 * addresses, then its own address nearest to expiry: a flood of answers
 * costs only the flooder, never another policy's addresses. The kernel's
 * table is shared; when it is full, every policy's expired addresses go,
 * and if that frees nothing the answer cannot be learned (-ENOSPC).
 *
 * Threads: dns_quota_seed runs before the DNS loop sees the proxy; after
 * that only the loop thread uses it. Nothing here locks.
 */
#ifndef AGENTGATE_DNS_QUOTA_H
#define AGENTGATE_DNS_QUOTA_H

#include <stddef.h>
#include <stdint.h>

struct loader;

struct dns_learned {
	uint8_t addr[16];
	uint64_t expires_ns; /* CLOCK_BOOTTIME */
};

struct dns_quota {
	struct dns_learned *e; /* unordered */
	size_t n, cap;
	uint64_t evicted; /* own addresses forgotten to stay within the quota */
};

/* The addresses cgroup_id learned before this proxy (a daemon's restart): 0 or -errno. */
int dns_quota_seed(struct dns_quota *q, struct loader *l, uint64_t cgroup_id);
/*
 * Learns addr for cgroup_id (loader_learn) within quota addresses at once,
 * now_ns being CLOCK_BOOTTIME: 0, -ENOSPC when the shared table has no room,
 * or another -errno from the loader.
 */
int dns_quota_learn(struct dns_quota *q, struct loader *l, uint64_t cgroup_id, unsigned int quota,
		    uint64_t now_ns, const uint8_t addr[16], const char *name, size_t name_len,
		    uint64_t expires_ns);
void dns_quota_free(struct dns_quota *q);

#endif /* AGENTGATE_DNS_QUOTA_H */
