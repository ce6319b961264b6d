// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * config.json of an OCI bundle: which policy the container asks for, and the
 * engine's metadata records will name it by. Only the fields below are read;
 * everything else in the spec is the runtime's business.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <jansson.h>
#include "oci.h"

const char *oci_engine_name(enum oci_engine e)
{
	switch (e) {
	case OCI_ENGINE_DOCKER:
		return "docker";
	case OCI_ENGINE_PODMAN:
		return "podman";
	case OCI_ENGINE_CONTAINERD:
		return "containerd";
	case OCI_ENGINE_CRI:
		return "cri";
	default:
		return "unknown";
	}
}

int oci_policy_name_valid(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > 64 || !strcmp(s, ".") || !strcmp(s, ".."))
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '.' || s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

/* Copies a JSON string member; -E2BIG when longer than the field (refused, not cut). */
static int take(json_t *obj, const char *key, char *out, size_t outsz)
{
	json_t *v = json_object_get(obj, key);
	size_t n;

	if (!v)
		return 0;
	if (!json_is_string(v))
		return -EINVAL;
	n = json_string_length(v);
	if (n >= outsz || memchr(json_string_value(v), '\0', n))
		return -E2BIG;
	memcpy(out, json_string_value(v), n + 1);
	return 0;
}

/* The value of NAME=... in process.env, if present. */
static int env_value(json_t *env, const char *name, char *out, size_t outsz)
{
	size_t i, nl = strlen(name), n;
	const char *s;
	json_t *v;

	json_array_foreach(env, i, v)
	{
		if (!json_is_string(v))
			return -EINVAL;
		s = json_string_value(v);
		if (strncmp(s, name, nl) || s[nl] != '=')
			continue;
		n = strlen(s + nl + 1);
		if (n >= outsz)
			return -E2BIG;
		memcpy(out, s + nl + 1, n + 1);
		return 1;
	}
	return 0;
}

static int fail(char *msg, size_t msgsz, int err, const char *fmt, const char *name,
		const char *what)
{
	snprintf(msg, msgsz, fmt, name, what);
	return err;
}

static int parse_annotations(json_t *ann, struct oci_spec *s)
{
	const char *mgr;
	int err = 0;

	if (!ann)
		return 0;
	if (!json_is_object(ann))
		return -EINVAL;
	err = take(ann, OCI_POLICY_ANNOTATION, s->policy, sizeof(s->policy));
	/* Present but empty is a request too (an unset shell variable): refused below. */
	if (!err && json_object_get(ann, OCI_POLICY_ANNOTATION))
		snprintf(s->policy_from, sizeof(s->policy_from), "annotation");
	if (json_object_get(ann, "io.kubernetes.cri.container-type")) {
		s->engine = OCI_ENGINE_CRI;
		err = err   ?:
			      take(ann, "io.kubernetes.cri.container-name", s->name,
				   sizeof(s->name));
		err = err ?: take(ann, "io.kubernetes.cri.image-name", s->image, sizeof(s->image));
		err = err ?: take(ann, "io.kubernetes.cri.sandbox-name", s->pod, sizeof(s->pod));
		err = err   ?:
			      take(ann, "io.kubernetes.cri.sandbox-namespace", s->pod_namespace,
				   sizeof(s->pod_namespace));
	}
	mgr = json_string_value(json_object_get(ann, "io.container.manager"));
	if (mgr && !strcmp(mgr, "libpod"))
		s->engine = OCI_ENGINE_PODMAN;
	if (!err && !s->name[0])
		err = take(ann, "nerdctl/name", s->name, sizeof(s->name));
	return err;
}

static void forget_names(struct oci_spec *s)
{
	s->name[0] = s->image[0] = s->pod[0] = s->pod_namespace[0] = '\0';
}

/*
 * The bundle's place over what annotations claim: annotations are the word of
 * whoever starts the container (`--annotation`), the place is the engine's.
 * containerd keeps bundles in .../io.containerd.runtime.v2.task/NAMESPACE/ID;
 * dockerd uses the namespace "moby", Kubernetes' CRI plugin "k8s.io". The CRI
 * annotations are believed under k8s.io only, nerdctl/name and libpod's
 * manager under the engines that write them; a Docker container's name and
 * image come from dockerd's own file (the daemon's docker_meta), never from them.
 */
static void engine_from_bundle(const char *real, struct oci_spec *s)
{
	static const char task[] = "io.containerd.runtime.v2.task/";
	const char *ns = strstr(real, task);

	ns = ns ? ns + sizeof(task) - 1 : NULL;
	if (ns && !strncmp(ns, "moby/", 5)) {
		s->engine = OCI_ENGINE_DOCKER;
		forget_names(s);
	} else if (ns && !strncmp(ns, "k8s.io/", 7)) {
		if (s->engine != OCI_ENGINE_CRI)
			s->engine = OCI_ENGINE_CONTAINERD;
	} else if (ns) {
		if (s->engine == OCI_ENGINE_CRI)
			forget_names(s);
		s->engine = OCI_ENGINE_CONTAINERD;
	} else if (s->engine == OCI_ENGINE_CRI) {
		forget_names(s); /* not containerd: no CRI plugin wrote them */
		s->engine = OCI_ENGINE_UNKNOWN;
	} else {
		s->name[0] = '\0'; /* nerdctl/name outside containerd */
	}
}

