/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * One confinement session: a cgroup, the policy image installed for it, its
 * DNS proxy (docs/network.md), and the audit records of what the kernel and
 * the proxy decided. `agentgate exec` runs one on a private event stream;
 * the daemon runs one per assignment and hands the shared stream's events
 * to session_log_event() itself.
 *
 *   session_compile(path, mode, &model, &img, msg, msgsz)   policy file -> image
 *   session_init(&s, loader, &log, "/agents/a1", cgroup_id, notify_fd)
 *   session_subscribe(&s)          exec: private stream, before the install
 *   session_install(&s, &img)      the kernel enforces img for the cgroup
 *   session_start_dns(&s, &img)    the proxy answers the cgroup's lookups
 *   loop: loader_poll(); session_drain_dns(&s, UINT64_MAX);
 *   session_end_dns(&s)            stop, write its last decisions, free
 *   session_remove(&s)             exec: the daemon's policies outlive it
 *   session_release(&s)
 *
 * The records of all sessions of a process go to one struct session_log,
 * which also turns lost events into gap records (the kernel's drop counter,
 * the proxy's full queue).
 *
 * Threads. Every function here, and every field of struct session and struct
 * session_log, belongs to the owner's thread (exec's main thread, the
 * daemon's event loop): no lock guards them because no other thread touches
 * them. The DNS proxy runs threads of its own; they judge names against the
 * proxy's copy of the image (the proxy's image lock) and queue decisions (its
 * queue lock), both inside dns_proxy.c. session_drain_dns() takes decisions
 * from that queue, session_start_dns() swaps that image. The loader is shared
 * with the proxy's threads, which only learn addresses and look up clients
 * (single map operations); installs are serialised across processes by the
 * loader's own flock.
 *
 * Functions return 0 or a negative errno and print nothing; an audit write
 * error is noted in the session_log and passed to its error callback, for the
 * caller to report.
 */
#ifndef AGENTGATE_SESSION_H
#define AGENTGATE_SESSION_H

#include <stddef.h>
#include <stdint.h>
#include "compile/compile.h"
#include "event.h"
#include "policy/policy.h"

struct audit_container;
struct audit_writer;
struct dns_proxy;
struct loader;

/*
 * Who acted and under which policy, for a record about ev: exec names every
 * record by its own cgroup and policy; the daemon looks the acting cgroup up,
 * the container bound to the policy's cgroup, and finds the policy by the
 * event's sha256 (a record may outlive a reload). *agent is set, *container
 * may be left NULL, *policy may be set to NULL (unknown: no name, no reason).
 */
typedef void (*session_name_fn)(void *ctx, const struct ag_event *ev, const char **agent,
				const struct audit_container **container,
				const struct ag_policy **policy);

struct session_log {
	struct audit_writer *audit; /* NULL: events are consumed, nothing is written */
	session_name_fn name;
	void (*error)(void *ctx, int err); /* a write failed, with another error than the last */
	/* a DNS proxy refused n queries or connections for want of room (dns_proxy.h limits) */
	void (*busy)(void *ctx, const char *cgroup, uint64_t n);
	/* optional: a DNS proxy forgot n learned addresses to stay within its dns_quota */
	void (*evicted)(void *ctx, const char *cgroup, uint64_t n);
	/* a DNS proxy could not set sockets up in a network namespace of the cgroup's tasks */
	void (*dns_error)(void *ctx, const char *cgroup, int err);
	/*
	 * Optional (NULL: none), for the daemon's metrics: each decision once its
	 * append was tried (err its result), each gap record likewise.
	 */
	void (*decided)(void *ctx, const struct ag_event *ev, const char *agent,
			const struct audit_container *container, int err);
	void (*gapped)(void *ctx, uint64_t lost, int err);
	void *ctx; /* for the callbacks above */
	int err; /* the last write's result */
	int first_err; /* the first write error, 0 while there is none */
	uint64_t events; /* decisions written */
	uint64_t gaps; /* events lost, as recorded in gap records */
	struct session_folds *folds; /* records whose counts may follow (session_fold.c) */
};

/* Frees what the log keeps (not the audit writer). */
void session_log_release(struct session_log *log);
/*
 * ev as the record to write: a count of folded decisions (AG_EV_REPEAT) with
 * the subject of the record it counts, when that is still kept (*size then its
 * size); any other event unchanged, kept when counts may follow it.
 */
const struct ag_event *session_fold_resolve(struct session_log *log, const struct ag_event *ev,
					    size_t *size);

