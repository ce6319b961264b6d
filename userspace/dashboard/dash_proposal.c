// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * GET /api/proposal?agent=CGROUP: the policy `agentgate learn` proposes for one
 * agent from the log (userspace/learn/learn.h), with its diff against the policy
 * the agent's latest record names, when that file is still on disk: rules to add,
 * rules unused in the window, and conflicts (actions an explicit deny refuses,
 * never merged). Any HTTP thread; learn shares no state between calls.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "dash_api.h"
#include "dash_server_int.h"
#include "learn/learn.h"

/* The "policy" of the last record of agent in the log that names a readable file, or NULL. */
static char *current_policy(const char *log, const char *agent)
{
	char *line = NULL, *found = NULL, needle[600], *p, *q;
	size_t cap = 0;
	FILE *f;

	if (snprintf(needle, sizeof(needle), "\"agent\":\"%s\"", agent) >= (int)sizeof(needle))
		return NULL;
	f = fopen(log, "re");
	if (!f)
		return NULL;
	while (getline(&line, &cap, f) > 0) {
		if (!strstr(line, needle) || !(p = strstr(line, "\"policy\":\"")))
			continue;
		p += strlen("\"policy\":\"");
		q = strchr(p, '"');
		if (!q || q == p || memchr(p, '\\', (size_t)(q - p)))
			continue; /* no path, or one with escapes: not a file name we can open */
		*q = '\0';
		if (access(p, R_OK))
			continue;
		free(found);
		found = strdup(p);
	}
	free(line);
	fclose(f);
	return found;
}

int dash_proposal(struct dash_server *s, const char *agent, char **body, size_t *len)
{
	char *logs[1] = { (char *)s->o.log_path };
	struct learn_opts o = { .logs = logs, .nlogs = 1, .pubkey_hex = s->o.pubkey_hex };
	struct learn_result *r = NULL;
	struct ag_error e = { 0 };
	char *current;
	json_t *j = NULL;
	int err;

	if (!agent || !agent[0]) {
		err = dash_api_error("agent: name the agent (its cgroup path) to propose a policy for",
				     body, len);
		return err ? err : 400;
	}
	current = current_policy(s->o.log_path, agent);
	o.agent = agent;
	o.policy = current;
	err = learn_propose(&o, &r, &e);
	free(current);
	if (err) {
		err = dash_api_error(e.msg[0] ? e.msg : strerror(-err), body, len);
		return err ? err : 422;
	}
	err = learn_result_json(r, &j);
	learn_result_free(r);
	if (!err && !(*body = json_dumps(j, JSON_COMPACT)))
		err = -ENOMEM;
	json_decref(j);
	if (err)
		return err;
	*len = strlen(*body);
	return 200;
}
