// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The dashboard's HTTP side on libmicrohttpd (dashboard.h): the token check in
 * front of everything, the built-in page files, and the JSON API routes.
 * libmicrohttpd runs one thread per connection (at most MAX_CONN), so concurrent
 * viewers are concurrent handlers: the log mutex serialises their use of the index,
 * the verify mutex their verification, the live mutex the stream's ring.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <microhttpd.h>
#include "dash_api.h"
#include "dash_server_int.h"
#include "dash_token.h"
#include "dash_www.h"
#include "util/clock.h"
#include "util/sock.h"

#define MAX_CONN 64
#define COOKIE "agentgate_token"
#define VERIFY_EVERY_NS (30 * 1000000000ll)

/* What every answer carries: nothing cached, nothing loaded from elsewhere, no referrer. */
static void common_headers(struct MHD_Response *r, const char *type)
{
	MHD_add_response_header(r, "Content-Type", type);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Content-Security-Policy",
				"default-src 'none'; script-src 'self'; style-src 'self'; "
				"img-src 'self'; connect-src 'self'; frame-ancestors 'none'");
}

static enum MHD_Result send_body(struct MHD_Connection *c, unsigned int status, const char *type,
				 char *body, size_t len, bool owned)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
		len, body, owned ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (!r) {
		if (owned)
			free(body);
		return MHD_NO;
	}
	common_headers(r, type);
	if (status == MHD_HTTP_UNAUTHORIZED)
		MHD_add_response_header(r, "WWW-Authenticate", "Bearer realm=\"agentgate\"");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result send_error(struct MHD_Connection *c, unsigned int status, const char *why)
{
	char *body;
	size_t len;

	if (dash_api_error(why, &body, &len))
		return MHD_NO;
	return send_body(c, status, "application/json", body, len, true);
}

/* A bearer header, the cookie, or (a first visit from the printed URL) ?token=. */
static bool authorised(struct dash_server *s, struct MHD_Connection *c, bool *from_url)
{
	const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	bool ok = false;

	*from_url = false;
	if (auth && !strncmp(auth, "Bearer ", 7))
		ok = dash_token_equal(s->o.token, auth + 7);
	ok = ok || dash_token_equal(s->o.token, MHD_lookup_connection_value(c, MHD_COOKIE_KIND,
									     COOKIE));
	if (!ok && dash_token_equal(s->o.token,
				    MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "token")))
		ok = *from_url = true;
	return ok;
}

/* The token from the URL becomes a cookie, and the URL loses it (history, screenshots). */
static enum MHD_Result set_cookie(struct dash_server *s, struct MHD_Connection *c)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(0, "", MHD_RESPMEM_PERSISTENT);
	char cookie[160];
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	snprintf(cookie, sizeof(cookie), COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict",
		 s->o.token);
	common_headers(r, "text/plain");
	MHD_add_response_header(r, "Set-Cookie", cookie);
	MHD_add_response_header(r, "Location", "/");
	ret = MHD_queue_response(c, MHD_HTTP_SEE_OTHER, r);
	MHD_destroy_response(r);
	return ret;
}

struct args {
	struct dash_query q;
	const char *why;
	int err;
};

static enum MHD_Result take_arg(void *cls, enum MHD_ValueKind kind, const char *key,
				const char *value)
{
	struct args *a = cls;

	if (!a->err)
		a->err = dash_query_set(&a->q, key, value ? value : "", &a->why);
	return MHD_YES;
}

/* The index, brought up to date with the file, then one answer from it under the lock. */
static int with_log(struct dash_server *s, const struct dash_query *q,
		    int (*fn)(const struct dash_log *, const struct dash_query *, char **, size_t *),
		    char **body, size_t *len)
{
	int err;

	pthread_mutex_lock(&s->log_mu);
	err = dash_log_refresh(s->log);
	if (!err)
		err = fn(s->log, q, body, len);
	pthread_mutex_unlock(&s->log_mu);
	return err;
}

