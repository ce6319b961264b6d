// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Which policy each cgroup has: assign, unassign, config startup and reload,
 * and the state file that lets a restarted daemon reconcile with the policies
 * the previous one left pinned in the kernel.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "audit/audit.h"
#include "daemon.h"
#include "dns/dns_proxy.h"
#include "loader/loader.h"
#include "util/file.h"

struct prepared {
	struct ag_policy *model;
	struct ag_image img;
	uint64_t cgroup_id;
};

/* What the previous daemon recorded (state file). */
struct prev_assign {
	char cgroup[PATH_MAX];
	char policy[PATH_MAX];
	uint64_t cgroup_id;
	int mode_req;
	int runtime;
};

static void lifecycle(struct daemon *d, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void lifecycle(struct daemon *d, const char *what, const char *fmt, ...)
{
	char detail[2048];
	va_list ap;
	int err;

	if (!d->audit)
		return;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	err = audit_append_lifecycle(d->audit, what, detail);
	if (err && err != d->audit_err)
		daemon_log("audit log: %s", strerror(-err));
	d->audit_err = err;
}

struct daemon_assign *daemon_find_assign(struct daemon *d, const char *cgroup)
{
	size_t i;

	for (i = 0; i < d->nassign; i++)
		if (!strcmp(d->assign[i].cgroup, cgroup))
			return &d->assign[i];
	return NULL;
}

/* mkdir -p of the cgroup (so a config can name cgroups agents are started in later). */
static int ensure_cgroup(const char *name, uint64_t *id)
{
	char path[PATH_MAX];
	int err;

	if (snprintf(path, sizeof(path), "%s%s", DAEMON_CGROUP_ROOT, name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	err = mkdir_p(path, 0755, 0755);
	return err ? err : loader_cgroup_id(path, id);
}

static int prepare(const char *cgroup, const char *policy, int mode_req, struct prepared *pr,
		   char *msg, size_t msgsz)
{
	int err;

	memset(pr, 0, sizeof(*pr));
	err = daemon_compile(policy, mode_req, &pr->model, &pr->img, msg, msgsz);
	if (err)
		return err;
	err = ensure_cgroup(cgroup, &pr->cgroup_id);
	if (err) {
		snprintf(msg, msgsz, "cgroup %s: %s", cgroup, loader_strerror(err));
		policy_free(pr->model);
		image_free(&pr->img);
		pr->model = NULL;
	}
	return err;
}

static void discard(struct prepared *pr)
{
	if (pr->model)
		policy_free(pr->model);
	if (pr->img.data)
		image_free(&pr->img);
}

static void entry_free(struct daemon_assign *a)
{
	free(a->cgroup);
	free(a->policy_path);
	free(a->name);
	free(a->error);
}

static void set_error(struct daemon_assign *a, const char *msg)
{
	free(a->error);
	a->error = msg ? strdup(msg) : NULL;
}

/* Installs pr for cgroup (replacing its policy atomically) and records it. Frees pr. */
static int commit(struct daemon *d, const char *cgroup, const char *policy, int mode_req,
		  int runtime, struct prepared *pr, char *msg, size_t msgsz)
{
	struct daemon_assign *a, *grown;
	struct dns_proxy *dns = NULL;
	struct ag_policy *model;
	char sha[65];
	int err;

	/* Before the install: a confined agent must never be able to rewrite its policy. */
	err = loader_protect(d->loader, policy, true);
	if (!err)
		err = loader_install(d->loader, pr->cgroup_id, &pr->img);
	if (err) {
		snprintf(msg, msgsz, "installing the policy for %s: %s", cgroup,
			 loader_strerror(err));
		discard(pr);
		return err;
	}
	a = daemon_find_assign(d, cgroup);
	if (a && a->dns && a->cgroup_id != pr->cgroup_id)
		daemon_dns_stop(d, a); /* the cgroup was recreated */
	if (a && a->dns)
		err = dns_proxy_set_image(a->dns, &pr->img);
	else
		err = dns_proxy_start(&dns, d->loader, pr->cgroup_id, &pr->img, d->dns_notify_fd);
	image_free(&pr->img);
	if (err) {
		/* The policy is in force; without a proxy its names do not resolve (fail closed). */
		daemon_log("%s: DNS proxy: %s", cgroup, loader_strerror(err));
		dns = NULL;
	}
	if (!a) {
		grown = realloc(d->assign, (d->nassign + 1) * sizeof(*d->assign));
		if (!grown) {
			dns_proxy_free(dns);
			discard(pr);
			return -ENOMEM;
		}
		d->assign = grown;
		a = &d->assign[d->nassign++];
		memset(a, 0, sizeof(*a));
		a->cgroup = strdup(cgroup);
	}
	if (dns)
		a->dns = dns;
	if (a->policy_path != policy) {
		free(a->policy_path);
		a->policy_path = strdup(policy);
	}
	free(a->name);
	a->name = strdup(pr->model->name ? pr->model->name : "");
	set_error(a, NULL);
	a->cgroup_id = pr->cgroup_id;
	a->mode_req = mode_req;
	a->mode = pr->model->mode;
	a->runtime = runtime;
	memcpy(a->sha256, pr->model->sha256, 32);
	model = daemon_model_keep(d, pr->model);
	pr->model = NULL;
	if (!a->cgroup || !a->policy_path || !a->name || !model)
		return -ENOMEM;
	daemon_sha_hex(a->sha256, sha);
	lifecycle(d, "policy_load", "cgroup=%s policy=%s name=%s mode=%s sha256=%s source=%s",
		  cgroup, policy, a->name, daemon_mode_name(a->mode), sha,
		  runtime ? "runtime" : "config");
	return 0;
}

static void drop_entry(struct daemon *d, struct daemon_assign *a)
{
	size_t i = (size_t)(a - d->assign);

	daemon_dns_stop(d, a);
	entry_free(a);
	memmove(a, a + 1, (d->nassign - i - 1) * sizeof(*a));
	d->nassign--;
}

int daemon_assign_cgroup(struct daemon *d, const char *cgroup, const char *policy_path,
			 int mode_req, int runtime, char *msg, size_t msgsz)
{
	char name[PATH_MAX], policy[PATH_MAX];
	struct prepared pr;
	int err;

	if (daemon_cgroup_name(cgroup, name, sizeof(name))) {
		snprintf(msg, msgsz, "'%s' is not a cgroup below %s (not the root, no '..')",
			 cgroup, DAEMON_CGROUP_ROOT);
		return -EINVAL;
	}
	/* The daemon's cwd is not the client's: policies are named by absolute paths. */
	if (policy_path[0] != '/') {
		snprintf(msg, msgsz, "policy path '%s' must be absolute", policy_path);
		return -EINVAL;
	}
	snprintf(policy, sizeof(policy), "%s", policy_path);
	err = prepare(name, policy, mode_req, &pr, msg, msgsz);
	if (err)
		return err;
	err = commit(d, name, policy, mode_req, runtime, &pr, msg, msgsz);
	if (err)
		return err;
	daemon_models_prune(d);
	err = daemon_state_save(d);
	if (err)
		daemon_log("writing %s: %s", d->cfg->state_file, strerror(-err));
	return 0;
}

static int remove_policy(struct daemon *d, struct daemon_assign *a, const char *why)
{
	int err = loader_remove(d->loader, a->cgroup_id);

	if (err && err != -ENOENT)
		return err;
	lifecycle(d, "policy_unload", "cgroup=%s policy=%s reason=%s", a->cgroup, a->policy_path,
		  why);
	drop_entry(d, a);
	return 0;
}

int daemon_unassign_cgroup(struct daemon *d, const char *cgroup, char *msg, size_t msgsz)
{
	struct daemon_assign *a;
	char name[PATH_MAX];
	int err;

	if (daemon_cgroup_name(cgroup, name, sizeof(name))) {
		snprintf(msg, msgsz, "'%s' is not a cgroup below %s", cgroup, DAEMON_CGROUP_ROOT);
		return -EINVAL;
	}
	a = daemon_find_assign(d, name);
	if (!a) {
		snprintf(msg, msgsz, "%s has no policy assigned by the daemon", name);
		return -ENOENT;
	}
	err = remove_policy(d, a, "unassign");
	if (err) {
		snprintf(msg, msgsz, "removing the policy of %s: %s", name, loader_strerror(err));
		return err;
	}
	daemon_models_prune(d);
	err = daemon_state_save(d);
	if (err)
		daemon_log("writing %s: %s", d->cfg->state_file, strerror(-err));
	return 0;
}

int daemon_state_save(struct daemon *d)
{
	char tmp[PATH_MAX];
	json_t *o, *list;
	size_t i;
	int err = 0;

	list = json_array();
	for (i = 0; list && i < d->nassign; i++) {
		const struct daemon_assign *a = &d->assign[i];

		json_array_append_new(
			list,
			json_pack("{s:s, s:I, s:s, s:s, s:b}", "cgroup", a->cgroup, "cgroup_id",
				  (json_int_t)a->cgroup_id, "policy", a->policy_path, "mode",
				  a->mode_req == DAEMON_MODE_POLICY ? "policy" :
								      daemon_mode_name(a->mode_req),
				  "runtime", a->runtime));
	}
	o = json_pack("{s:i, s:I, s:o}", "version", 1, "drops", (json_int_t)d->drops_seen,
		      "assignments", list);
	if (!o)
		return -ENOMEM;
	snprintf(tmp, sizeof(tmp), "%s.tmp", d->cfg->state_file);
	if (json_dump_file(o, tmp, JSON_COMPACT) || rename(tmp, d->cfg->state_file))
		err = errno ? -errno : -EIO;
	json_decref(o);
	return err;
}

/* The previous daemon's assignments; 0 entries when there is no state file. */
static int state_load(struct daemon *d, struct prev_assign **out, size_t *n, int *have_drops,
		      uint64_t *drops)
{
	json_error_t jerr;
	json_t *o, *list, *it;
	size_t i;
	const char *cg, *pol, *mode;
	json_int_t id, dr;
	int rt;

	*out = NULL;
	*n = 0;
	*have_drops = 0;
	o = json_load_file(d->cfg->state_file, 0, &jerr);
	if (!o)
		return access(d->cfg->state_file, F_OK) ? 0 : -EBADMSG;
	if (!json_unpack(o, "{s:I}", "drops", &dr)) {
		*have_drops = 1;
		*drops = (uint64_t)dr;
	}
	list = json_object_get(o, "assignments");
	*out = calloc(json_array_size(list) + 1, sizeof(**out));
	if (!*out) {
		json_decref(o);
		return -ENOMEM;
	}
	json_array_foreach(list, i, it)
	{
		struct prev_assign *p = &(*out)[*n];

		if (json_unpack(it, "{s:s, s:I, s:s, s:s, s:b}", "cgroup", &cg, "cgroup_id", &id,
				"policy", &pol, "mode", &mode, "runtime", &rt))
			continue;
		snprintf(p->cgroup, sizeof(p->cgroup), "%s", cg);
		snprintf(p->policy, sizeof(p->policy), "%s", pol);
		p->cgroup_id = (uint64_t)id;
		p->mode_req = daemon_parse_mode(mode);
		if (p->mode_req < 0)
			p->mode_req = DAEMON_MODE_POLICY;
		p->runtime = rt;
		(*n)++;
	}
	json_decref(o);
	return 0;
}

static const struct daemon_assignment *config_find(const struct daemon_config *c,
						   const char *cgroup)
{
	size_t i;

	for (i = 0; i < c->nassignments; i++)
		if (!strcmp(c->assignments[i].cgroup, cgroup))
			return &c->assignments[i];
	return NULL;
}

/* A policy the previous daemon installed that this one cannot recompile: keep the kernel's copy. */
static int adopt_as_is(struct daemon *d, const struct prev_assign *p, const char *why)
{
	struct daemon_assign *grown, *a;

	grown = realloc(d->assign, (d->nassign + 1) * sizeof(*d->assign));
	if (!grown)
		return -ENOMEM;
	d->assign = grown;
	a = &d->assign[d->nassign++];
	memset(a, 0, sizeof(*a));
	a->cgroup = strdup(p->cgroup);
	a->policy_path = strdup(p->policy);
	a->cgroup_id = p->cgroup_id;
	a->mode_req = p->mode_req;
	a->runtime = 1;
	set_error(a, why);
	return a->cgroup && a->policy_path ? 0 : -ENOMEM;
}

static void reconcile(struct daemon *d, const struct prev_assign *prev, size_t nprev)
{
	struct prepared pr;
	char msg[1536];
	size_t i;
	int err;

	for (i = 0; i < nprev; i++) {
		const struct prev_assign *p = &prev[i];
		struct daemon_assign *now = daemon_find_assign(d, p->cgroup);

		if (now && now->cgroup_id == p->cgroup_id)
			continue; /* reinstalled from the config */
		if (now || !p->runtime) {
			/* Gone from the config, or the cgroup was recreated (a new id). */
			err = loader_remove(d->loader, p->cgroup_id);
			if (!err)
				lifecycle(d, "policy_unload", "cgroup=%s policy=%s reason=%s",
					  p->cgroup, p->policy,
					  now ? "cgroup recreated" : "no longer in the config");
			else if (err != -ENOENT)
				daemon_log("removing the old policy of %s: %s", p->cgroup,
					   loader_strerror(err));
			continue;
		}
		/* A runtime assignment: it lasts until unassigned, across daemon restarts. */
		err = prepare(p->cgroup, p->policy, p->mode_req, &pr, msg, sizeof(msg));
		if (!err && pr.cgroup_id != p->cgroup_id) {
			discard(&pr);
			loader_remove(d->loader, p->cgroup_id);
			continue; /* the cgroup was removed: its policy went with it */
		}
		if (!err)
			err = commit(d, p->cgroup, p->policy, p->mode_req, 1, &pr, msg,
				     sizeof(msg));
		if (err) {
			daemon_log("%s: %s; the policy installed earlier stays in force", p->cgroup,
				   msg);
			if (adopt_as_is(d, p, msg))
				daemon_log("out of memory");
		}
	}
}

int daemon_apply_startup(struct daemon *d, char *msg, size_t msgsz)
{
	const struct daemon_config *c = d->cfg;
	struct prepared *pr;
	struct prev_assign *prev = NULL;
	size_t i, nprev = 0;
	uint64_t drops = 0, now = 0;
	int err = 0, serr, have_drops;

	pr = calloc(c->nassignments + 1, sizeof(*pr));
	if (!pr)
		return -ENOMEM;
	/* Everything compiles, or nothing changes. */
	for (i = 0; i < c->nassignments && !err; i++)
		err = prepare(c->assignments[i].cgroup, c->assignments[i].policy,
			      c->assignments[i].mode, &pr[i], msg, msgsz);
	if (!err) {
		err = state_load(d, &prev, &nprev, &have_drops, &drops);
		if (err)
			snprintf(msg, msgsz, "%s: %s (remove it to start afresh)", c->state_file,
				 err == -EBADMSG ? "not a daemon state file" : strerror(-err));
	}
	if (err) {
		for (i = 0; i < c->nassignments; i++)
			discard(&pr[i]);
		free(pr);
		return err;
	}
	/* Drops while no daemon ran become a gap; a first daemon starts from the current count. */
	loader_drops(d->loader, &now);
	d->drops_seen = have_drops && drops <= now ? drops : now;
	for (i = 0; i < c->nassignments; i++) {
		const struct daemon_assignment *a = &c->assignments[i];

		if (!err)
			err = commit(d, a->cgroup, a->policy, a->mode, 0, &pr[i], msg, msgsz);
		else
			discard(&pr[i]);
	}
	free(pr);
	reconcile(d, prev, nprev);
	free(prev);
	daemon_models_prune(d);
	serr = daemon_state_save(d);
	if (serr)
		daemon_log("writing %s: %s", c->state_file, strerror(-serr));
	return err;
}

int daemon_apply_reload(struct daemon *d, struct daemon_config *cfg)
{
	struct daemon_assignment *swap;
	struct daemon_assign *a;
	struct prepared pr;
	char msg[1536];
	size_t i, nswap;
	int failures = 0, err;

	for (i = 0; i < cfg->nassignments; i++) {
		const struct daemon_assignment *na = &cfg->assignments[i];

		err = prepare(na->cgroup, na->policy, na->mode, &pr, msg, sizeof(msg));
		if (!err)
			err = commit(d, na->cgroup, na->policy, na->mode, 0, &pr, msg, sizeof(msg));
		if (!err)
			continue;
		failures++;
		a = daemon_find_assign(d, na->cgroup);
		daemon_log("reload: %s; %s", msg,
			   a ? "the current policy stays in force" : "the cgroup stays unassigned");
		lifecycle(d, "policy_error", "cgroup=%s error=%s", na->cgroup, msg);
		if (a)
			set_error(a, msg);
	}
	/* Config assignments the new config no longer has. */
	for (i = 0; i < d->nassign;) {
		a = &d->assign[i];
		if (a->runtime || config_find(cfg, a->cgroup)) {
			i++;
			continue;
		}
		err = remove_policy(d, a, "no longer in the config");
		if (err) {
			daemon_log("reload: removing the policy of %s: %s", a->cgroup,
				   loader_strerror(err));
			failures++;
			i++;
		}
	}
	/* Sockets, state file and audit settings stay as started: they need a restart. */
	swap = d->cfg->assignments;
	nswap = d->cfg->nassignments;
	d->cfg->assignments = cfg->assignments;
	d->cfg->nassignments = cfg->nassignments;
	cfg->assignments = swap;
	cfg->nassignments = nswap;
	daemon_models_prune(d);
	err = daemon_state_save(d);
	if (err)
		daemon_log("writing %s: %s", d->cfg->state_file, strerror(-err));
	lifecycle(d, "daemon_reload", "config=%s failures=%d", d->config_path ? d->config_path : "",
		  failures);
	return failures;
}

void daemon_assign_free_all(struct daemon *d)
{
	size_t i;

	for (i = 0; i < d->nassign; i++)
		entry_free(&d->assign[i]);
	free(d->assign);
	d->assign = NULL;
	d->nassign = 0;
}
