// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Kernel decisions into the audit log: the acting cgroup's name, the
 * executable, the policy's name and the rule's reason; ring-buffer overruns
 * into gap records.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "audit/audit.h"
#include "daemon.h"
#include "dns/dns_proxy.h"
#include "loader/loader.h"

#define FILEID_KERNFS 0xfe

/* Through the cgroup's kernfs file handle (its id): one syscall, no walk of /sys/fs/cgroup. */
static int name_by_handle(struct daemon *d, uint64_t id, char *out, size_t outsz)
{
	struct {
		struct file_handle fh;
		uint64_t id;
	} h = { .fh = { .handle_bytes = sizeof(uint64_t), .handle_type = FILEID_KERNFS },
		.id = id };
	char link[64], path[PATH_MAX];
	size_t root = strlen(DAEMON_CGROUP_ROOT);
	ssize_t n;
	int fd;

	if (d->cgroup_root_fd < 0)
		return -EBADF;
	fd = open_by_handle_at(d->cgroup_root_fd, &h.fh, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	close(fd);
	if (n < 0)
		return -errno;
	path[n] = '\0';
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

	for (i = 0; i < d->nassign; i++)
		if (d->assign[i].cgroup_id == id)
			return d->assign[i].cgroup;
	for (i = 0; i < DAEMON_CGROUP_CACHE; i++)
		if (d->names[i].name && d->names[i].id == id)
			return d->names[i].name;
	if (name_by_handle(d, id, name, sizeof(name)))
		return fallback;
	slot = &d->names[d->names_next++ % DAEMON_CGROUP_CACHE];
	free(slot->name);
	slot->id = id;
	slot->name = strdup(name);
	return slot->name ? slot->name : fallback;
}

void daemon_names_free(struct daemon *d)
{
	size_t i;

	for (i = 0; i < DAEMON_CGROUP_CACHE; i++) {
		free(d->names[i].name);
		d->names[i].name = NULL;
	}
}

static void note_audit_error(struct daemon *d, int err)
{
	if (err && err != d->audit_err)
		daemon_log("audit log: %s", strerror(-err));
	d->audit_err = err;
}

static int write_event(void *ctx, const struct ag_event *ev, size_t size)
{
	struct daemon *d = ctx;
	const struct ag_policy *p = daemon_model_find(d, ev->policy_sha256);
	struct audit_context ac = { .reason = "" };
	char link[64], exe[PATH_MAX] = "", why[128];
	const char *policy_cg;
	ssize_t n;
	int err;

	policy_cg = daemon_cgroup_lookup(d, ev->policy_cgroup_id, "");
	ac.agent = daemon_cgroup_lookup(d, ev->cgroup_id, policy_cg);
	/* Best effort: the task may have exited or exec'd since the decision. */
	snprintf(link, sizeof(link), "/proc/%u/exe", ev->pid);
	n = readlink(link, exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	ac.exe = exe;
	ac.policy = p && p->name ? p->name : "";
	ac.reason = policy_reason(p, ev->rule, ev->op, why, sizeof(why));
	err = audit_append_decision(d->audit, ev, size, &ac);
	note_audit_error(d, err);
	if (!err)
		d->events++;
	return 0;
}

void daemon_drain_dns(struct daemon *d, uint64_t until_ns)
{
	uint64_t lost, busy;
	size_t i;

	for (i = 0; i < d->nassign; i++) {
		if (!d->assign[i].dns)
			continue;
		dns_proxy_drain(d->assign[i].dns, until_ns, write_event, d);
		lost = dns_proxy_take_lost(d->assign[i].dns);
		if (lost) {
			note_audit_error(d, audit_append_gap(d->audit, lost));
			d->gaps += lost;
		}
		busy = dns_proxy_take_busy(d->assign[i].dns);
		if (busy)
			daemon_log("%s: DNS proxy busy: %llu queries or connections refused",
				   d->assign[i].cgroup, (unsigned long long)busy);
	}
}

void daemon_dns_stop(struct daemon *d, struct daemon_assign *a)
{
	if (!a->dns)
		return;
	dns_proxy_stop(a->dns);
	daemon_drain_dns(d, UINT64_MAX);
	dns_proxy_free(a->dns);
	a->dns = NULL;
}

int daemon_on_event(void *ctx, const struct ag_event *ev, size_t size)
{
	struct daemon *d = ctx;

	/* DNS answers come before the connects they allow: keep the log in that order. */
	daemon_drain_dns(d, ev->ts_boot_ns);
	write_event(ctx, ev, size);
	/* A write error must not stop draining (the kernel would drop instead); a full batch does. */
	return ++d->batch >= DAEMON_EVENT_BATCH ? -EAGAIN : 0;
}

int daemon_check_drops(struct daemon *d)
{
	uint64_t total;
	int err;

	err = loader_drops(d->loader, &total);
	if (err)
		return err;
	if (total <= d->drops_seen)
		return 0;
	err = audit_append_gap(d->audit, total - d->drops_seen);
	note_audit_error(d, err);
	if (err)
		return err;
	d->gaps += total - d->drops_seen;
	d->drops_seen = total;
	return daemon_state_save(d);
}
