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
 *
 * Threads. Every proxy of the process is served by one thread, the DNS loop
 * (dns_loop.h): it reads the queries, judges them, forwards them
 * (dns_forward.h), learns the answers' addresses and replies. The owner (the
 * thread that started the proxy) calls the functions below; stop and free
 * must not run concurrently with the others. Shared fields and their locks:
 *   img_lock  the policy image: replaced by dns_proxy_set_image, read by the
 *             loop to judge a name (apart from the decisions' lock: judging
 *             takes a while, draining must not wait for it)
 *   the decisions (dns_decisions.h, with a lock of their own): queued by
 *             the loop, taken by dns_proxy_drain; so are the lost, busy and
 *             evicted counts
 * The listening sockets, queries in flight and TCP connections belong to the
 * loop thread alone; start and stop hand them over in a dns_loop_call. The
 * rest is set by dns_proxy_start and read-only until dns_proxy_free.
 *
 * Limits (per proxy), and what happens beyond them:
 *   DNS_PROXY_MAX_FORWARDS allowed queries waiting for an upstream: one more
 *       is answered SERVFAIL (the client asks again) and counted as busy
 *       (dns_proxy_take_busy: exec and the daemon log it); its decision is
 *       recorded as always. Refused names need no slot.
 *   DNS_PROXY_MAX_TCP client connections: one more is closed when accepted
 *       and counted as busy (so is one accepted while the process is out of
 *       descriptors).
 *   DNS_PROXY_TCP_PIPELINE queries of one connection read and not yet
 *       answered: further ones wait in the socket, unread, until one is
 *       (nothing is refused); a connection with nothing in flight is closed
 *       after DNS_PROXY_TCP_IDLE_MS without progress.
 *   DNS_DECISIONS_MAX decisions not drained yet: one more is lost and
 *       counted (dns_proxy_take_lost: the owner writes a gap record).
 * Buffers: a forwarded query is copied (its length, at most 64 KiB), so is a
 * TCP upstream's reply while it is read; a connection holds the query it is
 * reading and its unsent replies (each at most 64 KiB + 2, at most
 * DNS_PROXY_TCP_PIPELINE of them). The loop's scratch buffers (2 x 64 KiB)
 * serve every proxy. Worst case about 16 MiB + 20 MiB per proxy (forwards,
 * connections); typical use is a few KiB.
 */
#ifndef AGENTGATE_DNS_PROXY_H
#define AGENTGATE_DNS_PROXY_H

#include <stdint.h>
#include "compile/compile.h"
#include "loader/loader.h"

#define DNS_MAX_TTL_S 86400

#define DNS_PROXY_MAX_FORWARDS 128
#define DNS_PROXY_MAX_TCP 64
#define DNS_PROXY_TCP_PIPELINE 4
#define DNS_PROXY_TCP_IDLE_MS 5000

struct dns_proxy;

/*
 * Registers the policy as having a proxy with the kernel; img is copied.
 * notify_fd (an eventfd, or -1) is written to when a decision is queued. It
 * listens in no namespace yet (dns_proxy_serve, dns_proxy_sweep).
 */
int dns_proxy_start(struct dns_proxy **out, struct loader *l, uint64_t cgroup_id,
		    const struct ag_image *img, int notify_fd);

/*
 * Network namespaces (docs/network.md). The proxy serves a namespace once it
 * has sockets there (on 127.0.0.1 and ::1, free ports): the kernel refuses
 * (and records) lookups from a namespace it does not serve.
 *
 * dns_proxy_serve: the namespace task tid is in (0: the caller thread's),
 * unless served already (0);
 * 1 when its sockets were set up now, -ENETDOWN when it has no interface but
 * loopback (not served, and not tried again for DNS_UNSERVED_RETRY_MS),
 * -ESRCH when the task is gone.
 *
 * dns_proxy_sweep: the namespaces of every thread of the cgroup directory
 * cgroup_dir and below are served; those none of them is in any more are
 * given up (a socket keeps its namespace alive). 0, or the first error met.
 */
int dns_proxy_serve(struct dns_proxy *p, int tid);
/* The owner's own namespace, served from now on whatever the sweep finds there. */
int dns_proxy_serve_own(struct dns_proxy *p);
int dns_proxy_sweep(struct dns_proxy *p, const char *cgroup_dir);
/* How many namespaces it serves. */
int dns_proxy_namespaces(const struct dns_proxy *p);

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

/* Queries and connections refused since the last call for a limit above. */
uint64_t dns_proxy_take_busy(struct dns_proxy *p);
/* Learned addresses forgotten since the last call to stay within dns_quota (dns_quota.h). */
uint64_t dns_proxy_take_evicted(struct dns_proxy *p);

/*
 * Unregisters (the cgroup gets no DNS from then on) and ends the queries in
 * flight (answered SERVFAIL) and the connections; their decisions can still
 * be drained. Then free.
 */
void dns_proxy_stop(struct dns_proxy *p);
void dns_proxy_free(struct dns_proxy *p);

#endif /* AGENTGATE_DNS_PROXY_H */
