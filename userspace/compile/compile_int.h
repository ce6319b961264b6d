/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Internals of the policy compiler, shared by userspace/compile*.c only.
 *
 * Pipeline per action class: every rule's pattern becomes a regular
 * expression tree over byte sets (compile_glob.c, compile_exec.c,
 * compile_net.c), all rules of the class go into one struct re, which
 * compile_dfa.c turns into a DFA by followpos (Glushkov positions),
 * compile_min.c minimises and compresses the byte classes, and
 * compile_image.c lays the tables out as include/policy_image.h says.
 */
#ifndef AGENTGATE_COMPILE_INT_H
#define AGENTGATE_COMPILE_INT_H

#include <stddef.h>
#include <stdint.h>
#include "compile.h"

/* Default cap on DFA states built before minimisation (compile_opts.state_budget). */
#define AG_DEFAULT_STATE_BUDGET 200000u

enum re_type {
	RE_EPS, /* matches the empty string */
	RE_SET, /* one byte out of sets[set] */
	RE_CAT,
	RE_ALT,
	RE_STAR,
	RE_END, /* end marker of rule `rule` (a position, matches nothing) */
};

struct re_node {
	uint8_t type;
	int32_t a, b; /* children (CAT, ALT: a b; STAR: a) */
	uint32_t v; /* RE_SET: set index; RE_END: index into re.rules */
};

struct re_rule {
	uint32_t root; /* RE_CAT(pattern, RE_END) */
	uint16_t index; /* rule index in the policy */
	uint8_t allow;
};

/*
 * An arena of nodes for one action class. Constructors never fail: on
 * allocation failure they set oom and return node 0 (an RE_EPS), and the
 * caller checks re.oom once at the end.
 */
struct re {
	struct re_node *nodes;
	size_t nnodes, capnodes;
	uint8_t (*sets)[32]; /* byte bitmaps */
	size_t nsets, capsets;
	uint32_t byteset[256]; /* set index + 1 of each single-byte set, 0 when none yet */
	struct re_rule *rules;
	size_t nrules, caprules;
	int oom;
};

void re_init(struct re *re);
void re_free(struct re *re);
uint32_t re_eps(struct re *re);
uint32_t re_set(struct re *re, const uint8_t set[32]);
uint32_t re_byte(struct re *re, uint8_t c);
uint32_t re_range(struct re *re, uint8_t lo, uint8_t hi);
uint32_t re_any(struct re *re);
uint32_t re_cat(struct re *re, uint32_t a, uint32_t b);
uint32_t re_alt(struct re *re, uint32_t a, uint32_t b);
uint32_t re_star(struct re *re, uint32_t a);
uint32_t re_opt(struct re *re, uint32_t a);
uint32_t re_literal(struct re *re, const char *s, size_t len);
/* Adds a rule whose pattern is node; returns 0 or -ENOMEM. */
int re_add_rule(struct re *re, uint32_t node, uint16_t index, int allow);

static inline void bset_add(uint8_t *set, unsigned int c)
{
	set[c >> 3] |= (uint8_t)(1u << (c & 7));
}

static inline int bset_has(const uint8_t *set, unsigned int c)
{
	return (set[c >> 3] >> (c & 7)) & 1;
}

/* Glob dialects: what `*`, `**` and `?` may cross. */
enum glob_mode {
	GLOB_PATH, /* `*` `?` never match '/', `**` anything; slash-star-star-slash also matches one '/' */
	GLOB_CMD, /* `*` `**` match anything; `?` and classes never match '/' */
	GLOB_DOMAIN, /* `*` matches anything, `?` one byte */
};

/* Where and why a pattern was refused. */
struct glob_err {
	size_t off; /* byte offset in the pattern as written */
	const char *what;
};

/* Parses glob pat[0..len) into re; returns 0 with *node set, or -EINVAL with e filled. */
int glob_parse(struct re *re, const char *pat, size_t len, enum glob_mode mode, uint32_t *node,
	       struct glob_err *e);
/*
 * Lexical normalisation of an absolute path glob ("." ".." "//" and a trailing
 * '/' go; '/' inside [...] or escaped is not a separator). Returns the length
 * or a negative errno (-EINVAL: relative, -ENAMETOOLONG: does not fit).
 */
int glob_normalise_path(const char *pat, char *out, size_t outsz, struct glob_err *e);
/* Offset of the first glob metacharacter (unescaped * ? [) or -1. */
long glob_meta(const char *pat, size_t len);
/* Copies pat with glob metacharacters and backslashes escaped; returns the length or -ENAMETOOLONG. */
int glob_escape(const char *s, char *out, size_t outsz);
/* Removes escapes from a glob without metacharacters; returns the length or -ENAMETOOLONG. */
int glob_unescape(const char *pat, size_t len, char *out, size_t outsz);
/* End of a bracket expression starting at pat[i] == '[' (index of ']'), or -1. */
long glob_bracket_end(const char *pat, size_t len, size_t i);

/* Command patterns (compile_exec.c). */
int cmd_pattern(struct re *re, const char *pat, const char *const *search, size_t nsearch,
		uint32_t *node, struct glob_err *e);

/* Network rules (compile_net.c): 1 when the rule adds nothing to that class. */
int net_addr_pattern(struct re *re, const struct ag_rule *r, uint32_t *node, struct glob_err *e);
int net_domain_pattern(struct re *re, const struct ag_rule *r, uint32_t *node, struct glob_err *e);
int net_parse_cidr(const char *cidr, uint8_t addr[16], unsigned int *prefix);

/* A DFA under construction or minimised; state 0 dead, state 1 start. */
struct dfa {
	uint32_t nstates, ncls;
	uint8_t classmap[256];
	uint32_t *next; /* nstates * ncls */
	uint16_t *accept;
	/* Per re rule: DFA states (before minimisation) holding one of its positions. */
	uint32_t *rule_hits;
	uint32_t *rule_npos; /* and the number of its positions */
};

/* Builds the DFA of every rule in re; -E2BIG when more than budget states would be needed. */
int dfa_build(const struct re *re, uint32_t budget, struct dfa *d);
/* Minimises (partition refinement from groups of equal accept) and merges equal classes. */
int dfa_minimise(struct dfa *d);
void dfa_free(struct dfa *d);
/* The rules (indexes into re.rules) most responsible for the states: up to max, worst first. */
size_t dfa_blame(const struct re *re, const struct dfa *d, uint32_t *out, size_t max);

/* below[] (policy_image.h AG_BELOW_*) of every state into out[nstates] (compile_below.c). */
int dfa_below(const struct dfa *d, int default_allow, uint8_t *out);

/* Image layout (compile_image.c). */
int image_write(const struct ag_policy *p, struct dfa *const dfas[AG_CLASS_COUNT],
		struct ag_image *out, size_t *table_bytes);

#endif /* AGENTGATE_COMPILE_INT_H */
