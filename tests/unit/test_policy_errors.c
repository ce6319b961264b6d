// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Every parser error names the file, line and column, and what was expected. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "policy/policy.h"

struct bad {
	const char *yaml;
	const char *where; /* "line:col" */
	const char *what; /* a part of the message */
};

#define R "rules:\n  - action: file_read\n"

static const struct bad cases[] = {
	{ R
	  "    path: /a\n    decision: allow\n  - action: file_exec\n    path: /b\n    decision: deny\n",
	  "5:13",
	  "expected an action: file_read, file_write, shell_exec, network or listen, found 'file_exec'" },
	{ "rules:\n  - action: network\n    path: /a\n    decision: allow\n", "3:5",
	  "expected a key of a network rule (action, domain, cidr, port, ports, decision, reason), found 'path'" },
	{ "rules:\n  - action: shell_exec\n    path: /a\n    decision: allow\n", "3:5",
	  "found 'path'" },
	{ R "    path: /a\n", "2:5",
	  "expected a 'decision' (allow or deny) in this file_read rule" },
	{ R "    decision: allow\n", "2:5", "expected a 'path' in this file_read rule" },
	{ "rules:\n  - action: network\n    decision: allow\n", "2:5",
	  "expected a 'domain' or a 'cidr' in this network rule" },
	{ "rules:\n  - action: network\n    domain: \".\"\n    decision: allow\n", "3:13",
	  "expected a domain name (labels between single dots), found '.'" },
	{ "rules:\n  - action: network\n    domain: a..example.com\n    decision: allow\n", "3:13",
	  "found 'a..example.com'" },
	{ R "    path: \"\"\n    decision: allow\n", "3:11", "expected a non-empty 'path'" },
	{ R "    path:\n    decision: allow\n", "3:10", "expected a non-empty 'path'" },
	{ "rules:\n  - action: shell_exec\n    command: \"   \"\n    decision: allow\n", "3:14",
	  "expected a non-empty 'command'" },
	{ R "    path: \"/a/[bc\"\n    decision: allow\n", "3:11",
	  "expected a ']' closing the '[' at byte 4 of '/a/[bc'" },
	{ R "    path: \"/a/b\\\\\"\n    decision: allow\n", "3:11",
	  "a backslash at the end escapes nothing" },
	{ R "    path: \"/[z-a]\"\n    decision: allow\n", "3:11", "a range whose low end" },
	{ R "    path: relative/x\n    decision: allow\n", "3:11",
	  "expected an absolute path (starting with '/') or an abstract unix socket name "
	  "(starting with '@'), found 'relative/x'" },
	{ R "    path: /a\n    path: /b\n    decision: allow\n", "4:5",
	  "expected each key once, found a second 'path' (first at 3:5)" },
	{ "default: deny\ndefault: allow\n", "2:1", "found a second 'default'" },
	{ "control_socket: /run/x.sock\nassignments:\n", "1:1",
	  "a key of agentgate daemon's configuration, not of a policy" },
	{ "rules:\n  - <<: {action: file_read, path: /a, decision: allow}\n", "2:5",
	  "merge keys ('<<') are not supported" },
	{ R "    path: [/a, /b]\n    decision: allow\n", "3:11",
	  "expected a string for 'path', found a list" },
	{ R "    path: /a\n    decision: {x: 1}\n", "4:15",
	  "expected a string for 'decision', found a mapping" },
	{ R "    path: /a\n    decision: maybe\n", "4:15",
	  "expected a decision: allow or deny (any case), found 'maybe'" },
	{ "default: perhaps\n", "1:10",
	  "expected a decision: allow or deny (any case), found 'perhaps'" },
	{ "mode: audit\n", "1:7", "expected a mode: enforce or simulate, found 'audit'" },
	{ "deny_env: LD_PRELOAD\n", "1:11",
	  "expected a list of environment variable names for 'deny_env', found a string" },
	{ "deny_env: []\n", "1:11", "expected 1 to 64 names in 'deny_env'" },
	{ "deny_env: [LD_PRELOAD, \"A=B\"]\n", "1:24",
	  "expected a variable name (letters, digits, '_', optionally ending in '*'), found 'A=B'" },
	{ "deny_env: [\"1X\"]\n", "1:12", "found '1X'" },
	{ "deny_env: [\"*\"]\n", "1:12", "found '*'" },
	{ "version: \"2.0\"\n", "1:10", "expected version \"1.0\", found '2.0'" },
	{ "dns_grace: 3601\n", "1:12", "expected whole seconds from 0 to 3600, found '3601'" },
	{ "dns_grace: -1\n", "1:12", "expected whole seconds from 0 to 3600, found '-1'" },
	{ "dns_grace: 1.5\n", "1:12", "found '1.5'" },
	{ "dns_grace: [1]\n", "1:12", "dns_grace" },
	{ "dns_quota: 0\n", "1:12", "expected a whole number from 1 to 4096, found '0'" },
	{ "dns_quota: 4097\n", "1:12", "expected a whole number from 1 to 4096, found '4097'" },
	{ "dns_quota: 99999999999999999999\n", "1:12", "found '99999999999999999999'" },
	{ "dns_quota: -5\n", "1:12", "found '-5'" },
	{ "rules:\n  - action: network\n    cidr: 10.0.0.0/33\n    decision: allow\n", "3:11",
	  "expected a cidr prefix length from 0 to 32, found '10.0.0.0/33'" },
	{ "rules:\n  - action: network\n    cidr: 10.0.0\n    decision: allow\n", "3:11",
	  "expected a cidr: an IPv4 or IPv6 address" },
	{ "rules:\n  - action: network\n    cidr: 10.0.0.0/8\n    port: 70000\n    decision: allow\n",
	  "4:11", "expected a port number from 0 to 65535, found '70000'" },
	{ "rules:\n  - action: network\n    cidr: ::/0\n    ports: [80, \"90-85\"]\n    decision: allow\n",
	  "4:17", "expected a port range \"lo-hi\" with lo <= hi, found '90-85'" },
	{ "rules:\n  - action: network\n    cidr: ::/0\n    port: 80\n    ports: [81]\n    decision: allow\n",
	  "5:5", "expected either 'port' or 'ports' in one rule, not both" },
	{ "rules:\n  - action: network\n    domain: a.com\n    cidr: 1.2.3.4\n    decision: allow\n",
	  "4:11", "expected either 'domain' or 'cidr' in one rule, not both" },
	{ "colour: blue\n", "1:1",
	  "expected a policy key (name, version, default, mode, search_path, deny_env, dns_grace, dns_quota, include, rules), found 'colour'" },
	{ "policy:\n  name: x\nextra: 1\n", "3:1",
	  "expected only 'policy' and 'version' next to 'policy', found 'extra'" },
	{ "rules: /a\n", "1:8", "expected a list of rules for 'rules', found a string" },
	{ "rules:\n  - /a\n", "2:5",
	  "expected a rule (a mapping with action, decision, ...), found a string" },
	{ "rules:\n  - path: /a\n    decision: allow\n", "2:5",
	  "expected an 'action' in this rule" },
	{ "search_path: [bin]\n", "1:15",
	  "expected an absolute directory without '.', '..', '//' or a trailing '/' (the kernel names a program by its canonical path), found 'bin'" },
	/* Each spelling would compile to patterns no executable's path matches. */
	{ "search_path: [/opt/bin/]\n", "1:15",
	  "or a trailing '/' (the kernel names a program by its canonical path), found '/opt/bin/'" },
	{ "search_path: [/usr/bin, /opt/x/../bin]\n", "1:25", "found '/opt/x/../bin'" },
	{ "search_path: [/opt//bin]\n", "1:15", "found '/opt//bin'" },
	{ "search_path: [/opt/./bin]\n", "1:15", "found '/opt/./bin'" },
	{ "search_path: /bin\n", "1:14", "expected a list of absolute directories" },
	{ "name: \"\"\n", "1:7",
	  "expected a name of 1 to 128 bytes without control characters, found ''" },
	{ "name: \"a\\nb\"\n", "1:7",
	  "expected a name of 1 to 128 bytes without control characters" },
	/* The reader's errors at their place, not at 1:1 (libyaml gives only an offset). */
	{ "default: deny\n# caf\xc3\xa9 \xff\n", "2:8", "YAML: invalid leading UTF-8 octet" },
	{ "include: [nosuchfragment]\n", "1:11",
	  "expected an include that exists: 'nosuchfragment'" },
	{ "include: [./missing.yaml]\n", "1:11", "expected an include that exists" },
	{ "rules:\n  - action: file_read\n    path: \"/a\n", "4:1",
	  "YAML: found unexpected end of stream (while scanning a quoted scalar at 3:11)" },
	{ "rules: [\n", "2:1", "YAML: " },
	{ "", "1:1", "expected a policy, found an empty document" },
	{ "# only a comment\n", "1:1", "expected a policy, found an empty document" },
	{ "default: deny\n---\ndefault: allow\n", "3:1",
	  "expected one YAML document, found a second one" },
	{ "- a\n- b\n", "1:1", "expected a mapping of policy keys, found a list" },
	{ R "    path: \"/a\\0b\"\n    decision: allow\n", "3:11", "without NUL bytes" },
};

