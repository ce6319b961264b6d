// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Compiler benchmark: policies of 10, 1,000 and 10,000 realistic path rules
 * (depth 3-8, literals, `*`, `**`, allow and deny) compiled and matched.
 * Prints a markdown table for BENCHMARKS.md. Deterministic (fixed seed).
 */
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "compile/compile.h"

static uint64_t rng = 0x2545f4914f6cdd1dull;

static unsigned int rnd(unsigned int n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned int)(rng % n);
}

static const char *const top[] = { "home", "srv", "opt", "var/lib", "usr/share", "etc", "data" };
static const char *const words[] = {
	"alice",   "bob",	    "carol",  "agent",	  "build",
	"cache",   "config",	    "docs",   "src",	  "lib",
	"include", "tests",	    "assets", "models",	  "runs",
	"input",   "output",	    "logs",   "tmp",	  "www",
	"api",	   "core",	    "util",   "net",	  "db",
	"ui",	   "scripts",	    "vendor", "pkg",	  "node_modules",
	"python3", "site-packages", "numpy",  "requests", "report",
	"daily",   "archive",	    "backup", "keys",	  "secrets",
};
static const char *const exts[] = { "c", "h", "py", "json", "yaml", "md", "csv", "log", "txt" };

#define NWORDS (sizeof(words) / sizeof(words[0]))

/*
 * Rules name places in a directory tree, as real policies do: a tree of
 * nrules / 5 directories (depth 2..7, each a child of an earlier one), then
 * per rule one of them plus a file name, `**`, `*.ext` or `*` / name / `**`.
 */
static char (*dirs)[128];
static size_t ndirs;

static int gen_tree(size_t n)
{
	size_t i, parent;

	dirs = calloc(n, sizeof(*dirs));
	if (!dirs)
		return -1;
	for (i = 0; i < n; i++) {
		if (i < 7 || rnd(8) == 0) {
			snprintf(dirs[i], sizeof(dirs[i]), "/%s", top[i % 7]);
			continue;
		}
		parent = rnd((unsigned int)i);
		if (strlen(dirs[parent]) > 80)
			parent = i % 7;
		memcpy(dirs[i], dirs[parent], sizeof(dirs[i]));
		snprintf(dirs[i] + strlen(dirs[i]), sizeof(dirs[i]) - strlen(dirs[i]), "/%s",
			 words[rnd(NWORDS)]);
	}
	ndirs = n;
	return 0;
}

/* mix 0: 55% files, 25% dir `**`, 17% `*.ext`, 3% `*` / name / `**`. */
static void gen_rule(char *out, size_t outsz, int mix)
{
	unsigned int kind = rnd(100);

	if (mix) /* 90% files, 5% `**`, 5% `*.ext` */
		kind = kind < 90 ? 0 : kind < 95 ? 60 : 85;
	const char *d = dirs[rnd((unsigned int)ndirs)];

	if (kind < 55)
		snprintf(out, outsz, "%s/%s%u.%s", d, words[rnd(NWORDS)], rnd(10), exts[rnd(9)]);
	else if (kind < 80)
		snprintf(out, outsz, "%s/**", d);
	else if (kind < 97)
		snprintf(out, outsz, "%s/*.%s", d, exts[rnd(9)]);
	else
		snprintf(out, outsz, "%s/*/%s/**", d, words[rnd(NWORDS)]);
}

static void gen_input(char *out, size_t outsz)
{
	snprintf(out, outsz, "%s/%s%u.%s", dirs[rnd((unsigned int)ndirs)], words[rnd(NWORDS)],
		 rnd(10), exts[rnd(9)]);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int bench(size_t nrules, int mix)
{
	enum { NINPUTS = 20000, ROUNDS = 20 };
	struct ag_policy p = { .name = "bench" };
	struct compile_stats st;
	struct ag_image img;
	struct ag_error err;
	char(*pats)[160] = calloc(nrules, sizeof(*pats));
	char(*inputs)[160] = calloc(NINPUTS, sizeof(*inputs));
	size_t i, bytes = 0, r, len[NINPUTS];
	double t0, compile_s, match_s;
	unsigned long sink = 0;
	int ret;

	p.rules = calloc(nrules, sizeof(*p.rules));
	if (!pats || !inputs || !p.rules || gen_tree(nrules / 5 + 10))
		return 1;
	for (i = 0; i < nrules; i++) {
		gen_rule(pats[i], sizeof(pats[i]), mix);
		p.rules[i].action = AG_ACTION_FILE_READ;
		p.rules[i].allow = rnd(4) != 0;
		p.rules[i].pattern = pats[i];
	}
	p.nrules = nrules;
	t0 = now();
	ret = compile_policy(&p, NULL, &img, &st, &err);
	compile_s = now() - t0;
	if (ret) {
		/* A refusal is a result too: the row says so, the reason goes to stderr. */
		printf("| %zu | %s | %.1f | refused (%s) | | | |\n", nrules,
		       mix ? "90% literal files" : "mixed", compile_s * 1e3, strerror(-ret));
		fprintf(stderr, "agentgate: bench: %zu rules: %s\n", nrules, err.msg);
		goto out;
	}
	for (i = 0; i < NINPUTS; i++) {
		gen_input(inputs[i], sizeof(inputs[i]));
		len[i] = strlen(inputs[i]);
	}
	t0 = now();
	for (r = 0; r < ROUNDS; r++) {
		for (i = 0; i < NINPUTS; i++) {
			sink += image_match(&img, AG_CLASS_FILE_READ, (const uint8_t *)inputs[i],
					    len[i])
					.rule;
			bytes += len[i];
		}
	}
	match_s = now() - t0;
	printf("| %zu | %s | %.1f | %u | %u | %zu | %.1f |\n", nrules,
	       mix ? "90% literal files" : "mixed", compile_s * 1e3, st.states[AG_CLASS_FILE_READ],
	       st.classes[AG_CLASS_FILE_READ], st.table_bytes, match_s * 1e9 / (double)bytes);
	if (sink == 1)
		puts(""); /* keeps the matching loop from being optimised away */
	image_free(&img);
out:
	free(p.rules);
	free(pats);
	free(inputs);
	free(dirs);
	return 0;
}

int main(void)
{
	static const size_t sizes[] = { 10, 1000, 10000 };
	size_t i;

	printf("| path rules | mix | compile ms | DFA states | byte classes | table bytes | match ns/byte |\n");
	printf("|---:|---|---:|---:|---:|---:|---:|\n");
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		if (bench(sizes[i], 0))
			return 1;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		if (bench(sizes[i], 1))
			return 1;
	return 0;
}
