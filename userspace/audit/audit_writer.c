// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The audit writer: formats, chains, buffers, fsyncs, seals and rotates
 * (docs/audit.md). Records are appended to a user-space buffer and written
 * with write(2); the durability bound (cfg->fsync_ms) is enforced at every
 * append and by audit_writer_tick(), so a quiet daemon still syncs in time.
 * With fsync_ms > 0 (and no forward security, see threaded()) the appends'
 * own chaining, writes and syncs go to three I/O threads (audit_io.c), one
 * batch per stage, while the next records are formatted; every other write
 * and sync (audit_flush(): rotation, close, tick, a full disk) waits for
 * their work and happens here. The records callers append are built in audit_append.c.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/file.h>
#include <openssl/rand.h>
#include "audit.h"
#include "audit_int.h"
#include "audit_writer_int.h"
#include "util/clock.h"

#define WRITE_CHUNK (128u * 1024u) /* pending bytes handed over to be written */
#define SEAL_RESERVE 1024u /* room kept in a file for its rotation seal */
/*
 * Pending bytes past which an append waits for the chain thread's batch even
 * before a sync is due. Small: batches hashed and copied while still in cache
 * cost the I/O threads much less than large cold ones, and they are busy long
 * only while the previous sync runs (then the disk sets the pace).
 */
#define AHEAD_MAX (1024u * 1024u)

void audit_now_str(char out[32])
{
	audit_time_format(clock_now_ns(CLOCK_REALTIME), out);
}

/*
 * A full disk (or quota) is waited out: records stay in memory, chained, up to
 * cfg.backlog_bytes, and are written once there is room; past that, records
 * are not chained but counted, and a gap record with their number follows the
 * backlog. Nothing is lost silently (docs/audit.md). Any other error is final.
 */
static bool transient(int err)
{
	return err == -ENOSPC || err == -EDQUOT;
}

/* Tells the observer (audit_writer_set_observer) what was done, since t0 if timed. */
static void observe(struct audit_writer *w, enum audit_io io, int64_t t0)
{
	if (w->observe)
		w->observe(w->observe_ctx, io, t0 ? (uint64_t)(clock_now_ns(CLOCK_MONOTONIC) - t0) : 0);
}

static void observe_ns(struct audit_writer *w, enum audit_io io, uint64_t ns)
{
	if (w->observe && ns)
		w->observe(w->observe_ctx, io, ns);
}

/*
 * Takes the I/O threads' work back, waiting for the batch in flight (with
 * synced, for its sync too): 0, or their error with the batch's unwritten
 * bytes back in front of pend, which then count as unsynced. The chain's
 * head is the batch's last record's hash from here on.
 */
static int io_collect(struct audit_writer *w, bool synced)
{
	uint64_t write_ns, sync_ns;
	size_t rest, i;
	bool chained;
	int err;

	if (!w->io_inflight)
		return 0;
	w->io_inflight = !synced;
	err = audit_io_take(w->io, synced, &w->pend, &rest, w->head, &chained, &write_ns, &sync_ns);
	if (chained)
		audit_hex(w->head, 32, w->prev_hex);
	w->unchained.from += rest;
	for (i = 0; i < w->unchained.n; i++)
		w->unchained.end[i] += rest;
	observe_ns(w, AUDIT_IO_WRITE, write_ns);
	observe_ns(w, AUDIT_IO_FSYNC, sync_ns);
	if (err && !w->unsynced) {
		w->unsynced = true;
		w->unsynced_since = w->now;
	}
	return err;
}

/*
 * Chains pend's unchained records here, in order, and publishes them to the
 * stream; the batch in flight, if any, must have been taken back first.
 */
static int chain_pending(struct audit_writer *w)
{
	struct audit_unchained *u = &w->unchained;
	size_t i, start = u->from;
	int err;

	u->signer = w->signer;
	err = audit_unchained_chain(u, 0, u->n, w->h, w->pend.p, w->head);
	if (err) {
		w->err = err; /* the chain cannot go on without these records */
		return err;
	}
	audit_hex(w->head, 32, w->prev_hex);
	for (i = 0; w->stream && i < u->n; i++) {
		audit_stream_publish(w->stream, w->pend.p + start, u->end[i] - start);
		start = u->end[i];
	}
	audit_unchained_reset(u, w->pend.len);
	return 0;
}

/*
 * The head of the chain here: the batch in flight taken back, pend's records
 * chained. Its write error, if any, is noted as an append would (a full disk
 * stalls the writer, anything else ends it).
 */
