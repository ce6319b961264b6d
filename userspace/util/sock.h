/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Socket helpers shared by the control socket and the audit stream. */
#ifndef AGENTGATE_UTIL_SOCK_H
#define AGENTGATE_UTIL_SOCK_H

#include <sys/un.h>

/* The address of the unix socket at path; -ENAMETOOLONG when it does not fit. */
int sock_unix_addr(const char *path, struct sockaddr_un *sa);

#endif /* AGENTGATE_UTIL_SOCK_H */
