// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * A policy's share of the learned addresses (dns/dns_quota.c) against a model
 * of ag_learned: the loader's calls are wrapped (Makefile), the table is an
 * array of (cgroup, address, expiry) with a capacity.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "dns/dns_quota.h"
#include "loader/loader.h"

#define CAP 16

static struct {
	uint64_t cg;
	uint8_t addr[16];
	uint64_t exp;
} table[CAP];
static size_t used;
static int sweeps;

static int find(uint64_t cg, const uint8_t addr[16])
{
	size_t i;

	for (i = 0; i < used; i++)
		if (table[i].cg == cg && !memcmp(table[i].addr, addr, 16))
			return (int)i;
	return -1;
}

static void del(size_t i)
{
	table[i] = table[--used];
}

int __wrap_loader_learn(struct loader *l, uint64_t cg, const uint8_t addr[16], const char *name,
			size_t name_len, uint64_t expires_ns)
{
	int i = find(cg, addr);

	(void)l;
	(void)name;
	(void)name_len;
	if (i < 0) {
		if (used == CAP)
			return -ENOSPC;
		i = (int)used++;
		table[i].cg = cg;
		memcpy(table[i].addr, addr, 16);
	}
	table[i].exp = expires_ns;
	return 0;
}

int __wrap_loader_unlearn(struct loader *l, uint64_t cg, const uint8_t addr[16])
{
	int i = find(cg, addr);

	(void)l;
	if (i < 0)
		return -ENOENT;
	del((size_t)i);
	return 0;
}

int __wrap_loader_learned(struct loader *l, uint64_t cg, loader_learned_fn fn, void *ctx)
{
	size_t i;
	int n = 0;

	(void)l;
	for (i = 0; i < used; i++)
		if (table[i].cg == cg) {
			fn(ctx, table[i].addr, table[i].exp);
			n++;
		}
	return n;
}

int __wrap_loader_learned_sweep(struct loader *l, uint64_t now)
{
	size_t i;
	int n = 0;

	(void)l;
	sweeps++;
	for (i = 0; i < used;)
		if (table[i].exp <= now) {
			del(i);
			n++;
		} else {
			i++;
		}
	return n;
}

static void a(uint8_t out[16], unsigned int n)
{
	memset(out, 0, 16);
	out[14] = (uint8_t)(n >> 8);
	out[15] = (uint8_t)n;
}

static int held(uint64_t cg)
{
	size_t i;
	int n = 0;

	for (i = 0; i < used; i++)
		n += table[i].cg == cg;
	return n;
}

static int setup(void **state)
{
	(void)state;
	used = 0;
	sweeps = 0;
	return 0;
}

static int learn(struct dns_quota *q, uint64_t cg, unsigned int quota, uint64_t now,
		 unsigned int n, uint64_t exp)
{
	uint8_t x[16];

	a(x, n);
	return dns_quota_learn(q, NULL, cg, quota, now, x, "n", 1, exp);
}

/* Past its quota a policy forgets its own address nearest to expiry, never another's. */
static void test_own_oldest_goes(void **state)
{
	struct dns_quota q1 = { 0 }, q2 = { 0 };
	uint8_t x[16];
	unsigned int i;

	(void)state;
	assert_int_equal(learn(&q2, 2, 4, 0, 1000, 500), 0);
	for (i = 1; i <= 100; i++)
		assert_int_equal(learn(&q1, 1, 4, i, i, 100 + i), 0);
	assert_int_equal(held(1), 4);
	assert_int_equal(held(2), 1);
	for (i = 97; i <= 100; i++) {
		a(x, i);
		assert_true(find(1, x) >= 0);
	}
	assert_int_equal(q1.evicted, 96);
	dns_quota_free(&q1);
	dns_quota_free(&q2);
}

/* An address learned again is refreshed, not counted twice; expired ones go first. */
static void test_refresh_and_expiry(void **state)
{
	struct dns_quota q = { 0 };
	uint8_t x[16];

	(void)state;
	assert_int_equal(learn(&q, 1, 2, 0, 1, 10), 0);
	assert_int_equal(learn(&q, 1, 2, 0, 2, 50), 0);
	assert_int_equal(learn(&q, 1, 2, 5, 1, 60), 0); /* 1 refreshed: 2 is now the soonest */
	assert_int_equal(held(1), 2);
	assert_int_equal(learn(&q, 1, 2, 6, 3, 70), 0);
	a(x, 2);
	assert_int_equal(find(1, x), -1);
	a(x, 1);
	assert_true(find(1, x) >= 0);
	assert_int_equal(q.evicted, 1);
	/* At 65 address 1 expired: it goes, nothing live is evicted. */
	assert_int_equal(learn(&q, 1, 2, 65, 4, 90), 0);
	assert_int_equal(find(1, x), -1);
	assert_int_equal(q.evicted, 1);
	dns_quota_free(&q);
}

/* A full shared table: expired addresses of any policy make room, else -ENOSPC. */
static void test_shared_table_full(void **state)
{
	struct dns_quota q1 = { 0 }, q2 = { 0 };
	unsigned int i;

	(void)state;
	for (i = 0; i < CAP - 2; i++)
		assert_int_equal(learn(&q1, 1, CAP, 0, i, i < 3 ? 5 : 100), 0);
	assert_int_equal(learn(&q2, 2, CAP, 0, 500, 100), 0);
	assert_int_equal(learn(&q2, 2, CAP, 0, 501, 100), 0);
	assert_int_equal(learn(&q2, 2, CAP, 1, 502, 100), -ENOSPC);
	assert_int_equal(sweeps, 1);
	assert_int_equal(learn(&q2, 2, CAP, 10, 503, 100), 0); /* policy 1's three expired */
	assert_int_equal(held(2), 3);
	assert_int_equal(held(1), CAP - 5);
	dns_quota_free(&q1);
	dns_quota_free(&q2);
}

/* A proxy started again takes over what its policy learned before. */
static void test_seed(void **state)
{
	struct dns_quota q = { 0 }, r = { 0 };
	unsigned int i;

	(void)state;
	for (i = 0; i < 5; i++)
		assert_int_equal(learn(&q, 1, 8, 0, i, 10 + i), 0);
	dns_quota_free(&q);
	assert_int_equal(dns_quota_seed(&r, NULL, 1), 0);
	assert_int_equal(r.n, 5);
	for (i = 5; i < 10; i++)
		assert_int_equal(learn(&r, 1, 5, 0, i, 20 + i), 0);
	assert_int_equal(held(1), 5);
	assert_int_equal(r.evicted, 5);
	dns_quota_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_own_oldest_goes, setup),
		cmocka_unit_test_setup(test_refresh_and_expiry, setup),
		cmocka_unit_test_setup(test_shared_table_full, setup),
		cmocka_unit_test_setup(test_seed, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
