// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The ask socket's server (ask.h): non-blocking connections on one epoll
 * descriptor, so a slow or silent client costs the owner's loop nothing.
 * Who connected is read from the kernel (loader_ask_peer), never from the
 * request; what that agent may ask is bounded by connections, time, size and
 * a token bucket of its own.
 */
#include <errno.h>
#include <stdio.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include "ask.h"
#include "ask_http.h"
#include "loader/loader.h"
#include "util/cgroup.h"
#include "util/clock.h"
#include "util/file.h"
#include "util/sock.h"

struct ask_conn {
	int fd; /* -1: a free slot */
	bool have_peer;
	bool continued; /* "100 Continue" sent */
	struct ag_ask_peer peer;
	int64_t deadline_ms;
	char *in;
	size_t in_len;
	char *out; /* the answer being sent; the connection ends once it is */
	size_t out_len, out_off;
};

struct ask_server {
	int lfd, ep;
	bool bound; /* path is this server's socket: removed when it fails to start */
	bool daemon; /* whose mark the directory has (loader_protect) */
	char *path, *dir;
	struct loader *loader;
	const struct ask_server_ops *ops;
	void *ctx;
	struct ask_conn conn[ASK_MAX_CONNS];
	struct ask_rate rate;
	struct ask_fold fold;
};

#define TAG_LISTEN UINT32_MAX

