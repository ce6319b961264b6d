/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The DNS proxy of one policy (docs/network.md). The kernel steers the
 * cgroup's UDP and TCP port 53 traffic to it; it answers names the policy
 * denies with REFUSED, forwards the others to the upstream resolvers of
 * /etc/resolv.conf, and lets the cgroup reach the A/AAAA addresses of an
 * allowed answer (loader_learn) before the answer reaches the agent.
 *
 * Its decisions become events (action NET_DOMAIN, the name as subject, the
 * task the kernel saw sending the query, or pid 0), queued until the owner
 * drains them into its audit log.
 * Threads: one listener, one worker per query or TCP connection.
 */
#ifndef AGENTGATE_DNS_PROXY_H
#define AGENTGATE_DNS_PROXY_H

#include <stdint.h>
#include <sys/socket.h>
#include "compile/compile.h"
#include "loader/loader.h"

#define DNS_GRACE_S 2 /* past the TTL: a connect right after the lookup must not race it */
#define DNS_MAX_TTL_S 86400

struct dns_proxy;

/*
 * Listens on 127.0.0.1 and ::1 (free ports), registers with the kernel; img is
 * copied. notify_fd (an eventfd, or -1) is written to when a decision is queued.
 */
int dns_proxy_start(struct dns_proxy **out, struct loader *l, uint64_t cgroup_id,
		    const struct ag_image *img, int notify_fd);

/* Where it listens: 127.0.0.1:port4 and [::1]:port6 (0: not listening on IPv6). */
void dns_proxy_ports(const struct dns_proxy *p, uint16_t *port4, uint16_t *port6);

/* A new policy for the same cgroup (a reload): later questions are judged by it. */
int dns_proxy_set_image(struct dns_proxy *p, const struct ag_image *img);

/*
 * Passes the queued decisions taken at or before until_ns (CLOCK_BOOTTIME;
 * UINT64_MAX: all) to fn, oldest first, so they can be written in order with
 * the kernel's. Returns the count, or fn's negative return.
 */
int dns_proxy_drain(struct dns_proxy *p, uint64_t until_ns, loader_event_fn fn, void *ctx);

/* Decisions dropped since the last call because the queue was full. */
uint64_t dns_proxy_take_lost(struct dns_proxy *p);

/*
 * Unregisters (the cgroup gets no DNS from then on) and waits for the queries
 * in flight; their decisions can still be drained. Then free.
 */
void dns_proxy_stop(struct dns_proxy *p);
void dns_proxy_free(struct dns_proxy *p);

/* The upstream resolvers: "nameserver" lines of a resolv.conf, at most max. */
int dns_upstreams(const char *resolv_conf, struct sockaddr_storage *out, int max);

#endif /* AGENTGATE_DNS_PROXY_H */
