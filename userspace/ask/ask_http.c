// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Parsing one HTTP/1.1 request and formatting its answer (ask_http.h). Every
 * length is checked against the buffer before it is used: the bytes come from
 * confined agents, so this file is fuzzed (tests/fuzz/fuzz_ask_request.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "ask_http.h"

static int refuse(int *status, int code, char *msg, size_t msgsz, const char *why)
{
	*status = code;
	snprintf(msg, msgsz, "%s", why);
	return -EBADMSG;
}

/* The end of the line starting at p (its '\r'), or NULL before end. */
static const char *line_end(const char *p, const char *end)
{
	const char *q = memchr(p, '\r', (size_t)(end - p));

	return q && q + 1 < end && q[1] == '\n' ? q : NULL;
}

/* "METHOD SP target SP HTTP/1.x" in [p, e). */
static int request_line(const char *p, const char *e, struct ask_http_req *req, int *status,
			char *msg, size_t msgsz)
{
	const char *sp1 = memchr(p, ' ', (size_t)(e - p)), *sp2, *q;
	size_t n;

	if (!sp1)
		return refuse(status, 400, msg, msgsz,
			      "expected a request line: POST /v1/evaluate HTTP/1.1");
	sp2 = memchr(sp1 + 1, ' ', (size_t)(e - sp1 - 1));
	if (!sp2)
		return refuse(status, 400, msg, msgsz,
			      "expected a request line: POST /v1/evaluate HTTP/1.1");
	n = (size_t)(sp1 - p);
	if (!n || n >= sizeof(req->method))
		return refuse(status, 405, msg, msgsz, "expected the method POST");
	memcpy(req->method, p, n);
	req->method[n] = '\0';
	/*
	 * A target is ASCII (RFC 9112; other bytes travel percent-encoded): one
	 * that is not could not be named in a JSON answer, which must be UTF-8.
	 */
	for (q = sp1 + 1; q < sp2; q++)
		if ((unsigned char)*q < '!' || (unsigned char)*q > '~')
			return refuse(status, 400, msg, msgsz,
				      "expected a target in printable ASCII: POST /v1/evaluate");
	q = memchr(sp1 + 1, '?', (size_t)(sp2 - sp1 - 1));
	n = (size_t)((q ? q : sp2) - sp1 - 1);
	if (n >= sizeof(req->target))
		return refuse(status, 404, msg, msgsz, "unknown path: POST /v1/evaluate is served");
	memcpy(req->target, sp1 + 1, n);
	req->target[n] = '\0';
	if ((size_t)(e - sp2 - 1) != 8 || memcmp(sp2 + 1, "HTTP/1.", 7) ||
	    (sp2[8] != '0' && sp2[8] != '1'))
		return refuse(status, 505, msg, msgsz, "expected HTTP/1.0 or HTTP/1.1");
	return 0;
}

/* Whether [p, e) is the header name (any case) followed by ':'; *value: after blanks. */
static int header_is(const char *p, const char *e, const char *name, const char **value)
{
	size_t n = strlen(name);

	if ((size_t)(e - p) <= n || p[n] != ':' || strncasecmp(p, name, n))
		return 0;
	p += n + 1;
	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	*value = p;
	return 1;
}

int ask_http_parse(const char *buf, size_t len, struct ask_http_req *req, int *status, char *msg,
		   size_t msgsz)
{
	const char *end = buf + len, *p = buf, *e, *v;
	size_t clen = 0, head;
	int have_len = 0, err;

	memset(req, 0, sizeof(*req));
	e = line_end(p, end);
	if (!e)
		return len > ASK_MAX_HEAD ?
			       refuse(status, 413, msg, msgsz, "request line longer than 8 KiB") :
			       -EAGAIN;
	err = request_line(p, e, req, status, msg, msgsz);
	if (err)
		return err;
	for (p = e + 2;; p = e + 2) {
		e = line_end(p, end);
		if (!e)
			return len > ASK_MAX_HEAD ? refuse(status, 413, msg, msgsz,
							   "headers longer than 8 KiB") :
						    -EAGAIN;
		if (e == p)
			break; /* the empty line ending the head */
		if (header_is(p, e, "Content-Length", &v)) {
			clen = 0;
			if (have_len || v == e)
				return refuse(status, 400, msg, msgsz,
					      "expected one Content-Length number");
			for (; v < e; v++) {
				if (*v < '0' || *v > '9' || clen > ASK_MAX_REQUEST)
					break;
				clen = clen * 10 + (size_t)(*v - '0');
			}
			if (clen > ASK_MAX_REQUEST)
				return refuse(status, 413, msg, msgsz,
					      "request body larger than 64 KiB");
			if (v != e)
				return refuse(status, 400, msg, msgsz,
					      "expected one Content-Length number");
			have_len = 1;
		} else if (header_is(p, e, "Transfer-Encoding", &v)) {
			return refuse(status, 501, msg, msgsz,
				      "chunked bodies are not supported: send Content-Length");
		} else if (header_is(p, e, "Expect", &v)) {
			req->expect_continue = (size_t)(e - v) == 12 &&
					       !strncasecmp(v, "100-continue", 12);
		}
	}
	head = (size_t)(e + 2 - buf);
	if (!strcmp(req->method, "POST") && !have_len)
		return refuse(status, 411, msg, msgsz, "expected a Content-Length header");
	if (head + clen > ASK_MAX_REQUEST)
		return refuse(status, 413, msg, msgsz, "request larger than 64 KiB");
	if (len - head < clen)
		return -EAGAIN;
	req->body = buf + head;
	req->body_len = clen;
	return 0;
}

static const char *status_text(int status)
{
	switch (status) {
	case 100:
		return "Continue";
	case 200:
		return "OK";
	case 400:
		return "Bad Request";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 408:
		return "Request Timeout";
	case 411:
		return "Length Required";
	case 413:
		return "Content Too Large";
	case 429:
		return "Too Many Requests";
	case 501:
		return "Not Implemented";
	case 503:
		return "Service Unavailable";
	case 505:
		return "HTTP Version Not Supported";
	default:
		return "Error";
	}
}

char *ask_http_answer(int status, const char *body, size_t len, size_t *outlen)
{
	char head[256], *out;
	int n;

	n = snprintf(head, sizeof(head),
		     "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
		     "Content-Length: %zu\r\n%sConnection: close\r\n\r\n",
		     status, status_text(status), len, status == 429 ? "Retry-After: 1\r\n" : "");
	out = malloc((size_t)n + len);
	if (!out)
		return NULL;
	memcpy(out, head, (size_t)n);
	memcpy(out + n, body, len);
	*outlen = (size_t)n + len;
	return out;
}
