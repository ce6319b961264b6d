/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The dashboard's access token: 32 random bytes as 64 hex digits, written to a
 * root-only file and compared in constant time. Any thread; no state.
 */
#ifndef AGENTGATE_DASH_TOKEN_H
#define AGENTGATE_DASH_TOKEN_H

#include <stdbool.h>

#define DASH_TOKEN_LEN 64
#define DASH_DEFAULT_TOKEN_FILE "/run/agentgate/dashboard.token"

int dash_token_new(char out[DASH_TOKEN_LEN + 1]);
/*
 * Writes the token to path, mode 0600, replacing the file atomically; creates
 * its directory 0700 when missing (-ENOENT when that one's parent is missing
 * too). -EPERM when the directory is writable by group or others, sticky or not.
 */
int dash_token_write(const char *path, const char *token);
/* got may be NULL; the time taken does not depend on where the two differ. */
bool dash_token_equal(const char *want, const char *got);

#endif /* AGENTGATE_DASH_TOKEN_H */
