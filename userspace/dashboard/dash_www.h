/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The page's files (userspace/dashboard/www/), built into the binary: the Makefile
 * generates the table with embed.sh. Read-only, any thread.
 */
#ifndef AGENTGATE_DASH_WWW_H
#define AGENTGATE_DASH_WWW_H

struct dash_www_file {
	const char *path; /* "/index.html" */
	const char *type; /* Content-Type */
	const unsigned char *data;
	unsigned int len;
};

extern const struct dash_www_file dash_www[];
extern const unsigned int dash_www_count;

#endif /* AGENTGATE_DASH_WWW_H */
