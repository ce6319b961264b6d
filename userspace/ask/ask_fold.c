// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Repeated questions folded into one record (ask.h): an agent asking the same
 * thing again and again (a retry loop) leaves one `ask` record with a count,
 * written once another question comes or ASK_FOLD_MS after the first.
 */
#include <stdlib.h>
#include <string.h>
#include "ask.h"
#include "audit/audit.h"

static int same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static int same(const struct audit_ask *a, const struct audit_ask *b)
{
	return a->cgroup_id == b->cgroup_id && a->pid == b->pid && a->port == b->port &&
	       a->allow == b->allow && a->simulate == b->simulate && a->rule == b->rule &&
	       !memcmp(a->policy_sha256, b->policy_sha256, 32) && same_str(a->agent, b->agent) &&
	       same_str(a->asked_as, b->asked_as) && same_str(a->action, b->action) &&
	       same_str(a->path, b->path) && same_str(a->command, b->command) &&
	       same_str(a->domain, b->domain) && same_str(a->ip, b->ip) &&
	       same_str(a->rule_name, b->rule_name) && same_str(a->reason, b->reason) &&
	       same_str(a->policy, b->policy);
}

static void drop(struct ask_fold *f)
{
	char **s[] = { (char **)&f->rec.agent, (char **)&f->rec.asked_as,  (char **)&f->rec.action,
		       (char **)&f->rec.path,  (char **)&f->rec.command,   (char **)&f->rec.domain,
		       (char **)&f->rec.ip,    (char **)&f->rec.rule_name, (char **)&f->rec.reason,
		       (char **)&f->rec.policy };
	size_t i;

	for (i = 0; i < sizeof(s) / sizeof(s[0]); i++)
		free(*s[i]);
	memset(&f->rec, 0, sizeof(f->rec));
	f->held = false;
}

static char *copy_str(const char *s, bool *bad)
{
	char *d = s ? strdup(s) : NULL;

	*bad |= s && !d;
	return d;
}

/* Keeps a copy of rec: its strings belong to the question being answered. */
static int hold(struct ask_fold *f, const struct audit_ask *rec, int64_t now_ms)
{
	bool bad = false;

	f->rec = *rec;
	f->rec.agent = copy_str(rec->agent, &bad);
	f->rec.asked_as = copy_str(rec->asked_as, &bad);
	f->rec.action = copy_str(rec->action, &bad);
	f->rec.path = copy_str(rec->path, &bad);
	f->rec.command = copy_str(rec->command, &bad);
	f->rec.domain = copy_str(rec->domain, &bad);
	f->rec.ip = copy_str(rec->ip, &bad);
	f->rec.rule_name = copy_str(rec->rule_name, &bad);
	f->rec.reason = copy_str(rec->reason, &bad);
	f->rec.policy = copy_str(rec->policy, &bad);
	memcpy(f->sha, rec->policy_sha256, 32);
	f->rec.policy_sha256 = f->sha;
	f->rec.count = 1;
	f->first_ms = now_ms;
	f->held = true;
	if (bad)
		drop(f);
	return bad ? -1 : 0;
}

void ask_fold_flush(struct ask_fold *f, ask_write_fn write, void *ctx)
{
	if (!f->held)
		return;
	write(ctx, &f->rec);
	drop(f);
}

void ask_fold_add(struct ask_fold *f, const struct audit_ask *rec, int64_t now_ms,
		  ask_write_fn write, void *ctx)
{
	if (f->held && same(&f->rec, rec) && now_ms - f->first_ms < ASK_FOLD_MS) {
		f->rec.count++;
		return;
	}
	ask_fold_flush(f, write, ctx);
	/* Out of memory for the copy: written now, unfolded, rather than lost. */
	if (hold(f, rec, now_ms))
		write(ctx, rec);
}

void ask_fold_tick(struct ask_fold *f, int64_t now_ms, ask_write_fn write, void *ctx)
{
	if (f->held && now_ms - f->first_ms >= ASK_FOLD_MS)
		ask_fold_flush(f, write, ctx);
}