static int chain_catch_up(struct audit_writer *w)
{
	int err = io_collect(w, false);

	if (err && !transient(err))
		w->err = err;
	else if (err)
		w->stalled = err;
	return w->err ? w->err : chain_pending(w);
}

/* Writes what it can; what the file did not take stays pending, in order. */
static int write_pending(struct audit_writer *w)
{
	size_t off = 0;
	int64_t t0;
	int err;

	err = chain_pending(w);
	if (err || !w->pend.len)
		return err;
	t0 = clock_now_ns(CLOCK_MONOTONIC);
	while (off < w->pend.len) {
		ssize_t k = write(w->fd, w->pend.p + off, w->pend.len - off);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			err = -errno;
			break;
		}
		off += (size_t)k;
	}
	observe(w, AUDIT_IO_WRITE, t0);
	memmove(w->pend.p, w->pend.p + off, w->pend.len - off);
	w->pend.len -= off;
	w->unchained.from = w->pend.len;
	return err;
}

static int rotate_finish(struct audit_writer *w);

int audit_flush(struct audit_writer *w)
{
	uint64_t lost;
	int64_t t0;
	int err;

	if (w->err)
		return w->err;
	err = io_collect(w, true);
	if (!err)
		err = write_pending(w);
	if (!err && w->unsynced) {
		t0 = clock_now_ns(CLOCK_MONOTONIC);
		if (fdatasync(w->fd) < 0)
			err = -errno;
		observe(w, AUDIT_IO_FSYNC, t0);
		if (!err)
			audit_drop_behind(&w->drop, w->fd, (off_t)w->file_size);
	}
	if (err && !transient(err))
		w->err = err;
	w->stalled = err;
	if (err)
		return err;
	w->unsynced = false;
	/* The rotation seal a full disk held up is written: the rotation goes on. */
	if (w->rotate_pending) {
		err = rotate_finish(w);
		if (err && !transient(err))
			w->err = err;
		if (err)
			return err;
	}
	if (!w->lost)
		return 0;
	/* The backlog is on disk: now the count of what did not fit in it. */
	lost = w->lost;
	w->lost = 0;
	err = audit_append_gap(w, lost);
	return err ? err : audit_flush(w);
}

/*
 * Whether the appends hand their writes and syncs to the I/O threads. Not
 * with fsync_ms 0 (each append syncs), nor with forward security: each seal
 * (every seal_every records) waits for its own sync before the key moves on,
 * so the threads would add hand-overs and overlap little.
 */
static bool threaded(const struct audit_writer *w)
{
	return w->cfg.fsync_ms && !w->cfg.forward_secure && !w->io_failed;
}

/*
 * Whether this append chains its record itself. Otherwise the record goes
 * with placeholders for prev and hash, chained later by the chain thread in
 * order. Here: without the threads, while the disk is full, and while
 * subscribers of the stream wait for each line.
 */
static bool chain_here(const struct audit_writer *w)
{
	return !threaded(w) || w->stalled || (w->stream && audit_stream_subscribers(w->stream));
}

/* A periodic seal whose record is chained later, and signed there (struct audit_seal_todo). */
struct later_seal {
	struct abuf msg; /* with zeros for the head */
	size_t prev_at;
};

/*
 * r: its first field is seq and its last prev; both are filled in here. With
 * later, r is that seal's record, chained (and signed) later.
 */
static int emit_seal(struct audit_writer *w, struct audit_record *r,
		     const struct later_seal *later);

static int emit(struct audit_writer *w, struct audit_record *r)
{
	return emit_seal(w, r, NULL);
}

/* Kept from seal to seal while the key stays (always, without forward security). */
static struct audit_signer *signer(struct audit_writer *w)
{
	if (!w->signer)
		w->signer = audit_signer_new(w->key.seed);
	return w->signer;
}

/* Whenever the key changes: the old one must not outlive it (forward security). */
void writer_drop_signer(struct audit_writer *w)
{
	audit_signer_free(w->signer);
	w->signer = NULL;
}

/*
 * A periodic seal while the chain thread chains is signed there, just before
 * its record is chained (struct audit_seal_todo): this thread goes on
 * formatting instead of waiting for the batch in flight and hashing what it
 * holds. The others (rotation, shutdown, forward security, records chained
 * here) sign here, after catching up.
 */
