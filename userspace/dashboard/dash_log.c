// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The dashboard's index of an audit log (dash_log.h). */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "audit/audit_int.h"
#include "dash_log.h"

struct dash_file {
	int fd;
	char *map; /* the file's bytes read so far (mapped of them, cap allocated) */
	size_t mapped, cap;
	size_t indexed; /* bytes up to the last complete line indexed */
	ino_t ino;
};

struct dash_log {
	char *path; /* the active file */
	char **paths; /* rotated files, then path */
	int nfiles;
	struct dash_file *files;
	struct dash_rec *recs;
	size_t n, cap;
	/* Interned strings: id i is strs[i]; an open-addressing table of ids by hash. */
	char **strs;
	uint32_t nstr, strcap;
	uint32_t *slots;
	size_t nslots;
};

static uint64_t fnv(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ull;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return h;
}

static int grow_slots(struct dash_log *l)
{
	size_t n = l->nslots ? l->nslots * 2 : 1024, i;
	uint32_t *s = calloc(n, sizeof(*s)), id;

	if (!s)
		return -ENOMEM;
	for (id = 1; id < l->nstr; id++) {
		i = fnv(l->strs[id], strlen(l->strs[id])) & (n - 1);
		while (s[i])
			i = (i + 1) & (n - 1);
		s[i] = id;
	}
	free(l->slots);
	l->slots = s;
	l->nslots = n;
	return 0;
}

/* The id of s[0..len), added when new; 0 for the empty string or on ENOMEM. */
static uint32_t intern(struct dash_log *l, const char *s, size_t len)
{
	size_t i;
	uint32_t id;

	if (!len || memchr(s, 0, len))
		return 0;
	if ((l->nstr + 1) * 2 > l->nslots && grow_slots(l))
		return 0;
	for (i = fnv(s, len) & (l->nslots - 1); (id = l->slots[i]); i = (i + 1) & (l->nslots - 1))
		if (!strncmp(l->strs[id], s, len) && !l->strs[id][len])
			return id;
	if (l->nstr == l->strcap) {
		uint32_t cap = l->strcap ? l->strcap * 2 : 256;
		char **p = realloc(l->strs, cap * sizeof(*p));

		if (!p)
			return 0;
		l->strs = p;
		l->strcap = cap;
	}
	l->strs[l->nstr] = strndup(s, len);
	if (!l->strs[l->nstr])
		return 0;
	l->slots[i] = l->nstr;
	return l->nstr++;
}

static uint32_t intern_field(struct dash_log *l, const struct audit_record *r, const char *key)
{
	const struct audit_field *f = audit_rec_get(r, key);
	char num[24];

	if (!f)
		return 0;
	if (f->kind == AUDIT_U64)
		return intern(l, num, (size_t)snprintf(num, sizeof(num), "%llu",
						       (unsigned long long)f->u));
	return intern(l, f->s, f->len);
}

static void describe(struct dash_log *l, struct dash_rec *d, const char *line, size_t len)
{
	struct audit_record r;
	const struct audit_field *f;
	const char *why;
	char buf[40];
	int t;

	d->seq = UINT64_MAX;
	d->type = DASH_T_MALFORMED;
	audit_rec_init(&r);
	if (audit_rec_parse(line, len, &r, &why))
		return;
	f = audit_rec_get(&r, "type");
	if (!audit_rec_u64_get(&r, "seq", &d->seq) || !f || f->kind != AUDIT_STR ||
	    (t = dash_type_of(f->s, f->len)) < 0 || t == DASH_T_MALFORMED) {
		d->seq = UINT64_MAX;
		goto out;
	}
	d->type = (uint8_t)t;
	d->canonical = audit_rec_canonical(&r, line, len);
	if (dash_time_parse(audit_rec_cstr_get(&r, "time", buf, sizeof(buf)), &d->time_ns))
		d->time_ns = 0;
	d->count = 1;
	if (t == DASH_T_DECISION || t == DASH_T_ASK) {
		uint64_t c;

		if (audit_rec_u64_get(&r, "count", &c) && c)
			d->count = c > UINT32_MAX ? UINT32_MAX : (uint32_t)c;
		f = audit_rec_get(&r, "action");
		if (f && f->kind == AUDIT_STR && (t = dash_action_of(f->s, f->len)) > 0)
			d->action = (uint8_t)t;
		f = audit_rec_get(&r, "decision");
		if (f && f->kind == AUDIT_STR && f->len == 4 && !memcmp(f->s, "DENY", 4))
			d->decision = DASH_D_DENY;
		else if (f && f->kind == AUDIT_STR && f->len == 5 && !memcmp(f->s, "ALLOW", 5))
			d->decision = DASH_D_ALLOW;
		d->agent = intern_field(l, &r, "agent");
		d->container = intern_field(l, &r, "container_name");
		d->rule = intern_field(l, &r, "rule");
	}
out:
	audit_rec_free(&r);
}

