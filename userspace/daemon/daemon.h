/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * `agentgate daemon` internals shared by its files: daemon.c (process, main
 * loop), daemon_assign.c (assignments, reload, reconcile, state file),
 * daemon_policy.c (policy models by sha256), daemon_events.c (the shared
 * stream into the sessions' log, cgroup names, gaps), daemon_control.c
 * (control socket commands), daemon_forward.c (audit.forward). Each assignment
 * is a session (session/session.h).
 *
 * Threads: struct daemon belongs to the main thread (DNS proxy threads keep to
 * their proxies' state, see session/session.h). The forwarding thread
 * (forward/forward.h) only reads the log file and reaches the daemon through
 * daemon_log(); d->fwd and d->fwd_thread are set and cleared by
 * the main thread only (forwarder_stats() is safe from it while the thread runs).
 */
#ifndef AGENTGATE_DAEMON_H
#define AGENTGATE_DAEMON_H

#include <stddef.h>
#include <pthread.h>
#include <stdint.h>
#include <time.h>
#include <jansson.h>
#include "compile/compile.h"
#include "daemon_config.h"
#include "event.h"
#include "policy/policy.h"
#include "audit/audit.h"
#include "session/session.h"

struct loader;
struct audit_stream;
struct ask_server;
struct metrics;
struct metrics_server;

/* A policy model kept while events may name it: rule reasons are looked up by sha256 + index. */
struct daemon_model {
	struct ag_policy *policy;
	/*
	 * Its compiled image, once one assignment compiled it: the next assignments of
	 * the same policy (a thousand containers, a restart re-adopting them) copy it.
	 * Mode and on_exec are set per assignment in the copy.
	 */
	struct ag_image img;
	struct daemon_model *next;
};

/* A container bound by the runtime wrapper or `assign --container`: what the engine told. */
struct daemon_container {
	char *id;
	char *engine;
	char *name;
	char *image;
	char *pod;
	char *pod_namespace;
	struct audit_container view; /* the strings above, as records carry them */
};

struct daemon_assign {
	struct session s; /* canonical cgroup name ("/agents/a1"), its id, its DNS proxy */
	char *policy_path;
	int mode_req; /* enum ag_mode or DAEMON_MODE_POLICY */
	int mode; /* what is installed */
	char *name; /* policy name; NULL when only the kernel's copy is known */
	uint8_t sha256[32];
	int runtime; /* assigned over the control socket, not by the config */
	int on_exec; /* tasks judged from their first execve in the cgroup (policy_image.h) */
	struct daemon_container *container; /* NULL: not a container */
	char *error; /* why the last (re)load of this assignment failed, or NULL */
	struct ag_image img; /* the image installed by this daemon; size 0: adopted only */
};

/* What to install for a cgroup: daemon_assign_cgroup() copies what it keeps. */
struct daemon_assign_req {
	const char *cgroup; /* as given; canonicalised by daemon_assign_cgroup() */
	const char *policy; /* an absolute path */
	int mode_req; /* enum ag_mode or DAEMON_MODE_POLICY */
	int runtime;
	int on_exec;
	/*
	 * With on_exec: tasks already in the cgroup are judged at once. Not for a
	 * container being created, whose only task is the runtime's init.
	 */
	int judge_running;
	const struct daemon_container *container;
};

#define DAEMON_CGROUP_CACHE 256
/* Records drained per loop turn: a busy agent must not starve the control socket. */
#define DAEMON_EVENT_BATCH 2048
/* Batches a vanished container's records are drained in before its binding goes. */
#define DAEMON_GC_BATCHES 64

struct daemon_cgroup_name {
	uint64_t id;
	char *name; /* its path below the cgroup root; "": the cgroup was gone */
};

struct daemon {
	struct daemon_config *cfg;
	const char *config_path; /* NULL: built-in defaults */
	int verbose;
	struct loader *loader;
	struct session_log log; /* every session's records: the audit log */
	struct audit_stream *stream;
	struct ask_server *ask; /* NULL: no ask socket */
	struct daemon_assign *assign;
	size_t nassign;
	struct daemon_model *models;
	struct daemon_cgroup_name names[DAEMON_CGROUP_CACHE]; /* cgroup id -> name, round robin */
	unsigned int names_next;
	int cgroup_root_fd;
	int dns_notify_fd; /* eventfd: a DNS proxy queued a decision */
	unsigned int batch; /* records taken in this poll (see DAEMON_EVENT_BATCH) */
	uint64_t drops_seen; /* kernel drop counter already turned into gap records */
	time_t started;
	bool unasked_mark; /* this daemon keeps DAEMON_UNASKED_MARK, and it is there */
	/*
	 * Metrics (daemon_metrics.c), NULL when off. The registry is updated by this
	 * (the event loop's) thread and read by the server's under its own lock.
	 */
	struct metrics *metrics;
	struct metrics_server *metrics_srv;
	int metrics_fd; /* listening, until the server takes it; -1 */
	bool metrics_bound; /* its socket or port is this daemon's: undone at close */
	int bpf_stats_fd; /* BPF run-time statistics on while open; -1 */
	struct forwarder *fwd; /* audit.forward; NULL: not configured (daemon_forward.c) */
	pthread_t fwd_thread;
};

/* daemon_policy.c */
/* Keeps model for event lookups (takes ownership; an equal sha256 is kept once). */
struct ag_policy *daemon_model_keep(struct daemon *d, struct ag_policy *model);
const struct ag_policy *daemon_model_find(const struct daemon *d, const uint8_t sha256[32]);
/* A copy of the image kept for the policy of sha256: 0, -ENOENT (none kept), -ENOMEM. */
int daemon_model_image(const struct daemon *d, const uint8_t sha256[32], struct ag_image *out);
/* Keeps a copy of img with the kept model of sha256 (none kept yet: nothing). */
void daemon_model_image_keep(struct daemon *d, const uint8_t sha256[32], const struct ag_image *img);
/* Frees models no assignment uses beyond the newest few retired ones. */
void daemon_models_prune(struct daemon *d);
void daemon_models_free(struct daemon *d);
void daemon_sha_hex(const uint8_t sha256[32], char out[65]);

/* daemon_forward.c: the forwarding thread, started once the log is open (0 when not set). */
int daemon_forward_start(struct daemon *d);
void daemon_forward_stop(struct daemon *d); /* after the log is closed; no-op without one */

/* daemon_assign.c */
/*
 * Makes policy_path the policy of cgroup (created when missing). On failure
 * nothing changes and msg says why (policy errors verbatim); on success msg
 * holds a warning for the operator, "" when there is none.
 */
int daemon_assign_cgroup(struct daemon *d, const struct daemon_assign_req *req, char *msg,
			 size_t msgsz);
int daemon_unassign_cgroup(struct daemon *d, const char *cgroup, char *msg, size_t msgsz);
/*
 * Startup: every config assignment must compile (else nothing is changed and
 * -EINVAL with msg), then installs them and reconciles with what the previous
 * daemon left (state file). Reload: per cgroup, a bad policy keeps the old
 * one; returns the number of failures, each printed.
 */
int daemon_apply_startup(struct daemon *d, char *msg, size_t msgsz);
/*
 * Before the kernel is touched: every config assignment's policy loads and
 * compiles and the forwarding CA is readable (0), else msg says why. The models and images are kept (d's
 * model cache), so that startup installs them without compiling again.
 */
int daemon_check_policies(struct daemon *d, char *msg, size_t msgsz);
int daemon_apply_reload(struct daemon *d, struct daemon_config *cfg);
int daemon_state_save(struct daemon *d);
struct daemon_assign *daemon_find_assign(struct daemon *d, const char *cgroup);
void daemon_assign_free_all(struct daemon *d);

/* daemon_events.c */
/* d->log's names (cgroups by id, policies by sha256) and its error reports. */
void daemon_log_init(struct daemon *d);
int daemon_on_event(void *ctx, const struct ag_event *ev, size_t size);
/* The DNS proxies' decisions taken at or before until_ns, into the audit log. */
void daemon_drain_dns(struct daemon *d, uint64_t until_ns);
/* Each assignment's proxy serves the namespaces its tasks are in (session_sweep_dns). */
void daemon_sweep_dns(struct daemon *d);
/* The name of the cgroup with this id; fallback (an ancestor's name) when it is gone. */
const char *daemon_cgroup_lookup(struct daemon *d, uint64_t id, const char *fallback);
/* Whether the kernel says the cgroup with this id is gone (ids are not reused). */
int daemon_cgroup_gone(struct daemon *d, uint64_t id);
/* Every record queued now (the ring, the DNS proxies), into the log. */
void daemon_drain_all(struct daemon *d);
/* Turns an increase of the kernel's drop counter into a gap record. */
int daemon_check_drops(struct daemon *d);
void daemon_names_free(struct daemon *d);

/* daemon_ask.c: the ask socket (docs/ask.md), opened after the daemon's own files are marked. */
int daemon_ask_open(struct daemon *d);

/*
 * daemon_metrics.c (each a no-op when metrics are off): init once the audit
 * log is open (the registry, its hooks); listen before protect_own() (the
 * socket, and the port's mark for TCP); start once protected (the server's
 * thread); tick about once a second; close before the audit log and loader.
 */
int daemon_metrics_init(struct daemon *d);
int daemon_metrics_listen(struct daemon *d);
int daemon_metrics_start(struct daemon *d);
void daemon_metrics_tick(struct daemon *d);
void daemon_metrics_close(struct daemon *d);

/*
 * daemon_arm.c: marks the tasks the policy just installed for cgroup (id
 * cgroup_id) judges as judged, every thread; 0 or -errno.
 */
int daemon_arm_existing(struct daemon *d, const char *cgroup, uint64_t cgroup_id);

/* daemon_container.c */
struct daemon_container *daemon_container_dup(const struct daemon_container *c);
void daemon_container_free(struct daemon_container *c);
json_t *daemon_container_json(const struct daemon_container *c);
/* From daemon_container_json()'s object; NULL when o is not one (or out of memory). */
struct daemon_container *daemon_container_from_json(json_t *o);
/* {"cmd":"container_bind",...} from the runtime wrapper (cli/runtime_cmd.c). */
json_t *daemon_container_bind(struct daemon *d, json_t *req);
/* Container assignments whose cgroup is gone (the container was deleted) are removed. */
void daemon_containers_gc(struct daemon *d);
/*
 * DAEMON_UNASKED_MARK (daemon_config.h) in step with d->cfg, when d reads
 * DAEMON_DEFAULT_CONFIG, the config the runtime wrapper reads; d->unasked_mark
 * says whether the mark is there. A failure is logged: with no daemon and no
 * config on the host, the wrapper would then let such containers start.
 */
void daemon_unasked_mark(struct daemon *d);

/* daemon_control.c */
/* Serves one connection accepted on the control socket, then closes it. */
void daemon_control_serve(struct daemon *d, int cfd);
json_t *daemon_status_json(struct daemon *d);

/* daemon.c: "agentgate: daemon: ..." on stderr, one line at a time from any thread. */
void daemon_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* AGENTGATE_DAEMON_H */
