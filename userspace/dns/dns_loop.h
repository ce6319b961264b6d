/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The event loop every DNS proxy of the process shares: one thread, one epoll
 * set, timers, and a way for other threads to run a function inside it.
 *
 * Threads: dns_loop_get, dns_loop_put and dns_loop_call are for any thread
 * but the loop's own; everything else is for the loop thread only (from
 * watch, timer and call functions), and needs no lock.
 *
 * Lifetimes: an object with a watch or a timer may be freed by the loop thread
 * only through dns_loop_defer (an epoll batch may still name it); before that,
 * dns_watch_close and dns_timer_cancel. A call runs after the current batch,
 * so the caller may free what the call detached once dns_loop_call returns.
 */
#ifndef AGENTGATE_DNS_LOOP_H
#define AGENTGATE_DNS_LOOP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct dns_loop;
struct dns_timer_list;

/* The struct holding member m at ptr (for watches, timers and deferrals embedded in objects). */
#define dns_container_of(ptr, type, m) ((type *)(void *)((char *)(ptr)-offsetof(type, m)))

struct dns_watch {
	int fd; /* -1 once closed: events still queued for it are skipped */
	void (*fn)(struct dns_watch *w, uint32_t events);
};

/* A timeout: fires once, dns_loop_timers' ms after it was last armed. */
struct dns_timer {
	struct dns_timer_list *list; /* NULL when not armed */
	struct dns_timer *prev, *next; /* in list, soonest first */
	uint64_t due_ms;
	void (*fn)(struct dns_timer *t);
};

/* Something to free after the current batch. */
struct dns_deferred {
	struct dns_deferred *next;
	void (*fn)(struct dns_deferred *d);
};

/* The scratch buffers (DNS_MSG_MAX bytes each), valid until the function using them returns. */
enum { DNS_BUF_IN, DNS_BUF_OUT, DNS_BUF_COUNT };

/* The process's loop, started by the first get; the last put stops its thread. */
int dns_loop_get(struct dns_loop **out);
void dns_loop_put(struct dns_loop *l);

/* Runs fn(arg) in the loop thread between two batches; returns its result. */
int dns_loop_call(struct dns_loop *l, int (*fn)(void *arg), void *arg);

/* Loop thread only. events: EPOLLIN, EPOLLOUT (level triggered). */
int dns_watch_add(struct dns_loop *l, struct dns_watch *w, uint32_t events);
int dns_watch_mod(struct dns_loop *l, struct dns_watch *w, uint32_t events);
/* Out of the set (dns_watch_add puts it back). */
int dns_watch_del(struct dns_loop *l, struct dns_watch *w);
/* Closes w->fd (when open) and sets it to -1. */
void dns_watch_close(struct dns_loop *l, struct dns_watch *w);

/* Arms (or re-arms) t to fire ms from now; every timer of one loop uses few distinct ms. */
void dns_timer_arm(struct dns_loop *l, struct dns_timer *t, int ms);
void dns_timer_cancel(struct dns_loop *l, struct dns_timer *t);

void dns_loop_defer(struct dns_loop *l, struct dns_deferred *d);
uint8_t *dns_loop_buf(struct dns_loop *l, int which);

/*
 * accept4 (non-blocking, close-on-exec) on listening socket fd: the new fd or
 * a negative errno. Out of descriptors, the connection is closed on the spot
 * (a spare descriptor makes room), so a full table cannot spin the loop: -EMFILE.
 */
int dns_loop_accept(struct dns_loop *l, int fd, struct sockaddr_storage *peer, socklen_t *plen);

#endif /* AGENTGATE_DNS_LOOP_H */
