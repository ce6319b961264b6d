// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* RFC 5424 syslog messages in RFC 6587 octet-counting frames: the record line is MSG, as is. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "forward.h"
#include "forward_int.h"

bool forward_hostname_ok(const char *h)
{
	size_t n = h ? strlen(h) : 0, i;

	if (n < 1 || n > 255)
		return false;
	for (i = 0; i < n; i++)
		if ((unsigned char)h[i] < 33 || (unsigned char)h[i] > 126)
			return false;
	return true;
}

/*
 * The record's "time" (RFC 3339, UTC, nine fraction digits) cut to six:
 * records begin {"seq":N,"type":"T","time":"..." (docs/audit.md).
 */
static bool record_time(const char *line, size_t len, char out[28])
{
	static const char key[] = "\"time\":\"";
	static const char shape[] = "DDDD-DD-DDTDD:DD:DD.DDDDDDDDDZ"; /* D: a digit */
	size_t scan = len < 96 ? len : 96, i;
	const char *t = memmem(line, scan, key, sizeof(key) - 1);

	if (!t)
		return false;
	t += sizeof(key) - 1;
	if ((size_t)(t - line) + 30 > len)
		return false;
	for (i = 0; i < 30; i++)
		if (shape[i] == 'D' ? t[i] < '0' || t[i] > '9' : t[i] != shape[i])
			return false;
	memcpy(out, t, 26);
	out[26] = 'Z';
	out[27] = '\0';
	return true;
}

int fwd_frame(char *out, size_t cap, const char *hostname, unsigned int procid, const char *line,
	      size_t len)
{
	char ts[28], head[FWD_MAX_HEADER];
	int h, l;

	if (!record_time(line, len, ts))
		snprintf(ts, sizeof(ts), "-");
	h = snprintf(head, sizeof(head), "<%d>1 %s %s %s %u audit - ", FORWARD_PRI, ts, hostname,
		     FORWARD_APP_NAME, procid);
	if (h < 0 || (size_t)h >= sizeof(head))
		return -ENOSPC;
	l = snprintf(out, cap, "%zu ", (size_t)h + len);
	if (l < 0 || (size_t)l + (size_t)h + len > cap)
		return -ENOSPC;
	memcpy(out + l, head, (size_t)h);
	memcpy(out + l + h, line, len);
	return l + h + (int)len;
}
