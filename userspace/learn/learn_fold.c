// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Observations into rules, widening only where the evidence is: many files of
 * one directory become `dir/ + *` (or `dir/ + *.ext` when they share an extension),
 * many files across the subdirectories of one directory become `dir/ + **` (reads
 * only: writes are never widened past one directory), many argument lists of
 * one executable become `exe *`. Domains are kept as looked up and addresses
 * as connected: no network wildcard is ever made. Each widened rule says in
 * its comment how many observations justified it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "compile/compile_int.h"
#include "learn_int.h"

char *learn_glob_escape(const char *s)
{
	size_t sz = 2 * strlen(s) + 1;
	char *out = malloc(sz);

	if (out && glob_escape(s, out, sz) < 0) {
		free(out);
		return NULL;
	}
	return out;
}

static bool all_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return n > 0;
}

/*
 * Names that change from run to run for the same behaviour: a process's own
 * /proc/<pid> (and its /task/<tid>), and the ask socket agentgate names after
 * its own pid. Learned as exact names they would never match again.
 */
char *learn_path_pattern(const char *path, bool *generic)
{
	static const char ask[] = "/run/agentgate-ask/";
	size_t len = strlen(path), n, sz = 2 * len + 32, o = 0;
	const char *p = path, *e, *rest;
	char *out, *esc;
	int pids = 0;

	*generic = false;
	if (!strncmp(path, ask, sizeof(ask) - 1) && !strchr(path + sizeof(ask) - 1, '/') &&
	    len > 5 && !strcmp(path + len - 5, ".sock")) {
		*generic = true;
		return strdup("/run/agentgate-ask/*.sock");
	}
	out = malloc(sz);
	if (!out)
		return NULL;
	out[0] = 0;
	while (*p == '/') {
		e = strchr(p + 1, '/');
		n = e ? (size_t)(e - p - 1) : strlen(p + 1);
		rest = p + 1 + n;
		/* /proc/<pid> and /proc/<pid>/task/<tid> */
		if (all_digits(p + 1, n) && (!strcmp(out, "/proc") || (pids == 1 && o >= 5 &&
						!strcmp(out + o - 5, "/task")))) {
			o += (size_t)snprintf(out + o, sz - o, "/[0-9]*");
			pids++;
			*generic = true;
		} else {
			char part[n + 1];

			memcpy(part, p + 1, n);
			part[n] = 0;
			esc = learn_glob_escape(part);
			if (!esc) {
				free(out);
				return NULL;
			}
			o += (size_t)snprintf(out + o, sz - o, "/%s", esc);
			free(esc);
		}
		p = rest;
	}
	return out;
}

/* Appends an allow rule; takes pattern and comment (either may be NULL: out of memory). */
static int add_rule(struct learn_rules *out, enum ag_action a, char *pattern, unsigned long count,
		    char *comment)
{
	struct learn_rule *r = pattern ? learn_rules_push(out) : NULL;

	if (!r) {
		free(pattern);
		free(comment);
		return -ENOMEM;
	}
	r->action = a;
	r->allow = true;
	r->pattern = pattern;
	r->count = count;
	r->comment = comment;
	return 0;
}

/* A comment from a format, or NULL (the rule then goes without one). */
static char *note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *note(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	return n < 0 ? NULL : s;
}

struct pitem {
	const char *path;
	unsigned long count;
	bool covered;
};

static size_t depth_of(const char *d)
{
	size_t n = 0;

	for (; *d; d++)
		n += *d == '/';
	return n;
}

static int cmp_item(const void *a, const void *b)
{
	return strcmp(((const struct pitem *)a)->path, ((const struct pitem *)b)->path);
}

