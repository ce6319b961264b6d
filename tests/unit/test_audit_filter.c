// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The values of the record filter tail and learn take from their options. */
#include "audit_test.h"
#include "cli/cli.h"

static void reject(const struct audit_filter *flt, const char *want)
{
	char why[256] = "";

	assert_int_equal(audit_filter_check(flt, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, want);
}

static void test_filter_values(void **state)
{
	static const char *const good[] = { "file_read", "file_write", "shell_exec",
					    "network",	 "listen",     "protect" };
	char why[256];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_int_equal(audit_filter_check(&(struct audit_filter){ .action = good[i] },
						    why, sizeof(why)),
				 0);
	assert_int_equal(audit_filter_check(&(struct audit_filter){ .decision = "DENY",
								    .agent = "/agents/a1",
								    .container = "web" },
					    why, sizeof(why)),
			 0);
	assert_int_equal(audit_filter_check(&(struct audit_filter){ 0 }, why, sizeof(why)), 0);
	reject(&(struct audit_filter){ .action = "fly" },
	       "--action is one of file_read, file_write, shell_exec, network, listen, protect, "
	       "not 'fly'");
	reject(&(struct audit_filter){ .action = "unknown" },
	       "--action is one of file_read, file_write, shell_exec, network, listen, protect, "
	       "not 'unknown'");
	reject(&(struct audit_filter){ .decision = "maybe" },
	       "--decision is allow or deny, not 'maybe'");
	reject(&(struct audit_filter){ .agent = "agents/a1" },
	       "--agent is a cgroup path starting with '/', not 'agents/a1'");
	reject(&(struct audit_filter){ .container = "" },
	       "--container needs a container's name or id");
}

/* Every action a decision record can carry passes the filter check. */
static void test_filter_knows_record_actions(void **state)
{
	struct audit_filter flt = { 0 };
	char why[256];
	unsigned int a;

	for (a = 0; a <= AG_ACT_PROTECT; a++) {
		flt.action = audit_action_name(a);
		if (flt.action)
			assert_int_equal(audit_filter_check(&flt, why, sizeof(why)), 0);
	}
	assert_null(audit_action_name(AG_CLASS_ENV));
}

/* tail's options that take one value, or pick one output, refused when given twice. */
static void test_tail_options_once(void **state)
{
	char *json_text[] = { "audit", "tail", "--json", "--text", "/nonexistent.log", NULL };
	char *twice[] = { "audit", "tail", "-d", "allow", "--decision", "deny", "/nonexistent.log",
			  NULL };
	char *once[] = { "audit", "tail", "--decision", "deny", "/nonexistent.log", NULL };

	assert_int_equal(cmd_audit(5, json_text), AUDIT_USAGE);
	assert_int_equal(cmd_audit(7, twice), AUDIT_USAGE);
	/* Past the options: the file cannot be opened. */
	assert_int_equal(cmd_audit(5, once), 1);
}

/* An agent is a cgroup and those below it, at '/' boundaries, spelled as tail or assign take it. */
static void test_agent_within(void **state)
{
	static const char a[] = "/agentgate/exec-231";

	assert_true(audit_agent_within(a, sizeof(a) - 1, "/agentgate/exec-231"));
	assert_true(audit_agent_within(a, sizeof(a) - 1, "/agentgate/"));
	assert_true(audit_agent_within(a, sizeof(a) - 1, "/"));
	assert_false(audit_agent_within(a, sizeof(a) - 1, "/agentgate/exec-23"));
	assert_false(audit_agent_within(a, sizeof(a) - 1, "/agentgate/exec-2310"));
	assert_true(audit_agent_within(a, sizeof(a) - 1, "/sys/fs/cgroup/agentgate/exec-231"));
	assert_true(audit_agent_within(a, sizeof(a) - 1, "/sys/fs/cgroup/agentgate"));
	assert_true(audit_agent_within(a, sizeof(a) - 1, "/sys/fs/cgroup"));
	assert_true(audit_agent_within(a, sizeof(a) - 1, "/sys/fs/cgroup/"));
	assert_false(audit_agent_within(a, sizeof(a) - 1, "/sys/fs/cgroupx/agentgate"));
	/* A cgroup of that name below the root stays itself. */
	assert_true(audit_agent_within("/sys/fs/x", 9, "/sys/fs"));
	assert_false(audit_agent_within("", 0, "/agentgate"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_filter_values),
		cmocka_unit_test(test_filter_knows_record_actions),
		cmocka_unit_test(test_tail_options_once),
		cmocka_unit_test(test_agent_within),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
