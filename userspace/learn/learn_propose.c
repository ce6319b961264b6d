// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * From observations to a proposal, and the proof that it holds: every
 * observation is judged against the current policy (when there is one) and
 * against the proposed YAML, compiled, with check_eval(), the kernel's
 * matcher. What the current policy allows needs no rule; what one of its deny
 * rules refuses is a conflict, never merged; the rest is folded into rules
 * appended after the current rules, so that no current rule changes meaning.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "check/check.h"
#include "learn_int.h"

struct learn_rule *learn_rules_push(struct learn_rules *rs)
{
	struct learn_rule *v;

	if (rs->n == rs->cap) {
		v = realloc(rs->v, (rs->cap ? rs->cap * 2 : 32) * sizeof(*v));
		if (!v)
			return NULL;
		rs->v = v;
		rs->cap = rs->cap ? rs->cap * 2 : 32;
	}
	v = &rs->v[rs->n++];
	memset(v, 0, sizeof(*v));
	v->denied_by = -1;
	return v;
}

static void rule_clear(struct learn_rule *r)
{
	free(r->pattern);
	free(r->cidr);
	free(r->ports);
	free(r->reason);
	free(r->comment);
}

void learn_rules_free(struct learn_rules *rs)
{
	size_t i;

	for (i = 0; i < rs->n; i++)
		rule_clear(&rs->v[i]);
	free(rs->v);
	memset(rs, 0, sizeof(*rs));
}

static int rule_copy(struct learn_rules *to, const struct learn_rule *from)
{
	struct learn_rule *r = learn_rules_push(to);

	if (!r)
		return -ENOMEM;
	*r = *from;
	r->pattern = from->pattern ? strdup(from->pattern) : NULL;
	r->cidr = from->cidr ? strdup(from->cidr) : NULL;
	r->reason = from->reason ? strdup(from->reason) : NULL;
	r->comment = from->comment ? strdup(from->comment) : NULL;
	r->ports = from->nports ? malloc(from->nports * sizeof(*r->ports)) : NULL;
	if (r->ports)
		memcpy(r->ports, from->ports, from->nports * sizeof(*r->ports));
	if ((from->pattern && !r->pattern) || (from->cidr && !r->cidr) ||
	    (from->reason && !r->reason) || (from->comment && !r->comment) ||
	    (from->nports && !r->ports))
		return -ENOMEM;
	return 0;
}

