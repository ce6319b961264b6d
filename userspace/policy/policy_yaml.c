// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * One YAML document (libyaml's document API, which keeps a mark per node)
 * becomes policy keys and rules. Every key is known or refused, every value
 * has the type it must have: nothing in a policy is silently ignored.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "policy_int.h"
#include "util/yaml_mark.h"

struct keydef {
	const char *name;
	unsigned int actions; /* bit per enum ag_action for rule keys */
};

#define A_FILE ((1u << AG_ACTION_FILE_READ) | (1u << AG_ACTION_FILE_WRITE))
#define A_EXEC (1u << AG_ACTION_SHELL_EXEC)
#define A_NET (1u << AG_ACTION_NETWORK)
#define A_LISTEN (1u << AG_ACTION_LISTEN)
#define A_ALL (A_FILE | A_EXEC | A_NET | A_LISTEN)

static const struct keydef rule_keys[] = {
	{ "action", A_ALL }, { "decision", A_ALL }, { "reason", A_ALL },
	{ "path", A_FILE },  { "command", A_EXEC }, { "domain", A_NET },
	{ "cidr", A_NET | A_LISTEN },	{ "port", A_NET | A_LISTEN }, { "ports", A_NET | A_LISTEN },
};

static const char *const rule_keys_text[] = {
	[AG_ACTION_FILE_READ] = "action, path, decision, reason",
	[AG_ACTION_FILE_WRITE] = "action, path, decision, reason",
	[AG_ACTION_SHELL_EXEC] = "action, command, decision, reason",
	[AG_ACTION_NETWORK] = "action, domain, cidr, port, ports, decision, reason",
	[AG_ACTION_LISTEN] = "action, cidr, port, ports, decision, reason",
};

static const char *const policy_keys[] = {
	"name", "version", "default", "mode", "search_path", "deny_env", "dns_grace", "dns_quota",
	"include", "rules",
};

bool policy_key(const char *key)
{
	size_t i;

	for (i = 0; i < sizeof(policy_keys) / sizeof(policy_keys[0]); i++)
		if (!strcmp(key, policy_keys[i]))
			return true;
	return !strcmp(key, "policy");
}

/* The top-level keys of daemon.yaml: a policy parser fed one says which file it was given. */
static int daemon_key(const char *key)
{
	static const char *const keys[] = {
		"control_socket", "stream_socket", "ask_socket", "state_file",
		"audit",	  "metrics",	   "assignments", "containers",
	};
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strcmp(key, keys[i]))
			return 1;
	return 0;
}

struct doc {
	struct loader *ld;
	const char *file, *dir;
	yaml_document_t *y;
	int fragment;
};

static const char *kind(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_SCALAR_NODE:
		return n->data.scalar.length ? "a string" : "nothing";
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_MAPPING_NODE:
		return "a mapping";
	default:
		return "nothing";
	}
}

static int fail(struct doc *d, const yaml_node_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct doc *d, const yaml_node_t *n, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return ld_fail(d->ld, d->file, &n->start_mark, "%s", msg);
}

static yaml_node_t *node(struct doc *d, int id)
{
	return yaml_document_get_node(d->y, id);
}

/* The text of a scalar node, or an error naming key. */
static int scalar(struct doc *d, const yaml_node_t *n, const char *key, const char **out)
{
	if (n->type != YAML_SCALAR_NODE)
		return fail(d, n, "expected a string for '%s', found %s", key, kind(n));
	if (strlen((const char *)n->data.scalar.value) != n->data.scalar.length)
		return fail(d, n, "expected a string without NUL bytes for '%s'", key);
	*out = (const char *)n->data.scalar.value;
	return 0;
}

static int dup_str(struct doc *d, const yaml_node_t *n, const char *key, char **out)
{
	const char *s = NULL;
	int err = scalar(d, n, key, &s);

	if (err)
		return err;
	*out = strdup(s);
	return *out ? 0 : -ENOMEM;
}

