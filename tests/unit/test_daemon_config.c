// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The daemon's configuration file: values, defaults, and errors at file:line:col. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>
#include "audit/audit.h"
#include "daemon/daemon_config.h"
#include "maps.h"

static struct daemon_config *parse_ok(const char *yaml)
{
	struct daemon_config *c = NULL;
	struct ag_error err = {};

	if (daemon_config_parse("/etc/agentgate/daemon.yaml", yaml, strlen(yaml), &c, &err))
		fail_msg("unexpected error: %s", err.msg);
	return c;
}

/* The error message must start with want (file:line:col: ...). */
static void parse_bad(const char *yaml, const char *want)
{
	struct daemon_config *c = NULL;
	struct ag_error err = {};
	int ret;

	ret = daemon_config_parse("cfg.yaml", yaml, strlen(yaml), &c, &err);
	assert_int_equal(ret, -EINVAL);
	assert_null(c);
	if (strncmp(err.msg, want, strlen(want)))
		fail_msg("got '%s', want it to start with '%s'", err.msg, want);
}

/* Relative paths are the config file's, for sockets, state and log as for policies. */
static void test_relative_paths(void **state)
{
	struct daemon_config *c = parse_ok("control_socket: run/c.sock\n"
					   "stream_socket: run/s.sock\n"
					   "ask_socket: none\n"
					   "state_file: daemon.state\n"
					   "audit: {log: audit.log, key_dir: keys}\n");

	assert_string_equal(c->control_socket, "/etc/agentgate/run/c.sock");
	assert_string_equal(c->stream_socket, "/etc/agentgate/run/s.sock");
	assert_string_equal(c->ask_socket, "none");
	assert_string_equal(c->state_file, "/etc/agentgate/daemon.state");
	assert_string_equal(c->audit.log, "/etc/agentgate/audit.log");
	assert_string_equal(c->audit.key_dir, "/etc/agentgate/keys");
	daemon_config_free(c);
	c = parse_ok("ask_socket: ask/a.sock\n");
	assert_string_equal(c->ask_socket, "/etc/agentgate/ask/a.sock");
	daemon_config_free(c);
	/* off, as metrics.listen says it; a YAML boolean is no path */
	c = parse_ok("ask_socket: off\n");
	assert_string_equal(c->ask_socket, "none");
	daemon_config_free(c);
	parse_bad("ask_socket: false\n", "cfg.yaml:1:13: ask_socket: a socket path, or none (off)");
}

static void test_full(void **state)
{
	struct daemon_config *c = parse_ok("control_socket: /run/x/control.sock\n"
					   "stream_socket: /run/x/stream.sock\n"
					   "state_file: /run/x/state\n"
					   "audit:\n"
					   "  log: /var/log/x/audit.log\n"
					   "  rotate_bytes: 1048576\n"
					   "  seal_every: 100\n"
					   "  seal_ms: 2000\n"
					   "  durability: fsync\n"
					   "  key_dir: /var/lib/x\n"
					   "  forward_secure: true\n"
					   "  fold_ms: 0\n"
					   "assignments:\n"
					   "  - cgroup: /sys/fs/cgroup/agents/a1\n"
					   "    policy: /etc/p/a.yaml\n"
					   "  - cgroup: agents/a2\n"
					   "    policy: b.yaml\n"
					   "    mode: simulate\n"
					   "ask_socket: /run/x/ask.sock\n");

	assert_string_equal(c->control_socket, "/run/x/control.sock");
	assert_string_equal(c->stream_socket, "/run/x/stream.sock");
	assert_string_equal(c->ask_socket, "/run/x/ask.sock");
	assert_string_equal(c->state_file, "/run/x/state");
	assert_string_equal(c->audit.log, "/var/log/x/audit.log");
	assert_int_equal(c->audit.rotate_bytes, 1048576);
	assert_int_equal(c->audit.seal_every, 100);
	assert_int_equal(c->audit.seal_ms, 2000);
	assert_int_equal(c->audit.fsync_each, 1);
	assert_string_equal(c->audit.key_dir, "/var/lib/x");
	assert_int_equal(c->audit.forward_secure, 1);
	/* 0 is "off", told apart from "not set" (the default window). */
	assert_int_equal(c->audit.fold_ms, 0);
	assert_int_equal(c->audit.fold_set, 1);
	assert_int_equal(c->nassignments, 2);
	assert_string_equal(c->assignments[0].cgroup, "/agents/a1");
	assert_string_equal(c->assignments[0].policy, "/etc/p/a.yaml");
	assert_int_equal(c->assignments[0].mode, DAEMON_MODE_POLICY);
	assert_string_equal(c->assignments[1].cgroup, "/agents/a2");
	/* Relative policy paths are relative to the config's directory. */
	assert_string_equal(c->assignments[1].policy, "/etc/agentgate/b.yaml");
	assert_int_equal(c->assignments[1].mode, AG_MODE_SIMULATE);
	assert_int_equal(c->assignments[1].line, 16);
	daemon_config_free(c);
}