static void conn_close(struct ask_server *s, struct ask_conn *c)
{
	if (c->fd < 0)
		return;
	epoll_ctl(s->ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	free(c->in);
	free(c->out);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

/* Sends what it can of the answer; the connection ends once all is sent (or it fails). */
static void conn_flush(struct ask_server *s, struct ask_conn *c)
{
	struct epoll_event ev = { .events = EPOLLOUT, .data.u32 = (uint32_t)(c - s->conn) };
	ssize_t n;

	while (c->out_off < c->out_len) {
		n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			epoll_ctl(s->ep, EPOLL_CTL_MOD, c->fd, &ev);
			return;
		}
		if (n <= 0)
			break;
		c->out_off += (size_t)n;
	}
	conn_close(s, c);
}

/* Queues the answer (status, JSON body) and starts sending it. */
static void conn_answer(struct ask_server *s, struct ask_conn *c, int status, json_t *body)
{
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;

	if (text)
		c->out = ask_http_answer(status, text, strlen(text), &c->out_len);
	free(text);
	if (!c->out)
		c->out = ask_http_answer(503, "{\"error\":\"out of memory\"}", 25, &c->out_len);
	c->out_off = 0;
	if (!c->out) {
		conn_close(s, c);
		return;
	}
	conn_flush(s, c);
}

static void conn_error(struct ask_server *s, struct ask_conn *c, int status, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void conn_error(struct ask_server *s, struct ask_conn *c, int status, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	json_t *o;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	o = json_pack("{s:s}", "error", msg);
	conn_answer(s, c, status, o);
	json_decref(o);
}

struct note_ctx {
	struct ask_server *s;
	struct ask_conn *c;
	const struct ask_policy *p;
};

static void note(void *ctx, const struct ask_question *q)
{
	struct note_ctx *n = ctx;
	const struct ask_server_ops *ops = n->s->ops;
	struct audit_ask rec;

	ask_audit_fill(&n->c->peer, n->p, q, ops->agent(n->s->ctx, &n->c->peer, n->p), &rec);
	ask_fold_add(&n->s->fold, &rec, clock_now_ms(), ops->record, n->s->ctx);
}

/* A whole request is in: whose policy, how many questions, the answer. */
static void conn_serve(struct ask_server *s, struct ask_conn *c, const struct ask_http_req *req)
{
	struct ask_policy p = {};
	struct note_ctx nc = { s, c, &p };
	json_t *body, *answer;
	char msg[512];
	size_t nq;
	int err, status, root;

	if (strcmp(req->target, "/v1/evaluate")) {
		conn_error(s, c, 404, "unknown path %s: only POST /v1/evaluate is served",
			   req->target);
		return;
	}
	if (strcmp(req->method, "POST")) {
		conn_error(s, c, 405, "expected POST /v1/evaluate");
		return;
	}
	if (!c->have_peer) {
		conn_error(s, c, 403, "the kernel did not note who connected: no answer");
		return;
	}
	if (!c->peer.policy_cgroup_id) {
		conn_error(s, c, 403,
			   "no agentgate policy applies to your cgroup: nothing to ask about");
		return;
	}
	err = s->ops->policy(s->ctx, c->peer.policy_cgroup_id, &p);
	if (err == -ENODATA) {
		conn_error(s, c, 503,
			   "your policy was installed by an earlier daemon and is not "
			   "loaded here: ask again after the daemon reloads it");
		return;
	}
	if (err) {
		conn_error(s, c, 403,
			   "this socket does not serve your policy: ask on the socket named "
			   "by AGENTGATE_SOCKET in your environment");
		return;
	}
	/*
	 * Every request costs a token before its body is parsed, so a flood costs the
	 * server a bucket check per request; a batch pays for its other questions after.
	 */
	if (!ask_rate_take(&s->rate, c->peer.policy_cgroup_id, 1, clock_now_ms())) {
		conn_error(s, c, 429,
			   "too many questions: an agent may ask %d a second (bursts of %d)",
			   ASK_RATE_PER_SEC, ASK_RATE_BURST);
		return;
	}
	if (ask_parse(req->body, req->body_len, &body, &nq, msg, sizeof(msg))) {
		conn_error(s, c, 400, "%s", msg);
		return;
	}
	if (nq > 1 && !ask_rate_take(&s->rate, c->peer.policy_cgroup_id, (unsigned int)nq - 1,
				     clock_now_ms())) {
		json_decref(body);
		conn_error(s, c, 429,
			   "too many questions: an agent may ask %d a second (bursts of %d)",
			   ASK_RATE_PER_SEC, ASK_RATE_BURST);
		return;
	}
	/*
	 * A bare program name is looked up in the asker's own root (docs/ask.md);
	 * when that task is not found in its cgroup, nowhere (root -1), never in
	 * this process's files.
	 */
	root = ask_peer_root(&c->peer, CGROUP_ROOT);
	answer = ask_answer(&p, body, root, note, &nc, &status);
	if (root >= 0)
		close(root);
	json_decref(body);
	if (!answer) {
		conn_error(s, c, 503, "out of memory");
		return;
	}
	conn_answer(s, c, status, answer);
	json_decref(answer);
}

static void conn_read(struct ask_server *s, struct ask_conn *c)
{
	static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
	struct ask_http_req req;
	char msg[256];
	ssize_t n;
	int status = 400, err;

	if (!c->in && !(c->in = malloc(ASK_MAX_REQUEST + 1))) {
		conn_close(s, c);
		return;
	}
	for (;;) {
		n = recv(c->fd, c->in + c->in_len, ASK_MAX_REQUEST + 1 - c->in_len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) { /* gone before asking */
			conn_close(s, c);
			return;
		}
		c->in_len += (size_t)n;
		if (c->in_len > ASK_MAX_REQUEST)
			break;
	}
	err = ask_http_parse(c->in, c->in_len, &req, &status, msg, sizeof(msg));
	if (err == -EAGAIN && c->in_len > ASK_MAX_REQUEST) {
		conn_error(s, c, 413, "request larger than 64 KiB");
		return;
	}
	if (err == -EAGAIN) {
		/* Best effort: a client that waits for it would otherwise time out. */
		if (req.expect_continue && !c->continued) {
			c->continued = true;
			if (send(c->fd, cont, sizeof(cont) - 1, MSG_NOSIGNAL) < 0) {
				conn_close(s, c);
				return;
			}
		}
		return;
	}
	if (err) {
		conn_error(s, c, status, "%s", msg);
		return;
	}
	conn_serve(s, c, &req);
}

static void accept_conns(struct ask_server *s)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct ask_conn *c, *free_slot;
	unsigned int same;
	size_t i;
	int fd, n;

	/* A bounded batch: a connect flood must not hold the owner's loop. */
	for (n = 0; n < ASK_MAX_CONNS &&
		    (fd = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0;
	     n++) {
		free_slot = NULL;
		for (i = 0; i < ASK_MAX_CONNS && !free_slot; i++)
			if (s->conn[i].fd < 0)
				free_slot = &s->conn[i];
		if (!free_slot) {
			close(fd); /* full: the client sees the connection closed */
			continue;
		}
		c = free_slot;
		c->fd = fd;
		c->deadline_ms = clock_now_ms() + ASK_TIMEOUT_MS;
		c->have_peer = !loader_ask_peer(s->loader, fd, &c->peer);
		ev.data.u32 = (uint32_t)(c - s->conn);
		if (epoll_ctl(s->ep, EPOLL_CTL_ADD, fd, &ev)) {
			conn_close(s, c);
			continue;
		}
		/* One agent may not hold every connection: its extra ones are refused at once. */
		same = 0;
		for (i = 0; i < ASK_MAX_CONNS && c->have_peer; i++)
			same += s->conn[i].fd >= 0 && s->conn[i].have_peer &&
				s->conn[i].peer.policy_cgroup_id == c->peer.policy_cgroup_id;
		if (same > ASK_MAX_CONNS_PER_AGENT)
			conn_error(s, c, 429, "too many connections: an agent may hold %d at once",
				   ASK_MAX_CONNS_PER_AGENT);
	}
}

void ask_server_handle(struct ask_server *s)
{
	struct epoll_event evs[16];
	int64_t now;
	int n, i;
	size_t k;

	n = epoll_wait(s->ep, evs, 16, 0);
	for (i = 0; i < n; i++) {
		if (evs[i].data.u32 == TAG_LISTEN) {
			accept_conns(s);
			continue;
		}
		if (evs[i].data.u32 >= ASK_MAX_CONNS || s->conn[evs[i].data.u32].fd < 0)
			continue;
		if (s->conn[evs[i].data.u32].out)
			conn_flush(s, &s->conn[evs[i].data.u32]);
		else
			conn_read(s, &s->conn[evs[i].data.u32]);
	}
	now = clock_now_ms();
	ask_fold_tick(&s->fold, now, s->ops->record, s->ctx);
	for (k = 0; k < ASK_MAX_CONNS; k++)
		if (s->conn[k].fd >= 0 && now > s->conn[k].deadline_ms)
			conn_close(s, &s->conn[k]);
}

int ask_server_fd(const struct ask_server *s)
{
	return s->ep;
}

/* A stale socket's inode may have an ask mark left by a process killed with SIGKILL. */
static void unmark_stale(void *ctx, const char *path)
{
	struct ask_server *s = ctx;

	loader_protect_ask(s->loader, path, false);
}

static int bind_socket(struct ask_server *s)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = TAG_LISTEN };

	/* Any agent may connect; the kernel tells who did, and each is answered about itself. */
	s->lfd = sock_listen_unix(s->path, 0666, SOCK_NONBLOCK, 64, unmark_stale, s);
	if (s->lfd < 0)
		return s->lfd;
	s->bound = true;
	s->ep = epoll_create1(EPOLL_CLOEXEC);
	if (s->ep < 0)
		return -errno;
	return epoll_ctl(s->ep, EPOLL_CTL_ADD, s->lfd, &ev) ? -errno : 0;
}

