// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Any bytes as the dashboard's query string (dash_query.h): an error names what is wrong;
 * a parsed query stays within its bounds; never a crash. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "dashboard/dash_query.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *qs = malloc(size + 1);
	struct dash_query q;
	const char *why = NULL;
	int err;

	if (!qs)
		return 0;
	memcpy(qs, data, size);
	qs[size] = 0;
	dash_query_init(&q);
	err = dash_query_parse(&q, qs, &why);
	free(qs);
	if (err) {
		if (err != -EINVAL || !why || !why[0])
			__builtin_trap();
		return 0;
	}
	if (!q.limit || q.limit > DASH_LIMIT_MAX || !q.buckets || q.buckets > DASH_BUCKETS_MAX ||
	    strnlen(q.agent, sizeof(q.agent)) == sizeof(q.agent) ||
	    strnlen(q.text, sizeof(q.text)) == sizeof(q.text) ||
	    strnlen(q.rule, sizeof(q.rule)) == sizeof(q.rule) || q.types >> DASH_T_COUNT ||
	    q.actions >> DASH_A_COUNT || q.decisions >> DASH_D_COUNT)
		__builtin_trap();
	return 0;
}
