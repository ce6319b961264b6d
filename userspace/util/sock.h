/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Socket helpers shared by the control, stream, metrics, ask and dashboard sockets. */
#ifndef AGENTGATE_UTIL_SOCK_H
#define AGENTGATE_UTIL_SOCK_H

#include <sys/un.h>

/* The address of the unix socket at path; -ENAMETOOLONG when it does not fit. */
int sock_unix_addr(const char *path, struct sockaddr_un *sa);

/*
 * Whether path is a unix socket nobody listens on (1), or nothing (0); -EEXIST
 * when something that is not a socket is there, -EADDRINUSE when a process
 * still listens on it.
 */
int sock_stale(const char *path);
/*
 * Before a bind to path: removes a unix socket an earlier run left there, and
 * nothing else. 0 when path is free now; -EEXIST when something that is not a
 * socket is there, -EADDRINUSE when a process still listens on it.
 */
int sock_unlink_stale(const char *path);
/* sock_unlink_stale()'s refusals in words, else strerror(-err). */
const char *sock_strerror(int err);

#endif /* AGENTGATE_UTIL_SOCK_H */
