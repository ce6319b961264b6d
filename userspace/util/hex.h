/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Lower-case hex: hashes and keys have one spelling (the audit log's canonical form). */
#ifndef AGENTGATE_UTIL_HEX_H
#define AGENTGATE_UTIL_HEX_H

#include <stddef.h>
#include <stdint.h>

/* n bytes as 2n digits plus NUL (out: 2n + 1 bytes). */
void hex_encode(const uint8_t *in, size_t n, char *out);
/* Exactly 2n lower-case digits (len) into n bytes; -EINVAL otherwise. */
int hex_decode(const char *s, size_t len, uint8_t *out, size_t n);

#endif /* AGENTGATE_UTIL_HEX_H */
