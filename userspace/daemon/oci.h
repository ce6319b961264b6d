/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * What agentgate needs from an OCI container runtime's command line and from
 * a bundle's config.json (runtime-spec 1.0), to bind a policy to a container
 * between the runtime's `create` (cgroup exists, init waits on the exec fifo)
 * and `start` (docs/containers.md). Parsing only: no I/O but reading the file
 * in oci_spec_load(), never prints; negative errno with a sentence in msg.
 */
#ifndef AGENTGATE_OCI_H
#define AGENTGATE_OCI_H

#include <stddef.h>

/* The annotation (and, for engines without annotations, the environment
 * variable of the container's process) that names the policy. */
#define OCI_POLICY_ANNOTATION "agentgate.policy"
#define OCI_POLICY_ENV "AGENTGATE_POLICY"

/* Bounds that keep a hostile or broken config.json from costing much. */
#define OCI_MAX_FIELD 1024 /* bytes of one kept string */
#define OCI_MAX_SPEC (4u << 20) /* bytes of config.json */

/* One runtime invocation: `runc [GLOBAL...] COMMAND [OPTS...] [ID]`. */
struct oci_args {
	int command; /* index in argv of the subcommand, or -1 when there is none */
	const char *bundle; /* create/run: --bundle/-b, NULL: the working directory */
	const char *pid_file; /* create/run: --pid-file */
	const char *log; /* global --log (the runtime's error log the engine reads) */
	const char *log_format; /* global --log-format: "json" or "text" */
	const char *root; /* global --root */
	const char *id; /* the container id: the subcommand's first positional argument */
};

/* Splits argv (argv[0] is the runtime's own name). -EINVAL when an option lacks its value. */
int oci_args_parse(int argc, char *const *argv, struct oci_args *out);
/* The subcommand's name, or "" when there is none. */
const char *oci_args_command(const struct oci_args *a, char *const *argv);

/* Engines, told apart by the annotations and the bundle path they leave. */
enum oci_engine {
	OCI_ENGINE_UNKNOWN = 0,
	OCI_ENGINE_DOCKER,
	OCI_ENGINE_PODMAN,
	OCI_ENGINE_CONTAINERD, /* ctr, or any client of containerd's own API */
	OCI_ENGINE_CRI, /* containerd's CRI plugin (Kubernetes) */
};

struct oci_spec {
	enum oci_engine engine;
	char policy[OCI_MAX_FIELD]; /* the annotation, else the env variable; "" when neither */
	char policy_from[16]; /* "annotation", "env" or "" */
	char name[OCI_MAX_FIELD]; /* container name when the engine says it */
	char image[OCI_MAX_FIELD]; /* image when the engine says it */
	char pod[OCI_MAX_FIELD]; /* CRI: sandbox (pod) name */
	char pod_namespace[OCI_MAX_FIELD]; /* CRI: Kubernetes namespace */
	char hostname[OCI_MAX_FIELD];
	char cgroups_path[OCI_MAX_FIELD]; /* linux.cgroupsPath as given (driver syntax) */
	char entrypoint[OCI_MAX_FIELD]; /* process.args[0] */
	int has_netns; /* a network namespace of its own (a "network" entry without a path) */
};

/* Parses config.json's text; name is used in messages. */
int oci_spec_parse(const char *name, const char *buf, size_t len, struct oci_spec *out, char *msg,
		   size_t msgsz);
/* Reads BUNDLE/config.json (bundle NULL: the working directory) and parses it. */
int oci_spec_load(const char *bundle, struct oci_spec *out, char *msg, size_t msgsz);

const char *oci_engine_name(enum oci_engine e);

/* A policy name an annotation may carry: [A-Za-z0-9._-], 1..64 bytes, not "." or "..". */
int oci_policy_name_valid(const char *s);

/*
 * docker_meta.c: the name (without its leading '/') and image of Docker
 * container id, from dockerd's data-root root; -ENOENT when dockerd keeps no
 * such file (another engine, another data-root). Daemon only.
 */
int docker_meta(const char *root, const char *id, char *name, size_t namesz, char *image,
		size_t imagesz);

#endif /* AGENTGATE_OCI_H */
