// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The forwarding loop (forward.h): connect, position the log at the first
 * record the collector lacks, send lines as the writer adds them, account
 * for acknowledgements, keep the state file, and on any failure start over
 * with backoff from the resend point.
 */
#include <errno.h>
#include <pthread.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>
#include "forward.h"
#include "forward_int.h"
#include "util/clock.h"

#define CONNECT_TIMEOUT_MS 5000
#define SEND_TIMEOUT_MS 15000
#define IDLE_POLL_MS 100 /* how soon a new line in the log is noticed */
#define BATCH_LINES 512 /* lines sent before acknowledgements and stop are looked at */
#define STATE_EVERY_MS 1000
#define BACKOFF_MIN_MS 250

struct forwarder {
	struct forward_config cfg; /* strings point into owned copies below */
	char *own[8];
	char hostname[256];
	unsigned int procid;
	char *frame;
	int stop_fd;
	SSL_CTX *tls; /* NULL: plain TCP */
	/* The forwarding thread's own: */
	struct fwd_log log;
	struct fwd_conn conn;
	struct fwd_track track;
	bool connected, positioned;
	uint64_t resume; /* where the next connection starts */
	uint64_t sent_max; /* highest next_seq ever sent, to count resends */
	struct fwd_state saved;
	int64_t saved_ms; /* the last save, or the last failed attempt */
	int state_err; /* the last save's error, as reported; 0: saved */
	char fail_why[256]; /* why connecting fails, as last reported; "": connected */
	/* f->lock guards stats, stopping and drain_ms. */
	pthread_mutex_t lock;
	struct forward_stats stats;
	bool stopping;
	unsigned int drain_ms;
};

static void report(struct forwarder *f, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!f->cfg.report)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	f->cfg.report(f->cfg.report_ctx, msg);
}

int forward_split_addr(const char *s, char *host, size_t hostsz, char *port, size_t portsz)
{
	const char *colon, *h = s;
	size_t hl;

	if (!s)
		return -EINVAL;
	if (*s == '[') {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':')
			return -EINVAL;
		h = s + 1;
		hl = (size_t)(close - h);
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon || memchr(s, ':', (size_t)(colon - s)))
			return -EINVAL; /* a bare IPv6 address needs brackets */
		hl = (size_t)(colon - s);
	}
	if (!hl || hl >= hostsz || !colon[1] || strlen(colon + 1) >= portsz ||
	    strspn(colon + 1, "0123456789") != strlen(colon + 1) || atoi(colon + 1) < 1 ||
	    atoi(colon + 1) > 65535 || strlen(colon + 1) > 5)
		return -EINVAL;
	memcpy(host, h, hl);
	host[hl] = '\0';
	strcpy(port, colon + 1);
	return 0;
}

static const char *own(struct forwarder *f, int i, const char *s)
{
	if (!s)
		return NULL;
	f->own[i] = strdup(s);
	return f->own[i];
}

struct forwarder *forwarder_new(const struct forward_config *cfg, int *err, char *why, size_t whysz)
{
	struct forwarder *f;
	struct stat sb;

