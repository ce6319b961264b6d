// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * `audit export`: the records of several files in chain order. jsonl copies
 * every complete line byte for byte (so the export verifies like the files
 * did, but for a torn tail, which is left out and said); csv flattens the
 * fields people look at, one row per record.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "audit_int.h"

struct efile {
	struct audit_lines l;
	unsigned long long first;
	int order;
};

static int cmp_efile(const void *a, const void *b)
{
	const struct efile *x = a, *y = b;

	if (x->first != y->first)
		return x->first < y->first ? -1 : 1;
	return x->order - y->order;
}

/*
 * One cell: as audit_display() shows it (no control character or stray byte
 * reaches a spreadsheet), RFC 4180 quoted when needed. A cell a spreadsheet
 * would take for a formula (= + - @ first) gets a ' before it, which makes it
 * text: comm, paths and commands are the agent's to choose.
 */
static void csv_cell(FILE *out, const struct abuf *cell)
{
	bool formula, quote;
	size_t i;

	if (!cell->len)
		return;
	formula = strchr("=+-@", cell->p[0]) != NULL;
	quote = formula || memchr(cell->p, ',', cell->len) || memchr(cell->p, '"', cell->len);
	if (quote)
		fputs(formula ? "\"'" : "\"", out);
	for (i = 0; i < cell->len; i++) {
		if (cell->p[i] == '"')
			fputc('"', out);
		fputc(cell->p[i], out);
	}
	if (quote)
		fputc('"', out);
}

/* cell: scratch space, reused from cell to cell (its oom says one was cut short). */
static void csv_bytes(FILE *out, struct abuf *cell, const char *s, size_t len)
{
	cell->len = 0;
	audit_display(cell, s, len);
	csv_cell(out, cell);
}

static void csv_field(FILE *out, struct abuf *cell, const struct audit_record *r, const char *key)
{
	const struct audit_field *f = audit_rec_get(r, key);

	if (f && f->kind == AUDIT_U64)
		fprintf(out, "%llu", (unsigned long long)f->u);
	else if (f)
		csv_bytes(out, cell, f->s, f->len);
}

static const char *const columns[] = { "seq",	    "time",   "type",	"host",	  "agent",
				       "cgroup_id", "pid",    "uid",	"comm",	  "exe",
				       "action",    "object", "domain", "port",	  "decision",
				       "mode",	    "rule",   "reason", "policy", "detail",
				       "count",	    "first",  "hash" };

static void csv_row(FILE *out, struct abuf *cell, const struct audit_record *r)
{
	size_t i;

	for (i = 0; i < sizeof(columns) / sizeof(columns[0]); i++) {
		const char *c = columns[i];
		const struct audit_field *f;
		char hex[65], num[24];

		if (i)
			fputc(',', out);
		if (!strcmp(c, "object")) {
			/* A connect's object is its address; its domain has a column of its own. */
			if ((f = audit_rec_get(r, "path")) || (f = audit_rec_get(r, "command")) ||
			    (f = audit_rec_get(r, "ip")) || (f = audit_rec_get(r, "domain")))
				csv_bytes(out, cell, f->s, f->len);
		} else if (!strcmp(c, "detail")) {
			/* What a non-decision record says, in one cell. */
			if ((f = audit_rec_get(r, "lost")) || (f = audit_rec_get(r, "bytes"))) {
				snprintf(num, sizeof(num), "%llu", (unsigned long long)f->u);
				csv_bytes(out, cell, num, strlen(num));
			} else if ((f = audit_rec_get(r, "what")) ||
				   (audit_rec_is(r, "seal") && (f = audit_rec_get(r, "reason")))) {
				cell->len = 0;
				audit_display(cell, f->s, f->len);
				if ((f = audit_rec_get(r, "detail")) && f->len) {
					abuf_put(cell, " ", 1);
					audit_display(cell, f->s, f->len);
				}
				csv_cell(out, cell);
			}
		} else if (!strcmp(c, "count")) {
			/* The decisions or questions a row stands for: folded ones say how many. */
			if ((f = audit_rec_get(r, "count")))
				csv_field(out, cell, r, c);
			else if (audit_rec_is(r, "decision") || audit_rec_is(r, "ask"))
				fputc('1', out);
		} else if (!strcmp(c, "hash")) {
			audit_hex(r->hash, 32, hex);
			fputs(hex, out);
		} else if (strcmp(c, "reason") || audit_rec_is(r, "decision")) {
			csv_field(out, cell, r, c);
		}
	}
	fputc('\n', out);
}

int audit_export(char *const *paths, int n, const char *format, FILE *out, const char **failed,
		 struct audit_skip *skip)
{
	bool csv = !strcmp(format, "csv");
	struct abuf cell = { 0 };
	struct efile *files;
	int i, j, err = 0;
	size_t k;

	*failed = NULL;
	*skip = (struct audit_skip){ 0 };
	if (!csv && strcmp(format, "jsonl"))
		return -EINVAL;
	files = calloc((size_t)n, sizeof(*files));
	if (!files)
		return -ENOMEM;
	for (i = 0; i < n && !err; i++) {
		files[i].order = i;
		err = audit_lines_read(paths[i], &files[i].l);
		for (j = 0; j < i && !err; j++)
			if (audit_lines_same_file(&files[j].l, &files[i].l))
				err = -EEXIST;
		if (err)
			*failed = paths[i];
		else if (!files[i].l.n ||
			 sscanf(files[i].l.data, "{\"seq\":%llu,", &files[i].first) != 1)
			files[i].first = ~0ULL;
	}
	if (err)
		goto out;
	qsort(files, (size_t)n, sizeof(*files), cmp_efile);
	if (csv) {
		for (k = 0; k < sizeof(columns) / sizeof(columns[0]); k++)
			fprintf(out, "%s%s", k ? "," : "", columns[k]);
		fputc('\n', out);
	}
	for (i = 0; i < n; i++) {
		const struct audit_lines *l = &files[i].l;

		for (k = 0; k < l->n; k++) {
			const char *line = l->data + l->off[k];
			struct audit_record r;
			const char *why;

			if (!csv) {
				fwrite(line, 1, l->len[k] + 1, out);
				continue;
			}
			if (audit_rec_parse(line, l->len[k], &r, &why)) {
				audit_skip_note(skip, paths[files[i].order], k + 1);
				continue;
			}
			csv_row(out, &cell, &r);
			audit_rec_free(&r);
			if (cell.oom) {
				*failed = paths[files[i].order];
				err = -ENOMEM;
				goto out;
			}
		}
		/* A torn last line (no newline) is in neither format: said, never dropped silently. */
		if (l->tail_len)
			audit_skip_note(skip, paths[files[i].order], l->n + 1);
	}
	if (fflush(out) == EOF || ferror(out))
		err = errno ? -errno : -EIO;
out:
	for (i = 0; i < n; i++)
		audit_lines_free(&files[i].l);
	free(files);
	abuf_free(&cell);
	return err;
}
