/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Prometheus text exposition format 0.0.4 into a growing buffer: one
 * family header (HELP, TYPE) then its samples; label values and help text
 * escaped as the format requires. Pure functions on the buffer: no I/O, no
 * state beyond it, callable from any thread on its own buffer.
 *
 *   struct mtext t = {};
 *   mtext_family(&t, "agentgate_decisions_total", "counter", "Decisions taken.");
 *   mtext_sample(&t, "agentgate_decisions_total", labels, 2, 42);
 *   ... t.p[0..t.len) is the page, t.err the first error (-ENOMEM); mtext_free(&t).
 */
#ifndef AGENTGATE_METRICS_TEXT_H
#define AGENTGATE_METRICS_TEXT_H

#include <stddef.h>
#include <stdint.h>

struct mtext {
	char *p;
	size_t len, cap;
	int err; /* the first error: later writes do nothing */
};

struct mlabel {
	const char *name; /* [a-zA-Z_][a-zA-Z0-9_]*, a constant of the caller */
	const char *value; /* any bytes but NUL: escaped here */
};

/* "# HELP name help" and "# TYPE name type". */
void mtext_family(struct mtext *t, const char *name, const char *type, const char *help);
/* name{labels} value; a value with a fraction in %.9g form. */
void mtext_sample(struct mtext *t, const char *name, const struct mlabel *l, size_t nl,
		  uint64_t v);
void mtext_sample_f(struct mtext *t, const char *name, const struct mlabel *l, size_t nl,
		    double v);
/*
 * A histogram: per-bucket (not cumulative) counts[0..nb] where counts[i] holds
 * the observations <= bounds[i] and above bounds[i-1], counts[nb] those above
 * the last bound; written cumulative with the +Inf bucket, _sum and _count.
 */
void mtext_histogram(struct mtext *t, const char *name, const struct mlabel *l, size_t nl,
		     const double *bounds, const uint64_t *counts, size_t nb, double sum);
void mtext_free(struct mtext *t);

#endif /* AGENTGATE_METRICS_TEXT_H */
