/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The daemon's control socket: a unix stream socket, mode 0600 in a 0700
 * directory, and peers whose SO_PEERCRED uid is not 0 are refused.
 *
 * Protocol (docs/daemon.md): one connection per command; the client sends one
 * JSON object on one line, the daemon answers with one JSON object on one line
 * and closes. Requests: {"cmd":"assign","cgroup":C,"policy":P[,"mode":M]},
 * {"cmd":"unassign","cgroup":C}, {"cmd":"status"}. Answers: {"ok":true,...}
 * or {"ok":false,"error":"message for people"}.
 */
#ifndef AGENTGATE_CONTROL_H
#define AGENTGATE_CONTROL_H

#include <stddef.h>
#include <sys/types.h>
#include <jansson.h>

#define CONTROL_MAX_LINE (64 * 1024) /* a request */
/* An answer: status lists every assignment (about 400 bytes each, AG_MAX_POLICIES of them). */
#define CONTROL_MAX_ANSWER (16 * 1024 * 1024)
#define CONTROL_CALL_TIMEOUT_MS 60000 /* a call to the daemon, connect to answer */
#define CONTROL_TIMEOUT_MS 5000

/* Creates the socket's directory (0700) if needed, replaces a stale socket, listens. */
int control_listen(const char *path, int *fd);

/* The connecting process's uid (SO_PEERCRED). */
int control_peer_uid(int fd, uid_t *uid);

/*
 * One JSON object from fd, ended by a newline or EOF, within timeout_ms.
 * -EPROTO: not a JSON object (msg says why); -EMSGSIZE: longer than max bytes.
 */
int control_recv(int fd, int timeout_ms, size_t max, json_t **out, char *msg, size_t msgsz);
/* o as one compact line. */
int control_send(int fd, const json_t *o);

/* Client: connects to path, sends req, returns the answer. msg explains a failure. */
int control_call(const char *path, const json_t *req, json_t **resp, char *msg, size_t msgsz);

/* {"ok":false,"error":...} */
json_t *control_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* AGENTGATE_CONTROL_H */