	why[0] = '\0';
	*err = -EINVAL;
	if (!cfg->log || !cfg->host || !cfg->port ||
	    (cfg->hostname && !forward_hostname_ok(cfg->hostname)))
		return NULL;
	/*
	 * Paths that can never be what they name are refused at the start: a
	 * directory as the log would be waited on forever (as a log not there
	 * yet is), and a state file that is not one warned at every save.
	 */
	if (!stat(cfg->log, &sb) && S_ISDIR(sb.st_mode)) {
		snprintf(why, whysz, "the log %s is a directory", cfg->log);
		return NULL;
	}
	if (cfg->state && !stat(cfg->state, &sb) && !S_ISREG(sb.st_mode)) {
		snprintf(why, whysz, "the state file %s is not a regular file", cfg->state);
		return NULL;
	}
	*err = -ENOMEM;
	f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->stop_fd = -1;
	fwd_conn_init(&f->conn);
	f->log.fd = -1;
	pthread_mutex_init(&f->lock, NULL);
	f->cfg = *cfg;
	f->cfg.log = own(f, 0, cfg->log);
	f->cfg.host = own(f, 1, cfg->host);
	f->cfg.port = own(f, 2, cfg->port);
	f->cfg.state = own(f, 3, cfg->state);
	f->cfg.ca_file = own(f, 4, cfg->ca_file);
	f->cfg.tls_name = own(f, 5, cfg->tls_name);
	if (!f->cfg.replay_ms)
		f->cfg.replay_ms = FORWARD_DEFAULT_REPLAY_MS;
	if (!f->cfg.backoff_max_ms)
		f->cfg.backoff_max_ms = FORWARD_DEFAULT_BACKOFF_MAX_MS;
	if (cfg->hostname)
		snprintf(f->hostname, sizeof(f->hostname), "%s", cfg->hostname);
	else if (gethostname(f->hostname, sizeof(f->hostname) - 1) ||
		 !forward_hostname_ok(f->hostname))
		snprintf(f->hostname, sizeof(f->hostname), "-");
	f->procid = (unsigned int)getpid();
	f->frame = malloc(FWD_MAX_LINE + FWD_MAX_HEADER + 32);
	f->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (!f->cfg.log || !f->cfg.host || !f->cfg.port || (cfg->state && !f->cfg.state) ||
	    (cfg->ca_file && !f->cfg.ca_file) || (cfg->tls_name && !f->cfg.tls_name) || !f->frame ||
	    f->stop_fd < 0 || fwd_log_init(&f->log, f->cfg.log)) {
		forwarder_free(f);
		return NULL;
	}
	if (cfg->tls && (*err = fwd_tls_ctx(f->cfg.ca_file, &f->tls, why, whysz))) {
		forwarder_free(f);
		return NULL;
	}
	*err = 0;
	return f;
}

int forward_ca_check(const char *ca_file, char *why, size_t whysz)
{
	SSL_CTX *ctx = NULL;
	int err = fwd_tls_ctx(ca_file, &ctx, why, whysz);

	SSL_CTX_free(ctx);
	return err;
}

void forwarder_free(struct forwarder *f)
{
	size_t i;

	if (!f)
		return;
	fwd_conn_close(&f->conn);
	fwd_log_free(&f->log);
	fwd_track_free(&f->track);
	SSL_CTX_free(f->tls);
	if (f->stop_fd >= 0)
		close(f->stop_fd);
	for (i = 0; i < sizeof(f->own) / sizeof(f->own[0]); i++)
		free(f->own[i]);
	free(f->frame);
	pthread_mutex_destroy(&f->lock);
	free(f);
}

void forwarder_stop(struct forwarder *f, unsigned int drain_ms)
{
	uint64_t one = 1;

	pthread_mutex_lock(&f->lock);
	f->stopping = true;
	f->drain_ms = drain_ms;
	pthread_mutex_unlock(&f->lock);
	if (write(f->stop_fd, &one, sizeof(one)) != sizeof(one))
		return; /* the counter is already set: the loop sees the stop anyway */
}

void forwarder_stats(struct forwarder *f, struct forward_stats *out)
{
	pthread_mutex_lock(&f->lock);
	*out = f->stats;
	pthread_mutex_unlock(&f->lock);
}

static void save_state(struct forwarder *f, uint64_t next_seq, int64_t now, bool force)
{
	struct fwd_state st = { .next_seq = next_seq };
	int err;

	snprintf(st.log_id, sizeof(st.log_id), "%s", f->log.log_id);
	if (!f->cfg.state || (!force && now - f->saved_ms < STATE_EVERY_MS) ||
	    (st.next_seq == f->saved.next_seq && !strcmp(st.log_id, f->saved.log_id)))
		return;
	err = fwd_state_save(f->cfg.state, &st);
	/*
	 * A failure is retried once a second too, and said once per reason: a state file
	 * that cannot be written (its directory missing) must not flood stderr at every ack.
	 */
	if (err && err != f->state_err)
		report(f, "state file %s: %s", f->cfg.state, strerror(-err));
	f->state_err = err;
	f->saved_ms = now;
	if (!err)
		f->saved = st;
}

static void set_connected(struct forwarder *f, bool up)
{
	pthread_mutex_lock(&f->lock);
	f->stats.connected = up;
	if (up)
		f->stats.connects++;
	f->stats.acked_seq = f->track.acked_seq;
	pthread_mutex_unlock(&f->lock);
	f->connected = up;
}