/* audit verify over the log's files, again only when the log grew since the last time. */
static int verify(struct dash_server *s, char **body, size_t *len)
{
	struct audit_verify_opts vo = { .pubkey_hex = s->o.pubkey_hex, .open = true };
	char **paths = NULL;
	uint64_t bytes;
	int n = 0, i, err = 0;

	pthread_mutex_lock(&s->log_mu);
	err = dash_log_refresh(s->log);
	bytes = dash_log_bytes(s->log) + 1; /* +1: an empty log is checked too */
	if (!err) {
		char *const *p = dash_log_paths(s->log, &n);

		paths = calloc((size_t)n, sizeof(*paths));
		for (i = 0; paths && i < n; i++)
			if (!(paths[i] = strdup(p[i])))
				err = -ENOMEM;
		if (!paths)
			err = -ENOMEM;
	}
	pthread_mutex_unlock(&s->log_mu);
	pthread_mutex_lock(&s->verify_mu);
	/* A growing log is verified again at most every 30 s: it costs a full read. */
	if (!err && s->verified_bytes != bytes &&
	    (!s->verified_bytes || clock_now_ns(CLOCK_MONOTONIC) - s->verified_at >= VERIFY_EVERY_NS)) {
		memset(&s->report, 0, sizeof(s->report));
		audit_verify_files(paths, n, &vo, &s->report);
		s->verified_bytes = bytes;
		s->verified_at = clock_now_ns(CLOCK_MONOTONIC);
	}
	if (!err)
		err = dash_api_verify(&s->report, s->o.pubkey_hex != NULL, body, len);
	pthread_mutex_unlock(&s->verify_mu);
	for (i = 0; paths && i < n; i++)
		free(paths[i]);
	free(paths);
	return err;
}

static int info(struct dash_server *s, char **body, size_t *len)
{
	int err;

	pthread_mutex_lock(&s->log_mu);
	err = dash_log_refresh(s->log);
	if (!err)
		err = dash_api_info(s->log, s->o.log_path, s->o.stream_socket, s->o.pubkey_hex != NULL,
				    body, len);
	pthread_mutex_unlock(&s->log_mu);
	return err;
}

static enum MHD_Result api(struct dash_server *s, struct MHD_Connection *c, const char *url)
{
	struct args a = { 0 };
	char *body = NULL;
	size_t len = 0;
	int err, status = MHD_HTTP_OK;

	dash_query_init(&a.q);
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, take_arg, &a);
	if (a.err)
		return send_error(c, MHD_HTTP_BAD_REQUEST, a.why);
	if (!strcmp(url, "/api/records"))
		err = with_log(s, &a.q, dash_api_records, &body, &len);
	else if (!strcmp(url, "/api/summary"))
		err = with_log(s, &a.q, dash_api_summary, &body, &len);
	else if (!strcmp(url, "/api/timeline"))
		err = with_log(s, &a.q, dash_api_timeline, &body, &len);
	else if (!strcmp(url, "/api/verify"))
		err = verify(s, &body, &len);
	else if (!strcmp(url, "/api/live") && s->o.stream_socket)
		err = dash_live_json(s, a.q.after_seq, a.q.limit, &body, &len);
	else if (!strcmp(url, "/api/live")) {
		a.q.has_after = true; /* no stream: the file's new records */
		err = with_log(s, &a.q, dash_api_records, &body, &len);
	} else if (!strcmp(url, "/api/info"))
		err = info(s, &body, &len);
	else if (!strcmp(url, "/api/proposal")) {
		err = dash_proposal(s, a.q.agent, &body, &len);
		status = err > 0 ? err : status;
		err = err > 0 ? 0 : err;
	} else
		return send_error(c, MHD_HTTP_NOT_FOUND, "no such API route");
	if (err) {
		free(body);
		return send_error(c, err == -ENOMEM ? MHD_HTTP_INTERNAL_SERVER_ERROR :
						      MHD_HTTP_SERVICE_UNAVAILABLE,
				  strerror(-err));
	}
	return send_body(c, (unsigned int)status, "application/json", body, len, true);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload_data,
			      size_t *upload_data_size, void **req_cls)
{
	struct dash_server *s = cls;
	bool from_url;
	unsigned int i;

	if (!authorised(s, c, &from_url))
		return send_error(c, MHD_HTTP_UNAUTHORIZED, "missing or wrong token");
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return send_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "the dashboard only reads: GET");
	if (from_url && strncmp(url, "/api/", 5))
		return set_cookie(s, c);
	if (!strncmp(url, "/api/", 5))
		return api(s, c, url);
	if (!strcmp(url, "/"))
		url = "/index.html";
	for (i = 0; i < dash_www_count; i++)
		if (!strcmp(url, dash_www[i].path))
			return send_body(c, MHD_HTTP_OK, dash_www[i].type, (char *)dash_www[i].data,
					 dash_www[i].len, false);
	return send_error(c, MHD_HTTP_NOT_FOUND, "no such page");
}

