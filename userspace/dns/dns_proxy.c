// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The per-policy DNS proxy: judge the name, forward or refuse, learn the answer's addresses. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <ldns/ldns.h>
#include "dns_decisions.h"
#include "dns_forward.h"
#include "dns_loop.h"
#include "dns_msg.h"
#include "dns_netns.h"
#include "dns_proxy_int.h"

#define MAX_ADDRS 64
#define UDP_BATCH 64 /* datagrams read per wake-up: the other proxies' turn comes */

/* An allowed query waiting for an upstream. */
struct job {
	struct dns_proxy *p;
	struct dns_site *site; /* where the query came in */
	struct job *prev, *next;
	struct conn *c; /* TCP: where to answer (NULL once it closed); UDP: NULL */
	int ufd; /* UDP: the listening socket, answering from the address asked */
	struct sockaddr_storage peer;
	socklen_t plen;
	struct dns_fwd *fwd;
	struct dns_query q;
	struct ag_dns_client who; /* who asked, for a refusal at learning */
	int readable; /* q holds the name: learn from the answer */
	size_t len;
	uint8_t msg[];
};

/* A reply to write on a connection, with its length prefix. */
struct out {
	struct out *next;
	size_t len;
	uint8_t data[];
};

/* A TCP client: length-prefixed queries in, replies out (in the order they are ready). */
struct conn {
	struct dns_watch w;
	struct dns_timer idle;
	struct dns_deferred dead;
	struct dns_proxy *p;
	struct dns_site *site; /* the namespace it came from */
	struct conn *prev, *next;
	struct sockaddr_storage peer;
	uint8_t hdr[2];
	size_t got; /* of the header, then header and query */
	uint8_t *in; /* the query being read */
	size_t inlen;
	int pending; /* queries read whose reply is not written yet */
	int forwards; /* of them, waiting for an upstream */
	struct out *out;
	size_t out_off;
	uint32_t events; /* watched: 0 when out of the epoll set */
	int eof, closed;
};

static uint64_t boot_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * Tells the owner there is something to take (session_drain_dns): a decision,
 * or a count. A count left unannounced would wait for the next decision of any
 * proxy, or forever when the agent's lookups were its last.
 */
static void wake(struct dns_proxy *p)
{
	if (p->notify_fd >= 0 && write(p->notify_fd, &(uint64_t){ 1 }, 8) != 8)
		return; /* the counter is saturated: the owner is awake already */
}

/* A query or connection refused for want of room (dns_proxy.h limits): counted. */
static void busy(struct dns_proxy *p)
{
	dns_decisions_busy(p->dec);
	wake(p);
}

static void record(struct dns_proxy *p, const struct dns_query *q, const struct ag_dns_client *who,
		   struct ag_verdict v, uint8_t mode, const uint8_t *sha)
{
	dns_decisions_push(p->dec, q, who, v, mode, sha); /* when full, counted as lost */
	wake(p);
}

/*
 * Before the answer goes back: the agent connects as soon as it has it. An
 * answer that cannot be learned would end in a refused connect with no reason
 * given: the lookup is refused and recorded why instead. Whether to refuse.
 */
static int learn(struct dns_proxy *p, const struct dns_query *q, const struct ag_dns_client *who,
		 const uint8_t *ans, size_t len)
{
	struct dns_addr a[MAX_ADDRS];
	uint64_t now = boot_ns(), ttl, evicted = p->quota.evicted;
	struct ag_image_hdr h;
	int n, i, err = 0;

	pthread_mutex_lock(&p->img_lock);
	memcpy(&h, p->img.data, sizeof(h));
	pthread_mutex_unlock(&p->img_lock);
	n = dns_answer_addrs(ans, len, q, a, MAX_ADDRS);
	for (i = 0; i < n && !err; i++) {
		ttl = a[i].ttl < DNS_MAX_TTL_S ? a[i].ttl : DNS_MAX_TTL_S;
		err = dns_quota_learn(&p->quota, p->loader, p->cgroup_id, h.dns_quota, now,
				      a[i].addr, q->name, q->name_len,
				      now + (ttl + h.dns_grace_s) * 1000000000ull);
	}
	if (p->quota.evicted != evicted) {
		dns_decisions_evicted(p->dec, p->quota.evicted - evicted);
		wake(p);
	}
	/* -ENOENT: the policy is being removed, the proxy with it; nothing to refuse. */
	if (!err || err == -ENOENT)
		return 0;
	record(p, q, who, (struct ag_verdict){ .rule = AG_RULE_DNS_FULL, .allow = 0 }, h.mode,
	       h.policy_sha256);
	return h.mode == AG_MODE_ENFORCE;
}

