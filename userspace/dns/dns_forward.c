// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* A query to the upstream resolvers without blocking: UDP or TCP, each upstream in turn. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/uio.h>
#include "dns_forward.h"
#include "dns_msg.h"

/*
 * Every step tolerates a spurious wake-up (an event still queued for the
 * previous attempt's descriptor reaches the next one): it tries its system
 * call, and EAGAIN waits for the next event.
 */
enum { F_UDP, F_CONNECTING, F_WRITING, F_READ_HDR, F_READ_BODY };

struct dns_fwd {
	struct dns_watch w;
	struct dns_timer t;
	struct dns_deferred dead;
	struct dns_loop *l;
	const struct sockaddr_storage *up;
	int nup, next; /* upstreams, and the next one to try */
	int tcp, state, err;
	const uint8_t *msg;
	size_t len;
	size_t off; /* TCP: bytes written, or read of the header or body */
	uint8_t hdr[2];
	uint8_t *body;
	size_t blen;
	dns_fwd_fn fn;
	void *ctx;
};

static socklen_t sa_len(const struct sockaddr_storage *a)
{
	return a->ss_family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
}

int dns_upstreams(const char *resolv_conf, struct sockaddr_storage *out, int max)
{
	char line[512], addr[256];
	FILE *f = fopen(resolv_conf, "re");
	int n = 0;

	if (f) {
		while (n < max && fgets(line, sizeof(line), f)) {
			struct sockaddr_in *s4 = (void *)&out[n];
			struct sockaddr_in6 *s6 = (void *)&out[n];

			if (sscanf(line, " nameserver %255s", addr) != 1)
				continue;
			memset(&out[n], 0, sizeof(out[n]));
			if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
				s4->sin_family = AF_INET;
				s4->sin_port = htons(AG_DNS_PORT);
				n++;
			} else if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
				s6->sin6_family = AF_INET6;
				s6->sin6_port = htons(AG_DNS_PORT);
				n++;
			}
		}
		fclose(f);
	}
	/* No nameserver line: the local resolver, as the C library assumes. */
	if (!n && max > 0) {
		struct sockaddr_in *s4 = (void *)&out[0];

		memset(&out[0], 0, sizeof(out[0]));
		s4->sin_family = AF_INET;
		s4->sin_port = htons(AG_DNS_PORT);
		s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		n = 1;
	}
	return n;
}

static void release(struct dns_deferred *d)
{
	struct dns_fwd *f = dns_container_of(d, struct dns_fwd, dead);

	free(f->body);
	free(f);
}

static void end(struct dns_fwd *f)
{
	dns_watch_close(f->l, &f->w);
	dns_timer_cancel(f->l, &f->t);
	dns_loop_defer(f->l, &f->dead);
}

static void finish(struct dns_fwd *f, const uint8_t *reply, int len)
{
	end(f);
	f->fn(f->ctx, reply, len);
}