/* The first item at or after key in path order: items below a directory are contiguous. */
static size_t lower(const struct pitem *it, size_t n, const char *key)
{
	size_t lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (strcmp(it[mid].path, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Files under d (uncovered) and how many distinct subdirectories of d hold some. */
static unsigned long under(struct pitem *it, size_t n, const char *d, unsigned long *subdirs,
			   bool mark)
{
	size_t dl = strlen(d), i, lastlen = 0;
	unsigned long files = 0;
	const char *last = NULL, *s, *slash;
	char key[dl + 2];

	memcpy(key, d, dl);
	memcpy(key + dl, "/", 2);
	*subdirs = 0;
	for (i = lower(it, n, key); i < n && !strncmp(it[i].path, key, dl + 1); i++) {
		if (it[i].covered)
			continue;
		files++;
		if (mark)
			it[i].covered = true;
		s = it[i].path + dl + 1;
		slash = strchr(s, '/');
		if (!slash)
			continue;
		if (!last || lastlen != (size_t)(slash - s) || strncmp(last, s, lastlen))
			(*subdirs)++;
		last = s;
		lastlen = (size_t)(slash - s);
	}
	return files;
}

static int cmp_depth(const void *a, const void *b)
{
	size_t da = depth_of(*(char *const *)a), db = depth_of(*(char *const *)b);

	return da != db ? (da < db ? 1 : -1) : strcmp(*(char *const *)a, *(char *const *)b);
}

/* dir/ + ** for the deepest directories that hold LEARN_TREE_MIN files in 2+ subdirectories. */
static int fold_trees(struct pitem *it, size_t n, struct learn_rules *out)
{
	char **dirs = calloc(n * 8 + 1, sizeof(*dirs)), *d, *slash, *esc, *pat;
	size_t nd = 0, i, j;
	unsigned long files, subdirs;
	int ret = 0;

	if (!dirs)
		return -ENOMEM;
	for (i = 0; i < n && !ret; i++) {
		d = strdup(it[i].path);
		if (!d) {
			ret = -ENOMEM;
			break;
		}
		while ((slash = strrchr(d, '/')) && slash != d) {
			*slash = 0;
			if (depth_of(d) >= 2 && depth_of(d) <= 8 && !learn_sensitive_path(d) &&
			    nd < n * 8) {
				dirs[nd] = strdup(d);
				if (dirs[nd])
					nd++;
			}
		}
		free(d);
	}
	qsort(dirs, nd, sizeof(*dirs), cmp_depth);
	for (i = 0; i < nd && !ret; i++) {
		if (i && !strcmp(dirs[i], dirs[i - 1]))
			continue;
		files = under(it, n, dirs[i], &subdirs, false);
		if (files < LEARN_TREE_MIN || subdirs < 2)
			continue;
		under(it, n, dirs[i], &subdirs, true);
		esc = learn_glob_escape(dirs[i]);
		pat = esc && asprintf(&pat, "%s/**", esc) >= 0 ? pat : NULL;
		free(esc);
		ret = add_rule(out, AG_ACTION_FILE_READ, pat, files,
			       note("%lu files read under %s, in %lu subdirectories", files, dirs[i],
				    subdirs));
	}
	for (j = 0; j < nd; j++)
		free(dirs[j]);
	free(dirs);
	return ret;
}

static const char *ext_of(const char *name)
{
	const char *dot = strrchr(name, '.');

	return dot && dot != name && dot[1] && !strchr(dot, '/') ? dot : NULL;
}

/* Whether it[j] is a file directly in the directory key names ("P/"). */
static bool direct(const struct pitem *it, const char *key, size_t kl)
{
	return !it->covered && !strncmp(it->path, key, kl) && !strchr(it->path + kl, '/');
}

/* dir/ + * or dir/ + *.ext for directories with LEARN_DIR_MIN files left over. */
static int fold_dirs(struct pitem *it, size_t n, enum ag_action a, struct learn_rules *out)
{
	size_t i, j, first, kl;
	const char *slash, *ext, *e;
	char *key, *esc, *eext, *pat;
	unsigned long files;
	int ret = 0;

	for (i = 0; i < n && !ret; i++) {
		slash = strrchr(it[i].path, '/');
		if (it[i].covered || slash == it[i].path || learn_sensitive_path(it[i].path))
			continue;
		kl = (size_t)(slash - it[i].path) + 1;
		key = strndup(it[i].path, kl);
		if (!key)
			return -ENOMEM;
		ext = ext_of(slash + 1);
		files = 0;
		first = lower(it, n, key);
		for (j = first; j < n && !strncmp(it[j].path, key, kl); j++) {
			if (!direct(&it[j], key, kl))
				continue;
			files++;
			e = ext_of(it[j].path + kl);
			if (ext && (!e || strcmp(e, ext)))
				ext = NULL;
		}
		if (files < LEARN_DIR_MIN) {
			free(key);
			continue;
		}
		for (j = first; j < n && !strncmp(it[j].path, key, kl); j++)
			if (direct(&it[j], key, kl))
				it[j].covered = true;
		key[kl - 1] = 0;
		esc = learn_glob_escape(key);
		eext = ext ? learn_glob_escape(ext) : strdup("");
		pat = esc && eext && asprintf(&pat, "%s/*%s", esc, eext) >= 0 ? pat : NULL;
		free(esc);
		free(eext);
		ret = add_rule(out, a, pat, files,
			       note("%lu files %s in %s", files,
				    a == AG_ACTION_FILE_READ ? "read" : "written", key));
		free(key);
	}
	return ret;
}

int learn_fold_paths(struct learn_obs *const *v, size_t n, enum ag_action a,
		     struct learn_rules *out)
{
	struct pitem *it = calloc(n + 1, sizeof(*it));
	size_t i, j, ni = 0;
	bool generic;
	char *pat;
	int ret = 0;

	if (!it)
		return -ENOMEM;
	for (i = 0; i < n && !ret; i++) {
		pat = learn_path_pattern(v[i]->subject, &generic);
		if (!pat) {
			ret = -ENOMEM;
			break;
		}
		if (!generic) {
			free(pat);
			it[ni].path = v[i]->subject;
			it[ni++].count = v[i]->count;
			continue;
		}
		/* The same generic pattern from several processes: one rule. */
		for (j = 0; j < out->n; j++)
			if (out->v[j].action == a && out->v[j].pattern &&
			    !strcmp(out->v[j].pattern, pat))
				break;
		if (j < out->n) {
			out->v[j].count++;
			free(pat);
			continue;
		}
		ret = add_rule(out, a, pat, 1,
			       strdup(strncmp(pat, "/proc/", 6) ?
					      "agentgate's ask socket, named after each run's pid" :
					      "the agent's own /proc/<pid> entries: pids change every run"));
	}
	qsort(it, ni, sizeof(*it), cmp_item);
	if (!ret && a == AG_ACTION_FILE_READ)
		ret = fold_trees(it, ni, out);
	if (!ret)
		ret = fold_dirs(it, ni, a, out);
	for (i = 0; i < ni && !ret; i++)
		if (!it[i].covered)
			ret = add_rule(out, a, learn_glob_escape(it[i].path), 1, NULL);
	free(it);
	return ret;
}

static size_t exe_len(const char *cmd)
{
	return strcspn(cmd, " ");
}

int learn_fold_commands(struct learn_obs *const *v, size_t n, struct learn_rules *out)
{
	bool *used = calloc(n + 1, sizeof(*used));
	size_t i, j, el;
	unsigned long withargs;
	char *exe, *esc, *pat;
	int ret = 0;

	if (!used)
		return -ENOMEM;
	for (i = 0; i < n && !ret; i++) {
		if (used[i])
			continue;
		el = exe_len(v[i]->subject);
		withargs = 0;
		for (j = i; j < n; j++)
			if (exe_len(v[j]->subject) == el &&
			    !strncmp(v[j]->subject, v[i]->subject, el) && v[j]->subject[el])
				withargs++;
		if (withargs < LEARN_ARGS_MIN)
			continue;
		exe = strndup(v[i]->subject, el);
		esc = exe ? learn_glob_escape(exe) : NULL;
		pat = esc && asprintf(&pat, "%s *", esc) >= 0 ? pat : NULL;
		ret = add_rule(out, AG_ACTION_SHELL_EXEC, pat, withargs,
			       note("%lu argument lists seen for %s", withargs, exe));
		free(exe);
		free(esc);
		for (j = i; j < n; j++)
			if (exe_len(v[j]->subject) == el &&
			    !strncmp(v[j]->subject, v[i]->subject, el) && v[j]->subject[el])
				used[j] = true;
	}
	for (i = 0; i < n && !ret; i++)
		if (!used[i])
			ret = add_rule(out, AG_ACTION_SHELL_EXEC, learn_glob_escape(v[i]->subject),
				       1, NULL);
	free(used);
	return ret;
}

static int add_port(struct learn_rule *r, long port)
{
	struct ag_port_range *p;
	size_t i;

	if (port < 0)
		return 0;
	for (i = 0; i < r->nports; i++)
		if (r->ports[i].lo == port)
			return 0;
	p = realloc(r->ports, (r->nports + 1) * sizeof(*p));
	if (!p)
		return -ENOMEM;
	r->ports = p;
	r->ports[r->nports].lo = r->ports[r->nports].hi = (uint16_t)port;
	r->nports++;
	return 0;
}

/*
 * A domain as it was looked up, with the ports connected to on its addresses
 * (every port when only the lookup was seen); an address connected to by
 * number as a host cidr; a listen address likewise.
 */
int learn_fold_network(struct learn_obs *const *v, size_t n, struct learn_rules *out)
{
	struct learn_rule *r;
	size_t i, j;
	bool dom;
	int ret = 0;

	for (i = 0; i < n && !ret; i++) {
		dom = v[i]->action == AG_ACTION_NETWORK && v[i]->subject;
		for (j = 0; j < out->n; j++) {
			r = &out->v[j];
			if (r->action == v[i]->action &&
			    (dom ? r->pattern && !strcmp(r->pattern, v[i]->subject) :
				   r->cidr && !strcmp(r->cidr, v[i]->ip)))
				break;
		}
		if (j == out->n) {
			r = learn_rules_push(out);
			if (!r)
				return -ENOMEM;
			r->action = v[i]->action;
			r->allow = true;
			if (dom)
				r->pattern = learn_glob_escape(v[i]->subject);
			else
				r->cidr = strdup(v[i]->ip);
			if (!r->pattern && !r->cidr)
				return -ENOMEM;
		}
		r->count += v[i]->count;
		ret = add_port(r, v[i]->port);
	}
	return ret;
}
