/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Ships an audit log to a syslog collector (docs/forward.md): RFC 5424
 * messages over TCP (or TLS) with octet-counting framing (RFC 6587), one
 * message per log line, the line's bytes as MSG.
 *
 * The forwarder follows the log file as a reader: it is never in the writer's
 * path, so enforcement and the local log never wait on the network. It
 * remembers how far each sent record reaches in the transport's byte stream;
 * bytes still in the socket's send queue (SIOCOUTQ) are not acknowledged by
 * the collector's TCP. When the connection fails it reconnects with capped
 * exponential backoff and resends from the first record that was not
 * acknowledged replay_ms before the failure (the collector may have taken in,
 * but not yet written, the last records): a record can arrive twice, with the
 * same seq and bytes (`audit verify --dedup` folds those), never not at all.
 * The next seq to send is kept in a state file, so a restart resumes.
 *
 * Threads and locks: forwarder_run() runs in one thread (the daemon's
 * forwarding thread, or `agentgate audit forward`'s) and owns
 * everything in the forwarder except the two fields below. forwarder_stop()
 * and forwarder_stats() may be called from any thread: the stop request is an
 * eventfd write, the stats are copied under f->lock.
 */
#ifndef AGENTGATE_FORWARD_H
#define AGENTGATE_FORWARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FORWARD_DEFAULT_REPLAY_MS 5000u
#define FORWARD_DEFAULT_BACKOFF_MAX_MS 10000u
#define FORWARD_APP_NAME "agentgate"
/* RFC 5424 PRI: facility 13 (log audit), severity 6 (informational). */
#define FORWARD_PRI 110

struct forward_config {
	const char *log; /* the active log; rotated files are log.NNNNNN */
	const char *host; /* collector: name or address */
	const char *port; /* service or number */
	const char *hostname; /* syslog HOSTNAME; NULL: gethostname() */
	const char *state; /* next seq to send, kept across restarts; NULL: none (start at 0) */
	bool tls;
	const char *ca_file; /* TLS: CA bundle the collector's certificate must chain to */
	const char *tls_name; /* TLS: name the certificate must carry; NULL: host */
	unsigned int replay_ms; /* 0: FORWARD_DEFAULT_REPLAY_MS */
	unsigned int backoff_max_ms; /* 0: FORWARD_DEFAULT_BACKOFF_MAX_MS */
	/* Called from the forwarding thread for what an operator should see; NULL: silence. */
	void (*report)(void *ctx, const char *msg);
	void *report_ctx;
};

struct forward_stats {
	uint64_t sent; /* records written to a connection (resent ones counted again) */
	uint64_t resent; /* records sent again after a reconnection */
	uint64_t acked_seq; /* every record below this seq is acknowledged by the collector's TCP */
	uint64_t connects; /* connections established */
	bool connected;
};

struct forwarder;

/*
 * Checks cfg, copies it (with its strings) and, with TLS, reads the CA file now: a setup
 * that can never connect is refused here, not retried. NULL with *err = -EINVAL (cfg),
 * -ENOMEM, or for the CA file -errno (unreadable) or -ENOKEY (no certificate in it), and
 * then why (never NULL) says which file and what is wrong with it.
 */
struct forwarder *forwarder_new(const struct forward_config *cfg, int *err, char *why,
				size_t whysz);
/*
 * Forwards until forwarder_stop(); failed connections are reported and retried. It never
 * gives up on its own: what could make every attempt fail (the CA) forwarder_new() refused.
 */
void forwarder_run(struct forwarder *f);
/* Asks forwarder_run() to return once the log is sent and acknowledged, or after drain_ms. */
void forwarder_stop(struct forwarder *f, unsigned int drain_ms);
void forwarder_stats(struct forwarder *f, struct forward_stats *out);
void forwarder_free(struct forwarder *f); /* NULL ok */

/*
 * Whether ca_file holds a PEM certificate TLS can verify with, as forwarding will load it:
 * 0, or -errno / -ENOKEY with why set. For a configuration check before anything starts.
 */
int forward_ca_check(const char *ca_file, char *why, size_t whysz);

/* HOSTNAME per RFC 5424: 1..255 printable US-ASCII characters, no space. */
bool forward_hostname_ok(const char *h);
/* "HOST:PORT" or "[V6]:PORT" into host and port; -EINVAL when malformed. */
int forward_split_addr(const char *s, char *host, size_t hostsz, char *port, size_t portsz);

#endif /* AGENTGATE_FORWARD_H */