/* Starts the attempt at up[f->next]; 0, or a negative errno (the attempt failed at once). */
static int try_one(struct dns_fwd *f)
{
	const struct sockaddr_storage *u = &f->up[f->next++];
	int err;

	dns_watch_close(f->l, &f->w);
	free(f->body);
	f->body = NULL;
	f->off = 0;
	f->w.fd = socket(u->ss_family,
			 (f->tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (f->w.fd < 0)
		return -errno;
	if (connect(f->w.fd, (const struct sockaddr *)u, sa_len(u)) && errno != EINPROGRESS)
		goto fail;
	if (f->tcp) {
		f->state = F_CONNECTING;
		err = dns_watch_add(f->l, &f->w, EPOLLOUT);
	} else {
		f->state = F_UDP;
		if (send(f->w.fd, f->msg, f->len, 0) != (ssize_t)f->len)
			goto fail;
		err = dns_watch_add(f->l, &f->w, EPOLLIN);
	}
	if (err) {
		dns_watch_close(f->l, &f->w);
		return err;
	}
	dns_timer_arm(f->l, &f->t, DNS_FWD_ATTEMPT_MS);
	return 0;
fail:
	err = -errno;
	dns_watch_close(f->l, &f->w);
	return err;
}

/* The next upstream's attempt: 0, or the last error when none is left. */
static int try_next(struct dns_fwd *f)
{
	int err;

	while (f->next < f->nup) {
		err = try_one(f);
		if (!err)
			return 0;
		f->err = err;
	}
	return f->err;
}

static void failed(struct dns_fwd *f, int err)
{
	f->err = err;
	if (try_next(f))
		finish(f, NULL, f->err);
}

static void timeout(struct dns_timer *t)
{
	failed(dns_container_of(t, struct dns_fwd, t), -ETIMEDOUT);
}

static void on_udp(struct dns_fwd *f)
{
	uint8_t *buf = dns_loop_buf(f->l, DNS_BUF_IN);
	ssize_t n;

	for (;;) {
		n = recv(f->w.fd, buf, DNS_MSG_MAX, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			if (errno != EAGAIN)
				failed(f, -errno); /* ECONNREFUSED: nothing listens there */
			return;
		}
		if (n >= 2 && buf[0] == f->msg[0] && buf[1] == f->msg[1]) {
			finish(f, buf, (int)n);
			return;
		}
	}
}

/* Progress with n bytes (or the error of a read or write); 0 while the attempt goes on. */
static int moved(struct dns_fwd *f, ssize_t n)
{
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 1;
	if (n <= 0) {
		failed(f, n ? -errno : -ECONNRESET);
		return 1;
	}
	f->off += (size_t)n;
	dns_timer_arm(f->l, &f->t, DNS_FWD_ATTEMPT_MS);
	return 0;
}

static void on_tcp(struct dns_fwd *f)
{
	struct sockaddr_storage peer;
	socklen_t plen = sizeof(peer);
	struct iovec iov[2];
	int soerr = 0;
	ssize_t n;

	switch (f->state) {
	case F_CONNECTING:
		if (getsockopt(f->w.fd, SOL_SOCKET, SO_ERROR, &soerr,
			       &(socklen_t){ sizeof(soerr) }) ||
		    soerr) {
			failed(f, soerr ? -soerr : -errno);
			return;
		}
		if (getpeername(f->w.fd, (struct sockaddr *)&peer, &plen))
			return; /* still connecting */
		f->hdr[0] = (uint8_t)(f->len >> 8);
		f->hdr[1] = (uint8_t)f->len;
		f->state = F_WRITING;
		/* fallthrough */
	case F_WRITING:
		iov[0] = (struct iovec){ f->hdr + (f->off < 2 ? f->off : 2),
					 f->off < 2 ? 2 - f->off : 0 };
		iov[1] = (struct iovec){ (void *)(f->msg + (f->off > 2 ? f->off - 2 : 0)),
					 f->len - (f->off > 2 ? f->off - 2 : 0) };
		n = writev(f->w.fd, iov, 2);
		if (moved(f, n) || f->off < f->len + 2)
			return;
		f->state = F_READ_HDR;
		f->off = 0;
		if (dns_watch_mod(f->l, &f->w, EPOLLIN))
			failed(f, -errno);
		return;
	case F_READ_HDR:
		n = read(f->w.fd, f->hdr + f->off, 2 - f->off);
		if (moved(f, n) || f->off < 2)
			return;
		f->blen = (size_t)f->hdr[0] << 8 | f->hdr[1];
		f->body = f->blen ? malloc(f->blen) : NULL;
		if (!f->body) {
			failed(f, f->blen ? -ENOMEM : -EIO);
			return;
		}
		f->state = F_READ_BODY;
		f->off = 0;
		/* fallthrough */
	case F_READ_BODY:
		n = read(f->w.fd, f->body + f->off, f->blen - f->off);
		if (moved(f, n) || f->off < f->blen)
			return;
		finish(f, f->body, (int)f->blen);
		return;
	}
}

static void on_event(struct dns_watch *w, uint32_t events)
{
	struct dns_fwd *f = dns_container_of(w, struct dns_fwd, w);

	if (f->tcp)
		on_tcp(f);
	else
		on_udp(f);
}

int dns_fwd_start(struct dns_loop *l, const struct sockaddr_storage *up, int nup, int tcp,
		  const uint8_t *msg, size_t len, dns_fwd_fn fn, void *ctx, struct dns_fwd **out)
{
	struct dns_fwd *f;
	int err;

	if (len < 2 || len > DNS_MSG_MAX)
		return -EINVAL;
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	*f = (struct dns_fwd){ .w = { .fd = -1, .fn = on_event },
			       .t = { .fn = timeout },
			       .dead = { .fn = release },
			       .l = l,
			       .up = up,
			       .nup = nup,
			       .tcp = tcp,
			       .err = -EHOSTUNREACH,
			       .msg = msg,
			       .len = len,
			       .fn = fn,
			       .ctx = ctx };
	err = try_next(f);
	if (err) {
		free(f); /* never watched: no event can name it */
		return err;
	}
	*out = f;
	return 0;
}

void dns_fwd_cancel(struct dns_fwd *f)
{
	end(f);
}
