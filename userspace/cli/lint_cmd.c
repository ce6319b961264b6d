// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * agentgate lint POLICY: every error check would report, plus warnings that
 * need the compiled languages:
 *   - a rule that is never the first match (no state of its class's DFA
 *     accepts with it), with the earlier rule that covers it when one does
 *     alone, or noted as after a catch-all;
 *   - an allow file rule that matches every path (as wide as "/" followed by "**");
 *   - a file rule that never matches what the kernel reports: through
 *     /proc/self, or through a symbolic link of this host (lint_path.c) unless
 *     another rule deciding the same covers the resolved form.
 * Exit: 0 no warnings, 1 warnings, 2 errors.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "check/lint.h"
#include "compile/compile_int.h"

static const char usage_text[] = "usage: agentgate lint [--] POLICY\n";

struct lint {
	const struct ag_policy *p;
	struct ag_image *one; /* per rule: the rule compiled alone */
	struct ag_image full, ref; /* the policy; the catch-all of every class */
	unsigned int warnings;
};

static int compile_some(const struct ag_policy *p, struct ag_rule *rules, size_t n,
			struct ag_image *img, struct ag_error *err)
{
	struct ag_policy q = *p;

	q.rules = rules;
	q.nrules = n;
	q.default_allow = 0;
	return compile_policy(&q, NULL, img, NULL, err);
}

/* 1 when rule i's language (in every class it has) includes the one of big, per class. */
static int covers(const struct lint *l, const struct ag_image *big, const struct ag_image *small)
{
	unsigned int c;
	int any = 0, r;

	for (c = 0; c < AG_CLASS_COUNT; c++) {
		if (c == AG_CLASS_ENV || !image_has_class(small, c))
			continue;
		r = image_includes(big, small, c);
		if (r <= 0)
			return r;
		any = 1;
	}
	return any;
}

/* 1 when img matches, in every class it has, every input of that class (a catch-all). */
static int catch_all(const struct lint *l, const struct ag_image *img)
{
	unsigned int c;
	int any = 0, r;

	for (c = 0; c < AG_CLASS_COUNT; c++) {
		if (c == AG_CLASS_ENV || !image_has_class(img, c))
			continue;
		r = image_includes(img, &l->ref, c);
		if (r <= 0)
			return r;
		any = 1;
	}
	return any;
}

static const char *shown(const struct ag_rule *r)
{
	return r->pattern ? r->pattern : r->cidr ? r->cidr : "";
}

/* Prints "file:line:col: warning: rule N ('pattern') <what>[ (rule M, file:l:c, 'pattern')]". */
static void warn(struct lint *l, const struct ag_rule *r, const struct ag_rule *o, const char *fmt,
		 ...) __attribute__((format(printf, 4, 5)));

static void warn(struct lint *l, const struct ag_rule *r, const struct ag_rule *o, const char *fmt,
		 ...)
{
	va_list ap;

	printf("%s:%d:%d: warning: rule %zu ('%s') ", r->loc.file, r->loc.line, r->loc.col,
	       (size_t)(r - l->p->rules), shown(r));
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (o)
		printf(" (rule %zu, %s:%d:%d, '%s')", (size_t)(o - l->p->rules), o->loc.file,
		       o->loc.line, o->loc.col, shown(o));
	printf("\n");
	l->warnings++;
}

static int never_first(const struct lint *l, size_t i)
{
	unsigned int c;

	for (c = 0; c < AG_CLASS_COUNT; c++) /* deny_env is not a rule */
		if (c != AG_CLASS_ENV && image_has_class(&l->one[i], c) &&
		    image_rule_reachable(&l->full, c, (unsigned int)i))
			return 0;
	return 1;
}

static int shadowed(struct lint *l, size_t i)
{
	const struct ag_rule *r = &l->p->rules[i];
	size_t j;
	int ret;

	for (j = 0; j < i; j++) {
		if (l->p->rules[j].action != r->action)
			continue;
		ret = covers(l, &l->one[j], &l->one[i]);
		if (ret < 0)
			return ret;
		if (!ret)
			continue;
		if (catch_all(l, &l->one[j]) > 0)
			warn(l, r, &l->p->rules[j],
			     "comes after a catch-all rule and never matches");
		else
			warn(l, r, &l->p->rules[j],
			     "is never the first match: an earlier rule matches everything it matches");
		return 0;
	}
	warn(l, r, NULL,
	     "is never the first match: the rules before it together match everything it matches");
	return 0;
}

/* Bits set past the prefix (10.0.0.1/8): the rule means the whole network, 10.0.0.0/8. */
static bool host_bits(const char *cidr)
{
	unsigned int prefix, i;
	uint8_t addr[16];

	if (!cidr || net_parse_cidr(cidr, addr, &prefix))
		return false;
	for (i = prefix; i < 128; i++)
		if (addr[i / 8] & (0x80u >> (i % 8)))
			return true;
	return false;
}

