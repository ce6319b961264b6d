// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The per-policy DNS proxy: judge the name, forward or refuse, learn the answer's addresses. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <ldns/ldns.h>
#include "dns_msg.h"
#include "dns_proxy.h"

#define MAX_UPSTREAMS 3
#define MAX_WORKERS 128
#define QUEUE_MIN 16 /* the queue grows as needed up to QUEUE_MAX: a daemon runs many proxies */
#define QUEUE_MAX 4096
#define STACK_BYTES (256u << 10)
#define UPSTREAM_MS 2000 /* per upstream and attempt */
#define TCP_IDLE_MS 5000
#define MAX_ADDRS 64

enum { S_UDP4, S_TCP4, S_UDP6, S_TCP6, S_COUNT };

struct decision {
	uint64_t ts;
	struct ag_dns_client who;
	struct ag_verdict v;
	uint8_t mode;
	uint8_t sha[32];
	uint16_t len;
	char name[AG_DNS_NAME_MAX];
};

struct dns_proxy {
	struct loader *loader;
	uint64_t cgroup_id;
	int notify_fd;
	uint16_t port4, port6;
	int fds[S_COUNT];
	int stop_pipe[2];
	pthread_t listener;
	int listening;
	struct sockaddr_storage up[MAX_UPSTREAMS];
	int nup;
	struct ag_event *ev; /* the owner's, to drain into */

	/* Apart from lock: judging a name walks the image for a while, draining must not wait. */
	pthread_mutex_t img_lock;
	struct ag_image img;

	pthread_mutex_t lock; /* everything below */
	pthread_cond_t idle;
	int workers;
	int stopping;
	struct decision *queue;
	size_t head, count, cap;
	uint64_t lost;
};

struct job {
	struct dns_proxy *p;
	int fd; /* UDP: the listening socket; TCP: the connection */
	int tcp;
	struct sockaddr_storage peer; /* who sent: the task is looked up by its port */
	socklen_t peerlen;
	size_t len;
	uint8_t msg[];
};

static uint64_t boot_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int stopping(struct dns_proxy *p)
{
	int s;

	pthread_mutex_lock(&p->lock);
	s = p->stopping;
	pthread_mutex_unlock(&p->lock);
	return s;
}

/* 1 when fd is readable within ms, 0 on timeout or stop, in steps that notice a stop. */
static int wait_readable(struct dns_proxy *p, int fd, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int n;

	for (; ms > 0 && !stopping(p); ms -= 100) {
		n = poll(&pfd, 1, ms < 100 ? ms : 100);
		if (n > 0)
			return 1;
		if (n < 0 && errno != EINTR)
			return 0;
	}
	return 0;
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

static socklen_t sa_len(const struct sockaddr_storage *a)
{
	return a->ss_family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
}

static int read_full(struct dns_proxy *p, int fd, uint8_t *buf, size_t len, int ms)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		if (!wait_readable(p, fd, ms))
			return -ETIMEDOUT;
		n = read(fd, buf + got, len - got);
		if (n <= 0)
			return n ? -errno : -ECONNRESET;
		got += (size_t)n;
	}
	return 0;
}

static int write_msg_tcp(int fd, const uint8_t *msg, size_t len)
{
	uint8_t hdr[2] = { (uint8_t)(len >> 8), (uint8_t)len };
	struct iovec iov[2] = { { hdr, 2 }, { (void *)msg, len } };
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };

	return sendmsg(fd, &mh, MSG_NOSIGNAL) == (ssize_t)(len + 2) ? 0 : -EIO;
}

/* One exchange with upstream u; the reply's length, or a negative errno. */
static int ask(struct dns_proxy *p, const struct sockaddr_storage *u, int tcp, const uint8_t *msg,
	       size_t len, uint8_t *out, size_t outsz)
{
	struct timeval tv = { .tv_sec = UPSTREAM_MS / 1000 };
	uint8_t hdr[2];
	size_t rlen;
	ssize_t n;
	int fd, tries, err = -EIO;

	fd = socket(u->ss_family, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)); /* bounds connect() too */
	if (connect(fd, (const struct sockaddr *)u, sa_len(u))) {
		err = -errno;
		goto out;
	}
	if (tcp) {
		err = write_msg_tcp(fd, msg, len);
		if (!err)
			err = read_full(p, fd, hdr, 2, UPSTREAM_MS);
		if (err)
			goto out;
		rlen = (size_t)hdr[0] << 8 | hdr[1];
		err = rlen > outsz ? -EMSGSIZE : read_full(p, fd, out, rlen, UPSTREAM_MS);
		if (!err)
			err = (int)rlen;
		goto out;
	}
	if (send(fd, msg, len, 0) != (ssize_t)len) {
		err = -errno;
		goto out;
	}
	/* A few stray datagrams with another id are skipped (the socket is connected). */
	for (tries = 0; tries < 8 && wait_readable(p, fd, UPSTREAM_MS); tries++) {
		n = recv(fd, out, outsz, 0);
		if (n >= 2 && out[0] == msg[0] && out[1] == msg[1]) {
			err = (int)n;
			goto out;
		}
	}
	err = -ETIMEDOUT;
