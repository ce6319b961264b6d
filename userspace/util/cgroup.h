/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Walking a cgroup v2 subtree. Any thread; no shared state. */
#ifndef AGENTGATE_UTIL_CGROUP_H
#define AGENTGATE_UTIL_CGROUP_H

#include <stddef.h>
#include <stdint.h>

#define CGROUP_ROOT "/sys/fs/cgroup" /* where agentgate expects the cgroup v2 mount */

/*
 * Calls fn(ctx, tid) for every thread of the cgroup directory dir and of
 * every cgroup below it, 32 levels deep; fn's non-zero return stops the walk
 * and is returned. A cgroup removed during the walk, or that cannot be read,
 * is skipped; dir itself missing: -ENOENT.
 */
int cgroup_threads(const char *dir, int (*fn)(void *ctx, int tid), void *ctx);

/*
 * Calls fn(ctx, id) with the id of dir's cgroup and of every cgroup below it
 * (on cgroup v2 the id is the directory's inode number); fn's non-zero return
 * stops the walk and is returned. Every cgroup or an error: -ELOOP for a tree
 * nested deeper than the walk goes (32 levels), -errno of a directory that
 * cannot be read (dir missing: of its open); one removed meanwhile is skipped.
 */
int cgroup_ids(const char *dir, int (*fn)(void *ctx, uint64_t id), void *ctx);

/*
 * The absolute path of the cgroup with this id at or below dir, found by a
 * walk (for callers without CAP_DAC_READ_SEARCH, which open_by_handle_at
 * takes). 0, -ENOENT when the walk did not find it (gone, nested deeper than
 * 32 levels, or below a directory it cannot read), or -errno.
 */
int cgroup_find(const char *dir, uint64_t id, char *path, size_t pathsz);

/*
 * The cgroup with this id, opened through its kernfs file handle (one
 * syscall, no walk; needs CAP_DAC_READ_SEARCH) on root_fd, any fd of the
 * cgroup2 mount: an O_RDONLY fd, -ESTALE when it is gone, -EPERM without the
 * capability, or -errno.
 */
int cgroup_open_by_id(int root_fd, uint64_t id);

/* The path of the directory open as fd into path: its length, -ENOENT once it is removed, or -errno. */
int cgroup_fd_path(int fd, char *path, size_t pathsz);

#endif /* AGENTGATE_UTIL_CGROUP_H */
