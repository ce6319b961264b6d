// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * A Docker container's name and image, which dockerd 20.10 does not hand its
 * runtime: read from the file dockerd writes when it creates the container
 * (DATA_ROOT/containers/ID/config.v2.json), before it asks the runtime to
 * create it. Asking dockerd's API instead would wait on the very create the
 * runtime wrapper is part of.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <jansson.h>
#include "oci.h"

int docker_meta(const char *root, const char *id, char *name, size_t namesz, char *image,
		size_t imagesz)
{
	const char *n = NULL, *img = NULL;
	char path[PATH_MAX];
	json_error_t jerr;
	json_t *cfg;

	/* id was checked ([A-Za-z0-9_.-]): it cannot leave the directory. */
	if (snprintf(path, sizeof(path), "%s/containers/%s/config.v2.json", root, id) >=
	    (int)sizeof(path))
		return -ENAMETOOLONG;
	cfg = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (!cfg)
		return -ENOENT;
	json_unpack(cfg, "{s?:s, s?:{s?:s}}", "Name", &n, "Config", "Image", &img);
	if (n && *n == '/')
		n++;
	snprintf(name, namesz, "%s", n ? n : "");
	snprintf(image, imagesz, "%s", img ? img : "");
	json_decref(cfg);
	return 0;
}
