// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The daemon's ask socket (docs/ask.md): a confined agent asks about the
 * policy of the assignment that covers it, answered from the image this
 * daemon installed for it. Policies of `agentgate exec` runs are not served
 * here (each exec serves its own). Runs on the daemon's loop thread.
 */
#include <errno.h>
#include <string.h>
#include "ask/ask.h"
#include "audit/audit.h"
#include "daemon.h"
#include "loader/loader.h"

static int ask_policy(void *ctx, uint64_t policy_cgroup_id, struct ask_policy *out)
{
	struct daemon *d = ctx;
	struct daemon_assign *a = NULL;
	size_t i;

	for (i = 0; i < d->nassign && !a; i++)
		if (d->assign[i].s.cgroup_id == policy_cgroup_id)
			a = &d->assign[i];
	if (!a)
		return -ENOENT;
	out->model = daemon_model_find(d, a->sha256);
	out->img = &a->img;
	if (!out->model || !a->img.size)
		return -ENODATA;
	out->agent = a->s.cgroup;
	out->mode = a->mode;
	return 0;
}

static const char *ask_agent(void *ctx, const struct ag_ask_peer *peer, const struct ask_policy *p)
{
	return daemon_cgroup_lookup(ctx, peer->cgroup_id, p->agent);
}

static void ask_record(void *ctx, const struct audit_ask *rec)
{
	struct daemon *d = ctx;

	session_log_note(&d->log, audit_append_ask(d->log.audit, rec));
}

static const struct ask_server_ops ops = { .policy = ask_policy,
					   .agent = ask_agent,
					   .record = ask_record };

int daemon_ask_open(struct daemon *d)
{
	int err;

	if (!strcmp(d->cfg->ask_socket, "none"))
		return 0;
	d->ask = ask_server_open(d->cfg->ask_socket, d->loader, &ops, d, true, &err);
	if (!d->ask)
		daemon_log("ask socket %s: %s", d->cfg->ask_socket,
			   err == -EEXIST ? "exists and is not a socket" : loader_strerror(err));
	return d->ask ? 0 : err;
}
