/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Internals of `learn`: observations, proposed rules, and the steps between them. */
#ifndef AGENTGATE_LEARN_INT_H
#define AGENTGATE_LEARN_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "learn.h"

/* Evidence thresholds (docs/learn.md): below them a path stays exact. */
#define LEARN_DIR_MIN 3 /* files of one directory → dir/ + * or dir/ + *.ext */
#define LEARN_TREE_MIN 8 /* files under a directory, in 2+ of its subdirectories → dir/ + ** */
#define LEARN_ARGS_MIN 3 /* argument lists of one executable → "exe *" */

/* One distinct action of the agent, as the kernel (or the DNS proxy) judged it. */
struct learn_obs {
	enum ag_action action;
	char *subject; /* path, command (resolved executable + arguments), or domain; may be NULL */
	char *ip; /* network or listen address; NULL when absent */
	long port; /* -1 when absent */
	bool done; /* ALLOW, or a simulate-mode DENY: the agent did it */
	long rule; /* the deciding rule of the policy in force, -1 for default and others */
	char *reason; /* that rule's reason when it denied explicitly */
	char *policy; /* the policy in force's name */
	unsigned long count; /* decisions it stands for (records merged, each with its count) */
};

struct learn_obsv {
	struct learn_obs *v;
	size_t n, cap;
};

struct learn_rule {
	enum ag_action action;
	bool allow;
	char *pattern; /* glob, escaped; NULL for a cidr rule */
	char *cidr;
	struct ag_port_range *ports; /* NULL: every port */
	size_t nports;
	char *reason;
	char *comment; /* the evidence, or where a current rule comes from */
	unsigned int risk;
	unsigned long count; /* observations it was made from (current rules: decided) */
	long denied_by; /* conflicts: the current rule that denies; else -1 */
};

struct learn_rules {
	struct learn_rule *v;
	size_t n, cap;
};

struct learn_result {
	char *name;
	struct ag_policy *current; /* --policy, or NULL */
	char *current_path;
	struct learn_rules cur; /* current's rules, in order (flattened includes) */
	struct learn_rules add; /* proposed: denies that keep observed refusals, then allows */
	struct learn_rules unused; /* current rules that decided nothing in the window */
	struct learn_rules conflicts; /* proposed allows a current deny rule refuses */
	unsigned long records, decisions, done, refused, skipped, undecodable;
	char **notes;
	size_t nnotes;
	char *unverified; /* why the log did not verify (--unverified); NULL: it did */
	char *yaml;
};

/* learn_read.c: verify the logs, then collect the selected decisions as observations. */
int learn_read(const struct learn_opts *o, struct learn_result *r, struct learn_obsv *obs,
	       struct ag_error *err);
void learn_obsv_free(struct learn_obsv *obs);

/* learn_fold.c: observations (done, of one action) into rules appended to out. */
int learn_fold_paths(struct learn_obs *const *v, size_t n, enum ag_action a,
		     struct learn_rules *out);
int learn_fold_commands(struct learn_obs *const *v, size_t n, struct learn_rules *out);
int learn_fold_network(struct learn_obs *const *v, size_t n, struct learn_rules *out);
/* The glob that matches s literally (\ before * ? [ ] \); malloc'd. */
char *learn_glob_escape(const char *s);
/* The pattern a kernel path is learned as: PIDs under /proc, ask sockets; malloc'd. */
char *learn_path_pattern(const char *path, bool *generic);

/* learn_risk.c: the risk flags of a proposed rule; own: agentgate's files in this run. */
unsigned int learn_risk(const struct learn_rule *rule, const char *const *own, size_t nown);
/* Under /etc, /root, /proc, /sys, /dev, /boot, or a secrets directory (~/.ssh, ~/.gnupg):
 * never widened, and flagged. */
bool learn_sensitive_path(const char *path);

/* learn_rules helpers (learn_propose.c). */
struct learn_rule *learn_rules_push(struct learn_rules *rs);
void learn_rules_free(struct learn_rules *rs);
int learn_note(struct learn_result *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* learn_emit.c */
int learn_emit_yaml(struct learn_result *r);

#endif /* AGENTGATE_LEARN_INT_H */