static void test_defaults(void **state)
{
	struct daemon_config *c = parse_ok("");

	assert_string_equal(c->control_socket, DAEMON_DEFAULT_CONTROL);
	assert_string_equal(c->stream_socket, DAEMON_DEFAULT_STREAM);
	assert_string_equal(c->ask_socket, DAEMON_DEFAULT_ASK);
	assert_string_equal(c->state_file, DAEMON_DEFAULT_STATE);
	assert_string_equal(c->audit.log, DAEMON_DEFAULT_AUDIT_LOG);
	assert_int_equal(c->audit.fsync_each, 0);
	assert_int_equal(c->audit.fold_set, 0);
	assert_int_equal(c->nassignments, 0);
	daemon_config_free(c);
	c = parse_ok("assignments:\n");
	assert_int_equal(c->nassignments, 0);
	daemon_config_free(c);
	assert_int_equal(daemon_config_default(&c), 0);
	assert_string_equal(c->control_socket, DAEMON_DEFAULT_CONTROL);
	daemon_config_free(c);
}

static void test_forward(void **state)
{
	struct daemon_config *c = parse_ok("audit:\n"
					   "  host: web-1\n"
					   "  forward:\n"
					   "    to: \"[2001:db8::1]:6514\"\n"
					   "    tls: true\n"
					   "    ca: ca.pem\n"
					   "    tls_name: logs.example\n"
					   "    replay_ms: 10000\n");

	assert_string_equal(c->audit.host, "web-1");
	assert_string_equal(c->audit.forward.host, "2001:db8::1");
	assert_string_equal(c->audit.forward.port, "6514");
	assert_int_equal(c->audit.forward.tls, 1);
	assert_string_equal(c->audit.forward.ca, "/etc/agentgate/ca.pem");
	assert_string_equal(c->audit.forward.tls_name, "logs.example");
	assert_null(c->audit.forward.hostname);
	assert_string_equal(c->audit.forward.state, DAEMON_DEFAULT_FORWARD_STATE);
	assert_int_equal(c->audit.forward.replay_ms, 10000);
	daemon_config_free(c);
	c = parse_ok("audit:\n  log: /x\n");
	assert_null(c->audit.forward.host); /* no forwarding unless asked */
	daemon_config_free(c);
}