/* The connection failed: the next one resends from the replay point. */
static void lost(struct forwarder *f, int err)
{
	int64_t now = clock_now_ms();

	f->resume = fwd_track_resume(&f->track);
	if (err != -ECANCELED)
		report(f, "connection to %s:%s lost (%s): resending from seq %llu", f->cfg.host,
		       f->cfg.port, strerror(-err), (unsigned long long)f->resume);
	fwd_conn_close(&f->conn);
	f->positioned = false;
	set_connected(f, false);
	save_state(f, f->resume, now, true);
}

/* Records the log had lost when it was sought: said once, as the collector will miss them. */
static void report_gap(struct forwarder *f)
{
	if (f->log.gap_to > f->log.gap_from)
		report(f,
		       "records %llu..%llu are no longer on disk (rotated away, or truncated): the "
		       "collector will miss them",
		       (unsigned long long)f->log.gap_from, (unsigned long long)f->log.gap_to - 1);
	f->log.gap_from = f->log.gap_to = 0;
}

static int position(struct forwarder *f)
{
	int err = fwd_log_seek(&f->log, f->resume);

	if (err)
		return err;
	if (f->saved.log_id[0] && strcmp(f->saved.log_id, f->log.log_id)) {
		/* Another log under the same name: its records from the first, not from ours. */
		report(f,
		       "%s is a new log (log_id %s, the state file names %s): sending it from seq 0",
		       f->cfg.log, f->log.log_id, f->saved.log_id);
		f->resume = 0;
		f->saved.log_id[0] = '\0';
		err = fwd_log_seek(&f->log, 0);
		if (err)
			return err;
	}
	report_gap(f);
	fwd_track_reset(&f->track, f->log.next_seq, f->cfg.replay_ms);
	f->positioned = true;
	return 0;
}

/* Sends what the log has; 1 when there may be more, 0 when caught up, or -errno. */
static int pump(struct forwarder *f, int stop_fd, int timeout_ms)
{
	const char *line;
	size_t len;
	uint64_t next, written, acked;
	int n, err, i;

	for (i = 0; i < BATCH_LINES; i++) {
		err = fwd_log_next(&f->log, &line, &len, &next);
		/* Said at once: the records that tell what the cut took may come much later. */
		if (f->log.truncated) {
			report(f,
			       "%s was truncated in place (copytruncate?): sending it again from "
			       "its start",
			       f->cfg.log);
			f->log.truncated = false;
		}
		if (err == -EAGAIN)
			break;
		if (err == -ESTALE) {
			/* Its records are all new to the collector: from the first, as position() does. */
			report(f, "%s is a new log (log_id %s): sending it from seq 0", f->cfg.log,
			       f->log.log_id);
			f->resume = 0;
			f->saved.log_id[0] = '\0';
			f->positioned = false;
			/* Nothing of the old log is tracked: the state saved until then says 0. */
			fwd_track_reset(&f->track, 0, f->cfg.replay_ms);
			return 1;
		}
		if (err)
			return err;
		/* The next file found on its own (not at a reconnect) may lie past deleted ones. */
		report_gap(f);
		n = fwd_frame(f->frame, FWD_MAX_LINE + FWD_MAX_HEADER + 32, f->hostname, f->procid,
			      line, len);
		if (n < 0) {
			report(f,
			       "a line of %zu bytes before seq %llu is too long to send: skipped",
			       len, (unsigned long long)next);
			continue;
		}
		err = fwd_conn_send(&f->conn, f->frame, (size_t)n, stop_fd, timeout_ms);
		if (!err)
			err = fwd_conn_progress(&f->conn, &written, &acked);
		if (!err)
			err = fwd_track_sent(&f->track, written, next);
		if (err)
			return err;
		pthread_mutex_lock(&f->lock);
		f->stats.sent++;
		if (next <= f->sent_max)
			f->stats.resent++;
		pthread_mutex_unlock(&f->lock);
		if (next > f->sent_max)
			f->sent_max = next;
	}
	return i == BATCH_LINES;
}

static void account(struct forwarder *f, int64_t now)
{
	uint64_t written, acked;

	if (fwd_conn_progress(&f->conn, &written, &acked))
		return;
	fwd_track_ack(&f->track, acked, now);
	pthread_mutex_lock(&f->lock);
	f->stats.acked_seq = f->track.acked_seq;
	pthread_mutex_unlock(&f->lock);
	save_state(f, fwd_track_resume(&f->track), now, false);
}

