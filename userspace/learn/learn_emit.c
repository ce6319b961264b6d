// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The proposal written out: the policy YAML in the seeds' format (current
 * rules first, unchanged, then the learned ones, with the evidence, risks,
 * conflicts and unused rules as comments), the same as JSON for programs, and
 * a summary for people.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "learn_int.h"

/* A growing text; on allocation failure it stops and remembers. */
struct text {
	char *p;
	size_t len, cap;
	bool oom;
};

static void put(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;
	char *p;

	if (t->oom)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(t->p ? t->p + t->len : NULL, t->p ? t->cap - t->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			t->oom = true;
			return;
		}
		if (t->p && t->len + (size_t)n < t->cap) {
			t->len += (size_t)n;
			return;
		}
		p = realloc(t->p, t->cap * 2 + (size_t)n + 256);
		if (!p) {
			t->oom = true;
			return;
		}
		t->p = p;
		t->cap = t->cap * 2 + (size_t)n + 256;
	}
}

/* A YAML double-quoted scalar (the text is valid UTF-8: only controls need escapes). */
static void put_quoted(struct text *t, const char *s)
{
	put(t, "\"");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			put(t, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			put(t, "\\x%02x", c);
		else
			put(t, "%c", c);
	}
	put(t, "\"");
}

/* A comment's text on one line. */
static void put_comment_text(struct text *t, const char *s)
{
	for (; *s; s++)
		put(t, "%c", (unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s);
}

static void put_ports(struct text *t, const struct learn_rule *r, const char *sep)
{
	size_t i;

	for (i = 0; i < r->nports; i++) {
		if (r->ports[i].lo == r->ports[i].hi)
			put(t, "%s%u", i ? sep : "", r->ports[i].lo);
		else
			put(t, "%s\"%u-%u\"", i ? sep : "", r->ports[i].lo, r->ports[i].hi);
	}
}

static const char *key_of(enum ag_action a)
{
	return a == AG_ACTION_SHELL_EXEC		    ? "command" :
	       a == AG_ACTION_NETWORK			    ? "domain" :
	       a == AG_ACTION_FILE_READ || a == AG_ACTION_FILE_WRITE ? "path" :
								      "cidr";
}

/* One line a person reads: `file_read "/x/" + "**"`, `network cidr 10.0.0.1 ports 443`. */
static void put_rule_text(struct text *t, const struct learn_rule *r)
{
	put(t, "%s ", ag_action_name(r->action));
	if (r->pattern)
		put_quoted(t, r->pattern);
	else
		put(t, "cidr %s", r->cidr ? r->cidr : "");
	if (r->nports) {
		put(t, " port%s ", r->nports > 1 ? "s" : "");
		put_ports(t, r, ",");
	}
}

static void put_rule(struct text *t, const struct learn_rule *r, const char *inline_comment)
{
	char risks[160];

	if (r->risk)
		put(t, "    # RISK: %s\n", learn_risk_names(r->risk, risks, sizeof(risks)));
	put(t, "    - action: %s", ag_action_name(r->action));
	if (inline_comment) {
		put(t, "    # ");
		put_comment_text(t, inline_comment);
	}
	put(t, "\n");
	if (r->pattern) {
		put(t, "      %s: ", key_of(r->action));
		put_quoted(t, r->pattern);
		put(t, "\n");
	}
	if (r->cidr)
		put(t, "      cidr: \"%s\"\n", r->cidr);
	if (r->nports == 1) {
		put(t, "      port: ");
		put_ports(t, r, ", ");
		put(t, "\n");
	} else if (r->nports) {
		put(t, "      ports: [");
		put_ports(t, r, ", ");
		put(t, "]\n");
	}
	put(t, "      decision: %s\n", r->allow ? "ALLOW" : "DENY");
	if (r->reason) {
		put(t, "      reason: ");
		put_quoted(t, r->reason);
		put(t, "\n");
	}
}

static void put_list(struct text *t, const char *key, char *const *v, size_t n)
{
	size_t i;

	if (!n)
		return;
	put(t, "  %s: [", key);
	for (i = 0; i < n; i++) {
		put(t, "%s", i ? ", " : "");
		put_quoted(t, v[i]);
	}
	put(t, "]\n");
}

static void put_header(struct text *t, const struct learn_result *r)
{
	const struct ag_policy *c = r->current;

	put(t, "# Proposed by `agentgate learn` from %lu decisions (%lu done, %lu refused).\n",
	    r->decisions, r->done, r->refused);
	put(t, "# Review before enforcing: \"RISK:\" marks rules to look at twice; folded rules\n"
	       "# say how many observations justified them. docs/learn.md\n");
	put(t, "policy:\n  name: ");
	put_quoted(t, r->name);
	put(t, "\n  default: %s\n", c && c->default_allow ? "ALLOW" : "DENY");
	if (!c)
		return;
	if (c->mode == AG_MODE_SIMULATE)
		put(t, "  mode: simulate\n");
	put_list(t, "search_path", c->search_path, c->nsearch);
	put_list(t, "deny_env", c->deny_env, c->ndeny_env);
	if (c->dns_grace_s != AG_DNS_GRACE_DEFAULT)
		put(t, "  dns_grace: %u\n", c->dns_grace_s);
	if (c->dns_quota != AG_DNS_QUOTA_DEFAULT)
		put(t, "  dns_quota: %u\n", c->dns_quota);
}

int learn_emit_yaml(struct learn_result *r)
{
	struct text t = { 0 };
	char *line = NULL;
	size_t i;

	put_header(&t, r);
	/* Nothing to add and no current policy: an empty list, which the YAML must still say. */
	put(&t, r->cur.n || r->add.n ? "  rules:\n" : "  rules: []\n");
	if (r->cur.n)
		put(&t, "    # --- the current policy, unchanged (includes spliced in place) ---\n");
	for (i = 0; i < r->cur.n; i++) {
		free(line);
		if (asprintf(&line, "%s%s", r->cur.v[i].comment,
			     r->cur.v[i].count ? "" : "; never matched in the window") < 0)
			line = NULL;
		put_rule(&t, &r->cur.v[i], line ? line : "");
	}
	free(line);
	put(&t, "    # --- learned: %zu rules ---\n", r->add.n);
	for (i = 0; i < r->add.n; i++) {
		if (r->add.v[i].comment) {
			put(&t, "    # ");
			put_comment_text(&t, r->add.v[i].comment);
			put(&t, "\n");
		}
		put_rule(&t, &r->add.v[i], NULL);
	}
	if (r->conflicts.n)
		put(&t, "    # --- conflicts: a current rule denies these; not merged, for a person "
			"to decide ---\n");
	for (i = 0; i < r->conflicts.n; i++) {
		const struct learn_rule *d = &r->cur.v[r->conflicts.v[i].denied_by];

		put(&t, "    # CONFLICT: the agent did ");
		put_rule_text(&t, &r->conflicts.v[i]);
		put(&t, " (seen %lu time%s); rule %ld (%s) denies it", r->conflicts.v[i].count,
		    r->conflicts.v[i].count == 1 ? "" : "s", r->conflicts.v[i].denied_by,
		    d->comment);
		if (d->reason) {
			put(&t, ": ");
			put_comment_text(&t, d->reason);
		}
		put(&t, "\n");
	}
	if (t.oom) {
		free(t.p);
		return -ENOMEM;
	}
	free(r->yaml);
	r->yaml = t.p ? t.p : strdup("");
	return r->yaml ? 0 : -ENOMEM;
}

int learn_result_yaml(const struct learn_result *r, char **yaml)
{
	*yaml = strdup(r->yaml ? r->yaml : "");
	return *yaml ? 0 : -ENOMEM;
}

static size_t risky(const struct learn_result *r)
{
	size_t i, n = 0;

	for (i = 0; i < r->add.n; i++)
		n += r->add.v[i].risk != 0;
	return n;
}

int learn_result_summary(const struct learn_result *r, char **text)
{
	struct text t = { 0 };
	char risks[160];
	size_t i;

	if (r->unverified)
		put(&t, "note: %s\n", r->unverified);
	put(&t, "learned from %lu decisions: %lu done, %lu refused, %lu skipped (not a rule's "
		"to decide), %lu not UTF-8\n",
	    r->decisions, r->done, r->refused, r->skipped, r->undecodable);
	put(&t, "proposed: %zu rules to add (%zu risky), %zu conflicts, %zu current rules never "
		"matched\n",
	    r->add.n, risky(r), r->conflicts.n, r->current ? r->unused.n : 0);
	for (i = 0; i < r->add.n; i++) {
		put(&t, "+ ");
		put_rule_text(&t, &r->add.v[i]);
		put(&t, " %s", r->add.v[i].allow ? "ALLOW" : "DENY");
		if (r->add.v[i].risk)
			put(&t, "  RISK: %s",
			    learn_risk_names(r->add.v[i].risk, risks, sizeof(risks)));
		put(&t, "\n");
	}
	for (i = 0; i < r->conflicts.n; i++) {
		const struct learn_rule *d = &r->cur.v[r->conflicts.v[i].denied_by];

		put(&t, "! CONFLICT: ");
		put_rule_text(&t, &r->conflicts.v[i]);
		put(&t, " was done, but rule %ld (%s) denies it%s%s: not merged\n",
		    r->conflicts.v[i].denied_by, d->comment, d->reason ? ": " : "",
		    d->reason ? d->reason : "");
	}
	for (i = 0; r->current && i < r->unused.n; i++) {
		put(&t, "- unused (%s): ", r->unused.v[i].comment);
		put_rule_text(&t, &r->unused.v[i]);
		put(&t, " %s\n", r->unused.v[i].allow ? "ALLOW" : "DENY");
	}
	for (i = 0; i < r->nnotes; i++)
		put(&t, "note: %s\n", r->notes[i]);
	if (t.oom) {
		free(t.p);
		return -ENOMEM;
	}
	*text = t.p;
	return 0;
}

static json_t *rule_json(const struct learn_rule *r)
{
	json_t *o = json_object(), *ports = NULL, *risk;
	char risks[160], *w, *save = NULL;
	size_t i;
	int bad = !o;

	if (bad)
		return NULL;
	bad |= json_object_set_new(o, "action", json_string(ag_action_name(r->action)));
	if (r->pattern)
		bad |= json_object_set_new(o, key_of(r->action), json_string(r->pattern));
	if (r->cidr)
		bad |= json_object_set_new(o, "cidr", json_string(r->cidr));
	if (r->nports) {
		ports = json_array();
		for (i = 0; ports && i < r->nports; i++)
			bad |= json_array_append_new(
				ports, r->ports[i].lo == r->ports[i].hi ?
					       json_integer(r->ports[i].lo) :
					       json_sprintf("%u-%u", r->ports[i].lo, r->ports[i].hi));
		bad |= json_object_set_new(o, "ports", ports);
	}
	bad |= json_object_set_new(o, "decision", json_string(r->allow ? "ALLOW" : "DENY"));
	if (r->reason)
		bad |= json_object_set_new(o, "reason", json_string(r->reason));
	if (r->comment)
		bad |= json_object_set_new(o, "comment", json_string(r->comment));
	bad |= json_object_set_new(o, "count", json_integer((json_int_t)r->count));
	risk = json_array();
	learn_risk_names(r->risk, risks, sizeof(risks));
	for (w = strtok_r(risks, ",", &save); risk && w; w = strtok_r(NULL, ",", &save))
		bad |= json_array_append_new(risk, json_string(w));
	bad |= json_object_set_new(o, "risks", risk);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static int rules_json(json_t *o, const char *key, const struct learn_rules *rs, bool only_risky,
		      const struct learn_result *r)
{
	json_t *a = json_array(), *j;
	size_t i;
	int bad = !a;

	for (i = 0; a && i < rs->n; i++) {
		if (only_risky && !rs->v[i].risk)
			continue;
		j = rule_json(&rs->v[i]);
		if (j && rs->v[i].denied_by >= 0)
			bad |= json_object_set_new(j, "denied_by",
						   rule_json(&r->cur.v[rs->v[i].denied_by]));
		bad |= json_array_append_new(a, j);
	}
	bad |= json_object_set_new(o, key, a);
	return bad ? -ENOMEM : 0;
}

int learn_result_json(const struct learn_result *r, json_t **out)
{
	json_t *o = json_object(), *s = json_object(), *notes = json_array();
	char *summary = NULL;
	size_t i;
	int bad = !o || !s || !notes;

	bad |= json_object_set_new(o, "yaml", json_string(r->yaml ? r->yaml : ""));
	bad |= json_object_set_new(s, "decisions", json_integer((json_int_t)r->decisions));
	bad |= json_object_set_new(s, "done", json_integer((json_int_t)r->done));
	bad |= json_object_set_new(s, "refused", json_integer((json_int_t)r->refused));
	bad |= json_object_set_new(s, "skipped", json_integer((json_int_t)r->skipped));
	bad |= json_object_set_new(s, "not_utf8", json_integer((json_int_t)r->undecodable));
	bad |= json_object_set_new(s, "risky", json_integer((json_int_t)risky(r)));
	if (notes && r->unverified)
		bad |= json_array_append_new(notes, json_string(r->unverified));
	for (i = 0; notes && i < r->nnotes; i++)
		bad |= json_array_append_new(notes, json_string(r->notes[i]));
	bad |= json_object_set_new(s, "notes", notes);
	bad |= learn_result_summary(r, &summary) != 0;
	bad |= json_object_set_new(s, "text", summary ? json_string(summary) : NULL);
	free(summary);
	bad |= json_object_set_new(o, "summary", s);
	bad |= rules_json(o, "add", &r->add, false, r) != 0;
	bad |= rules_json(o, "unused", &r->unused, false, r) != 0;
	bad |= rules_json(o, "conflicts", &r->conflicts, false, r) != 0;
	bad |= rules_json(o, "risky", &r->add, true, r) != 0;
	if (bad) {
		json_decref(o);
		return -ENOMEM;
	}
	*out = o;
	return 0;
}
