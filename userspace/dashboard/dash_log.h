/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * A read-only view of one audit log (its rotated files PATH.NNNNNN, then PATH) for
 * the dashboard: every line indexed once (file, offset, and what filters look at),
 * so a page is a seek and a filter a scan of small structs, never a re-parse.
 * The files are opened O_RDONLY and their bytes copied in: the dashboard never
 * writes to a log. New lines of the active file are indexed by dash_log_refresh(); when
 * the active file was replaced (rotation) or shrank, the whole log is re-read.
 *
 * Threads: none of this locks. The dashboard's server (dash_server.c) holds its
 * log mutex around every call, so one thread at a time uses a struct dash_log.
 */
#ifndef AGENTGATE_DASH_LOG_H
#define AGENTGATE_DASH_LOG_H

#include <stddef.h>
#include <stdint.h>
#include "dash_query.h"

struct dash_rec {
	uint64_t off; /* start of the line in its file */
	uint64_t seq; /* UINT64_MAX: malformed line */
	int64_t time_ns;
	uint32_t len; /* without '\n' */
	uint32_t agent; /* string ids (dash_log_str); 0: absent */
	uint32_t container; /* container_name */
	uint32_t rule; /* the rule as text: "35", "default" */
	uint32_t count; /* decisions or questions it stands for (folded: its "count"), else 1 */
	uint16_t file;
	uint8_t type; /* enum dash_type */
	uint8_t action; /* enum dash_action */
	uint8_t decision; /* enum dash_decision */
	uint8_t canonical; /* the line is the record's canonical form (so valid JSON) */
};

struct dash_log;

/*
 * Opens and indexes path and its rotated files. -ENOENT when path does not
 * exist, -EINVAL when it (or a rotated file) is not a regular file.
 */
int dash_log_open(const char *path, struct dash_log **out);
/* Indexes lines appended since; re-reads everything after a rotation. */
int dash_log_refresh(struct dash_log *l);
void dash_log_close(struct dash_log *l); /* NULL ok */

size_t dash_log_count(const struct dash_log *l);
const struct dash_rec *dash_log_rec(const struct dash_log *l, size_t i);
/* The line of r (not NUL-terminated, r->len bytes). */
const char *dash_log_line(const struct dash_log *l, const struct dash_rec *r);
const char *dash_log_str(const struct dash_log *l, uint32_t id); /* "" for 0 */
uint32_t dash_log_nstr(const struct dash_log *l); /* ids are 1 .. nstr-1 */
/* The files in chain order (for verification). */
char *const *dash_log_paths(const struct dash_log *l, int *n);
uint64_t dash_log_bytes(const struct dash_log *l); /* indexed bytes: changes when it grows */

/*
 * Matching: dash_match_prepare() resolves the query's strings to ids once,
 * dash_match() is then a few compares per record.
 */
struct dash_match {
	const struct dash_query *q;
	uint8_t *agent_ok; /* per string id, when q->agent is set */
	uint32_t rule_id; /* when q->rule is set; 0: no record has that rule */
};

int dash_match_prepare(const struct dash_log *l, const struct dash_query *q, struct dash_match *m);
bool dash_match(const struct dash_log *l, const struct dash_match *m, const struct dash_rec *r);
void dash_match_free(struct dash_match *m);

#endif /* AGENTGATE_DASH_LOG_H */
