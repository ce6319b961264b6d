// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Arguments on the command line, read strictly (cli.h). */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include "cli.h"

int cli_num_arg(const char *s, unsigned long long min, unsigned long long max,
		unsigned long long *out)
{
	unsigned long long v;
	char *end;

	/* strtoull would take a sign, spaces, and wrap "-1" round to the largest value. */
	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int cli_once(const char *cmd, const struct option *opts, int c, unsigned int *seen)
{
	unsigned int i;

	for (i = 0; opts[i].name && opts[i].val != c; i++)
		;
	if (!opts[i].name || i >= 32)
		return 0;
	if (*seen & 1u << i) {
		fprintf(stderr, "agentgate: %s: --%s given twice\n", cmd, opts[i].name);
		return -EINVAL;
	}
	*seen |= 1u << i;
	return 0;
}