/* Notes the result of a write to log->audit (see err, first_err, error). */
void session_log_note(struct session_log *log, int err);
/*
 * One decision (kernel or DNS proxy) as a chained record; size as received.
 * A notice (AG_ACT_NETNS) is not a decision: not written.
 */
void session_log_event(struct session_log *log, const struct ag_event *ev, size_t size);
/* lost events as a gap record (nothing when lost is 0). */
int session_log_gap(struct session_log *log, uint64_t lost);
int session_log_lifecycle(struct session_log *log, const char *what, const char *detail);
/*
 * The events the kernel dropped since *seen (its counter, shared by every
 * stream and policy) into *lost and a gap record; *seen advances once the
 * record is written, so a failed write is retried by the next call.
 */
int session_log_drops(struct session_log *log, struct loader *l, uint64_t *seen, uint64_t *lost);

/* Plain data: the daemon keeps sessions in an array; once subscribed, one must not move. */
struct session {
	struct loader *loader;
	struct session_log *log;
	char *cgroup; /* the cgroup below the cgroup2 mount: "/agents/a1" (owned) */
	uint64_t cgroup_id;
	struct dns_proxy *dns; /* NULL: none (the cgroup gets no DNS) */
	int dns_notify_fd; /* an eventfd the proxy writes when it queues a decision, or -1 */
	int64_t next_sweep_ms; /* CLOCK_MONOTONIC: when the proxy's namespaces are next swept */
	/*
	 * 1 (session_init's default): the proxy serves the owner's network
	 * namespace from its start and for good, where exec's CMD and agents put
	 * in an assigned cgroup start. 0 for a container: its tasks have a
	 * namespace of their own (four sockets saved per container).
	 */
	int dns_own_netns;
};

#define SESSION_SWEEP_MS 1000

/*
 * Loads and compiles the policy file path; mode_req (enum ag_mode) replaces
 * its mode unless negative. On failure msg says why ("file:line:col: ...").
 * The caller owns *model and *img (policy_free, image_free).
 */
int session_compile(const char *path, int mode_req, struct ag_policy **model, struct ag_image *img,
		    char *msg, size_t msgsz);
/* The two steps of session_compile: load (and set the mode), then compile the model. */
int session_load(const char *path, int mode_req, struct ag_policy **model, char *msg,
		 size_t msgsz);
int session_compile_model(const struct ag_policy *model, const char *path, struct ag_image *img,
			  char *msg, size_t msgsz);

/* A session for the cgroup (name copied); nothing is installed yet. */
int session_init(struct session *s, struct loader *l, struct session_log *log, const char *cgroup,
		 uint64_t cgroup_id, int dns_notify_fd);
/*
 * A private event stream for the cgroup's policy, read by loader_poll(): each
 * event is written after the proxy's decisions taken before it.
 */
int session_subscribe(struct session *s);
/* Makes img the cgroup's policy, replacing the one it had atomically. */
int session_install(struct session *s, const struct ag_image *img);
/* Starts the cgroup's DNS proxy, or gives the running one img (a reload). */
int session_start_dns(struct session *s, const struct ag_image *img);
/*
 * A kernel event of the session's policy: decisions are written after the
 * proxy's decisions taken before them. A notice of a network namespace the
 * proxy does not serve (AG_ACT_NETNS), or a lookup refused for that reason
 * (AG_RULE_NO_PROXY), has the proxy serve the task's namespace.
 */
void session_event(struct session *s, const struct ag_event *ev, size_t size);
/* The part of session_event that serves a namespace (the daemon logs events itself). */
void session_serve_dns(struct session *s, const struct ag_event *ev);
/*
 * The proxy serves the namespaces of the cgroup's tasks and gives up those
 * none is in any more; at most every SESSION_SWEEP_MS (the kernel's notices
 * serve new namespaces in between).
 */
void session_sweep_dns(struct session *s);
/* The proxy's decisions taken at or before until_ns (CLOCK_BOOTTIME), and a gap for lost ones. */
void session_drain_dns(struct session *s, uint64_t until_ns);
/* The cgroup gets no DNS from now on; the queued decisions can still be drained. */
void session_stop_dns(struct session *s);
/* Stops the proxy, writes what it decided, frees it. */
void session_end_dns(struct session *s);
/* Removes the cgroup's policy (and a private stream); -ENOENT when it had none. */
int session_remove(struct session *s);
/* Frees the session; the policy stays installed unless session_remove() was called. */
void session_release(struct session *s);

#endif /* AGENTGATE_SESSION_H */
