// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Loading policies: both seed formats, every field, includes, cycles and the hash. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "file_test.h"
#include <openssl/evp.h>
#include "policy/policy.h"
#include "compile/compile.h"

static char dir[] = "/tmp/agentgate-policy-XXXXXX";

static void put(const char *name, const char *text)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	put_file(path, text);
}

static struct ag_policy *load_ok(const char *path)
{
	struct ag_policy *p = NULL;
	struct ag_error err;

	if (policy_load(path, &p, &err))
		fail_msg("%s: %s", path, err.msg);
	return p;
}

static void test_seed_openai(void **state)
{
	struct ag_policy *p = load_ok("policies/openai-agent-sandbox.yaml");

	assert_string_equal(p->name, "openai-agent-sandbox");
	assert_int_equal(p->default_allow, 0);
	assert_int_equal(p->mode, AG_MODE_ENFORCE);
	assert_int_equal(p->nrules, 13);
	assert_int_equal(p->rules[0].action, AG_ACTION_FILE_READ);
	assert_string_equal(p->rules[0].pattern, "/opt/agent/input/**");
	assert_int_equal(p->rules[0].allow, 1);
	assert_null(p->rules[0].reason);
	assert_int_equal(p->rules[4].action, AG_ACTION_FILE_WRITE);
	assert_int_equal(p->rules[4].allow, 0);
	assert_string_equal(p->rules[7].pattern, "sudo*");
	assert_int_equal(p->rules[12].action, AG_ACTION_NETWORK);
	assert_string_equal(p->rules[12].pattern, "*");
	assert_null(p->rules[12].cidr);
	assert_null(p->rules[12].ports);
	assert_string_equal(p->rules[0].loc.file, "policies/openai-agent-sandbox.yaml");
	assert_int_equal(p->rules[0].loc.line, 7);
	assert_int_equal(p->rules[0].loc.col, 7);
	policy_free(p);
}

static void test_seed_docker(void **state)
{
	struct ag_policy *p = load_ok("policies/docker-sandbox.yaml");

	assert_string_equal(p->name, "docker-sandbox");
	assert_int_equal(p->default_allow, 0);
	assert_int_equal(p->nrules, 11);
	assert_string_equal(p->rules[0].reason, "Read input data within sandbox");
	assert_string_equal(p->rules[6].pattern, "rm *");
	assert_string_equal(p->rules[6].reason, "No deletion even within sandbox");
	assert_string_equal(p->rules[10].reason, "Block all other outbound");
	policy_free(p);
}

static void test_fields(void **state)
{
	static const char y[] =
		"name: fields\nmode: Simulate\ndefault: Allow\n"
		"search_path: [/opt/bin, /usr/bin]\n"
		"rules:\n"
		"  - {action: file_write, path: /a, decision: DENY}\n"
		"  - {action: network, cidr: 10.0.0.0/8, ports: [22, \"8000-8080\"], decision: allow}\n"
		"  - {action: network, domain: x.org, port: 443, decision: deny, reason: r}\n"
		"  - {action: network, cidr: \"::1\", decision: aLLoW}\n";
	struct ag_policy *p;
	struct ag_error err;

	assert_int_equal(policy_load_mem("f.yaml", y, strlen(y), NULL, &p, &err), 0);
	assert_string_equal(p->name, "fields");
	assert_int_equal(p->mode, AG_MODE_SIMULATE);
	assert_int_equal(p->default_allow, 1);
	assert_int_equal(p->nsearch, 2);
	assert_string_equal(p->search_path[0], "/opt/bin");
	assert_int_equal(p->rules[0].allow, 0);
	assert_int_equal(p->rules[1].nports, 2);
	assert_int_equal(p->rules[1].ports[0].lo, 22);
	assert_int_equal(p->rules[1].ports[0].hi, 22);
	assert_int_equal(p->rules[1].ports[1].lo, 8000);
	assert_int_equal(p->rules[1].ports[1].hi, 8080);
	assert_string_equal(p->rules[1].cidr, "10.0.0.0/8");
	assert_null(p->rules[1].pattern);
	assert_int_equal(p->rules[2].nports, 1);
	assert_int_equal(p->rules[2].ports[0].lo, 443);
	assert_string_equal(p->rules[2].reason, "r");
	assert_int_equal(p->rules[3].allow, 1);
	assert_int_equal(p->rules[3].loc.line, 9);
	assert_int_equal(p->rules[3].loc.col, 5);
	policy_free(p);
}

