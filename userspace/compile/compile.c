// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * compile_policy(): the rules of each action class, in file order, become one
 * DFA; the DFAs become one image. Rule indexes in the image are indexes into
 * policy->rules, so a verdict names its rule (and its reason) directly.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "compile_int.h"

static const char *const class_name[AG_CLASS_COUNT] = {
	[AG_CLASS_FILE_READ] = "file_read",
	[AG_CLASS_FILE_WRITE] = "file_write",
	[AG_CLASS_EXEC] = "shell_exec",
	[AG_CLASS_NET_ADDR] = "network (addresses)",
	[AG_CLASS_NET_DOMAIN] = "network (domains)",
	[AG_CLASS_ENV] = "deny_env",
	[AG_CLASS_NET_LISTEN] = "listen",
};

static void appendf(struct ag_error *err, const char *fmt, ...)
{
	size_t n = strlen(err->msg);
	va_list ap;

	if (n + 1 >= sizeof(err->msg))
		return;
	va_start(ap, fmt);
	vsnprintf(err->msg + n, sizeof(err->msg) - n, fmt, ap);
	va_end(ap);
}

static void where(const struct ag_policy *p, const struct ag_rule *r, struct ag_error *err)
{
	appendf(err, "%s:%d:%d",
		r->loc.file ? r->loc.file :
		p->name	    ? p->name :
			      "policy",
		r->loc.line, r->loc.col);
}

static const char *shown(const struct ag_rule *r)
{
	return r->pattern ? r->pattern : r->cidr ? r->cidr : "";
}

/* Builds rule i's expression for class cls: 0 added, 1 nothing for this class. */
static int rule_node(const struct ag_policy *p, const struct ag_rule *r, unsigned int cls,
		     struct re *re, uint32_t *node, struct glob_err *e)
{
	char norm[AG_MAX_INPUT + 1];
	char *const *sp = p->search_path;
	size_t nsp = p->nsearch;
	int n;

	switch (cls) {
	case AG_CLASS_FILE_READ:
	case AG_CLASS_FILE_WRITE:
		if (r->action !=
		    (cls == AG_CLASS_FILE_READ ? AG_ACTION_FILE_READ : AG_ACTION_FILE_WRITE))
			return 1;
		/* "@name": an abstract unix socket, matched as written. */
		if (r->pattern[0] == '@')
			return glob_parse(re, r->pattern, strlen(r->pattern), GLOB_PATH, node, e);
		n = glob_normalise_path(r->pattern, norm, sizeof(norm), e);
		if (n < 0)
			return n;
		return glob_parse(re, norm, (size_t)n, GLOB_PATH, node, e);
	case AG_CLASS_EXEC:
		if (r->action != AG_ACTION_SHELL_EXEC)
			return 1;
		if (!sp || !nsp) {
			sp = (char *const *)ag_default_search_path;
			for (nsp = 0; ag_default_search_path[nsp]; nsp++)
				;
		}
		return cmd_pattern(re, r->pattern, (const char *const *)sp, nsp, node, e);
	case AG_CLASS_NET_ADDR:
		if (r->action != AG_ACTION_NETWORK)
			return 1;
		return net_addr_pattern(re, r, node, e);
	case AG_CLASS_NET_LISTEN:
		if (r->action != AG_ACTION_LISTEN)
			return 1;
		return net_addr_pattern(re, r, node, e);
	default:
		if (r->action != AG_ACTION_NETWORK)
			return 1;
		return net_domain_pattern(re, r, node, e);
	}
}

static void blame(const struct ag_policy *p, const struct re *re, const struct dfa *d,
		  unsigned int cls, uint32_t limit, struct ag_error *err)
{
	uint32_t worst[3];
	size_t n, i;

	appendf(err, "%s rules need more than %u DFA states", class_name[cls], limit);
	n = dfa_blame(re, d, worst, 3);
	for (i = 0; i < n; i++) {
		const struct ag_rule *r = &p->rules[re->rules[worst[i]].index];

		appendf(err, "%s", i ? "; " : "; the rules that multiply states most: ");
		where(p, r, err);
		appendf(err, " '%s' (in %u states)", shown(r), d->rule_hits[worst[i]]);
	}
	appendf(err, "; use fewer '*' and '**' in the middle of patterns or split the policy");
}