out:
	close(fd);
	return err;
}

static int forward(struct dns_proxy *p, const uint8_t *msg, size_t len, int tcp, uint8_t *out,
		   size_t outsz)
{
	int i, n = -EHOSTUNREACH;

	for (i = 0; i < p->nup && !stopping(p); i++) {
		n = ask(p, &p->up[i], tcp, msg, len, out, outsz);
		if (n >= 0)
			return n;
	}
	return n;
}

/* Doubles the queue (lock held), keeping its order; -ENOSPC at QUEUE_MAX. */
static int grow(struct dns_proxy *p)
{
	size_t cap = p->cap ? 2 * p->cap : QUEUE_MIN, i;
	struct decision *q;

	if (cap > QUEUE_MAX)
		return -ENOSPC;
	q = malloc(cap * sizeof(*q));
	if (!q)
		return -ENOMEM;
	for (i = 0; i < p->count; i++)
		q[i] = p->queue[(p->head + i) % p->cap];
	free(p->queue);
	p->queue = q;
	p->cap = cap;
	p->head = 0;
	return 0;
}

static void record(struct dns_proxy *p, const struct dns_query *q, const struct ag_dns_client *who,
		   struct ag_verdict v, uint8_t mode, const uint8_t *sha)
{
	struct decision *d;

	pthread_mutex_lock(&p->lock);
	if (p->count == p->cap && grow(p)) {
		p->lost++;
	} else {
		d = &p->queue[(p->head + p->count++) % p->cap];
		d->ts = boot_ns();
		d->who = *who;
		d->v = v;
		d->mode = mode;
		memcpy(d->sha, sha, sizeof(d->sha));
		d->len = (uint16_t)q->name_len;
		memcpy(d->name, q->name, q->name_len);
	}
	pthread_mutex_unlock(&p->lock);
	if (p->notify_fd >= 0 && write(p->notify_fd, &(uint64_t){ 1 }, 8) != 8)
		return; /* the counter is saturated: the owner is awake already */
}

/* Before the answer goes back: the agent connects as soon as it has it. */
static void learn(struct dns_proxy *p, const struct dns_query *q, const uint8_t *ans, size_t len)
{
	struct dns_addr a[MAX_ADDRS];
	uint64_t now = boot_ns(), ttl;
	int n, i;

	n = dns_answer_addrs(ans, len, q, a, MAX_ADDRS);
	for (i = 0; i < n; i++) {
		ttl = a[i].ttl < DNS_MAX_TTL_S ? a[i].ttl : DNS_MAX_TTL_S;
		loader_learn(p->loader, p->cgroup_id, a[i].addr, q->name, q->name_len,
			     now + (ttl + DNS_GRACE_S) * 1000000000ull);
	}
}

/* The task that sent from peer, as the kernel noted it (bpf/: ag_dns_note); zeros if unknown. */
static void who_asked(struct dns_proxy *p, const struct sockaddr_storage *peer, int tcp,
		      struct ag_dns_client *who)
{
	const struct sockaddr_in *s4 = (const void *)peer;
	const struct sockaddr_in6 *s6 = (const void *)peer;
	int proto = tcp ? IPPROTO_TCP : IPPROTO_UDP;
	uint16_t port = ntohs(peer->ss_family == AF_INET ? s4->sin_port : s6->sin6_port);

	memset(who, 0, sizeof(*who));
	if (!loader_dns_client(p->loader, peer->ss_family, proto, port, who))
		return;
	/* A v4-mapped query arrives as IPv4 but was sent from an IPv6 socket. */
	if (peer->ss_family != AF_INET || loader_dns_client(p->loader, AF_INET6, proto, port, who))
		memset(who, 0, sizeof(*who));
}