/* 1 when some rule other than i, of its action and decision, matches everything img does. */
static int covered(const struct lint *l, size_t i, const struct ag_image *img)
{
	const struct ag_rule *r = &l->p->rules[i], *o;
	size_t j;
	int ret;

	for (j = 0; j < l->p->nrules; j++) {
		o = &l->p->rules[j];
		if (j == i || o->action != r->action || o->allow != r->allow)
			continue;
		ret = covers(l, &l->one[j], img);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * A file rule written as the kernel never reports a path. Through a link of
 * this host it may be meant for other hosts (ld-so's /lib rules): no warning
 * when a rule deciding the same covers the resolved form.
 */
static int kernel_form(struct lint *l, size_t i, struct ag_error *err)
{
	const struct ag_rule *r = &l->p->rules[i];
	char want[2 * PATH_MAX], link[2 * PATH_MAX + 8];
	struct ag_rule alt = *r;
	struct ag_image img = { 0 };
	int ret;

	if (r->action != AG_ACTION_FILE_READ && r->action != AG_ACTION_FILE_WRITE)
		return 0;
	ret = lint_path_resolved(r->pattern, want, sizeof(want), link, sizeof(link));
	if (ret == LINT_PATH_PROC_SELF)
		warn(l, r, NULL,
		     "never matches: the kernel reports /proc/self as /proc/PID and "
		     "/proc/thread-self as /proc/PID/task/TID; write '%s'",
		     want);
	if (ret != LINT_PATH_LINK)
		return ret < 0 ? ret : 0;
	alt.pattern = want;
	ret = compile_some(l->p, &alt, 1, &img, err);
	if (!ret)
		ret = covered(l, i, &img);
	image_free(&img);
	if (ret < 0)
		return ret;
	if (!ret)
		warn(l, r, NULL,
		     "never matches on this host (symbolic link %s): the kernel reports the "
		     "path it resolves, '%s', which no other %s rule covers",
		     link, want, r->allow ? "allow" : "deny");
	return 0;
}

static int run(struct lint *l, struct ag_error *err)
{
	struct ag_rule ref[5] = {
		{ .action = AG_ACTION_FILE_READ, .pattern = "/**" },
		{ .action = AG_ACTION_FILE_WRITE, .pattern = "/**" },
		{ .action = AG_ACTION_SHELL_EXEC, .pattern = "*" },
		{ .action = AG_ACTION_NETWORK, .pattern = "*" },
		{ .action = AG_ACTION_LISTEN, .cidr = "::/0" },
	};
	const struct ag_policy *p = l->p;
	char prog[PATH_MAX];
	size_t i;
	int ret;

	ret = compile_policy(p, NULL, &l->full, NULL, err);
	if (!ret)
		ret = compile_some(p, ref, 5, &l->ref, err);
	if (ret)
		return ret;
	l->one = calloc(p->nrules ? p->nrules : 1, sizeof(*l->one));
	if (!l->one)
		return -ENOMEM;
	for (i = 0; i < p->nrules && !ret; i++)
		ret = compile_some(p, &p->rules[i], 1, &l->one[i], err);
	for (i = 0; i < p->nrules && !ret; i++) {
		const struct ag_rule *r = &p->rules[i];

		if (r->allow &&
		    (r->action == AG_ACTION_FILE_READ || r->action == AG_ACTION_FILE_WRITE) &&
		    catch_all(l, &l->one[i]) > 0)
			warn(l, r, NULL, "allows %s of every path, as wide as '/**'",
			     ag_action_name(r->action));
		if (host_bits(r->cidr))
			warn(l, r, NULL,
			     "has address bits past its prefix: it stands for the whole network");
		if (r->action == AG_ACTION_SHELL_EXEC && r->allow &&
		    lint_multicall(r->pattern, p->search_path, p->nsearch, prog, sizeof(prog)) > 0)
			warn(l, r, NULL,
			     "allows %s whatever argv[0] says: it does what the name it is called "
			     "by says (busybox's applets, bash as rbash), and the kernel judges the "
			     "program and argv[1..]; allow what every name of it may do, or another "
			     "program",
			     prog);
		ret = kernel_form(l, i, err);
		if (!ret && never_first(l, i))
			ret = shadowed(l, i);
	}
	if (ret == -E2BIG)
		snprintf(err->msg, sizeof(err->msg), "%s: too many DFA state pairs to analyse",
			 p->name);
	return ret;
}

int cmd_lint(int argc, char **argv)
{
	struct ag_policy *p = NULL;
	struct lint l = { 0 };
	struct ag_error err = { { 0 } };
	size_t i;
	int ret;

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("%s", usage_text);
		return 0;
	}
	/* `lint -- -odd-name.yaml`, as every other command takes it. */
	if (argc == 3 && !strcmp(argv[1], "--")) {
		argv++;
		argc--;
	} else if (argc == 2 && !strcmp(argv[1], "-")) {
		/* A policy's includes are found beside it: there is no policy on stdin. */
		fprintf(stderr,
			"agentgate: lint: '-': lint reads a POLICY file, not standard input\n");
		argc = 0;
	} else if (argc == 2 && argv[1][0] == '-' && strcmp(argv[1], "--")) {
		fprintf(stderr,
			"agentgate: lint: unknown option '%s' (lint -- %s for a file named so)\n",
			argv[1], argv[1]);
		argc = 0;
	} else if (argc != 2 || !strcmp(argv[1], "--")) {
		fprintf(stderr, "agentgate: lint: %s\n",
			argc > 2 ? "one POLICY at a time" : "no POLICY to lint");
		argc = 0;
	}
	if (argc != 2) {
		fputs(usage_text, stderr);
		return 2;
	}
	ret = policy_load(argv[1], &p, &err);
	if (!ret) {
		l.p = p;
		ret = run(&l, &err);
	}
	if (ret)
		fprintf(stderr, "agentgate: %s\n", err.msg[0] ? err.msg : strerror(-ret));
	if (l.one)
		for (i = 0; i < p->nrules; i++)
			image_free(&l.one[i]);
	free(l.one);
	image_free(&l.full);
	image_free(&l.ref);
	policy_free(p);
	/* Warnings that never reached the reader are no lint. */
	if (stdout_flushed())
		return 2;
	return ret ? 2 : l.warnings ? 1 : 0;
}
