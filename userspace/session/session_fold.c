// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Counts of folded decisions (include/maps.h "Folding") back into whole
 * records: the kernel sends an AG_EV_REPEAT event with the header of the
 * record it counts but no subject; the reader kept that record, by task and
 * fold generation, and writes the count with the record's path, command or
 * address. A record no longer kept (the table is a cache) is written with
 * the header alone.
 *
 * Used by the thread that writes the session log only (no lock).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "session.h"

#define FOLD_KEPT 4096u /* power of two */

struct session_fold {
	uint32_t tid, fold;
	size_t size;
	struct ag_event *ev; /* owned; NULL: empty */
};

struct session_folds {
	struct session_fold kept[FOLD_KEPT];
	struct ag_event merged; /* the record a count is written as */
};

static struct session_fold *slot(struct session_folds *f, uint32_t tid, uint32_t fold)
{
	uint64_t h = ((uint64_t)tid << 32 | fold) * 0x9e3779b97f4a7c15ull;

	return &f->kept[h >> 52 & (FOLD_KEPT - 1)];
}

static void keep(struct session_folds *f, const struct ag_event *ev, size_t size)
{
	struct session_fold *s = slot(f, ev->tid, ev->fold);
	struct ag_event *copy;

	if (size > sizeof(*ev))
		size = sizeof(*ev);
	copy = s->size >= size ? s->ev : realloc(s->ev, size);
	if (!copy)
		return; /* its counts will be written without the subject */
	memcpy(copy, ev, size);
	s->ev = copy;
	s->size = size;
	s->tid = ev->tid;
	s->fold = ev->fold;
}

const struct ag_event *session_fold_resolve(struct session_log *log, const struct ag_event *ev,
					    size_t *size)
{
	struct session_folds *f = log->folds;
	struct session_fold *s;

	if (!ev->fold)
		return ev;
	if (!f) {
		f = log->folds = calloc(1, sizeof(*f));
		if (!f)
			return ev; /* counts keep their header only */
	}
	if (!(ev->flags & AG_EV_REPEAT)) {
		keep(f, ev, *size);
		return ev;
	}
	s = slot(f, ev->tid, ev->fold);
	if (!s->ev || s->tid != ev->tid || s->fold != ev->fold)
		return ev;
	memcpy(&f->merged, s->ev, s->size);
	f->merged.flags |= AG_EV_REPEAT;
	f->merged.count = ev->count;
	f->merged.first_ns = ev->first_ns;
	f->merged.ts_boot_ns = ev->ts_boot_ns;
	*size = s->size;
	return &f->merged;
}

void session_log_release(struct session_log *log)
{
	size_t i;

	if (!log->folds)
		return;
	for (i = 0; i < FOLD_KEPT; i++)
		free(log->folds->kept[i].ev);
	free(log->folds);
	log->folds = NULL;
}