/* deny_env: "NAME=*" (or "PREFIX*=*") per entry, accepting for the entry's index. */
static int env_class(const struct ag_policy *p, struct re *re, struct ag_error *err)
{
	struct glob_err e;
	char pat[256];
	uint32_t node;
	size_t i, n;
	int ret;

	for (i = 0; i < p->ndeny_env; i++) {
		memset(&e, 0, sizeof(e));
		n = (size_t)snprintf(pat, sizeof(pat), "%s=*", p->deny_env[i]);
		if (n >= sizeof(pat)) {
			appendf(err, "%s: deny_env entry '%s' is too long",
				p->name ? p->name : "policy", p->deny_env[i]);
			return -EINVAL;
		}
		ret = glob_parse(re, pat, n, GLOB_CMD, &node, &e);
		if (!ret)
			ret = re_add_rule(re, node, (uint16_t)i, 0);
		if (ret)
			return ret;
	}
	return 0;
}

static int compile_class(const struct ag_policy *p, const struct compile_opts *o, unsigned int cls,
			 struct dfa *d, struct ag_error *err)
{
	uint32_t budget = o && o->state_budget ? o->state_budget : AG_DEFAULT_STATE_BUDGET;
	struct glob_err e;
	struct re re;
	uint32_t node;
	size_t i;
	int ret = 0;

	re_init(&re);
	if (cls == AG_CLASS_ENV) {
		ret = env_class(p, &re, err);
		if (ret)
			goto out;
	}
	for (i = 0; i < p->nrules && cls != AG_CLASS_ENV; i++) {
		const struct ag_rule *r = &p->rules[i];

		memset(&e, 0, sizeof(e));
		if (!r->pattern &&
		    !((r->action == AG_ACTION_NETWORK || r->action == AG_ACTION_LISTEN) && r->cidr)) {
			ret = -EINVAL;
			where(p, r, err);
			appendf(err, ": rule without a pattern");
			goto out;
		}
		if (r->pattern && strlen(r->pattern) > AG_MAX_INPUT) {
			ret = -EINVAL;
			where(p, r, err);
			appendf(err, ": pattern longer than %u bytes", AG_MAX_INPUT);
			goto out;
		}
		ret = rule_node(p, r, cls, &re, &node, &e);
		if (ret == 1) {
			ret = 0;
			continue;
		}
		if (!ret)
			ret = re_add_rule(&re, node, (uint16_t)i, r->allow);
		if (ret) {
			if (ret != -ENOMEM && e.what) {
				where(p, r, err);
				appendf(err, ": '%s': %s (at byte %zu)", shown(r), e.what,
					e.off + 1);
			}
			goto out;
		}
	}
	if (!re.nrules)
		goto out;
	ret = dfa_build(&re, budget, d);
	if (ret == -E2BIG) {
		blame(p, &re, d, cls, budget, err);
		goto out;
	}
	if (!ret)
		ret = dfa_minimise(d);
	if (!ret && d->nstates > AG_MAX_STATES) {
		ret = -E2BIG;
		blame(p, &re, d, cls, AG_MAX_STATES, err);
	}
out:
	re_free(&re);
	return ret;
}

int compile_policy(const struct ag_policy *p, const struct compile_opts *opts, struct ag_image *out,
		   struct compile_stats *stats, struct ag_error *err)
{
	struct dfa dfas[AG_CLASS_COUNT], *pd[AG_CLASS_COUNT];
	size_t bytes = 0;
	unsigned int c;
	int ret = 0;

	memset(dfas, 0, sizeof(dfas));
	memset(out, 0, sizeof(*out));
	err->msg[0] = '\0';
	if (p->nrules > AG_MAX_RULES) {
		appendf(err, "%s: %zu rules, at most %u are supported",
			p->name ? p->name : "policy", p->nrules, AG_MAX_RULES);
		return -E2BIG;
	}
	for (c = 0; c < AG_CLASS_COUNT && !ret; c++) {
		ret = compile_class(p, opts, c, &dfas[c], err);
		pd[c] = &dfas[c];
	}
	if (!ret) {
		ret = image_write(p, pd, out, &bytes);
		if (ret == -E2BIG)
			appendf(err, "%s: the compiled policy exceeds %u bytes",
				p->name ? p->name : "policy", AG_IMAGE_MAX_PAGES * AG_PAGE_SIZE);
	}
	if (!ret && stats) {
		for (c = 0; c < AG_CLASS_COUNT; c++) {
			stats->states[c] = dfas[c].nstates;
			stats->classes[c] = dfas[c].ncls;
		}
		stats->table_bytes = bytes;
	}
	for (c = 0; c < AG_CLASS_COUNT; c++)
		dfa_free(&dfas[c]);
	return ret;
}