static void test_errors(void **state)
{
	parse_bad("colour: blue\n", "cfg.yaml:1:1: unknown key 'colour'");
	/* A policy given as the configuration: said, as a policy parser says the reverse. */
	parse_bad("version: \"1.0\"\ndefault: deny\nrules: []\n",
		  "cfg.yaml:1:1: unknown key 'version' (control_socket, stream_socket, ask_socket, "
		  "state_file, audit, metrics, assignments, containers): this looks like a policy, "
		  "not the daemon's configuration (check it with 'agentgate lint FILE')");
	parse_bad("policy:\n  name: p\n", "cfg.yaml:1:1: unknown key 'policy' (control_socket, "
		  "stream_socket, ask_socket, state_file, audit, metrics, assignments, containers): "
		  "this looks like a policy");
	parse_bad("assignments:\n  - cgroup: /a\n", "cfg.yaml:2:5: assignment without 'policy'");
	parse_bad("assignments:\n  - policy: /p.yaml\n",
		  "cfg.yaml:2:5: assignment without 'cgroup'");
	parse_bad("assignments:\n  - cgroup: /a\n    policy: /p\n    mode: strict\n",
		  "cfg.yaml:4:11: 'mode' must be enforce or simulate");
	parse_bad("assignments:\n  - cgroup: /a/../b\n    policy: /p\n",
		  "cfg.yaml:2:13: 'cgroup' must be a cgroup path");
	parse_bad("assignments:\n  - cgroup: /sys/fs/cgroup\n    policy: /p\n",
		  "cfg.yaml:2:13: 'cgroup' must be a cgroup path");
	parse_bad("assignments:\n  - cgroup: \"/a\\nb\"\n    policy: /p\n",
		  "cfg.yaml:2:13: 'cgroup' must be a cgroup path below /sys/fs/cgroup (not the root, "
		  "no '.', '..' or newline)");
	parse_bad("assignments:\n  - cgroup: /a\n    policy: /p\n  - cgroup: a\n    policy: /q\n",
		  "cfg.yaml:4:5: cgroup /a is already assigned at line 2");
	parse_bad("assignments: /a\n", "cfg.yaml:1:14: 'assignments' must be a list");
	parse_bad("audit:\n  rotate_bytes: -1\n",
		  "cfg.yaml:2:17: 'rotate_bytes' must be a non-negative");
	parse_bad("audit:\n  rotate_bytes: \" -1\"\n",
		  "cfg.yaml:2:17: 'rotate_bytes' must be a non-negative");
	parse_bad("audit:\n  seal_every: +5\n", "cfg.yaml:2:15: 'seal_every' must be a non-negative");
	parse_bad("audit:\n  rotate_bytes: 1\n",
		  "cfg.yaml:2:17: 'rotate_bytes' must be 0 (never) or at least 65536");
	parse_bad("audit:\n  durability: sometimes\n", "cfg.yaml:2:15: 'durability' must be");
	parse_bad("audit:\n  forward_secure: maybe\n", "cfg.yaml:2:19: 'forward_secure' must be");
	parse_bad("audit:\n  fold_ms: 60001\n", "cfg.yaml:2:12: 'fold_ms' must be an integer from 0 to 60000");
	parse_bad("audit:\n  fold_ms: -1\n", "cfg.yaml:2:12: 'fold_ms' must be a non-negative");
	/* The real range, whichever end is passed. */
	parse_bad("audit:\n  backlog_bytes: 1073741825\n",
		  "cfg.yaml:2:18: 'backlog_bytes' must be an integer from 4096 to 1073741824");
	parse_bad("audit:\n  backlog_bytes: 4095\n",
		  "cfg.yaml:2:18: 'backlog_bytes' must be an integer from 4096 to 1073741824");
	parse_bad("audit:\n  forward:\n    to: collector\n",
		  "cfg.yaml:3:9: 'to' must be HOST:PORT");
	parse_bad("audit:\n  forward:\n    tls: true\n", "cfg.yaml:3:5: 'forward' without 'to");
	parse_bad("audit:\n  forward:\n    to: c:6514\n    ca: /ca.pem\n",
		  "cfg.yaml:3:5: 'ca' and 'tls_name' need 'tls: true'");
	parse_bad("audit:\n  forward:\n    to: c:6514\n    hostname: a b\n",
		  "cfg.yaml:4:15: 'hostname' must be 1..255 printable ASCII");
	parse_bad("audit:\n  forward:\n    to: c:6514\n    port: 1\n",
		  "cfg.yaml:4:5: unknown key 'port' in 'forward'");
	parse_bad("audit:\n  host: a b\n  forward:\n    to: c:6514\n",
		  "cfg.yaml:2:3: 'host' is not a valid syslog HOSTNAME");
	/* Found by fuzz_daemon_config: a second list overflowed the first one's array. */
	parse_bad("assignments:\n  - {cgroup: /a, policy: /p}\nassignments:\n  - {cgroup: /b, "
		  "policy: /p}\n  - {cgroup: /c, policy: /p}\n",
		  "cfg.yaml:3:1: expected each key once, found a second 'assignments' (first at 1:1)");
	parse_bad("control_socket: [a]\n", "cfg.yaml:1:17: 'control_socket' must be a non-empty");
	parse_bad("- a\n", "cfg.yaml:1:1: the configuration must be a mapping");
	parse_bad("a: [b\n", "cfg.yaml:2:1: ");
	parse_bad("assignments:\n  - cgroup: /a\n    policy: /p\nassignments:\n  - cgroup: /b\n"
		  "    policy: /q\n",
		  "cfg.yaml:4:1: expected each key once, found a second 'assignments' (first at 1:1)");
	/* Any key of any mapping: the last one would win without a word. */
	parse_bad("control_socket: /a\ncontrol_socket: /b\n",
		  "cfg.yaml:2:1: expected each key once, found a second 'control_socket' (first at 1:1)");
	parse_bad("audit:\n  seal_every: 5\n  seal_every: 6\n",
		  "cfg.yaml:3:3: expected each key once, found a second 'seal_every' (first at 2:3)");
	parse_bad("containers:\n  selectors: []\n  selectors:\n    - {policy: p}\n",
		  "cfg.yaml:3:3: expected each key once, found a second 'selectors'");
	parse_bad("assignments:\n  - {cgroup: /a, policy: /p, cgroup: /b}\n",
		  "cfg.yaml:2:30: expected each key once, found a second 'cgroup'");
	parse_bad("state_file: /s\n\n# \xff\n", "cfg.yaml:3:3: invalid leading UTF-8 octet");
	/* A second document would be read by nobody. */
	parse_bad("state_file: /s\n---\naudit: {seal_every: 5}\n",
		  "cfg.yaml:3:1: expected one YAML document, found a second one");
}

