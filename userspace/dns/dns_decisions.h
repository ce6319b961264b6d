/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * A DNS proxy's decisions on their way to the audit log: queued by the loop
 * thread as names are judged, drained by the proxy's owner in time order with
 * the kernel's events; and the counts of what could not be done (decisions
 * lost to a full queue, queries refused for a limit). Its own lock guards all
 * all of it but the event drained into: one thread at a time drains.
 */
#ifndef AGENTGATE_DNS_DECISIONS_H
#define AGENTGATE_DNS_DECISIONS_H

#include <stdint.h>
#include "compile/compile.h"
#include "dns_msg.h"
#include "loader/loader.h"

/* The queue grows as needed up to this many decisions (a daemon runs many proxies). */
#define DNS_DECISIONS_MAX 4096

struct dns_decisions;

int dns_decisions_new(struct dns_decisions **out);
void dns_decisions_free(struct dns_decisions *d);

/* Queues one decision taken now (CLOCK_BOOTTIME); -ENOSPC (counted as lost) when full. */
int dns_decisions_push(struct dns_decisions *d, const struct dns_query *q,
		       const struct ag_dns_client *who, struct ag_verdict v, uint8_t mode,
		       const uint8_t sha[32]);

/*
 * Passes the decisions taken at or before until_ns (UINT64_MAX: all) to fn as
 * events of policy cgroup cgroup_id, oldest first. Returns the count, or fn's
 * negative return (that decision is consumed).
 */
int dns_decisions_drain(struct dns_decisions *d, uint64_t cgroup_id, uint64_t until_ns,
			loader_event_fn fn, void *ctx);

/* Counts a query or connection refused for a limit. */
void dns_decisions_busy(struct dns_decisions *d);
/* Counts n learned addresses forgotten to stay within the policy's dns_quota. */
void dns_decisions_evicted(struct dns_decisions *d, uint64_t n);

/* The counts since the last call. */
uint64_t dns_decisions_take_lost(struct dns_decisions *d);
uint64_t dns_decisions_take_busy(struct dns_decisions *d);
uint64_t dns_decisions_take_evicted(struct dns_decisions *d);

#endif /* AGENTGATE_DNS_DECISIONS_H */
