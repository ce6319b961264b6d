/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The HTTP/1.1 of the ask socket (docs/ask.md), as little as any language's
 * client needs: one request per connection, a body with Content-Length (no
 * chunked bodies), an answer with Content-Length and `Connection: close`.
 * Pure functions on buffers: no I/O, no state, callable from any thread.
 */
#ifndef AGENTGATE_ASK_HTTP_H
#define AGENTGATE_ASK_HTTP_H

#include <stdbool.h>
#include <stddef.h>

/* A request's head and body together; bigger ones are answered 413 unread. */
#define ASK_MAX_REQUEST (64 * 1024)
#define ASK_MAX_HEAD 8192

struct ask_http_req {
	char method[8];
	char target[64]; /* the path asked for, without a query */
	const char *body; /* into the parsed buffer */
	size_t body_len;
	bool expect_continue; /* the client waits for "100 Continue" before its body */
};

/*
 * One request from buf[0..len): 0 when complete; -EAGAIN when more bytes are
 * needed (req->expect_continue is set once the head is read); any other
 * negative errno is a request to refuse with *status (400, 411, 413, 501,
 * 505) and msg saying why, for people.
 */
int ask_http_parse(const char *buf, size_t len, struct ask_http_req *req, int *status, char *msg,
		   size_t msgsz);

/*
 * The whole answer: status line, headers and body, in a buffer the caller
 * frees; *outlen its length. NULL when out of memory.
 */
char *ask_http_answer(int status, const char *body, size_t len, size_t *outlen);

#endif /* AGENTGATE_ASK_HTTP_H */
