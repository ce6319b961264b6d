/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The tamper-evident audit trail (docs/audit.md is the format specification).
 *
 * Writer: one JSON line per record, each chained to the one before by
 * SHA-256, periodically sealed by an Ed25519 signature over the chain head.
 * Typical daemon use:
 *
 *   struct audit_config cfg = { .path = "/var/log/agentgate/audit.log", .fsync_ms = 50 };
 *   w = audit_writer_open(&cfg, &err);          // genesis, or resume (+ torn/crash records)
 *   audit_append_lifecycle(w, "daemon_start", "");
 *   loop: poll(..., audit_writer_timeout_ms(w)); audit_writer_tick(w);
 *         per event:   audit_append_decision(w, ev, size, &ctx);
 *         per overrun: audit_append_gap(w, lost);
 *   audit_append_lifecycle(w, "daemon_stop", "");
 *   audit_writer_close(w);                      // shutdown seal, fsync
 *
 * Live stream: audit_stream_open() gives a server whose one pollable fd the
 * daemon adds to its loop (call audit_stream_handle() when readable);
 * audit_writer_set_stream() makes every appended line go to the subscribers.
 * Publishing never blocks: a subscriber that does not keep up loses lines
 * and is told how many (a {"type":"missed","count":N} line).
 *
 * Threads and locks. A writer and a stream server belong to one thread at a
 * time (the daemon's loop, or `agentgate exec`'s main thread); DNS proxy
 * threads never append, they queue their decisions under the proxy's own lock
 * and the owner drains them into the writer. A writer with fsync_ms > 0 and
 * without forward security starts three threads of its own at its first batch
 * (audit-chain: chains batches and signs their periodic seals; audit-write:
 * writes them; audit-sync: fdatasync), which touch
 * only what is handed to them, under a lock of their own (audit_io.c); the
 * functions below are still the owner's alone.
 *   - One thread per writer: audit_writer_open() to audit_writer_close(),
 *     audit_append_*(), audit_writer_tick(), audit_flush(), audit_writer_set_stream(),
 *     audit_writer_set_observer() (its observer is called in that thread),
 *     and the stream server's functions (audit_stream_publish() runs inside the
 *     writer's appends).
 *   - Across processes (and across writers of one process: the lock belongs to
 *     the open file) an flock(LOCK_EX | LOCK_NB) on the active log file keeps a
 *     second writer out: audit_writer_open() fails with -EBUSY.
 *   - Any thread: audit_verify_files(), audit_verdict_name(), audit_protect_op(),
 *     audit_protect_reason(), audit_key_pubkey_hex(), audit_stream_subscribe()
 *     (no shared state; time formatting caches per thread).
 *   - Key creation (audit_key_ensure(), audit_writer_open() on a new key_dir)
 *     takes no lock: of two processes creating keys at once, one private key wins
 *     (link() refuses to replace), but audit.pub is replaced (rename()), so it may
 *     come from the other process and not match audit.key. Unguarded today.
 *
 * All functions return 0 (or a count) or a negative errno, and print nothing.
 */
#ifndef AGENTGATE_AUDIT_H
#define AGENTGATE_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "event.h"

#define AUDIT_DEFAULT_KEY_DIR "/var/lib/agentgate/keys"
#define AUDIT_DEFAULT_SEAL_EVERY 1000u
#define AUDIT_DEFAULT_SEAL_MS 1000u

#define AUDIT_DEFAULT_BACKLOG_BYTES (32ull << 20)

struct audit_config {
	const char *path; /* active log; rotated files are renamed PATH.000001, PATH.000002, ... */
	const char *key_dir; /* NULL: AUDIT_DEFAULT_KEY_DIR; keys are created on first use */
	const char *host; /* NULL: gethostname() */
	const char *boot_id; /* NULL: /proc/sys/kernel/random/boot_id */
	uint64_t max_bytes; /* rotate before a file would grow past this; 0: never */
	unsigned int fsync_ms; /* 0: write+fdatasync every record; N: records stay unsynced <= N ms */
	unsigned int seal_every; /* seal after this many records; 0: AUDIT_DEFAULT_SEAL_EVERY */
	unsigned int seal_ms; /* seal pending records after this long; 0: AUDIT_DEFAULT_SEAL_MS */
	bool forward_secure; /* evolve the signing key at every seal, erasing the old one */
	/* While the disk is full (ENOSPC, EDQUOT), records wait in memory up to this many bytes,
	 * then are counted into a gap record; 0: AUDIT_DEFAULT_BACKLOG_BYTES. */
	uint64_t backlog_bytes;
};

/* What the daemon knows about a decision beyond the kernel event. */
/* The container an agent runs in, as its engine names it; empty strings are left out. */
struct audit_container {
	const char *id;
	const char *engine; /* docker, podman, containerd, cri */
	const char *name;
	const char *image;
	const char *pod; /* CRI: the pod (sandbox) name */
	const char *pod_namespace; /* CRI: the Kubernetes namespace */
};