static void test_default_deny_when_absent(void **state)
{
	static const char y[] = "rules: []\n";
	struct ag_policy *p;
	struct ag_error err;

	assert_int_equal(policy_load_mem("dir/name.v2.yaml", y, strlen(y), NULL, &p, &err), 0);
	assert_int_equal(p->default_allow, 0);
	assert_int_equal(p->mode, AG_MODE_ENFORCE);
	assert_string_equal(p->name, "name");
	assert_int_equal(p->nrules, 0);
	assert_int_equal(p->dns_grace_s, AG_DNS_GRACE_DEFAULT);
	policy_free(p);
}

/* dns_grace reaches the compiled image, where the DNS proxy reads it. */
static void test_dns_grace(void **state)
{
	static const char y[] = "dns_grace: 5\nrules: []\n", z[] = "dns_grace: 0\nrules: []\n";
	struct ag_policy *p;
	struct ag_error err;

	(void)state;
	assert_int_equal(policy_load_mem("g.yaml", y, strlen(y), NULL, &p, &err), 0);
	assert_int_equal(p->dns_grace_s, 5);
	policy_free(p);
	assert_int_equal(policy_load_mem("g.yaml", z, strlen(z), NULL, &p, &err), 0);
	assert_int_equal(p->dns_grace_s, 0);
	policy_free(p);
}

/* dns_quota: 512 unless said, and it reaches the compiled image's header. */
static void test_dns_quota(void **state)
{
	static const char y[] = "dns_quota: 7\nrules: []\n", z[] = "rules: []\n";
	const struct ag_image_hdr *h;
	struct ag_image img;
	struct ag_policy *p;
	struct ag_error err;

	(void)state;
	assert_int_equal(policy_load_mem("q.yaml", y, strlen(y), NULL, &p, &err), 0);
	assert_int_equal(p->dns_quota, 7);
	assert_int_equal(compile_policy(p, NULL, &img, NULL, &err), 0);
	h = (const struct ag_image_hdr *)img.data;
	assert_int_equal(h->dns_quota, 7);
	image_free(&img);
	policy_free(p);
	assert_int_equal(policy_load_mem("q.yaml", z, strlen(z), NULL, &p, &err), 0);
	assert_int_equal(p->dns_quota, AG_DNS_QUOTA_DEFAULT);
	assert_int_equal(compile_policy(p, NULL, &img, NULL, &err), 0);
	assert_int_equal(((const struct ag_image_hdr *)img.data)->dns_quota, AG_DNS_QUOTA_DEFAULT);
	image_free(&img);
	policy_free(p);
}

static void rule_is(const struct ag_rule *r, const char *pattern, const char *file, int line)
{
	char want[256];

	assert_string_equal(r->pattern, pattern);
	snprintf(want, sizeof(want), "%s/%s", dir, file);
	assert_string_equal(r->loc.file, want);
	assert_int_equal(r->loc.line, line);
}

/* Included rules go first, in include order, nested includes before the includer's own
 * rules, and a fragment reached twice counts once. */
