// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* A session's policy: the file loaded and compiled into the image the kernel walks. */
#include <stdio.h>
#include <string.h>
#include "session.h"

int session_compile(const char *path, int mode_req, struct ag_policy **model, struct ag_image *img,
		    char *msg, size_t msgsz)
{
	struct ag_policy *p = NULL;
	struct ag_error perr;
	int err;

	memset(&perr, 0, sizeof(perr));
	err = policy_load(path, &p, &perr);
	if (err) {
		if (perr.msg[0])
			snprintf(msg, msgsz, "%s", perr.msg);
		else
			snprintf(msg, msgsz, "%s: %s", path, strerror(-err));
		return err;
	}
	if (mode_req >= 0)
		p->mode = mode_req;
	memset(&perr, 0, sizeof(perr));
	err = compile_policy(p, NULL, img, NULL, &perr);
	if (err) {
		snprintf(msg, msgsz, "%s: %s", path, perr.msg[0] ? perr.msg : strerror(-err));
		policy_free(p);
		return err;
	}
	((struct ag_image_hdr *)img->data)->mode = p->mode;
	*model = p;
	return 0;
}
