// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * A running container by name or id, as `agentgate assign --container` takes
 * it: a name is turned into an id by the engine's own CLI (docker, then
 * podman), the id into the cgroup the engine made for it, found in cgroupfs
 * (docker-ID.scope, libpod-ID.scope, cri-containerd-ID.scope, or a directory
 * named ID below a cgroup parent).
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include "container_find.h"

extern char **environ;

/* ENGINE inspect --format {{.Id}} NAME: the full id, or -ENOENT. */
static int engine_id(const char *engine, const char *name, char *id, size_t idsz)
{
	char *argv[] = { (char *)engine, "inspect", "--format", "{{.Id}}", (char *)name, NULL };
	posix_spawn_file_actions_t fa;
	int p[2], status, err;
	ssize_t n;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], STDOUT_FILENO);
	posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
	err = posix_spawnp(&pid, engine, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	if (err) {
		close(p[0]);
		return -err;
	}
	n = read(p[0], id, idsz - 1);
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (n <= 0 || !WIFEXITED(status) || WEXITSTATUS(status))
		return -ENOENT;
	id[n] = '\0';
	id[strcspn(id, "\n")] = '\0';
	return *id ? 0 : -ENOENT;
}

static const char *want_id;
static char found[PATH_MAX];
static int nfound;

static int visit(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	const char *base = path + ftw->base;

	if (type != FTW_D || !strstr(base, want_id))
		return 0;
	/* A scope's children (runc's init.scope for systemd) are the container's too. */
	if (nfound && !strncmp(path, found, strlen(found)))
		return 0;
	snprintf(found, sizeof(found), "%s", path);
	nfound++;
	return 0;
}

static const char *engine_of(const char *cgroup)
{
	if (strstr(cgroup, "libpod-"))
		return "podman";
	if (strstr(cgroup, "cri-containerd-"))
		return "cri";
	if (strstr(cgroup, "docker-") || strstr(cgroup, "/docker/"))
		return "docker";
	return "containerd";
}

int container_find(const char *name_or_id, struct found_container *out, char *msg, size_t msgsz)
{
	static const char root[] = "/sys/fs/cgroup";
	char id[256];
	size_t n = strlen(name_or_id), i;
	int hex = n >= 4;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < n; i++)
		hex &= (name_or_id[i] >= '0' && name_or_id[i] <= '9') ||
		       (name_or_id[i] >= 'a' && name_or_id[i] <= 'f');
	if (engine_id("docker", name_or_id, id, sizeof(id)) &&
	    engine_id("podman", name_or_id, id, sizeof(id))) {
		if (!hex) {
			snprintf(msg, msgsz, "no container '%s' known to docker or podman",
				 name_or_id);
			return -ENOENT;
		}
		snprintf(id, sizeof(id), "%s", name_or_id); /* an id, e.g. of a ctr container */
	}
	want_id = id;
	nfound = 0;
	if (nftw(root, visit, 32, FTW_PHYS) || !nfound) {
		snprintf(msg, msgsz, "container %s has no cgroup below %s (not running?)", id,
			 root);
		return -ENOENT;
	}
	if (nfound > 1) {
		snprintf(msg, msgsz, "'%s' names more than one cgroup: give more of the id",
			 name_or_id);
		return -EEXIST;
	}
	snprintf(out->cgroup, sizeof(out->cgroup), "%s", found + sizeof(root) - 1);
	snprintf(out->id, sizeof(out->id), "%s", id);
	snprintf(out->engine, sizeof(out->engine), "%s", engine_of(out->cgroup));
	snprintf(out->name, sizeof(out->name), "%s", strcmp(id, name_or_id) ? name_or_id : "");
	return 0;
}
