// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Decisions into the audit log (docs/audit.md): the acting cgroup's name, the
 * executable, the policy's name and the rule's reason; lost events into gap
 * records.
 */
#include <limits.h>
#include "audit/audit.h"
#include "loader/loader.h"
#include "session.h"
#include "util/file.h"

void session_log_note(struct session_log *log, int err)
{
	if (err && err != log->err && log->error)
		log->error(log->ctx, err);
	if (err && !log->first_err)
		log->first_err = err;
	log->err = err;
}

void session_log_event(struct session_log *log, const struct ag_event *ev, size_t size)
{
	const struct ag_policy *p = NULL;
	struct audit_context ac = { .agent = "" };
	char exe[PATH_MAX], why[128];
	int err;

	if (!log->audit || ev->action == AG_ACT_NETNS)
		return;
	ev = session_fold_resolve(log, ev, &size);
	log->name(log->ctx, ev, &ac.agent, &ac.container, &p);
	/* Named only while /proc/PID/exe is still the file the kernel saw (ev->exe_ino). */
	proc_exe(ev->pid, ev->exe_ino, ev->exe_dev, exe, sizeof(exe));
	ac.exe = exe;
	ac.policy = p && p->name ? p->name : "";
	ac.reason = policy_reason(p, ev->rule, ev->op, why, sizeof(why));
	err = audit_append_decision(log->audit, ev, size, &ac);
	session_log_note(log, err);
	if (log->decided)
		log->decided(log->ctx, ev, ac.agent, ac.container, err);
	if (!err)
		log->events++;
}

int session_log_gap(struct session_log *log, uint64_t lost)
{
	int err;

	if (!log->audit || !lost)
		return 0;
	err = audit_append_gap(log->audit, lost);
	session_log_note(log, err);
	if (log->gapped)
		log->gapped(log->ctx, lost, err);
	if (!err)
		log->gaps += lost;
	return err;
}

int session_log_lifecycle(struct session_log *log, const char *what, const char *detail)
{
	int err;

	if (!log->audit)
		return 0;
	err = audit_append_lifecycle(log->audit, what, detail);
	session_log_note(log, err);
	return err;
}

int session_log_drops(struct session_log *log, struct loader *l, uint64_t *seen, uint64_t *lost)
{
	uint64_t total;
	int err;

	*lost = 0;
	err = loader_drops(l, &total);
	if (err || total <= *seen)
		return err;
	*lost = total - *seen;
	err = session_log_gap(log, *lost);
	if (!err)
		*seen = total;
	return err;
}
