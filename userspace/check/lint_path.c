// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * File patterns the kernel never reports as written, for lint: bpf_d_path
 * gives the path the kernel resolved, so a rule through /proc/self or through
 * a symbolic link names nothing it will ever match.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "compile/compile_int.h"
#include "lint.h"
#include "util/file.h"

/* The magic links and the form they take in the kernel's paths, as a glob. */
static const char *const proc_self[][2] = {
	{ "/proc/self", "/proc/[0-9]*" },
	{ "/proc/thread-self", "/proc/[0-9]*/task/[0-9]*" },
};

/* The length of dir when p is dir or below it, else 0. */
static size_t under(const char *p, const char *dir)
{
	size_t n = strlen(dir);

	return !strncmp(p, dir, n) && (!p[n] || p[n] == '/') ? n : 0;
}

/* pat with /proc/self or /proc/thread-self in its kernel form: 1, 0 when neither, or -errno. */
static int proc_self_form(const char *pat, char *out, size_t outsz)
{
	size_t i, n;

	for (i = 0; i < sizeof(proc_self) / sizeof(proc_self[0]); i++) {
		n = under(pat, proc_self[i][0]);
		if (!n)
			continue;
		if (snprintf(out, outsz, "%s%s", proc_self[i][1], pat + n) >= (int)outsz)
			return -ENAMETOOLONG;
		return 1;
	}
	return 0;
}

/*
 * The resolved path real as a glob in out, its length returned; realpath names
 * /proc/self as this process's own /proc/PID (through /proc/mounts): the kernel
 * form is any PID.
 */
static int real_pattern(const char *real, char *out, size_t outsz)
{
	char self[32], thread[64];
	const char *head = "";
	size_t n;
	int len, ret;

	snprintf(self, sizeof(self), "/proc/%d", getpid());
	snprintf(thread, sizeof(thread), "%s/task/%d", self, gettid());
	if ((n = under(real, thread)))
		head = proc_self[1][1];
	else if ((n = under(real, self)))
		head = proc_self[0][1];
	len = snprintf(out, outsz, "%s", head);
	if (len >= (int)outsz)
		return -ENAMETOOLONG;
	ret = glob_escape(real + n, out + len, outsz - (size_t)len);
	return ret < 0 ? ret : len + ret;
}

/* End of the component of pat starting at i (an unescaped '/' or the end). */
static size_t component_end(const char *pat, size_t i)
{
	while (pat[i] && pat[i] != '/')
		i += pat[i] == '\\' && pat[i + 1] ? 2 : 1;
	return i;
}

/*
 * The first directory of normalised pat, among those written without glob
 * characters, that is a symbolic link on this host: 1 with pat through the
 * path the link resolves to in out and link filled ("DIR -> TARGET"), 0 when
 * there is none (or it cannot be read, or resolved), or -errno.
 */
static int link_form(const char *pat, char *out, size_t outsz, char *link, size_t linksz)
{
	char dir[PATH_MAX], target[PATH_MAX], real[PATH_MAX], joined[3 * PATH_MAX];
	struct glob_err ge;
	struct stat st;
	size_t i, e;
	int n;

	for (i = 1; pat[i]; i = e + 1) {
		e = component_end(pat, i);
		if (!pat[e]) /* the last name: some operations take a link as itself */
			return 0;
		if (glob_meta(pat, e) >= 0 || glob_unescape(pat, e, dir, sizeof(dir)) < 0)
			return 0;
		if (lstat(dir, &st))
			return 0; /* not on this host, or not ours to look at: nothing to say */
		if (S_ISLNK(st.st_mode))
			break;
	}
	/* A dangling link: nothing is opened through it. */
	if (!pat[i] || link_read(dir, target, sizeof(target)) < 0 || !realpath(dir, real))
		return 0;
	n = real_pattern(real, joined, sizeof(joined) - PATH_MAX);
	if (n < 0)
		return n;
	if (snprintf(joined + n, sizeof(joined) - (size_t)n, "%s", pat + e) >=
	    (int)(sizeof(joined) - (size_t)n))
		return -ENAMETOOLONG;
	snprintf(link, linksz, "%s -> %s", dir, target);
	n = glob_normalise_path(joined, out, outsz, &ge); /* "/" + "/etc/x", from a root link */
	return n < 0 ? n : 1;
}

int lint_path_resolved(const char *pat, char *out, size_t outsz, char *link, size_t linksz)
{
	char cur[2 * PATH_MAX];
	struct glob_err ge;
	int ret;

	if (glob_normalise_path(pat, cur, sizeof(cur), &ge) < 0)
		return 0; /* the compiler's error to report */
	ret = proc_self_form(cur, out, outsz);
	if (ret)
		return ret < 0 ? ret : LINT_PATH_PROC_SELF;
	ret = link_form(cur, out, outsz, link, linksz);
	return ret <= 0 ? ret : LINT_PATH_LINK;
}
