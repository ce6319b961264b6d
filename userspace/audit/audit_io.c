// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The audit writer's I/O threads: write(2) of batches of finished lines, and
 * fdatasync(), so that the appending thread goes on formatting and chaining
 * while the kernel copies and the disk syncs. The chain is untouched here:
 * batches are whole, already chained bytes, written in the order handed over.
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
 * write thread owns the batch (buf, fd, want_sync, done, err, write_ns);
 * while it is clear the owner does. Handing over and taking back happen
 * under the lock, so each side sees the other's writes.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>
#include "audit_writer_int.h"
#include "util/clock.h"

#define STACK_BYTES (64u * 1024u)

struct audit_io_thread {
	pthread_t writer, syncer;
	bool syncer_started;
	pthread_mutex_t lock;
	pthread_cond_t cond; /* any guarded field changed */
	bool busy; /* a batch is the write thread's */
	bool sync_pending; /* a sync of sync_fd is the sync thread's */
	bool stop; /* the owner is freeing io: threads finish their work and leave */
	int sync_fd;
	int sync_err; /* the last sync's error, until taken */
	uint64_t sync_ns; /* how long it took, until taken */
	/* The batch: */
	struct abuf buf; /* empty (capacity kept) when idle */
	size_t done; /* bytes of buf written */
	int fd;
	bool want_sync; /* sync fd once buf is written */
	int err; /* the write's error; bytes from done on are unwritten */
	uint64_t write_ns;
};

/* Runs without the lock: the batch is the write thread's until it clears busy. */
static void write_batch(struct audit_io_thread *io)
{
	int64_t t0 = clock_now_ns(CLOCK_MONOTONIC);

	while (io->done < io->buf.len) {
		ssize_t k = write(io->fd, io->buf.p + io->done, io->buf.len - io->done);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			io->err = -errno;
			break;
		}
		io->done += (size_t)k;
	}
	io->write_ns = (uint64_t)(clock_now_ns(CLOCK_MONOTONIC) - t0);
}

static void *write_main(void *arg)
{
	struct audit_io_thread *io = arg;

	pthread_mutex_lock(&io->lock);
	for (;;) {
		while (!io->busy && !io->stop)
			pthread_cond_wait(&io->cond, &io->lock);
		if (!io->busy)
			break;
		pthread_mutex_unlock(&io->lock);
		write_batch(io);
		pthread_mutex_lock(&io->lock);
		if (io->want_sync && !io->err) {
			while (io->sync_pending)
				pthread_cond_wait(&io->cond, &io->lock);
			io->sync_fd = io->fd;
			io->sync_pending = true;
		}
		__atomic_store_n(&io->busy, false, __ATOMIC_RELEASE);
		pthread_cond_broadcast(&io->cond);
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
			pthread_cond_wait(&io->cond, &io->lock);
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
		pthread_cond_broadcast(&io->cond);
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

struct audit_io_thread *audit_io_new(int *err)
{
	struct audit_io_thread *io = calloc(1, sizeof(*io));

	*err = -ENOMEM;
	if (!io)
		return NULL;
	pthread_mutex_init(&io->lock, NULL);
	pthread_cond_init(&io->cond, NULL);
	*err = start(&io->syncer, sync_main, io, "audit-sync");
	io->syncer_started = !*err;
	if (!*err)
		*err = start(&io->writer, write_main, io, "audit-write");
	if (*err) {
		if (io->syncer_started) {
			pthread_mutex_lock(&io->lock);
			io->stop = true;
			pthread_cond_broadcast(&io->cond);
			pthread_mutex_unlock(&io->lock);
			pthread_join(io->syncer, NULL);
		}
		pthread_cond_destroy(&io->cond);
		pthread_mutex_destroy(&io->lock);
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

void audit_io_submit(struct audit_io_thread *io, int fd, struct abuf *pend, bool sync)
{
	struct abuf empty = io->buf;

	/* Buffers swap: the batch leaves pend, whose next bytes go to the last batch's memory. */
	io->buf = *pend;
	empty.len = 0;
	empty.oom = false;
	*pend = empty;
	io->fd = fd;
	io->want_sync = sync;
	io->done = 0;
	io->err = 0;
	io->write_ns = 0;
	pthread_mutex_lock(&io->lock);
	__atomic_store_n(&io->busy, true, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&io->cond);
	pthread_mutex_unlock(&io->lock);
}

int audit_io_take(struct audit_io_thread *io, bool synced, struct abuf *pend, uint64_t *write_ns,
		  uint64_t *sync_ns)
{
	size_t rest;
	int err, sync_err;

	pthread_mutex_lock(&io->lock);
	while (io->busy || (synced && io->sync_pending))
		pthread_cond_wait(&io->cond, &io->lock);
	sync_err = io->sync_err;
	*sync_ns = io->sync_ns;
	io->sync_err = 0;
	io->sync_ns = 0;
	pthread_mutex_unlock(&io->lock);
	*write_ns = io->write_ns;
	io->write_ns = 0;
	err = io->err ? io->err : sync_err;
	io->err = 0;
	rest = io->buf.len - io->done;
	if (rest) {
		/* Unwritten bytes go back in front of the newer ones, in order. */
		abuf_reserve(pend, rest);
		if (pend->oom)
			return -ENOMEM;
		memmove(pend->p + rest, pend->p, pend->len);
		memcpy(pend->p, io->buf.p + io->done, rest);
		pend->len += rest;
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
	pthread_cond_broadcast(&io->cond);
	pthread_mutex_unlock(&io->lock);
	pthread_join(io->writer, NULL);
	pthread_join(io->syncer, NULL);
	pthread_cond_destroy(&io->cond);
	pthread_mutex_destroy(&io->lock);
	abuf_free(&io->buf);
	free(io);
}
