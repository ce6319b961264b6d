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
#include "loader/loader.h"
#include "metrics/metrics.h"
#include "util/file.h"

/*
 * A policy compiled for a cgroup that exists, not yet installed. prepare()
 * fills it completely or leaves it empty; whoever holds a filled one either
 * hands it to commit() or discard()s it.
 */
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
	int on_exec;
	struct daemon_container *container; /* owned; NULL when none */
};

static void lifecycle(struct daemon *d, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void lifecycle(struct daemon *d, const char *what, const char *fmt, ...)
{
	char detail[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	session_log_lifecycle(&d->log, what, detail);
}

struct daemon_assign *daemon_find_assign(struct daemon *d, const char *cgroup)
{
	size_t i;

	for (i = 0; i < d->nassign; i++)
		if (!strcmp(d->assign[i].s.cgroup, cgroup))
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

static int existing_cgroup(const char *name, uint64_t *id)
{
	char path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s%s", DAEMON_CGROUP_ROOT, name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	return loader_cgroup_id(path, id);
}

static void discard(struct prepared *pr)
{
	policy_free(pr->model);
	image_free(&pr->img);
	memset(pr, 0, sizeof(*pr));
}

static int prepare(const struct daemon *d, const struct daemon_assign_req *req, struct prepared *pr,
		   char *msg, size_t msgsz)
{
	int err;

	memset(pr, 0, sizeof(*pr));
	err = session_load(req->policy, req->mode_req, &pr->model, msg, msgsz);
	if (err) {
		metrics_count(d->metrics, MC_COMPILE_ERRORS, 1);
		return err;
	}
	/* The same sources compiled before (another container of this policy): a copy. */
	if (!daemon_model_image(d, pr->model->sha256, &pr->img))
		((struct ag_image_hdr *)pr->img.data)->mode = pr->model->mode;
	else
		err = session_compile_model(pr->model, req->policy, &pr->img, msg, msgsz);
	if (err) {
		metrics_count(d->metrics, MC_COMPILE_ERRORS, 1);
		discard(pr);
		return err;
	}
	image_set_on_exec(&pr->img, req->on_exec);
	/* A container's cgroup is the engine's: it must exist, never be made here. */
	err = req->container ? existing_cgroup(req->cgroup, &pr->cgroup_id) :
			       ensure_cgroup(req->cgroup, &pr->cgroup_id);
	if (err) {
		snprintf(msg, msgsz, "cgroup %s: %s", req->cgroup, loader_strerror(err));
		discard(pr);
	}
	return err;
}

/* Room for one more entry (nassign unchanged): recording an installed policy cannot fail. */
static int reserve(struct daemon *d)
{
	struct daemon_assign *grown = realloc(d->assign, (d->nassign + 1) * sizeof(*d->assign));

	if (!grown)
		return -ENOMEM;
	d->assign = grown;
	return 0;
}

static void entry_free(struct daemon_assign *a)
{
	session_release(&a->s);
	image_free(&a->img);
	daemon_container_free(a->container);
	free(a->policy_path);
	free(a->name);
	free(a->error);
}

static void set_error(struct daemon_assign *a, const char *msg)
{
	free(a->error);
	a->error = msg ? strdup(msg) : NULL;
}

/*
 * Installs pr for cgroup (replacing its policy atomically) and records it.
 *
 * Ownership: commit() takes pr on every path and leaves it empty. Whatever
 * can fail for want of memory is allocated before the install (the entry's
 * room, its strings, a session for a new or recreated cgroup), and freed
 * here, with pr, when anything up to the install fails: then nothing has
 * changed. After the install, pr's image is kept by the entry (the ask
 * socket answers from it) and its model goes to d->models; a DNS proxy that does not
 * start is reported and leaves the cgroup without DNS (fail closed).
 */
static int commit(struct daemon *d, const struct daemon_assign_req *req, struct prepared *pr,
		  char *msg, size_t msgsz)
{
	const char *cgroup = req->cgroup, *policy = req->policy;
	struct daemon_assign *a = daemon_find_assign(d, cgroup);
	struct session fresh = {}, *s = a ? &a->s : &fresh;
	struct daemon_container *ctr = NULL;
	char *path, *name, sha[65];
	int err = a ? 0 : reserve(d);
	size_t i;

	path = strdup(policy);
	name = strdup(pr->model->name ? pr->model->name : "");
	if (req->container)
		ctr = daemon_container_dup(req->container);
	if (!err && (!path || !name || (req->container && !ctr)))
		err = -ENOMEM;
	/* A new cgroup, or the assigned one was recreated (a new id): a session of its own. */
	if (!err && (!a || a->s.cgroup_id != pr->cgroup_id)) {
		s = &fresh;
		err = session_init(s, d->loader, &d->log, cgroup, pr->cgroup_id, d->dns_notify_fd);
	}
	if (err) {
		snprintf(msg, msgsz, "%s: %s", cgroup, strerror(-err));
		goto fail;
	}
	/* Before the install: a confined agent must never be able to rewrite its policy,
	 * nor an include of it. */
	err = loader_protect(d->loader, policy, true);
	for (i = 1; !err && i < pr->model->nfiles; i++)
		err = loader_protect(d->loader, pr->model->files[i], true);
	if (!err)
		err = session_install(s, &pr->img);
	if (err) {
		snprintf(msg, msgsz, "installing the policy for %s: %s", cgroup,
			 loader_strerror(err));
		goto fail;
	}

	/* Installed: from here on the entry records it, whatever else fails. */
	if (!a) {
		a = &d->assign[d->nassign++];
		memset(a, 0, sizeof(*a));
		a->s = fresh;
	} else if (s == &fresh) {
		session_end_dns(&a->s); /* the old cgroup's proxy */
		session_release(&a->s);
		a->s = fresh;
	}
	if (req->on_exec && req->judge_running) {
		err = daemon_arm_existing(d, cgroup, pr->cgroup_id);
		if (err) {
			/* Installed all the same: every task that comes in or execs is judged. */
			snprintf(msg, msgsz,
				 "%s: its running tasks could not all be marked (%s): a task not "
				 "marked is judged from its next execve only",
				 cgroup, strerror(-err));
			daemon_log("%s", msg);
		}
	}
	a->s.dns_own_netns = !req->container;
	err = session_start_dns(&a->s, &pr->img);
	if (err)
		daemon_log("%s: DNS proxy: %s", cgroup, loader_strerror(err));
	/* The installed image answers the agent's questions (daemon_ask.c). */
	image_free(&a->img);
	a->img = pr->img;
	memset(&pr->img, 0, sizeof(pr->img));
	free(a->policy_path);
	a->policy_path = path;
	free(a->name);
	a->name = name;
	set_error(a, NULL);
	a->mode_req = req->mode_req;
	a->mode = pr->model->mode;
	a->runtime = req->runtime;
	a->on_exec = req->on_exec;
	daemon_container_free(a->container);
	a->container = ctr;
	memcpy(a->sha256, pr->model->sha256, 32);
	err = daemon_model_keep(d, pr->model) ? 0 : -ENOMEM; /* frees the model on failure */
	if (!err)
		daemon_model_image_keep(d, a->sha256, &a->img);
	image_free(&pr->img);
	pr->model = NULL;
	if (err) {
		snprintf(msg, msgsz, "%s: out of memory for the policy's reasons", cgroup);
		return err;
	}
	daemon_sha_hex(a->sha256, sha);
	lifecycle(d, "policy_load",
		  "cgroup=%s policy=%s name=%s mode=%s sha256=%s source=%s on_exec=%d%s%s%s%s",
		  cgroup, policy, a->name, daemon_mode_name(a->mode), sha,
		  ctr	       ? "container" :
		  req->runtime ? "runtime" :
				 "config",
		  a->on_exec, ctr ? " container=" : "", ctr ? ctr->id : "", ctr ? " engine=" : "",
		  ctr ? ctr->engine : "");
	return 0;
fail:
	if (s == &fresh)
		session_release(&fresh);
	daemon_container_free(ctr);
	free(path);
	free(name);
	discard(pr);
	return err;
}

static void drop_entry(struct daemon *d, struct daemon_assign *a)
{
	size_t i = (size_t)(a - d->assign);

	session_end_dns(&a->s);
	entry_free(a);
	memmove(a, a + 1, (d->nassign - i - 1) * sizeof(*a));
	d->nassign--;
}

/* Whether a policy's proxy learns addresses: a name it allows (a rule or the default). */
static int learns(const struct ag_policy *p)
{
	size_t i;

	for (i = 0; i < p->nrules; i++)
		if (p->rules[i].action == AG_ACTION_NETWORK && p->rules[i].pattern &&
		    p->rules[i].allow)
			return 1;
	return p->default_allow;
}

/*
 * The learned addresses' table is shared by every policy (include/maps.h): quotas
 * adding up to more than it holds let the table fill, and then lookups are refused
 * (dns_full). The warning goes to warn at each change that leaves them so; nothing is
 * refused for it here.
 */
static void check_dns_quotas(const struct daemon *d, char *warn, size_t warnsz)
{
	const struct ag_policy *p;
	unsigned long long sum = 0;
	size_t i, n = 0;

	for (i = 0; i < d->nassign; i++) {
		p = daemon_model_find(d, d->assign[i].sha256);
		/* Not enforcing, the proxy answers and learns every name, denied ones too. */
		if (p && (d->assign[i].mode != AG_MODE_ENFORCE || learns(p))) {
			sum += p->dns_quota;
			n++;
		}
	}
	if (sum > AG_LEARNED_ENTRIES)
		snprintf(
			warn, warnsz,
			"the dns_quota of the %zu assigned policies that learn addresses add up to "
			"%llu, more than the %u the kernel holds for all of them: once it is full, "
			"lookups are refused (dns_full; docs/network.md, \"Capacity\")",
			n, sum, AG_LEARNED_ENTRIES);
}

/*
 * After a change of the assignments: models no longer needed go, the state file
 * is rewritten. A warning for the operator is logged and left in warn ("" if none).
 */
static void changed(struct daemon *d, char *warn, size_t warnsz)
{
	char buf[512] = "";
	int err;

	daemon_models_prune(d);
	check_dns_quotas(d, buf, sizeof(buf));
	if (buf[0])
		daemon_log("warning: %s", buf);
	if (warn)
		snprintf(warn, warnsz, "%s", buf);
	err = daemon_state_save(d);
	if (err)
		daemon_log("writing %s: %s", d->cfg->state_file, strerror(-err));
}

static int remove_policy(struct daemon *d, struct daemon_assign *a, const char *why);

/*
 * The assigned cgroup was removed and made again under its name before the
 * once-a-second gc saw it gone (`docker restart`: the engine deletes the
 * container's cgroup and its next create makes it anew): the old cgroup's
 * policy is removed from the kernel, after its last records are written with
 * its names; else it would hold one of the kernel's AG_MAX_POLICIES slots until
 * the next daemon start. A cgroup that still exists (renamed) keeps its policy.
 */
static void retire_recreated(struct daemon *d, const char *cgroup, uint64_t id)
{
	struct daemon_assign *a = daemon_find_assign(d, cgroup);
	int err;

	if (!a || a->s.cgroup_id == id || !daemon_cgroup_gone(d, a->s.cgroup_id))
		return;
	daemon_drain_all(d);
	a = daemon_find_assign(d, cgroup);
	if (!a || a->s.cgroup_id == id)
		return;
	err = remove_policy(d, a, "recreated");
	if (err)
		daemon_log("%s: removing the policy of its old cgroup: %s", cgroup,
			   loader_strerror(err));
}

int daemon_assign_cgroup(struct daemon *d, const struct daemon_assign_req *in, char *msg,
			 size_t msgsz)
{
	char name[PATH_MAX], warn[512] = "";
	struct daemon_assign_req req = *in;
	struct prepared pr;
	size_t len;
	int err;

	if (daemon_cgroup_name(in->cgroup, name, sizeof(name))) {
		snprintf(msg, msgsz,
			 "'%s' is not a cgroup below %s (not the root, no '.', '..' or newline)",
			 in->cgroup, DAEMON_CGROUP_ROOT);
		return -EINVAL;
	}
	/* The daemon's cwd is not the client's: policies are named by absolute paths. */
	if (in->policy[0] != '/') {
		snprintf(msg, msgsz, "policy path '%s' must be absolute", in->policy);
		return -EINVAL;
	}
	req.cgroup = name;
	msg[0] = '\0';
	err = prepare(d, &req, &pr, msg, msgsz);
	if (!err)
		retire_recreated(d, name, pr.cgroup_id);
	if (!err)
		err = commit(d, &req, &pr, msg, msgsz);
	if (err)
		return err;
	/* commit's warning, then changed()'s. */
	len = strlen(msg);
	changed(d, warn, sizeof(warn));
	if (warn[0])
		snprintf(msg + len, msgsz - len, "%s%s", len ? "; " : "", warn);
	return 0;
}

static int remove_policy(struct daemon *d, struct daemon_assign *a, const char *why)
{
	int err = session_remove(&a->s);

	if (err && err != -ENOENT)
		return err;
	lifecycle(d, "policy_unload", "cgroup=%s policy=%s reason=%s", a->s.cgroup, a->policy_path,
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
	changed(d, NULL, 0);
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
			json_pack("{s:s, s:I, s:s, s:s, s:b, s:b, s:o*}", "cgroup", a->s.cgroup,
				  "cgroup_id", (json_int_t)a->s.cgroup_id, "policy", a->policy_path,
				  "mode",
				  a->mode_req == DAEMON_MODE_POLICY ? "policy" :
								      daemon_mode_name(a->mode_req),
				  "runtime", a->runtime, "on_exec", a->on_exec, "container",
				  a->container ? daemon_container_json(a->container) : NULL));
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
		p->on_exec = json_is_true(json_object_get(it, "on_exec"));
		p->container = daemon_container_from_json(json_object_get(it, "container"));
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
	struct daemon_assign *a;
	int err = reserve(d);

	if (err)
		return err;
	a = &d->assign[d->nassign];
	memset(a, 0, sizeof(*a));
	err = session_init(&a->s, d->loader, &d->log, p->cgroup, p->cgroup_id, d->dns_notify_fd);
	a->policy_path = strdup(p->policy);
	if (err || !a->policy_path) {
		entry_free(a);
		return -ENOMEM;
	}
	a->mode_req = p->mode_req;
	a->runtime = 1;
	a->on_exec = p->on_exec;
	a->container = p->container ? daemon_container_dup(p->container) : NULL;
	set_error(a, why);
	d->nassign++;
	return 0;
}

/* The reasons of a policy nothing is installed from, for the records its cgroup queued. */
static void keep_reasons(struct daemon *d, const struct prev_assign *p)
{
	struct ag_policy *model = NULL;
	char msg[256];

	if (!session_load(p->policy, p->mode_req, &model, msg, sizeof(msg)))
		daemon_model_keep(d, model); /* best effort: frees the model on failure */
}

static void reconcile(struct daemon *d, const struct prev_assign *prev, size_t nprev)
{
	struct daemon_assign_req req;
	struct prepared pr;
	char msg[1536];
	uint64_t id;
	size_t i;
	int err;

	for (i = 0; i < nprev; i++) {
		const struct prev_assign *p = &prev[i];
		struct daemon_assign *now = daemon_find_assign(d, p->cgroup);

		if (now && now->s.cgroup_id == p->cgroup_id)
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
		/*
		 * A container that went while no daemon ran: kept, with its names and
		 * reasons, until the records it queued are written; then its cgroup's
		 * absence drops it (daemon_containers_gc).
		 */
		if (p->container && existing_cgroup(p->cgroup, &id) == -ENOENT) {
			keep_reasons(d, p);
			if (adopt_as_is(d, p, "the container's cgroup is gone"))
				daemon_log("out of memory");
			continue;
		}
		/* A runtime assignment: it lasts until unassigned, across daemon restarts. */
		/* pr: discarded here, or taken by commit(). */
		req = (struct daemon_assign_req){ .cgroup = p->cgroup,
						  .policy = p->policy,
						  .mode_req = p->mode_req,
						  .runtime = 1,
						  .on_exec = p->on_exec,
						  .judge_running = 1,
						  .container = p->container };
		err = prepare(d, &req, &pr, msg, sizeof(msg));
		if (!err && pr.cgroup_id != p->cgroup_id) {
			discard(&pr);
			loader_remove(d->loader, p->cgroup_id);
			continue; /* the cgroup was removed: its policy went with it */
		}
		if (!err)
			err = commit(d, &req, &pr, msg, sizeof(msg));
		if (err) {
			daemon_log("%s: %s; the policy installed earlier stays in force", p->cgroup,
				   msg);
			if (adopt_as_is(d, p, msg))
				daemon_log("out of memory");
		}
	}
}

static struct daemon_assign_req config_req(const struct daemon_assignment *a)
{
	return (struct daemon_assign_req){
		.cgroup = a->cgroup,
		.policy = a->policy,
		.mode_req = a->mode,
		.on_exec = a->on_exec,
		.judge_running = 1,
	};
}

static void prev_free(struct prev_assign *prev, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		daemon_container_free(prev[i].container);
	free(prev);
}

int daemon_apply_startup(struct daemon *d, char *msg, size_t msgsz)
{
	const struct daemon_config *c = d->cfg;
	struct prepared *pr;
	struct prev_assign *prev = NULL;
	size_t i, nprev = 0;
	uint64_t drops = 0, now = 0;
	int err = 0, have_drops;

	pr = calloc(c->nassignments + 1, sizeof(*pr));
	if (!pr)
		return -ENOMEM;
	/*
	 * Everything compiles, or nothing changes. pr[i] is this function's
	 * until commit() takes it; after a failure the others are discarded.
	 */
	for (i = 0; i < c->nassignments && !err; i++) {
		struct daemon_assign_req req = config_req(&c->assignments[i]);

		err = prepare(d, &req, &pr[i], msg, msgsz);
	}
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
		struct daemon_assign_req req = config_req(&c->assignments[i]);

		if (!err)
			err = commit(d, &req, &pr[i], msg, msgsz);
		else
			discard(&pr[i]);
	}
	free(pr);
	reconcile(d, prev, nprev);
	prev_free(prev, nprev);
	changed(d, NULL, 0);
	return err;
}

int daemon_apply_reload(struct daemon *d, struct daemon_config *cfg)
{
	struct daemon_assignment *swap;
	struct daemon_containers ctrs;
	struct daemon_assign *a;
	struct prepared pr;
	char msg[1536];
	size_t i, nswap;
	int failures = 0, err;

	for (i = 0; i < cfg->nassignments; i++) {
		const struct daemon_assignment *na = &cfg->assignments[i];
		struct daemon_assign_req req = config_req(na);

		err = prepare(d, &req, &pr, msg, sizeof(msg));
		if (!err)
			err = commit(d, &req, &pr, msg, sizeof(msg));
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
		if (a->runtime || config_find(cfg, a->s.cgroup)) {
			i++;
			continue;
		}
		err = remove_policy(d, a, "no longer in the config");
		if (err) {
			daemon_log("reload: removing the policy of %s: %s", a->s.cgroup,
				   loader_strerror(err));
			failures++;
			i++;
		}
	}
	/* Sockets, state file and audit settings stay as started: they need a restart. */
	ctrs = d->cfg->containers;
	d->cfg->containers = cfg->containers;
	cfg->containers = ctrs;
	swap = d->cfg->assignments;
	nswap = d->cfg->nassignments;
	d->cfg->assignments = cfg->assignments;
	d->cfg->nassignments = cfg->nassignments;
	cfg->assignments = swap;
	cfg->nassignments = nswap;
	changed(d, NULL, 0);
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
