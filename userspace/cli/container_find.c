// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * A running container by name or id, as `agentgate assign --container` takes
 * it: the engine's own CLI (docker, then podman) gives its id and its init's
 * pid, whose /proc/PID/cgroup is the cgroup the engine made for it. An id no
 * engine knows (a ctr container) is looked for in cgroupfs, by the names
 * engines give (docker-ID.scope, libpod-ID.scope, cri-containerd-ID.scope,
 * or a directory named ID below a cgroup parent), not by any name containing it.
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
#include "util/file.h"

extern char **environ;

/* ENGINE inspect (a container) NAME: its full id and its init's pid (0: stopped), or -ENOENT. */
static int engine_id(const char *engine, const char *name, char *id, size_t idsz, long *pid)
{
	char *argv[] = { (char *)engine, "inspect",	     "--type",	   "container",
			 "--format",	 "{{.Id}} {{.State.Pid}}", (char *)name, NULL };
	posix_spawn_file_actions_t fa;
	char out[512], *sp, *end;
	int p[2], status, err;
	ssize_t n;
	pid_t child;

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], STDOUT_FILENO);
	posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
	err = posix_spawnp(&child, engine, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	if (err) {
		close(p[0]);
		return -err;
	}
	n = read(p[0], out, sizeof(out) - 1);
	close(p[0]);
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	if (n <= 0 || !WIFEXITED(status) || WEXITSTATUS(status))
		return -ENOENT;
	out[n] = '\0';
	out[strcspn(out, "\n")] = '\0';
	sp = strchr(out, ' ');
	if (!sp || sp == out || (size_t)(sp - out) >= idsz)
		return -ENOENT;
	*sp = '\0';
	memcpy(id, out, (size_t)(sp - out) + 1);
	errno = 0;
	*pid = strtol(sp + 1, &end, 10);
	return errno || *end || *pid < 0 ? -ENOENT : 0;
}

static const char *want_id;
static char found[PATH_MAX];
static int nfound;

/* Whether base is a name an engine gives a container's cgroup for (a prefix of) want_id. */
static int engine_name(const char *base)
{
	static const char *const prefixes[] = { "docker-", "libpod-", "cri-containerd-", "" };
	size_t i, k = strlen(want_id);

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		size_t pl = strlen(prefixes[i]);
		const char *rest = base + pl;

		if (strncmp(base, prefixes[i], pl) || strncmp(rest, want_id, k))
			continue;
		rest += k;
		rest += strspn(rest, "0123456789abcdef"); /* the rest of an id given short */
		if (!*rest || (pl && !strcmp(rest, ".scope")))
			return 1;
	}
	return 0;
}

static int visit(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	const char *base = path + ftw->base;

	if (type != FTW_D || !engine_name(base))
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

/* The cgroup of a container an engine knows, from its init's /proc/PID/cgroup. */
static int engine_cgroup(const char *name_or_id, const char *id, long pid,
			 struct found_container *out, char *msg, size_t msgsz)
{
	char *at;
	int err;

	if (pid <= 0 || pid > INT_MAX) {
		snprintf(msg, msgsz, "container %s is not running", name_or_id);
		return -ESRCH;
	}
	err = proc_cgroup((int)pid, out->cgroup, sizeof(out->cgroup));
	/* Its init gone and the pid reused since the engine answered: not the container's. */
	at = err ? NULL : strstr(out->cgroup, id);
	if (!err && !at)
		err = -ESRCH;
	/* The container's own cgroup, not one its init made below it (systemd's init.scope). */
	if (at)
		at[strcspn(at, "/")] = '\0';
	if (err) {
		snprintf(msg, msgsz, "container %s: its cgroup (from /proc/%ld/cgroup): %s",
			 name_or_id, pid, err == -ESRCH ? "it stopped" : strerror(-err));
		return err;
	}
	snprintf(out->id, sizeof(out->id), "%s", id);
	snprintf(out->engine, sizeof(out->engine), "%s", engine_of(out->cgroup));
	snprintf(out->name, sizeof(out->name), "%s", strcmp(id, name_or_id) ? name_or_id : "");
	return 0;
}

int container_find(const char *name_or_id, struct found_container *out, char *msg, size_t msgsz)
{
	static const char root[] = "/sys/fs/cgroup";
	char id[256];
	size_t n = strlen(name_or_id), i;
	int hex = n >= 4;
	long pid = 0;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < n; i++)
		hex &= (name_or_id[i] >= '0' && name_or_id[i] <= '9') ||
		       (name_or_id[i] >= 'a' && name_or_id[i] <= 'f');
	if (!engine_id("docker", name_or_id, id, sizeof(id), &pid) ||
	    !engine_id("podman", name_or_id, id, sizeof(id), &pid))
		return engine_cgroup(name_or_id, id, pid, out, msg, msgsz);
	if (!hex) {
		snprintf(msg, msgsz, "no container '%s' known to docker or podman", name_or_id);
		return -ENOENT;
	}
	snprintf(id, sizeof(id), "%s", name_or_id); /* an id, e.g. of a ctr container */
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
