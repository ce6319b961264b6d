// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Walking a cgroup v2 subtree. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cgroup.h"
#include "file.h"

#define MAX_DEPTH 32 /* the walk's bound; delegated subtrees may nest deeper, rarely */

/*
 * strict: every cgroup must be visited (a caller removes what it did not see):
 * a subtree past MAX_DEPTH or a directory that cannot be read is an error.
 * Otherwise those are skipped.
 */
struct walker {
	int (*visit)(void *vctx, int dfd);
	void *vctx;
	int strict;
};

/* Calls w->visit for dfd's directory and every one below it; takes dfd. */
static int walk(const struct walker *w, int dfd, int depth)
{
	struct dirent *de;
	int fd, err;
	DIR *d;

	err = w->visit(w->vctx, dfd);
	if (err || (depth >= MAX_DEPTH && !w->strict)) {
		close(dfd);
		return err;
	}
	d = fdopendir(dfd);
	if (!d) {
		err = errno;
		close(dfd);
		return w->strict && err != ENOENT ? -err : 0; /* ENOENT: removed meanwhile */
	}
	errno = 0;
	while (!err && (de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		if (depth >= MAX_DEPTH) {
			err = -ELOOP; /* strict, and deeper than walked */
			break;
		}
		fd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0)
			err = walk(w, fd, depth + 1);
		else if (w->strict && errno != ENOENT)
			err = -errno;
		errno = 0;
	}
	if (!err && !de && errno && w->strict)
		err = -errno;
	closedir(d);
	return err;
}

static int walk_dir(const char *dir, int strict, int (*visit)(void *vctx, int dfd), void *vctx)
{
	struct walker w = { visit, vctx, strict };
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	return walk(&w, fd, 0);
}

struct threads_walk {
	int (*fn)(void *ctx, int tid);
	void *ctx;
};

static int visit_threads(void *vctx, int dfd)
{
	struct threads_walk *w = vctx;
	int fd, tid, err = 0;
	FILE *f;

	fd = openat(dfd, "cgroup.threads", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0; /* removed meanwhile */
	f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return 0;
	}
	while (!err && fscanf(f, "%d", &tid) == 1)
		err = w->fn(w->ctx, tid);
	fclose(f);
	return err;
}

int cgroup_threads(const char *dir, int (*fn)(void *ctx, int tid), void *ctx)
{
	struct threads_walk w = { fn, ctx };

	return walk_dir(dir, 0, visit_threads, &w);
}

struct ids_walk {
	int (*fn)(void *ctx, uint64_t id);
	void *ctx;
};

static int visit_id(void *vctx, int dfd)
{
	struct ids_walk *w = vctx;
	struct stat st;

	/* A cgroup left out would look gone to a caller that removes what is gone: stop. */
	if (fstat(dfd, &st))
		return -errno;
	return w->fn(w->ctx, st.st_ino);
}

int cgroup_ids(const char *dir, int (*fn)(void *ctx, uint64_t id), void *ctx)
{
	struct ids_walk w = { fn, ctx };

	return walk_dir(dir, 1, visit_id, &w);
}

struct find_walk {
	uint64_t id;
	char *path;
	size_t pathsz;
	int err;
};

int cgroup_fd_path(int fd, char *path, size_t pathsz)
{
	char link[64];
	int n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = link_read(link, path, pathsz);
	/* Removed since it was opened: the kernel says so after the path. */
	if (n >= (int)sizeof(" (deleted)") - 1 &&
	    !strcmp(path + n - (sizeof(" (deleted)") - 1), " (deleted)"))
		return -ENOENT;
	return n;
}

/* FILEID_KERNFS (include/linux/exportfs.h): a kernfs node's handle is its 64-bit id. */
#define FILEID_KERNFS 0xfe

int cgroup_open_by_id(int root_fd, uint64_t id)
{
	struct {
		struct file_handle fh;
		uint64_t id;
	} h = { .fh = { .handle_bytes = sizeof(uint64_t), .handle_type = FILEID_KERNFS },
		.id = id };
	int fd = open_by_handle_at(root_fd, &h.fh, O_RDONLY | O_CLOEXEC);

	if (fd >= 0)
		return fd;
	/* Kernels answer a removed cgroup's id with either. */
	return errno == ENOENT || errno == ESTALE ? -ESTALE : -errno;
}

static int visit_find(void *vctx, int dfd)
{
	struct find_walk *w = vctx;
	struct stat st;

	if (fstat(dfd, &st) || st.st_ino != w->id)
		return 0;
	w->err = cgroup_fd_path(dfd, w->path, w->pathsz);
	return 1;
}

int cgroup_find(const char *dir, uint64_t id, char *path, size_t pathsz)
{
	struct find_walk w = { id, path, pathsz, -ENOENT };
	int err = walk_dir(dir, 0, visit_find, &w);

	if (err < 0)
		return err;
	return w.err < 0 ? w.err : 0;
}