/* Checks the key of pair i of map: a string, and not seen before in the map. */
static int pair_key(struct doc *d, const yaml_node_t *map, yaml_node_pair_t *pr, const char **key)
{
	yaml_node_pair_t *q;
	yaml_node_t *k = node(d, pr->key), *o;

	if (k->type != YAML_SCALAR_NODE)
		return fail(d, k, "expected a key (a string), found %s", kind(k));
	*key = (const char *)k->data.scalar.value;
	for (q = map->data.mapping.pairs.start; q < pr; q++) {
		o = node(d, q->key);
		if (o->type == YAML_SCALAR_NODE &&
		    !strcmp((const char *)o->data.scalar.value, *key))
			return fail(
				d, k,
				"expected each key once, found a second '%s' (first at %zu:%zu)",
				*key, o->start_mark.line + 1, o->start_mark.column + 1);
	}
	return 0;
}

static int pattern_check(struct doc *d, const yaml_node_t *n, const char *key, const char *s,
			 enum ag_action a)
{
	const char *what;
	size_t off;

	if (!*s || (a == AG_ACTION_SHELL_EXEC && strspn(s, " \t") == strlen(s)))
		return fail(d, n, "expected a non-empty '%s'", key);
	if (strlen(s) > AG_MAX_INPUT)
		return fail(d, n, "expected a '%s' of at most %u bytes", key, AG_MAX_INPUT);
	if ((a == AG_ACTION_FILE_READ || a == AG_ACTION_FILE_WRITE) && s[0] != '/' && s[0] != '@')
		return fail(d, n,
			    "expected an absolute path (starting with '/') or an abstract unix "
			    "socket name (starting with '@'), found '%s'",
			    s);
	/* Names are labels between single dots (one trailing dot aside): '.' or "a..b" names nothing. */
	if (a == AG_ACTION_NETWORK && (s[0] == '.' || strstr(s, "..")))
		return fail(d, n, "expected a domain name (labels between single dots), found '%s'",
			    s);
	what = val_glob(s, &off);
	if (what)
		return fail(d, n, "expected %s at byte %zu of '%s'", what, off + 1, s);
	return 0;
}

static int ports(struct doc *d, struct ag_rule *r, const yaml_node_t *n, const char *key)
{
	const yaml_node_t *e;
	const char *s, *what;
	size_t count = 1;
	int err;

	if (n->type == YAML_SEQUENCE_NODE) {
		count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
		if (!count)
			return fail(d, n, "expected at least one port in '%s'", key);
	} else if (n->type != YAML_SCALAR_NODE) {
		return fail(
			d, n,
			"expected a port, a \"lo-hi\" range or a list of them for '%s', found %s",
			key, kind(n));
	}
	if (count > AG_POLICY_MAX_PORTS)
		return fail(d, n, "expected at most %u ports in one rule", AG_POLICY_MAX_PORTS);
	r->ports = calloc(count, sizeof(*r->ports));
	if (!r->ports)
		return -ENOMEM;
	for (r->nports = 0; r->nports < count; r->nports++) {
		e = n->type == YAML_SEQUENCE_NODE ?
			    node(d, n->data.sequence.items.start[r->nports]) :
			    n;
		err = scalar(d, e, key, &s);
		if (err)
			return err;
		what = val_port(s, &r->ports[r->nports]);
		if (what)
			return fail(d, e, "expected %s, found '%s'", what, s);
	}
	return 0;
}

