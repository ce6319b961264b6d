// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The daemon's side of the control socket: root check, assign / unassign / status. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/utsname.h>
#include "audit/audit.h"
#include "control.h"
#include "daemon.h"
#include "dns/dns_proxy.h"
#include "forward/forward.h"
#include "loader/loader.h"
#include "maps.h"

/* Attached programs are the link pins ("link_<hook>") under the pin directory. */
static json_t *programs_json(void)
{
	json_t *a = json_array();
	struct dirent *de;
	DIR *dir;

	dir = opendir(AG_PIN_DIR);
	if (!dir)
		return a;
	while ((de = readdir(dir)))
		if (!strncmp(de->d_name, "link_", 5))
			json_array_append_new(a, json_string(de->d_name + 5));
	closedir(dir);
	return a;
}

/* The kernel's helper-failure counters that are not 0, by hook name. */
static json_t *errors_json(struct daemon *d)
{
	uint64_t counts[AG_HOOK_COUNT];
	json_t *o = json_object();
	unsigned int i;

	if (loader_errors(d->loader, counts))
		return o;
	for (i = 0; i < AG_HOOK_COUNT; i++)
		if (counts[i])
			json_object_set_new(o, loader_hook_name(i),
					    json_integer((json_int_t)counts[i]));
	return o;
}

/* audit.forward: where to and how far (docs/forward.md); null when not forwarding. */
static json_t *forward_json(struct daemon *d)
{
	const struct daemon_forward_config *fc = &d->cfg->audit.forward;
	struct forward_stats st;

	if (!d->fwd)
		return json_null();
	forwarder_stats(d->fwd, &st);
	return json_pack("{s:s, s:s, s:b, s:b, s:I, s:I, s:I, s:I}", "host", fc->host, "port",
			 fc->port, "tls", fc->tls, "connected", st.connected, "sent",
			 (json_int_t)st.sent, "resent", (json_int_t)st.resent, "acked_seq",
			 (json_int_t)st.acked_seq, "connects", (json_int_t)st.connects);
}

json_t *daemon_status_json(struct daemon *d)
{
	json_t *o, *pol;
	struct utsname u;
	uint64_t drops = 0, ids[AG_MAX_POLICIES];
	char sha[65];
	size_t i, j;
	int n, memo, others = 0;

	uname(&u);
	loader_drops(d->loader, &drops);
	n = loader_policies(d->loader, ids, AG_MAX_POLICIES);
	for (i = 0; n > 0 && i < (size_t)n && i < AG_MAX_POLICIES; i++) {
		for (j = 0; j < d->nassign && d->assign[j].s.cgroup_id != ids[i]; j++)
			;
		others += j == d->nassign;
	}
	pol = json_array();
	for (i = 0; i < d->nassign; i++) {
		const struct daemon_assign *a = &d->assign[i];
		json_t *e;

		daemon_sha_hex(a->sha256, sha);
		e = json_pack("{s:s, s:I, s:s, s:s, s:s}", "cgroup", a->s.cgroup, "cgroup_id",
			      (json_int_t)a->s.cgroup_id, "policy", a->policy_path, "source",
			      a->runtime ? "runtime" : "config", "mode",
			      a->name ? daemon_mode_name(a->mode) : "unknown");
		if (!e)
			continue;
		if (a->name) {
			json_object_set_new(e, "name", json_string(a->name));
			json_object_set_new(e, "sha256", json_string(sha));
		}
		if (a->error)
			json_object_set_new(e, "error", json_string(a->error));
		json_object_set_new(e, "on_exec", json_boolean(a->on_exec));
		if (a->container)
			json_object_set_new(e, "container", daemon_container_json(a->container));
		/* No proxy: the cgroup gets no DNS (docs/network.md). */
		json_object_set_new(e, "dns_namespaces",
				    a->s.dns ? json_integer(dns_proxy_namespaces(a->s.dns)) :
					       json_null());
		json_array_append_new(pol, e);
	}
	o = json_pack("{s:b, s:i, s:I, s:s, s:o, s:o, s:i, s:I, s:I, s:I, s:s, s:s, s:s}", "ok", 1,
		      "pid", (int)getpid(), "uptime_s", (json_int_t)(time(NULL) - d->started),
		      "kernel", u.release, "programs", programs_json(), "policies", pol,
		      "other_policies", others, "events", (json_int_t)d->log.events, "drops",
		      (json_int_t)drops, "gap_events", (json_int_t)d->log.gaps, "audit_log",
		      d->cfg->audit.log, "stream_socket", d->cfg->stream_socket, "config",
		      d->config_path ? d->config_path : "");
	if (o)
		json_object_set_new(o, "errors", errors_json(d));
	if (o)
		json_object_set_new(o, "ask_socket",
				    d->ask ? json_string(d->cfg->ask_socket) : json_null());
	if (o && d->stream)
		json_object_set_new(o, "stream_subscribers",
				    json_integer((json_int_t)audit_stream_subscribers(d->stream)));
	if (o)
		json_object_set_new(o, "forward", forward_json(d));
	memo = loader_memo_on(d->loader);
	/* An unreadable state says nothing either way: null. */
	if (o)
		json_object_set_new(o, "open_memo", memo < 0 ? json_null() : json_boolean(memo));
	return o;
}

