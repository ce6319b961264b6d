/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The daemon's configuration file (YAML, see docs/daemon.md and
 * policies/daemon.example.yaml): which policy each cgroup gets, where the
 * audit log and the sockets live. Parsing does no I/O beyond reading the file.
 */
#ifndef AGENTGATE_DAEMON_CONFIG_H
#define AGENTGATE_DAEMON_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include "metrics/metrics_http.h"
#include "policy/policy.h"
#include "util/cgroup.h"

#define DAEMON_DEFAULT_CONFIG "/etc/agentgate/daemon.yaml"
#define DAEMON_DEFAULT_CONTROL "/run/agentgate/control.sock"
#define DAEMON_DEFAULT_STREAM "/run/agentgate/stream.sock"
#define DAEMON_DEFAULT_ASK "/run/agentgate-ask/daemon.sock" /* in ask.h ASK_DEFAULT_DIR */
#define DAEMON_DEFAULT_STATE "/run/agentgate/daemon.state"
#define DAEMON_DEFAULT_AUDIT_LOG "/var/log/agentgate/audit.log"
#define DAEMON_CGROUP_ROOT CGROUP_ROOT
#define DAEMON_DEFAULT_POLICIES_DIR "/etc/agentgate/policies"
#define DAEMON_DEFAULT_DOCKER_ROOT "/var/lib/docker"
#define DAEMON_DEFAULT_FORWARD_STATE "/var/lib/agentgate/forward.state"
/*
 * Kept by the daemon that reads DAEMON_DEFAULT_CONFIG: there while that config
 * binds containers that ask for no policy (daemon_config_binds_unasked). The
 * runtime wrapper's answer when no daemon runs and no config is on the host
 * (under Kubernetes it is a ConfigMap in the daemon's pod). Not in /run: kept
 * across reboots, when engines may start containers before the daemon.
 */
#define DAEMON_UNASKED_MARK "/var/lib/agentgate/binds-unasked"

/* mode_override values besides enum ag_mode */
#define DAEMON_MODE_POLICY (-1) /* the policy file's own mode */

struct daemon_assignment {
	char *cgroup; /* canonical cgroup name as in /proc/PID/cgroup: "/agents/a1" */
	char *policy; /* policy file; relative names resolved against the config's directory */
	int mode; /* enum ag_mode or DAEMON_MODE_POLICY */
	int on_exec; /* tasks are judged from their first execve in the cgroup (containers) */
	int line; /* where the assignment is in the config, for messages */
};

/*
 * A container that names no policy gets the first selector's whose every
 * given field matches what the engine told (globs, fnmatch(3)); none: untouched.
 */
struct daemon_selector {
	char *image;
	char *name;
	char *engine; /* docker, podman, containerd, cri */
	char *pod_namespace; /* Kubernetes namespace (CRI) */
	char *policy; /* a policy name, as an annotation would give it */
	int mode; /* enum ag_mode or DAEMON_MODE_POLICY */
	int line;
};

struct daemon_containers {
	char *policies_dir; /* policy NAME is the file NAME.yaml there */
	char *docker_root; /* dockerd's data-root: containers/ID/config.v2.json names a container */
	struct daemon_selector *selectors;
	size_t nselectors;
	/* named: false: a policy a container names itself (annotation, environment) is ignored */
	int names_ignored;
	char *default_policy; /* for a container no selector matches; NULL: left alone */
};

/* audit.forward: a syslog collector the log is shipped to (forward/forward.h, docs/forward.md). */
struct daemon_forward_config {
	char *host, *port; /* host NULL: no forwarding */
	int tls;
	char *ca; /* CA file for the collector's certificate */
	char *tls_name; /* name the certificate must carry; NULL: host */
	char *hostname; /* syslog HOSTNAME; NULL: audit.host, else gethostname() */
	char *state; /* DAEMON_DEFAULT_FORWARD_STATE when forwarding */
	unsigned int replay_ms;
	int line;
};

/* Passed through to the audit writer (audit/audit.h); 0 / NULL: the writer's default. */
struct daemon_audit_config {
	char *host; /* the host records name; NULL: gethostname() */
	char *log;
	uint64_t rotate_bytes; /* 0: never rotate */
	unsigned int seal_every; /* records per seal */
	unsigned int seal_ms; /* pending records are sealed after this long */
	int fsync_each; /* durability: 1 = fsync every record, 0 = batched */
	unsigned int batch_ms; /* batched: records stay unsynced at most this long */
	char *key_dir;
	int forward_secure;
	uint64_t backlog_bytes; /* records kept in memory while the disk is full (0: default) */
	/* the kernel's folding window (include/maps.h "Folding"), 0: off; fold_set 0: default */
	unsigned int fold_ms;
	int fold_set;
	struct daemon_forward_config forward;
};

/* docs/metrics.md: off unless listen says where. */
struct daemon_metrics_config {
	struct metrics_listen listen;
	int bpf_stats; /* turn the kernel's BPF run-time statistics on while the daemon runs */
};

struct daemon_config {
	char *path;
	char *control_socket;
	char *stream_socket;
	char *ask_socket; /* docs/ask.md; "none": none is served */
	char *state_file;
	struct daemon_audit_config audit;
	struct daemon_metrics_config metrics;
	struct daemon_assignment *assignments;
	size_t nassignments;
	struct daemon_containers containers;
};

/* Defaults only (what the daemon uses with no config file). */
int daemon_config_default(struct daemon_config **out);
/* Returns 0 or a negative errno with err->msg = "file:line:col: what is wrong". */
int daemon_config_load(const char *path, struct daemon_config **out, struct ag_error *err);
/*
 * The daemon's settings as it starts with --config *path: that file, or without
 * one (*path NULL) DAEMON_DEFAULT_CONFIG when it exists, which *path then
 * names, else the defaults. As daemon_config_load().
 */
int daemon_config_of(const char **path, struct daemon_config **out, struct ag_error *err);
int daemon_config_parse(const char *name, const char *buf, size_t len, struct daemon_config **out,
			struct ag_error *err);
void daemon_config_free(struct daemon_config *c);
/* 1 when c binds containers that name no policy (selectors, a default_policy), else 0. */
int daemon_config_binds_unasked(const struct daemon_config *c);

/*
 * "/agents/a1", "agents/a1" and "/sys/fs/cgroup/agents/a1" all name the
 * cgroup "/agents/a1"; ".." and empty names are refused (-EINVAL).
 */
int daemon_cgroup_name(const char *in, char *out, size_t outsz);

/* "enforce" / "simulate" -> enum ag_mode, or -EINVAL. */
int daemon_parse_mode(const char *s);
const char *daemon_mode_name(int mode);

#endif /* AGENTGATE_DAEMON_CONFIG_H */
