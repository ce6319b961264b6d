// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Any bytes as a policy: an error message or a policy, never a crash. Loaded policies
 * are compiled too, so what the parser lets through must be compilable or refused. */
#include <stdint.h>
#include <stddef.h>
#include <string.h>
#include "compile/compile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ag_policy *p;
	struct ag_image img;
	struct ag_error err;
	struct compile_opts o = { .state_budget = 20000 };

	if (policy_load_mem("fuzz.yaml", (const char *)data, size, "policies", &p, &err)) {
		if (!err.msg[0] || !memchr(err.msg, '\0', sizeof(err.msg)))
			__builtin_trap();
		return 0;
	}
	if (!compile_policy(p, &o, &img, NULL, &err))
		image_free(&img);
	policy_free(p);
	return 0;
}
