// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <errno.h>
#include <string.h>
#include "hex.h"

#define HEX_ROW(h)                                                                            \
	h "0" h "1" h "2" h "3" h "4" h "5" h "6" h "7" h "8" h "9" h "a" h "b" h "c" h "d" h \
	  "e" h "f"

/* Both digits of a byte in one lookup: every audit record hexes its hash and its prev. */
void hex_encode(const uint8_t *in, size_t n, char *out)
{
	static const char pairs[] = HEX_ROW("0") HEX_ROW("1") HEX_ROW("2") HEX_ROW("3") HEX_ROW("4")
		HEX_ROW("5") HEX_ROW("6") HEX_ROW("7") HEX_ROW("8") HEX_ROW("9") HEX_ROW("a")
			HEX_ROW("b") HEX_ROW("c") HEX_ROW("d") HEX_ROW("e") HEX_ROW("f");
	size_t i;

	for (i = 0; i < n; i++)
		memcpy(out + 2 * i, pairs + 2 * in[i], 2);
	out[2 * n] = 0;
}

int hex_decode(const char *s, size_t len, uint8_t *out, size_t n)
{
	size_t i;

	if (len != 2 * n)
		return -EINVAL;
	for (i = 0; i < 2 * n; i++) {
		char c = s[i];
		int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;

		if (v < 0)
			return -EINVAL;
		if (i % 2)
			out[i / 2] = (uint8_t)(out[i / 2] << 4 | v);
		else
			out[i / 2] = (uint8_t)v;
	}
	return 0;
}
