/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Standard base64 (RFC 4648 §4, padded): how the audit log and `check` write a value that
 * is not UTF-8 (KEY_b64, docs/audit.md), so one encoder gives both the same spelling.
 */
#ifndef AGENTGATE_UTIL_B64_H
#define AGENTGATE_UTIL_B64_H

#include <stddef.h>

/* Room b64_encode() needs for len bytes, without a NUL. */
#define B64_LEN(len) (4 * (((len) + 2) / 3))

/* len bytes of in as B64_LEN(len) characters at out, no NUL; returns the end of them. */
char *b64_encode(char *out, const unsigned char *in, size_t len);
/*
 * Strict: padded, no whitespace, unused bits zero, so each value has one spelling and a
 * record that verifies re-serialises to its own bytes. out may be s (decoding in place
 * never overtakes the reader). -EBADMSG for anything else.
 */
int b64_decode(const char *s, size_t len, char *out, size_t *outlen);

#endif /* AGENTGATE_UTIL_B64_H */
