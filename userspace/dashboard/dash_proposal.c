// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * GET /api/proposal?agent=CGROUP: the learned-policy proposal for one agent and its
 * diff against the agent's policy. `agentgate learn` (userspace/learn/learn.h,
 * learn_propose() and learn_result_json()) is not part of this tree yet: until it is,
 * the answer is 501 with a sentence saying so. Wiring it is this function only.
 */
#include <errno.h>
#include "dash_api.h"
#include "dash_server_int.h"

int dash_proposal(struct dash_server *s, const char *agent, char **body, size_t *len)
{
	int err;

	if (!agent || !agent[0]) {
		err = dash_api_error("agent: name the agent (its cgroup path) to propose a policy for",
				     body, len);
		return err ? err : 400;
	}
	err = dash_api_error("policy proposals need `agentgate learn`, which this build does not "
			     "include yet",
			     body, len);
	return err ? err : 501;
}
