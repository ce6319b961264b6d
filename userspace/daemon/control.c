// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The control socket's transport: listen, peer credentials, one JSON line each way. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include "control.h"
#include "util/clock.h"
#include "util/file.h"
#include "util/sock.h"

int control_listen(const char *path, int *out)
{
	struct sockaddr_un sa;
	int fd, err;

	err = sock_unix_addr(path, &sa);
	if (err)
		return err;
	err = mkdir_parent(path, 0755, 0700);
	if (err)
		return err;
	/* A socket left by a killed daemon is replaced; nothing else, nor another daemon's. */
	fd = sock_listen_unix(path, 0600, SOCK_NONBLOCK, 16, NULL, NULL);
	if (fd < 0)
		return fd;
	*out = fd;
	return 0;
}

int control_peer_uid(int fd, uid_t *uid)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len))
		return -errno;
	*uid = cr.uid;
	return 0;
}

int control_recv(int fd, int timeout_ms, size_t max, json_t **out, char *msg, size_t msgsz)
{
	int64_t deadline = clock_now_ms() + timeout_ms;
	size_t len = 0;
	char *buf, *nl = NULL;
	json_error_t jerr;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ssize_t n;
	int left, err = 0;

	size_t cap = 4096;
	char *grown;

	buf = malloc(cap + 1);
	if (!buf)
		return -ENOMEM;
	while (!nl) {
		if (len == max) {
			err = -EMSGSIZE;
			break;
		}
		/* Grown as the message arrives: most are a few hundred bytes. */
		if (len == cap) {
			cap = cap * 2 < max ? cap * 2 : max;
			grown = realloc(buf, cap + 1);
			if (!grown) {
				err = -ENOMEM;
				break;
			}
			buf = grown;
		}
		n = read(fd, buf + len, cap - len);
		if (n > 0) {
			nl = memchr(buf + len, '\n', (size_t)n);
			len += (size_t)n;
			continue;
		}
		if (n == 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN) {
			err = -errno;
			break;
		}
		left = (int)(deadline - clock_now_ms());
		if (left <= 0 || poll(&pfd, 1, left) == 0) {
			err = -ETIMEDOUT;
			break;
		}
	}
	if (!err && !len)
		err = -ENODATA;
	if (err) {
		snprintf(msg, msgsz, "%s", err == -EMSGSIZE ? "message too long" : strerror(-err));
		free(buf);
		return err;
	}
	*out = json_loadb(buf, nl ? (size_t)(nl - buf) : len, 0, &jerr);
	free(buf);
	if (!*out) {
		snprintf(msg, msgsz, "not JSON: %s", jerr.text);
		return -EPROTO;
	}
	if (!json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		snprintf(msg, msgsz, "not a JSON object");
		return -EPROTO;
	}
	return 0;
}

static int write_all(int fd, const char *p, size_t len)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	ssize_t n;

	while (len) {
		n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EAGAIN) {
			if (poll(&pfd, 1, CONTROL_TIMEOUT_MS) <= 0)
				return -ETIMEDOUT;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int control_send(int fd, const json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT);
	int err;

	if (!s)
		return -ENOMEM;
	err = write_all(fd, s, strlen(s));
	if (!err)
		err = write_all(fd, "\n", 1);
	free(s);
	return err;
}

int control_call(const char *path, const json_t *req, json_t **resp, char *msg, size_t msgsz)
{
	struct timeval tv = { .tv_sec = CONTROL_CALL_TIMEOUT_MS / 1000 };
	struct sockaddr_un sa;
	int fd, err, serr;

	err = sock_unix_addr(path, &sa);
	if (err) {
		snprintf(msg, msgsz, "%s: socket path too long", path);
		return err;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		err = -errno;
		snprintf(msg, msgsz, "socket: %s", strerror(-err));
		return err;
	}
	/*
	 * A daemon that accepts and then stalls (or a full backlog) must not hang the
	 * caller, a container engine's create among them: each blocking step gives up
	 * with EAGAIN, which control_recv() counts against the same deadline.
	 */
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		err = -errno;
		if (err == -ENOENT || err == -ECONNREFUSED)
			snprintf(
				msg, msgsz,
				"cannot reach the daemon at %s (%s): is `agentgate daemon` running?",
				path, strerror(-err));
		else if (err == -EAGAIN)
			snprintf(msg, msgsz, "%s: the daemon did not accept within %d s", path,
				 CONTROL_CALL_TIMEOUT_MS / 1000);
		else if (err == -EACCES)
			snprintf(msg, msgsz, "%s: %s (the control socket is root-only)", path,
				 strerror(-err));
		else
			snprintf(msg, msgsz, "%s: %s", path, strerror(-err));
		close(fd);
		return err;
	}
	serr = control_send(fd, req);
	shutdown(fd, SHUT_WR);
	/* Read even when sending failed: a refusal is answered before the request is read. */
	err = control_recv(fd, CONTROL_CALL_TIMEOUT_MS, CONTROL_MAX_ANSWER, resp, msg, msgsz);
	if (err && serr)
		snprintf(msg, msgsz, "sending to %s: %s", path, strerror(-serr));
	else if (err == -ENODATA)
		snprintf(msg, msgsz, "the daemon closed the connection without answering");
	close(fd);
	return err;
}

json_t *control_error(const char *fmt, ...)
{
	char buf[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return json_pack("{s:b, s:s}", "ok", 0, "error", buf);
}
