// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The daemon's metrics (docs/metrics.md): the registry filled from the event
 * loop (decisions and gaps as the session log writes them, the audit
 * writer's records, writes and fsyncs, policy compile errors, assignments),
 * the listening socket kept out of confined agents' reach, and the scrape
 * server (metrics/metrics_http.h) on its own thread.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include "control.h"
#include "daemon.h"
#include "loader/loader.h"
#include "metrics/metrics.h"
#include "metrics/metrics_http.h"
#include "util/clock.h"
#include "util/sock.h"

static void decided(void *ctx, const struct ag_event *ev, const char *agent,
		    const struct audit_container *c, int err)
{
	struct daemon *d = ctx;

	if (err) {
		metrics_count(d->metrics, MC_WRITE_ERRORS, 1);
		return;
	}
	metrics_decision(d->metrics, agent, c ? (c->name && *c->name ? c->name : c->id) : "",
			 metrics_action_of(ev->action), ev->decision, ev->mode, ag_event_count(ev));
}

static void gapped(void *ctx, uint64_t lost, int err)
{
	struct daemon *d = ctx;

	if (err) {
		metrics_count(d->metrics, MC_WRITE_ERRORS, 1);
		return;
	}
	metrics_count(d->metrics, MC_GAP_RECORDS, 1);
	metrics_count(d->metrics, MC_GAP_EVENTS, lost);
}

static void audit_io(void *ctx, enum audit_io io, uint64_t ns)
{
	struct daemon *d = ctx;

	if (io == AUDIT_IO_RECORD)
		metrics_count(d->metrics, MC_RECORDS, 1);
	else
		metrics_observe(d->metrics, io == AUDIT_IO_WRITE ? MH_AUDIT_WRITE : MH_AUDIT_FSYNC,
				ns);
}

int daemon_metrics_init(struct daemon *d)
{
	if (d->cfg->metrics.listen.kind == METRICS_OFF)
		return 0;
	d->metrics = metrics_new();
	if (!d->metrics)
		return -ENOMEM;
	d->log.decided = decided;
	d->log.gapped = gapped;
	audit_writer_set_observer(d->log.audit, audit_io, d);
	metrics_gauge(d->metrics, MG_START_TIME, (double)d->started);
	return 0;
}

int daemon_metrics_listen(struct daemon *d)
{
	const struct metrics_listen *ln = &d->cfg->metrics.listen;
	int err, fd = -1;

	if (!d->metrics)
		return 0;
	if (ln->kind == METRICS_UNIX) {
		err = control_listen(ln->path, &fd);
		if (err) {
			daemon_log("metrics socket %s: %s", ln->path, sock_strerror(err));
			return err;
		}
	} else {
		fd = metrics_tcp_listen(ln->port);
		if (fd < 0) {
			daemon_log("metrics on 127.0.0.1:%u: %s", ln->port, strerror(-fd));
			return fd;
		}
		/* Before the first accept: no confined task ever gets a connection in. */
		err = loader_protect_port(d->loader, ln->port, true);
		if (err) {
			daemon_log("keeping confined agents off 127.0.0.1:%u: %s", ln->port,
				   loader_strerror(err));
			close(fd);
			return err;
		}
	}
	d->metrics_fd = fd;
	d->metrics_bound = true;
	return 0;
}

int daemon_metrics_start(struct daemon *d)
{
	int err;

	if (!d->metrics)
		return 0;
	if (d->cfg->metrics.bpf_stats) {
		d->bpf_stats_fd = loader_enable_stats();
		if (d->bpf_stats_fd < 0)
			daemon_log("metrics: BPF run-time statistics stay off: %s",
				   strerror(-d->bpf_stats_fd));
	}
	err = metrics_server_start(&d->metrics_srv, d->metrics_fd, d->metrics, d->loader);
	d->metrics_fd = -1; /* the server's now, or closed */
	if (err)
		daemon_log("metrics server: %s", strerror(-err));
	return err;
}

void daemon_metrics_tick(struct daemon *d)
{
	size_t i, failed = 0;

	if (!d->metrics)
		return;
	for (i = 0; i < d->nassign; i++)
		failed += d->assign[i].error != NULL;
	metrics_gauge(d->metrics, MG_ASSIGNMENTS, (double)(d->nassign - failed));
	metrics_gauge(d->metrics, MG_ASSIGNMENTS_FAILED, (double)failed);
	metrics_tick(d->metrics, clock_now_ms());
}

void daemon_metrics_close(struct daemon *d)
{
	const struct metrics_listen *ln = &d->cfg->metrics.listen;

	if (!d->metrics)
		return;
	metrics_server_stop(d->metrics_srv);
	d->metrics_srv = NULL;
	if (d->metrics_fd >= 0)
		close(d->metrics_fd);
	d->metrics_fd = -1;
	/* Only what daemon_metrics_listen() made: a start that failed before leaves the path be. */
	if (d->metrics_bound && ln->kind == METRICS_UNIX)
		unlink(ln->path);
	else if (d->metrics_bound && d->loader)
		loader_protect_port(d->loader, ln->port, false); /* nothing serves there now */
	d->metrics_bound = false;
	if (d->bpf_stats_fd >= 0)
		close(d->bpf_stats_fd);
	d->bpf_stats_fd = -1;
	d->log.decided = NULL;
	d->log.gapped = NULL;
	if (d->log.audit)
		audit_writer_set_observer(d->log.audit, NULL, NULL);
	metrics_free(d->metrics);
	d->metrics = NULL;
}
