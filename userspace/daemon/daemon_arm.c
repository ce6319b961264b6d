// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * An on_exec policy assigned to a cgroup that already has tasks: they are
 * judged at once, as under any other assignment; only tasks that come in
 * later wait for their execve. The cgroup is frozen while its tasks are
 * marked, so that none forks an unmarked child in between.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "daemon.h"
#include "loader/loader.h"
#include "util/cgroup.h"
#include "util/file.h"

#define FREEZE_WAIT_MS 2000

struct arm {
	struct loader *loader;
	int err; /* the first failure */
};

static int arm_thread(void *ctx, int tid)
{
	struct arm *a = ctx;
	int err = loader_arm_task(a->loader, tid);

	if (err && err != -ESRCH && !a->err)
		a->err = err;
	return 0;
}

/* Whether cgroup.events says frozen 1. */
static int frozen(const char *dir)
{
	char path[PATH_MAX + 16], line[64];
	int yes = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/cgroup.events", dir);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		yes |= !strcmp(line, "frozen 1\n");
	fclose(f);
	return yes;
}

int daemon_arm_existing(struct daemon *d, const char *cgroup)
{
	char dir[PATH_MAX], knob[PATH_MAX + 16];
	struct arm a = { .loader = d->loader };
	int i, froze;

	snprintf(dir, sizeof(dir), "%s%s", DAEMON_CGROUP_ROOT, cgroup);
	snprintf(knob, sizeof(knob), "%s/cgroup.freeze", dir);
	froze = file_write_str(knob, "1") == 0;
	for (i = 0; froze && i < FREEZE_WAIT_MS / 10 && !frozen(dir); i++)
		usleep(10000);
	cgroup_threads(dir, arm_thread, &a);
	if (froze)
		file_write_str(knob, "0");
	return a.err;
}
