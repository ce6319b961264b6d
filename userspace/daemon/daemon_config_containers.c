// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The daemon config's `containers` mapping: where policies are named from, and selectors. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>
#include "daemon_config_int.h"
#include "oci.h"

/*
 * Whether every '[' of the fnmatch(3) glob p opens a set that a ']' closes:
 * fnmatch takes an unclosed one as the character itself, so "[a" would
 * silently match only the name "[a" where a set was meant.
 */
static bool glob_sets_closed(const char *p)
{
	const char *e;

	for (; *p; p++) {
		if (*p == '\\' && p[1]) {
			p++;
			continue;
		}
		if (*p != '[')
			continue;
		p++;
		if (*p == '!' || *p == '^')
			p++;
		if (*p == ']') /* the first character of a set is itself */
			p++;
		for (; *p && *p != ']'; p++) {
			if (*p == '\\' && p[1]) { /* fnmatch escapes in sets too: \] is no end */
				p++;
			} else if (*p == '[' && (p[1] == ':' || p[1] == '.' || p[1] == '=')) {
				/* [:alpha:], [.x.], [=x=]: their ']' ends no set */
				for (e = p + 2; *e && !(e[0] == p[1] && e[1] == ']'); e++)
					;
				if (!*e)
					return false;
				p = e + 1;
			}
		}
		if (!*p)
			return false;
	}
	return true;
}

/* A selector's glob, checked. */
static int get_glob(struct cfg_parse *ps, yaml_node_t *v, const char *key, char **out)
{
	int err = cfg_get_string(ps, v, key, out);

	if (!err && !glob_sets_closed(*out))
		return cfg_fail(ps, v,
				"'%s': a '[' opens a set no ']' closes (\\[ for the character)",
				key);
	return err;
}

static int selector_key(struct cfg_parse *ps, const yaml_node_t *k, const char *key, yaml_node_t *v,
			void *arg)
{
	struct daemon_selector *sel = arg;
	int err, m;

	if (!strcmp(key, "image"))
		return get_glob(ps, v, key, &sel->image);
	if (!strcmp(key, "name"))
		return get_glob(ps, v, key, &sel->name);
	if (!strcmp(key, "namespace"))
		return get_glob(ps, v, key, &sel->pod_namespace);
	if (!strcmp(key, "engine")) {
		err = cfg_get_string(ps, v, key, &sel->engine);
		if (!err && strcmp(sel->engine, "docker") && strcmp(sel->engine, "podman") &&
		    strcmp(sel->engine, "containerd") && strcmp(sel->engine, "cri"))
			return cfg_fail(ps, v,
					"'engine' must be docker, podman, containerd or cri");
		return err;
	}
	if (!strcmp(key, "policy")) {
		err = cfg_get_string(ps, v, key, &sel->policy);
		if (!err && !oci_policy_name_valid(sel->policy))
			return cfg_fail(ps, v,
					"'policy' is a policy name: 1 to 64 of [A-Za-z0-9._-]");
		return err;
	}
	if (!strcmp(key, "mode")) {
		m = daemon_parse_mode(cfg_scalar(v));
		if (m < 0)
			return cfg_fail(ps, v, "'mode' must be enforce or simulate");
		sel->mode = m;
		return 0;
	}
	return cfg_fail(ps, k,
			"unknown key '%s' in a selector (image, name, engine, namespace, "
			"policy, mode)",
			key);
}

static int parse_selector(struct cfg_parse *ps, yaml_node_t *n, struct daemon_selector *sel)
{
	int err;

	sel->mode = DAEMON_MODE_POLICY;
	sel->line = (int)n->start_mark.line + 1;
	if (n->type != YAML_MAPPING_NODE)
		return cfg_fail(ps, n, "a selector is a mapping with 'policy' and what to match");
	err = cfg_each_pair(ps, n, selector_key, sel);
	if (err)
		return err;
	if (!sel->policy)
		return cfg_fail(ps, n, "selector without 'policy'");
	if (!sel->image && !sel->name && !sel->engine && !sel->pod_namespace)
		return cfg_fail(ps, n,
				"a selector needs at least one of image, name, engine, namespace");
	return 0;
}

static int containers_key(struct cfg_parse *ps, const yaml_node_t *k, const char *key,
			  yaml_node_t *v, void *arg)
{
	struct daemon_containers *c = arg;
	yaml_node_item_t *it;
	size_t count;
	int err = 0, named;

	if (!strcmp(key, "policies_dir"))
		return cfg_get_path(ps, v, key, &c->policies_dir);
	if (!strcmp(key, "docker_root"))
		return cfg_get_path(ps, v, key, &c->docker_root);
	if (!strcmp(key, "named")) {
		err = cfg_get_bool(ps, v, key, &named);
		c->names_ignored = !named;
		return err;
	}
	if (!strcmp(key, "default_policy")) {
		free(c->default_policy);
		c->default_policy = NULL;
		err = cfg_get_string(ps, v, key, &c->default_policy);
		if (!err && !oci_policy_name_valid(c->default_policy))
			return cfg_fail(ps, v,
					"'default_policy' is a policy name: 1 to 64 of "
					"[A-Za-z0-9._-]");
		return err;
	}
	if (!strcmp(key, "selectors")) {
		if (v->type != YAML_SEQUENCE_NODE)
			return cfg_fail(ps, v, "'selectors' must be a list");
		count = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
		c->selectors = calloc(count ? count : 1, sizeof(*c->selectors));
		if (!c->selectors)
			return -ENOMEM;
		for (it = v->data.sequence.items.start; it < v->data.sequence.items.top && !err;
		     it++)
			err = parse_selector(ps, yaml_document_get_node(&ps->doc, *it),
					     &c->selectors[c->nselectors++]);
		return err;
	}
	return cfg_fail(ps, k,
			"unknown key '%s' in 'containers' (policies_dir, docker_root, "
			"named, default_policy, selectors)",
			key);
}

int cfg_parse_containers(struct cfg_parse *ps, yaml_node_t *n, struct daemon_containers *c)
{
	if (n->type != YAML_MAPPING_NODE)
		return cfg_fail(ps, n, "'containers' must be a mapping");
	return cfg_each_pair(ps, n, containers_key, c);
}

int daemon_config_binds_unasked(const struct daemon_config *c)
{
	return c->containers.nselectors > 0 || c->containers.default_policy;
}
