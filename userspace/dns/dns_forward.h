/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * One query forwarded to the upstream resolvers, driven by the DNS loop
 * (dns_loop.h; every function here runs in the loop thread). The upstreams
 * are tried in turn, one attempt each, DNS_FWD_ATTEMPT_MS without progress
 * failing it: over UDP from a connected socket of the query's own (a reply
 * from another address or with another id is skipped), or over TCP when
 * the client asked over TCP. A truncated UDP answer is passed on as it is:
 * the client then asks again over TCP, which is forwarded over TCP.
 */
#ifndef AGENTGATE_DNS_FORWARD_H
#define AGENTGATE_DNS_FORWARD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include "dns_loop.h"

#define DNS_FWD_ATTEMPT_MS 2000
#define DNS_FWD_MAX_UPSTREAMS 3 /* as the C library reads resolv.conf */

struct dns_fwd;

/*
 * The outcome, called once from the loop: the reply (valid during the call),
 * or NULL and a negative errno when every upstream failed.
 */
typedef void (*dns_fwd_fn)(void *ctx, const uint8_t *reply, int len);

/*
 * Sends msg to up[0] (then up[1], ...). up and msg are borrowed until fn is
 * called or the forward is cancelled. Returns a negative errno, and never
 * calls fn, when no upstream could be tried.
 */
int dns_fwd_start(struct dns_loop *l, const struct sockaddr_storage *up, int nup, int tcp,
		  const uint8_t *msg, size_t len, dns_fwd_fn fn, void *ctx, struct dns_fwd **out);

/* Gives up on a forward whose fn was not called yet; fn never will be. */
void dns_fwd_cancel(struct dns_fwd *f);

/* The upstream resolvers: "nameserver" lines of a resolv.conf, at most max. */
int dns_upstreams(const char *resolv_conf, struct sockaddr_storage *out, int max);

#endif /* AGENTGATE_DNS_FORWARD_H */
