/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * `agentgate dashboard`: a local web page over one audit log (docs/dashboard.md),
 * served by libmicrohttpd on 127.0.0.1:PORT or a unix socket, every request
 * checked against a token. It reads the log and never writes to it.
 *
 * Threads: dash_server_start() and dash_server_stop() from one thread (the CLI's
 * main thread); between them libmicrohttpd's threads answer requests and, with a
 * stream socket, one thread reads the daemon's live stream (dash_live.c).
 */
#ifndef AGENTGATE_DASHBOARD_H
#define AGENTGATE_DASHBOARD_H

#include <stdint.h>

struct dash_opts {
	const char *log_path; /* the active log; its rotated files are found beside it */
	const char *pubkey_hex; /* trusted key for verification; NULL: the log's own */
	const char *stream_socket; /* the daemon's live stream; NULL: follow the file */
	const char *unix_path; /* listen on this unix socket (0600) instead of TCP */
	uint16_t port; /* 127.0.0.1:port; 0: any free port */
	const char *token; /* DASH_TOKEN_LEN hex digits */
};

struct dash_server;

/*
 * -ENOENT: no log; -EADDRINUSE: the port or socket is taken. On failure why
 * names what failed (the log, the socket or port, the stream) and the reason.
 */
int dash_server_start(const struct dash_opts *o, struct dash_server **out, char *why,
		      size_t whysz);
uint16_t dash_server_port(const struct dash_server *s); /* the bound port (TCP) */
void dash_server_stop(struct dash_server *s); /* NULL ok */

#endif /* AGENTGATE_DASHBOARD_H */