/* The reply to one query (its length), or a negative errno when there is none to send. */
static int answer(struct dns_proxy *p, const struct sockaddr_storage *peer, const uint8_t *msg,
		  size_t len, int tcp, uint8_t *out, size_t outsz)
{
	struct ag_dns_client who;
	struct ag_verdict v = { AG_RULE_UNREADABLE, 0 };
	struct ag_image_hdr h;
	struct dns_query q;
	int err, n;

	err = dns_query_parse(msg, len, &q);
	if (err == -EINVAL)
		return dns_reply_rcode(msg, len, LDNS_RCODE_FORMERR, out, outsz);
	pthread_mutex_lock(&p->img_lock);
	memcpy(&h, p->img.data, sizeof(h));
	if (!err)
		v = image_name_verdict(&p->img, q.name, q.name_len);
	pthread_mutex_unlock(&p->img_lock);
	who_asked(p, peer, tcp, &who);
	record(p, &q, &who, v, h.mode, h.policy_sha256);
	if (!v.allow && h.mode == AG_MODE_ENFORCE)
		return dns_reply_rcode(msg, len, LDNS_RCODE_REFUSED, out, outsz);
	n = forward(p, msg, len, tcp, out, outsz);
	if (n < 0)
		return dns_reply_rcode(msg, len, LDNS_RCODE_SERVFAIL, out, outsz);
	if (!err)
		learn(p, &q, out, (size_t)n);
	return n;
}

static void worker_done(struct dns_proxy *p)
{
	pthread_mutex_lock(&p->lock);
	if (--p->workers == 0)
		pthread_cond_broadcast(&p->idle);
	pthread_mutex_unlock(&p->lock);
}

static void *worker(void *arg)
{
	struct job *j = arg;
	struct dns_proxy *p = j->p;
	uint8_t *out = malloc(DNS_MSG_MAX), hdr[2];
	size_t len;
	int n;

	if (!out)
		goto done;
	if (!j->tcp) {
		n = answer(p, &j->peer, j->msg, j->len, 0, out, DNS_MSG_MAX);
		if (n > 0)
			sendto(j->fd, out, (size_t)n, 0, (struct sockaddr *)&j->peer, j->peerlen);
		goto done;
	}
	/* TCP: length-prefixed messages until the client closes or idles. */
	while (!read_full(p, j->fd, hdr, 2, TCP_IDLE_MS)) {
		len = (size_t)hdr[0] << 8 | hdr[1];
		if (read_full(p, j->fd, j->msg, len, TCP_IDLE_MS))
			break;
		n = answer(p, &j->peer, j->msg, len, 1, out, DNS_MSG_MAX);
		if (n <= 0 || write_msg_tcp(j->fd, out, (size_t)n))
			break;
	}
	close(j->fd);
done:
	free(out);
	free(j);
	worker_done(p);
	return NULL;
}

static void spawn(struct dns_proxy *p, struct job *j)
{
	pthread_attr_t a;
	pthread_t t;
	int ok;

	pthread_mutex_lock(&p->lock);
	ok = p->workers < MAX_WORKERS && !p->stopping;
	if (ok)
		p->workers++;
	pthread_mutex_unlock(&p->lock);
	if (ok) {
		pthread_attr_init(&a);
		pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
		pthread_attr_setstacksize(&a, STACK_BYTES);
		ok = !pthread_create(&t, &a, worker, j);
		pthread_attr_destroy(&a);
		if (ok)
			return;
		worker_done(p);
	}
	/* Too busy: the client retries, as it would after a lost datagram. */
	if (j->tcp)
		close(j->fd);
	free(j);
}

