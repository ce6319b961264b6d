// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The audit writer's I/O threads: chaining (prev and hash) of batches of
 * formatted records, their write(2), and fdatasync(), so that the appending
 * thread goes on formatting while the records are hashed, the kernel copies
 * and the disk syncs. The chain stays sequential: one batch chained at a
 * time, its records in order, each from the head the one before left
 * (audit_chain_fill(), the bytes the appending thread would have produced),
 * and batches written in that order.
 *
 * Three threads, one stage each, so that the stages' work overlaps: while
 * audit-write copies batch N into the page cache, audit-chain hashes batch
 * N+1 and the appending thread formats N+2 (on two CPUs the hashing and the
 * copy no longer add up in one thread, the pipeline's slowest stage before).
 * A sync (tens of ms for a few MiB) holds up neither the appends nor the
 * writes of the next batches: the write thread passes it to audit-sync,
 * waiting only while the previous sync still runs (then the disk sets the
 * pace). A sync started after a batch was written covers it. Three buffers
 * go round: the owner's pend, the batch being chained, the batch being
 * written; a hand-over swaps a full one for an empty one (capacity kept).
 *
 * Behind its syncs, audit-sync drops the log's pages from the page cache but
 * for the last DROP_KEEP bytes (audit_drop_behind(), as audit_flush() does):
 * a log written for months would otherwise evict the host's useful cache,
 * and each page the log takes is a fresh one (on a VM whose free pages go back to the hypervisor,
 * a fault on the host for every 4 KiB the write stage copies).
 *
 * A write that fails stops the write stage with its batch (from done on)
 * kept; the chain thread then keeps its next batch too, unwritten, so that
 * audit_io_take() gives both back to the owner in order.
 *
 * Threads and locks. The writer's owner (audit.h: one thread per writer)
 * calls every function below; the chain thread runs chain_main() only, the
 * write thread write_main(), the sync thread sync_main(). io->lock guards
 * the flags (busy: written under it, read without it too by audit_io_busy();
 * out_busy, sync_pending, stop), out's hand-over and results (out.err,
 * write_ns), and the sync's request and results (sync_fd, sync_err,
 * sync_ns); drop is the sync thread's alone. While busy is set the chain
 * thread owns chain (and unchained and the signer it lends, h, head,
 * chained), while out_busy is set the write thread owns out's buffer and
 * offset; while clear, the one who waits for
 * them does. Handing over and taking back happen under the lock, so each
 * side sees the other's writes.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include "audit_writer_int.h"
#include "util/clock.h"

#define STACK_BYTES (64u * 1024u)
/* Followers (audit tail, the forwarder) read the newest records: those stay cached. */
#define DROP_KEEP ((off_t)16 << 20)

/* stop, in steps: each thread leaves once its stage's work is done and the one before left. */
enum { STOP_CHAIN = 1, STOP_WRITE, STOP_SYNC };

struct batch {
	struct abuf buf; /* empty (capacity kept) when idle */
	size_t done; /* bytes of buf written */
	int fd;
	bool want_sync; /* sync fd once buf is written */
	int err; /* the chaining's or the write's error; bytes from done on are unwritten */
};

struct audit_io_thread {
	pthread_t chainer, writer, syncer;
	int started; /* threads started, in the order above */
	pthread_mutex_t lock;
	/* One per waiter, so that a wake-up (costly in a VM) goes where it is awaited: */
	pthread_cond_t work; /* the chain thread's: busy or stop set */
	pthread_cond_t out_work; /* the write thread's: out_busy or stop set */
	pthread_cond_t sync; /* the sync thread's: sync_pending or stop set */
	pthread_cond_t out_free; /* the chain thread's: out_busy cleared */
	pthread_cond_t sync_free; /* the write thread's: sync_pending cleared */
	pthread_cond_t idle; /* the owner's: busy, out_busy or sync_pending cleared */
	bool busy; /* chain is the chain thread's */
	bool out_busy; /* out is the write thread's */
	bool sync_pending; /* a sync of sync_fd is the sync thread's */
	int stop; /* STOP_*: the owner is freeing io */
	int sync_fd;
	struct audit_drop drop; /* the sync thread's */
	int sync_err; /* the last sync's error, until taken */
	uint64_t sync_ns; /* how long the syncs took, until taken */
	uint64_t write_ns; /* how long the writes took, until taken */
	struct batch chain, out;
	struct audit_unchained unchained; /* chain's records to chain (emptied, capacity kept) */
	struct audit_hasher *h;
	uint8_t head[32]; /* the chain's head: before chain's batch, then after it */
	bool chained; /* head moved: the batch had records */
};