/* The task that sent from peer, as the kernel noted it (bpf/: ag_dns_note); zeros if unknown. */
static void who_asked(struct dns_proxy *p, uint64_t netns, const struct sockaddr_storage *peer,
		      int tcp, struct ag_dns_client *who)
{
	const struct sockaddr_in *s4 = (const void *)peer;
	const struct sockaddr_in6 *s6 = (const void *)peer;
	int proto = tcp ? IPPROTO_TCP : IPPROTO_UDP;
	uint16_t port = ntohs(peer->ss_family == AF_INET ? s4->sin_port : s6->sin6_port);

	memset(who, 0, sizeof(*who));
	if (!loader_dns_client(p->clients_fd, netns, peer->ss_family, proto, port, who))
		return;
	/* A v4-mapped query arrives as IPv4 but was sent from an IPv6 socket. */
	if (peer->ss_family != AF_INET ||
	    loader_dns_client(p->clients_fd, netns, AF_INET6, proto, port, who))
		memset(who, 0, sizeof(*who));
}

static void conn_close(struct conn *c);
static void conn_update(struct conn *c);

static void conn_release(struct dns_deferred *d)
{
	free(dns_container_of(d, struct conn, dead));
}

static void conn_close(struct conn *c)
{
	struct dns_proxy *p = c->p;
	struct out *o;
	struct job *j;

	if (c->closed)
		return;
	c->closed = 1;
	dns_watch_close(p->loop, &c->w);
	dns_timer_cancel(p->loop, &c->idle);
	for (j = p->jobs; j; j = j->next)
		if (j->c == c)
			j->c = NULL; /* still learned when answered: only the reply has nowhere to go */
	while ((o = c->out)) {
		c->out = o->next;
		free(o);
	}
	free(c->in);
	if (c->prev)
		c->prev->next = c->next;
	else
		p->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	p->nconns--;
	dns_loop_defer(p->loop, &c->dead);
}