static int push(struct dash_log *l, const struct dash_rec *d)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 4096;
		struct dash_rec *p = realloc(l->recs, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		l->recs = p;
		l->cap = cap;
	}
	l->recs[l->n++] = *d;
	return 0;
}

/* Maps what the file holds now and indexes its new complete lines. */
static int index_file(struct dash_log *l, int fi)
{
	struct dash_file *f = &l->files[fi];
	struct stat st;
	size_t pos;
	int err;

	if (fstat(f->fd, &st))
		return -errno;
	/*
	 * Copied, not mapped: a mapping of a file that someone truncates faults (SIGBUS) on
	 * the next read of the lost part; a copy stays readable until refresh sees the change.
	 */
	if ((size_t)st.st_size > f->mapped) {
		size_t want = (size_t)st.st_size;
		ssize_t n;

		/* 1/8 to spare: a growing log is not copied again at every refresh. */
		if (want > f->cap) {
			size_t cap = want + want / 8;
			char *m = realloc(f->map, cap);

			if (!m)
				return -ENOMEM;
			f->map = m;
			f->cap = cap;
		}
		while (f->mapped < want) {
			n = pread(f->fd, f->map + f->mapped, want - f->mapped, (off_t)f->mapped);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return -errno;
			if (!n)
				break; /* shrank since fstat: refresh will notice */
			f->mapped += (size_t)n;
		}
	}
	for (pos = f->indexed; pos < f->mapped;) {
		const char *nl = memchr(f->map + pos, '\n', f->mapped - pos);
		struct dash_rec d = { .off = pos, .file = (uint16_t)fi };

		if (!nl)
			break; /* an unterminated tail: a write in progress, or torn */
		d.len = (uint32_t)(nl - (f->map + pos));
		if (nl - (f->map + pos) > AUDIT_MAX_LINE) {
			d.seq = UINT64_MAX;
			d.type = DASH_T_MALFORMED;
		} else {
			describe(l, &d, f->map + pos, d.len);
		}
		err = push(l, &d);
		if (err)
			return err;
		pos = nl + 1 - f->map;
	}
	f->indexed = pos;
	return 0;
}

static void unload(struct dash_log *l)
{
	int i;

	for (i = 0; i < l->nfiles; i++) {
		free(l->files[i].map);
		if (l->files[i].fd >= 0)
			close(l->files[i].fd);
		free(l->paths[i]);
	}
	free(l->files);
	free(l->paths);
	l->files = NULL;
	l->paths = NULL;
	l->nfiles = 0;
	l->n = 0;
}

static int load(struct dash_log *l)
{
	char *pat = NULL;
	glob_t g = { 0 };
	size_t i;
	int err = -ENOMEM, gr;

	if (asprintf(&pat, "%s.[0-9][0-9][0-9][0-9][0-9][0-9]", l->path) < 0)
		return -ENOMEM;
	gr = glob(pat, 0, NULL, &g); /* sorted: PATH.000001 first */
	free(pat);
	if (gr && gr != GLOB_NOMATCH)
		return -ENOMEM;
	if (g.gl_pathc > UINT16_MAX - 1) {
		globfree(&g);
		return -E2BIG;
	}
	l->paths = calloc(g.gl_pathc + 1, sizeof(*l->paths));
	l->files = calloc(g.gl_pathc + 1, sizeof(*l->files));
	if (!l->paths || !l->files)
		goto out;
	for (i = 0; i <= g.gl_pathc; i++) {
		struct dash_file *f = &l->files[i];
		struct stat st;

		l->paths[i] = strdup(i < g.gl_pathc ? g.gl_pathv[i] : l->path);
		f->fd = -1;
		l->nfiles++;
		if (!l->paths[i])
			goto out;
		f->fd = open(l->paths[i], O_RDONLY | O_CLOEXEC);
		if (f->fd < 0 || fstat(f->fd, &st)) {
			err = -errno;
			goto out;
		}
		if (!S_ISREG(st.st_mode)) {
			err = -EINVAL;
			goto out;
		}
		f->ino = st.st_ino;
		err = index_file(l, (int)i);
		if (err)
			goto out;
	}
	err = 0;
out:
	globfree(&g);
	return err;
}

