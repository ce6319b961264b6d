// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The asker's root directory (ask.h): a bare program name in a question is
 * looked up where the asker would find it, in its own mount namespace and
 * below its own root (a container's), not in the server's.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "ask.h"
#include "util/file.h"

int ask_peer_root(const struct ag_ask_peer *peer, const char *cgroup_root)
{
	char path[PATH_MAX], cg[PATH_MAX];
	struct stat st;
	int pid_fd, fd, err;

	if (!peer->pid)
		return -ESRCH;
	snprintf(path, sizeof(path), "/proc/%u", peer->pid);
	/*
	 * The descriptor holds this task: every lookup through it fails once the
	 * task is gone, even when its pid is given to another. So the cgroup
	 * checked and the root opened below are one task's.
	 */
	pid_fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (pid_fd < 0)
		return -errno;
	/*
	 * Still the task the kernel noted at connect, or at least one of the same
	 * cgroup: the pid may have been reused between connect and this open.
	 */
	fd = openat(pid_fd, "cgroup", O_RDONLY | O_CLOEXEC);
	err = fd < 0 ? -errno : proc_cgroup_fd(fd, cg, sizeof(cg));
	if (!err && snprintf(path, sizeof(path), "%s%s", cgroup_root, cg) >= (int)sizeof(path))
		err = -ENAMETOOLONG;
	if (!err && stat(path, &st))
		err = -errno;
	if (!err && st.st_ino != peer->cgroup_id)
		err = -ESRCH;
	if (!err) {
		fd = openat(pid_fd, "root", O_PATH | O_DIRECTORY | O_CLOEXEC);
		err = fd < 0 ? -errno : 0;
	}
	close(pid_fd);
	return err ? err : fd;
}