struct audit_context {
	const char *agent; /* cgroup path of the acting task ("" when unknown) */
	const struct audit_container *container; /* NULL: not in a container agentgate bound */
	const char *exe; /* executable of the acting task (NULL: "") */
	const char *policy; /* policy name */
	const char *reason; /* reason text of ev->rule (NULL: "") */
};

/*
 * The "action" a decision or ask record carries (docs/audit.md), the one list: the writer
 * takes its names from here and so do the log's readers (the dashboard). A class outside it
 * is written "unknown".
 */
#define AUDIT_ACTIONS(X)                    \
	X(AUDIT_A_FILE_READ, "file_read")   \
	X(AUDIT_A_FILE_WRITE, "file_write") \
	X(AUDIT_A_SHELL_EXEC, "shell_exec") \
	X(AUDIT_A_NETWORK, "network")       \
	X(AUDIT_A_LISTEN, "listen")         \
	X(AUDIT_A_PROTECT, "protect")

#define AUDIT_A_ENUM(e, s) e,
enum audit_action { AUDIT_ACTIONS(AUDIT_A_ENUM) AUDIT_A_COUNT };
#undef AUDIT_A_ENUM

extern const char *const audit_action_names[AUDIT_A_COUNT];

/*
 * A question asked on an ask socket (docs/ask.md) and the answer given: a record "ask".
 * Its strings are the agent's: asked_as is written cut to its first
 * AUDIT_ASK_AS_MAX bytes, path, command, domain and ip to AUDIT_ASK_OBJECT_MAX
 * (the longest input the kernel matches, and the check's "oversized" text), so
 * that no question makes a line the log's readers refuse.
 */
#define AUDIT_ASK_AS_MAX 256
#define AUDIT_CONTEXT_CUT 256 /* a decision's agent, exe and container names, when too long */
#define AUDIT_ASK_OBJECT_MAX (AG_MAX_INPUT + 64)
struct audit_ask {
	const char *agent; /* the asking task's cgroup path */
	uint64_t cgroup_id;
	uint64_t pid; /* the connecting process at connect() */
	const char *asked_as; /* the request's own "agent" field; NULL or "": none */
	const char *action; /* one of audit_action_names (not protect) */
	const char *path, *command, *domain, *ip; /* as judged; NULL: not part of the question */
	long port; /* -1: none */
	bool allow;
	bool simulate;
	long rule; /* the deciding rule's index, or -1 with rule_name */
	const char *rule_name; /* "default", "oversized", "env" */
	const char *reason;
	const char *policy;
	const uint8_t *policy_sha256; /* 32 bytes */
	uint64_t count; /* the same question asked this many times in a row (0 and 1: once) */
};

/* What audit_writer_open() found in an existing log. */
struct audit_resume {
	bool resumed; /* continued an existing chain (false: new log, or new file after crash) */
	bool after_crash; /* the previous writer did not close the log */
	uint64_t torn_bytes; /* incomplete last line found and recorded */
	uint64_t next_seq;
};

struct audit_writer;
struct audit_stream;

/*
 * Opens cfg->path for appending: resumes the chain of an existing log (a
 * torn last line is kept, terminated and accounted for by a "torn" record; a
 * log left open by a crash gets a "lifecycle"/"recovered" record), or starts
 * a new file with a genesis record that links to the newest rotated file.
 * Returns NULL with *err set: -EBADMSG when the log's last complete record is
 * damaged (verify it), -EKEYREJECTED when the key in key_dir does not belong
 * to this log, -EBUSY when another writer has the log open.
 */
struct audit_writer *audit_writer_open(const struct audit_config *cfg, int *err);
/* Why audit_writer_open() failed with err, in the operator's words (strerror() else). */
const char *audit_open_strerror(int err);
const struct audit_resume *audit_writer_resume_info(const struct audit_writer *w);

/*
 * Each append returns 0 or a negative errno. -EMSGSIZE: the record's line
 * would be longer than the log's readers accept (AUDIT_MAX_LINE, 64 KiB), so
 * it is not written and the chain goes on without it; a decision is then
 * written with its context's strings (agent, exe, container names) cut to
 * AUDIT_CONTEXT_CUT bytes each, which always fits.
 *
 * size: bytes received for ev (checked against subject_len).
 */
int audit_append_decision(struct audit_writer *w, const struct ag_event *ev, size_t size,
			  const struct audit_context *ctx);
int audit_append_ask(struct audit_writer *w, const struct audit_ask *a);
/* lost: events the kernel could not queue (ring buffer full) since the last gap record. */
int audit_append_gap(struct audit_writer *w, uint64_t lost);
/* what: daemon_start, daemon_stop, policy_load, ...; detail: free text, may be "". */
int audit_append_lifecycle(struct audit_writer *w, const char *what, const char *detail);

/* Self-protection events (AG_ACT_PROTECT): the op's name and the sentence used as reason. */
const char *audit_protect_op(unsigned int op);
const char *audit_protect_reason(unsigned int op);

