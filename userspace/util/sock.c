// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include "sock.h"

int sock_unix_addr(const char *path, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	strcpy(sa->sun_path, path);
	return 0;
}

/*
 * Whether path is a unix socket nobody listens on (1), or nothing (0); -EEXIST
 * when something that is not a socket is there, -EADDRINUSE when a process
 * still listens on it.
 */
static int sock_stale(const char *path)
{
	struct sockaddr_un sa;
	struct stat sb;
	int fd, err;

	if (lstat(path, &sb))
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(sb.st_mode))
		return -EEXIST; /* a file named by mistake is never removed */
	err = sock_unix_addr(path, &sa);
	if (err)
		return err;
	/*
	 * Only a socket nobody listens on is stale: another instance's stays. Not
	 * blocking: a live server with a full backlog answers EAGAIN.
	 */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	err = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) ? errno : EADDRINUSE;
	close(fd);
	if (err == ENOENT)
		return 0; /* gone since the lstat */
	if (err != ECONNREFUSED)
		return err == EPROTOTYPE || err == EAGAIN ? -EADDRINUSE : -err;
	return 1;
}

const char *sock_strerror(int err)
{
	if (err == -EEXIST)
		return "exists and is not a socket";
	if (err == -EADDRINUSE)
		return "another process listens on it";
	if (err == -ENAMETOOLONG)
		return "path too long for a unix socket";
	return strerror(-err);
}

/* path's directory, opened to be flocked. */
static int open_parent(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd;

	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else
		snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 : (int)(slash - path), path);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int sock_listen_unix(const char *path, mode_t mode, int flags, int backlog, sock_stale_fn stale,
		     void *ctx)
{
	struct sockaddr_un sa;
	int dfd, fd = -1, err;
	bool bound = false;
	mode_t old;

	err = sock_unix_addr(path, &sa);
	if (err)
		return err;
	/*
	 * The directory's flock orders agentgate's processes binding in it: none
	 * finds another's socket bound but not yet listening (refused: "stale"),
	 * nor takes the path between another's check and bind.
	 */
	dfd = open_parent(path);
	if (dfd < 0)
		return dfd;
	if (flock(dfd, LOCK_EX)) {
		err = -errno;
		goto out;
	}
	err = sock_stale(path);
	if (err > 0) {
		if (stale)
			stale(ctx, path);
		err = unlink(path) && errno != ENOENT ? -errno : 0;
	}
	if (err)
		goto out;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | flags, 0);
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	/* Created with mode from the start: no window where others could connect. */
	old = umask(~mode & 0777);
	err = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ? -errno : 0;
	umask(old);
	bound = !err;
	if (!err && chmod(path, mode))
		err = -errno;
	if (!err && listen(fd, backlog))
		err = -errno;
out:
	if (err && bound)
		unlink(path);
	if (err && fd >= 0)
		close(fd);
	close(dfd);
	return err ? err : fd;
}

int sock_notify(const char *msg)
{
	const char *name = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len = name ? strlen(name) : 0;
	socklen_t salen;
	ssize_t n;
	int fd, err = 0;

	if (!len)
		return 0;
	if ((name[0] != '/' && name[0] != '@') || len >= sizeof(sa.sun_path))
		return -EINVAL;
	memcpy(sa.sun_path, name, len);
	if (name[0] == '@')
		sa.sun_path[0] = '\0'; /* abstract: the name is the bytes after the NUL */
	salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + (name[0] == '/'));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	n = sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&sa, salen);
	if (n < 0)
		err = -errno;
	close(fd);
	return err;
}