static void test_metrics(void **state)
{
	struct daemon_config *c = parse_ok("metrics:\n  listen: 127.0.0.1:9464\n  bpf_stats: true\n");

	assert_int_equal(c->metrics.listen.kind, METRICS_TCP);
	assert_int_equal(c->metrics.listen.port, 9464);
	assert_int_equal(c->metrics.bpf_stats, 1);
	daemon_config_free(c);
	c = parse_ok("metrics:\n  listen: unix:/run/agentgate/metrics.sock\n");
	assert_int_equal(c->metrics.listen.kind, METRICS_UNIX);
	assert_string_equal(c->metrics.listen.path, "/run/agentgate/metrics.sock");
	daemon_config_free(c);
	c = parse_ok("control_socket: /run/x.sock\n");
	assert_int_equal(c->metrics.listen.kind, METRICS_OFF);
	daemon_config_free(c);
	parse_bad("metrics:\n  listen: 0.0.0.0:9464\n",
		  "cfg.yaml:2:11: '0.0.0.0:9464': metrics are served on 127.0.0.1:PORT or unix:PATH only");
	parse_bad("metrics:\n  listen: 127.0.0.1:99999\n", "cfg.yaml:2:11: '127.0.0.1:99999': the port must be");
	parse_bad("metrics:\n  port: 1\n", "cfg.yaml:2:3: unknown key 'port' in 'metrics'");
	parse_bad("metrics: on\n", "cfg.yaml:1:10: 'metrics' must be a mapping");
}

static void test_load_missing(void **state)
{
	struct daemon_config *c = NULL;
	struct ag_error err = {};

	assert_int_equal(daemon_config_load("/nonexistent/daemon.yaml", &c, &err), -ENOENT);
	assert_string_equal(err.msg, "/nonexistent/daemon.yaml: No such file or directory");
}

/* A FIFO is refused at once: SIGHUP rereads the file in the daemon's loop. */
static void test_load_fifo(void **state)
{
	char fifo[] = "/tmp/ag-cfg-fifo-XXXXXX";
	struct daemon_config *c = NULL;
	struct ag_error err = {};
	int fd = mkstemp(fifo);

	assert_true(fd >= 0);
	close(fd);
	unlink(fifo);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(daemon_config_load(fifo, &c, &err), -EINVAL);
	assert_non_null(strstr(err.msg, ": expected a regular file"));
	unlink(fifo);
}

static void test_cgroup_name(void **state)
{
	char out[64];

	assert_int_equal(daemon_cgroup_name("/sys/fs/cgroup/a/b", out, sizeof(out)), 0);
	assert_string_equal(out, "/a/b");
	assert_int_equal(daemon_cgroup_name("a//b/", out, sizeof(out)), 0);
	assert_string_equal(out, "/a/b");
	assert_int_equal(daemon_cgroup_name("/sys/fs/cgroupx", out, sizeof(out)), 0);
	assert_string_equal(out, "/sys/fs/cgroupx");
	assert_int_equal(daemon_cgroup_name("/", out, sizeof(out)), -EINVAL);
	assert_int_equal(daemon_cgroup_name("/sys/fs/cgroup/", out, sizeof(out)), -EINVAL);
	assert_int_equal(daemon_cgroup_name("/a/./b", out, sizeof(out)), -EINVAL);
	assert_int_equal(daemon_cgroup_name("/a/..", out, sizeof(out)), -EINVAL);
	assert_int_equal(daemon_cgroup_name("/a/b", out, 4), -ENAMETOOLONG);
}