/* Writes what the socket takes; 0, or -1 when the connection was closed. */
static int conn_write(struct conn *c)
{
	struct out *o;
	ssize_t n;

	while ((o = c->out)) {
		n = send(c->w.fd, o->data + c->out_off, o->len - c->out_off,
			 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;
		if (n <= 0) {
			conn_close(c);
			return -1;
		}
		dns_timer_arm(c->p->loop, &c->idle, DNS_PROXY_TCP_IDLE_MS);
		c->out_off += (size_t)n;
		if (c->out_off < o->len)
			continue;
		c->out = o->next;
		c->out_off = 0;
		c->pending--;
		free(o);
	}
	return 0;
}

/* Queues the reply to one of c's queries (none: n <= 0, the connection ends, as a read error). */
static void conn_reply(struct conn *c, const uint8_t *msg, int n)
{
	struct out *o, **tail;

	o = n > 0 ? malloc(sizeof(*o) + 2 + (size_t)n) : NULL;
	if (!o) {
		conn_close(c);
		return;
	}
	o->next = NULL;
	o->len = 2 + (size_t)n;
	o->data[0] = (uint8_t)(n >> 8);
	o->data[1] = (uint8_t)n;
	memcpy(o->data + 2, msg, (size_t)n);
	for (tail = &c->out; *tail; tail = &(*tail)->next)
		;
	*tail = o;
	if (!conn_write(c))
		conn_update(c);
}

/* Watches what c waits for; closes it once the client is done and everything is answered. */
static void conn_update(struct conn *c)
{
	uint32_t want = 0;
	int err = 0;

	if (c->closed)
		return;
	if (c->eof && !c->pending) {
		conn_close(c);
		return;
	}
	if (!c->eof && c->pending < DNS_PROXY_TCP_PIPELINE)
		want |= EPOLLIN;
	if (c->out)
		want |= EPOLLOUT;
	if (want == c->events)
		return;
	/* Out of the set while waiting for upstreams: a closed peer would report EPOLLHUP forever. */
	if (!want)
		err = dns_watch_del(c->p->loop, &c->w);
	else if (!c->events)
		err = dns_watch_add(c->p->loop, &c->w, want);
	else
		err = dns_watch_mod(c->p->loop, &c->w, want);
	if (err)
		conn_close(c);
	else
		c->events = want;
}
/* The reply goes back the way the query came. */
static void deliver(struct dns_proxy *p, struct conn *c, int ufd,
		    const struct sockaddr_storage *peer, socklen_t plen, const uint8_t *msg, int n)
{
	if (c)
		conn_reply(c, msg, n);
	else if (n > 0)
		sendto(ufd, msg, (size_t)n, 0, (const struct sockaddr *)peer, plen);
}

static void job_unlink(struct job *j)
{
	struct dns_proxy *p = j->p;

	if (j->prev)
		j->prev->next = j->next;
	else
		p->jobs = j->next;
	if (j->next)
		j->next->prev = j->prev;
	p->njobs--;
	if (j->c)
		j->c->forwards--;
}

/* The upstream's answer (or failure): learned first, then sent back. */
static void job_done(void *ctx, const uint8_t *reply, int len)
{
	struct job *j = ctx;
	struct dns_proxy *p = j->p;
	struct conn *c = j->c;
	uint8_t *out = dns_loop_buf(p->loop, DNS_BUF_OUT);

	job_unlink(j);
	if (len < 0) {
		len = dns_reply_rcode(j->msg, j->len, LDNS_RCODE_SERVFAIL, out, DNS_MSG_MAX);
		reply = out;
	} else if (j->readable && learn(p, &j->q, &j->who, reply, (size_t)len)) {
		len = dns_reply_rcode(j->msg, j->len, LDNS_RCODE_REFUSED, out, DNS_MSG_MAX);
		reply = out;
	}
	if (c || j->ufd >= 0)
		deliver(p, c, j->ufd, &j->peer, j->plen, reply, len);
	free(j);
}

/*
 * One query from peer in site's namespace (over c, or to UDP socket ufd):
 * judged, recorded, refused or forwarded.
 */
static void handle(struct dns_site *site, struct conn *c, int ufd,
		   const struct sockaddr_storage *peer, socklen_t plen, const uint8_t *msg,
		   size_t len)
{
	struct dns_proxy *p = site->p;
	uint8_t *out = dns_loop_buf(p->loop, DNS_BUF_OUT);
	struct ag_verdict v = { AG_RULE_UNREADABLE, 0 };
	struct ag_dns_client who;
	struct ag_image_hdr h;
	struct dns_query q;
	struct job *j;
	int err, rcode = LDNS_RCODE_SERVFAIL;

	err = dns_query_parse(msg, len, &q);
	if (err == -EINVAL) {
		rcode = LDNS_RCODE_FORMERR;
		goto reply;
	}
	pthread_mutex_lock(&p->img_lock);
	memcpy(&h, p->img.data, sizeof(h));
	if (!err)
		v = image_name_verdict(&p->img, q.name, q.name_len);
	pthread_mutex_unlock(&p->img_lock);
	who_asked(p, site->netns, peer, c != NULL, &who);
	record(p, &q, &who, v, h.mode, h.policy_sha256);
	if (!v.allow && h.mode == AG_MODE_ENFORCE) {
		rcode = LDNS_RCODE_REFUSED;
		goto reply;
	}
	if (p->njobs >= DNS_PROXY_MAX_FORWARDS) {
		busy(p);
		goto reply;
	}
	j = malloc(sizeof(*j) + len);
	if (!j)
		goto reply;
	*j = (struct job){ .p = p,
			   .site = site,
			   .next = p->jobs,
			   .c = c,
			   .ufd = ufd,
			   .peer = *peer,
			   .plen = plen,
			   .q = q,
			   .who = who,
			   .readable = !err,
			   .len = len };
	memcpy(j->msg, msg, len);
	if (dns_fwd_start(p->loop, p->up, p->nup, c != NULL, j->msg, len, job_done, j, &j->fwd)) {
		free(j);
		goto reply;
	}
	if (p->jobs)
		p->jobs->prev = j;
	p->jobs = j;
	p->njobs++;
	if (c)
		c->forwards++;
	return;
reply:
	deliver(p, c, ufd, peer, plen, out, dns_reply_rcode(msg, len, rcode, out, DNS_MSG_MAX));
}

/* Reads what c sent: header, query, next header... while fewer than the pipeline limit wait. */
static void conn_read(struct conn *c)
{
	uint8_t *msg;
	ssize_t n;

	while (!c->closed && !c->eof && c->pending < DNS_PROXY_TCP_PIPELINE) {
		if (c->got < 2)
			n = read(c->w.fd, c->hdr + c->got, 2 - c->got);
		else
			n = read(c->w.fd, c->in + c->got - 2, c->inlen - (c->got - 2));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n < 0) {
			conn_close(c);
			return;
		}
		if (n == 0) {
			c->eof = 1; /* a query cut short is not answered */
			return;
		}
		dns_timer_arm(c->p->loop, &c->idle, DNS_PROXY_TCP_IDLE_MS);
		c->got += (size_t)n;
		if (c->got == 2) {
			c->inlen = (size_t)c->hdr[0] << 8 | c->hdr[1];
			c->in = malloc(c->inlen ? c->inlen : 1);
			if (!c->in) {
				conn_close(c);
				return;
			}
		}
		if (c->got < 2 || c->got - 2 < c->inlen)
			continue;
		msg = c->in;
		c->in = NULL;
		c->got = 0;
		c->pending++;
		handle(c->site, c, -1, &c->peer, sizeof(c->peer), msg, c->inlen);
		free(msg);
	}
}

