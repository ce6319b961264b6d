// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* path_walk(): realpath(3) with a call for every symbolic link it follows. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "util/path_walk.h"

#define LINKS_MAX 40 /* the kernel's MAXSYMLINKS */

void path_strip_last(char *p)
{
	char *slash = strrchr(p, '/');

	if (slash)
		*slash = '\0';
}

/* Appends "/name" to done (a path without links, "" for the root). */
static int join(char *done, const char *name, size_t len)
{
	size_t n = strlen(done);

	if (n + 1 + len >= PATH_MAX)
		return -ENAMETOOLONG;
	done[n] = '/';
	memcpy(done + n + 1, name, len);
	done[n + 1 + len] = '\0';
	return 0;
}

int path_walk(const char *path, path_walk_fn fn, void *ctx)
{
	char done[PATH_MAX], todo[PATH_MAX], link[PATH_MAX], rest[PATH_MAX];
	const char *c, *e;
	struct stat sb;
	int links = 0, err;
	ssize_t n;

	if (!path[0])
		return -ENOENT;
	if (snprintf(todo, sizeof(todo), "%s", path) >= (int)sizeof(todo))
		return -ENAMETOOLONG;
	done[0] = '\0';
	if (path[0] != '/' && !getcwd(done, sizeof(done)))
		return -errno;
	if (!strcmp(done, "/"))
		done[0] = '\0';
	for (c = todo; *c;) {
		while (*c == '/')
			c++;
		e = strchrnul(c, '/');
		if (e == c)
			break;
		if (e - c <= 2 && !strncmp(c, "..", (size_t)(e - c))) {
			/* A directory left by "..": whoever could replace it could send ".." elsewhere. */
			if (e - c == 2 && done[0]) {
				err = fn(ctx, done, false, false);
				if (err)
					return err;
				path_strip_last(done);
			}
			c = e;
			continue;
		}
		err = join(done, c, (size_t)(e - c));
		if (err)
			return err;
		c = e;
		if (lstat(done, &sb))
			return -errno;
		if (!S_ISLNK(sb.st_mode)) {
			/* "file/..", "file/x": the kernel's answer, not a walk past a file. */
			if (*c && !S_ISDIR(sb.st_mode))
				return -ENOTDIR;
			continue;
		}
		if (++links > LINKS_MAX)
			return -ELOOP;
		n = readlink(done, link, sizeof(link) - 1);
		if (n <= 0)
			return n ? -errno : -ENOENT; /* an empty link leads nowhere */
		link[n] = '\0';
		while (*c == '/')
			c++;
		err = fn(ctx, done, true, !*c);
		if (err)
			return err;
		path_strip_last(done);
		/* The link's target, then what was left of the path (c points into todo). */
		if (snprintf(rest, sizeof(rest), "%s%s%s", link, *c ? "/" : "", c) >=
		    (int)sizeof(rest))
			return -ENAMETOOLONG;
		memcpy(todo, rest, strlen(rest) + 1);
		c = todo;
		if (link[0] == '/')
			done[0] = '\0';
	}
	return fn(ctx, done[0] ? done : "/", false, true);
}
