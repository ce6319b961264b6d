// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * policy_load(): reads a policy file and the fragments it includes, hashes
 * every byte read (in load order), and hands each document to policy_yaml.c.
 * Includes resolve as docs/policy.md says; each file is read at most once, so
 * a fragment included twice adds its rules once (the later copy could never
 * be the first match anyway), and a file that includes itself is an error.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "policy_int.h"
#include "util/file.h"

const char *ag_action_name(enum ag_action a)
{
	switch (a) {
	case AG_ACTION_FILE_READ:
		return "file_read";
	case AG_ACTION_FILE_WRITE:
		return "file_write";
	case AG_ACTION_SHELL_EXEC:
		return "shell_exec";
	case AG_ACTION_NETWORK:
		return "network";
	case AG_ACTION_LISTEN:
		return "listen";
	}
	return "unknown";
}

int ld_fail(struct loader *ld, const char *file, const yaml_mark_t *m, const char *fmt, ...)
{
	size_t n;
	va_list ap;

	snprintf(ld->err->msg, sizeof(ld->err->msg), "%s:%zu:%zu: ", file, m->line + 1,
		 m->column + 1);
	n = strlen(ld->err->msg);
	va_start(ap, fmt);
	vsnprintf(ld->err->msg + n, sizeof(ld->err->msg) - n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

struct ag_rule *ld_new_rule(struct loader *ld, const char *file, const yaml_mark_t *m)
{
	struct ag_policy *p = ld->p;
	struct ag_rule *r;
	size_t cap;

	if (p->nrules >= AG_MAX_RULES) {
		ld_fail(ld, file, m, "expected at most %u rules (includes counted)", AG_MAX_RULES);
		return NULL;
	}
	if (p->nrules == ld->caprules) {
		cap = ld->caprules ? ld->caprules * 2 : 32;
		r = realloc(p->rules, cap * sizeof(*r));
		if (!r) {
			snprintf(ld->err->msg, sizeof(ld->err->msg), "%s: out of memory", file);
			return NULL;
		}
		p->rules = r;
		ld->caprules = cap;
	}
	r = &p->rules[p->nrules++];
	memset(r, 0, sizeof(*r));
	r->loc.file = file;
	r->loc.line = (int)m->line + 1;
	r->loc.col = (int)m->column + 1;
	return r;
}

/* Keeps name in policy->files (rules point into it); returns the owned copy. */
static char *add_file(struct loader *ld, const char *name)
{
	struct ag_policy *p = ld->p;
	char **v = realloc(p->files, (p->nfiles + 1) * sizeof(*v));

	if (!v)
		return NULL;
	p->files = v;
	v[p->nfiles] = strdup(name);
	return v[p->nfiles] ? v[p->nfiles++] : NULL;
}

static int parse(struct loader *ld, const char *shown, const char *real, const char *dir,
		 const char *buf, size_t len, int fragment)
{
	yaml_mark_t start = { 0 };
	unsigned char frame[8];
	char *name, **seen;
	int err;

	if (len > AG_POLICY_MAX_BYTES)
		return ld_fail(ld, shown, &start, "expected at most %u bytes in a policy file",
			       AG_POLICY_MAX_BYTES);
	if (ld->p->nfiles >= AG_POLICY_MAX_FILES)
		return ld_fail(ld, shown, &start, "expected at most %u files (includes counted)",
			       AG_POLICY_MAX_FILES);
	name = add_file(ld, shown);
	seen = realloc(ld->seen, (ld->nseen + 1) * sizeof(*seen));
	if (!name || !seen)
		return -ENOMEM;
	ld->seen = seen;
	seen[ld->nseen] = strdup(real);
	if (!seen[ld->nseen])
		return -ENOMEM;
	ld->nseen++;
	/*
	 * Each file's length before its bytes: the hash names one set of files, not
	 * one concatenation that two different splits into includes could share.
	 */
	for (int i = 0; i < 8; i++)
		frame[i] = (unsigned char)((uint64_t)len >> (56 - 8 * i));
	if (!EVP_DigestUpdate(ld->sha, frame, sizeof(frame)) ||
	    !EVP_DigestUpdate(ld->sha, buf, len))
		return -EIO;
	ld->stack[ld->depth++] = seen[ld->nseen - 1];
	err = ld_document(ld, name, dir, buf, len, fragment);
	ld->depth--;
	return err;
}

/*
 * Reads path (at most the cap plus one byte, so an oversized file is noticed).
 * A regular file only (-EMEDIUMTYPE otherwise): a FIFO would block the reader
 * (the daemon's loop, for an assigned policy) until someone writes.
 */
static int read_file(const char *path, char **buf, size_t *len)
{
	size_t cap = AG_POLICY_MAX_BYTES + 1, n = 0;
	ssize_t r;
	int fd;

	fd = file_open_regular(path, 0);
	if (fd < 0)
		return fd;
	*buf = malloc(cap);
	if (!*buf) {
		close(fd);
		return -ENOMEM;
	}
	while (n < cap && (r = read(fd, *buf + n, cap - n)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			close(fd);
			free(*buf);
			return (int)r;
		}
		n += (size_t)r;
	}
	close(fd);
	*len = n;
	return 0;
}

/* Appends s to buf (size sz), cutting what does not fit. */
static void append(char *buf, size_t sz, const char *s)
{
	size_t n = strlen(buf), k = strlen(s);

	if (n + 1 >= sz)
		return;
	if (k > sz - n - 1)
		k = sz - n - 1;
	memcpy(buf + n, s, k);
	buf[n + k] = '\0';
}

static int load_path(struct loader *ld, const char *path, const char *from, const yaml_mark_t *m,
		     int fragment)
{
	char real[PATH_MAX], chain[768], dirbuf[PATH_MAX], *buf;
	yaml_mark_t start = { 0 };
	size_t len, i, n;
	int err;

	if (!realpath(path, real))
		return m ? ld_fail(ld, from, m, "expected a readable include: %s: %s", path,
				   strerror(errno)) :
			   -errno;
	for (i = 0; i < ld->depth; i++) {
		if (strcmp(ld->stack[i], real))
			continue;
		chain[0] = '\0';
		for (n = i; n < ld->depth; n++) {
			append(chain, sizeof(chain), ld->stack[n]);
			append(chain, sizeof(chain), " -> ");
		}
		append(chain, sizeof(chain), real);
		return ld_fail(ld, from, m, "expected includes without a cycle: %s", chain);
	}
	for (i = 0; i < ld->nseen; i++)
		if (!strcmp(ld->seen[i], real))
			return 0;
	if (ld->depth >= AG_POLICY_MAX_DEPTH)
		return ld_fail(ld, from, m, "expected includes nested at most %u deep",
			       AG_POLICY_MAX_DEPTH);
	err = read_file(path, &buf, &len);
	if (err == -EMEDIUMTYPE)
		return ld_fail(ld, from, m, "expected a regular file to include: %s", path);
	if (err)
		return m ? ld_fail(ld, from, m, "expected a readable include: %s: %s", path,
				   strerror(-err)) :
			   err;
	if (len > AG_POLICY_MAX_BYTES) {
		free(buf);
		return ld_fail(ld, path, &start, "expected at most %u bytes in a policy file",
			       AG_POLICY_MAX_BYTES);
	}
	snprintf(dirbuf, sizeof(dirbuf), "%s", path);
	err = parse(ld, path, real, dirname(dirbuf), buf, len, fragment);
	free(buf);
	return err;
}

static int is_bare(const char *s)
{
	size_t n = strlen(s);

	if (strchr(s, '/') || s[0] == '.')
		return 0;
	return !(n > 5 && !strcmp(s + n - 5, ".yaml")) && !(n > 4 && !strcmp(s + n - 4, ".yml"));
}

int ld_include(struct loader *ld, const char *file, const char *dir, const char *entry,
	       const yaml_mark_t *m)
{
	char cand[4][PATH_MAX], tried[4 * PATH_MAX + 8];
	unsigned int n = 0, i, k;
	const char *fmt[4][2] = {
		{ "%s/include/%s.yaml", dir },
		{ "%s/%s.yaml", dir },
		{ "%s/include/%s.yaml", ld->top_dir },
		{ "%s/include/%s.yaml", AG_POLICY_DIR },
	};

	if (!is_bare(entry)) {
		while (entry[0] == '.' && entry[1] == '/')
			entry += 2;
		if (snprintf(cand[0], PATH_MAX, "%s%s%s", entry[0] == '/' ? "" : dir,
			     entry[0] == '/' ? "" : "/", entry) >= PATH_MAX)
			return ld_fail(ld, file, m, "expected a shorter include path");
		if (access(cand[0], F_OK))
			return ld_fail(ld, file, m, "expected an include that exists: %s: %s",
				       cand[0], strerror(errno));
		return load_path(ld, cand[0], file, m, 1);
	}
	/* A bare name: include/NAME.yaml next to the includer, NAME.yaml next to it (fragments
	 * including each other), the top-level policy's include/, then the installed ones. */
	for (i = 0; i < 4; i++) {
		snprintf(cand[n], PATH_MAX, fmt[i][0], fmt[i][1], entry);
		for (k = 0; k < n && strcmp(cand[k], cand[n]); k++)
			;
		if (k == n)
			n++;
	}
	tried[0] = '\0';
	for (i = 0; i < n; i++) {
		if (!access(cand[i], F_OK))
			return load_path(ld, cand[i], file, m, 1);
		append(tried, sizeof(tried), i ? ", " : "");
		append(tried, sizeof(tried), cand[i]);
	}
	return ld_fail(ld, file, m, "expected an include that exists: '%s' is none of %s", entry,
		       tried);
}

void policy_free(struct ag_policy *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->nrules; i++) {
		free(p->rules[i].pattern);
		free(p->rules[i].cidr);
		free(p->rules[i].ports);
		free(p->rules[i].reason);
	}
	free(p->rules);
	for (i = 0; i < p->nsearch; i++)
		free(p->search_path[i]);
	free(p->search_path);
	for (i = 0; i < p->ndeny_env; i++)
		free(p->deny_env[i]);
	free(p->deny_env);
	for (i = 0; i < p->nfiles; i++)
		free(p->files[i]);
	free(p->files);
	free(p->name);
	free(p);
}

/* A policy without `name` is named after its file, without directory and extension. */
static int default_name(struct ag_policy *p, const char *file)
{
	const char *base = strrchr(file, '/');
	size_t n;

	if (p->name)
		return 0;
	base = base ? base + 1 : file;
	n = strcspn(base, ".");
	p->name = strndup(base, n ? n : strlen(base));
	return p->name ? 0 : -ENOMEM;
}

static int load(const char *name, const char *buf, size_t len, const char *top_dir,
		struct ag_policy **out, struct ag_error *err)
{
	struct loader ld = { .err = err, .top_dir = top_dir };
	char real[PATH_MAX];
	unsigned int shalen;
	size_t i;
	int ret;

	err->msg[0] = '\0';
	*out = NULL;
	ld.p = calloc(1, sizeof(*ld.p));
	ld.sha = EVP_MD_CTX_new();
	ret = -ENOMEM;
	if (!ld.p || !ld.sha)
		goto out;
	ld.p->dns_grace_s = AG_DNS_GRACE_DEFAULT;
	ld.p->dns_quota = AG_DNS_QUOTA_DEFAULT;
	ret = -EIO;
	if (!EVP_DigestInit_ex(ld.sha, EVP_sha256(), NULL))
		goto out;
	ret = parse(&ld, name, realpath(name, real) ? real : name, top_dir, buf, len, 0);
	if (!ret)
		ret = default_name(ld.p, name);
	if (!ret && !policy_name_ok(ld.p->name)) {
		snprintf(err->msg, sizeof(err->msg),
			 "%s: expected a name: the file's name makes none of 1 to %u bytes without "
			 "control characters (give the policy a 'name')",
			 name, AG_POLICY_MAX_NAME);
		ret = -EINVAL;
	}
	if (!ret && !EVP_DigestFinal_ex(ld.sha, ld.p->sha256, &shalen))
		ret = -EIO;
out:
	if (ret == -ENOMEM && !err->msg[0])
		snprintf(err->msg, sizeof(err->msg), "%s: out of memory", name);
	for (i = 0; i < ld.nseen; i++)
		free(ld.seen[i]);
	free(ld.seen);
	EVP_MD_CTX_free(ld.sha);
	if (ret)
		policy_free(ld.p);
	else
		*out = ld.p;
	return ret;
}

int policy_load_mem(const char *name, const char *buf, size_t len, const char *include_dir,
		    struct ag_policy **out, struct ag_error *err)
{
	char dirbuf[PATH_MAX];

	snprintf(dirbuf, sizeof(dirbuf), "%s", name);
	return load(name, buf, len, include_dir ? include_dir : dirname(dirbuf), out, err);
}

int policy_load(const char *path, struct ag_policy **out, struct ag_error *err)
{
	char *buf;
	size_t len;
	int ret;

	*out = NULL;
	ret = read_file(path, &buf, &len);
	if (ret) {
		snprintf(err->msg, sizeof(err->msg), "%s: %s", path,
			 ret == -EMEDIUMTYPE ? "expected a policy in a regular file" :
					       strerror(-ret));
		return ret == -EMEDIUMTYPE ? -EINVAL : ret;
	}
	ret = policy_load_mem(path, buf, len, NULL, out, err);
	free(buf);
	return ret;
}

const char *policy_reason(const struct ag_policy *p, unsigned int rule, unsigned int op, char *buf,
			  size_t bufsz)
{
	if (!p)
		return "";
	if (rule == AG_RULE_ENV && op >= 1 && op <= p->ndeny_env) {
		snprintf(buf, bufsz, "the environment has %s (deny_env)", p->deny_env[op - 1]);
		return buf;
	}
	return rule < p->nrules && p->rules[rule].reason ? p->rules[rule].reason : "";
}
