// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The scrape server (metrics_http.h): libmicrohttpd's own thread, one page per request. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <microhttpd.h>
#include "metrics.h"
#include "metrics_http.h"
#include "metrics_kernel.h"

#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"
/* Scrapers are few (Prometheus, a person with curl): more at once are refused. */
#define MAX_CONNECTIONS 8
#define CONNECTION_TIMEOUT_S 10

struct metrics_server {
	struct MHD_Daemon *mhd;
	struct metrics *m;
	struct loader *l;
};

static int bad(char *msg, size_t msgsz, const char *fmt, const char *s)
{
	snprintf(msg, msgsz, fmt, s);
	return -EINVAL;
}

int metrics_listen_parse(const char *s, struct metrics_listen *out, char *msg, size_t msgsz)
{
	static const char loopback[] = "127.0.0.1:";
	unsigned long port;
	const char *p;
	char *end;

	memset(out, 0, sizeof(*out));
	if (!s || !*s)
		return bad(msg, msgsz, "'%s': metrics.listen must be off, unix:PATH or 127.0.0.1:PORT",
			   s ? s : "");
	if (!strcmp(s, "off") || !strcmp(s, "false") || !strcmp(s, "no")) {
		out->kind = METRICS_OFF;
		return 0;
	}
	if (!strncmp(s, "unix:", 5)) {
		if (s[5] != '/')
			return bad(msg, msgsz, "'%s': the unix socket's path must be absolute", s);
		if (strlen(s + 5) >= sizeof(out->path))
			return bad(msg, msgsz, "'%s': the unix socket's path is too long", s);
		out->kind = METRICS_UNIX;
		strcpy(out->path, s + 5);
		return 0;
	}
	if (strncmp(s, loopback, strlen(loopback)))
		return bad(msg, msgsz,
			   "'%s': metrics are served on 127.0.0.1:PORT or unix:PATH only (anyone "
			   "who reaches another address could read them; put a proxy with "
			   "authentication in front to scrape from elsewhere)",
			   s);
	p = s + strlen(loopback);
	errno = 0;
	port = strtoul(p, &end, 10);
	if (*p < '0' || *p > '9' || *end || errno || port < 1 || port > 65535)
		return bad(msg, msgsz, "'%s': the port must be a number from 1 to 65535", s);
	out->kind = METRICS_TCP;
	out->port = (uint16_t)port;
	return 0;
}

int metrics_tcp_listen(uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd, one = 1, err = 0;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 16))
		err = -errno;
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

void metrics_page(struct metrics *m, struct loader *l, struct mtext *t)
{
	metrics_render(m, t);
	if (l)
		metrics_kernel_render(l, t);
}

static enum MHD_Result answer_text(struct MHD_Connection *c, unsigned int status, const char *s)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(strlen(s), (void *)s, MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* One request; a body (there should be none) is read and ignored. */
static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload_data,
			      size_t *upload_data_size, void **req_cls)
{
	struct metrics_server *s = cls;
	struct MHD_Response *r;
	struct mtext t = {};
	enum MHD_Result ret;

	if (!*req_cls) {
		*req_cls = s; /* first call: headers only */
		return MHD_YES;
	}
	if (*upload_data_size) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (strcmp(url, "/metrics"))
		return answer_text(c, MHD_HTTP_NOT_FOUND, "not found: GET /metrics\n");
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return answer_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET /metrics\n");
	metrics_page(s->m, s->l, &t);
	if (t.err) {
		mtext_free(&t);
		return answer_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
	}
	r = MHD_create_response_from_buffer(t.len, t.p, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		mtext_free(&t);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, CONTENT_TYPE);
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

int metrics_server_start(struct metrics_server **out, int fd, struct metrics *m,
			 struct loader *l)
{
	struct metrics_server *s = calloc(1, sizeof(*s));

	if (!s) {
		close(fd);
		return -ENOMEM;
	}
	s->m = m;
	s->l = l;
	/* No MHD_USE_ERROR_LOG: a library does not print. */
	s->mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL, 0, NULL, NULL,
				  handle, s, MHD_OPTION_LISTEN_SOCKET, fd,
				  MHD_OPTION_CONNECTION_LIMIT, (unsigned int)MAX_CONNECTIONS,
				  MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)CONNECTION_TIMEOUT_S,
				  MHD_OPTION_END);
	if (!s->mhd) {
		close(fd);
		free(s);
		return -EIO;
	}
	*out = s;
	return 0;
}

void metrics_server_stop(struct metrics_server *s)
{
	if (!s)
		return;
	MHD_stop_daemon(s->mhd); /* closes the listening socket too */
	free(s);
}
