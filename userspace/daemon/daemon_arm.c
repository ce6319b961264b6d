// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * An on_exec policy assigned to a cgroup that already has tasks: they are
 * judged at once, as under any other assignment; only tasks that come in
 * later wait for their execve. The kernel marks them, every thread
 * (loader_arm_cgroup). The cgroup is frozen meanwhile, so that none forks an
 * unmarked child in between; one its engine had frozen already (`docker
 * pause`) stays frozen.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "daemon.h"
#include "loader/loader.h"
#include "util/file.h"

#define FREEZE_WAIT_MS 2000

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

/* Whether the cgroup's own cgroup.freeze is 1: someone froze it (runc pause), not us. */
static int freeze_set(const char *knob)
{
	char v[8];
	int n = file_read_head(knob, v, sizeof(v));

	return n > 0 && v[0] == '1';
}

int daemon_arm_existing(struct daemon *d, const char *cgroup, uint64_t cgroup_id)
{
	char dir[PATH_MAX], knob[PATH_MAX + 16];
	int i, froze, paused, err;

	snprintf(dir, sizeof(dir), "%s%s", DAEMON_CGROUP_ROOT, cgroup);
	snprintf(knob, sizeof(knob), "%s/cgroup.freeze", dir);
	/* A paused container is thawed by its engine's unpause only, never here. */
	paused = freeze_set(knob);
	froze = paused || file_write_str(knob, "1") == 0;
	for (i = 0; froze && i < FREEZE_WAIT_MS / 10 && !frozen(dir); i++)
		usleep(10000);
	err = loader_arm_cgroup(d->loader, cgroup_id);
	if (froze && !paused)
		file_write_str(knob, "0");
	return err;
}
