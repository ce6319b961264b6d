// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* A session's cgroup: its policy in the kernel, its DNS proxy, its private event stream. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dns/dns_proxy.h"
#include "loader/loader.h"
#include "util/cgroup.h"
#include "util/clock.h"
#include "session.h"

int session_init(struct session *s, struct loader *l, struct session_log *log, const char *cgroup,
		 uint64_t cgroup_id, int dns_notify_fd)
{
	memset(s, 0, sizeof(*s));
	s->loader = l;
	s->log = log;
	s->cgroup_id = cgroup_id;
	s->dns_notify_fd = dns_notify_fd;
	s->dns_own_netns = 1;
	s->cgroup = strdup(cgroup);
	return s->cgroup ? 0 : -ENOMEM;
}

static int write_dns(void *ctx, const struct ag_event *ev, size_t size)
{
	struct session *s = ctx;

	session_log_event(s->log, ev, size);
	return 0;
}

void session_drain_dns(struct session *s, uint64_t until_ns)
{
	uint64_t busy, evicted;

	if (!s->dns)
		return;
	dns_proxy_drain(s->dns, until_ns, write_dns, s);
	session_log_gap(s->log, dns_proxy_take_lost(s->dns));
	busy = dns_proxy_take_busy(s->dns);
	if (busy && s->log->busy)
		s->log->busy(s->log->ctx, s->cgroup, busy);
	evicted = dns_proxy_take_evicted(s->dns);
	if (evicted && s->log->evicted)
		s->log->evicted(s->log->ctx, s->cgroup, evicted);
}

void session_serve_dns(struct session *s, const struct ag_event *ev)
{
	int err;

	if (!s->dns || (ev->action != AG_ACT_NETNS && ev->rule != AG_RULE_NO_PROXY))
		return;
	err = dns_proxy_serve(s->dns, (int)ev->tid);
	/* No network there, or the task is gone: nothing to serve. */
	if (err < 0 && err != -ENETDOWN && err != -ESRCH && s->log->dns_error)
		s->log->dns_error(s->log->ctx, s->cgroup, err);
}

void session_event(struct session *s, const struct ag_event *ev, size_t size)
{
	session_serve_dns(s, ev);
	/* DNS answers come before the connects they allow: keep the log in that order. */
	session_drain_dns(s, ev->ts_boot_ns);
	session_log_event(s->log, ev, size);
}

void session_sweep_dns(struct session *s)
{
	char dir[PATH_MAX];
	int64_t now = clock_now_ms();
	int err;

	if (!s->dns || now < s->next_sweep_ms)
		return;
	s->next_sweep_ms = now + SESSION_SWEEP_MS;
	snprintf(dir, sizeof(dir), "%s%s", CGROUP_ROOT, s->cgroup);
	err = dns_proxy_sweep(s->dns, dir);
	if (err && err != -ENOENT && s->log->dns_error)
		s->log->dns_error(s->log->ctx, s->cgroup, err);
}

static int on_event(void *ctx, const struct ag_event *ev, size_t size)
{
	struct session *s = ctx;

	if (ev->policy_cgroup_id != s->cgroup_id)
		return 0; /* another process's confinement */
	session_event(s, ev, size);
	return 0;
}

int session_subscribe(struct session *s)
{
	return loader_subscribe(s->loader, s->cgroup_id, on_event, s);
}

int session_install(struct session *s, const struct ag_image *img)
{
	return loader_install(s->loader, s->cgroup_id, img);
}

int session_start_dns(struct session *s, const struct ag_image *img)
{
	int err;

	if (s->dns)
		return dns_proxy_set_image(s->dns, img);
	err = dns_proxy_start(&s->dns, s->loader, s->cgroup_id, img, s->dns_notify_fd);
	if (!err && s->dns_own_netns)
		err = dns_proxy_serve_own(s->dns);
	/* The namespaces its tasks are in already (a container's, bound before its entrypoint). */
	if (!err) {
		s->next_sweep_ms = 0;
		session_sweep_dns(s);
	}
	return err;
}

void session_stop_dns(struct session *s)
{
	dns_proxy_stop(s->dns);
}

void session_end_dns(struct session *s)
{
	if (!s->dns)
		return;
	dns_proxy_stop(s->dns);
	session_drain_dns(s, UINT64_MAX);
	dns_proxy_free(s->dns);
	s->dns = NULL;
}

int session_remove(struct session *s)
{
	return loader_remove(s->loader, s->cgroup_id);
}

void session_release(struct session *s)
{
	dns_proxy_free(s->dns);
	s->dns = NULL;
	free(s->cgroup);
	s->cgroup = NULL;
}
