// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* OCI runtime command lines as engines write them, and config.json as engines fill it. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "daemon/oci.h"

#define ARGC(v) ((int)(sizeof(v) / sizeof((v)[0])))

/* containerd's runc shim v2 (docker, ctr, CRI). */
static void test_args_shim(void **state)
{
	char *argv[] = { "agentgate-runc",
			 "--root",
			 "/run/containerd/runc/moby",
			 "--log",
			 "/run/containerd/x/log.json",
			 "--log-format",
			 "json",
			 "create",
			 "--bundle",
			 "/run/containerd/io.containerd.runtime.v2.task/moby/abc",
			 "--pid-file",
			 "/run/x/init.pid",
			 "abc" };
	struct oci_args a;

	assert_int_equal(oci_args_parse(ARGC(argv), argv, &a), 0);
	assert_string_equal(oci_args_command(&a, argv), "create");
	assert_int_equal(a.command, 7);
	assert_string_equal(a.root, "/run/containerd/runc/moby");
	assert_string_equal(a.log, "/run/containerd/x/log.json");
	assert_string_equal(a.log_format, "json");
	assert_string_equal(a.bundle, "/run/containerd/io.containerd.runtime.v2.task/moby/abc");
	assert_string_equal(a.pid_file, "/run/x/init.pid");
	assert_string_equal(a.id, "abc");
}

/* conmon (podman): "=" forms, flags, the id last. */
static void test_args_conmon(void **state)
{
	char *argv[] = { "agentgate-crun",
			 "--systemd-cgroup",
			 "--log-format=json",
			 "--log=/var/lib/c/ctr.log",
			 "create",
			 "-b",
			 "/var/lib/c/b",
			 "--pid-file=/p",
			 "--no-new-keyring",
			 "id1" };
	struct oci_args a;

	assert_int_equal(oci_args_parse(ARGC(argv), argv, &a), 0);
	assert_string_equal(oci_args_command(&a, argv), "create");
	assert_string_equal(a.log, "/var/lib/c/ctr.log");
	assert_string_equal(a.bundle, "/var/lib/c/b");
	assert_string_equal(a.pid_file, "/p");
	assert_string_equal(a.id, "id1");
}

/* exec: the id is the first positional, the command line follows. */
static void test_args_exec(void **state)
{
	char *argv[] = {
		"agentgate-runc", "exec", "--process", "/tmp/p.json", "id2", "sh", "-c", "true"
	};
	struct oci_args a;

	assert_int_equal(oci_args_parse(ARGC(argv), argv, &a), 0);
	assert_string_equal(oci_args_command(&a, argv), "exec");
	assert_string_equal(a.id, "id2");
	assert_null(a.bundle);
}

static void test_args_bad(void **state)
{
	char *missing[] = { "agentgate-runc", "--root" };
	char *missing2[] = { "agentgate-runc", "create", "--bundle" };
	char *none[] = { "agentgate-runc", "--version" };
	struct oci_args a;

	assert_int_equal(oci_args_parse(ARGC(missing), missing, &a), -EINVAL);
	assert_int_equal(oci_args_parse(ARGC(missing2), missing2, &a), -EINVAL);
	assert_int_equal(oci_args_parse(ARGC(none), none, &a), 0);
	assert_string_equal(oci_args_command(&a, none), "");
	assert_null(a.id);
}

static int parse(const char *json, struct oci_spec *s, char *msg)
{
	return oci_spec_parse("config.json", json, strlen(json), s, msg, 256);
}

