// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * audit.forward: the daemon ships its audit log to a syslog collector from a
 * thread of its own (forward/forward.h). The thread only reads the log file,
 * so the main loop, enforcement and the local log never wait on the network.
 * The main thread starts it after the log is open and stops it after the
 * shutdown seal is written, giving it a moment to send that too.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include "daemon.h"
#include "forward/forward.h"
#include "util/file.h"

#define FORWARD_DRAIN_MS 2000

static void say(void *ctx, const char *msg)
{
	daemon_log("forward: %s", msg);
}

static void *forward_thread(void *arg)
{
	forwarder_run(arg);
	return NULL;
}

int daemon_forward_start(struct daemon *d)
{
	const struct daemon_audit_config *a = &d->cfg->audit;
	const struct daemon_forward_config *fc = &a->forward;
	struct forward_config cfg = {
		.log = a->log,
		.host = fc->host,
		.port = fc->port,
		.hostname = fc->hostname ? fc->hostname : a->host,
		.state = fc->state,
		.tls = fc->tls,
		.ca_file = fc->ca,
		.tls_name = fc->tls_name,
		.replay_ms = fc->replay_ms,
		.report = say,
	};
	char why[512];
	int err;

	if (!fc->host)
		return 0;
	err = mkdir_parent(fc->state, 0755, 0750);
	if (err) {
		daemon_log("forward: state file %s: %s", fc->state, strerror(-err));
		return err;
	}
	d->fwd = forwarder_new(&cfg, &err, why, sizeof(why));
	if (!d->fwd) {
		daemon_log("forward: %s", why[0] ? why : strerror(-err));
		return err;
	}
	err = pthread_create(&d->fwd_thread, NULL, forward_thread, d->fwd);
	if (err) {
		daemon_log("forward: thread: %s", strerror(err));
		forwarder_free(d->fwd);
		d->fwd = NULL;
		return -err;
	}
	return 0;
}

void daemon_forward_stop(struct daemon *d)
{
	struct forward_stats st;

	if (!d->fwd)
		return;
	forwarder_stop(d->fwd, FORWARD_DRAIN_MS);
	pthread_join(d->fwd_thread, NULL);
	forwarder_stats(d->fwd, &st);
	daemon_log("forward: %llu records sent (%llu resent), acknowledged below seq %llu",
		   (unsigned long long)st.sent, (unsigned long long)st.resent,
		   (unsigned long long)st.acked_seq);
	forwarder_free(d->fwd);
	d->fwd = NULL;
}