static void on_conn(struct dns_watch *w, uint32_t events)
{
	struct conn *c = dns_container_of(w, struct conn, w);

	if ((events & EPOLLOUT) && conn_write(c))
		return;
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		conn_read(c);
	conn_update(c);
}

static void idle(struct dns_timer *t)
{
	struct conn *c = dns_container_of(t, struct conn, idle);

	if (c->forwards)
		dns_timer_arm(c->p->loop, t, DNS_PROXY_TCP_IDLE_MS); /* the upstreams' turn */
	else
		conn_close(c);
}

static void accept_conns(struct dns_site *site, int lfd)
{
	struct dns_proxy *p = site->p;
	struct sockaddr_storage peer;
	socklen_t plen;
	struct conn *c;
	int fd;

	for (;;) {
		plen = sizeof(peer);
		fd = dns_loop_accept(p->loop, lfd, &peer, &plen);
		if (fd == -EMFILE) {
			busy(p);
			return;
		}
		if (fd == -ECONNABORTED || fd == -EINTR)
			continue;
		if (fd < 0)
			return;
		c = p->nconns < DNS_PROXY_MAX_TCP ? calloc(1, sizeof(*c)) : NULL;
		if (!c) {
			busy(p);
			close(fd);
			continue;
		}
		c->w = (struct dns_watch){ .fd = fd, .fn = on_conn };
		c->idle.fn = idle;
		c->dead.fn = conn_release;
		c->p = p;
		c->site = site;
		c->peer = peer;
		c->next = p->conns;
		if (p->conns)
			p->conns->prev = c;
		p->conns = c;
		p->nconns++;
		dns_timer_arm(p->loop, &c->idle, DNS_PROXY_TCP_IDLE_MS);
		conn_update(c);
	}
}

void dns_on_listener(struct dns_watch *w, uint32_t events)
{
	struct dns_listener *ls = dns_container_of(w, struct dns_listener, w);
	struct dns_site *site = ls->site;
	uint8_t *buf = dns_loop_buf(site->p->loop, DNS_BUF_IN);
	struct sockaddr_storage peer;
	socklen_t plen;
	ssize_t n;
	int i;

	if (ls->tcp) {
		accept_conns(site, w->fd);
		return;
	}
	for (i = 0; i < UDP_BATCH; i++) {
		plen = sizeof(peer);
		n = recvfrom(w->fd, buf, DNS_MSG_MAX, MSG_DONTWAIT, (struct sockaddr *)&peer,
			     &plen);
		if (n < 0 && errno != EINTR)
			return;
		if (n > 0)
			handle(site, NULL, w->fd, &peer, plen, buf, (size_t)n);
	}
}