static void test_spec_cri(void **state)
{
	struct oci_spec s;
	char msg[256];

	assert_int_equal(
		parse("{\"ociVersion\":\"1.0.2\",\"hostname\":\"h\","
		      "\"process\":{\"args\":[\"/usr/bin/node\",\"/app/src/agent.js\"],"
		      "\"env\":[\"PATH=/bin\"]},"
		      "\"annotations\":{\"agentgate.policy\":\"docker-sandbox\","
		      "\"io.kubernetes.cri.container-type\":\"container\","
		      "\"io.kubernetes.cri.container-name\":\"agent\","
		      "\"io.kubernetes.cri.image-name\":\"local/agent:1\","
		      "\"io.kubernetes.cri.sandbox-name\":\"agent-pod\","
		      "\"io.kubernetes.cri.sandbox-namespace\":\"ai\"},"
		      "\"linux\":{\"cgroupsPath\":\"kubepods-pod1.slice:cri-containerd:abc\","
		      "\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"network\",\"path\":\"/proc/9/ns/net\"}]}}",
		      &s, msg),
		0);
	assert_int_equal(s.engine, OCI_ENGINE_CRI);
	assert_string_equal(s.policy, "docker-sandbox");
	assert_string_equal(s.policy_from, "annotation");
	assert_string_equal(s.name, "agent");
	assert_string_equal(s.image, "local/agent:1");
	assert_string_equal(s.pod, "agent-pod");
	assert_string_equal(s.pod_namespace, "ai");
	assert_string_equal(s.entrypoint, "/usr/bin/node");
	assert_string_equal(s.cgroups_path, "kubepods-pod1.slice:cri-containerd:abc");
	/* the pod's namespace, joined by path: not a namespace of the container's own */
	assert_int_equal(s.has_netns, 0);
}

/* Docker 20.10 has no annotations: the process environment names the policy. */
static void test_spec_env(void **state)
{
	struct oci_spec s;
	char msg[256];

	assert_int_equal(parse("{\"process\":{\"args\":[\"node\"],\"env\":[\"A=1\","
			       "\"AGENTGATE_POLICYX=no\",\"AGENTGATE_POLICY=docker-sandbox\"]},"
			       "\"linux\":{\"namespaces\":[{\"type\":\"network\"}]}}",
			       &s, msg),
			 0);
	assert_string_equal(s.policy, "docker-sandbox");
	assert_string_equal(s.policy_from, "env");
	assert_int_equal(s.has_netns, 1);
	assert_int_equal(s.engine, OCI_ENGINE_UNKNOWN);
}

static void test_spec_podman(void **state)
{
	struct oci_spec s;
	char msg[256];

	assert_int_equal(parse("{\"annotations\":{\"io.container.manager\":\"libpod\"}}", &s, msg),
			 0);
	assert_int_equal(s.engine, OCI_ENGINE_PODMAN);
	assert_string_equal(s.policy, "");
}

static void test_spec_bad(void **state)
{
	char big[2100], json[2300];
	struct oci_spec s;
	char msg[256];

	assert_int_equal(parse("{", &s, msg), -EINVAL);
	assert_non_null(strstr(msg, "not JSON"));
	assert_int_equal(parse("[]", &s, msg), -EINVAL);
	assert_int_equal(parse("{\"annotations\":{\"agentgate.policy\":7}}", &s, msg), -EINVAL);
	assert_int_equal(parse("{\"annotations\":{\"agentgate.policy\":\"../../etc/x\"}}", &s, msg),
			 -EINVAL);
	assert_non_null(strstr(msg, "policy name"));
	/* Present but empty (an unset shell variable): a request, refused, not "none asked". */
	assert_int_equal(parse("{\"annotations\":{\"agentgate.policy\":\"\"}}", &s, msg),
			 -EINVAL);
	assert_non_null(strstr(msg, "in the annotation agentgate.policy must be"));
	assert_int_equal(parse("{\"process\":{\"env\":[\"AGENTGATE_POLICY=\"]}}", &s, msg),
			 -EINVAL);
	assert_non_null(strstr(msg, "in AGENTGATE_POLICY must be"));
	assert_int_equal(parse("{\"process\":{\"env\":[1]}}", &s, msg), -EINVAL);
	assert_int_equal(parse("{\"process\":[]}", &s, msg), -EINVAL);
	assert_int_equal(parse("{\"a\":1,\"a\":2}", &s, msg), -EINVAL);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	snprintf(json, sizeof(json), "{\"hostname\":\"%s\"}", big);
	assert_int_equal(parse(json, &s, msg), -EINVAL);
}

static void test_policy_names(void **state)
{
	assert_true(oci_policy_name_valid("docker-sandbox"));
	assert_true(oci_policy_name_valid("a.b_c-1"));
	assert_false(oci_policy_name_valid(""));
	assert_false(oci_policy_name_valid(".."));
	assert_false(oci_policy_name_valid("a/b"));
	assert_false(oci_policy_name_valid("a b"));
}