static int seal(struct audit_writer *w, const char *reason)
{
	struct audit_record r = { 0 };
	struct audit_key next = w->key;
	char time[32], next_hex[65] = "", sig_hex[129];
	struct later_seal later = { 0 };
	bool defer = !strcmp(reason, "periodic") && !chain_here(w);
	uint8_t sig[64];
	int err;

	/* The seal signs the head: every record before it chained. */
	err = defer ? 0 : chain_catch_up(w);
	if (err)
		return err;
	audit_now_str(time);
	if (w->cfg.forward_secure) {
		audit_key_evolve(&next);
		audit_hex(next.pub, 32, next_hex);
	}
	memset(sig_hex, '0', 128);
	sig_hex[128] = 0;
	later.prev_at = audit_seal_message(&later.msg, w->log_id, w->seq,
					   defer ? sig_hex + 64 : w->prev_hex, time, reason,
					   next_hex);
	if (later.msg.oom)
		err = -ENOMEM;
	else if (!signer(w))
		err = -EIO;
	else if (!defer)
		err = audit_signer_sign(w->signer, later.msg.p, later.msg.len, sig);
	if (err) {
		abuf_free(&later.msg);
		audit_key_wipe(&next);
		return err;
	}
	if (!defer)
		audit_hex(sig, 64, sig_hex);
	audit_rec_u64(&r, "seq", 0);
	audit_rec_cstr(&r, "type", "seal");
	audit_rec_cstr(&r, "time", time);
	audit_rec_cstr(&r, "log_id", w->log_id);
	audit_rec_cstr(&r, "reason", reason);
	audit_rec_u64(&r, "epoch", w->key.epoch);
	if (w->cfg.forward_secure)
		audit_rec_cstr(&r, "next_pubkey", next_hex);
	audit_rec_cstr(&r, "sig", sig_hex);
	audit_rec_cstr(&r, "prev", "");
	w->rotating = true; /* a seal is never the reason to rotate */
	err = emit_seal(w, &r, defer ? &later : NULL);
	w->rotating = false;
	abuf_free(&later.msg);
	w->since_seal = 0;
	if (!err && w->cfg.forward_secure) {
		/* The seal naming the next key is durable before the old key goes. */
		err = audit_flush(w);
		if (!err) {
			writer_drop_signer(w);
			audit_key_wipe(&w->key);
			w->key = next;
			err = audit_key_store(w->key_dir, &w->key);
		}
	}
	audit_key_wipe(&next);
	return err;
}

static int genesis(struct audit_writer *w)
{
	struct audit_record r = { 0 };
	char time[32], root[65], pub[65];

	audit_now_str(time);
	audit_hex(w->key.root, 32, root);
	audit_hex(w->key.pub, 32, pub);
	audit_rec_u64(&r, "seq", 0);
	audit_rec_cstr(&r, "type", "genesis");
	audit_rec_cstr(&r, "time", time);
	audit_rec_cstr(&r, "host", w->host);
	audit_rec_cstr(&r, "boot_id", w->boot_id);
	audit_rec_cstr(&r, "log_id", w->log_id);
	audit_rec_u64(&r, "file", w->file_index);
	audit_rec_cstr(&r, "key", root);
	audit_rec_u64(&r, "epoch", w->key.epoch);
	audit_rec_cstr(&r, "pubkey", pub);
	audit_rec_cstr(&r, "prev", "");
	return emit(w, &r);
}

static int sync_dir(const char *path)
{
	char *copy = strdup(path);
	int fd, err = 0;

	if (!copy)
		return -ENOMEM;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(copy);
	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		err = -errno;
	close(fd);
	return err;
}

/* One writer per log: a second one would fork the chain. */
int writer_lock_fd(int fd)
{
	if (flock(fd, LOCK_EX | LOCK_NB) < 0)
		return errno == EWOULDBLOCK ? -EBUSY : -errno;
	return 0;
}

int writer_open_new_file(struct audit_writer *w)
{
	int err;

	w->fd = open(w->path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0640);
	if (w->fd < 0)
		return -errno;
	err = writer_lock_fd(w->fd);
	if (err)
		return err;
	w->file_size = 0;
	w->drop = (struct audit_drop){ 0 }; /* a new file, maybe under the old one's fd number */
	w->file_records = 0;
	return genesis(w);
}

/* The sealed file renamed, a new one started (a full disk: its genesis waits in the backlog). */
static int rotate_finish(struct audit_writer *w)
{
	char dst[4096];
	int err;

	w->rotate_pending = false;
	close(w->fd);
	w->fd = -1;
	snprintf(dst, sizeof(dst), "%s.%06llu", w->path, (unsigned long long)w->file_index);
	if (rename(w->path, dst) < 0)
		return -errno;
	err = sync_dir(w->path);
	if (err)
		return err;
	w->file_index++;
	w->rotating = true;
	err = writer_open_new_file(w);
	w->rotating = false;
	if (!err)
		err = audit_flush(w);
	return err;
}