static void *listener(void *arg)
{
	struct dns_proxy *p = arg;
	struct pollfd pfd[S_COUNT + 1];
	uint8_t *buf = malloc(DNS_MSG_MAX);
	struct job *j;
	int i, n, fd;

	for (i = 0; i < S_COUNT; i++)
		pfd[i] = (struct pollfd){ .fd = p->fds[i], .events = POLLIN };
	pfd[S_COUNT] = (struct pollfd){ .fd = p->stop_pipe[0], .events = POLLIN };
	while (buf) {
		n = poll(pfd, S_COUNT + 1, -1);
		if (n < 0 && errno != EINTR)
			break;
		if (pfd[S_COUNT].revents)
			break;
		for (i = 0; i < S_COUNT; i++) {
			if (!(pfd[i].revents & POLLIN))
				continue;
			if (i == S_UDP4 || i == S_UDP6) {
				struct sockaddr_storage peer;
				socklen_t plen = sizeof(peer);
				ssize_t len = recvfrom(p->fds[i], buf, DNS_MSG_MAX, MSG_DONTWAIT,
						       (struct sockaddr *)&peer, &plen);

				if (len <= 0 || !(j = malloc(sizeof(*j) + (size_t)len)))
					continue;
				*j = (struct job){ .p = p,
						   .fd = p->fds[i],
						   .peer = peer,
						   .peerlen = plen,
						   .len = (size_t)len };
				memcpy(j->msg, buf, (size_t)len);
				spawn(p, j);
				continue;
			}
			struct sockaddr_storage peer;
			socklen_t plen = sizeof(peer);

			fd = accept4(p->fds[i], (struct sockaddr *)&peer, &plen, SOCK_CLOEXEC);
			if (fd < 0)
				continue;
			j = malloc(sizeof(*j) + DNS_MSG_MAX);
			if (!j) {
				close(fd);
				continue;
			}
			*j = (struct job){
				.p = p, .fd = fd, .tcp = 1, .peer = peer, .peerlen = plen
			};
			spawn(p, j);
		}
	}
	free(buf);
	return NULL;
}