int dns_site_attach(void *arg)
{
	struct dns_site *site = arg;
	int i, err = 0;

	for (i = 0; i < DNS_SITE_SOCKS && !err; i++)
		if (site->ls[i].w.fd >= 0)
			err = dns_watch_add(site->p->loop, &site->ls[i].w, EPOLLIN);
	for (i = 0; i < DNS_SITE_SOCKS && err; i++)
		dns_watch_close(site->p->loop, &site->ls[i].w);
	return err;
}

/*
 * No more queries from site (NULL: from any site of p): those in flight are
 * answered SERVFAIL, its connections and listening sockets closed.
 */
static void end_site(struct dns_proxy *p, struct dns_site *site)
{
	struct dns_site *s;
	struct job *j, *jn;
	struct conn *c, *cn;
	int i;

	for (j = p->jobs; j; j = jn) {
		jn = j->next;
		if (site && j->site != site)
			continue;
		dns_fwd_cancel(j->fwd);
		job_done(j, NULL, -ECANCELED); /* through its listener: closed only after */
	}
	for (c = p->conns; c; c = cn) {
		cn = c->next;
		if (!site || c->site == site)
			conn_close(c);
	}
	for (s = site ? site : p->sites; s; s = site ? NULL : s->next)
		for (i = 0; i < DNS_SITE_SOCKS; i++)
			dns_watch_close(p->loop, &s->ls[i].w);
}

int dns_site_detach(void *arg)
{
	struct dns_site *site = arg;

	end_site(site->p, site);
	return 0;
}

static int detach_all(void *arg)
{
	end_site(arg, NULL);
	return 0;
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
	int err;

	if (!img || img->size < sizeof(struct ag_image_hdr))
		return -EINVAL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->loader = l;
	p->cgroup_id = cgroup_id;
	p->notify_fd = notify_fd;
	p->clients_fd = -1;
	pthread_mutex_init(&p->img_lock, NULL);
	p->nup = dns_upstreams("/etc/resolv.conf", p->up, DNS_FWD_MAX_UPSTREAMS);
	err = dns_decisions_new(&p->dec);
	if (!err)
		err = copy_image(&p->img, img);
	if (!err)
		err = dns_quota_seed(&p->quota, l, cgroup_id);
	if (!err) {
		p->clients_fd = loader_dns_clients_open(l, cgroup_id);
		err = p->clients_fd < 0 ? p->clients_fd : 0;
	}
	if (!err)
		err = dns_loop_get(&p->loop);
	/* The policy has a proxy: lookups from namespaces it does not serve are recorded. */
	if (!err)
		err = loader_dns_register(l, cgroup_id, 0, 0, 0);
	if (err)
		goto fail;
	*out = p;
	return 0;
fail:
	dns_proxy_free(p);
	return err;
}

int dns_proxy_namespaces(const struct dns_proxy *p)
{
	return p->nsites;
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
	return dns_decisions_drain(p->dec, p->cgroup_id, until_ns, fn, ctx);
}

uint64_t dns_proxy_take_lost(struct dns_proxy *p)
{
	return dns_decisions_take_lost(p->dec);
}

uint64_t dns_proxy_take_busy(struct dns_proxy *p)
{
	return dns_decisions_take_busy(p->dec);
}

uint64_t dns_proxy_take_evicted(struct dns_proxy *p)
{
	return dns_decisions_take_evicted(p->dec);
}

void dns_proxy_stop(struct dns_proxy *p)
{
	if (!p || p->stopped)
		return;
	p->stopped = 1;
	loader_dns_unregister(p->loader, p->cgroup_id, LOADER_DNS_ALL);
	if (p->loop) {
		dns_loop_call(p->loop, detach_all, p);
		dns_loop_put(p->loop);
	}
	p->loop = NULL;
	while (p->sites)
		dns_site_remove(p, p->sites);
}

void dns_proxy_free(struct dns_proxy *p)
{
	if (!p)
		return;
	dns_proxy_stop(p);
	image_free(&p->img);
	dns_decisions_free(p->dec);
	dns_quota_free(&p->quota);
	if (p->clients_fd >= 0)
		close(p->clients_fd);
	pthread_mutex_destroy(&p->img_lock);
	free(p);
}
