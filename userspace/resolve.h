/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Domain rules become addresses when a policy is loaded (until DNS-aware rules exist). */
#ifndef AGENTGATE_RESOLVE_H
#define AGENTGATE_RESOLVE_H

#include <stdint.h>

/* An ag_resolve_fn (compile.h) over getaddrinfo(): IPv4 as ::ffff:a.b.c.d. */
int resolve_getaddrinfo(const char *domain, uint8_t (*addrs)[16], int max, void *ctx);

#endif /* AGENTGATE_RESOLVE_H */