static int rule_action(struct doc *d, const yaml_node_t *map, enum ag_action *a)
{
	static const char *const names[] = { "file_read", "file_write", "shell_exec", "network",
					     "listen" };
	yaml_node_pair_t *pr;
	yaml_node_t *k, *v;
	const char *s;
	unsigned int i;
	int err;

	for (pr = map->data.mapping.pairs.start; pr < map->data.mapping.pairs.top; pr++) {
		k = node(d, pr->key);
		/* YAML 1.1's merge key: libyaml leaves it a plain key, a rule would lose what it merges. */
		if (k->type == YAML_SCALAR_NODE && !strcmp((const char *)k->data.scalar.value, "<<"))
			return fail(d, k, "merge keys ('<<') are not supported: write the rule's keys out");
		if (k->type != YAML_SCALAR_NODE ||
		    strcmp((const char *)k->data.scalar.value, "action"))
			continue;
		v = node(d, pr->value);
		err = scalar(d, v, "action", &s);
		if (err)
			return err;
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			if (!strcmp(s, names[i])) {
				*a = (enum ag_action)i;
				return 0;
			}
		}
		return fail(
			d, v,
			"expected an action: file_read, file_write, shell_exec, network or listen, found '%s'",
			s);
	}
	return fail(d, map, "expected an 'action' in this rule");
}

static int rule(struct doc *d, const yaml_node_t *map)
{
	const yaml_node_t *pat = NULL, *cidr = NULL, *port = NULL, *dec = NULL, *v;
	const char *key, *s, *what;
	yaml_node_pair_t *pr;
	enum ag_action a = AG_ACTION_FILE_READ;
	struct ag_rule *r;
	unsigned int i;
	int err;

	if (map->type != YAML_MAPPING_NODE)
		return fail(d, map,
			    "expected a rule (a mapping with action, decision, ...), found %s",
			    kind(map));
	err = rule_action(d, map, &a);
	if (err)
		return err;
	r = ld_new_rule(d->ld, d->file, &map->start_mark);
	if (!r)
		return -EINVAL;
	r->action = a;
	for (pr = map->data.mapping.pairs.start; pr < map->data.mapping.pairs.top; pr++) {
		err = pair_key(d, map, pr, &key);
		if (err)
			return err;
		for (i = 0; i < sizeof(rule_keys) / sizeof(rule_keys[0]); i++)
			if (!strcmp(key, rule_keys[i].name) && (rule_keys[i].actions & (1u << a)))
				break;
		if (i == sizeof(rule_keys) / sizeof(rule_keys[0]))
			return fail(d, node(d, pr->key),
				    "expected a key of a %s rule (%s), found '%s'",
				    ag_action_name(a), rule_keys_text[a], key);
		v = node(d, pr->value);
		if (!strcmp(key, "decision")) {
			err = scalar(d, v, key, &s);
			if (err)
				return err;
			what = val_decision(s, &r->allow);
			if (what)
				return fail(d, v, "expected %s, found '%s'", what, s);
			dec = v;
		} else if (!strcmp(key, "reason")) {
			err = dup_str(d, v, key, &r->reason);
		} else if (!strcmp(key, "cidr")) {
			err = dup_str(d, v, key, &r->cidr);
			if (!err && (what = val_cidr(r->cidr)))
				return fail(d, v, "expected %s, found '%s'", what, r->cidr);
			cidr = v;
		} else if (!strcmp(key, "port") || !strcmp(key, "ports")) {
			if (port)
				return fail(
					d, node(d, pr->key),
					"expected either 'port' or 'ports' in one rule, not both");
			err = ports(d, r, v, key);
			port = v;
		} else if (strcmp(key, "action")) {
			err = dup_str(d, v, key, &r->pattern);
			if (!err)
				err = pattern_check(d, v, key, r->pattern, a);
			pat = v;
		}
		if (err)
			return err;
	}
	if (!dec)
		return fail(d, map, "expected a 'decision' (allow or deny) in this %s rule",
			    ag_action_name(a));
	if (a == AG_ACTION_LISTEN && !cidr)
		return fail(d, map, "expected a 'cidr' (the local address) in this listen rule");
	if (a != AG_ACTION_NETWORK && a != AG_ACTION_LISTEN && !pat)
		return fail(d, map, "expected a '%s' in this %s rule",
			    a == AG_ACTION_SHELL_EXEC ? "command" : "path", ag_action_name(a));
	if (a == AG_ACTION_NETWORK && !pat && !cidr)
		return fail(d, map, "expected a 'domain' or a 'cidr' in this network rule");
	if (pat && cidr)
		return fail(d, cidr, "expected either 'domain' or 'cidr' in one rule, not both");
	return 0;
}

