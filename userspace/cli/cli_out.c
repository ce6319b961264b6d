// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* What the commands print, checked as having reached standard output (cli.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "cli.h"

/* Set once the loss was said: main() checks again after every command. Main thread only. */
static int said;

int stdout_flushed(void)
{
	if (!fflush(stdout) && !ferror(stdout))
		return 0;
	if (!said)
		fprintf(stderr, "agentgate: standard output: %s\n", strerror(errno ? errno : EIO));
	said = 1;
	return -1;
}