static int listen_socket(struct dash_server *s)
{
	struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(s->o.port) };
	socklen_t alen = sizeof(in);
	int fd, err, one = 1;

	if (s->o.unix_path) {
		/* Root only; an earlier run's socket is replaced, nothing else. */
		fd = sock_listen_unix(s->o.unix_path, 0600, 0, 32, NULL, NULL);
		if (fd < 0)
			return fd;
		err = 0;
	} else {
		/* Loopback only: other hosts never reach the dashboard. */
		in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		err = bind(fd, (struct sockaddr *)&in, sizeof(in)) || listen(fd, 32) ||
				      getsockname(fd, (struct sockaddr *)&in, &alen) ?
			      -errno :
			      0;
		s->port = ntohs(in.sin_port);
	}
	if (err) {
		close(fd);
		return err;
	}
	s->lfd = fd;
	return 0;
}

int dash_server_start(const struct dash_opts *o, struct dash_server **out, char *why, size_t whysz)
{
	struct dash_server *s = calloc(1, sizeof(*s));
	int err;

	if (!s) {
		snprintf(why, whysz, "%s", strerror(ENOMEM));
		return -ENOMEM;
	}
	s->o = *o;
	s->lfd = -1;
	pthread_mutex_init(&s->log_mu, NULL);
	pthread_mutex_init(&s->verify_mu, NULL);
	pthread_mutex_init(&s->live_mu, NULL);
	err = dash_log_open(o->log_path, &s->log);
	if (err) {
		snprintf(why, whysz, "audit log %s: %s", o->log_path,
			 err == -EINVAL ? "not a regular file (a directory?): give the log file" :
					  strerror(-err));
		goto fail;
	}
	err = listen_socket(s);
	if (err) {
		if (o->unix_path)
			snprintf(why, whysz, "unix socket %s: %s", o->unix_path,
				 sock_strerror(err));
		else
			snprintf(why, whysz, "port %u on 127.0.0.1: %s", o->port, strerror(-err));
		goto fail;
	}
	if (o->stream_socket && (err = dash_live_start(s))) {
		snprintf(why, whysz, "stream reader: %s", strerror(-err));
		goto fail;
	}
	s->mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION,
				  0, NULL, NULL, handle, s, MHD_OPTION_LISTEN_SOCKET, s->lfd,
				  MHD_OPTION_CONNECTION_LIMIT, (unsigned int)MAX_CONN,
				  MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_END);
	if (!s->mhd) {
		snprintf(why, whysz, "libmicrohttpd did not start");
		err = -EIO;
		goto fail;
	}
	*out = s;
	return 0;
fail:
	dash_server_stop(s);
	return err;
}

uint16_t dash_server_port(const struct dash_server *s)
{
	return s->port;
}

void dash_server_stop(struct dash_server *s)
{
	if (!s)
		return;
	if (s->mhd)
		MHD_stop_daemon(s->mhd); /* closes the listening socket too */
	else if (s->lfd >= 0)
		close(s->lfd);
	dash_live_stop(s);
	if (s->o.unix_path && s->lfd >= 0)
		unlink(s->o.unix_path);
	dash_log_close(s->log);
	pthread_mutex_destroy(&s->log_mu);
	pthread_mutex_destroy(&s->verify_mu);
	pthread_mutex_destroy(&s->live_mu);
	free(s);
}
