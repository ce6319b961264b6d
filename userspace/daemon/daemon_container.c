// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Containers (docs/containers.md): the runtime wrapper (cli/runtime_cmd.c)
 * asks to bind between the runtime's create and start; the policy is the one
 * the container names (annotation or environment), else the first matching
 * selector of the config, else none (the container is left alone). The
 * binding is an assignment of the container's cgroup, armed at the
 * entrypoint's execve (on_exec), that records carry the container's names
 * for and that goes when the engine deletes the cgroup.
 *
 * Runs on the daemon's thread, like every daemon_* function.
 */
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "daemon.h"
#include "control.h"
#include "loader/loader.h"
#include "oci.h"
#include "util/file.h"

static void view(struct daemon_container *c)
{
	c->view = (struct audit_container){ .id = c->id,
					    .engine = c->engine,
					    .name = c->name,
					    .image = c->image,
					    .pod = c->pod,
					    .pod_namespace = c->pod_namespace };
}

static struct daemon_container *make(const char *id, const char *engine, const char *name,
				     const char *image, const char *pod, const char *ns)
{
	struct daemon_container *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->id = strdup(id ? id : "");
	c->engine = strdup(engine ? engine : "");
	c->name = strdup(name ? name : "");
	c->image = strdup(image ? image : "");
	c->pod = strdup(pod ? pod : "");
	c->pod_namespace = strdup(ns ? ns : "");
	if (!c->id || !c->engine || !c->name || !c->image || !c->pod || !c->pod_namespace) {
		daemon_container_free(c);
		return NULL;
	}
	view(c);
	return c;
}

struct daemon_container *daemon_container_dup(const struct daemon_container *c)
{
	return make(c->id, c->engine, c->name, c->image, c->pod, c->pod_namespace);
}

void daemon_container_free(struct daemon_container *c)
{
	if (!c)
		return;
	free(c->id);
	free(c->engine);
	free(c->name);
	free(c->image);
	free(c->pod);
	free(c->pod_namespace);
	free(c);
}

json_t *daemon_container_json(const struct daemon_container *c)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "id", c->id, "engine", c->engine, "name",
			 c->name, "image", c->image, "pod", c->pod, "namespace", c->pod_namespace);
}

/* An id as engines write them: 1..128 of [A-Za-z0-9_.-]; it lands in records and paths. */
static int id_valid(const char *s)
{
	size_t i, n = strlen(s);

	if (!n || n > 128)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '.' || s[i] == '-'))
			return 0;
	return 1;
}

struct daemon_container *daemon_container_from_json(json_t *o)
{
	const char *id = NULL, *engine = NULL, *name = "", *image = "", *pod = "", *ns = "";

	if (!o ||
	    json_unpack(o, "{s:s, s:s, s?:s, s?:s, s?:s, s?:s}", "id", &id, "engine", &engine,
			"name", &name, "image", &image, "pod", &pod, "namespace", &ns) ||
	    !id_valid(id))
		return NULL;
	return make(id, engine, name, image, pod, ns);
}

/* A selector field matches when absent, or as a glob on what the engine told. */
static int field_match(const char *pattern, const char *value)
{
	return !pattern || !fnmatch(pattern, value ? value : "", 0);
}

static const struct daemon_selector *select_policy(const struct daemon_containers *c,
						   const struct daemon_container *ctr)
{
	size_t i;

	for (i = 0; i < c->nselectors; i++) {
		const struct daemon_selector *s = &c->selectors[i];

		if (field_match(s->image, ctr->image) && field_match(s->name, ctr->name) &&
		    field_match(s->engine, ctr->engine) &&
		    field_match(s->pod_namespace, ctr->pod_namespace))
			return s;
	}
	return NULL;
}

