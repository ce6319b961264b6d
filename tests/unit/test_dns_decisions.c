// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* A DNS proxy's decision queue: events in order, cut at a time, full queue counted as lost. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#include "dns/dns_decisions.h"

#define POLICY_CG 77

struct seen {
	int n;
	char names[8][16];
	uint64_t last_ts;
	int stop_after; /* fn fails on this call (1-based), 0: never */
};

static int collect(void *ctx, const struct ag_event *ev, size_t size)
{
	struct seen *s = ctx;

	assert_int_equal(size, AG_EVENT_HDR_SIZE + ev->subject_len);
	assert_int_equal(ev->action, AG_CLASS_NET_DOMAIN);
	assert_int_equal(ev->policy_cgroup_id, POLICY_CG);
	assert_true(ev->ts_boot_ns >= s->last_ts);
	s->last_ts = ev->ts_boot_ns;
	if (s->n < 8) {
		memcpy(s->names[s->n], ev->subject, ev->subject_len);
		s->names[s->n][ev->subject_len] = '\0';
	}
	s->n++;
	return s->n == s->stop_after ? -EIO : 0;
}

static void push(struct dns_decisions *d, const char *name, int allow, uint64_t cgroup)
{
	struct dns_query q = { .name_len = strlen(name) };
	struct ag_dns_client who = { .cgroup_id = cgroup, .pid = 42 };
	uint8_t sha[32] = { 1 };

	memcpy(q.name, name, q.name_len);
	assert_int_equal(dns_decisions_push(d, &q, &who, (struct ag_verdict){ 3, (uint8_t)allow },
					    AG_MODE_ENFORCE, sha),
			 0);
}

static uint64_t boot_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int first_event(void *ctx, const struct ag_event *ev, size_t size)
{
	struct ag_event *out = ctx;

	memcpy(out, ev, size);
	return 0;
}

static void test_event_fields(void **state)
{
	struct dns_decisions *d;
	struct ag_event ev;

	assert_int_equal(dns_decisions_new(&d), 0);
	push(d, "a.example", 1, 0);
	assert_int_equal(dns_decisions_drain(d, POLICY_CG, UINT64_MAX, first_event, &ev), 1);
	assert_int_equal(ev.cgroup_id, POLICY_CG); /* the task's cgroup unknown: the policy's */
	assert_int_equal(ev.pid, 42);
	assert_int_equal(ev.rule, 3);
	assert_int_equal(ev.decision, AG_DECISION_ALLOW);
	assert_int_equal(ev.mode, AG_MODE_ENFORCE);
	assert_int_equal(ev.policy_sha256[0], 1);
	push(d, "b.example", 0, 1234);
	assert_int_equal(dns_decisions_drain(d, POLICY_CG, UINT64_MAX, first_event, &ev), 1);
	assert_int_equal(ev.cgroup_id, 1234);
	assert_int_equal(ev.decision, AG_DECISION_DENY);
	dns_decisions_free(d);
}

static void test_order_and_cut(void **state)
{
	struct dns_decisions *d;
	struct seen s = { 0 };
	uint64_t cut;

	assert_int_equal(dns_decisions_new(&d), 0);
	push(d, "one", 1, 0);
	push(d, "two", 0, 0);
	cut = boot_now();
	push(d, "three", 1, 0);
	/* Only those taken at or before cut: the kernel's event of that time comes next. */
	assert_int_equal(dns_decisions_drain(d, POLICY_CG, cut, collect, &s), 2);
	assert_string_equal(s.names[0], "one");
	assert_string_equal(s.names[1], "two");
	assert_int_equal(dns_decisions_drain(d, POLICY_CG, UINT64_MAX, collect, &s), 1);
	assert_string_equal(s.names[2], "three");
	assert_int_equal(dns_decisions_drain(d, POLICY_CG, UINT64_MAX, collect, &s), 0);
	/* fn's error stops the drain; the rest stays queued. */
	push(d, "four", 1, 0);
	push(d, "five", 1, 0);
	s.stop_after = 4;
	assert_int_equal(dns_decisions_drain(d, POLICY_CG, UINT64_MAX, collect, &s), -EIO);
	assert_int_equal(dns_decisions_drain(d, POLICY_CG, UINT64_MAX, collect, &s), 1);
	assert_string_equal(s.names[4], "five");
	dns_decisions_free(d);
}

static void test_full_counts_lost(void **state)
{
	struct dns_query q = { .name = "x", .name_len = 1 };
	struct ag_dns_client who = { 0 };
	struct dns_decisions *d;
	struct seen s = { 0 };
	uint8_t sha[32] = { 0 };
	int i;

	assert_int_equal(dns_decisions_new(&d), 0);
	for (i = 0; i < DNS_DECISIONS_MAX; i++)
		assert_int_equal(
			dns_decisions_push(d, &q, &who, (struct ag_verdict){ 0, 1 }, 0, sha), 0);
	assert_int_equal(dns_decisions_push(d, &q, &who, (struct ag_verdict){ 0, 1 }, 0, sha),
			 -ENOSPC);
	assert_int_equal(dns_decisions_push(d, &q, &who, (struct ag_verdict){ 0, 1 }, 0, sha),
			 -ENOSPC);
	assert_int_equal(dns_decisions_take_lost(d), 2);
	assert_int_equal(dns_decisions_take_lost(d), 0);
	assert_int_equal(dns_decisions_drain(d, POLICY_CG, UINT64_MAX, collect, &s),
			 DNS_DECISIONS_MAX);
	dns_decisions_busy(d);
	dns_decisions_busy(d);
	assert_int_equal(dns_decisions_take_busy(d), 2);
	assert_int_equal(dns_decisions_take_busy(d), 0);
	dns_decisions_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_event_fields),
		cmocka_unit_test(test_order_and_cut),
		cmocka_unit_test(test_full_counts_lost),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
