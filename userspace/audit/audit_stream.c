// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Live stream of audit lines on a unix socket. The daemon's event loop owns
 * the only thread: one epoll fd (audit_stream_fd) gathers the listening
 * socket and every subscriber. Each subscriber has a fixed-size byte queue;
 * publishing copies into it and tries one non-blocking send, so the writer
 * never waits. A line that does not fit is dropped and counted, and the
 * subscriber gets {"type":"missed","count":N} before the next line it does get.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include "audit.h"
#include "util/sock.h"

#define DEFAULT_QUEUE (256u * 1024u)

struct sub {
	int fd;
	char *q;
	size_t head, len; /* ring buffer of s->qcap bytes */
	uint64_t missed;
	bool want_out;
	bool dead;
};

struct audit_stream {
	int lfd, ep;
	bool bound; /* path is this stream's socket: removed at close */
	char *path;
	size_t qcap;
	struct sub **subs;
	size_t n, cap;
};

struct audit_stream *audit_stream_open(const char *sock_path, size_t queue_bytes, int *err)
{
	struct audit_stream *s = calloc(1, sizeof(*s));
	struct epoll_event ev = { .events = EPOLLIN };
	struct sockaddr_un sa;

	*err = -ENOMEM;
	if (!s)
		return NULL;
	s->lfd = s->ep = -1;
	s->qcap = queue_bytes ? queue_bytes : DEFAULT_QUEUE;
	s->path = strdup(sock_path);
	if (!s->path)
		goto fail;
	*err = sock_unix_addr(sock_path, &sa);
	if (*err)
		goto fail;
	s->ep = epoll_create1(EPOLL_CLOEXEC);
	if (s->ep < 0)
		goto fail_errno;
	/* The stream carries the audit trail: root (and its group) only. */
	s->lfd = sock_listen_unix(sock_path, 0660, SOCK_NONBLOCK, 16, NULL, NULL);
	if (s->lfd < 0) {
		*err = s->lfd;
		goto fail;
	}
	s->bound = true;
	if (epoll_ctl(s->ep, EPOLL_CTL_ADD, s->lfd, &ev) < 0)
		goto fail_errno;
	*err = 0;
	return s;
fail_errno:
	*err = -errno;
fail:
	audit_stream_close(s);
	return NULL;
}

int audit_stream_fd(const struct audit_stream *s)
{
	return s->ep;
}

size_t audit_stream_subscribers(const struct audit_stream *s)
{
	size_t i, n = 0;

	for (i = 0; i < s->n; i++)
		n += !s->subs[i]->dead;
	return n;
}

static void set_out(struct audit_stream *s, struct sub *c)
{
	struct epoll_event ev = { .data.ptr = c };
	bool want = c->len > 0;

	if (want == c->want_out || c->dead)
		return;
	ev.events = EPOLLIN | EPOLLRDHUP | (want ? EPOLLOUT : 0);
	if (epoll_ctl(s->ep, EPOLL_CTL_MOD, c->fd, &ev) == 0)
		c->want_out = want;
}

static void sub_send(struct audit_stream *s, struct sub *c)
{
	while (c->len && !c->dead) {
		size_t chunk = c->len < s->qcap - c->head ? c->len : s->qcap - c->head;
		ssize_t k = send(c->fd, c->q + c->head, chunk, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (k <= 0) {
			c->dead = true;
			break;
		}
		c->head = (c->head + (size_t)k) % s->qcap;
		c->len -= (size_t)k;
	}
	set_out(s, c);
}

static void push(struct audit_stream *s, struct sub *c, const char *p, size_t n)
{
	size_t tail = (c->head + c->len) % s->qcap, first = n < s->qcap - tail ? n : s->qcap - tail;

	memcpy(c->q + tail, p, first);
	memcpy(c->q, p + first, n - first);
	c->len += n;
}

static void reap(struct audit_stream *s)
{
	size_t i, k = 0;

	for (i = 0; i < s->n; i++) {
		struct sub *c = s->subs[i];

		if (!c->dead) {
			s->subs[k++] = c;
			continue;
		}
		epoll_ctl(s->ep, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
		free(c->q);
		free(c);
	}
	s->n = k;
}

void audit_stream_publish(struct audit_stream *s, const char *line, size_t len)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		struct sub *c = s->subs[i];
		char notice[64];
		int nn = 0;

		if (c->dead)
			continue;
		if (c->missed)
			nn = snprintf(notice, sizeof(notice),
				      "{\"type\":\"missed\",\"count\":%llu}\n",
				      (unsigned long long)c->missed);
		if (c->len + (size_t)nn + len > s->qcap) {
			c->missed++;
			continue;
		}
		push(s, c, notice, (size_t)nn);
		push(s, c, line, len);
		c->missed = 0;
		sub_send(s, c);
	}
	reap(s);
}

static void accept_all(struct audit_stream *s)
{
	for (;;) {
		int fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP };
		struct sub *c;

		if (fd < 0)
			return;
		c = calloc(1, sizeof(*c));
		if (c)
			c->q = malloc(s->qcap);
		if (s->n == s->cap) {
			size_t cap = s->cap ? s->cap * 2 : 8;
			struct sub **p = realloc(s->subs, cap * sizeof(*p));

			if (p) {
				s->subs = p;
				s->cap = cap;
			}
		}
		ev.data.ptr = c;
		if (!c || !c->q || s->n == s->cap || epoll_ctl(s->ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
			if (c)
				free(c->q);
			free(c);
			close(fd);
			continue;
		}
		c->fd = fd;
		s->subs[s->n++] = c;
	}
}

int audit_stream_handle(struct audit_stream *s)
{
	struct epoll_event evs[32];
	int n, i;

	n = epoll_wait(s->ep, evs, 32, 0);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	for (i = 0; i < n; i++) {
		struct sub *c = evs[i].data.ptr;
		char junk[256];

		if (!c) {
			accept_all(s);
			continue;
		}
		if (c->dead)
			continue;
		if (evs[i].events & (EPOLLERR | EPOLLHUP | EPOLLRDHUP)) {
			c->dead = true;
			continue;
		}
		/* Subscribers have nothing to say; reading notices a close. */
		if ((evs[i].events & EPOLLIN) && recv(c->fd, junk, sizeof(junk), MSG_DONTWAIT) == 0)
			c->dead = true;
		if (evs[i].events & EPOLLOUT)
			sub_send(s, c);
	}
	reap(s);
	return 0;
}

void audit_stream_close(struct audit_stream *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->n; i++)
		s->subs[i]->dead = true;
	reap(s);
	free(s->subs);
	if (s->lfd >= 0)
		close(s->lfd);
	if (s->bound)
		unlink(s->path);
	if (s->ep >= 0)
		close(s->ep);
	free(s->path);
	free(s);
}

int audit_stream_subscribe(const char *sock_path)
{
	struct sockaddr_un sa;
	struct stat st;
	int fd, err = sock_unix_addr(sock_path, &sa);

	if (err)
		return err;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		err = -errno;
		close(fd);
		/* connect() says "refused" of a file that is no socket at all: say that instead. */
		if (err == -ECONNREFUSED && !stat(sock_path, &st) && !S_ISSOCK(st.st_mode))
			err = -ENOTSOCK;
		return err;
	}
	return fd;
}
