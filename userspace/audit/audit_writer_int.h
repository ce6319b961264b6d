/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The audit writer's state, shared by audit_writer.c (chain, buffer, fsync,
 * seals, rotation, resume), audit_append.c (the records the writer's callers
 * append) and audit_io.c (its I/O threads). One thread per writer (audit.h)
 * owns all of it; the I/O threads see only the batches handed to them, under
 * audit_io's own lock (audit_io.c).
 */
#ifndef AGENTGATE_AUDIT_WRITER_INT_H
#define AGENTGATE_AUDIT_WRITER_INT_H

#include <sys/types.h>
#include "audit.h"
#include "audit_int.h"

/*
 * Records in a buffer still without their prev and hash: formatted with
 * placeholders of the same length, they start at from and end (after their
 * '\n') at end[0..n). Chaining fills both in, in order (audit_chain_fill()).
 */
struct audit_unchained {
	size_t from;
	size_t *end;
	size_t n, cap;
	/* Periodic seals among them, signed where they are chained (seal()): */
	struct audit_seal_todo *seals;
	size_t nseals, seals_cap;
	struct abuf msgs; /* their seal messages, each with zeros for the head */
	struct audit_signer *signer; /* the writer's, lent with the batch */
};

/*
 * A seal signs the chain's head before it, known only where the records
 * before it are chained. Its record is formatted with zeros for its sig, its
 * message (audit_seal_message()) with zeros for the head at prev_at: both are
 * filled in, in order, just before the seal's record is chained.
 */
struct audit_seal_todo {
	size_t rec; /* its index in end[] */
	size_t msg, msg_len, prev_at; /* in msgs */
};

/*
 * audit_unchained.c. Adds the record ending at end; with seal_msg, a seal
 * whose message it is (prev_at: where the head goes). Both or neither.
 */
int audit_unchained_add(struct audit_unchained *u, size_t end, const struct abuf *seal_msg,
			size_t prev_at);
/* Signs the seals of records [i, to) and chains those records in buf, in order, from head (moved on). */
int audit_unchained_chain(const struct audit_unchained *u, size_t i, size_t to,
			  struct audit_hasher *h, char *buf, uint8_t head[32]);
/* None left, the next starting at from; capacity kept. */
void audit_unchained_reset(struct audit_unchained *u, size_t from);
void audit_unchained_free(struct audit_unchained *u);

/*
 * Drop-behind (audit_io.c): once fd is synced up to end, its pages but the
 * last 16 MiB leave the page cache. Each thread that syncs keeps its own
 * (audit_flush() the writer's, audit-sync the I/O threads'); a range both
 * drop costs the second one a walk of an empty range. Zeroed is a start.
 */
struct audit_drop {
	int fd; /* the file dropped was of */
	off_t dropped; /* its pages before this offset are dropped */
};
void audit_drop_behind(struct audit_drop *d, int fd, off_t end);
off_t audit_drop_align(void); /* the drops' boundary: a PMD's span */

struct audit_writer {
	struct audit_config cfg;
	char *path, *key_dir;
	char host[256], boot_id[64];
	int fd;
	uint64_t file_size; /* bytes in the file, written or pending */
	uint64_t file_index;
	uint64_t file_records;
	uint64_t seq; /* of the next record */
	uint8_t head[32]; /* hash of the last record chained (see unchained) */
	char prev_hex[65]; /* head in hex: the next record's prev */
	char log_id[33];
	struct audit_key key;
	struct audit_signer *signer; /* key.seed prepared for signing; NULL until a seal needs it */
	struct audit_hasher *h;
	struct abuf pend; /* appended, not yet written; records are formatted in place */
	struct audit_unchained unchained; /* pend's records not yet chained (see hand_over()) */
	struct audit_io_thread *io; /* NULL until the first batch is handed over */
	bool io_failed; /* the thread could not be started: the appends write themselves */
	bool io_inflight; /* a batch was handed over and not yet taken back */
	int64_t io_since; /* CLOCK_MONOTONIC when it was handed over */
	bool unsynced;
	int64_t unsynced_since; /* CLOCK_MONOTONIC ns */
	struct audit_drop drop; /* audit_flush()'s */
	uint64_t since_seal;
	int64_t unsealed_since;
	int64_t boot_to_real;
	int64_t now; /* CLOCK_MONOTONIC at the last append */
	bool rotating;
	bool rotate_pending; /* the rotation seal waits for a full disk: renamed once written */
	int err; /* first write error: later appends report it */
	int stalled; /* -ENOSPC or -EDQUOT while the disk refuses the backlog, else 0 */
	uint64_t lost; /* records refused while stalled with a full backlog (or rotate_pending) */
	struct audit_stream *stream;
	audit_observe_fn observe; /* NULL: none */
	void *observe_ctx;
	struct audit_resume resume;
	/* The last decision's policy hash and its hex: a policy's decisions all name it. */
	uint8_t policy_sha[32];
	char policy_hex[65];
};

/* The wall clock as records show it. */
void audit_now_str(char out[32]);
/* Chains r (its first field seq, its last prev: both filled in), then seals when due. */
int audit_writer_append(struct audit_writer *w, struct audit_record *r);

/*
 * The I/O threads (audit_io.c). Only the writer's owner calls these, and
 * submits only while the chain thread is not busy (after audit_io_busy() said
 * so, or after audit_io_take()).
 */
struct audit_io_thread;
struct audit_io_thread *audit_io_new(int *err);
bool audit_io_busy(struct audit_io_thread *io);
/*
 * Hands pend's bytes over (pend is left empty), with its unchained records
 * (emptied too) and the chain's head before them, to be chained, written to
 * fd, then synced if sync.
 */
void audit_io_submit(struct audit_io_thread *io, int fd, struct abuf *pend,
		     struct audit_unchained *u, const uint8_t head[32], bool sync);
/*
 * Waits for the batch in flight to be chained (with synced, for every batch
 * to be written and synced): the first error of the chaining, writes and
 * syncs seen since the last call (a write still running is seen by a later
 * call), with the unwritten bytes of failed writes put back in front of pend
 * in order (*rest of them); the chain's head after the batch's records, when
 * it had any (*chained); and the time the writes and the syncs took (0: none).
 */
int audit_io_take(struct audit_io_thread *io, bool synced, struct abuf *pend, size_t *rest,
		  uint8_t head[32], bool *chained, uint64_t *write_ns, uint64_t *sync_ns);
void audit_io_free(struct audit_io_thread *io); /* lets the work in flight finish; NULL ok */

/* audit_writer.c, for audit_resume.c (the opening thread, before the writer is shared). */
void writer_drop_signer(struct audit_writer *w);
int writer_lock_fd(int fd); /* the log's flock: one writer per file */
int writer_open_new_file(struct audit_writer *w); /* a new file of the log, its genesis */
/* The cut line of a crashed writer kept, a torn record naming it. */
int writer_append_torn(struct audit_writer *w, const char *bytes, size_t len);

/* audit_resume.c: opening an existing log. */
void writer_read_line(const char *path, char *buf, size_t sz);
uint64_t writer_newest_rotated(const char *path); /* its number, 0 when none */
int writer_resume_from(struct audit_writer *w, const char *path, bool same_file);

#endif /* AGENTGATE_AUDIT_WRITER_INT_H */
