/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * A path resolved the way the kernel resolves it, a component at a time, with
 * every symbolic link met on the way named: what someone who can change a
 * link or a directory could make the path lead to. No state: any thread.
 */
#ifndef AGENTGATE_UTIL_PATH_WALK_H
#define AGENTGATE_UTIL_PATH_WALK_H

#include <stdbool.h>

/*
 * entry: a path without links but perhaps its last component. link: entry is
 * a symbolic link met on the way; last: it is what path names (a link as the
 * final component, or the file path resolves to); neither: a directory the walk
 * entered and left by "..". A nonzero return stops the walk.
 */
typedef int (*path_walk_fn)(void *ctx, const char *entry, bool link, bool last);

/*
 * Calls fn for each symbolic link on the way to path and each directory a ".."
 * leaves, in the order they are met, then for what path resolves to (link false, last true; "/" for the root).
 * A relative path starts at the working directory. 0, fn's first nonzero
 * return, or a negative errno: -ENOENT, -ENOTDIR, -ENAMETOOLONG, -ELOOP after
 * 40 links, as the kernel would.
 */
int path_walk(const char *path, path_walk_fn fn, void *ctx);
/* Strips p's last component: "/a/b" becomes "/a", "/a" becomes "" (the root stays ""). */
void path_strip_last(char *p);

#endif /* AGENTGATE_UTIL_PATH_WALK_H */