static void test_includes(void **state)
{
	char path[256];
	struct ag_policy *p;

	put("include/a.yaml",
	    "include: [b]\nrules:\n  - {action: file_read, path: /a, decision: allow}\n");
	put("include/b.yaml", "rules:\n  - {action: file_read, path: /b, decision: allow}\n");
	put("extra.yaml",
	    "include: [b]\nrules:\n  - {action: file_read, path: /x, decision: deny}\n");
	put("top.yaml", "include: [a, ./extra.yaml, b]\nrules:\n"
			"  - {action: file_read, path: /top, decision: allow}\n");
	snprintf(path, sizeof(path), "%s/top.yaml", dir);
	p = load_ok(path);
	assert_int_equal(p->nrules, 4);
	rule_is(&p->rules[0], "/b", "include/b.yaml", 2);
	rule_is(&p->rules[1], "/a", "include/a.yaml", 3);
	rule_is(&p->rules[2], "/x", "extra.yaml", 3);
	rule_is(&p->rules[3], "/top", "top.yaml", 3);
	assert_int_equal(p->nfiles, 4);
	policy_free(p);
}

static void test_include_cycle(void **state)
{
	char path[256], want[512];
	struct ag_policy *p;
	struct ag_error err;

	put("include/c1.yaml", "include: [c2]\nrules: []\n");
	put("include/c2.yaml", "rules: []\ninclude:\n  - c1\n");
	put("cyc.yaml", "include: [c1]\n");
	snprintf(path, sizeof(path), "%s/cyc.yaml", dir);
	assert_int_not_equal(policy_load(path, &p, &err), 0);
	snprintf(want, sizeof(want),
		 "%s/include/c2.yaml:3:5: expected includes without a cycle: %s/include/c1.yaml -> "
		 "%s/include/c2.yaml -> %s/include/c1.yaml",
		 dir, dir, dir, dir);
	assert_string_equal(err.msg, want);

	put("self.yaml", "include: [./self.yaml]\n");
	snprintf(path, sizeof(path), "%s/self.yaml", dir);
	assert_int_not_equal(policy_load(path, &p, &err), 0);
	assert_non_null(strstr(err.msg, "self.yaml:1:11: expected includes without a cycle"));
}

/* A FIFO is refused at once, not waited on (the daemon reads assigned policies in its loop). */
static void test_fifo_refused(void **state)
{
	char path[256], fifo[256];
	struct ag_policy *p;
	struct ag_error err;

	snprintf(fifo, sizeof(fifo), "%s/fifo.yaml", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(policy_load(fifo, &p, &err), -EINVAL);
	assert_null(p);
	assert_non_null(strstr(err.msg, "fifo.yaml: expected a policy in a regular file"));
	put("with-fifo.yaml", "rules: []\ninclude: [./fifo.yaml]\n");
	snprintf(path, sizeof(path), "%s/with-fifo.yaml", dir);
	assert_int_not_equal(policy_load(path, &p, &err), 0);
	assert_non_null(strstr(err.msg, "with-fifo.yaml:2:11: expected a regular file to include"));
	unlink(fifo);
}

static void test_fragment_keys(void **state)
{
	char path[256], want[512];
	struct ag_policy *p;
	struct ag_error err;

	put("include/frag.yaml", "default: allow\nrules: []\n");
	put("usesfrag.yaml", "include: [frag]\n");
	snprintf(path, sizeof(path), "%s/usesfrag.yaml", dir);
	assert_int_not_equal(policy_load(path, &p, &err), 0);
	snprintf(
		want, sizeof(want),
		"%s/include/frag.yaml:1:1: expected a key of an included file (include, rules), found 'default'",
		dir);
	assert_string_equal(err.msg, want);
}

static void sha_of(const char *const *texts, size_t n, uint8_t out[32])
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	unsigned int len;
	size_t i;

	assert_non_null(c);
	assert_true(EVP_DigestInit_ex(c, EVP_sha256(), NULL));
	for (i = 0; i < n; i++) {
		size_t n_i = strlen(texts[i]);
		uint8_t frame[8];

		for (int b = 0; b < 8; b++)
			frame[b] = (uint8_t)((uint64_t)n_i >> (56 - 8 * b));
		assert_true(EVP_DigestUpdate(c, frame, sizeof(frame)));
		assert_true(EVP_DigestUpdate(c, texts[i], n_i));
	}
	assert_true(EVP_DigestFinal_ex(c, out, &len));
	EVP_MD_CTX_free(c);
}