static json_t *do_assign(struct daemon *d, json_t *req)
{
	struct daemon_assign_req ar = { .mode_req = DAEMON_MODE_POLICY,
					.runtime = 1,
					.judge_running = 1 };
	struct daemon_container *ctr = NULL;
	const char *mode = NULL;
	json_t *container = NULL, *resp;
	char msg[1536];

	if (json_unpack(req, "{s:s, s:s, s?:s, s?:b, s?:o}", "cgroup", &ar.cgroup, "policy",
			&ar.policy, "mode", &mode, "on_exec", &ar.on_exec, "container", &container))
		return control_error("assign needs \"cgroup\" and \"policy\" strings");
	if (mode) {
		ar.mode_req = daemon_parse_mode(mode);
		if (ar.mode_req < 0)
			return control_error("mode must be enforce or simulate, not '%s'", mode);
	}
	if (container) {
		ctr = daemon_container_from_json(container);
		if (!ctr)
			return control_error("\"container\" needs \"id\" and \"engine\" strings");
		ar.container = ctr;
		/* A running container: judged now, and `docker exec` from its execve on. */
		ar.on_exec = 1;
	}
	if (daemon_assign_cgroup(d, &ar, msg, sizeof(msg)))
		resp = control_error("%s", msg);
	else if (msg[0])
		resp = json_pack("{s:b, s:s}", "ok", 1, "warning", msg);
	else
		resp = json_pack("{s:b}", "ok", 1);
	daemon_container_free(ctr);
	return resp;
}

static json_t *do_unassign(struct daemon *d, json_t *req)
{
	const char *cgroup = NULL;
	char msg[1536];

	if (json_unpack(req, "{s:s}", "cgroup", &cgroup))
		return control_error("unassign needs a \"cgroup\" string");
	if (daemon_unassign_cgroup(d, cgroup, msg, sizeof(msg)))
		return control_error("%s", msg);
	return json_pack("{s:b}", "ok", 1);
}

void daemon_control_serve(struct daemon *d, int cfd)
{
	json_t *req = NULL, *resp;
	const char *cmd = NULL;
	char msg[256];
	uid_t uid;
	int err;

	err = control_peer_uid(cfd, &uid);
	if (err) {
		resp = control_error("cannot read the peer's credentials: %s", strerror(-err));
	} else if (uid != 0) {
		resp = control_error("permission denied: only root may use the agentgate control "
				     "socket (you are uid %u)",
				     (unsigned int)uid);
		daemon_log("control: refused a client with uid %u", (unsigned int)uid);
	} else if ((err = control_recv(cfd, CONTROL_TIMEOUT_MS, CONTROL_MAX_LINE, &req, msg,
				       sizeof(msg)))) {
		resp = control_error("bad request: %s", msg);
	} else if (json_unpack(req, "{s:s}", "cmd", &cmd)) {
		resp = control_error("bad request: no \"cmd\" string");
	} else if (!strcmp(cmd, "assign")) {
		resp = do_assign(d, req);
	} else if (!strcmp(cmd, "unassign")) {
		resp = do_unassign(d, req);
	} else if (!strcmp(cmd, "status")) {
		resp = daemon_status_json(d);
	} else if (!strcmp(cmd, "container_bind")) {
		resp = daemon_container_bind(d, req);
	} else {
		resp = control_error("unknown command '%s' (assign, unassign, status, "
				     "container_bind)",
				     cmd);
	}
	if (resp)
		control_send(cfd, resp);
	json_decref(resp);
	json_decref(req);
	close(cfd);
}