/*
 * The disk may be found full only here (nothing was pending): the rotation then waits
 * for audit_flush() to write its seal, and records meanwhile are counted in a gap, as
 * past a full backlog. Neither is a final error.
 */
static int rotate(struct audit_writer *w)
{
	int err = seal(w, "rotate");

	if (!err)
		err = audit_flush(w);
	if (transient(err)) {
		w->rotate_pending = true;
		return err;
	}
	return err ? err : rotate_finish(w);
}

/*
 * The pending bytes to the I/O threads, chained and synced there (when
 * sync). While the chain thread is busy with the last batch they stay
 * pending, unless a sync is due or AHEAD_MAX is reached: then this waits for
 * it. Without the threads (they could not be started) the bytes are chained
 * and written here.
 */
static int hand_over(struct audit_writer *w, bool sync)
{
	int err;

	if (!w->io && !w->io_failed) {
		w->io = audit_io_new(&err);
		w->io_failed = !w->io;
	}
	if (!w->io)
		return sync ? audit_flush(w) : write_pending(w);
	if (!sync && w->pend.len < AHEAD_MAX && audit_io_busy(w->io))
		return 0;
	err = io_collect(w, false);
	if (err)
		return err;
	w->unchained.signer = w->signer; /* for its seals, lent until the batch is taken back */
	audit_io_submit(w->io, w->fd, &w->pend, &w->unchained, w->head, sync);
	w->io_inflight = true;
	w->io_since = w->now;
	if (sync)
		w->unsynced = false;
	return 0;
}

static int emit_seal(struct audit_writer *w, struct audit_record *r, const struct later_seal *later)
{
	size_t start, len;
	uint8_t hash[32];
	char hex[65];
	int64_t now;
	bool due, here;
	int err;

	if (w->err)
		return w->err;
	if (w->stalled && (w->pend.len >= w->cfg.backlog_bytes || w->rotate_pending)) {
		w->lost++;
		return w->stalled;
	}
	/* seal() decided where its seal is signed, in this thread, with nothing changed since. */
	here = !later && chain_here(w);
	if (here && (w->io_inflight || w->unchained.n)) {
		err = chain_catch_up(w);
		if (err)
			return err;
	}
	for (;;) {
		r->f[0].u = w->seq;
		r->f[r->n - 1].s = w->prev_hex; /* a placeholder unless here */
		r->f[r->n - 1].len = 64;
		start = w->pend.len;
		audit_rec_format(r, &w->pend);
		if (w->pend.oom)
			return -ENOMEM;
		len = w->pend.len - start;
		/*
		 * Readers refuse a line longer than AUDIT_MAX_LINE: written, it would make
		 * the whole log fail verify. Its hash replaces the closing '}', no '\n'.
		 */
		if (len - 1 + AUDIT_HASH_SUFFIX_LEN - 1 > AUDIT_MAX_LINE) {
			w->pend.len = start;
			return -EMSGSIZE;
		}
		/* No rotation while the disk is full: its seal could not be written either. */
		if (w->rotating || w->stalled || !w->cfg.max_bytes || w->file_records < 2 ||
		    w->file_size + len + AUDIT_HASH_SUFFIX_LEN + SEAL_RESERVE <= w->cfg.max_bytes)
			break;
		/* Formatted again after the rotation: its seq and prev change. */
		w->pend.len = start;
		err = rotate(w);
		if (w->rotate_pending) {
			w->lost++;
			return err;
		}
		if (err && !transient(err)) {
			w->err = err;
			return err;
		}
	}
	if (here) {
		err = audit_chain_hash(w->h, w->head, w->pend.p + start, len, hash);
		if (!err) {
			audit_hex(hash, 32, hex);
			audit_line_finish_hex(&w->pend, start, hex);
			err = w->pend.oom ? -ENOMEM : 0;
		}
	} else {
		audit_line_finish_hex(&w->pend, start, w->prev_hex);
		err = w->pend.oom ? -ENOMEM :
				    audit_unchained_add(&w->unchained, w->pend.len,
							later ? &later->msg : NULL,
							later ? later->prev_at : 0);
	}
	if (err) {
		w->pend.len = start;
		return err;
	}
	if (here) {
		memcpy(w->head, hash, 32);
		memcpy(w->prev_hex, hex, sizeof(hex));
		w->unchained.from = w->pend.len;
	}
	w->seq++;
	w->file_records++;
	observe(w, AUDIT_IO_RECORD, 0);
	w->file_size += w->pend.len - start;
	if (here && w->stream)
		audit_stream_publish(w->stream, w->pend.p + start, w->pend.len - start);
	now = w->now = clock_now_ns(CLOCK_MONOTONIC);
	if (!audit_rec_is(r, "seal")) {
		if (!w->since_seal++)
			w->unsealed_since = now;
	}
	if (!w->unsynced) {
		w->unsynced = true;
		w->unsynced_since = now;
	}
	due = !w->cfg.fsync_ms || now - w->unsynced_since >= (int64_t)w->cfg.fsync_ms * 1000000;
	if (due && (!threaded(w) || w->stalled)) {
		/* A record kept in the backlog of a full disk is not lost: the append succeeded. */
		err = audit_flush(w);
		return transient(err) ? 0 : err;
	}
	if ((due || w->pend.len >= WRITE_CHUNK) && !w->stalled) {
		err = threaded(w) ? hand_over(w, due) : write_pending(w);
		if (err && !transient(err))
			w->err = err;
		else if (err)
			w->stalled = err;
	}
	return w->err;
}

