/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The policy model: what a YAML policy says, rules in file order with includes
 * resolved in place. Produced by policy_load(), consumed by the compiler.
 */
#ifndef AGENTGATE_POLICY_H
#define AGENTGATE_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "policy_image.h"

/*
 * Where installed policies and their include/ fragments live (see docs/policy.md):
 * PREFIX/share/agentgate/policies, as the Makefile's PREFIX says.
 */
#ifndef AG_POLICY_DIR
#define AG_POLICY_DIR "/usr/share/agentgate/policies"
#endif

enum ag_action {
	AG_ACTION_FILE_READ,
	AG_ACTION_FILE_WRITE,
	AG_ACTION_SHELL_EXEC,
	AG_ACTION_NETWORK,
	AG_ACTION_LISTEN, /* accepting connections or datagrams on a local address and port */
};

struct ag_loc {
	const char *file; /* owned by the policy (policy->files) */
	int line;
	int col;
};

struct ag_port_range {
	uint16_t lo, hi;
};

struct ag_rule {
	enum ag_action action;
	int allow;
	char *pattern; /* path, command or domain glob; NULL for a cidr-only network rule */
	char *cidr; /* network: "a.b.c.d/n" or "x::/n", NULL when absent */
	struct ag_port_range *ports; /* network: NULL means every port */
	size_t nports;
	char *reason; /* NULL when the rule has none */
	struct ag_loc loc;
};

struct ag_policy {
	char *name;
	int default_allow;
	enum ag_mode mode;
	struct ag_rule *rules;
	size_t nrules;
	char **search_path; /* trusted directories for bare command names */
	size_t nsearch;
	char **deny_env; /* environment variable names (a trailing '*': a prefix) no exec may carry */
	/* seconds a learned address outlives its DNS answer's TTL (docs/network.md) */
	unsigned int dns_grace_s;
	/* addresses learned from DNS answers held at once (docs/network.md) */
	unsigned int dns_quota;
	size_t ndeny_env;
	char **files; /* the policy file and every included file, for ag_loc */
	size_t nfiles;
	uint8_t sha256[32]; /* over the bytes of every file read, in load order */
};

/*
 * Clients keep answers past their TTL (curl 60 s, Java 30 s): connects made
 * from such a cache must not be denied. Cilium settled on 60 s as well.
 */
#define AG_DNS_GRACE_DEFAULT 60
#define AG_DNS_GRACE_MAX 3600

/*
 * A policy's share of the learned addresses (AG_LEARNED_ENTRIES for all): past
 * it, the proxy forgets the policy's own address nearest to expiry, so a flood
 * of answers costs only the flooder. 512 live addresses: a busy crawler's hour.
 */
#define AG_DNS_QUOTA_DEFAULT 512
#define AG_DNS_QUOTA_MAX 4096

/* Errors meant for people: "file:line:col: what was expected". */
struct ag_error {
	char msg[1024];
};

/* The trusted search path used when a policy does not set one. */
extern const char *const ag_default_search_path[];

const char *ag_action_name(enum ag_action a);

/* Returns 0 or a negative errno with err->msg filled in. */
/*
 * A policy's name is in every record, metric label and answer: 1 to
 * AG_POLICY_MAX_NAME bytes, one line, no control bytes (UTF-8 is fine).
 */
#define AG_POLICY_MAX_NAME 128u
bool policy_name_ok(const char *s);
/*
 * A top-level key of a policy file (name, version, rules, ..., or the
 * `policy:` that wraps them): a parser of another file given one says which
 * file it was given.
 */
bool policy_key(const char *key);
int policy_load(const char *path, struct ag_policy **out, struct ag_error *err);
/* The same from memory; name is used in messages, includes resolve against
 * include_dir (NULL: the directory of name, then the installed policies/). */
int policy_load_mem(const char *name, const char *buf, size_t len, const char *include_dir,
		    struct ag_policy **out, struct ag_error *err);
void policy_free(struct ag_policy *p);

/*
 * The reason text of a kernel decision by rule index (op: the event's op, for
 * AG_RULE_ENV the deny_env entry): the rule's reason, a sentence for deny_env,
 * or "". p may be NULL. buf holds sentences that are built.
 */
const char *policy_reason(const struct ag_policy *p, unsigned int rule, unsigned int op, char *buf,
			  size_t bufsz);

#endif /* AGENTGATE_POLICY_H */