/* Swaps a's contents with b's: a full batch for an empty one. */
static void batch_swap(struct batch *a, struct batch *b)
{
	struct batch t = *a;

	*a = *b;
	*b = t;
}

/*
 * Runs without the lock: chain is the chain thread's until it clears busy.
 * Every record is chained, so the head is right whatever the writes do.
 */
static void chain_batch(struct audit_io_thread *io)
{
	struct audit_unchained *u = &io->unchained;
	int err;

	io->chained = u->n > 0;
	err = audit_unchained_chain(u, 0, u->n, io->h, io->chain.buf.p, io->head);
	if (err)
		io->chain.err = err; /* the hasher or signer failed: the owner gives up */
	audit_unchained_reset(u, 0);
}

static void *chain_main(void *arg)
{
	struct audit_io_thread *io = arg;

	pthread_mutex_lock(&io->lock);
	for (;;) {
		while (!io->busy && io->stop < STOP_CHAIN)
			pthread_cond_wait(&io->work, &io->lock);
		if (!io->busy)
			break;
		pthread_mutex_unlock(&io->lock);
		chain_batch(io);
		pthread_mutex_lock(&io->lock);
		while (io->out_busy)
			pthread_cond_wait(&io->out_free, &io->lock);
		/* After a failed write the batch stays here, for the owner to take back. */
		if (!io->chain.err && !io->out.err) {
			batch_swap(&io->chain, &io->out);
			io->out_busy = true;
			pthread_cond_signal(&io->out_work);
		}
		__atomic_store_n(&io->busy, false, __ATOMIC_RELEASE);
		pthread_cond_broadcast(&io->idle);
	}
	pthread_mutex_unlock(&io->lock);
	return NULL;
}

/* Runs without the lock: out is the write thread's until it clears out_busy. */
static uint64_t write_batch(struct batch *b)
{
	int64_t t0 = clock_now_ns(CLOCK_MONOTONIC);

	while (!b->err && b->done < b->buf.len) {
		ssize_t k = write(b->fd, b->buf.p + b->done, b->buf.len - b->done);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			b->err = -errno;
		else
			b->done += (size_t)k;
	}
	return (uint64_t)(clock_now_ns(CLOCK_MONOTONIC) - t0);
}

static void *write_main(void *arg)
{
	struct audit_io_thread *io = arg;
	uint64_t ns;

	pthread_mutex_lock(&io->lock);
	for (;;) {
		while (!io->out_busy && io->stop < STOP_WRITE)
			pthread_cond_wait(&io->out_work, &io->lock);
		if (!io->out_busy)
			break;
		pthread_mutex_unlock(&io->lock);
		ns = write_batch(&io->out);
		pthread_mutex_lock(&io->lock);
		io->write_ns += ns;
		if (io->out.want_sync && !io->out.err) {
			while (io->sync_pending)
				pthread_cond_wait(&io->sync_free, &io->lock);
			io->sync_fd = io->out.fd;
			io->sync_pending = true;
			pthread_cond_signal(&io->sync);
		}
		if (!io->out.err)
			io->out.buf.len = io->out.done = 0;
		io->out_busy = false;
		pthread_cond_signal(&io->out_free);
		pthread_cond_broadcast(&io->idle);
	}
	pthread_mutex_unlock(&io->lock);
	return NULL;
}