/* After a record other than a seal: seal when enough records or time have passed. */
static int maybe_seal(struct audit_writer *w, int err)
{
	if (err)
		return err;
	if (w->since_seal >= w->cfg.seal_every ||
	    (w->since_seal && w->now - w->unsealed_since >= (int64_t)w->cfg.seal_ms * 1000000))
		return seal(w, "periodic");
	return 0;
}

int audit_writer_append(struct audit_writer *w, struct audit_record *r)
{
	return maybe_seal(w, emit(w, r));
}

int writer_append_torn(struct audit_writer *w, const char *bytes, size_t len)
{
	struct audit_record r = { 0 };
	char time[32], sha_hex[65];
	uint8_t sha[32];
	int err;

	/*
	 * The fragment stays, terminated, so the record below can account for it.
	 * The '\n' is no record: records left to chain must start after it.
	 */
	err = chain_catch_up(w);
	if (err)
		return err;
	abuf_put(&w->pend, "\n", 1);
	w->unchained.from = w->pend.len;
	w->file_size++;
	err = audit_sha256(bytes, len, sha);
	if (err)
		return err;
	audit_hex(sha, 32, sha_hex);
	audit_now_str(time);
	audit_rec_u64(&r, "seq", 0);
	audit_rec_cstr(&r, "type", "torn");
	audit_rec_cstr(&r, "time", time);
	audit_rec_u64(&r, "bytes", len);
	audit_rec_cstr(&r, "sha256", sha_hex);
	audit_rec_cstr(&r, "prev", "");
	return emit(w, &r);
}

int audit_writer_timeout_ms(const struct audit_writer *w)
{
	int64_t now = clock_now_ns(CLOCK_MONOTONIC), due = INT64_MAX;

	if (w->unsynced)
		due = w->unsynced_since + (int64_t)w->cfg.fsync_ms * 1000000;
	/* A batch still in flight then is waited for, and its error (if any) taken in. */
	if (w->io_inflight && w->io_since + (int64_t)w->cfg.fsync_ms * 1000000 < due)
		due = w->io_since + (int64_t)w->cfg.fsync_ms * 1000000;
	if (w->since_seal && w->unsealed_since + (int64_t)w->cfg.seal_ms * 1000000 < due)
		due = w->unsealed_since + (int64_t)w->cfg.seal_ms * 1000000;
	if (due == INT64_MAX)
		return -1;
	if (due <= now)
		return 0;
	return (int)((due - now + 999999) / 1000000);
}

static int64_t boot_to_real(void)
{
	return clock_now_ns(CLOCK_REALTIME) - clock_now_ns(CLOCK_BOOTTIME);
}

int audit_writer_tick(struct audit_writer *w)
{
	int64_t now = clock_now_ns(CLOCK_MONOTONIC);
	int err = 0;

	w->boot_to_real = boot_to_real();
	if (w->io_inflight && now - w->io_since >= (int64_t)w->cfg.fsync_ms * 1000000) {
		err = io_collect(w, true);
		if (err && !transient(err))
			return w->err = err;
		if (err)
			w->stalled = err;
		err = 0;
	}
	if (w->since_seal && now - w->unsealed_since >= (int64_t)w->cfg.seal_ms * 1000000)
		err = seal(w, "periodic");
	if (!err && w->unsynced && now - w->unsynced_since >= (int64_t)w->cfg.fsync_ms * 1000000)
		err = audit_flush(w);
	return err;
}