static void test_modes(void **state)
{
	assert_int_equal(daemon_parse_mode("enforce"), AG_MODE_ENFORCE);
	assert_int_equal(daemon_parse_mode("simulate"), AG_MODE_SIMULATE);
	/* as a policy's own mode word */
	assert_int_equal(daemon_parse_mode("Enforce"), AG_MODE_ENFORCE);
	assert_int_equal(daemon_parse_mode("SIMULATE"), AG_MODE_SIMULATE);
	assert_int_equal(daemon_parse_mode("enforced"), -EINVAL);
	assert_int_equal(daemon_parse_mode(NULL), -EINVAL);
	assert_string_equal(daemon_mode_name(AG_MODE_SIMULATE), "simulate");
	assert_string_equal(daemon_mode_name(AG_MODE_ENFORCE), "enforce");
}

static void test_containers(void **state)
{
	struct daemon_config *c = parse_ok("assignments:\n"
					   "  - cgroup: /agents\n"
					   "    policy: a.yaml\n"
					   "    on_exec: true\n"
					   "containers:\n"
					   "  policies_dir: policies\n"
					   "  selectors:\n"
					   "    - image: \"localhost/agent*\"\n"
					   "      engine: podman\n"
					   "      policy: docker-sandbox\n"
					   "      mode: simulate\n"
					   "    - namespace: ai\n"
					   "      policy: p2\n");

	assert_int_equal(c->assignments[0].on_exec, 1);
	assert_string_equal(c->containers.policies_dir, "/etc/agentgate/policies");
	assert_int_equal(c->containers.nselectors, 2);
	assert_string_equal(c->containers.selectors[0].image, "localhost/agent*");
	assert_string_equal(c->containers.selectors[0].engine, "podman");
	assert_string_equal(c->containers.selectors[0].policy, "docker-sandbox");
	assert_int_equal(c->containers.selectors[0].mode, AG_MODE_SIMULATE);
	assert_null(c->containers.selectors[0].name);
	assert_string_equal(c->containers.selectors[1].pod_namespace, "ai");
	assert_int_equal(c->containers.selectors[1].mode, DAEMON_MODE_POLICY);
	daemon_config_free(c);
	c = parse_ok("containers:\n  policies_dir: /srv/p\n");
	assert_string_equal(c->containers.policies_dir, "/srv/p");
	daemon_config_free(c);
	/* Named cleanly in errors and status: not /etc/agentgate/./p//nope.yaml. */
	c = parse_ok("containers:\n  policies_dir: ./p//\n");
	assert_string_equal(c->containers.policies_dir, "/etc/agentgate/p");
	daemon_config_free(c);
	c = parse_ok("containers:\n  policies_dir: .\n");
	assert_string_equal(c->containers.policies_dir, "/etc/agentgate");
	daemon_config_free(c);
	c = parse_ok("containers:\n  policies_dir: //srv/./p/.\n");
	assert_string_equal(c->containers.policies_dir, "/srv/p");
	daemon_config_free(c);
	c = parse_ok("audit:\n  log: /x\n");
	assert_string_equal(c->containers.policies_dir, DAEMON_DEFAULT_POLICIES_DIR);
	assert_int_equal(c->containers.nselectors, 0);
	assert_int_equal(c->containers.names_ignored, 0); /* containers may name their policy */
	assert_null(c->containers.default_policy);
	assert_int_equal(daemon_config_binds_unasked(c), 0);
	daemon_config_free(c);
	c = parse_ok("containers:\n  named: false\n  default_policy: locked-down\n");
	assert_int_equal(c->containers.names_ignored, 1);
	assert_string_equal(c->containers.default_policy, "locked-down");
	assert_int_equal(daemon_config_binds_unasked(c), 1);
	daemon_config_free(c);
	c = parse_ok("containers:\n  selectors:\n    - image: x\n      policy: p\n");
	assert_int_equal(daemon_config_binds_unasked(c), 1);
	daemon_config_free(c);
	parse_bad("containers:\n  default_policy: ../etc/x\n",
		  "cfg.yaml:2:19: 'default_policy' is a policy name");
	parse_bad("containers:\n  named: maybe\n", "cfg.yaml:2:10: 'named' must be true or false");
	parse_bad("containers: 1\n", "cfg.yaml:1:13: 'containers' must be a mapping");
	parse_bad("containers:\n  selectors:\n    - policy: p\n",
		  "cfg.yaml:3:7: a selector needs at least one of image");
	parse_bad("containers:\n  selectors:\n    - image: x\n", "cfg.yaml:3:7: selector without");
	parse_bad("containers:\n  selectors:\n    - image: x\n      policy: ../p\n",
		  "cfg.yaml:4:15: 'policy' is a policy name");
	parse_bad("containers:\n  selectors:\n    - engine: lxc\n      policy: p\n",
		  "cfg.yaml:3:15: 'engine' must be");
	daemon_config_free(parse_ok("containers:\n  selectors:\n    - image: \"reg/[]a-z]*:v[!0]\"\n"
				    "      name: \"a\\\\[b\"\n      policy: p\n"));
	parse_bad("containers:\n  selectors:\n    - image: \"[a\"\n      policy: p\n",
		  "cfg.yaml:3:14: 'image': a '[' opens a set no ']' closes");
	parse_bad("containers:\n  selectors:\n    - name: \"x[!]\"\n      policy: p\n",
		  "cfg.yaml:3:13: 'name': a '[' opens a set no ']' closes");
	parse_bad("containers:\n  selectors:\n    - image: \"[a\\\\]\"\n      policy: p\n",
		  "cfg.yaml:3:14: 'image': a '[' opens");
	parse_bad("containers:\n  selectors:\n    - image: \"x[[:alpha:]\"\n      policy: p\n",
		  "cfg.yaml:3:14: 'image': a '[' opens");
	daemon_config_free(
		parse_ok("containers:\n  selectors:\n    - image: \"[[:alpha:]]*[!]x]\"\n"
			 "      policy: p\n"));
	parse_bad("containers:\n  nope: 1\n", "cfg.yaml:2:3: unknown key 'nope' in 'containers'");
	parse_bad("assignments:\n  - cgroup: /a\n    policy: p\n    on_exec: maybe\n",
		  "cfg.yaml:4:14: 'on_exec' must be true or false");
}