/* UDP and TCP on one port of addr (the kernel redirects both to the same port). */
static int listen_pair(int family, int *udp, int *tcp, uint16_t *port)
{
	struct sockaddr_storage ss = { .ss_family = (sa_family_t)family };
	struct sockaddr_in *s4 = (void *)&ss;
	struct sockaddr_in6 *s6 = (void *)&ss;
	socklen_t len = family == AF_INET ? sizeof(*s4) : sizeof(*s6);
	int one = 1, tries, err = -EADDRINUSE;

	for (tries = 0; tries < 16 && err == -EADDRINUSE; tries++) {
		if (family == AF_INET) {
			s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
			s4->sin_port = 0;
		} else {
			s6->sin6_addr = in6addr_loopback;
			s6->sin6_port = 0;
		}
		*udp = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		*tcp = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (*udp < 0 || *tcp < 0)
			goto fail;
		if (family == AF_INET6) {
			setsockopt(*udp, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
			setsockopt(*tcp, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		}
		len = family == AF_INET ? sizeof(*s4) : sizeof(*s6);
		if (bind(*udp, (struct sockaddr *)&ss, len) ||
		    getsockname(*udp, (struct sockaddr *)&ss, &len))
			goto fail;
		if (!bind(*tcp, (struct sockaddr *)&ss, len) && !listen(*tcp, 64)) {
			*port = ntohs(family == AF_INET ? s4->sin_port : s6->sin6_port);
			return 0;
		}
fail:
		err = -errno;
		if (*udp >= 0)
			close(*udp);
		if (*tcp >= 0)
			close(*tcp);
		*udp = *tcp = -1;
	}
	return err;
}

static int copy_image(struct ag_image *dst, const struct ag_image *src)
{
	uint8_t *d = malloc(src->size);

	if (!d)
		return -ENOMEM;
	memcpy(d, src->data, src->size);
	dst->data = d;
	dst->size = src->size;
	return 0;
}

int dns_proxy_start(struct dns_proxy **out, struct loader *l, uint64_t cgroup_id,
		    const struct ag_image *img, int notify_fd)
{
	struct dns_proxy *p;
	uint16_t port4 = 0, port6 = 0;
	pthread_attr_t a;
	int i, err;

	if (!img || img->size < sizeof(struct ag_image_hdr))
		return -EINVAL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->loader = l;
	p->cgroup_id = cgroup_id;
	p->notify_fd = notify_fd;
	p->stop_pipe[0] = p->stop_pipe[1] = -1;
	for (i = 0; i < S_COUNT; i++)
		p->fds[i] = -1;
	pthread_mutex_init(&p->img_lock, NULL);
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->idle, NULL);
	p->nup = dns_upstreams("/etc/resolv.conf", p->up, MAX_UPSTREAMS);
	p->ev = calloc(1, sizeof(*p->ev));
	err = p->ev ? copy_image(&p->img, img) : -ENOMEM;
	if (err)
		goto fail;
	err = listen_pair(AF_INET, &p->fds[S_UDP4], &p->fds[S_TCP4], &port4);
	if (err)
		goto fail;
	/* No IPv6 on the host: IPv6 resolvers then get no answer, IPv4 ones still do. */
	listen_pair(AF_INET6, &p->fds[S_UDP6], &p->fds[S_TCP6], &port6);
	if (pipe2(p->stop_pipe, O_CLOEXEC)) {
		err = -errno;
		goto fail;
	}
	pthread_attr_init(&a);
	pthread_attr_setstacksize(&a, STACK_BYTES);
	err = -pthread_create(&p->listener, &a, listener, p);
	pthread_attr_destroy(&a);
	if (err)
		goto fail;
	p->listening = 1;
	err = loader_dns_register(l, cgroup_id, port4, port6);
	if (err)
		goto fail;
	p->port4 = port4;
	p->port6 = port6;
	*out = p;
	return 0;
fail:
	dns_proxy_free(p);
	return err;
}

void dns_proxy_ports(const struct dns_proxy *p, uint16_t *port4, uint16_t *port6)
{
	*port4 = p->port4;
	*port6 = p->port6;
}

int dns_proxy_set_image(struct dns_proxy *p, const struct ag_image *img)
{
	struct ag_image n;
	int err;

	if (!img || img->size < sizeof(struct ag_image_hdr))
		return -EINVAL;
	err = copy_image(&n, img);
	if (err)
		return err;
	pthread_mutex_lock(&p->img_lock);
	image_free(&p->img);
	p->img = n;
	pthread_mutex_unlock(&p->img_lock);
	return 0;
}

int dns_proxy_drain(struct dns_proxy *p, uint64_t until_ns, loader_event_fn fn, void *ctx)
{
	struct ag_event *ev = p->ev;
	struct decision d;
	int n = 0, err;

	for (;;) {
		pthread_mutex_lock(&p->lock);
		if (!p->count || p->queue[p->head].ts > until_ns) {
			pthread_mutex_unlock(&p->lock);
			break;
		}
		d = p->queue[p->head];
		p->head = (p->head + 1) % p->cap;
		p->count--;
		pthread_mutex_unlock(&p->lock);

		memset(ev, 0, AG_EVENT_HDR_SIZE);
		ev->ts_boot_ns = d.ts;
		ev->cgroup_id = d.who.cgroup_id ? d.who.cgroup_id : p->cgroup_id;
		ev->policy_cgroup_id = p->cgroup_id;
		ev->pid = d.who.pid;
		ev->tid = d.who.tid;
		ev->uid = d.who.uid;
		memcpy(ev->comm, d.who.comm, sizeof(ev->comm));
		memcpy(ev->policy_sha256, d.sha, sizeof(ev->policy_sha256));
		ev->version = AG_EVENT_VERSION;
		ev->action = AG_CLASS_NET_DOMAIN;
		ev->rule = d.v.rule;
		ev->decision = d.v.allow ? AG_DECISION_ALLOW : AG_DECISION_DENY;
		ev->mode = d.mode;
		ev->subject_len = d.len;
		memcpy(ev->subject, d.name, d.len);
		err = fn(ctx, ev, AG_EVENT_HDR_SIZE + d.len);
		if (err < 0) {
			n = err;
			break;
		}
		n++;
	}
	return n;
}

uint64_t dns_proxy_take_lost(struct dns_proxy *p)
{
	uint64_t n;

	pthread_mutex_lock(&p->lock);
	n = p->lost;
	p->lost = 0;
	pthread_mutex_unlock(&p->lock);
	return n;
}

void dns_proxy_stop(struct dns_proxy *p)
{
	int i;

	/* Only the owner's thread writes stopping: it may read it unlocked. */
	if (!p || p->stopping)
		return;
	loader_dns_unregister(p->loader, p->cgroup_id);
	pthread_mutex_lock(&p->lock);
	p->stopping = 1;
	pthread_mutex_unlock(&p->lock);
	if (p->listening) {
		if (write(p->stop_pipe[1], "x", 1) != 1)
			pthread_cancel(p->listener);
		pthread_join(p->listener, NULL);
	}
	pthread_mutex_lock(&p->lock);
	while (p->workers)
		pthread_cond_wait(&p->idle, &p->lock);
	pthread_mutex_unlock(&p->lock);
	for (i = 0; i < S_COUNT; i++)
		if (p->fds[i] >= 0)
			close(p->fds[i]);
	for (i = 0; i < 2; i++)
		if (p->stop_pipe[i] >= 0)
			close(p->stop_pipe[i]);
}

void dns_proxy_free(struct dns_proxy *p)
{
	if (!p)
		return;
	dns_proxy_stop(p);
	image_free(&p->img);
	free(p->ev);
	free(p->queue);
	pthread_mutex_destroy(&p->img_lock);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->idle);
	free(p);
}
