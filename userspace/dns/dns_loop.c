// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* One epoll thread for every DNS proxy of the process: watches, timers, calls from other threads. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include "dns_loop.h"
#include "dns_msg.h"

#define BATCH 64
#define TIMER_LISTS 4 /* distinct timeouts; more share the last list (sorted, slower to arm) */
#define STACK_BYTES (256u << 10)

struct dns_timer_list {
	int ms; /* 0: unused */
	struct dns_timer *head, *tail;
};

struct call {
	int (*fn)(void *arg);
	void *arg;
	int ret;
	int done;
	struct call *next;
};

struct dns_loop {
	int epfd;
	struct dns_watch wake; /* eventfd: a call is queued */
	int spare_fd; /* given up to accept a connection when out of descriptors */
	pthread_t thread;
	struct dns_timer_list timers[TIMER_LISTS];
	struct dns_deferred *deferred;
	uint8_t *buf[DNS_BUF_COUNT];

	pthread_mutex_t lock; /* calls, quit, and the call results */
	pthread_cond_t done;
	struct call *calls, **calls_tail;
	int quit;
};

static pthread_mutex_t shared_lock = PTHREAD_MUTEX_INITIALIZER;
static struct dns_loop *shared; /* shared_lock, with refs */
static unsigned int refs;

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int dns_watch_add(struct dns_loop *l, struct dns_watch *w, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = w };

	return epoll_ctl(l->epfd, EPOLL_CTL_ADD, w->fd, &ev) ? -errno : 0;
}

int dns_watch_mod(struct dns_loop *l, struct dns_watch *w, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = w };

	return epoll_ctl(l->epfd, EPOLL_CTL_MOD, w->fd, &ev) ? -errno : 0;
}

int dns_watch_del(struct dns_loop *l, struct dns_watch *w)
{
	return epoll_ctl(l->epfd, EPOLL_CTL_DEL, w->fd, NULL) ? -errno : 0;
}

void dns_watch_close(struct dns_loop *l, struct dns_watch *w)
{
	if (w->fd < 0)
		return;
	close(w->fd); /* leaves the epoll set with its last reference */
	w->fd = -1;
}

static struct dns_timer_list *list_for(struct dns_loop *l, int ms)
{
	int i;

	for (i = 0; i < TIMER_LISTS; i++) {
		if (!l->timers[i].ms)
			l->timers[i].ms = ms;
		if (l->timers[i].ms == ms)
			return &l->timers[i];
	}
	return &l->timers[TIMER_LISTS - 1];
}

void dns_timer_cancel(struct dns_loop *l, struct dns_timer *t)
{
	struct dns_timer_list *tl = t->list;

	if (!tl)
		return;
	if (t->prev)
		t->prev->next = t->next;
	else
		tl->head = t->next;
	if (t->next)
		t->next->prev = t->prev;
	else
		tl->tail = t->prev;
	t->prev = t->next = NULL;
	t->list = NULL;
}

void dns_timer_arm(struct dns_loop *l, struct dns_timer *t, int ms)
{
	struct dns_timer_list *tl = list_for(l, ms);
	struct dns_timer *after;

	dns_timer_cancel(l, t);
	t->due_ms = now_ms() + (uint64_t)ms;
	/* From the tail: with one timeout per list the new timer goes last at once. */
	for (after = tl->tail; after && after->due_ms > t->due_ms; after = after->prev)
		;
	t->list = tl;
	t->prev = after;
	t->next = after ? after->next : tl->head;
	if (t->next)
		t->next->prev = t;
	else
		tl->tail = t;
	if (after)
		after->next = t;
	else
		tl->head = t;
}

void dns_loop_defer(struct dns_loop *l, struct dns_deferred *d)
{
	d->next = l->deferred;
	l->deferred = d;
}

uint8_t *dns_loop_buf(struct dns_loop *l, int which)
{
	return l->buf[which];
}

