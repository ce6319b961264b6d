/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The loader's state, shared by its files (loader.c: load, adopt, install;
 * loader_dns.c; loader_protect.c; loader_counters.c). Maps are reached
 * through the skeleton: FD(l, policies) is ag_policies' descriptor.
 */
#ifndef AGENTGATE_LOADER_STATE_H
#define AGENTGATE_LOADER_STATE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include "loader.h"
#include "agentgate.skel.h"

#define FD(l, name) bpf_map__fd((l)->skel->maps.ag_##name)

/* An inode one loader_protect() marked, and whether as a directory above a file. */
struct loader_mark {
	struct ag_inode_key key;
	bool above;
};

/*
 * The inodes one loader_protect() of path marked: loader_unprotect() takes back
 * these, wherever path leads by then (a file moved meanwhile keeps no mark).
 */
struct loader_marked {
	char *path;
	bool daemon;
	size_t n, cap;
	struct loader_mark *m;
};

struct loader {
	/* Set by loader_open(), unchanged until loader_close(): read from any thread. */
	int lock_fd; /* flock()ed across processes; not between threads of one process */
	struct agentgate_bpf *skel; /* loaded here, or opened with its maps' fds from the pins */
	int iter_fd; /* the ag_fold_flush iterator's pinned link; -1 until opened */
	int arm_iter_fd; /* the ag_arm_walk iterator's pinned link; -1 until opened */

	/* Orders loader_learn() (DNS proxy threads) against loader_forget(). */
	pthread_mutex_t learn_lock;

	/*
	 * loader_learned()'s walk of ag_learned, kept LOADER_SEEN_MS for the next
	 * call: proxies started together (a daemon's start, one per policy) share
	 * one walk of the whole table. Guarded by seen_lock.
	 */
	pthread_mutex_t seen_lock;
	struct loader_seen *seen;
	size_t nseen;
	int64_t seen_ms; /* CLOCK_MONOTONIC of the walk; 0: none */

	/* loader_protect()'s walks, newest last: the owner's thread only (loader.h). */
	struct loader_marked *marked;
	size_t nmarked;

	/* The events reader: used by the thread that called loader_subscribe() only. */
	struct ring_buffer *rb;
	uint64_t stream_cgroup; /* the private stream this loader created, 0 for none */
	int stream_fd;
	int64_t next_flush_ms; /* CLOCK_MONOTONIC: when loader_poll next runs loader_fold_flush */
	loader_event_fn fn;
	void *fn_ctx;
};

/* The flock on AG_LOCK_FILE: installs, removes and protection marks across processes. */
int loader_lock(struct loader *l);
/* The same, giving up with -EBUSY after about ms milliseconds. */
int loader_lock_wait(struct loader *l, int ms);
void loader_unlock(struct loader *l);
/* ag_state, read or written whole (writers hold the lock: they rewrite every field). */
int loader_state_read(struct loader *l, struct ag_state *st);
int loader_state_write(struct loader *l, const struct ag_state *st);
/* Frees loader_protect()'s records; the marks stay (loader_close). */
void loader_marks_free(struct loader *l);
/* After a change of ag_protected, under the lock: memoized opens are decided again. */
int loader_protect_changed(struct loader *l);

/*
 * Opens the iterators' links from their pins (l->iter_fd, l->arm_iter_fd);
 * -ENOLINK when one is missing.
 */
int loader_iters_open(struct loader *l);
/* Runs the iterator whose link is link_fd over every task; *out: the bytes it wrote. */
int loader_iter_run(int link_fd, size_t *out);
/* Whether the reader is due to run the flush (loader_poll). */
int loader_fold_due(struct loader *l);

#endif /* AGENTGATE_LOADER_STATE_H */
