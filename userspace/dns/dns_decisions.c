// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* A DNS proxy's decisions queued for its owner's audit log, and what it could not do. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "dns_decisions.h"

#define INITIAL 16

struct decision {
	uint64_t ts;
	struct ag_dns_client who;
	struct ag_verdict v;
	uint8_t mode;
	uint8_t sha[32];
	uint16_t len;
	char name[AG_DNS_NAME_MAX];
};

struct dns_decisions {
	pthread_mutex_t lock; /* everything but ev */
	struct decision *queue;
	size_t head, count, cap;
	uint64_t lost, busy, evicted;
	struct ag_event *ev; /* the drainer's */
};

static uint64_t boot_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int dns_decisions_new(struct dns_decisions **out)
{
	struct dns_decisions *d = calloc(1, sizeof(*d));

	if (!d)
		return -ENOMEM;
	d->ev = calloc(1, sizeof(*d->ev));
	if (!d->ev) {
		free(d);
		return -ENOMEM;
	}
	pthread_mutex_init(&d->lock, NULL);
	*out = d;
	return 0;
}

void dns_decisions_free(struct dns_decisions *d)
{
	if (!d)
		return;
	pthread_mutex_destroy(&d->lock);
	free(d->queue);
	free(d->ev);
	free(d);
}

/* Doubles the queue (lock held), keeping its order; -ENOSPC at DNS_DECISIONS_MAX. */
static int grow(struct dns_decisions *d)
{
	size_t cap = d->cap ? 2 * d->cap : INITIAL, i;
	struct decision *q;

	if (cap > DNS_DECISIONS_MAX)
		return -ENOSPC;
	q = malloc(cap * sizeof(*q));
	if (!q)
		return -ENOMEM;
	for (i = 0; i < d->count; i++)
		q[i] = d->queue[(d->head + i) % d->cap];
	free(d->queue);
	d->queue = q;
	d->cap = cap;
	d->head = 0;
	return 0;
}

int dns_decisions_push(struct dns_decisions *d, const struct dns_query *q,
		       const struct ag_dns_client *who, struct ag_verdict v, uint8_t mode,
		       const uint8_t sha[32])
{
	struct decision *e;
	int err = 0;

	pthread_mutex_lock(&d->lock);
	if (d->count == d->cap && grow(d)) {
		d->lost++;
		err = -ENOSPC;
	} else {
		e = &d->queue[(d->head + d->count++) % d->cap];
		e->ts = boot_ns();
		e->who = *who;
		e->v = v;
		e->mode = mode;
		memcpy(e->sha, sha, sizeof(e->sha));
		e->len = (uint16_t)q->name_len;
		memcpy(e->name, q->name, q->name_len);
	}
	pthread_mutex_unlock(&d->lock);
	return err;
}

int dns_decisions_drain(struct dns_decisions *d, uint64_t cgroup_id, uint64_t until_ns,
			loader_event_fn fn, void *ctx)
{
	struct ag_event *ev = d->ev;
	struct decision e;
	int n = 0, err;

	for (;;) {
		pthread_mutex_lock(&d->lock);
		if (!d->count || d->queue[d->head].ts > until_ns) {
			pthread_mutex_unlock(&d->lock);
			break;
		}
		e = d->queue[d->head];
		d->head = (d->head + 1) % d->cap;
		d->count--;
		pthread_mutex_unlock(&d->lock);

		memset(ev, 0, AG_EVENT_HDR_SIZE);
		ev->ts_boot_ns = e.ts;
		ev->cgroup_id = e.who.cgroup_id ? e.who.cgroup_id : cgroup_id;
		ev->policy_cgroup_id = cgroup_id;
		ev->pid = e.who.pid;
		ev->tid = e.who.tid;
		ev->uid = e.who.uid;
		memcpy(ev->comm, e.who.comm, sizeof(ev->comm));
		memcpy(ev->policy_sha256, e.sha, sizeof(ev->policy_sha256));
		ev->version = AG_EVENT_VERSION;
		ev->action = AG_CLASS_NET_DOMAIN;
		ev->rule = e.v.rule;
		ev->decision = e.v.allow ? AG_DECISION_ALLOW : AG_DECISION_DENY;
		ev->mode = e.mode;
		ev->subject_len = e.len;
		ev->count = 1; /* the proxy does not fold: one record per lookup */
		ev->first_ns = e.ts;
		memcpy(ev->subject, e.name, e.len);
		err = fn(ctx, ev, AG_EVENT_HDR_SIZE + e.len);
		if (err < 0) {
			n = err;
			break;
		}
		n++;
	}
	return n;
}

void dns_decisions_busy(struct dns_decisions *d)
{
	pthread_mutex_lock(&d->lock);
	d->busy++;
	pthread_mutex_unlock(&d->lock);
}

void dns_decisions_evicted(struct dns_decisions *d, uint64_t n)
{
	pthread_mutex_lock(&d->lock);
	d->evicted += n;
	pthread_mutex_unlock(&d->lock);
}

static uint64_t take(struct dns_decisions *d, uint64_t *count)
{
	uint64_t n;

	pthread_mutex_lock(&d->lock);
	n = *count;
	*count = 0;
	pthread_mutex_unlock(&d->lock);
	return n;
}

uint64_t dns_decisions_take_lost(struct dns_decisions *d)
{
	return take(d, &d->lost);
}

uint64_t dns_decisions_take_busy(struct dns_decisions *d)
{
	return take(d, &d->busy);
}

uint64_t dns_decisions_take_evicted(struct dns_decisions *d)
{
	return take(d, &d->evicted);
}