/* Milliseconds until audit_writer_tick() has work (fsync bound, seal time); -1: none. */
int audit_writer_timeout_ms(const struct audit_writer *w);
/* Writes, fsyncs and seals what is due. */
int audit_writer_tick(struct audit_writer *w);
/* Writes and fsyncs everything appended so far. */
int audit_flush(struct audit_writer *w);
/* Writes a shutdown seal, fsyncs and frees; the result of the last write. w may be NULL. */
int audit_writer_close(struct audit_writer *w);
void audit_writer_set_stream(struct audit_writer *w, struct audit_stream *s);
/*
 * An observer of the writer's work (the daemon's metrics): called in the
 * writer's thread for each record chained (ns 0), and after each write(2)
 * and fdatasync(2) of the log with the time it took.
 */
enum audit_io { AUDIT_IO_RECORD, AUDIT_IO_WRITE, AUDIT_IO_FSYNC };
typedef void (*audit_observe_fn)(void *ctx, enum audit_io io, uint64_t ns);
void audit_writer_set_observer(struct audit_writer *w, audit_observe_fn fn, void *ctx);

/* Keys: key_dir/audit.key (0600: epoch + private seed), key_dir/audit.pub (first public key). */
/*
 * Creates a key pair if there is none; -EEXIST when audit.pub is there
 * without audit.key (a trust root whose key is gone is never replaced).
 */
int audit_key_ensure(const char *key_dir);
/* The first (trust root) public key as 64 hex digits plus NUL. */
int audit_key_pubkey_hex(const char *key_dir, char out[65]);

/* Live stream server on a unix socket; queue_bytes per subscriber (0: 256 KiB). */
struct audit_stream *audit_stream_open(const char *sock_path, size_t queue_bytes, int *err);
int audit_stream_fd(const struct audit_stream *s); /* poll for POLLIN, then handle */
int audit_stream_handle(struct audit_stream *s); /* accepts, sends queued lines, drops the gone */
void audit_stream_publish(struct audit_stream *s, const char *line, size_t len);
size_t audit_stream_subscribers(const struct audit_stream *s);
void audit_stream_close(struct audit_stream *s); /* NULL ok; removes the socket file */
/* Client side: a connected, blocking socket fd to read lines from; -ENOTSOCK: not a socket. */
int audit_stream_subscribe(const char *sock_path);

/* Verification (audit verify): exit statuses, also documented in docs/audit.md. */
enum audit_verdict {
	AUDIT_OK = 0, /* intact and closed by a seal */
	AUDIT_UNSEALED =
		1, /* intact chain, but records after the last seal (crash or truncation) */
	AUDIT_USAGE = 2, /* bad arguments, unreadable file, one file given twice (the CLI:
			    or its report not written) */
	AUDIT_EDITED = 3, /* a record does not match its hash, or is not canonical */
	AUDIT_MISSING = 4, /* records deleted (sequence gap, no genesis) */
	AUDIT_REORDERED = 5,
	AUDIT_DUPLICATED = 6,
	AUDIT_INSERTED = 7, /* two different records claim one sequence number */
	AUDIT_BAD_SIGNATURE = 8, /* a seal does not verify with the key (or key chain) */
	AUDIT_BROKEN_LINK = 9, /* a file's genesis does not continue the previous file */
	AUDIT_TORN = 10, /* last line incomplete: the writer crashed mid-record, not yet resumed */
	AUDIT_STALE = 11, /* intact, but the last seal is older than max_age_s: the host went quiet */
};

struct audit_verify_opts {
	const char *pubkey_hex; /* trusted first public key; NULL: the one named by the genesis */
	bool open; /* accept a log that ends with a periodic seal (still being written) */
	/* A record seen again with the same seq and hash (a forwarder's resend) is counted in
	 * rep->duplicates and skipped, not a verdict. */
	bool dedup;
	uint64_t max_age_s; /* > 0: the last seal's time must be at most this old (now: below) */
	int64_t now_s; /* 0: the current time; for max_age_s */
};

struct audit_verify_report {
	enum audit_verdict verdict;
	uint64_t records; /* records checked */
	uint64_t seals; /* seals whose signature verified */
	uint64_t first_seq, last_seq; /* range of the verified chain */
	uint64_t bad_seq; /* seq where the problem was found (when verdict != OK) */
	uint64_t gaps_lost; /* sum of the gap records' counts */
	uint64_t decisions; /* the decisions the decision records stand for (counts summed) */
	uint64_t torn_recovered; /* torn tails recorded by the writer */
	uint64_t duplicates; /* exact duplicates skipped (dedup) */
	char last_seal_time[40]; /* time of the last verified seal, "" when none */
	char host[256]; /* the host its genesis names (the first one) */
	char where[256]; /* file:line of the problem */
	char why[512]; /* one sentence */
	char note[512]; /* what the verdict does not prove (e.g. key taken from the log) */
};

int audit_verify_files(char *const *paths, int npaths, const struct audit_verify_opts *opts,
		       struct audit_verify_report *rep);
const char *audit_verdict_name(enum audit_verdict v);

#endif /* AGENTGATE_AUDIT_H */
