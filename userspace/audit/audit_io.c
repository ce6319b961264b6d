// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The audit writer's I/O threads: chaining (prev and hash) and write(2) of
 * batches of formatted records, and fdatasync(), so that the appending thread
 * goes on formatting while the records are hashed, the kernel copies and the
 * disk syncs. The chain stays sequential: one batch at a time, its records in
 * order, each from the head the one before left (audit_chain_fill(), the
 * bytes the appending thread would have produced), written in that order.
 *
 * Two threads, so that a sync (tens of ms for a few MiB) holds up neither the
 * appends nor the writes of the next batches, which stay small enough to be
 * copied from cache: the write thread writes a batch and, when it asks for a
 * sync, passes the sync to the sync thread (waiting only while the previous
 * sync still runs: then the disk sets the pace). A sync started after a
 * batch was written covers it.
 *
 * Threads and locks. The writer's owner (audit.h: one thread per writer)
 * calls every function below; the write thread runs write_main() only, the
 * sync thread sync_main() only. io->lock guards busy (written under it, read
 * without it too: audit_io_busy()), sync_pending, stop, and the sync's
 * request and results (sync_fd, sync_err, sync_ns). While busy is set the
 * write thread owns the batch (buf, unchained and the signer it lends, h,
 * head, chained, fd, want_sync, done, err, write_ns); while it is clear the
 * owner does (and signs with that signer itself). Handing
 * over and taking back happen under the lock, so each side sees the other's
 * writes.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>
#include "audit_writer_int.h"
#include "util/clock.h"

#define STACK_BYTES (64u * 1024u)
#define WRITE_STEP (64u * 1024u)

struct audit_io_thread {
	pthread_t writer, syncer;
	bool syncer_started;
	pthread_mutex_t lock;
	/* One per waiter, so that a wake-up (costly in a VM) goes where it is awaited: */
	pthread_cond_t work; /* the write thread's: busy or stop set */
	pthread_cond_t sync; /* the sync thread's: sync_pending or stop set */
	pthread_cond_t idle; /* the owner's and the write thread's: busy or sync_pending cleared */
	bool busy; /* a batch is the write thread's */
	bool sync_pending; /* a sync of sync_fd is the sync thread's */
	bool stop; /* the owner is freeing io: threads finish their work and leave */
	int sync_fd;
	int sync_err; /* the last sync's error, until taken */
	uint64_t sync_ns; /* how long it took, until taken */
	/* The batch: */
	struct abuf buf; /* empty (capacity kept) when idle */
	struct audit_unchained unchained; /* its records to chain (emptied, capacity kept) */
	struct audit_hasher *h;
	uint8_t head[32]; /* the chain's head: before the batch, then after it */
	bool chained; /* head moved: the batch had records */
	size_t done; /* bytes of buf written */
	int fd;
	bool want_sync; /* sync fd once buf is written */
	int err; /* the write's error; bytes from done on are unwritten */
	uint64_t write_ns;
};

/* Writes buf from done up to upto, or until an error (io->err); adds the time to write_ns. */
static void write_upto(struct audit_io_thread *io, size_t upto)
{
	int64_t t0 = clock_now_ns(CLOCK_MONOTONIC);

	while (!io->err && io->done < upto) {
		ssize_t k = write(io->fd, io->buf.p + io->done, upto - io->done);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			io->err = -errno;
		else
			io->done += (size_t)k;
	}
	io->write_ns += (uint64_t)(clock_now_ns(CLOCK_MONOTONIC) - t0);
}

/*
 * Runs without the lock: the batch is the write thread's until it clears busy.
 * Chains and writes in steps of about WRITE_STEP bytes, so that the kernel
 * copies bytes still in cache from hashing them. Every record is chained
 * even after a write failed, so the head is right whatever the write does.
 */
static void write_batch(struct audit_io_thread *io)
{
	struct audit_unchained *u = &io->unchained;
	size_t i = 0, j;
	int err;

	io->chained = u->n > 0;
	while (i < u->n) {
		for (j = i + 1; j < u->n && u->end[j] - io->done <= WRITE_STEP; j++)
			;
		err = audit_unchained_chain(u, i, j, io->h, io->buf.p, io->head);
		if (err) {
			/* The hasher or signer failed: the owner gives up (its records unchained). */
			io->err = err;
			audit_unchained_reset(u, 0);
			return;
		}
		i = j;
		write_upto(io, i < u->n ? u->end[i - 1] : io->buf.len);
	}
	write_upto(io, io->buf.len);
	audit_unchained_reset(u, 0);
}

static void *write_main(void *arg)
{
	struct audit_io_thread *io = arg;

	pthread_mutex_lock(&io->lock);
	for (;;) {
		while (!io->busy && !io->stop)
			pthread_cond_wait(&io->work, &io->lock);
		if (!io->busy)
			break;
		pthread_mutex_unlock(&io->lock);
		write_batch(io);
		pthread_mutex_lock(&io->lock);
		if (io->want_sync && !io->err) {
			while (io->sync_pending)
				pthread_cond_wait(&io->idle, &io->lock);
			io->sync_fd = io->fd;
			io->sync_pending = true;
			pthread_cond_signal(&io->sync);
		}
		__atomic_store_n(&io->busy, false, __ATOMIC_RELEASE);
		pthread_cond_broadcast(&io->idle);
	}
	pthread_mutex_unlock(&io->lock);
	return NULL;
}