int dns_loop_accept(struct dns_loop *l, int fd, struct sockaddr_storage *peer, socklen_t *plen)
{
	int c = accept4(fd, (struct sockaddr *)peer, plen, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (c >= 0)
		return c;
	if ((errno != EMFILE && errno != ENFILE) || l->spare_fd < 0)
		return -errno;
	close(l->spare_fd);
	c = accept(fd, NULL, NULL);
	if (c >= 0)
		close(c);
	l->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	return -EMFILE;
}

/* Milliseconds until the first timer is due (-1: none). */
static int next_timeout(struct dns_loop *l)
{
	uint64_t now = now_ms(), due = 0;
	int i;

	for (i = 0; i < TIMER_LISTS; i++)
		if (l->timers[i].head && (!due || l->timers[i].head->due_ms < due))
			due = l->timers[i].head->due_ms;
	if (!due)
		return -1;
	return due <= now ? 0 : (int)(due - now);
}

static void run_timers(struct dns_loop *l)
{
	uint64_t now = now_ms();
	struct dns_timer *t;
	int i;

	for (i = 0; i < TIMER_LISTS; i++) {
		while ((t = l->timers[i].head) && t->due_ms <= now) {
			dns_timer_cancel(l, t);
			t->fn(t);
		}
	}
}

static void run_deferred(struct dns_loop *l)
{
	struct dns_deferred *d;

	while ((d = l->deferred)) {
		l->deferred = d->next;
		d->fn(d);
	}
}

/* Runs the queued calls, frees what they detached, then lets their callers go. Returns quit. */
static int run_calls(struct dns_loop *l)
{
	struct call *c, *ran;
	int quit;

	pthread_mutex_lock(&l->lock);
	ran = l->calls;
	l->calls = NULL;
	l->calls_tail = &l->calls;
	pthread_mutex_unlock(&l->lock);
	for (c = ran; c; c = c->next)
		c->ret = c->fn(c->arg);
	run_deferred(l);
	pthread_mutex_lock(&l->lock);
	while (ran) {
		c = ran->next;
		ran->done = 1; /* the caller may return (and free its call) from here on */
		ran = c;
	}
	pthread_cond_broadcast(&l->done);
	quit = l->quit;
	pthread_mutex_unlock(&l->lock);
	return quit;
}

static void wake(struct dns_watch *w, uint32_t events)
{
	uint64_t n;

	if (read(w->fd, &n, sizeof(n)) < 0)
		return; /* EAGAIN: another batch read it already */
}

static void *loop_main(void *arg)
{
	struct dns_loop *l = arg;
	struct epoll_event ev[BATCH];
	struct dns_watch *w;
	int i, n;

	for (;;) {
		n = epoll_wait(l->epfd, ev, BATCH, next_timeout(l));
		for (i = 0; i < n; i++) {
			w = ev[i].data.ptr;
			if (w->fd >= 0)
				w->fn(w, ev[i].events);
		}
		run_timers(l);
		run_deferred(l);
		if (run_calls(l))
			break;
	}
	return NULL;
}

static void wake_up(struct dns_loop *l)
{
	if (write(l->wake.fd, &(uint64_t){ 1 }, 8) != 8)
		return; /* saturated: a wake-up is pending anyway */
}

int dns_loop_call(struct dns_loop *l, int (*fn)(void *arg), void *arg)
{
	struct call c = { .fn = fn, .arg = arg };

	pthread_mutex_lock(&l->lock);
	*l->calls_tail = &c;
	l->calls_tail = &c.next;
	pthread_mutex_unlock(&l->lock);
	wake_up(l);
	pthread_mutex_lock(&l->lock);
	while (!c.done)
		pthread_cond_wait(&l->done, &l->lock);
	pthread_mutex_unlock(&l->lock);
	return c.ret;
}

static void loop_free(struct dns_loop *l)
{
	int i;

	if (l->epfd >= 0)
		close(l->epfd);
	if (l->wake.fd >= 0)
		close(l->wake.fd);
	if (l->spare_fd >= 0)
		close(l->spare_fd);
	for (i = 0; i < DNS_BUF_COUNT; i++)
		free(l->buf[i]);
	pthread_mutex_destroy(&l->lock);
	pthread_cond_destroy(&l->done);
	free(l);
}

static int loop_new(struct dns_loop **out)
{
	struct dns_loop *l = calloc(1, sizeof(*l));
	sigset_t all, old;
	pthread_attr_t a;
	int i, err;

	if (!l)
		return -ENOMEM;
	pthread_mutex_init(&l->lock, NULL);
	pthread_cond_init(&l->done, NULL);
	l->calls_tail = &l->calls;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	l->wake.fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	l->wake.fn = wake;
	l->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	err = l->epfd < 0 || l->wake.fd < 0 ? -errno : 0;
	for (i = 0; !err && i < DNS_BUF_COUNT; i++)
		if (!(l->buf[i] = malloc(DNS_MSG_MAX)))
			err = -ENOMEM;
	if (!err)
		err = dns_watch_add(l, &l->wake, EPOLLIN);
	if (!err) {
		/* Signals are the owner's business (handlers, signalfd): none reaches the loop. */
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		pthread_attr_init(&a);
		pthread_attr_setstacksize(&a, STACK_BYTES);
		err = -pthread_create(&l->thread, &a, loop_main, l);
		pthread_attr_destroy(&a);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	if (err) {
		loop_free(l);
		return err;
	}
	*out = l;
	return 0;
}

int dns_loop_get(struct dns_loop **out)
{
	int err = 0;

	pthread_mutex_lock(&shared_lock);
	if (!shared)
		err = loop_new(&shared);
	if (!err) {
		refs++;
		*out = shared;
	}
	pthread_mutex_unlock(&shared_lock);
	return err;
}

static int quit(void *arg)
{
	struct dns_loop *l = arg;

	pthread_mutex_lock(&l->lock);
	l->quit = 1;
	pthread_mutex_unlock(&l->lock);
	return 0;
}

void dns_loop_put(struct dns_loop *l)
{
	pthread_mutex_lock(&shared_lock);
	if (--refs == 0) {
		dns_loop_call(l, quit, l);
		pthread_join(l->thread, NULL);
		loop_free(l);
		shared = NULL;
	}
	pthread_mutex_unlock(&shared_lock);
}