/*
 * Drops end on this boundary, which is also their step (fewer calls). The page
 * cache keeps a file in folios up to a PMD's span, naturally aligned (the
 * kernel's MAX_PAGECACHE_ORDER is at most PMD_ORDER), and POSIX_FADV_DONTNEED
 * skips a folio its range only partly covers: a drop ending inside one would
 * leave it, and the next drop, starting after, too. A page table page holds
 * page size / 8 entries: 2 MiB with 4 KiB pages, 512 MiB with arm64's 64 KiB.
 */
off_t audit_drop_align(void)
{
	long page = sysconf(_SC_PAGESIZE);

	if (page < 4096) /* sysconf failed: no page is smaller */
		page = 4096;
	return (off_t)page * (page / 8);
}

/*
 * After fd was synced up to end its pages before that are clean, which is
 * what POSIX_FADV_DONTNEED drops (dirty ones it would only start writing).
 * Advice only: a failure costs cache, never records.
 */
void audit_drop_behind(struct audit_drop *d, int fd, off_t end)
{
	off_t to = (end - DROP_KEEP) & ~(audit_drop_align() - 1);

	if (fd != d->fd || end < d->dropped) { /* another file: rotated */
		d->fd = fd;
		d->dropped = 0;
	}
	if (end < 0 || to <= d->dropped)
		return;
	if (!posix_fadvise(fd, d->dropped, to - d->dropped, POSIX_FADV_DONTNEED))
		d->dropped = to;
}

