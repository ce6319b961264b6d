// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Policy models kept by the daemon to explain events: found by sha256, pruned when retired. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "daemon/daemon.h"
#include "session/session.h"

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

static void write_policy(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/*
 * The start's check compiles every assigned policy once and keeps each image by the
 * policy's sha256, the key startup's install looks it up by; a policy that does not
 * compile fails the check and says which.
 */
static void test_check_policies_keeps_images(void **state)
{
	char dir[] = "/tmp/ag-models-XXXXXX", pa[64], pb[64], pbad[64], msg[512] = "";
	struct daemon_assignment as[3] = { 0 };
	struct daemon_selector sel = { .mode = DAEMON_MODE_POLICY, .line = 20 };
	struct daemon_config cfg = { .assignments = as, .nassignments = 2 };
	struct daemon d = { .cfg = &cfg };
	const char *paths[2] = { pa, pb };
	int i;

	assert_non_null(mkdtemp(dir));
	snprintf(pa, sizeof(pa), "%s/a.yaml", dir);
	snprintf(pb, sizeof(pb), "%s/b.yaml", dir);
	snprintf(pbad, sizeof(pbad), "%s/bad.yaml", dir);
	write_policy(pa, "version: \"1.0\"\ndefault: deny\nrules:\n  - action: file_read\n"
			 "    path: \"/srv/a/**\"\n    decision: allow\n");
	write_policy(pb, "version: \"1.0\"\ndefault: allow\nrules:\n  - action: network\n"
			 "    domain: \"example.com\"\n    decision: deny\n");
	write_policy(pbad, "version: \"1.0\"\ndefault: deny\nrules:\n  - action: file_read\n"
			   "    path: \"/srv/[\"\n    decision: allow\n");
	for (i = 0; i < 3; i++) {
		as[i].policy = i == 0 ? pa : i == 1 ? pb : pbad;
		as[i].mode = DAEMON_MODE_POLICY;
		as[i].cgroup = "/agents/x";
		as[i].line = 10 + (int)i;
	}
	assert_int_equal(daemon_check_policies(&d, msg, sizeof(msg)), 0);
	for (i = 0; i < 2; i++) {
		struct ag_policy *model = NULL;
		struct ag_image want = { 0 }, kept = { 0 };

		assert_int_equal(
			session_load(paths[i], DAEMON_MODE_POLICY, &model, msg, sizeof(msg)), 0);
		assert_int_equal(session_compile_model(model, paths[i], &want, msg, sizeof(msg)),
				 0);
		assert_int_equal(daemon_model_image(&d, model->sha256, &kept), 0);
		assert_int_equal(kept.size, want.size);
		assert_memory_equal(kept.data, want.data, want.size);
		image_free(&want);
		image_free(&kept);
		policy_free(model);
	}
	cfg.nassignments = 3;
	assert_int_not_equal(daemon_check_policies(&d, msg, sizeof(msg)), 0);
	assert_non_null(strstr(msg, "bad.yaml"));
	assert_non_null(strstr(msg, "assignment on line 12: ")); /* where in the config */
	/*
	 * A forwarding CA that is not there, or holds no certificate, stops the check, not
	 * the first connection: loaded as forwarding loads it.
	 */
	cfg.nassignments = 2;
	cfg.audit.forward.ca = pbad;
	assert_int_equal(daemon_check_policies(&d, msg, sizeof(msg)), -ENOKEY);
	assert_non_null(strstr(msg, "audit.forward.ca: the CA file "));
	assert_non_null(strstr(msg, "no PEM certificate could be read from it"));
	cfg.audit.forward.ca = "/nonexistent/ca.pem";
	assert_int_equal(daemon_check_policies(&d, msg, sizeof(msg)), -ENOENT);
	assert_string_equal(
		msg, "audit.forward.ca: the CA file /nonexistent/ca.pem: No such file or directory");
	cfg.audit.forward.ca = NULL;
	/* Policies bound by name (a selector's, the default) are compiled too, from policies_dir. */
	cfg.containers.policies_dir = dir;
	cfg.containers.selectors = &sel;
	cfg.containers.nselectors = 1;
	sel.policy = "a";
	assert_int_equal(daemon_check_policies(&d, msg, sizeof(msg)), 0);
	sel.policy = "bad";
	assert_int_equal(daemon_check_policies(&d, msg, sizeof(msg)), -EINVAL);
	assert_non_null(strstr(msg, "container selector on line 20: "));
	assert_non_null(strstr(msg, "bad.yaml"));
	sel.policy = "b";
	cfg.containers.default_policy = "missing";
	assert_int_equal(daemon_check_policies(&d, msg, sizeof(msg)), -ENOENT);
	assert_non_null(strstr(msg, "containers.default_policy: "));
	cfg.containers.default_policy = "a";
	assert_int_equal(daemon_check_policies(&d, msg, sizeof(msg)), 0);
	daemon_models_free(&d);
	assert_int_equal(unlink(pa) | unlink(pb) | unlink(pbad) | rmdir(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find_by_sha),
		cmocka_unit_test(test_prune_keeps_assigned_and_recent),
		cmocka_unit_test(test_sha_hex),
		cmocka_unit_test(test_check_policies_keeps_images),
	};

	return cmocka_run_group_tests_name("daemon_models", tests, NULL, NULL);
}
