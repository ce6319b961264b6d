// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Walking a cgroup v2 subtree. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <unistd.h>
#include "cgroup.h"

#define MAX_DEPTH 32 /* cgroup v2 nests no deeper in practice; a deeper one is not walked */

static int walk(int dfd, int depth, int (*fn)(void *ctx, int tid), void *ctx)
{
	struct dirent *de;
	int fd, tid, err = 0;
	DIR *d;
	FILE *f;

	fd = openat(dfd, "cgroup.threads", O_RDONLY | O_CLOEXEC);
	f = fd >= 0 ? fdopen(fd, "r") : NULL;
	if (!f && fd >= 0)
		close(fd);
	while (f && !err && fscanf(f, "%d", &tid) == 1)
		err = fn(ctx, tid);
	if (f)
		fclose(f);
	if (err || depth >= MAX_DEPTH)
		return err;
	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return 0; /* removed meanwhile */
	}
	while (!err && (de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		fd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0)
			err = walk(fd, depth + 1, fn, ctx);
	}
	closedir(d);
	return err;
}

int cgroup_threads(const char *dir, int (*fn)(void *ctx, int tid), void *ctx)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	return walk(fd, 0, fn, ctx);
}