static bool stop_requested(struct forwarder *f, unsigned int *drain_ms)
{
	bool s;

	pthread_mutex_lock(&f->lock);
	s = f->stopping;
	*drain_ms = f->drain_ms;
	pthread_mutex_unlock(&f->lock);
	return s;
}

static void connect_once(struct forwarder *f, unsigned int *backoff)
{
	char why[256], now_why[256];
	int err = fwd_conn_open(&f->conn, f->cfg.host, f->cfg.port, f->tls, f->cfg.tls_name,
				f->stop_fd, CONNECT_TIMEOUT_MS, why, sizeof(why));
	struct pollfd p = { .fd = f->stop_fd, .events = POLLIN };

	if (err == -ECANCELED)
		return;
	if (err) {
		/* Said again only when the reason changes: the operator sees the current one. */
		snprintf(now_why, sizeof(now_why), "%s", why[0] ? why : strerror(-err));
		if (strcmp(now_why, f->fail_why))
			report(f, "cannot connect to %s:%s: %s; retrying with backoff up to %u ms",
			       f->cfg.host, f->cfg.port, now_why, f->cfg.backoff_max_ms);
		memcpy(f->fail_why, now_why, sizeof(now_why));
		poll(&p, 1, (int)*backoff);
		*backoff = *backoff * 2 > f->cfg.backoff_max_ms ? f->cfg.backoff_max_ms :
								  *backoff * 2;
		return;
	}
	report(f, "connected to %s:%s%s as %s, sending from seq %llu", f->cfg.host, f->cfg.port,
	       f->tls ? " (TLS)" : "", f->hostname, (unsigned long long)f->resume);
	f->fail_why[0] = '\0';
	*backoff = BACKOFF_MIN_MS;
	set_connected(f, true);
}

void forwarder_run(struct forwarder *f)
{
	unsigned int backoff = BACKOFF_MIN_MS, drain_ms = 0;
	int64_t deadline = 0, now;
	bool caught_up = false;
	struct fwd_state st;
	sigset_t pipe;
	int err;

	/* A collector gone mid-write: EPIPE from OpenSSL's write(), not a process killed. */
	sigemptyset(&pipe);
	sigaddset(&pipe, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe, NULL);
	err = f->cfg.state ? fwd_state_load(f->cfg.state, &st) : -ENOENT;
	if (!err) {
		f->resume = st.next_seq;
		f->saved = st;
	} else if (err != -ENOENT) {
		report(f, "state file %s: %s: starting at the oldest record", f->cfg.state,
		       strerror(-err));
	}
	for (;;) {
		bool stopping = stop_requested(f, &drain_ms);
		int stop_fd = stopping ? -1 : f->stop_fd;
		int timeout = SEND_TIMEOUT_MS;
		struct pollfd p[2];

		now = clock_now_ms();
		if (stopping && !deadline)
			deadline = now + drain_ms;
		if (stopping && (!f->connected || now >= deadline))
			break;
		if (stopping && deadline - now < timeout)
			timeout = (int)(deadline - now);
		if (!f->connected) {
			connect_once(f, &backoff);
			continue;
		}
		if (!f->positioned && position(f)) {
			poll(NULL, 0, IDLE_POLL_MS); /* no log yet */
			continue;
		}
		err = f->positioned ? pump(f, stop_fd, timeout) : 0;
		if (err >= 0) {
			caught_up = err == 0 && f->positioned;
			account(f, clock_now_ms());
			err = fwd_conn_check(&f->conn);
		}
		if (err < 0) {
			/* Stopped mid-frame too: the stream is no longer framed, so never reuse it. */
			lost(f, err);
			continue;
		}
		if (!caught_up)
			continue;
		/* Read after the stop was asked (the shutdown seal is in) and all acknowledged. */
		if (stopping && !f->track.n)
			break;
		p[0] = (struct pollfd){ .fd = f->conn.fd, .events = POLLIN };
		p[1] = (struct pollfd){ .fd = f->stop_fd, .events = POLLIN };
		poll(p, stopping ? 1 : 2, stopping ? 20 : IDLE_POLL_MS);
	}
	if (f->connected) {
		account(f, clock_now_ms());
		/* Drained: everything sent was acknowledged by a collector still up. */
		if (caught_up && !f->track.n)
			save_state(f, f->track.acked_seq, clock_now_ms(), true);
		else
			save_state(f, fwd_track_resume(&f->track), clock_now_ms(), true);
	}
	fwd_conn_close(&f->conn);
	set_connected(f, false);
}
