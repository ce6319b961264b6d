// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * An on_exec policy assigned to a cgroup that already has tasks: they are
 * judged at once, as under any other assignment; only tasks that come in
 * later wait for their execve. The cgroup is frozen while its tasks are
 * marked, so that none forks an unmarked child in between.
 */
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "daemon.h"
#include "loader/loader.h"
#include "util/file.h"

#define FREEZE_WAIT_MS 2000

static struct loader *arm_loader;
static int arm_err;

static int arm_procs(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	char procs[PATH_MAX + 16];
	int pid, err;
	FILE *f;

	if (type != FTW_D)
		return 0;
	snprintf(procs, sizeof(procs), "%s/cgroup.threads", path);
	f = fopen(procs, "re");
	if (!f)
		return 0; /* removed meanwhile */
	while (fscanf(f, "%d", &pid) == 1) {
		err = loader_arm_task(arm_loader, pid);
		if (err && err != -ESRCH && !arm_err)
			arm_err = err;
	}
	fclose(f);
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
	int i, froze;

	snprintf(dir, sizeof(dir), "%s%s", DAEMON_CGROUP_ROOT, cgroup);
	snprintf(knob, sizeof(knob), "%s/cgroup.freeze", dir);
	froze = file_write_str(knob, "1") == 0;
	for (i = 0; froze && i < FREEZE_WAIT_MS / 10 && !frozen(dir); i++)
		usleep(10000);
	arm_loader = d->loader;
	arm_err = 0;
	nftw(dir, arm_procs, 16, FTW_PHYS);
	if (froze)
		file_write_str(knob, "0");
	return arm_err;
}
