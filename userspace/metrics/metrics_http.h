/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Serving the metrics (docs/metrics.md): where (the `metrics.listen` setting
 * of the daemon's config) and the scrape server, libmicrohttpd on a thread of
 * its own, so a slow or stuck scraper never delays the daemon's event loop.
 * GET /metrics answers the registry (metrics.h) and what the kernel says now
 * (metrics_kernel.c); anything else is 404 or 405.
 *
 * Threads. metrics_server_start() and metrics_server_stop() are called by the
 * owner's thread; in between, the server's thread reads the registry (under
 * its lock) and the loader's any-thread functions (loader.h). Stop the server
 * before freeing the registry or closing the loader.
 */
#ifndef AGENTGATE_METRICS_HTTP_H
#define AGENTGATE_METRICS_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/un.h>

struct loader;
struct metrics;
struct metrics_server;

enum metrics_listen_kind { METRICS_OFF, METRICS_UNIX, METRICS_TCP };

struct metrics_listen {
	enum metrics_listen_kind kind;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)]; /* METRICS_UNIX */
	uint16_t port; /* METRICS_TCP, on 127.0.0.1 */
};

/*
 * "off", "unix:/ABSOLUTE/PATH" or "127.0.0.1:PORT" (1..65535). Anything else,
 * other addresses included (0.0.0.0, a LAN address, ::, a host name), is
 * -EINVAL with msg saying why: metrics are served to this host only.
 */
int metrics_listen_parse(const char *s, struct metrics_listen *out, char *msg, size_t msgsz);

/* A listening TCP socket on 127.0.0.1:port, or a negative errno. */
int metrics_tcp_listen(uint16_t port);

/*
 * Serves on the listening socket fd (taken over: closed by stop, or here on
 * failure). The kernel's figures come from l (NULL: none).
 */
int metrics_server_start(struct metrics_server **out, int fd, struct metrics *m,
			 struct loader *l);
void metrics_server_stop(struct metrics_server *s);

/* The whole page a scrape gets, in t (metrics_text.h); t->err on failure. */
struct mtext;
void metrics_page(struct metrics *m, struct loader *l, struct mtext *t);

#endif /* AGENTGATE_METRICS_HTTP_H */