/* The shipped example parses, and what it calls a default is the default. */
static void test_example(void **state)
{
	struct daemon_config *c = NULL;
	struct ag_error err = {};

	if (daemon_config_load("policies/daemon.example.yaml", &c, &err))
		fail_msg("%s", err.msg);
	assert_string_equal(c->control_socket, DAEMON_DEFAULT_CONTROL);
	assert_string_equal(c->stream_socket, DAEMON_DEFAULT_STREAM);
	assert_string_equal(c->ask_socket, DAEMON_DEFAULT_ASK);
	assert_string_equal(c->state_file, DAEMON_DEFAULT_STATE);
	assert_string_equal(c->audit.log, DAEMON_DEFAULT_AUDIT_LOG);
	assert_string_equal(c->audit.key_dir, AUDIT_DEFAULT_KEY_DIR);
	assert_int_equal(c->audit.rotate_bytes, 0);
	assert_int_equal(c->audit.seal_every, AUDIT_DEFAULT_SEAL_EVERY);
	assert_int_equal(c->audit.seal_ms, AUDIT_DEFAULT_SEAL_MS);
	assert_int_equal(c->audit.fsync_each, 0);
	assert_int_equal(c->audit.forward_secure, 0);
	assert_int_equal(c->audit.fold_ms, AG_FOLD_MS_DEFAULT);
	assert_int_equal(c->audit.backlog_bytes, AUDIT_DEFAULT_BACKLOG_BYTES);
	assert_null(c->audit.forward.host);
	assert_int_equal(c->metrics.listen.kind, METRICS_OFF);
	assert_int_equal(c->metrics.bpf_stats, 0);
	assert_string_equal(c->containers.policies_dir, DAEMON_DEFAULT_POLICIES_DIR);
	assert_string_equal(c->containers.docker_root, DAEMON_DEFAULT_DOCKER_ROOT);
	assert_int_equal(c->nassignments, 2);
	assert_int_equal(c->containers.nselectors, 1);
	daemon_config_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),	     cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_forward),	     cmocka_unit_test(test_errors),
		cmocka_unit_test(test_load_missing), cmocka_unit_test(test_load_fifo),
		cmocka_unit_test(test_relative_paths),
		cmocka_unit_test(test_cgroup_name),  cmocka_unit_test(test_modes),
		cmocka_unit_test(test_containers),   cmocka_unit_test(test_metrics),
		cmocka_unit_test(test_example),
	};

	return cmocka_run_group_tests_name("daemon_config", tests, NULL, NULL);
}
