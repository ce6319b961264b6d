// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Differential test: the compiled DFAs against a plain recursive glob matcher
 * written here from the documented semantics, over thousands of random
 * patterns, strings and multi-rule policies (first match). Seeded: a failure
 * prints the pattern and string, and reruns the same way.
 */
#include <errno.h>
#include <stdio.h>
#include "compile_test.h"
#include "compile/compile_int.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static unsigned int rnd(unsigned int n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned int)(rng % n);
}

/* Reference semantics (compile_glob.c's header comment). */
static int cls_match(const char **pp, char c)
{
	const char *p = *pp + 1;
	int neg = 0, hit = 0;

	if (*p == '!' || *p == '^') {
		neg = 1;
		p++;
	}
	for (; *p != ']'; p++) {
		if (p[1] == '-' && p[2] != ']') {
			hit |= c >= p[0] && c <= p[2];
			p += 2;
		} else {
			hit |= c == *p;
		}
	}
	*pp = p + 1;
	return c != '/' && (neg ? !hit : hit);
}

static int ref(const char *pat, const char *p, const char *s, enum glob_mode mode)
{
	const char *q, *t;
	int dbl;

	for (;;) {
		if (!*p)
			return !*s;
		switch (*p) {
		case '*':
			for (q = p; *q == '*'; q++)
				;
			dbl = mode != GLOB_PATH || q - p >= 2;
			if (mode == GLOB_PATH && dbl && p > pat && p[-1] == '/' && *q == '/' &&
			    ref(pat, q + 1, s, mode))
				return 1;
			for (t = s;; t++) {
				if (ref(pat, q, t, mode))
					return 1;
				if (!*t || (!dbl && *t == '/'))
					return 0;
			}
		case '?':
			if (!*s || (mode != GLOB_DOMAIN && *s == '/'))
				return 0;
			p++;
			s++;
			break;
		case '[':
			if (!*s || !cls_match(&p, *s))
				return 0;
			s++;
			break;
		default:
			if (*s != *p)
				return 0;
			p++;
			s++;
		}
	}
}

static const char *const path_tokens[] = { "a", "b",	"a",	"*",	 "**",
					   "?", "[ab]", "[!a]", "[a-c]", "." };
static const char *const cmd_tokens[] = { "a", "b", " ", "/", "*", "**", "?", "[ab]", "[!a ]", "." };

static void gen_path(char *out, size_t outsz)
{
	unsigned int nseg = 1 + rnd(4), i, k, ntok;
	char seg[64];

	out[0] = '\0';
	for (i = 0; i < nseg; i++) {
		do {
			seg[0] = '\0';
			ntok = 1 + rnd(3);
			for (k = 0; k < ntok; k++)
				strcat(seg, path_tokens[rnd(10)]);
		} while (!strcmp(seg, ".") || !strcmp(seg, ".."));
		snprintf(out + strlen(out), outsz - strlen(out), "/%s", seg);
	}
}

static void gen_cmd(char *out)
{
	unsigned int n = 1 + rnd(7), k;

	out[0] = '\0';
	for (k = 0; k < n; k++)
		strcat(out, cmd_tokens[rnd(10)]);
}

/* A string the pattern probably matches, sometimes mutated. */
static void gen_input(const char *pat, char *out, enum glob_mode mode)
{
	static const char alpha[] = "abc/. ";
	size_t n = 0, k;
	const char *p = pat;

	while (*p && n < 40) {
		if (*p == '*') {
			int dbl = p[1] == '*' || mode != GLOB_PATH;

			while (*p == '*')
				p++;
			for (k = rnd(4); k; k--)
				out[n++] = dbl ? alpha[rnd(5)] : alpha[rnd(3)];
		} else if (*p == '[') {
			while (*p != ']')
				p++;
			p++;
			out[n++] = alpha[rnd(3)];
		} else if (*p == '?') {
			p++;
			out[n++] = alpha[rnd(mode == GLOB_PATH ? 3 : 6)];
		} else {
			out[n++] = *p++;
		}
	}
	out[n] = '\0';
	if (rnd(3) == 0 && n) {
		k = rnd((unsigned int)n);
		switch (rnd(3)) {
		case 0:
			out[k] = alpha[rnd(6)];
			break;
		case 1:
			memmove(out + k, out + k + 1, n - k);
			break;
		default:
			memmove(out + k + 1, out + k, n - k + 1);
			out[k] = alpha[rnd(6)];
		}
	}
}

