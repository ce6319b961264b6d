// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* A session's policy: the file loaded and compiled into the image the kernel walks. */
#include <stdio.h>
#include <string.h>
#include "session.h"

int session_load(const char *path, int mode_req, struct ag_policy **model, char *msg,
		 size_t msgsz)
{
	struct ag_error perr;
	int err;

	memset(&perr, 0, sizeof(perr));
	err = policy_load(path, model, &perr);
	if (err) {
		if (perr.msg[0])
			snprintf(msg, msgsz, "%s", perr.msg);
		else
			snprintf(msg, msgsz, "%s: %s", path, strerror(-err));
		return err;
	}
	if (mode_req >= 0)
		(*model)->mode = mode_req;
	return 0;
}

int session_compile_model(const struct ag_policy *model, const char *path, struct ag_image *img,
			  char *msg, size_t msgsz)
{
	struct ag_error perr;
	int err;

	memset(&perr, 0, sizeof(perr));
	err = compile_policy(model, NULL, img, NULL, &perr);
	if (err) {
		snprintf(msg, msgsz, "%s: %s", path, perr.msg[0] ? perr.msg : strerror(-err));
		return err;
	}
	((struct ag_image_hdr *)img->data)->mode = model->mode;
	return 0;
}

int session_compile(const char *path, int mode_req, struct ag_policy **model, struct ag_image *img,
		    char *msg, size_t msgsz)
{
	int err = session_load(path, mode_req, model, msg, msgsz);

	if (err)
		return err;
	err = session_compile_model(*model, path, img, msg, msgsz);
	if (err) {
		policy_free(*model);
		*model = NULL;
	}
	return err;
}