static void *sync_main(void *arg)
{
	struct audit_io_thread *io = arg;
	int64_t t0;
	uint64_t ns;
	off_t synced;
	int err, fd;

	pthread_mutex_lock(&io->lock);
	for (;;) {
		while (!io->sync_pending && io->stop < STOP_SYNC)
			pthread_cond_wait(&io->sync, &io->lock);
		if (!io->sync_pending)
			break;
		fd = io->sync_fd;
		pthread_mutex_unlock(&io->lock);
		/*
		 * O_APPEND: the offset is where the writes so far ended, all of
		 * which the sync covers. Taken before it: audit-write goes on
		 * meanwhile, and a batch of many MiB written during a slow sync
		 * would be dirty still, which POSIX_FADV_DONTNEED skips (only
		 * starting its writeback) and the next drop starts after.
		 */
		synced = lseek(fd, 0, SEEK_CUR);
		t0 = clock_now_ns(CLOCK_MONOTONIC);
		err = fdatasync(fd) < 0 ? -errno : 0;
		ns = (uint64_t)(clock_now_ns(CLOCK_MONOTONIC) - t0);
		if (!err)
			audit_drop_behind(&io->drop, fd, synced);
		pthread_mutex_lock(&io->lock);
		io->sync_ns += ns;
		if (!io->sync_err)
			io->sync_err = err;
		io->sync_pending = false;
		pthread_cond_signal(&io->sync_free);
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

/* Stops and joins the threads started, each after the stage before it: their work finishes. */
static void stop_threads(struct audit_io_thread *io)
{
	pthread_t *t[] = { &io->chainer, &io->writer, &io->syncer };
	int i;

	for (i = 0; i < io->started; i++) {
		pthread_mutex_lock(&io->lock);
		io->stop = STOP_CHAIN + i;
		pthread_cond_signal(&io->work);
		pthread_cond_signal(&io->out_work);
		pthread_cond_signal(&io->sync);
		pthread_mutex_unlock(&io->lock);
		pthread_join(*t[i], NULL);
	}
}

static void destroy(struct audit_io_thread *io)
{
	pthread_cond_destroy(&io->work);
	pthread_cond_destroy(&io->out_work);
	pthread_cond_destroy(&io->sync);
	pthread_cond_destroy(&io->out_free);
	pthread_cond_destroy(&io->sync_free);
	pthread_cond_destroy(&io->idle);
	pthread_mutex_destroy(&io->lock);
	abuf_free(&io->chain.buf);
	abuf_free(&io->out.buf);
	audit_unchained_free(&io->unchained);
	audit_hasher_free(io->h);
	free(io);
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
	pthread_cond_init(&io->out_work, NULL);
	pthread_cond_init(&io->sync, NULL);
	pthread_cond_init(&io->out_free, NULL);
	pthread_cond_init(&io->sync_free, NULL);
	pthread_cond_init(&io->idle, NULL);
	/* Started in stage order, so that stop_threads() stops the ones started. */
	*err = start(&io->chainer, chain_main, io, "audit-chain");
	if (!*err && ++io->started)
		*err = start(&io->writer, write_main, io, "audit-write");
	if (!*err && ++io->started)
		*err = start(&io->syncer, sync_main, io, "audit-sync");
	if (*err) {
		stop_threads(io);
		destroy(io);
		return NULL;
	}
	io->started++;
	return io;
}

/*
 * Without the lock: appends ask at every record while a batch is in flight.
 * busy is only written under the lock; seeing it clear (acquire) after the
 * chain thread cleared it (under the lock, which releases) is enough to take
 * the batch back, and audit_io_take() takes the lock anyway.
 */
bool audit_io_busy(struct audit_io_thread *io)
{
	return __atomic_load_n(&io->busy, __ATOMIC_ACQUIRE);
}

void audit_io_submit(struct audit_io_thread *io, int fd, struct abuf *pend,
		     struct audit_unchained *u, const uint8_t head[32], bool sync)
{
	struct abuf empty = io->chain.buf;
	struct audit_unchained none = io->unchained;

	/* Buffers swap: the batch leaves pend, whose next bytes go to an emptied batch's memory. */
	io->chain.buf = *pend;
	empty.len = 0;
	empty.oom = false;
	*pend = empty;
	io->unchained = *u;
	audit_unchained_reset(&none, 0);
	*u = none;
	memcpy(io->head, head, 32);
	io->chained = false;
	io->chain.fd = fd;
	io->chain.want_sync = sync;
	io->chain.done = 0;
	io->chain.err = 0;
	pthread_mutex_lock(&io->lock);
	__atomic_store_n(&io->busy, true, __ATOMIC_RELEASE);
	pthread_cond_signal(&io->work);
	pthread_mutex_unlock(&io->lock);
}

/* b's unwritten bytes to *at in pend (moving what follows), b emptied: -ENOMEM, or 0. */
static int give_back(struct batch *b, struct abuf *pend, size_t *at)
{
	size_t n = b->buf.len - b->done;

	if (n) {
		abuf_reserve(pend, n);
		if (pend->oom)
			return -ENOMEM;
		memmove(pend->p + *at + n, pend->p + *at, pend->len - *at);
		memcpy(pend->p + *at, b->buf.p + b->done, n);
		pend->len += n;
		*at += n;
	}
	b->buf.len = b->done = 0;
	b->err = 0;
	return 0;
}

int audit_io_take(struct audit_io_thread *io, bool synced, struct abuf *pend, size_t *rest,
		  uint8_t head[32], bool *chained, uint64_t *write_ns, uint64_t *sync_ns)
{
	int err, sync_err, out_err = 0, mem;

	*rest = 0;
	pthread_mutex_lock(&io->lock);
	while (io->busy || (synced && (io->out_busy || io->sync_pending)))
		pthread_cond_wait(&io->idle, &io->lock);
	sync_err = io->sync_err;
	*sync_ns = io->sync_ns;
	*write_ns = io->write_ns;
	io->sync_err = 0;
	io->sync_ns = io->write_ns = 0;
	/*
	 * A write stage still busy is taken later (its error too). An idle one
	 * holds bytes only after a failed write: those come first, then the
	 * batch the chain thread then kept, then pend's.
	 */
	mem = 0;
	if (!io->out_busy) {
		out_err = io->out.err;
		mem = give_back(&io->out, pend, rest);
	}
	pthread_mutex_unlock(&io->lock);
	err = io->chain.err ? io->chain.err : out_err ? out_err : sync_err;
	if (!mem)
		mem = give_back(&io->chain, pend, rest);
	*chained = io->chained;
	if (io->chained)
		memcpy(head, io->head, 32);
	io->chained = false;
	return mem ? mem : err;
}

void audit_io_free(struct audit_io_thread *io)
{
	if (!io)
		return;
	stop_threads(io);
	destroy(io);
}
