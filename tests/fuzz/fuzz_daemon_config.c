// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Any bytes as the daemon's configuration file (metrics.listen and audit.forward
 * included): a config, or -EINVAL with a message saying where and why; never a
 * crash or a leak. What is accepted holds together: a metrics address is loopback
 * TCP with a port, an absolute unix path, or off; a forward target has a state file.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "daemon/daemon_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct daemon_config *c = NULL;
	const struct metrics_listen *ln;
	struct ag_error err = { 0 };
	int rc;

	rc = daemon_config_parse("fuzz.yaml", (const char *)data, size, &c, &err);
	if (rc) {
		if (c || (rc == -EINVAL && strncmp(err.msg, "fuzz.yaml:", 10)))
			abort();
		return 0;
	}
	ln = &c->metrics.listen;
	if ((ln->kind == METRICS_TCP && !ln->port) || (ln->kind == METRICS_UNIX && ln->path[0] != '/'))
		abort();
	if (!c->audit.log || (c->audit.forward.host && !c->audit.forward.state))
		abort();
	daemon_config_free(c);
	return 0;
}
