/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* A running container's id, engine and cgroup, from its name or id (container_find.c). */
#ifndef AGENTGATE_CONTAINER_FIND_H
#define AGENTGATE_CONTAINER_FIND_H

#include <limits.h>
#include <stddef.h>

struct found_container {
	char id[256];
	char engine[16];
	char name[256]; /* as the user gave it, when it was a name */
	char cgroup[PATH_MAX]; /* below /sys/fs/cgroup: "/system.slice/docker-ID.scope" */
};

/* 0, or -ENOENT / -EEXIST with msg saying why. */
int container_find(const char *name_or_id, struct found_container *out, char *msg, size_t msgsz);

#endif /* AGENTGATE_CONTAINER_FIND_H */