int dash_log_open(const char *path, struct dash_log **out)
{
	struct dash_log *l = calloc(1, sizeof(*l));
	int err = -ENOMEM;

	if (!l)
		return -ENOMEM;
	l->nstr = 1; /* id 0: absent */
	l->strcap = 256;
	l->strs = calloc(l->strcap, sizeof(*l->strs));
	l->path = strdup(path);
	if (!l->strs || !l->path || (err = grow_slots(l)) || (err = load(l))) {
		dash_log_close(l);
		return err;
	}
	*out = l;
	return 0;
}

int dash_log_refresh(struct dash_log *l)
{
	struct dash_file *f = &l->files[l->nfiles - 1];
	struct stat st;

	if (stat(l->path, &st))
		return -errno;
	if (st.st_ino == f->ino && (size_t)st.st_size >= f->indexed)
		return index_file(l, l->nfiles - 1);
	unload(l);
	return load(l);
}

void dash_log_close(struct dash_log *l)
{
	uint32_t i;

	if (!l)
		return;
	unload(l);
	for (i = 1; i < l->nstr; i++)
		free(l->strs[i]);
	free(l->strs);
	free(l->slots);
	free(l->recs);
	free(l->path);
	free(l);
}

size_t dash_log_count(const struct dash_log *l)
{
	return l->n;
}

const struct dash_rec *dash_log_rec(const struct dash_log *l, size_t i)
{
	return &l->recs[i];
}

const char *dash_log_line(const struct dash_log *l, const struct dash_rec *r)
{
	return l->files[r->file].map + r->off;
}

const char *dash_log_str(const struct dash_log *l, uint32_t id)
{
	return id && id < l->nstr ? l->strs[id] : "";
}

uint32_t dash_log_nstr(const struct dash_log *l)
{
	return l->nstr;
}

char *const *dash_log_paths(const struct dash_log *l, int *n)
{
	*n = l->nfiles;
	return l->paths;
}

uint64_t dash_log_bytes(const struct dash_log *l)
{
	uint64_t b = 0;
	int i;

	for (i = 0; i < l->nfiles; i++)
		b += l->files[i].indexed;
	return b;
}

int dash_match_prepare(const struct dash_log *l, const struct dash_query *q, struct dash_match *m)
{
	uint32_t i;

	memset(m, 0, sizeof(*m));
	m->q = q;
	if (q->agent[0]) {
		m->agent_ok = calloc(l->nstr, 1);
		if (!m->agent_ok)
			return -ENOMEM;
		for (i = 1; i < l->nstr; i++)
			/* tail's rule (the cgroup or one below it), or a container's name. */
			m->agent_ok[i] =
				audit_agent_within(l->strs[i], strlen(l->strs[i]), q->agent) ||
				!strcmp(l->strs[i], q->agent);
	}
	if (q->rule[0])
		for (i = 1; i < l->nstr && !m->rule_id; i++)
			if (!strcmp(l->strs[i], q->rule))
				m->rule_id = i;
	return 0;
}

bool dash_match(const struct dash_log *l, const struct dash_match *m, const struct dash_rec *r)
{
	const struct dash_query *q = m->q;

	if (q->types && !(q->types & (1u << r->type)))
		return false;
	if (q->actions && !(q->actions & (1u << r->action)))
		return false;
	if (q->decisions && !(q->decisions & (1u << r->decision)))
		return false;
	if (q->has_after && (r->seq == UINT64_MAX || r->seq <= q->after_seq))
		return false;
	if (q->from_ns && r->time_ns < q->from_ns)
		return false;
	if (q->to_ns && r->time_ns >= q->to_ns)
		return false;
	/* agent_ok covers container names too: one table of strings. */
	if (m->agent_ok && !m->agent_ok[r->agent] && !(r->container && m->agent_ok[r->container]))
		return false;
	if (q->rule[0] && (!m->rule_id || r->rule != m->rule_id))
		return false;
	if (q->text[0] && !memmem(dash_log_line(l, r), r->len, q->text, strlen(q->text)))
		return false;
	return true;
}

void dash_match_free(struct dash_match *m)
{
	free(m->agent_ok);
	m->agent_ok = NULL;
}
