// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Any bytes as a check request line against the docker seed policy: a result or
 * a "expected ..." message, never a crash. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check/check.h"

static struct ag_policy *pol;
static struct ag_image img;

static const char policy[] =
	"default: deny\n"
	"search_path: [/usr/bin]\n"
	"rules:\n"
	"  - {action: file_read, path: \"/app/data/**\", decision: allow, reason: data}\n"
	"  - {action: file_write, path: \"/app/out/*.json\", decision: allow}\n"
	"  - {action: shell_exec, command: \"rm *\", decision: deny, reason: no rm}\n"
	"  - {action: shell_exec, command: \"node /app/src/process.js*\", decision: allow}\n"
	"  - {action: network, cidr: 10.0.0.0/8, ports: [443, \"8000-8080\"], decision: allow}\n"
	"  - {action: network, domain: \"*.example.com\", decision: allow}\n"
	"  - {action: network, domain: \"*\", decision: deny}\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct check_result r;
	struct ag_error err;
	char what[256];
	json_t *j;

	if (!pol) {
		if (policy_load_mem("fuzz.yaml", policy, strlen(policy), NULL, &pol, &err) ||
		    compile_policy(pol, NULL, &img, NULL, &err)) {
			fprintf(stderr, "%s\n", err.msg);
			abort();
		}
	}
	what[0] = '\0';
	if (check_request(pol, &img, (const char *)data, size, &r, what, sizeof(what))) {
		if (strncmp(what, "expected", 8))
			__builtin_trap();
		return 0;
	}
	j = check_result_json(pol, &r, 1);
	if (!j)
		__builtin_trap();
	json_decref(j);
	return 0;
}
