// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The shared event stream into the audit log (session/session_log.c writes
 * the records): cgroups named by id, policies found by sha256, the DNS
 * proxies' decisions kept in order with the kernel's, ring-buffer overruns
 * into gap records.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "daemon.h"
#include "loader/loader.h"
#include "metrics/metrics.h"
#include "util/cgroup.h"

/*
 * Through the cgroup's kernfs file handle (its id): one syscall, no walk of
 * /sys/fs/cgroup; -ESTALE when the cgroup is gone. Without CAP_DAC_READ_SEARCH,
 * a walk; -ENOENT when it did not find the cgroup (gone, or where it does not go).
 */
static int name_by_id(struct daemon *d, uint64_t id, char *out, size_t outsz)
{
	char path[PATH_MAX];
	size_t root = strlen(DAEMON_CGROUP_ROOT);
	int fd, err;

	if (d->cgroup_root_fd < 0)
		return -EBADF;
	fd = cgroup_open_by_id(d->cgroup_root_fd, id);
	if (fd == -EPERM) {
		err = cgroup_find(DAEMON_CGROUP_ROOT, id, path, sizeof(path));
	} else if (fd < 0) {
		return fd;
	} else {
		err = cgroup_fd_path(fd, path, sizeof(path));
		close(fd);
	}
	if (err < 0)
		return err;
	if (strncmp(path, DAEMON_CGROUP_ROOT, root) || (path[root] && path[root] != '/'))
		return -ENOENT;
	snprintf(out, outsz, "%s", path[root] ? path + root : "/");
	return 0;
}

const char *daemon_cgroup_lookup(struct daemon *d, uint64_t id, const char *fallback)
{
	struct daemon_cgroup_name *slot;
	char name[PATH_MAX];
	size_t i;
	int err;

	for (i = 0; i < d->nassign; i++)
		if (d->assign[i].s.cgroup_id == id)
			return d->assign[i].s.cgroup;
	for (i = 0; i < DAEMON_CGROUP_CACHE; i++)
		if (d->names[i].name && d->names[i].id == id)
			return d->names[i].name[0] ? d->names[i].name : fallback;
	err = name_by_id(d, id, name, sizeof(name));
	/*
	 * A cgroup the kernel says is gone stays gone (ids are not reused):
	 * remembered as "", so its late records cost no lookup each. A walk that
	 * did not find it proves less: not remembered.
	 */
	if (err == -ESTALE)
		name[0] = '\0';
	else if (err)
		return fallback;
	slot = &d->names[d->names_next++ % DAEMON_CGROUP_CACHE];
	free(slot->name);
	slot->id = id;
	slot->name = strdup(name);
	return slot->name && slot->name[0] ? slot->name : fallback;
}

int daemon_cgroup_gone(struct daemon *d, uint64_t id)
{
	char name[PATH_MAX];

	return name_by_id(d, id, name, sizeof(name)) == -ESTALE;
}

void daemon_drain_all(struct daemon *d)
{
	int n;

	/* A full batch (DAEMON_EVENT_BATCH) stops a poll: in batches, as many as the ring holds. */
	for (n = 0; n < DAEMON_GC_BATCHES; n++) {
		d->batch = 0;
		if (loader_poll(d->loader, 0) != -EAGAIN)
			break;
	}
	daemon_drain_dns(d, UINT64_MAX);
}

void daemon_names_free(struct daemon *d)
{
	size_t i;

	for (i = 0; i < DAEMON_CGROUP_CACHE; i++) {
		free(d->names[i].name);
		d->names[i].name = NULL;
	}
}

static void name_event(void *ctx, const struct ag_event *ev, const char **agent,
		       const struct audit_container **container, const struct ag_policy **policy)
{
	struct daemon *d = ctx;
	const char *policy_cg = daemon_cgroup_lookup(d, ev->policy_cgroup_id, "");
	size_t i;

	*agent = daemon_cgroup_lookup(d, ev->cgroup_id, policy_cg);
	*policy = daemon_model_find(d, ev->policy_sha256);
	for (i = 0; i < d->nassign; i++)
		if (d->assign[i].s.cgroup_id == ev->policy_cgroup_id && d->assign[i].container)
			*container = &d->assign[i].container->view;
}

static void dns_busy(void *ctx, const char *cgroup, uint64_t n)
{
	struct daemon *d = ctx;

	metrics_count(d->metrics, MC_DNS_BUSY, n);
	daemon_log("%s: DNS proxy busy: %llu queries or connections refused", cgroup,
		   (unsigned long long)n);
}

static void dns_evicted(void *ctx, const char *cgroup, uint64_t n)
{
	struct daemon *d = ctx;

	(void)cgroup;
	metrics_count(d->metrics, MC_DNS_EVICTED, n);
}

static void dns_error(void *ctx, const char *cgroup, int err)
{
	(void)ctx;
	daemon_log("%s: DNS proxy: a network namespace of its tasks is not served: %s", cgroup,
		   strerror(-err));
}

static void audit_error(void *ctx, int err)
{
	daemon_log("audit log: %s", strerror(-err));
}

void daemon_log_init(struct daemon *d)
{
	d->log.name = name_event;
	d->log.error = audit_error;
	d->log.busy = dns_busy;
	d->log.evicted = dns_evicted;
	d->log.dns_error = dns_error;
	d->log.ctx = d;
}

void daemon_drain_dns(struct daemon *d, uint64_t until_ns)
{
	size_t i;

	for (i = 0; i < d->nassign; i++)
		session_drain_dns(&d->assign[i].s, until_ns);
}

void daemon_sweep_dns(struct daemon *d)
{
	size_t i;

	for (i = 0; i < d->nassign; i++)
		session_sweep_dns(&d->assign[i].s);
}

int daemon_on_event(void *ctx, const struct ag_event *ev, size_t size)
{
	struct daemon *d = ctx;
	size_t i;

	/* A namespace the policy's proxy must serve: before the task's next lookup. */
	if (ev->action == AG_ACT_NETNS || ev->rule == AG_RULE_NO_PROXY)
		for (i = 0; i < d->nassign; i++)
			if (d->assign[i].s.cgroup_id == ev->policy_cgroup_id)
				session_serve_dns(&d->assign[i].s, ev);
	/* DNS answers come before the connects they allow: keep the log in that order. */
	daemon_drain_dns(d, ev->ts_boot_ns);
	session_log_event(&d->log, ev, size);
	/* A write error must not stop draining (the kernel would drop instead); a full batch does. */
	return ++d->batch >= DAEMON_EVENT_BATCH ? -EAGAIN : 0;
}

int daemon_check_drops(struct daemon *d)
{
	uint64_t lost;
	int err;

	err = session_log_drops(&d->log, d->loader, &d->drops_seen, &lost);
	if (err || !lost)
		return err;
	return daemon_state_save(d);
}