struct ask_server *ask_server_open(const char *path, struct loader *l,
				   const struct ask_server_ops *ops, void *ctx, bool daemon,
				   int *err)
{
	struct ask_server *s = calloc(1, sizeof(*s));
	char *slash;
	size_t i;

	*err = -ENOMEM;
	if (!s)
		return NULL;
	s->lfd = s->ep = -1;
	for (i = 0; i < ASK_MAX_CONNS; i++)
		s->conn[i].fd = -1;
	s->loader = l;
	s->ops = ops;
	s->ctx = ctx;
	s->daemon = daemon;
	s->path = strdup(path);
	s->dir = strdup(path);
	if (!s->path || !s->dir)
		goto fail;
	slash = strrchr(s->dir, '/');
	*err = -EINVAL;
	if (!slash || slash == s->dir || path[0] != '/')
		goto fail; /* an absolute path below some directory */
	*slash = '\0';
	*err = mkdir_p(s->dir, 0755, 0755);
	/* The directory first: nobody confined may replace the socket once it is there. */
	if (!*err)
		*err = loader_protect(l, s->dir, daemon);
	if (*err)
		goto fail;
	*err = bind_socket(s);
	if (!*err)
		*err = loader_protect_ask(l, s->path, true);
	if (!*err)
		return s;
	if (s->bound)
		unlink(s->path);
	loader_unprotect(l, s->dir, daemon);
fail:
	if (s->lfd >= 0)
		close(s->lfd);
	if (s->ep >= 0)
		close(s->ep);
	free(s->path);
	free(s->dir);
	free(s);
	return NULL;
}

void ask_server_close(struct ask_server *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < ASK_MAX_CONNS; i++)
		conn_close(s, &s->conn[i]);
	ask_fold_flush(&s->fold, s->ops->record, s->ctx);
	loader_protect_ask(s->loader, s->path, false);
	unlink(s->path);
	/* A daemon's marks stay after it stops (docs/daemon.md); an exec takes its use back. */
	if (!s->daemon)
		loader_unprotect(s->loader, s->dir, false);
	close(s->lfd);
	close(s->ep);
	free(s->path);
	free(s->dir);
	free(s);
}
