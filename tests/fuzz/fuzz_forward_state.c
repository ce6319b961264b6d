// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Any bytes as the forwarder's state file, as an audit.forward `to:` address, and as a log
 * line to frame: a parse either fails or round-trips through the writer's own format;
 * never a crash. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "forward/forward.h"
#include "forward/forward_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fwd_state st, again;
	char line[128], host[256], port[8], *s;
	static char frame[FWD_MAX_LINE + FWD_MAX_HEADER + 32];
	int n;

	if (!fwd_state_parse((const char *)data, size, &st)) {
		/* What parsed is what fwd_state_save() writes: one spelling per state. */
		n = snprintf(line, sizeof(line), FWD_STATE_MAGIC " %s %llu\n",
			     st.log_id[0] ? st.log_id : "-", (unsigned long long)st.next_seq);
		if ((size_t)n != size || memcmp(line, data, size))
			abort();
		if (fwd_state_parse(line, (size_t)n, &again) || again.next_seq != st.next_seq ||
		    strcmp(again.log_id, st.log_id))
			abort();
	}
	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (!forward_split_addr(s, host, sizeof(host), port, sizeof(port)) &&
	    (!host[0] || atoi(port) < 1 || atoi(port) > 65535))
		abort();
	n = fwd_frame(frame, sizeof(frame), "fuzz", 1, (const char *)data, size);
	if (n > 0 && (size_t)atoi(frame) + strlen(strchr(frame, ' ') + 1) < size)
		abort();
	free(s);
	return 0;
}
