/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * What the daemon config's parser files share (daemon_config.c: the document
 * and its keys; daemon_config_containers.c: `containers`). One parse, one thread.
 */
#ifndef AGENTGATE_DAEMON_CONFIG_INT_H
#define AGENTGATE_DAEMON_CONFIG_INT_H

#include <yaml.h>
#include "daemon_config.h"

struct cfg_parse {
	const char *name;
	char *dir; /* the config's directory, for relative policy paths */
	yaml_document_t doc;
	struct ag_error *err;
};

/* -EINVAL with err->msg "name:line:col: " and fmt's words about node n. */
int cfg_fail(struct cfg_parse *ps, const yaml_node_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* n's text when it is a scalar, else NULL. */
const char *cfg_scalar(const yaml_node_t *n);
/* What cfg_each_pair() calls for each key of a mapping: 0, or the error that ends the walk. */
typedef int (*cfg_pair_fn)(struct cfg_parse *ps, const yaml_node_t *k, const char *key,
			   yaml_node_t *v, void *arg);
/* fn for each pair of mapping n, in the file's order, until one fails; a key that is not a scalar fails. */
int cfg_each_pair(struct cfg_parse *ps, const yaml_node_t *n, cfg_pair_fn fn, void *arg);
/* The scalar v of key, copied into *out (freed by the caller); else cfg_fail(). */
int cfg_get_string(struct cfg_parse *ps, const yaml_node_t *v, const char *key, char **out);
/* The same, relative to the config's directory. */
int cfg_get_path(struct cfg_parse *ps, const yaml_node_t *v, const char *key, char **out);
/* true or false into *out (1 or 0). */
int cfg_get_bool(struct cfg_parse *ps, const yaml_node_t *v, const char *key, int *out);
/* The `containers` mapping n into c. */
int cfg_parse_containers(struct cfg_parse *ps, yaml_node_t *n, struct daemon_containers *c);

#endif /* AGENTGATE_DAEMON_CONFIG_INT_H */