static int rules(struct doc *d, const yaml_node_t *n)
{
	yaml_node_item_t *it;
	int err;

	if (n->type != YAML_SEQUENCE_NODE)
		return fail(d, n, "expected a list of rules for 'rules', found %s", kind(n));
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		err = rule(d, node(d, *it));
		if (err)
			return err;
	}
	return 0;
}

static int includes(struct doc *d, const yaml_node_t *n)
{
	yaml_node_item_t *it;
	const yaml_node_t *e;
	const char *s;
	int err;

	if (n->type != YAML_SEQUENCE_NODE)
		return fail(d, n,
			    "expected a list of fragment names or paths for 'include', found %s",
			    kind(n));
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		e = node(d, *it);
		err = scalar(d, e, "include", &s);
		if (!err && !*s)
			err = fail(d, e, "expected a fragment name or path, found nothing");
		if (!err)
			err = ld_include(d->ld, d->file, d->dir, s, &e->start_mark);
		if (err)
			return err;
	}
	return 0;
}

/*
 * A search_path directory as the kernel would name a program in it: absolute,
 * no empty, '.' or '..' component, no trailing '/' ("/" itself aside). Another
 * spelling would compile to patterns no executable's path ever matches.
 */
static bool dir_canonical(const char *s)
{
	const char *c;

	if (s[0] != '/')
		return false;
	if (!s[1])
		return true;
	for (c = s; *c;) {
		size_t n;

		c++; /* past the '/' */
		n = strcspn(c, "/");
		if (!n || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return false;
		c += n;
	}
	return true;
}

static int search_path(struct doc *d, const yaml_node_t *n)
{
	struct ag_policy *p = d->ld->p;
	yaml_node_item_t *it;
	size_t count;
	int err;

	if (n->type != YAML_SEQUENCE_NODE)
		return fail(d, n,
			    "expected a list of absolute directories for 'search_path', found %s",
			    kind(n));
	count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	if (!count || count > AG_POLICY_MAX_SEARCH)
		return fail(d, n, "expected 1 to %u directories in 'search_path'",
			    AG_POLICY_MAX_SEARCH);
	p->search_path = calloc(count, sizeof(char *));
	if (!p->search_path)
		return -ENOMEM;
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		err = dup_str(d, node(d, *it), "search_path", &p->search_path[p->nsearch]);
		if (err)
			return err;
		p->nsearch++;
		if (!dir_canonical(p->search_path[p->nsearch - 1]))
			return fail(
				d, node(d, *it),
				"expected an absolute directory without '.', '..', '//' or a "
				"trailing '/' (the kernel names a program by its canonical path), "
				"found '%s'",
				p->search_path[p->nsearch - 1]);
	}
	return 0;
}

