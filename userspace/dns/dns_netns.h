/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * A DNS proxy's listening sockets in one network namespace (docs/network.md):
 * UDP and TCP on one port of 127.0.0.1 and one of ::1 there, where the kernel
 * steers the lookups of the policy's tasks in that namespace. They are
 * created by a short-lived thread that enters the namespace (setns changes
 * only the calling thread's), so the caller's namespace never changes; a
 * socket keeps its namespace for life, and keeps the namespace alive.
 *
 * Any thread may call these; they share no state.
 */
#ifndef AGENTGATE_DNS_NETNS_H
#define AGENTGATE_DNS_NETNS_H

#include <stdint.h>

struct dns_socks {
	int udp4, tcp4, udp6, tcp6; /* -1: none (IPv6 may be missing) */
	uint16_t port4, port6; /* host order; port6 0 without IPv6 */
	uint64_t cookie; /* the namespace's cookie (SO_NETNS_COOKIE) */
};

/*
 * Listens in the namespace of netns_fd (an open /proc/PID/ns/net), or in the
 * caller's own with -1. Bound with IP_FREEBIND, so a namespace whose loopback
 * is still down is served once it is up. -ENETDOWN: the namespace of netns_fd
 * has no interface but loopback (a container run with --network none): it has
 * no network, so it gets no DNS either (a lookup answered there would be a way
 * out of it). The caller's own namespace is not asked that.
 */
int dns_netns_listen(int netns_fd, struct dns_socks *out);

/* Closes what is open and sets every fd to -1. */
void dns_socks_close(struct dns_socks *s);

#endif /* AGENTGATE_DNS_NETNS_H */
