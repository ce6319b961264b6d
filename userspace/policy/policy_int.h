/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Internals of the policy loader, shared by userspace/policy*.c only:
 * policy.c reads files and resolves includes, policy_yaml.c turns one YAML
 * document into rules, policy_value.c checks single values.
 */
#ifndef AGENTGATE_POLICY_INT_H
#define AGENTGATE_POLICY_INT_H

#include <stddef.h>
#include <yaml.h>
#include <openssl/evp.h>
#include "policy.h"

#define AG_POLICY_MAX_BYTES (1u << 20) /* per file */
#define AG_POLICY_MAX_FILES 64u
#define AG_POLICY_MAX_DEPTH 16u
#define AG_POLICY_MAX_PORTS 64u
#define AG_POLICY_MAX_SEARCH 64u
#define AG_POLICY_MAX_DENY_ENV 64u


struct loader {
	struct ag_policy *p;
	struct ag_error *err;
	EVP_MD_CTX *sha;
	size_t caprules;
	const char *top_dir; /* where the top-level file's bare includes are looked up */
	char *stack[AG_POLICY_MAX_DEPTH]; /* real paths of the files being loaded */
	size_t depth;
	char **seen; /* real paths of every file loaded, to include each once */
	size_t nseen;
};

/* Formats "file:line:col: msg" into the error; returns -EINVAL. */
int ld_fail(struct loader *ld, const char *file, const yaml_mark_t *m, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Parses one document. fragment: only include and rules are allowed (an included file). */
int ld_document(struct loader *ld, const char *file, const char *dir, const char *buf, size_t len,
		int fragment);
/* Loads the include named by entry (as written) from a file in dir; m is where it is named. */
int ld_include(struct loader *ld, const char *file, const char *dir, const char *entry,
	       const yaml_mark_t *m);
/* Appends a zeroed rule; NULL with the error set when out of memory or over AG_MAX_RULES. */
struct ag_rule *ld_new_rule(struct loader *ld, const char *file, const yaml_mark_t *m);

/* Values. Each returns NULL when fine, else what was expected (static text). */
const char *val_decision(const char *s, int *allow);
const char *val_mode(const char *s, enum ag_mode *mode);
/* dns_grace: whole seconds, 0 to AG_DNS_GRACE_MAX. */
const char *val_dns_grace(const char *s, unsigned int *out);
/* dns_quota: a whole number, 1 to AG_DNS_QUOTA_MAX. */
const char *val_dns_quota(const char *s, unsigned int *out);
/* A glob's syntax; *off is the byte where it fails. */
const char *val_glob(const char *s, size_t *off);
const char *val_cidr(const char *s);
/* "443", "1000-2000". */
const char *val_port(const char *s, struct ag_port_range *r);

#endif /* AGENTGATE_POLICY_INT_H */