int learn_note(struct learn_result *r, const char *fmt, ...)
{
	char **v = realloc(r->notes, (r->nnotes + 1) * sizeof(*v));
	va_list ap;
	int n;

	if (!v)
		return -ENOMEM;
	r->notes = v;
	va_start(ap, fmt);
	n = vasprintf(&r->notes[r->nnotes], fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	r->nnotes++;
	return 0;
}

void learn_result_free(struct learn_result *r)
{
	size_t i;

	if (!r)
		return;
	learn_rules_free(&r->cur);
	learn_rules_free(&r->add);
	learn_rules_free(&r->unused);
	learn_rules_free(&r->conflicts);
	for (i = 0; i < r->nnotes; i++)
		free(r->notes[i]);
	free(r->notes);
	free(r->unverified);
	policy_free(r->current);
	free(r->name);
	free(r->yaml);
	free(r);
}

unsigned int learn_result_conflicts(const struct learn_result *r)
{
	return (unsigned int)r->conflicts.n;
}

/* An observation as a check request; 0, or -EINVAL when it names nothing to judge. */
static int judge(const struct ag_policy *p, const struct ag_image *img, const struct learn_obs *ob,
		 struct check_result *res)
{
	struct check_req req = { .action = ob->action, .port = ob->port };
	char what[128];

	if (ob->action == AG_ACTION_FILE_READ || ob->action == AG_ACTION_FILE_WRITE)
		req.path = ob->subject;
	else if (ob->action == AG_ACTION_SHELL_EXEC)
		req.command = ob->subject;
	else
		req.domain = ob->subject;
	req.ip = ob->ip;
	return check_eval(p, img, &req, res, what, sizeof(what));
}

/* The exact rule for one observation (conflicts, kept refusals). */
static int exact_rule(struct learn_rules *to, const struct learn_obs *ob, bool allow)
{
	struct learn_rule *r = learn_rules_push(to);

	if (!r)
		return -ENOMEM;
	r->action = ob->action;
	r->allow = allow;
	r->count = ob->count;
	if (ob->subject)
		r->pattern = learn_glob_escape(ob->subject);
	else
		r->cidr = strdup(ob->ip);
	if (ob->port >= 0) {
		r->ports = malloc(sizeof(*r->ports));
		if (r->ports) {
			r->ports->lo = r->ports->hi = (uint16_t)ob->port;
			r->nports = 1;
		}
	}
	if (!allow)
		r->reason = strdup("refused when observed (enforce mode)");
	return (r->pattern || r->cidr) && (ob->port < 0 || r->ports) && (allow || r->reason) ?
		       0 :
		       -ENOMEM;
}

static int load_current(const char *path, struct learn_result *r, struct ag_image *img,
			struct ag_error *err)
{
	struct learn_rule *lr;
	const struct ag_rule *pr;
	size_t i;
	int ret;

	ret = policy_load(path, &r->current, err);
	if (!ret)
		ret = compile_policy(r->current, NULL, img, NULL, err);
	for (i = 0; !ret && i < r->current->nrules; i++) {
		pr = &r->current->rules[i];
		lr = learn_rules_push(&r->cur);
		if (!lr)
			return -ENOMEM;
		lr->action = pr->action;
		lr->allow = pr->allow;
		lr->pattern = pr->pattern ? strdup(pr->pattern) : NULL;
		lr->cidr = pr->cidr ? strdup(pr->cidr) : NULL;
		lr->reason = pr->reason ? strdup(pr->reason) : NULL;
		lr->nports = pr->nports;
		lr->ports = pr->nports ? malloc(pr->nports * sizeof(*lr->ports)) : NULL;
		if (lr->ports)
			memcpy(lr->ports, pr->ports, pr->nports * sizeof(*lr->ports));
		if (asprintf(&lr->comment, "%s:%d", pr->loc.file, pr->loc.line) < 0)
			lr->comment = NULL;
		if ((pr->pattern && !lr->pattern) || (pr->cidr && !lr->cidr) ||
		    (pr->reason && !lr->reason) || (pr->nports && !lr->ports) || !lr->comment)
			ret = -ENOMEM;
	}
	if (ret && !err->msg[0])
		snprintf(err->msg, sizeof(err->msg), "%s: %s", path, strerror(-ret));
	return ret;
}

/* What the learned rules must do for each observation. */
enum want { WANT_ALLOW, WANT_DENY, WANT_NONE };

struct plan {
	struct learn_obs **learn[AG_ACTION_LISTEN + 1];
	size_t nlearn[AG_ACTION_LISTEN + 1];
	enum want *want;
};

/* Sorts each observation: covered by the current policy, a conflict, or to learn. */
static int triage(struct learn_result *r, const struct ag_image *cur, struct learn_obsv *obs,
		  struct plan *pl)
{
	struct ag_policy none = { .name = "none" };
	struct ag_image none_img = { 0 };
	struct check_result res;
	struct ag_error err;
	size_t i, j;
	int ret = compile_policy(&none, NULL, &none_img, NULL, &err);

	pl->want = calloc(obs->n + 1, sizeof(*pl->want));
	for (i = 0; i <= AG_ACTION_LISTEN; i++)
		pl->learn[i] = calloc(obs->n + 1, sizeof(*pl->learn[i]));
	for (i = 0; i <= AG_ACTION_LISTEN; i++)
		if (!pl->learn[i] || !pl->want)
			ret = ret ? ret : -ENOMEM;
	for (i = 0; i < obs->n && !ret; i++) {
		struct learn_obs *ob = &obs->v[i];

		pl->want[i] = ob->done ? WANT_ALLOW : WANT_DENY;
		/* What check cannot judge, or the kernel refuses whatever the rules say, no rule
		 * can allow: a relative path, an address that is not one, over 4096 bytes. */
		if (judge(&none, &none_img, ob, &res) || res.v.rule == AG_RULE_OVERSIZED) {
			pl->want[i] = WANT_NONE;
			r->skipped += ob->count;
			continue;
		}
		if (r->current) {
			if (judge(r->current, cur, ob, &res)) {
				pl->want[i] = WANT_NONE;
				r->skipped += ob->count;
				continue;
			}
			if (res.v.rule < r->cur.n)
				r->cur.v[res.v.rule].count += ob->count;
			if (!ob->done || res.v.allow)
				continue;
			if (res.v.rule < r->cur.n) {
				/* A current deny rule refuses it: a person decides, not learn. */
				for (j = 0; j < r->conflicts.n; j++)
					if (r->conflicts.v[j].denied_by == (long)res.v.rule &&
					    r->conflicts.v[j].pattern && ob->subject &&
					    !strcmp(r->conflicts.v[j].pattern, ob->subject))
						break;
				pl->want[i] = WANT_DENY;
				if (j < r->conflicts.n)
					continue;
				ret = exact_rule(&r->conflicts, ob, true);
				if (!ret)
					r->conflicts.v[r->conflicts.n - 1].denied_by = (long)res.v.rule;
				continue;
			}
		}
		if (ob->done)
			pl->learn[ob->action][pl->nlearn[ob->action]++] = ob;
	}
	image_free(&none_img);
	return ret;
}

static void plan_free(struct plan *pl)
{
	size_t i;

	for (i = 0; i <= AG_ACTION_LISTEN; i++)
		free(pl->learn[i]);
	free(pl->want);
}

static int fold(struct learn_result *r, struct plan *pl)
{
	int ret;

	ret = learn_fold_paths(pl->learn[AG_ACTION_FILE_READ], pl->nlearn[AG_ACTION_FILE_READ],
			       AG_ACTION_FILE_READ, &r->add);
	if (!ret)
		ret = learn_fold_paths(pl->learn[AG_ACTION_FILE_WRITE],
				       pl->nlearn[AG_ACTION_FILE_WRITE], AG_ACTION_FILE_WRITE,
				       &r->add);
	if (!ret)
		ret = learn_fold_commands(pl->learn[AG_ACTION_SHELL_EXEC],
					  pl->nlearn[AG_ACTION_SHELL_EXEC], &r->add);
	if (!ret)
		ret = learn_fold_network(pl->learn[AG_ACTION_NETWORK],
					 pl->nlearn[AG_ACTION_NETWORK], &r->add);
	if (!ret)
		ret = learn_fold_network(pl->learn[AG_ACTION_LISTEN], pl->nlearn[AG_ACTION_LISTEN],
					 &r->add);
	return ret;
}

/* The YAML as written, loaded and compiled as `agentgate check` would. */
static int compile_yaml(struct learn_result *r, struct ag_policy **p, struct ag_image *img,
			struct ag_error *err)
{
	char msg[sizeof(err->msg)];
	int ret = learn_emit_yaml(r);

	if (!ret)
		ret = policy_load_mem(r->name, r->yaml, strlen(r->yaml), NULL, p, err);
	if (!ret)
		ret = compile_policy(*p, NULL, img, NULL, err);
	if (ret) {
		snprintf(msg, sizeof(msg), "internal error: the proposed policy does not load: %.900s",
			 err->msg[0] ? err->msg : strerror(-ret));
		memcpy(err->msg, msg, sizeof(msg));
	}
	return ret;
}

static const char *obs_text(const struct learn_obs *ob, char *buf, size_t sz)
{
	int n = snprintf(buf, sz, "%s %.300s", ag_action_name(ob->action),
			 ob->subject ? ob->subject : "");

	if (ob->ip && n >= 0 && (size_t)n < sz)
		n += snprintf(buf + n, sz - (size_t)n, " %s", ob->ip);
	if (ob->port >= 0 && n >= 0 && (size_t)n < sz)
		snprintf(buf + n, sz - (size_t)n, " port %ld", ob->port);
	return buf;
}

/*
 * Whether the deny rule exact_rule() makes for the refusal a would also refuse
 * b: the same action on the same name (any port when a has none), or, for an
 * address without a name, the same address.
 */
static bool deny_covers(const struct learn_obs *a, const struct learn_obs *b)
{
	if (b->action != a->action)
		return false;
	if (a->port >= 0 && b->port != a->port)
		return false;
	if (!a->subject)
		return b->ip && !strcmp(b->ip, a->ip);
	/* Domains are matched lower-cased (docs/policy.md): a name is the same in any case. */
	if (a->action == AG_ACTION_NETWORK)
		return b->subject && !strcasecmp(b->subject, a->subject);
	return b->subject && !strcmp(b->subject, a->subject);
}

/*
 * Whether the action refused at i was also done, as far as a deny rule for it
 * would reach (in another run, or in simulate mode): the agent needs it, so no
 * deny rule is made for it.
 */
static bool done_too(const struct learn_obsv *obs, size_t i)
{
	size_t k;

	for (k = 0; k < obs->n; k++)
		if (obs->v[k].done && deny_covers(&obs->v[i], &obs->v[k]))
			return true;
	return false;
}

/*
 * Judges every observation under the proposal. Refusals it would allow get a
 * deny rule before the learned allows (*added); anything else that does not come
 * out as observed fails the proposal.
 */
static int prove(struct learn_result *r, const struct learn_obsv *obs, const struct plan *pl,
		 bool *added, struct ag_error *err)
{
	struct ag_policy *p = NULL;
	struct ag_image img = { 0 };
	struct check_result res;
	struct learn_rules deny = { 0 };
	size_t i, k, base = r->cur.n;
	char text[512];
	int ret = compile_yaml(r, &p, &img, err);

	*added = false;
	for (i = 0; !ret && i < obs->n; i++) {
		const struct learn_obs *ob = &obs->v[i];

		if (pl->want[i] == WANT_NONE || judge(p, &img, ob, &res))
			continue;
		if (pl->want[i] == WANT_ALLOW && !res.v.allow) {
			snprintf(err->msg, sizeof(err->msg),
				 "internal error: the proposed policy would not allow %s (rule %d); "
				 "refusing to propose it",
				 obs_text(ob, text, sizeof(text)), (int)res.v.rule);
			ret = -EPROTO;
		} else if (pl->want[i] == WANT_DENY && res.v.allow) {
			/* Allowed by a learned rule (rules of the current policy keep meaning). */
			if (res.v.rule < base || done_too(obs, i))
				continue;
			ret = exact_rule(&deny, ob, false);
			*added = true;
		} else if (res.v.allow && res.v.rule >= base && res.v.rule - base < r->add.n &&
			   ob->rule >= 0 && ob->reason) {
			r->add.v[res.v.rule - base].risk |= LEARN_RISK_WAS_DENIED;
		}
	}
	/* The new denies go first among the learned rules. */
	for (k = 0; !ret && k < r->add.n; k++)
		ret = rule_copy(&deny, &r->add.v[k]);
	if (!ret && *added) {
		learn_rules_free(&r->add);
		r->add = deny;
	} else {
		learn_rules_free(&deny);
	}
	image_free(&img);
	policy_free(p);
	return ret;
}

static int finish(struct learn_result *r, const struct learn_opts *o)
{
	const char *own[8] = { o->policy };
	size_t i, nown = 1;
	int ret = 0;

	for (i = 0; i < (size_t)o->nlogs && nown < 8; i++)
		own[nown++] = o->logs[i];
	for (i = 0; i < r->add.n; i++)
		if (r->add.v[i].allow)
			r->add.v[i].risk |= learn_risk(&r->add.v[i], own, nown);
	for (i = 0; i < r->conflicts.n; i++)
		r->conflicts.v[i].risk |= learn_risk(&r->conflicts.v[i], own, nown);
	for (i = 0; !ret && i < r->cur.n; i++)
		if (!r->cur.v[i].count)
			ret = rule_copy(&r->unused, &r->cur.v[i]);
	return ret;
}

int learn_propose(const struct learn_opts *o, struct learn_result **out, struct ag_error *err)
{
	struct learn_result *r = calloc(1, sizeof(*r));
	struct learn_obsv obs = { 0 };
	struct ag_image cur = { 0 };
	struct plan pl = { 0 };
	bool added = false;
	int ret, round;

	*out = NULL;
	err->msg[0] = 0;
	if (!r)
		return -ENOMEM;
	ret = learn_read(o, r, &obs, err);
	if (!ret && o->policy)
		ret = load_current(o->policy, r, &cur, err);
	if (!ret) {
		r->name = strdup(o->name ? o->name : r->current ? r->current->name : "learned");
		if (!r->name)
			ret = -ENOMEM;
	}
	if (!ret)
		ret = triage(r, &cur, &obs, &pl);
	if (!ret)
		ret = fold(r, &pl);
	if (!ret)
		ret = finish(r, o);
	/* Round two proves the refusals' deny rules did not break an allowed action. */
	for (round = 0; !ret && round < 3; round++) {
		ret = prove(r, &obs, &pl, &added, err);
		if (!added)
			break;
	}
	if (!ret && added) {
		snprintf(err->msg, sizeof(err->msg),
			 "internal error: the proposed policy does not settle; refusing to propose it");
		ret = -EPROTO;
	}
	if (!ret)
		ret = learn_emit_yaml(r);
	if (ret && !err->msg[0])
		snprintf(err->msg, sizeof(err->msg), "learn: %s", strerror(-ret));
	plan_free(&pl);
	image_free(&cur);
	learn_obsv_free(&obs);
	if (ret) {
		learn_result_free(r);
		return ret;
	}
	*out = r;
	return 0;
}
