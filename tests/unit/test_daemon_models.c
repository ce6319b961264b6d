// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Policy models kept by the daemon to explain events: found by sha256, pruned when retired. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "daemon/daemon.h"

static struct ag_policy *load(int n)
{
	struct ag_policy *p = NULL;
	struct ag_error err = {};
	char buf[512];

	snprintf(buf, sizeof(buf),
		 "version: \"1.0\"\ndefault: deny\nrules:\n"
		 "  - action: file_read\n    path: \"/srv/%d/**\"\n    decision: allow\n"
		 "    reason: \"rule of policy %d\"\n",
		 n, n);
	if (policy_load_mem("test.yaml", buf, strlen(buf), NULL, &p, &err))
		fail_msg("policy %d: %s", n, err.msg);
	return p;
}

static void test_find_by_sha(void **state)
{
	struct daemon d = {};
	struct ag_policy *a = load(1), *b = load(2);
	uint8_t sha_a[32], sha_b[32], none[32] = {};

	memcpy(sha_a, a->sha256, 32);
	memcpy(sha_b, b->sha256, 32);
	assert_memory_not_equal(sha_a, sha_b, 32);
	assert_ptr_equal(daemon_model_keep(&d, a), a);
	assert_ptr_equal(daemon_model_keep(&d, b), b);
	assert_ptr_equal(daemon_model_find(&d, sha_a), a);
	assert_ptr_equal(daemon_model_find(&d, sha_b), b);
	assert_null(daemon_model_find(&d, none));
	assert_string_equal(daemon_model_find(&d, sha_a)->rules[0].reason, "rule of policy 1");
	/* The same policy again replaces the kept copy: one entry per sha256. */
	a = load(1);
	assert_ptr_equal(daemon_model_keep(&d, a), a);
	assert_ptr_equal(daemon_model_find(&d, sha_a), a);
	assert_ptr_equal(d.models->policy, a);
	assert_null(d.models->next->next);
	daemon_models_free(&d);
	assert_null(d.models);
}

static void test_prune_keeps_assigned_and_recent(void **state)
{
	struct daemon_assign as = { .name = "assigned" };
	struct daemon d = { .assign = &as, .nassign = 1 };
	uint8_t first[32], assigned[32];
	struct ag_policy *p;
	int i, count = 0;
	struct daemon_model *m;

	for (i = 0; i < 40; i++) {
		p = load(100 + i);
		if (i == 0)
			memcpy(first, p->sha256, 32);
		if (i == 1)
			memcpy(assigned, p->sha256, 32);
		daemon_model_keep(&d, p);
	}
	memcpy(as.sha256, assigned, 32);
	daemon_models_prune(&d);
	for (m = d.models; m; m = m->next)
		count++;
	/* 16 most recently retired plus the one still assigned. */
	assert_int_equal(count, 17);
	assert_non_null(daemon_model_find(&d, assigned));
	assert_null(daemon_model_find(&d, first));
	daemon_models_free(&d);
}

static void test_sha_hex(void **state)
{
	uint8_t sha[32];
	char hex[65];
	int i;

	for (i = 0; i < 32; i++)
		sha[i] = (uint8_t)(i * 8 + 1);
	daemon_sha_hex(sha, hex);
	assert_int_equal(strlen(hex), 64);
	assert_memory_equal(hex, "0109111921293139", 16);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find_by_sha),
		cmocka_unit_test(test_prune_keeps_assigned_and_recent),
		cmocka_unit_test(test_sha_hex),
	};

	return cmocka_run_group_tests_name("daemon_models", tests, NULL, NULL);
}
