/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The dashboard's JSON answers over an indexed log (docs/dashboard.md, "API").
 * Each returns 0 with *body a malloc'ed JSON text, or a negative errno. The caller
 * holds whatever guards l (dash_server.c: its log mutex); nothing here locks.
 */
#ifndef AGENTGATE_DASH_API_H
#define AGENTGATE_DASH_API_H

#include <stddef.h>
#include "audit/audit.h"
#include "dash_log.h"
#include "dash_query.h"

/* A page, newest first: {"total","offset","limit","records":[...]}; with after=, oldest first. */
int dash_api_records(const struct dash_log *l, const struct dash_query *q, char **body,
		     size_t *len);
/* Counts by agent, action and decision; top denied paths, commands, domains. */
int dash_api_summary(const struct dash_log *l, const struct dash_query *q, char **body,
		     size_t *len);
/* Allowed and denied decisions per time bucket over the matching records. */
int dash_api_timeline(const struct dash_log *l, const struct dash_query *q, char **body,
		      size_t *len);
/* audit verify's report as JSON; pubkey_given: the trust root came from the operator. */
int dash_api_verify(const struct audit_verify_report *rep, bool pubkey_given, char **body,
		    size_t *len);
/* The log's name, size and where live records come from. */
int dash_api_info(const struct dash_log *l, const char *log_path, const char *stream_socket,
		  bool pubkey_given, char **body, size_t *len);
/* {"error": why}: a message for a status the caller sends. */
int dash_api_error(const char *why, char **body, size_t *len);

#endif /* AGENTGATE_DASH_API_H */
