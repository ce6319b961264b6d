/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The dashboard's query language: the URL query string of its JSON API
 * (docs/dashboard.md), parsed into one filter plus paging. Pure functions,
 * any thread, no I/O; errors are -EINVAL with a sentence in *why.
 *
 *   agent=/agents/a1   cgroup path (or below it) or a container's name
 *   action=file_read,network (audit_action_names)   type=decision,ask   decision=deny
 *   rule=3|default
 *   q=TEXT             bytes anywhere in the record's line (path, command, domain...)
 *   from=, to=         RFC 3339 UTC (2026-12-03T04:00:00Z, fraction optional) or unix seconds
 *   offset=N limit=N   paging (limit 1..1000, default 100)   after=SEQ  records after seq
 *   buckets=N          timeline buckets (1..500)             token=, _= ignored
 */
#ifndef AGENTGATE_DASH_QUERY_H
#define AGENTGATE_DASH_QUERY_H

#include <stdbool.h>
#include <stdint.h>
#include "audit/audit.h"

#define DASH_LIMIT_DEFAULT 100u
#define DASH_LIMIT_MAX 1000u
#define DASH_BUCKETS_DEFAULT 60u
#define DASH_BUCKETS_MAX 500u
#define DASH_TEXT_MAX 256

/* Record types, actions and decisions as bits, so a filter may list several. */
enum dash_type {
	DASH_T_GENESIS,
	DASH_T_DECISION,
	DASH_T_ASK,
	DASH_T_GAP,
	DASH_T_LIFECYCLE,
	DASH_T_TORN,
	DASH_T_SEAL,
	DASH_T_MALFORMED, /* a line that is not a record: shown, never hidden by the reader */
	DASH_T_COUNT
};

/* The audit writer's actions (audit.h), shifted by one for the records without one. */
enum dash_action {
	DASH_A_NONE, /* records without an action, or one the writer does not name */
	DASH_A_FIRST, /* DASH_A_FIRST + enum audit_action */
	DASH_A_COUNT = DASH_A_FIRST + AUDIT_A_COUNT
};

enum dash_decision { DASH_D_NONE, DASH_D_ALLOW, DASH_D_DENY, DASH_D_COUNT };

struct dash_query {
	char agent[DASH_TEXT_MAX]; /* "": any */
	char rule[64]; /* "": any */
	char text[DASH_TEXT_MAX]; /* "": any */
	uint32_t types; /* bit per enum dash_type; 0: any */
	uint32_t actions; /* bit per enum dash_action; 0: any */
	uint32_t decisions; /* bit per enum dash_decision; 0: any */
	int64_t from_ns, to_ns; /* unix ns, inclusive from, exclusive to; 0: open */
	uint64_t offset;
	unsigned int limit;
	uint64_t after_seq;
	bool has_after;
	unsigned int buckets;
};

void dash_query_init(struct dash_query *q);
/* One decoded key and value; unknown keys and bad values are errors. */
int dash_query_set(struct dash_query *q, const char *key, const char *val, const char **why);
/* A whole raw query string ("a=b&c=d", percent-encoded, '+' for space), after init. */
int dash_query_parse(struct dash_query *q, const char *qs, const char **why);
/* True when no member but paging is set (the whole log matches). */
bool dash_query_all(const struct dash_query *q);

int dash_type_of(const char *s, size_t len); /* enum dash_type, or -1 */
int dash_action_of(const char *s, size_t len); /* enum dash_action, or -1 */
const char *dash_type_name(int t);
const char *dash_action_name(int a);
/* RFC 3339 UTC or unix seconds to unix ns; -EINVAL. */
int dash_time_parse(const char *s, int64_t *ns);

#endif /* AGENTGATE_DASH_QUERY_H */