int oci_spec_parse(const char *name, const char *buf, size_t len, struct oci_spec *out, char *msg,
		   size_t msgsz)
{
	json_t *root, *process, *args, *linux_, *ns, *v;
	json_error_t jerr;
	int err = 0, r;
	size_t i;

	memset(out, 0, sizeof(*out));
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		snprintf(msg, msgsz, "%s:%d:%d: not JSON: %s", name, jerr.line, jerr.column,
			 jerr.text);
		return -EINVAL;
	}
	if (!json_is_object(root)) {
		err = fail(msg, msgsz, -EINVAL, "%s: %s", name, "not a JSON object");
		goto out;
	}
	err = parse_annotations(json_object_get(root, "annotations"), out);
	if (err) {
		fail(msg, msgsz, err, "%s: %s", name,
		     "an annotation agentgate reads is not a string of at most 1023 bytes");
		goto out;
	}
	process = json_object_get(root, "process");
	if (process && !json_is_object(process)) {
		err = fail(msg, msgsz, -EINVAL, "%s: %s", name, "process is not an object");
		goto out;
	}
	args = json_object_get(process, "args");
	v = json_array_get(args, 0);
	if (v && (!json_is_string(v) || json_string_length(v) >= sizeof(out->entrypoint))) {
		err = fail(msg, msgsz, -EINVAL, "%s: %s", name,
			   "process.args[0] is not a short string");
		goto out;
	}
	if (v)
		memcpy(out->entrypoint, json_string_value(v), json_string_length(v) + 1);
	if (!out->policy_from[0] && json_is_array(json_object_get(process, "env"))) {
		r = env_value(json_object_get(process, "env"), OCI_POLICY_ENV, out->policy,
			      sizeof(out->policy));
		if (r < 0) {
			err = fail(
				msg, msgsz, r, "%s: %s", name,
				"process.env has a non-string entry or an overlong " OCI_POLICY_ENV);
			goto out;
		}
		if (r > 0)
			snprintf(out->policy_from, sizeof(out->policy_from), "env");
	}
	if (take(root, "hostname", out->hostname, sizeof(out->hostname))) {
		err = fail(msg, msgsz, -EINVAL, "%s: %s", name, "hostname is not a short string");
		goto out;
	}
	linux_ = json_object_get(root, "linux");
	if (linux_ && take(linux_, "cgroupsPath", out->cgroups_path, sizeof(out->cgroups_path))) {
		err = fail(msg, msgsz, -EINVAL, "%s: %s", name,
			   "linux.cgroupsPath is not a short string");
		goto out;
	}
	json_array_foreach(json_object_get(linux_, "namespaces"), i, ns)
	{
		const char *type = json_string_value(json_object_get(ns, "type"));

		/* With a path the container joins an existing namespace (another container's). */
		if (type && !strcmp(type, "network") && !json_object_get(ns, "path"))
			out->has_netns = 1;
	}
	if (out->policy_from[0] && !oci_policy_name_valid(out->policy)) {
		err = fail(msg, msgsz, -EINVAL, "%s: %s", name,
			   !strcmp(out->policy_from, "env") ?
				   "the policy name in " OCI_POLICY_ENV
				   " must be 1 to 64 of [A-Za-z0-9._-]" :
				   "the policy name in the annotation " OCI_POLICY_ANNOTATION
				   " must be 1 to 64 of [A-Za-z0-9._-]");
		goto out;
	}
out:
	json_decref(root);
	return err;
}

int oci_spec_load(const char *bundle, struct oci_spec *out, char *msg, size_t msgsz)
{
	char path[4096], real[4096];
	struct stat st;
	ssize_t n;
	char *buf;
	int fd, err;

	snprintf(path, sizeof(path), "%s/config.json", bundle ? bundle : ".");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		snprintf(msg, msgsz, "%s: %s", path, strerror(errno));
		return err;
	}
	if (fstat(fd, &st) || st.st_size > OCI_MAX_SPEC) {
		close(fd);
		snprintf(msg, msgsz, "%s: larger than %u bytes", path, OCI_MAX_SPEC);
		return -EFBIG;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	n = read(fd, buf, (size_t)st.st_size);
	err = n < 0 ? -errno : 0;
	close(fd);
	if (err) {
		snprintf(msg, msgsz, "%s: %s", path, strerror(-err));
		free(buf);
		return err;
	}
	err = oci_spec_parse(path, buf, (size_t)n, out, msg, msgsz);
	free(buf);
	if (!err && realpath(bundle ? bundle : ".", real))
		engine_from_bundle(real, out);
	return err;
}
