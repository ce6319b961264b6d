/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The ask socket (docs/ask.md): a confined agent asks whether an action
 * would be allowed, and why, before it acts. HTTP/1.1 with JSON over a unix
 * socket, served by the daemon and by `agentgate exec` for its own agent.
 *
 * Who asks is what the kernel noted at connect() (ag_ask_peers, written by
 * bpf/protect.bpf.c): the cgroup whose policy covers the caller. The answer
 * comes from that policy's compiled image through the one userspace matcher
 * (check.c, image_match.c), so it is what the kernel decides for the same
 * input. No other command exists on this socket.
 *
 *   s = ask_server_open(path, loader, &ops, ctx, daemon, &err)
 *   loop: add ask_server_fd(s) to the owner's poll set; ask_server_handle(s)
 *         when it is readable and at least every AG_EVENTS_POLL_MS (timeouts)
 *   ask_server_close(s)
 *
 * Threads. Everything here belongs to the owner's thread (the daemon's loop,
 * exec's main thread): the server, its connections, its rate table and its
 * held record (ask_fold) are touched by no other thread, so no lock guards
 * them. The ops callbacks run
 * on that thread, inside ask_server_handle(). ask_parse() and ask_answer()
 * keep no state: any thread.
 *
 * Functions return 0 or a negative errno and print nothing.
 */
#ifndef AGENTGATE_ASK_H
#define AGENTGATE_ASK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "audit/audit.h"
#include "check/check.h"
#include "maps.h"

/* At most this many questions in one batch request. */
#define ASK_MAX_BATCH 64
/* Each agent (policy) may ask this many questions a second, after a burst of ASK_RATE_BURST. */
#define ASK_RATE_PER_SEC 50
#define ASK_RATE_BURST 100
/* Open connections: for the whole server, for one agent. */
#define ASK_MAX_CONNS 64
#define ASK_MAX_CONNS_PER_AGENT 8
/* A connection that has not sent its whole request by then is closed. */
#define ASK_TIMEOUT_MS 2000
/*
 * Where exec's ask sockets are (exec-PID.sock), beside the daemon's
 * (daemon_config.h DAEMON_DEFAULT_ASK); policies/include/agentgate-ask.yaml
 * names this directory: change in step.
 */
#define ASK_DEFAULT_DIR "/run/agentgate-ask"

struct loader;

/* The policy a question is answered from: the installed image and its model. */
struct ask_policy {
	const struct ag_policy *model;
	const struct ag_image *img;
	const char *agent; /* the policy's cgroup ("/agents/a1"), for records */
	int mode; /* enum ag_mode installed (a model may be shared by assignments of two modes) */
};

/* One question as judged, for the audit record. */
struct ask_question {
	const struct check_req *req;
	const char *asked_as; /* the request's "agent" field, or NULL */
	const struct check_result *res;
};

typedef void (*ask_write_fn)(void *ctx, const struct audit_ask *rec);

struct ask_server_ops {
	/*
	 * The policy installed for the cgroup policy_cgroup_id, as served by this
	 * socket: 0, -ENOENT (not served here), -ENODATA (installed, but its
	 * model is unknown to this process: adopted, not recompiled).
	 */
	int (*policy)(void *ctx, uint64_t policy_cgroup_id, struct ask_policy *out);
	/* The asking cgroup's name for records (its strings are copied at once). */
	const char *(*agent)(void *ctx, const struct ag_ask_peer *peer, const struct ask_policy *p);
	/* Writes an ask record (repeats folded into one carry their count). */
	ask_write_fn record;
};

/*
 * Parses a request body: one question (an object with "action") or a batch
 * ({"requests":[...]} or a JSON array). *out is the parsed value (the
 * caller's), *nq the number of questions. -EINVAL with msg for people.
 */
int ask_parse(const char *body, size_t len, json_t **out, size_t *nq, char *msg, size_t msgsz);

/*
 * The answer to a parsed request and its HTTP *status: one object (400 and
 * {"error":"..."} when the question is malformed), or {"results":[...]} for a
 * batch (200), where a malformed question gets {"error":"..."} and the others
 * are answered. A bare program name is looked up below root_fd, the asker's
 * root (ask_peer_root), or with -1 taken as in the first search directory.
 * Each answered question goes to note (may be NULL). NULL when out of memory.
 */
json_t *ask_answer(const struct ask_policy *p, json_t *request, int root_fd,
		   void (*note)(void *ctx, const struct ask_question *q), void *ctx, int *status);

/*
 * The root directory of the task that asked (ask_root.c), for a bare program
 * name's lookup: /proc/PID/root of peer->pid opened O_PATH, while that task
 * is in the cgroup the kernel noted at connect (peer->cgroup_id, the inode
 * number of its directory below cgroup_root). Otherwise -errno: the task is
 * gone (-ENOENT), in another cgroup (-ESRCH: moved, or its pid reused), ...
 * Reads /proc: the server's own thread, with a pid the kernel gave.
 */
int ask_peer_root(const struct ag_ask_peer *peer, const char *cgroup_root);

/* The audit record of question q asked by peer under p; agent names the asking cgroup. */
void ask_audit_fill(const struct ag_ask_peer *peer, const struct ask_policy *p,
		    const struct ask_question *q, const char *agent, struct audit_ask *out);

/*
 * Repeated questions (ask_fold.c): one held record, written with its count
 * when a different question comes, ASK_FOLD_MS after the first, or at flush.
 */
#define ASK_FOLD_MS 1000
struct ask_fold {
	struct audit_ask rec; /* its strings are copies owned here */
	uint8_t sha[32]; /* rec.policy_sha256 points here */
	int64_t first_ms;
	bool held;
};
void ask_fold_add(struct ask_fold *f, const struct audit_ask *rec, int64_t now_ms,
		  ask_write_fn write, void *ctx);
/* Writes the held record once ASK_FOLD_MS have passed since its first question. */
void ask_fold_tick(struct ask_fold *f, int64_t now_ms, ask_write_fn write, void *ctx);
void ask_fold_flush(struct ask_fold *f, ask_write_fn write, void *ctx);

struct ask_server;

/*
 * Binds the socket at path (mode 0666 in a 0755 directory, created if
 * needed; a stale socket is replaced) and marks it as an ask socket, its
 * directory as agentgate's (loader_protect: daemon says whose mark).
 */
struct ask_server *ask_server_open(const char *path, struct loader *l,
				   const struct ask_server_ops *ops, void *ctx, bool daemon,
				   int *err);
/* One descriptor, readable when the server has work. */
int ask_server_fd(const struct ask_server *s);
/* Accepts, reads, answers and times out what is ready; never blocks. */
void ask_server_handle(struct ask_server *s);
/* Closes every connection, removes the socket and its mark. s may be NULL. */
void ask_server_close(struct ask_server *s);

/* Token buckets per agent (ask_rate.c), a fixed table: a flood evicts none but idle agents. */
#define ASK_RATE_SLOTS 256
struct ask_rate {
	struct {
		uint64_t key; /* 0: free */
		int64_t last_ms;
		double tokens;
	} slot[ASK_RATE_SLOTS];
};
/* Takes n tokens from key's bucket at now_ms; false (nothing taken) when it has fewer. */
bool ask_rate_take(struct ask_rate *r, uint64_t key, unsigned int n, int64_t now_ms);

#endif /* AGENTGATE_ASK_H */
