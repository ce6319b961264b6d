// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * genpolicy N yaml|apparmor [KEEP]: N generated file_read rules, as the items
 * of a `policy: rules:` list (yaml) or as AppArmor profile lines. Same
 * generator as bench_compile.c (same seed, tree and mix: depth 2..7, literal
 * files, `**`, `*.ext`, `*`/name/`**`, a quarter of them deny), so a row of
 * the VM table and of the compiler table describe the same kind of policy.
 *
 * No deny rule covers anything below KEEP's directory (the file the benchmark
 * opens): AppArmor's deny wins over every allow while agentgate's first match
 * wins, and only with that rule out do both allow the benchmark's file.
 */
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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

int main(int argc, char **argv)
{
	const char *keep = argc > 3 ? argv[3] : "";
	char(*dirs)[128], pat[160];
	size_t n, ndirs, i, parent, dlen;
	unsigned int kind;
	int aa, allow;

	if (argc < 3 || (strcmp(argv[2], "yaml") && strcmp(argv[2], "apparmor"))) {
		fprintf(stderr, "usage: genpolicy N yaml|apparmor [KEEP]\n");
		return 2;
	}
	n = strtoul(argv[1], NULL, 10);
	aa = !strcmp(argv[2], "apparmor");
	ndirs = n / 5 + 10;
	dirs = calloc(ndirs, sizeof(*dirs));
	if (!dirs)
		return 1;
	/* A tree of directories, each a child of an earlier one (bench_compile's gen_tree). */
	for (i = 0; i < ndirs; i++) {
		if (i < 7 || rnd(8) == 0) {
			snprintf(dirs[i], sizeof(dirs[i]), "/%s", top[i % 7]);
			continue;
		}
		parent = rnd((unsigned int)i);
		if (strlen(dirs[parent]) > 80)
			parent = i % 7;
		memcpy(dirs[i], dirs[parent], sizeof(dirs[i]));
		dlen = strlen(dirs[i]);
		snprintf(dirs[i] + dlen, sizeof(dirs[i]) - dlen, "/%s", words[rnd(NWORDS)]);
	}
	/* 55% files, 25% dir `**`, 17% `*.ext`, 3% `*` / name / `**` (bench_compile's mix 0). */
	for (i = 0; i < n;) {
		const char *d;

		kind = rnd(100);
		d = dirs[rnd((unsigned int)ndirs)];
		if (kind < 55)
			snprintf(pat, sizeof(pat), "%s/%s%u.%s", d, words[rnd(NWORDS)], rnd(10),
				 exts[rnd(9)]);
		else if (kind < 80)
			snprintf(pat, sizeof(pat), "%s/**", d);
		else if (kind < 97)
			snprintf(pat, sizeof(pat), "%s/*.%s", d, exts[rnd(9)]);
		else
			snprintf(pat, sizeof(pat), "%s/*/%s/**", d, words[rnd(NWORDS)]);
		allow = rnd(4) != 0;
		dlen = strlen(d);
		if (!allow && !strncmp(keep, d, dlen) && keep[dlen] == '/')
			continue;
		if (aa)
			printf("  %s\"%s\" r,\n", allow ? "" : "deny ", pat);
		else
			printf("    - action: file_read\n      path: \"%s\"\n      decision: %s\n",
			       pat, allow ? "ALLOW" : "DENY");
		i++;
	}
	free(dirs);
	return 0;
}
