/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * `agentgate learn`: what an agent did, read from a verified audit log, becomes
 * a proposed policy (docs/learn.md).
 *
 *   struct learn_opts o = { .logs = paths, .nlogs = 1, .agent = "/agents/a1" };
 *   struct learn_result *r; struct ag_error err;
 *   if (learn_propose(&o, &r, &err) == 0) {
 *           learn_result_yaml(r, &yaml);       // the policy file, comments included
 *           learn_result_json(r, &j);          // {yaml, summary, add[], unused[], conflicts[], risky[]}
 *           learn_result_free(r);
 *   }
 *
 * What learn_propose() promises, checked before it returns: the YAML loads and
 * compiles, and every observed action that was done (ALLOW, or a simulate-mode
 * "would deny") is ALLOW under it, judged by check_eval() (the kernel's
 * matcher), except the conflicts: actions a rule of the current policy (--policy)
 * denies explicitly, which stay denied and are reported for a person to decide.
 * Observed enforce-mode denials stay DENY (unless the same action was also done
 * in the window). Otherwise it fails with -EPROTO.
 *
 * Any thread; nothing here shares state between calls. Returns 0 or a negative
 * errno with err->msg filled in (-EEXIST: two of logs are the same file); prints
 * nothing.
 */
#ifndef AGENTGATE_LEARN_H
#define AGENTGATE_LEARN_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>
#include "policy/policy.h"

struct learn_opts {
	char *const *logs; /* the log and its rotated files, any order */
	int nlogs;
	const char *pubkey_hex; /* trusted key (64 hex); NULL: key_dir's audit.pub, or when
				   there is no such file the log's own key (noted in the
				   summary); one that cannot be read fails */
	const char *key_dir; /* NULL: /var/lib/agentgate/keys */
	bool unverified; /* learn from a log that fails verification (noted) */
	const char *agent; /* cgroup path: only it and the cgroups below it; NULL: all */
	const char *container; /* a container's name or id prefix; NULL: any */
	const char *policy; /* CURRENT: diff against it, never loosen its deny rules */
	int64_t since_ns; /* only decisions at or after this time (Unix ns); 0: all */
	const char *name; /* the proposed policy's name; NULL: "learned" or CURRENT's */
};

/* Risk flags of a proposed rule (learn_risk_names() gives their words). */
enum {
	LEARN_RISK_CONFIG = 1 << 0, /* writes to a configuration file */
	LEARN_RISK_PROTECTED = 1 << 1, /* a path agentgate protects (its policies, logs, keys) */
	LEARN_RISK_SHELL = 1 << 2, /* a shell interpreter */
	LEARN_RISK_PRIV = 1 << 3, /* sudo, su, doas, pkexec */
	LEARN_RISK_PKG = 1 << 4, /* a package manager */
	LEARN_RISK_NET_WILD = 1 << 5, /* a network wildcard */
	LEARN_RISK_SENSITIVE = 1 << 6, /* under /etc, /root, ~/.ssh, or a key file */
	LEARN_RISK_WAS_DENIED = 1 << 7, /* the policy in force denied it by an explicit rule */
};

struct learn_result;

int learn_propose(const struct learn_opts *o, struct learn_result **out, struct ag_error *err);
/* The proposed policy (malloc'd, NUL-terminated). 0 or -ENOMEM. */
int learn_result_yaml(const struct learn_result *r, char **yaml);
/*
 * {"yaml": "...", "summary": {...counts, notes[]}, "add": [rule...], "unused": [rule...],
 *  "conflicts": [{rule, denied_by}...], "risky": [rule...]}; a rule is
 *  {"action","pattern"|"cidr","ports"?,"decision","reason"?,"count","risks":[word...]}.
 * 0 or -ENOMEM.
 */
int learn_result_json(const struct learn_result *r, json_t **out);
/* The summary a person reads (what is added, risky, conflicting, unused), malloc'd. */
int learn_result_summary(const struct learn_result *r, char **text);
/* How many observed actions a deny rule of the current policy refuses (not merged). */
unsigned int learn_result_conflicts(const struct learn_result *r);
void learn_result_free(struct learn_result *r);

/* Words of the flags in risk, comma-separated, into buf. */
const char *learn_risk_names(unsigned int risk, char *buf, size_t bufsz);

#endif /* AGENTGATE_LEARN_H */
