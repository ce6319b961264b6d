// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <errno.h>
#include <string.h>
#include <unistd.h>
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

int sock_stale(const char *path)
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
	/* Only a socket nobody listens on is stale: another instance's stays. */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	err = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) ? errno : EADDRINUSE;
	close(fd);
	if (err != ECONNREFUSED)
		return err == EPROTOTYPE ? -EADDRINUSE : -err;
	return 1;
}

int sock_unlink_stale(const char *path)
{
	int err = sock_stale(path);

	if (err <= 0)
		return err;
	return unlink(path) && errno != ENOENT ? -errno : 0;
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
