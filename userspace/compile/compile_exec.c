// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * shell_exec patterns. The kernel matches "<resolved executable> <argv1> ...",
 * so a pattern's first word is turned into the executables it may name:
 *   bare word "python3"   d/python3 and realpath(d)/python3 for each trusted
 *                          directory d, and realpath(d/python3) when it
 *                          exists (merged /usr, alternatives symlinks), never
 *                          any other directory;
 *   bare glob "python*"    the same with d/python*, plus the realpath of each
 *                          entry of d it matches (keeping a trailing `*`);
 *   path "/usr/bin/x"      normalised, and its realpath when it exists;
 *   a leading `*`          any executable: the whole pattern is one glob.
 * The rest (from the first space) is a command glob over " argv1 argv2 ...":
 * runs of spaces count as one, as the kernel joins arguments with one space.
 */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "compile_int.h"

const char *const ag_default_search_path[] = {
	"/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin", NULL,
};

struct alts {
	char **v;
	size_t n, cap;
};

static int alts_add(struct alts *a, const char *prefix, const char *suffix)
{
	size_t i, len = strlen(prefix) + strlen(suffix) + 1;
	char *s = malloc(len), **v;

	if (!s)
		return -ENOMEM;
	snprintf(s, len, "%s%s", prefix, suffix);
	for (i = 0; i < a->n; i++) {
		if (!strcmp(a->v[i], s)) {
			free(s);
			return 0;
		}
	}
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 16;
		v = realloc(a->v, a->cap * sizeof(*v));
		if (!v) {
			free(s);
			return -ENOMEM;
		}
		a->v = v;
	}
	a->v[a->n++] = s;
	return 0;
}

static void alts_free(struct alts *a)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
}

/* The realpath of path as a glob, with suffix appended, when it differs from path. */
static int add_realpath(struct alts *a, const char *path, const char *suffix)
{
	char rp[PATH_MAX], esc[2 * PATH_MAX + 2];

	if (!realpath(path, rp) || !strcmp(rp, path))
		return 0;
	if (glob_escape(rp, esc, sizeof(esc)) < 0)
		return -ENAMETOOLONG;
	return alts_add(a, esc, suffix);
}

/* dir/word as a glob, dir taken literally. */
static int dir_word(struct alts *a, const char *dir, const char *word)
{
	char esc[2 * PATH_MAX + 2];

	if (glob_escape(dir, esc, sizeof(esc) - 1) < 0)
		return -ENAMETOOLONG;
	if (strcmp(dir, "/")) /* "/" + word, not "//" + word */
		strcat(esc, "/");
	return alts_add(a, esc, word);
}

static int bare_word(struct alts *a, const char *word, const char *dir)
{
	char path[PATH_MAX], lit[PATH_MAX], rdir[PATH_MAX];
	size_t wl = strlen(word);
	const char *star;
	struct dirent *de;
	DIR *dh;
	int err;

	err = dir_word(a, dir, word);
	/* A directory reached through a link (/bin on merged /usr): programs installed later too. */
	if (!err && realpath(dir, rdir) && strcmp(rdir, dir))
		err = dir_word(a, rdir, word);
	if (err)
		return err;
	if (glob_meta(word, wl) < 0) {
		if (glob_unescape(word, wl, lit, sizeof(lit)) < 0 ||
		    snprintf(path, sizeof(path), "%s/%s", dir, lit) >= (int)sizeof(path))
			return -ENAMETOOLONG;
		return add_realpath(a, path, "");
	}
	/* A trailing `*` may run into the arguments: keep it after the resolved name. */
	star = wl && word[wl - 1] == '*' && (wl < 2 || word[wl - 2] != '\\') ? "*" : "";
	dh = opendir(dir);
	if (!dh)
		return 0;
	err = 0;
	while (!err && (de = readdir(dh))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    fnmatch(word, de->d_name, FNM_PERIOD))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= (int)sizeof(path))
			continue;
		err = add_realpath(a, path, star);
	}
	closedir(dh);
	return err;
}

/* Copy of pat without leading/trailing spaces and with runs of unescaped spaces as one. */
static char *collapse(const char *pat)
{
	size_t len = strlen(pat), i, n = 0;
	char *out = malloc(len + 1);
	long b;

	if (!out)
		return NULL;
	for (i = 0; i < len; i++) {
		if (pat[i] == ' ') {
			if (n && out[n - 1] != ' ')
				out[n++] = ' ';
			continue;
		}
		if (pat[i] == '\\' && i + 1 < len) {
			out[n++] = pat[i++];
		} else if (pat[i] == '[' && (b = glob_bracket_end(pat, len, i)) >= 0) {
			memcpy(out + n, pat + i, (size_t)b - i);
			n += (size_t)b - i;
			i = (size_t)b;
		}
		out[n++] = pat[i];
	}
	while (n && out[n - 1] == ' ' && (n < 2 || out[n - 2] != '\\'))
		n--;
	out[n] = '\0';
	return out;
}

int cmd_pattern(struct re *re, const char *pat, const char *const *search, size_t nsearch,
		uint32_t *node, struct glob_err *e)
{
	struct alts a = { 0 };
	char *p, *word = NULL, norm[PATH_MAX], lit[PATH_MAX], *full;
	size_t len, wend, i;
	uint32_t alt = 0, x;
	int err;
	long b;

	p = collapse(pat);
	if (!p)
		return -ENOMEM;
	len = strlen(p);
	if (!len) {
		e->off = 0;
		e->what = "an empty command";
		err = -EINVAL;
		goto out;
	}
	/* Validate once on the pattern as written, so offsets point into it. */
	err = glob_parse(re, p, len, GLOB_CMD, &x, e);
	if (err || p[0] == '*') {
		*node = x;
		goto out;
	}
	for (wend = 0; wend < len && p[wend] != ' '; wend++) {
		if (p[wend] == '\\')
			wend++;
		else if (p[wend] == '[' && (b = glob_bracket_end(p, len, wend)) >= 0)
			wend = (size_t)b;
	}
	word = strndup(p, wend);
	if (!word) {
		err = -ENOMEM;
		goto out;
	}
	if (strchr(word, '/')) {
		err = glob_normalise_path(word, norm, sizeof(norm), e);
		if (err < 0)
			goto out;
		err = alts_add(&a, norm, "");
		if (!err && glob_meta(norm, strlen(norm)) < 0) {
			if (glob_unescape(norm, strlen(norm), lit, sizeof(lit)) < 0)
				err = -ENAMETOOLONG;
			else
				err = add_realpath(&a, lit, "");
		}
	} else {
		for (i = 0; i < nsearch && !err; i++)
			err = bare_word(&a, word, search[i]);
	}
	if (err)
		goto out;
	for (i = 0; i < a.n; i++) {
		size_t fl = strlen(a.v[i]) + (len - wend) + 1;

		full = malloc(fl);
		if (!full) {
			err = -ENOMEM;
			goto out;
		}
		snprintf(full, fl, "%s%s", a.v[i], p + wend);
		err = glob_parse(re, full, strlen(full), GLOB_CMD, &x, e);
		free(full);
		if (err) {
			e->off = 0;
			goto out;
		}
		alt = i ? re_alt(re, alt, x) : x;
	}
	*node = alt;
	err = re->oom ? -ENOMEM : 0;
out:
	free(word);
	free(p);
	alts_free(&a);
	return err;
}
