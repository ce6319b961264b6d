// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The configuration's check before anything starts (`daemon --check`, and every
 * start): each policy it names compiles, the forwarding CA loads. The assigned
 * policies' images are kept for startup's install (daemon_models.c).
 * Main thread only, before the daemon's other threads exist.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include "daemon.h"
#include "forward/forward.h"

/*
 * A policy containers are bound to by name (a selector's, the default): compiled now so
 * a typo stops the start, not the first container; bound later from the file as it is then.
 */
static int check_named(const struct daemon_containers *ct, const char *name, int mode,
		       char *why, size_t whysz)
{
	char path[PATH_MAX];
	struct ag_policy *model = NULL;
	struct ag_image img = { 0 };
	int err;

	/* The name is valid: the configuration's parser checked it. */
	if (snprintf(path, sizeof(path), "%s/%s.yaml", ct->policies_dir, name) >=
	    (int)sizeof(path)) {
		snprintf(why, whysz, "policy path too long");
		return -ENAMETOOLONG;
	}
	err = session_load(path, mode, &model, why, whysz);
	if (!err)
		err = session_compile_model(model, path, &img, why, whysz);
	policy_free(model);
	image_free(&img);
	return err;
}

int daemon_check_policies(struct daemon *d, char *msg, size_t msgsz)
{
	const struct daemon_containers *ct = &d->cfg->containers;
	const struct daemon_config *c = d->cfg;
	char why[1024];
	size_t i;
	int err = 0;

	for (i = 0; i < c->nassignments && !err; i++) {
		const struct daemon_assignment *a = &c->assignments[i];
		struct ag_policy *model = NULL;
		struct ag_image img = { 0 };

		err = session_load(a->policy, a->mode, &model, why, sizeof(why));
		if (!err)
			err = session_compile_model(model, a->policy, &img, why, sizeof(why));
		if (err)
			snprintf(msg, msgsz, "assignment on line %d: %s", a->line, why);
		/*
		 * Kept by sha256: startup installs this image instead of compiling
		 * again. daemon_model_keep() frees the model when it cannot keep it.
		 */
		if (err)
			policy_free(model);
		else if (daemon_model_keep(d, model))
			daemon_model_image_keep(d, model->sha256, &img);
		image_free(&img);
	}
	for (i = 0; i < ct->nselectors && !err; i++) {
		err = check_named(ct, ct->selectors[i].policy, ct->selectors[i].mode, why,
				  sizeof(why));
		if (err)
			snprintf(msg, msgsz, "container selector on line %d: %s",
				 ct->selectors[i].line, why);
	}
	if (!err && ct->default_policy) {
		err = check_named(ct, ct->default_policy, DAEMON_MODE_POLICY, why, sizeof(why));
		if (err)
			snprintf(msg, msgsz, "containers.default_policy: %s", why);
	}
	/* Read only when forwarding starts, after the programs load: a typo must stop the check. */
	if (!err && c->audit.forward.ca &&
	    (err = forward_ca_check(c->audit.forward.ca, why, sizeof(why))))
		snprintf(msg, msgsz, "audit.forward.ca: %s", why);
	return err;
}