static void test_spec_load(void **state)
{
	char dir[] = "/tmp/ag-oci-XXXXXX", path[64], msg[256];
	struct oci_spec s;
	FILE *f;

	assert_non_null(mkdtemp(dir));
	assert_int_equal(oci_spec_load(dir, &s, msg, sizeof(msg)), -ENOENT);
	assert_non_null(strstr(msg, "config.json"));
	snprintf(path, sizeof(path), "%s/config.json", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\"annotations\":{\"agentgate.policy\":\"p1\"}}", f);
	fclose(f);
	assert_int_equal(oci_spec_load(dir, &s, msg, sizeof(msg)), 0);
	assert_string_equal(s.policy, "p1");
	unlink(path);
	rmdir(dir);
}

/* bundle below root/sub with annotations ann: oci_spec_load's view of it in *s. */
static void load_at(const char *root, const char *sub, const char *ann, struct oci_spec *s)
{
	char dir[512], path[600], cmd[700], msg[256];
	FILE *f;

	snprintf(dir, sizeof(dir), "%s/%s", root, sub);
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", dir);
	assert_int_equal(system(cmd), 0);
	snprintf(path, sizeof(path), "%s/config.json", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "{\"annotations\":{%s}}", ann);
	fclose(f);
	assert_int_equal(oci_spec_load(dir, s, msg, sizeof(msg)), 0);
}

/*
 * Annotations are the starter's word, the bundle's place the engine's: the CRI names only
 * under containerd's k8s.io namespace, a Docker container never named by annotations,
 * nerdctl/name only under containerd.
 */
static void test_spec_engine_from_place(void **state)
{
	static const char cri[] = "\"io.kubernetes.cri.container-type\":\"container\","
				  "\"io.kubernetes.cri.container-name\":\"prod-db\","
				  "\"io.kubernetes.cri.image-name\":\"db:1\","
				  "\"io.kubernetes.cri.sandbox-namespace\":\"prod\"";
	static const char nerd[] = "\"nerdctl/name\":\"prod-db\"";
	char root[] = "/tmp/ag-oci-place-XXXXXX", cmd[64];
	struct oci_spec s;

	assert_non_null(mkdtemp(root));
	load_at(root, "io.containerd.runtime.v2.task/k8s.io/c1", cri, &s);
	assert_int_equal(s.engine, OCI_ENGINE_CRI);
	assert_string_equal(s.name, "prod-db");
	assert_string_equal(s.pod_namespace, "prod");
	load_at(root, "io.containerd.runtime.v2.task/moby/c2", cri, &s);
	assert_int_equal(s.engine, OCI_ENGINE_DOCKER);
	assert_string_equal(s.name, "");
	assert_string_equal(s.image, "");
	assert_string_equal(s.pod_namespace, "");
	load_at(root, "io.containerd.runtime.v2.task/moby/c3", nerd, &s);
	assert_string_equal(s.name, "");
	load_at(root, "io.containerd.runtime.v2.task/default/c4", cri, &s);
	assert_int_equal(s.engine, OCI_ENGINE_CONTAINERD);
	assert_string_equal(s.name, "");
	assert_string_equal(s.pod_namespace, "");
	load_at(root, "io.containerd.runtime.v2.task/default/c5", nerd, &s);
	assert_int_equal(s.engine, OCI_ENGINE_CONTAINERD);
	assert_string_equal(s.name, "prod-db");
	load_at(root, "overlay-containers/c6/userdata", cri, &s);
	assert_int_equal(s.engine, OCI_ENGINE_UNKNOWN);
	assert_string_equal(s.name, "");
	load_at(root, "overlay-containers/c7/userdata", nerd, &s);
	assert_string_equal(s.name, "");
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_args_shim),    cmocka_unit_test(test_args_conmon),
		cmocka_unit_test(test_args_exec),    cmocka_unit_test(test_args_bad),
		cmocka_unit_test(test_spec_cri),     cmocka_unit_test(test_spec_env),
		cmocka_unit_test(test_spec_podman),  cmocka_unit_test(test_spec_bad),
		cmocka_unit_test(test_policy_names), cmocka_unit_test(test_spec_load),
		cmocka_unit_test(test_spec_engine_from_place),
	};

	return cmocka_run_group_tests_name("oci", tests, NULL, NULL);
}
