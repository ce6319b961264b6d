// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Any bytes as what an agent sends on the ask socket: the HTTP request parsed, its body
 * parsed and answered from seed 1's policy, as ask_server.c does. A refusal must carry a
 * status and a message for people, which the server sends as JSON (so UTF-8), as it names
 * an unknown target; an answer must be JSON; never a crash. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ask/ask.h"
#include "ask/ask_http.h"

static struct ag_policy *pol;
static struct ag_image img;

static const char policy[] =
	"default: deny\n"
	"search_path: [/usr/bin]\n"
	"rules:\n"
	"  - {action: file_read, path: \"/opt/agent/input/**\", decision: allow, reason: input}\n"
	"  - {action: file_write, path: \"/opt/agent/config/**\", decision: deny}\n"
	"  - {action: shell_exec, command: \"sudo*\", decision: deny, reason: no sudo}\n"
	"  - {action: network, cidr: 10.0.0.0/8, ports: [443], decision: allow}\n"
	"  - {action: network, domain: \"hooks.slack.com\", decision: allow}\n"
	"  - {action: network, domain: \"*\", decision: deny}\n";

/* s as the server sends it, {"error":s}: jansson refuses a string that is not UTF-8. */
static void packs(const char *s)
{
	json_t *o = json_pack("{s:s}", "error", s);

	if (!o)
		__builtin_trap();
	json_decref(o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ask_policy ap = { .img = &img, .agent = "/fuzz", .mode = AG_MODE_ENFORCE };
	struct ask_http_req req;
	struct ag_error err;
	char msg[512], *text;
	json_t *q, *a;
	size_t nq;
	int status = 0, rc;

	if (!pol) {
		if (policy_load_mem("fuzz.yaml", policy, strlen(policy), NULL, &pol, &err) ||
		    compile_policy(pol, NULL, &img, NULL, &err)) {
			fprintf(stderr, "%s\n", err.msg);
			abort();
		}
	}
	ap.model = pol;
	msg[0] = '\0';
	rc = ask_http_parse((const char *)data, size, &req, &status, msg, sizeof(msg));
	if (rc == -EAGAIN)
		return 0;
	if (rc) {
		if (status < 400 || !msg[0])
			__builtin_trap();
		packs(msg);
		return 0;
	}
	packs(req.target);
	if (req.body < (const char *)data || req.body + req.body_len > (const char *)data + size)
		__builtin_trap();
	if (ask_parse(req.body, req.body_len, &q, &nq, msg, sizeof(msg))) {
		if (strncmp(msg, "expected", 8))
			__builtin_trap();
		packs(msg);
		return 0;
	}
	if (!nq || nq > ASK_MAX_BATCH)
		__builtin_trap();
	a = ask_answer(&ap, q, -1, NULL, NULL, &status);
	json_decref(q);
	if (!a || (status != 200 && status != 400))
		__builtin_trap();
	text = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	if (!text)
		__builtin_trap();
	free(text);
	return 0;
}
