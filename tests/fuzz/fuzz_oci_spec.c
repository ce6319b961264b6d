// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Any bytes as an OCI bundle's config.json: a spec or a message, never a crash; what is kept
 * fits its field and a policy name kept is one the daemon accepts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "daemon/oci.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct oci_spec s;
	char msg[512];

	msg[0] = '\0';
	if (oci_spec_parse("config.json", (const char *)data, size, &s, msg, sizeof(msg))) {
		if (!msg[0])
			abort();
		return 0;
	}
	if (s.policy[0] && !oci_policy_name_valid(s.policy))
		abort();
	if (strnlen(s.entrypoint, sizeof(s.entrypoint)) == sizeof(s.entrypoint))
		abort();
	return 0;
}