/*
 * The hash covers every file read, in load order, each framed by its length:
 * changing a fragment changes it, and so does moving bytes across a file's end.
 */
static void test_sha(void **state)
{
	const char *texts[3] = {
		"include: [s1, s2]\n",
		"rules:\n  - {action: file_read, path: /s1, decision: allow}\n",
		"rules:\n  - {action: file_read, path: /s2, decision: allow}\n",
	};
	uint8_t want[32], before[32];
	char path[256];
	struct ag_policy *p;

	put("sha.yaml", texts[0]);
	put("include/s1.yaml", texts[1]);
	put("include/s2.yaml", texts[2]);
	snprintf(path, sizeof(path), "%s/sha.yaml", dir);
	p = load_ok(path);
	sha_of(texts, 3, want);
	assert_memory_equal(p->sha256, want, 32);
	memcpy(before, p->sha256, 32);
	policy_free(p);

	texts[2] = "rules:\n  - {action: file_read, path: /s3, decision: allow}\n";
	put("include/s2.yaml", texts[2]);
	p = load_ok(path);
	sha_of(texts, 3, want);
	assert_memory_equal(p->sha256, want, 32);
	assert_memory_not_equal(p->sha256, before, 32);
	policy_free(p);

	/* The same bytes in all, split differently between the file and its include. */
	put("split.yaml", "include: [c1]\n#\n");
	put("include/c1.yaml", "rules: []\n");
	snprintf(path, sizeof(path), "%s/split.yaml", dir);
	p = load_ok(path);
	memcpy(before, p->sha256, 32);
	policy_free(p);
	put("split.yaml", "include: [c1]\n");
	put("include/c1.yaml", "#\nrules: []\n");
	p = load_ok(path);
	assert_memory_not_equal(p->sha256, before, 32);
	policy_free(p);
}

static void test_shipped_includes(void **state)
{
	static const char y[] = "include: [python3, node, ld-so]\n";
	struct ag_policy *p;
	struct ag_error err;
	size_t i, ldso = 0;

	if (policy_load_mem("policies/test.yaml", y, strlen(y), NULL, &p, &err))
		fail_msg("%s", err.msg);
	/* ld-so comes in through python3 first and is not repeated by node or the list. */
	assert_string_equal(p->rules[0].pattern, "/etc/ld.so.cache");
	for (i = 0; i < p->nrules; i++) {
		/* Reads only, but /dev/null, which node's child_process opens for writing too. */
		if (strcmp(p->rules[i].pattern, "/dev/null"))
			assert_int_equal(p->rules[i].action, AG_ACTION_FILE_READ);
		assert_int_equal(p->rules[i].allow, 1);
		ldso += !strcmp(p->rules[i].pattern, "/etc/ld.so.cache");
	}
	assert_int_equal(ldso, 1);
	assert_int_equal(p->nfiles, 4);
	policy_free(p);
}

static int setup(void **state)
{
	char sub[256];

	if (!mkdtemp(dir))
		return -1;
	snprintf(sub, sizeof(sub), "%s/include", dir);
	return mkdir(sub, 0700);
}

static int teardown(void **state)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) ? -1 : 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seed_openai),
		cmocka_unit_test(test_seed_docker),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_default_deny_when_absent),
		cmocka_unit_test(test_includes),
		cmocka_unit_test(test_include_cycle),
		cmocka_unit_test(test_fifo_refused),
		cmocka_unit_test(test_fragment_keys),
		cmocka_unit_test(test_sha),
		cmocka_unit_test(test_dns_grace),
		cmocka_unit_test(test_dns_quota),
		cmocka_unit_test(test_shipped_includes),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