json_t *daemon_container_bind(struct daemon *d, json_t *req)
{
	const char *cgroup = NULL, *policy = "", *from = "", *id = NULL, *engine = "", *name = "",
		   *image = "", *pod = "", *ns = "";
	struct daemon_assign_req ar = { .runtime = 1, .on_exec = 1 };
	const struct daemon_selector *sel;
	struct daemon_container *ctr;
	char path[PATH_MAX], actual[PATH_MAX], want[PATH_MAX], msg[1536], dname[256], dimage[512];
	json_t *resp;
	int pid = 0;

	if (json_unpack(req, "{s:s, s:s, s?:i, s?:s, s?:s, s?:s, s?:s, s?:s, s?:s, s?:s}", "id",
			&id, "cgroup", &cgroup, "pid", &pid, "policy", &policy, "policy_from",
			&from, "engine", &engine, "name", &name, "image", &image, "pod", &pod,
			"namespace", &ns))
		return control_error("container_bind needs \"id\" and \"cgroup\" strings");
	if (!id_valid(id))
		return control_error("container id '%s' is not 1 to 128 of [A-Za-z0-9_.-]", id);
	/*
	 * Docker 20.10 tells its runtime neither: dockerd's own file does (best effort),
	 * and it, not what the starter annotated, names a Docker container.
	 */
	if (!strcmp(engine, "docker") &&
	    !docker_meta(d->cfg->containers.docker_root, id, dname, sizeof(dname), dimage,
			 sizeof(dimage))) {
		name = dname;
		image = dimage;
	}
	ctr = make(id, engine, name, image, pod, ns);
	if (!ctr)
		return control_error("out of memory");
	ar.mode_req = DAEMON_MODE_POLICY;
	/* The name comes from whoever starts the container, the image's ENV too. */
	if (d->cfg->containers.names_ignored)
		policy = "";
	if (!*policy) {
		sel = select_policy(&d->cfg->containers, ctr);
		if (sel) {
			policy = sel->policy;
			from = "selector";
			ar.mode_req = sel->mode;
		} else if (d->cfg->containers.default_policy) {
			policy = d->cfg->containers.default_policy;
			from = "default_policy";
		} else {
			daemon_container_free(ctr);
			return json_pack("{s:b, s:b}", "ok", 1, "bound", 0);
		}
	}
	resp = NULL;
	if (!oci_policy_name_valid(policy))
		resp = control_error("policy name '%s' is not 1 to 64 of [A-Za-z0-9._-]", policy);
	else if (snprintf(path, sizeof(path), "%s/%s.yaml", d->cfg->containers.policies_dir,
			  policy) >= (int)sizeof(path))
		resp = control_error("policy path too long");
	else if (access(path, R_OK))
		resp = control_error("no policy '%s' (%s: %s); the container asked for it by %s",
				     policy, path, strerror(errno), *from ? from : "name");
	else if (daemon_cgroup_name(cgroup, want, sizeof(want)))
		resp = control_error("'%s' is not a cgroup below %s", cgroup, DAEMON_CGROUP_ROOT);
	/* The wrapper's word is checked against the kernel's: the init must be in that cgroup. */
	else if (pid > 0 && (proc_cgroup(pid, actual, sizeof(actual)) || strcmp(actual, want)))
		resp = control_error("the container's init (pid %d) is not in cgroup %s", pid,
				     want);
	if (resp) {
		daemon_container_free(ctr);
		return resp;
	}
	ar.cgroup = want;
	ar.policy = path;
	ar.container = ctr;
	if (daemon_assign_cgroup(d, &ar, msg, sizeof(msg)))
		resp = control_error("%s", msg);
	else
		resp = json_pack("{s:b, s:b, s:s, s:s}", "ok", 1, "bound", 1, "policy", path,
				 "cgroup", want);
	daemon_container_free(ctr);
	return resp;
}

void daemon_containers_gc(struct daemon *d)
{
	char path[PATH_MAX], msg[1536];
	size_t i;

	for (i = 0; i < d->nassign;) {
		struct daemon_assign *a = &d->assign[i];

		snprintf(path, sizeof(path), "%s%s", DAEMON_CGROUP_ROOT, a->s.cgroup);
		if (!a->container || access(path, F_OK) == 0 || errno != ENOENT) {
			i++;
			continue;
		}
		/* Every record of the container is written before its names go. */
		daemon_drain_all(d);
		if (daemon_unassign_cgroup(d, a->s.cgroup, msg, sizeof(msg))) {
			daemon_log("container %s: %s", a->container->id, msg);
			i++;
		}
	}
}

static int unasked_mark(const char *config_path, const struct daemon_config *cfg, bool *kept)
{
	char line[PATH_MAX + 64];
	int n, err;

	*kept = false;
	/*
	 * By identity: a link at the default path to the file read counts. With no
	 * file (the defaults, which bind nothing) the wrapper finds none either.
	 */
	if (config_path && !file_same(config_path, DAEMON_DEFAULT_CONFIG))
		return 0;
	if (!config_path || !daemon_config_binds_unasked(cfg)) {
		if (unlink(DAEMON_UNASKED_MARK))
			return errno == ENOENT ? 0 : -errno;
		return file_sync_dir(DAEMON_UNASKED_MARK);
	}
	n = snprintf(line, sizeof(line),
		     "%s binds containers that ask for no policy (agentgate-runc)\n", config_path);
	if (n < 0 || n >= (int)sizeof(line))
		return -ENAMETOOLONG;
	err = mkdir_parent(DAEMON_UNASKED_MARK, 0755, 0755);
	if (!err)
		err = file_replace(DAEMON_UNASKED_MARK, line, (size_t)n, 0644);
	*kept = !err;
	return err;
}

void daemon_unasked_mark(struct daemon *d)
{
	int err = unasked_mark(d->config_path, d->cfg, &d->unasked_mark);

	if (err)
		daemon_log("%s: %s (with no daemon running and no config on the host, the runtime "
			   "wrapper would start containers that ask for no policy untouched)",
			   DAEMON_UNASKED_MARK, strerror(-err));
}
