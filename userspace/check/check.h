/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * `agentgate check`: one action request (the seeds' JSON format) judged
 * against a compiled policy with the kernel's own matcher and input builders.
 */
#ifndef AGENTGATE_CHECK_H
#define AGENTGATE_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "compile/compile.h"

/* One request: the fields that matter for its action (others are ignored). */
struct check_req {
	enum ag_action action;
	const char *path, *command, *domain, *ip;
	long port; /* -1 when absent */
	json_t *env; /* shell_exec: {"NAME": "value", ...} or NULL; checked against deny_env */
	/*
	 * Asked from elsewhere (the ask socket): a command's program is never
	 * looked up in this host's files. A path is taken as written; a bare
	 * name is looked up below root_fd, the asker's root directory, or with
	 * root_fd -1 taken as in the first search directory
	 * (subject_command_in_root).
	 */
	bool lexical;
	int root_fd;
};

struct check_result {
	enum ag_action action;
	enum ag_class cls;
	char subject[AG_MAX_INPUT + 64]; /* the input as matched, in text */
	struct ag_verdict v;
	unsigned int env_hit; /* rule AG_RULE_ENV: 1 + the deny_env entry */
	char why[128]; /* reason text built for AG_RULE_ENV */
};

/* Judges req; returns 0, or -EINVAL with what filled ("expected ..."). */
int check_eval(const struct ag_policy *p, const struct ag_image *img, const struct check_req *req,
	       struct check_result *res, char *what, size_t whatsz);
/*
 * The request in o (a JSON object in the seeds' format); req's strings point
 * into o. 0, or -EINVAL with what filled ("expected ...").
 */
int check_parse(json_t *o, struct check_req *req, char *what, size_t whatsz);
/* An action name (file_read, ..., listen) into *a; -EINVAL for another. */
int check_parse_action(const char *s, enum ag_action *a);
/*
 * The field set in req that its action does not use ("path", "command",
 * "domain", "ip" or "port"), or NULL. JSON lines may carry such fields (the
 * seeds' requests do), a request given as options must not: it would be
 * judged as if the option had not been given.
 */
const char *check_stray_field(const struct check_req *req);

/* Parses one JSON object (a line of input) and judges it; errors as check_eval. */
int check_request(const struct ag_policy *p, const struct ag_image *img, const char *json,
		  size_t len, struct check_result *res, char *what, size_t whatsz);
/* The rule that decided: its index in text, "default", "oversized" or "env". */
const char *check_rule_name(const struct check_result *r, char *buf, size_t bufsz);
/* The reason shown for a decision: the rule's `reason`, or why there is no rule. */
const char *check_reason(const struct ag_policy *p, const struct check_result *r);
/* The result as a JSON object (line 0: no "line" key); NULL when out of memory. */
json_t *check_result_json(const struct ag_policy *p, const struct check_result *r,
			  unsigned long line);

#endif /* AGENTGATE_CHECK_H */