/* Variable names: letters, digits and '_', not starting with a digit; a trailing '*' for a prefix. */
static int env_name_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n && s[n - 1] == '*')
		n--;
	if (!n || (s[0] >= '0' && s[0] <= '9'))
		return 0;
	for (i = 0; i < n; i++)
		if (!(s[i] == '_' || (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9')))
			return 0;
	return 1;
}

static int deny_env(struct doc *d, const yaml_node_t *n)
{
	struct ag_policy *p = d->ld->p;
	yaml_node_item_t *it;
	size_t count;
	int err;

	if (n->type != YAML_SEQUENCE_NODE)
		return fail(
			d, n,
			"expected a list of environment variable names for 'deny_env', found %s",
			kind(n));
	count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	if (!count || count > AG_POLICY_MAX_DENY_ENV)
		return fail(d, n, "expected 1 to %u names in 'deny_env'", AG_POLICY_MAX_DENY_ENV);
	p->deny_env = calloc(count, sizeof(char *));
	if (!p->deny_env)
		return -ENOMEM;
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		err = dup_str(d, node(d, *it), "deny_env", &p->deny_env[p->ndeny_env]);
		if (err)
			return err;
		p->ndeny_env++;
		if (!env_name_ok(p->deny_env[p->ndeny_env - 1]))
			return fail(
				d, node(d, *it),
				"expected a variable name (letters, digits, '_', optionally ending "
				"in '*'), found '%s'",
				p->deny_env[p->ndeny_env - 1]);
	}
	return 0;
}

enum {
	K_NAME,
	K_VERSION,
	K_DEFAULT,
	K_MODE,
	K_SEARCH,
	K_DENY_ENV,
	K_DNS_GRACE,
	K_DNS_QUOTA,
	K_INCLUDE,
	K_RULES,
	K_COUNT
};

/* The keys of a policy (or of a fragment: include and rules only). */
static int policy_map(struct doc *d, const yaml_node_t *map)
{
	const yaml_node_t *val[K_COUNT] = { 0 };
	struct ag_policy *p = d->ld->p;
	yaml_node_pair_t *pr;
	const char *key, *s, *what;
	unsigned int i;
	int err;

	if (map->type != YAML_MAPPING_NODE)
		return fail(d, map, "expected a mapping of policy keys, found %s", kind(map));
	for (pr = map->data.mapping.pairs.start; pr < map->data.mapping.pairs.top; pr++) {
		err = pair_key(d, map, pr, &key);
		if (err)
			return err;
		for (i = 0; i < K_COUNT; i++)
			if (!strcmp(key, policy_keys[i]))
				break;
		if (d->fragment && i != K_INCLUDE && i != K_RULES)
			return fail(
				d, node(d, pr->key),
				"expected a key of an included file (include, rules), found '%s'",
				key);
		if (i == K_COUNT && daemon_key(key))
			return fail(d, node(d, pr->key),
				    "found '%s', a key of agentgate daemon's configuration, not of a "
				    "policy (check that file with 'agentgate daemon --config FILE --check')",
				    key);
		if (i == K_COUNT)
			return fail(
				d, node(d, pr->key),
				"expected a policy key (name, version, default, mode, search_path, deny_env, dns_grace, dns_quota, include, rules), found '%s'",
				key);
		val[i] = node(d, pr->value);
	}
	if (val[K_NAME]) {
		free(p->name);
		p->name = NULL;
		err = dup_str(d, val[K_NAME], "name", &p->name);
		if (err)
			return err;
		if (!policy_name_ok(p->name))
			return fail(
				d, val[K_NAME],
				"expected a name of 1 to 128 bytes without control characters, found '%s'",
				p->name);
	}
	if (val[K_VERSION]) {
		err = scalar(d, val[K_VERSION], "version", &s);
		if (err)
			return err;
		if (strcmp(s, "1.0") && strcmp(s, "1"))
			return fail(d, val[K_VERSION], "expected version \"1.0\", found '%s'", s);
	}
	if (val[K_DEFAULT]) {
		err = scalar(d, val[K_DEFAULT], "default", &s);
		if (err)
			return err;
		what = val_decision(s, &p->default_allow);
		if (what)
			return fail(d, val[K_DEFAULT], "expected %s, found '%s'", what, s);
	}
	if (val[K_MODE]) {
		err = scalar(d, val[K_MODE], "mode", &s);
		if (err)
			return err;
		what = val_mode(s, &p->mode);
		if (what)
			return fail(d, val[K_MODE], "expected %s, found '%s'", what, s);
	}
	if (val[K_SEARCH]) {
		err = search_path(d, val[K_SEARCH]);
		if (err)
			return err;
	}
	if (val[K_DENY_ENV]) {
		err = deny_env(d, val[K_DENY_ENV]);
		if (err)
			return err;
	}
	if (val[K_DNS_GRACE]) {
		err = scalar(d, val[K_DNS_GRACE], "dns_grace", &s);
		if (err)
			return err;
		what = val_dns_grace(s, &p->dns_grace_s);
		if (what)
			return fail(d, val[K_DNS_GRACE], "expected %s, found '%s'", what, s);
	}
	if (val[K_DNS_QUOTA]) {
		err = scalar(d, val[K_DNS_QUOTA], "dns_quota", &s);
		if (err)
			return err;
		what = val_dns_quota(s, &p->dns_quota);
		if (what)
			return fail(d, val[K_DNS_QUOTA], "expected %s, found '%s'", what, s);
	}
	/* Included rules come first, in include order, then the file's own rules. */
	if (val[K_INCLUDE]) {
		err = includes(d, val[K_INCLUDE]);
		if (err)
			return err;
	}
	return val[K_RULES] ? rules(d, val[K_RULES]) : 0;
}

/* The top of a policy: either `policy: {...}` (plus `version`) or the keys themselves. */
static int top(struct doc *d, const yaml_node_t *root)
{
	const yaml_node_t *pol = NULL, *ver = NULL;
	yaml_node_pair_t *pr;
	const char *key, *s;
	int err;

	if (root->type != YAML_MAPPING_NODE)
		return fail(d, root, "expected a mapping of policy keys, found %s", kind(root));
	if (d->fragment)
		return policy_map(d, root);
	for (pr = root->data.mapping.pairs.start; pr < root->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = node(d, pr->key);

		if (k->type == YAML_SCALAR_NODE &&
		    !strcmp((const char *)k->data.scalar.value, "policy"))
			pol = node(d, pr->value);
	}
	if (!pol)
		return policy_map(d, root);
	for (pr = root->data.mapping.pairs.start; pr < root->data.mapping.pairs.top; pr++) {
		err = pair_key(d, root, pr, &key);
		if (err)
			return err;
		if (!strcmp(key, "version"))
			ver = node(d, pr->value);
		else if (strcmp(key, "policy"))
			return fail(
				d, node(d, pr->key),
				"expected only 'policy' and 'version' next to 'policy', found '%s'",
				key);
	}
	if (ver) {
		err = scalar(d, ver, "version", &s);
		if (err)
			return err;
		if (strcmp(s, "1.0") && strcmp(s, "1"))
			return fail(d, ver, "expected version \"1.0\", found '%s'", s);
	}
	return policy_map(d, pol);
}

static int syntax_error(struct loader *ld, const char *file, const yaml_parser_t *ps,
			const char *buf, size_t len)
{
	const char *problem = ps->problem ? ps->problem : "a well-formed YAML document";
	yaml_mark_t at = yaml_problem_mark(ps, buf, len);

	if (ps->context)
		return ld_fail(ld, file, &at, "YAML: %s (%s at %zu:%zu)", problem, ps->context,
			       ps->context_mark.line + 1, ps->context_mark.column + 1);
	return ld_fail(ld, file, &at, "YAML: %s", problem);
}

int ld_document(struct loader *ld, const char *file, const char *dir, const char *buf, size_t len,
		int fragment)
{
	struct doc d = { .ld = ld, .file = file, .dir = dir, .fragment = fragment };
	yaml_document_t y, extra;
	yaml_parser_t ps;
	yaml_node_t *root, *more;
	yaml_mark_t start = { 0 };
	int err;

	if (!yaml_parser_initialize(&ps))
		return -ENOMEM;
	yaml_parser_set_input_string(&ps, (const unsigned char *)buf, len);
	if (!yaml_parser_load(&ps, &y)) {
		err = syntax_error(ld, file, &ps, buf, len);
		yaml_parser_delete(&ps);
		return err;
	}
	d.y = &y;
	root = yaml_document_get_root_node(&y);
	if (!root) {
		err = ld_fail(ld, file, &start, "expected a policy, found an empty document");
		goto out;
	}
	if (!yaml_parser_load(&ps, &extra)) {
		err = syntax_error(ld, file, &ps, buf, len);
		goto out;
	}
	more = yaml_document_get_root_node(&extra);
	if (more)
		err = ld_fail(ld, file, &more->start_mark,
			      "expected one YAML document, found a second one");
	else
		err = top(&d, root);
	yaml_document_delete(&extra);
out:
	yaml_document_delete(&y);
	yaml_parser_delete(&ps);
	return err;
}
