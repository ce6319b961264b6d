/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Internals of the forwarder: framing, resend bookkeeping, state file, log follower, transport. */
#ifndef AGENTGATE_FORWARD_INT_H
#define AGENTGATE_FORWARD_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <openssl/ssl.h>

/* Longest frame: a record line (AUDIT_MAX_LINE) plus the header. */
#define FWD_MAX_HEADER 400
#define FWD_MAX_LINE (64u * 1024u)

/* --- forward_frame.c: RFC 5424 message with RFC 6587 octet counting --- */

/*
 * "LEN <PRI>1 TIMESTAMP HOSTNAME APP PROCID MSGID - LINE" into out; TIMESTAMP
 * is the record's own "time" cut to microseconds (the RFC allows six
 * digits), "-" for a line without one; MSGID is "audit". Returns the frame's
 * length or -ENOSPC.
 */
int fwd_frame(char *out, size_t cap, const char *hostname, unsigned int procid, const char *line,
	      size_t len);

/* --- forward_track.c: what was sent, what the collector's TCP acknowledged --- */

struct fwd_sent {
	uint64_t end; /* transport bytes written once this line was */
	uint64_t next_seq; /* resume here once this line is acknowledged */
};

struct fwd_acked {
	int64_t ms; /* when the acknowledgement was seen */
	uint64_t from_seq; /* the first record it covered */
};

#define FWD_ACK_HISTORY 1024

struct fwd_track {
	struct fwd_sent *q; /* ring of sent, unacknowledged lines */
	size_t cap, head, n;
	uint64_t acked_seq; /* every record below it is acknowledged */
	uint64_t acked_bytes;
	struct fwd_acked hist[FWD_ACK_HISTORY]; /* ring, oldest first, for replay */
	size_t hhead, hn;
	unsigned int replay_ms;
};

/* Forget what was in flight; records below seq count as acknowledged. */
void fwd_track_reset(struct fwd_track *t, uint64_t seq, unsigned int replay_ms);
void fwd_track_free(struct fwd_track *t);
/* A line was written: the transport has now written `end` bytes in all. */
int fwd_track_sent(struct fwd_track *t, uint64_t end, uint64_t next_seq);
/* The peer acknowledged `acked` bytes of the transport at time ms; returns lines acked. */
size_t fwd_track_ack(struct fwd_track *t, uint64_t acked, int64_t ms);
/* Where to resume after a failure: the first seq acknowledged within replay_ms of the last
 * acknowledgement (or the first unacknowledged one). */
uint64_t fwd_track_resume(const struct fwd_track *t);

/* --- state file: "agentgate-forward-state-v1 LOG_ID NEXT_SEQ\n" --- */

#define FWD_STATE_MAGIC "agentgate-forward-state-v1"

struct fwd_state {
	char log_id[33]; /* 32 hex digits, or "" when the log was not seen yet */
	uint64_t next_seq;
};

int fwd_state_parse(const char *buf, size_t len, struct fwd_state *st);
int fwd_state_load(const char *path, struct fwd_state *st); /* -ENOENT: none yet */
int fwd_state_save(const char *path, const struct fwd_state *st); /* atomic: tmp + rename */

/* --- forward_log.c: following the log and its rotations --- */

struct fwd_log {
	char *path;
	int fd;
	dev_t dev;
	ino_t ino;
	char *buf;
	size_t len, off; /* buf[off..len) not yet returned */
	uint64_t skip_below; /* records below this seq are not returned (after a seek) */
	uint64_t next_seq; /* seq after the last record returned */
	uint64_t gap_from,
		gap_to; /* records no longer on disk at the last seek (gap_to > gap_from) */
	uint64_t later_seq; /* the first seq of the next file after the one sought, 0: none */
	char log_id[33]; /* from the last genesis read */
	bool truncated; /* cut in place below what was read, read again from its start: to be said */
	bool after_cut; /* no record read since: the first one tells what the cut took (gap_*) */
};

int fwd_log_init(struct fwd_log *l, const char *path);
void fwd_log_free(struct fwd_log *l);
/* Positions at record seq, in whichever file holds it (the oldest file when it is gone). */
int fwd_log_seek(struct fwd_log *l, uint64_t seq);
/*
 * The next complete line (without its \n) and the seq to resume at once it is
 * delivered. -EAGAIN: nothing new yet; -ESTALE: PATH is now another log (another
 * log_id), to be sought from seq 0; the line stays valid until the next call.
 */
int fwd_log_next(struct fwd_log *l, const char **line, size_t *len, uint64_t *next_seq);

/* --- forward_conn.c: TCP or TLS, non-blocking, with the stop fd in every wait --- */

struct fwd_conn {
	int fd;
	SSL *ssl;
	uint64_t plain_sent; /* bytes written by send() (plain TCP) */
};

/*
 * The TLS settings every connection shares, with the CA file (NULL: the system's CAs) read
 * once, at start, so a bad one is an error then and not a retry forever. -errno when the
 * file cannot be read, -ENOKEY when it holds no certificate; why names the file.
 */
int fwd_tls_ctx(const char *ca_file, SSL_CTX **out, char *why, size_t whysz);
void fwd_conn_init(struct fwd_conn *c);
/* tls NULL: plain TCP. -ECANCELED when stop_fd became readable; -ETIMEDOUT; -errno; -EPROTO
 * for TLS failures. */
int fwd_conn_open(struct fwd_conn *c, const char *host, const char *port, SSL_CTX *tls,
		  const char *tls_name, int stop_fd, int timeout_ms, char *why, size_t whysz);
int fwd_conn_send(struct fwd_conn *c, const char *p, size_t n, int stop_fd, int timeout_ms);
/* Transport bytes written so far and, of those, how many the peer's TCP acknowledged. */
int fwd_conn_progress(struct fwd_conn *c, uint64_t *written, uint64_t *acked);
/* 0 while the connection is usable; -EPIPE once the collector closed or reset it. */
int fwd_conn_check(struct fwd_conn *c);
void fwd_conn_close(struct fwd_conn *c);

#endif /* AGENTGATE_FORWARD_INT_H */
