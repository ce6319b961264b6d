/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Socket helpers shared by the control, stream, metrics, ask and dashboard sockets. */
#ifndef AGENTGATE_UTIL_SOCK_H
#define AGENTGATE_UTIL_SOCK_H

#include <sys/types.h>
#include <sys/un.h>

/* The address of the unix socket at path; -ENAMETOOLONG when it does not fit. */
int sock_unix_addr(const char *path, struct sockaddr_un *sa);

/*
 * A listening unix socket (SOCK_STREAM, close-on-exec, plus flags) at path,
 * created with mode under a flock of its directory: a socket an earlier run
 * left there is replaced (stale, when given, is called first); anything else
 * is kept and refused: -EEXIST for what is not a socket (a file named by
 * mistake), -EADDRINUSE for a socket a process listens on. The fd, or a negative errno; on an
 * error nothing stays at path that this call put there.
 */
typedef void (*sock_stale_fn)(void *ctx, const char *path);
int sock_listen_unix(const char *path, mode_t mode, int flags, int backlog, sock_stale_fn stale,
		     void *ctx);
/* sock_listen_unix()'s refusals in words, else strerror(-err). */
const char *sock_strerror(int err);

/*
 * Tells the service manager msg ("READY=1") on the datagram socket
 * $NOTIFY_SOCKET names (a path, or "@name" in the abstract namespace), as
 * sd_notify(3) does: 0 when sent or when no manager asked (no NOTIFY_SOCKET),
 * else -errno.
 */
int sock_notify(const char *msg);

#endif /* AGENTGATE_UTIL_SOCK_H */
