// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The Prometheus text format (metrics_text.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "metrics_text.h"

static int grow(struct mtext *t, size_t more)
{
	size_t cap;
	char *p;

	if (t->err)
		return t->err;
	if (t->len + more + 1 <= t->cap)
		return 0;
	cap = t->cap ? t->cap : 4096;
	while (cap < t->len + more + 1)
		cap *= 2;
	p = realloc(t->p, cap);
	if (!p) {
		t->err = -ENOMEM;
		return t->err;
	}
	t->p = p;
	t->cap = cap;
	return 0;
}

static void put(struct mtext *t, const char *s, size_t n)
{
	if (grow(t, n))
		return;
	memcpy(t->p + t->len, s, n);
	t->len += n;
	t->p[t->len] = '\0';
}

static void puts_(struct mtext *t, const char *s)
{
	put(t, s, strlen(s));
}

static void printf_(struct mtext *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void printf_(struct mtext *t, const char *fmt, ...)
{
	char buf[64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0)
		put(t, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

/* Backslash and newline always; the double quote in label values only (the format's rule). */
static void escaped(struct mtext *t, const char *s, int quote)
{
	const char *run = s;

	for (; *s; s++) {
		const char *rep = *s == '\\' ? "\\\\" : *s == '\n' ? "\\n" :
				  quote && *s == '"' ? "\\\"" : NULL;

		if (!rep)
			continue;
		put(t, run, (size_t)(s - run));
		puts_(t, rep);
		run = s + 1;
	}
	put(t, run, (size_t)(s - run));
}

void mtext_family(struct mtext *t, const char *name, const char *type, const char *help)
{
	printf_(t, "# HELP %s ", name);
	escaped(t, help, 0);
	printf_(t, "\n# TYPE %s %s\n", name, type);
}

/* name{a="x",b="y",extra="v"} with extra (the le of a bucket) last, if any. */
static void series(struct mtext *t, const char *name, const char *suffix, const struct mlabel *l,
		   size_t nl, const struct mlabel *extra)
{
	size_t i;

	puts_(t, name);
	puts_(t, suffix);
	if (!nl && !extra)
		return;
	put(t, "{", 1);
	for (i = 0; i < nl + (extra != NULL); i++) {
		const struct mlabel *x = i < nl ? &l[i] : extra;

		if (i)
			put(t, ",", 1);
		puts_(t, x->name);
		put(t, "=\"", 2);
		escaped(t, x->value, 1);
		put(t, "\"", 1);
	}
	put(t, "}", 1);
}

void mtext_sample(struct mtext *t, const char *name, const struct mlabel *l, size_t nl,
		  uint64_t v)
{
	series(t, name, "", l, nl, NULL);
	printf_(t, " %llu\n", (unsigned long long)v);
}

void mtext_sample_f(struct mtext *t, const char *name, const struct mlabel *l, size_t nl,
		    double v)
{
	series(t, name, "", l, nl, NULL);
	printf_(t, " %.9g\n", v);
}

void mtext_histogram(struct mtext *t, const char *name, const struct mlabel *l, size_t nl,
		     const double *bounds, const uint64_t *counts, size_t nb, double sum)
{
	struct mlabel le = { "le", NULL };
	uint64_t cum = 0;
	char b[32];
	size_t i;

	for (i = 0; i <= nb; i++) {
		cum += counts[i];
		if (i < nb)
			snprintf(b, sizeof(b), "%.9g", bounds[i]);
		le.value = i < nb ? b : "+Inf";
		series(t, name, "_bucket", l, nl, &le);
		printf_(t, " %llu\n", (unsigned long long)cum);
	}
	series(t, name, "_sum", l, nl, NULL);
	printf_(t, " %.9g\n", sum);
	series(t, name, "_count", l, nl, NULL);
	printf_(t, " %llu\n", (unsigned long long)cum);
}

void mtext_free(struct mtext *t)
{
	free(t->p);
	memset(t, 0, sizeof(*t));
}
