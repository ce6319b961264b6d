// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* What the commands print, checked as having reached standard output (cli.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "cli.h"

int stdout_flushed(void)
{
	if (!fflush(stdout) && !ferror(stdout))
		return 0;
	fprintf(stderr, "agentgate: standard output: %s\n", strerror(errno ? errno : EIO));
	return -1;
}
