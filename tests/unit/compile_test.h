/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Helpers for the compiler tests: policies built by hand, matching by class. */
#ifndef AGENTGATE_COMPILE_TEST_H
#define AGENTGATE_COMPILE_TEST_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "compile/compile.h"

#define TP_MAX_RULES 64

struct tpol {
	struct ag_policy p;
	struct ag_rule rules[TP_MAX_RULES];
	struct ag_port_range ports[TP_MAX_RULES][4];
	struct ag_image img;
	struct compile_stats st;
	struct ag_error err;
};

static inline void tp_init(struct tpol *t, int default_allow)
{
	memset(t, 0, sizeof(*t));
	t->p.name = "test.yaml";
	t->p.default_allow = default_allow;
	t->p.rules = t->rules;
}

static inline struct ag_rule *tp_rule(struct tpol *t, enum ag_action a, const char *pattern,
				      int allow)
{
	struct ag_rule *r = &t->rules[t->p.nrules];

	assert_true(t->p.nrules < TP_MAX_RULES);
	r->action = a;
	r->allow = allow;
	r->pattern = (char *)pattern;
	r->loc.file = "test.yaml";
	r->loc.line = (int)t->p.nrules + 10;
	r->loc.col = 5;
	t->p.nrules++;
	return r;
}

static inline void tp_ports(struct tpol *t, struct ag_rule *r, uint16_t lo, uint16_t hi)
{
	size_t i = (size_t)(r - t->rules);

	t->ports[i][r->nports].lo = lo;
	t->ports[i][r->nports].hi = hi;
	r->ports = t->ports[i];
	r->nports++;
}

static inline int tp_compile(struct tpol *t, const struct compile_opts *o)
{
	image_free(&t->img);
	return compile_policy(&t->p, o, &t->img, &t->st, &t->err);
}

static inline void tp_compile_ok(struct tpol *t)
{
	int err = tp_compile(t, NULL);

	if (err)
		fail_msg("compile failed: %d %s", err, t->err.msg);
}

static inline void tp_free(struct tpol *t)
{
	image_free(&t->img);
}

/* Verdict for a string input of class cls, as rule index (or AG_RULE_*) and allow. */
static inline struct ag_verdict tp_match(struct tpol *t, enum ag_class cls, const char *s)
{
	return image_match(&t->img, cls, (const uint8_t *)s, strlen(s));
}

/* -1 when denied by default, else the rule index; allow must be as given for a rule. */
#define assert_rule(t, cls, s, want)                                                \
	do {                                                                        \
		struct ag_verdict v_ = tp_match((t), (cls), (s));                   \
		int got_ = v_.rule == AG_RULE_DEFAULT ? -1 : (int)v_.rule;          \
		if (got_ != (want))                                                 \
			fail_msg("'%s': rule %d, expected %d", (s), got_, (want));  \
		if (got_ >= 0)                                                      \
			assert_int_equal(v_.allow, (t)->rules[got_].allow ? 1 : 0); \
	} while (0)

#endif /* AGENTGATE_COMPILE_TEST_H */
