// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Any bytes as the daemon's YAML configuration (audit.forward included): parsed or refused
 * with a file:line:col message, never a crash or a leak. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "daemon/daemon_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct daemon_config *c = NULL;
	struct ag_error err = { 0 };

	if (daemon_config_parse("/etc/agentgate/daemon.yaml", (const char *)data, size, &c, &err)) {
		if (c || strncmp(err.msg, "/etc/agentgate/daemon.yaml:", 27))
			abort();
		return 0;
	}
	if (!c || !c->audit.log || (c->audit.forward.host && !c->audit.forward.state))
		abort();
	daemon_config_free(c);
	return 0;
}