static int dfa_walk(const struct dfa *d, const char *s)
{
	uint32_t st = 1;
	uint16_t a;

	for (; *s; s++)
		st = d->next[(size_t)st * d->ncls + d->classmap[(uint8_t)*s]];
	a = d->accept[st];
	return a == AG_NO_MATCH ? -1 : AG_ACCEPT_RULE(a);
}

/* Paths through the whole pipeline: compile_policy() and image_match(). */
static void test_paths(void **state)
{
	char pats[6][128], in[64];
	struct tpol t;
	int trial, i, k, n, want, got;
	long checks = 0;

	for (trial = 0; trial < 2500; trial++) {
		n = trial < 1500 ? 1 : 2 + rnd(5);
		tp_init(&t, 0);
		for (i = 0; i < n; i++) {
			gen_path(pats[i], sizeof(pats[i]));
			tp_rule(&t, AG_ACTION_FILE_READ, pats[i], (int)rnd(2));
		}
		tp_compile_ok(&t);
		for (k = 0; k < 40; k++) {
			gen_input(pats[rnd((unsigned int)n)], in, GLOB_PATH);
			want = -1;
			for (i = 0; i < n && want < 0; i++)
				if (ref(pats[i], pats[i], in, GLOB_PATH))
					want = i;
			got = tp_match(&t, AG_CLASS_FILE_READ, in).rule;
			got = got == AG_RULE_DEFAULT ? -1 : got;
			if (got != want)
				fail_msg(
					"trial %d input '%s': dfa rule %d, reference %d (first pattern '%s')",
					trial, in, got, want, pats[0]);
			checks++;
		}
		tp_free(&t);
	}
	assert_true(checks == 100000);
}

/* Command and domain dialects through the internal API. */
static void diff_mode(enum glob_mode mode, int trials)
{
	char pats[6][64], in[64];
	struct glob_err e;
	struct dfa d;
	struct re re;
	uint32_t node;
	int trial, i, k, n, want, got;

	for (trial = 0; trial < trials; trial++) {
		n = trial < trials / 2 ? 1 : 2 + rnd(5);
		re_init(&re);
		for (i = 0; i < n; i++) {
			gen_cmd(pats[i]);
			assert_int_equal(glob_parse(&re, pats[i], strlen(pats[i]), mode, &node, &e),
					 0);
			assert_int_equal(re_add_rule(&re, node, (uint16_t)i, 1), 0);
		}
		assert_int_equal(dfa_build(&re, 100000, &d), 0);
		assert_int_equal(dfa_minimise(&d), 0);
		for (k = 0; k < 40; k++) {
			gen_input(pats[rnd((unsigned int)n)], in, mode);
			want = -1;
			for (i = 0; i < n && want < 0; i++)
				if (ref(pats[i], pats[i], in, mode))
					want = i;
			got = dfa_walk(&d, in);
			if (got != want)
				fail_msg(
					"mode %d trial %d input '%s': dfa rule %d, reference %d ('%s')",
					mode, trial, in, got, want, pats[0]);
		}
		dfa_free(&d);
		re_free(&re);
	}
}

static void test_commands(void **state)
{
	diff_mode(GLOB_CMD, 1500);
}

static void test_domains(void **state)
{
	diff_mode(GLOB_DOMAIN, 1000);
}

/* Minimisation must not change any verdict: compare with the unminimised DFA. */
static void test_minimise_keeps_language(void **state)
{
	char pats[8][128], in[64];
	struct dfa big, small;
	struct glob_err e;
	struct re re;
	uint32_t node;
	int trial, i, k;

	for (trial = 0; trial < 300; trial++) {
		re_init(&re);
		for (i = 0; i < 8; i++) {
			gen_path(pats[i], sizeof(pats[i]));
			assert_int_equal(
				glob_parse(&re, pats[i], strlen(pats[i]), GLOB_PATH, &node, &e), 0);
			assert_int_equal(re_add_rule(&re, node, (uint16_t)i, (int)rnd(2)), 0);
		}
		assert_int_equal(dfa_build(&re, 100000, &big), 0);
		assert_int_equal(dfa_build(&re, 100000, &small), 0);
		assert_int_equal(dfa_minimise(&small), 0);
		assert_true(small.nstates <= big.nstates);
		for (k = 0; k < 50; k++) {
			gen_input(pats[rnd(8)], in, GLOB_PATH);
			assert_int_equal(dfa_walk(&big, in), dfa_walk(&small, in));
		}
		dfa_free(&big);
		dfa_free(&small);
		re_free(&re);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_commands),
		cmocka_unit_test(test_domains),
		cmocka_unit_test(test_minimise_keeps_language),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