void audit_writer_set_observer(struct audit_writer *w, audit_observe_fn fn, void *ctx)
{
	w->observe = fn;
	w->observe_ctx = ctx;
}

void audit_writer_set_stream(struct audit_writer *w, struct audit_stream *s)
{
	w->stream = s;
}

const struct audit_resume *audit_writer_resume_info(const struct audit_writer *w)
{
	return &w->resume;
}

static void free_writer(struct audit_writer *w)
{
	audit_io_free(w->io); /* before the fd it may be writing goes */
	audit_unchained_free(&w->unchained);
	if (w->fd >= 0)
		close(w->fd);
	writer_drop_signer(w);
	audit_key_wipe(&w->key);
	audit_hasher_free(w->h);
	abuf_free(&w->pend);
	free(w->path);
	free(w->key_dir);
	free(w);
}

int audit_writer_close(struct audit_writer *w)
{
	int err, flush_err;

	if (!w)
		return 0;
	/*
	 * A full disk may have room again: the backlog is tried first, so that a
	 * backlog still full does not refuse the shutdown seal (counted as lost).
	 * Its error stays in w, for the seal to report.
	 */
	if (w->stalled)
		audit_flush(w);
	err = seal(w, "shutdown");
	flush_err = audit_flush(w);
	if (!err)
		err = flush_err;
	if (!err && w->fd >= 0 && close(w->fd) < 0)
		err = -errno;
	w->fd = -1;
	free_writer(w);
	return err;
}

struct audit_writer *audit_writer_open(const struct audit_config *cfg, int *err)
{
	struct audit_writer *w = calloc(1, sizeof(*w));
	uint64_t rotated;
	uint8_t id[16];
	char rpath[4096];

	*err = -ENOMEM;
	if (!w)
		return NULL;
	w->fd = -1;
	audit_hex(w->head, 32, w->prev_hex); /* zeros: the first genesis has no predecessor */
	w->cfg = *cfg;
	if (!w->cfg.seal_every)
		w->cfg.seal_every = AUDIT_DEFAULT_SEAL_EVERY;
	if (!w->cfg.seal_ms)
		w->cfg.seal_ms = AUDIT_DEFAULT_SEAL_MS;
	if (!w->cfg.backlog_bytes)
		w->cfg.backlog_bytes = AUDIT_DEFAULT_BACKLOG_BYTES;
	w->path = strdup(cfg->path);
	w->key_dir = strdup(cfg->key_dir ? cfg->key_dir : AUDIT_DEFAULT_KEY_DIR);
	w->h = audit_hasher_new();
	if (!w->path || !w->key_dir || !w->h)
		goto fail;
	if (cfg->host)
		snprintf(w->host, sizeof(w->host), "%s", cfg->host);
	else if (gethostname(w->host, sizeof(w->host) - 1) < 0)
		strcpy(w->host, "unknown");
	if (cfg->boot_id)
		snprintf(w->boot_id, sizeof(w->boot_id), "%s", cfg->boot_id);
	else
		writer_read_line("/proc/sys/kernel/random/boot_id", w->boot_id, sizeof(w->boot_id));
	w->boot_to_real = boot_to_real();
	*err = audit_key_load(w->key_dir, &w->key);
	if (*err)
		goto fail;
	w->file_index = 1;
	*err = writer_resume_from(w, w->path, true);
	if (*err == -ENOENT || *err == -ENODATA) {
		if (*err == -ENODATA)
			unlink(w->path); /* empty: created, never written */
		rotated = writer_newest_rotated(w->path);
		snprintf(rpath, sizeof(rpath), "%s.%06llu", w->path, (unsigned long long)rotated);
		*err = rotated ? writer_resume_from(w, rpath, false) : -ENOENT;
		if (*err == -ENOENT) {
			if (RAND_bytes(id, sizeof(id)) != 1) {
				*err = -EIO;
				goto fail;
			}
			audit_hex(id, sizeof(id), w->log_id);
			*err = writer_open_new_file(w);
		}
	}
	if (!*err)
		*err = audit_flush(w);
	if (*err)
		goto fail;
	w->resume.next_seq = w->seq;
	return w;
fail:
	free_writer(w);
	return NULL;
}