static void *sync_main(void *arg)
{
	struct audit_io_thread *io = arg;
	int64_t t0;
	int err;

	pthread_mutex_lock(&io->lock);
	for (;;) {
		while (!io->sync_pending && !io->stop)
			pthread_cond_wait(&io->sync, &io->lock);
		if (!io->sync_pending)
			break;
		pthread_mutex_unlock(&io->lock);
		t0 = clock_now_ns(CLOCK_MONOTONIC);
		err = fdatasync(io->sync_fd) < 0 ? -errno : 0;
		pthread_mutex_lock(&io->lock);
		io->sync_ns += (uint64_t)(clock_now_ns(CLOCK_MONOTONIC) - t0);
		if (!io->sync_err)
			io->sync_err = err;
		io->sync_pending = false;
		pthread_cond_broadcast(&io->idle);
	}
	pthread_mutex_unlock(&io->lock);
	return NULL;
}

static int start(pthread_t *t, void *(*fn)(void *), struct audit_io_thread *io, const char *name)
{
	sigset_t all, old;
	pthread_attr_t a;
	int err;

	/* Signals are the owner's business (handlers, signalfd): none reaches these threads. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_attr_init(&a);
	pthread_attr_setstacksize(&a, STACK_BYTES);
	err = -pthread_create(t, &a, fn, io);
	if (!err)
		pthread_setname_np(*t, name); /* ps, top and perf tell the threads apart */
	pthread_attr_destroy(&a);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return err;
}

static void destroy_sync(struct audit_io_thread *io)
{
	pthread_cond_destroy(&io->work);
	pthread_cond_destroy(&io->sync);
	pthread_cond_destroy(&io->idle);
	pthread_mutex_destroy(&io->lock);
}

struct audit_io_thread *audit_io_new(int *err)
{
	struct audit_io_thread *io = calloc(1, sizeof(*io));

	*err = -ENOMEM;
	if (!io)
		return NULL;
	io->h = audit_hasher_new();
	if (!io->h) {
		free(io);
		return NULL;
	}
	pthread_mutex_init(&io->lock, NULL);
	pthread_cond_init(&io->work, NULL);
	pthread_cond_init(&io->sync, NULL);
	pthread_cond_init(&io->idle, NULL);
	*err = start(&io->syncer, sync_main, io, "audit-sync");
	io->syncer_started = !*err;
	if (!*err)
		*err = start(&io->writer, write_main, io, "audit-write");
	if (*err) {
		if (io->syncer_started) {
			pthread_mutex_lock(&io->lock);
			io->stop = true;
			pthread_cond_signal(&io->sync);
			pthread_mutex_unlock(&io->lock);
			pthread_join(io->syncer, NULL);
		}
		destroy_sync(io);
		audit_hasher_free(io->h);
		free(io);
		return NULL;
	}
	return io;
}

/*
 * Without the lock: appends ask at every record while a batch is in flight.
 * busy is only written under the lock; seeing it clear (acquire) after the
 * write thread cleared it (under the lock, which releases) is enough to take
 * the batch back, and audit_io_take() takes the lock anyway.
 */
bool audit_io_busy(struct audit_io_thread *io)
{
	return __atomic_load_n(&io->busy, __ATOMIC_ACQUIRE);
}

void audit_io_submit(struct audit_io_thread *io, int fd, struct abuf *pend,
		     struct audit_unchained *u, const uint8_t head[32], bool sync)
{
	struct abuf empty = io->buf;
	struct audit_unchained none = io->unchained;

	/* Buffers swap: the batch leaves pend, whose next bytes go to the last batch's memory. */
	io->buf = *pend;
	empty.len = 0;
	empty.oom = false;
	*pend = empty;
	io->unchained = *u;
	audit_unchained_reset(&none, 0);
	*u = none;
	memcpy(io->head, head, 32);
	io->chained = false;
	io->fd = fd;
	io->want_sync = sync;
	io->done = 0;
	io->err = 0;
	io->write_ns = 0;
	pthread_mutex_lock(&io->lock);
	__atomic_store_n(&io->busy, true, __ATOMIC_RELEASE);
	pthread_cond_signal(&io->work);
	pthread_mutex_unlock(&io->lock);
}

int audit_io_take(struct audit_io_thread *io, bool synced, struct abuf *pend, size_t *rest,
		  uint8_t head[32], bool *chained, uint64_t *write_ns, uint64_t *sync_ns)
{
	size_t n;
	int err, sync_err;

	pthread_mutex_lock(&io->lock);
	while (io->busy || (synced && io->sync_pending))
		pthread_cond_wait(&io->idle, &io->lock);
	sync_err = io->sync_err;
	*sync_ns = io->sync_ns;
	io->sync_err = 0;
	io->sync_ns = 0;
	pthread_mutex_unlock(&io->lock);
	*write_ns = io->write_ns;
	io->write_ns = 0;
	err = io->err ? io->err : sync_err;
	io->err = 0;
	*chained = io->chained;
	if (io->chained)
		memcpy(head, io->head, 32);
	io->chained = false;
	n = io->buf.len - io->done;
	*rest = 0;
	if (n) {
		/* Unwritten bytes go back in front of the newer ones, in order. */
		abuf_reserve(pend, n);
		if (pend->oom)
			return -ENOMEM;
		memmove(pend->p + n, pend->p, pend->len);
		memcpy(pend->p, io->buf.p + io->done, n);
		pend->len += n;
		*rest = n;
	}
	io->buf.len = io->done = 0;
	return err;
}

void audit_io_free(struct audit_io_thread *io)
{
	if (!io)
		return;
	pthread_mutex_lock(&io->lock);
	io->stop = true;
	pthread_cond_signal(&io->work);
	pthread_cond_signal(&io->sync);
	pthread_mutex_unlock(&io->lock);
	pthread_join(io->writer, NULL);
	pthread_join(io->syncer, NULL);
	destroy_sync(io);
	abuf_free(&io->buf);
	audit_unchained_free(&io->unchained);
	audit_hasher_free(io->h);
	free(io);
}