static void test_errors(void **state)
{
	struct ag_policy *p;
	struct ag_error err;
	char want[64];
	size_t i;
	int ret;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct bad *c = &cases[i];

		memset(&err, 0, sizeof(err));
		ret = policy_load_mem("t.yaml", c->yaml, strlen(c->yaml), "/nonexistent", &p, &err);
		if (ret == 0) {
			policy_free(p);
			fail_msg("case %zu loaded:\n%s", i, c->yaml);
		}
		assert_null(p);
		snprintf(want, sizeof(want), "t.yaml:%s: ", c->where);
		if (strncmp(err.msg, want, strlen(want)) || !strstr(err.msg, c->what))
			fail_msg("case %zu: got\n  %s\nwant\n  %s%s", i, err.msg, want, c->what);
	}
}

static void test_oversized(void **state)
{
	size_t n = (1u << 20) + 10, i;
	char *buf = malloc(n);
	struct ag_policy *p;
	struct ag_error err;

	assert_non_null(buf);
	for (i = 0; i < n; i++)
		buf[i] = i % 64 == 63 ? '\n' : '#';
	assert_int_not_equal(policy_load_mem("big.yaml", buf, n, NULL, &p, &err), 0);
	assert_string_equal(err.msg,
			    "big.yaml:1:1: expected at most 1048576 bytes in a policy file");
	free(buf);
}

/* Aliases repeat one rule; every repetition counts (and points at the anchor). */
static void test_too_many_rules(void **state)
{
	const char *first = "rules:\n- &r {action: file_read, path: /a, decision: allow}\n";
	size_t n = 0x7fff, len = strlen(first), i;
	char *buf = malloc(len + n * 5 + 1);
	struct ag_policy *p;
	struct ag_error err;

	assert_non_null(buf);
	strcpy(buf, first);
	for (i = 0; i < n; i++)
		memcpy(buf + len + i * 5, "- *r\n", 5);
	buf[len + n * 5] = '\0';
	assert_int_not_equal(policy_load_mem("many.yaml", buf, strlen(buf), NULL, &p, &err), 0);
	assert_string_equal(err.msg,
			    "many.yaml:2:3: expected at most 32767 rules (includes counted)");
	/* One fewer loads. */
	buf[len + (n - 1) * 5] = '\0';
	assert_int_equal(policy_load_mem("many.yaml", buf, strlen(buf), NULL, &p, &err), 0);
	assert_int_equal(p->nrules, 0x7fff);
	policy_free(p);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_oversized),
		cmocka_unit_test(test_too_many_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
