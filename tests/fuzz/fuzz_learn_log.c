// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * learn on an arbitrary log (taken as --unverified: the records are whatever
 * the bytes parse to): never crashes, and a proposal it makes always holds:
 * it fails only with a clear refusal, never with the internal proof failing
 * (-EPROTO) or an unexplained error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "learn/learn.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char path[] = "/tmp/agentgate-fuzz-learn-XXXXXX", *logs[] = { path };
	struct learn_opts o = { .logs = logs, .nlogs = 1, .unverified = true,
				.key_dir = "/nonexistent/agentgate-fuzz-keys" };
	struct learn_result *r;
	struct ag_error err;
	char *yaml;
	json_t *j;
	int fd = mkstemp(path), ret;

	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		unlink(path);
		return 0;
	}
	close(fd);
	ret = learn_propose(&o, &r, &err);
	unlink(path);
	if (ret == -EPROTO || (ret && !err.msg[0]))
		abort();
	if (ret)
		return 0;
	if (learn_result_yaml(r, &yaml) || learn_result_json(r, &j))
		abort();
	free(yaml);
	json_decref(j);
	learn_result_free(r);
	return 0;
}
