// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Command rules that allow more than the name they give, for lint: the kernel
 * judges the executable it runs and argv[1..], never argv[0], and a multi-call
 * program picks what it does by argv[0].
 */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include "compile/compile.h"
#include "lint.h"

/*
 * Programs that act by the name they are called by, by their file's name:
 * applets (any program of theirs, whatever argv[1] says) or a mode (bash
 * called rbash is restricted, called bash it is not).
 */
static const struct {
	const char *name;
	bool applets;
} multicall[] = {
	{ "busybox", true },
	{ "toybox", true },
	{ "coreutils", true },
	{ "bash", false },
};

static const char *base(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

int lint_multicall(const char *pattern, char *const *search, size_t nsearch, char *prog,
		   size_t progsz)
{
	char word[PATH_MAX];
	size_t i, wl = strcspn(pattern, " ");
	int n;

	if (wl >= sizeof(word))
		return 0; /* the compiler refuses it, and says why */
	memcpy(word, pattern, wl);
	word[wl] = '\0';
	if (strpbrk(word, "*?[\\"))
		return 0; /* a glob names its programs itself */
	n = subject_command(word, search, nsearch, prog, progsz);
	if (n < 0)
		return n == -ENOENT ? 0 : n;
	for (i = 0; i < sizeof(multicall) / sizeof(multicall[0]); i++) {
		if (strcmp(base(prog), multicall[i].name))
			continue;
		/* Called by another name (ls, rbash): the rule allows the program by its own. */
		if (strcmp(base(word), multicall[i].name))
			return 1;
		/* busybox ls *: argv[0] picks the applet before argv[1] does. */
		return multicall[i].applets && pattern[wl] && strcmp(pattern + wl, " *");
	}
	return 0;
}
