// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The DNS loop and forwarding: one shared thread, timers, fake upstreams on loopback. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <cmocka.h>
#include "dns/dns_forward.h"
#include "dns/dns_loop.h"

/* What the loop thread reports back: a byte on done[1] per outcome. */
struct outcome {
	struct dns_loop *l;
	int done[2];
	int len;
	uint8_t reply[512];
	/* What a call in the loop starts: */
	struct sockaddr_storage up[3];
	int nup, tcp;
	uint8_t msg[64];
	size_t msglen;
	struct dns_fwd *fwd;
	struct dns_timer timers[2];
	int fired[2], nfired;
};

static int threads(void)
{
	char line[256];
	FILE *f = fopen("/proc/self/status", "re");
	int n = -1;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Threads: %d", &n) == 1)
			break;
	fclose(f);
	return n;
}

/*
 * threads() once it is want, or after 2 s: a joined thread is counted until
 * its exit is released, a moment after pthread_join() returns.
 */
static int threads_settled(int want)
{
	int i, n = threads();

	for (i = 0; i < 200 && n != want; i++) {
		usleep(10000);
		n = threads();
	}
	return n;
}

static void setup_outcome(struct outcome *o)
{
	memset(o, 0, sizeof(*o));
	assert_int_equal(pipe(o->done), 0);
	assert_int_equal(dns_loop_get(&o->l), 0);
	/* A query as far as forwarding cares: an id, then anything. */
	o->msglen = 20;
	memset(o->msg, 0x5a, o->msglen);
	o->msg[0] = 0x12;
	o->msg[1] = 0x34;
}

static void teardown_outcome(struct outcome *o)
{
	dns_loop_put(o->l);
	close(o->done[0]);
	close(o->done[1]);
}

/* 1 when the loop reported within ms. */
static int reported(struct outcome *o, int ms)
{
	struct pollfd pfd = { .fd = o->done[0], .events = POLLIN };
	char c;

	if (poll(&pfd, 1, ms) != 1)
		return 0;
	assert_int_equal(read(o->done[0], &c, 1), 1);
	return 1;
}

/* In the loop thread: no assertions there (they would jump across threads). */
static void report(struct outcome *o)
{
	if (write(o->done[1], "x", 1) != 1)
		abort();
}

static void fwd_done(void *ctx, const uint8_t *reply, int len)
{
	struct outcome *o = ctx;

	o->len = len;
	if (len > 0 && (size_t)len <= sizeof(o->reply))
		memcpy(o->reply, reply, (size_t)len);
	report(o);
}

static int start_fwd(void *arg)
{
	struct outcome *o = arg;

	return dns_fwd_start(o->l, o->up, o->nup, o->tcp, o->msg, o->msglen, fwd_done, o, &o->fwd);
}

static int cancel_fwd(void *arg)
{
	struct outcome *o = arg;

	dns_fwd_cancel(o->fwd);
	return 0;
}

/* A socket on 127.0.0.1 (free port), its address in *a. */
static int local_socket(int type, struct sockaddr_storage *a)
{
	struct sockaddr_in *s4 = (void *)a;
	socklen_t len = sizeof(*s4);
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	memset(a, 0, sizeof(*a));
	s4->sin_family = AF_INET;
	s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)s4, len), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)s4, &len), 0);
	if (type == SOCK_STREAM)
		assert_int_equal(listen(fd, 4), 0);
	return fd;
}

static void test_one_thread_shared(void **state)
{
	struct dns_loop *a, *b;
	int before = threads();

	assert_int_equal(dns_loop_get(&a), 0);
	assert_int_equal(dns_loop_get(&b), 0);
	assert_ptr_equal(a, b);
	assert_int_equal(threads(), before + 1);
	dns_loop_put(b);
	assert_int_equal(threads(), before + 1);
	dns_loop_put(a);
	assert_int_equal(threads_settled(before), before); /* the last put joins the thread */
	assert_int_equal(dns_loop_get(&a), 0); /* and a later get starts another */
	assert_int_equal(threads(), before + 1);
	dns_loop_put(a);
}

static struct outcome *timer_owner;

static void on_timer(struct dns_timer *t)
{
	struct outcome *o = timer_owner;

	o->fired[o->nfired++] = (int)(t - o->timers);
	report(o);
}

static int arm_timers(void *arg)
{
	struct outcome *o = arg;

	o->timers[0].fn = o->timers[1].fn = on_timer;
	dns_timer_arm(o->l, &o->timers[0], 1000);
	dns_timer_arm(o->l, &o->timers[1], 50);
	return 0;
}

static int rearm_first(void *arg)
{
	struct outcome *o = arg;

	dns_timer_arm(o->l, &o->timers[0], 1500); /* later than its first deadline */
	return 0;
}

static void test_timers(void **state)
{
	struct outcome o;

	setup_outcome(&o);
	timer_owner = &o;
	assert_int_equal(dns_loop_call(o.l, arm_timers, &o), 0);
	assert_true(reported(&o, 1000));
	assert_int_equal(o.fired[0], 1); /* the shorter one first, though armed second */
	assert_int_equal(dns_loop_call(o.l, rearm_first, &o), 0);
	/* Past the first deadline (with room for a slow machine), not fired: re-armed. */
	assert_false(reported(&o, 1200));
	assert_true(reported(&o, 2000));
	assert_int_equal(o.nfired, 2);
	assert_int_equal(o.fired[1], 0);
	assert_false(reported(&o, 300)); /* each fires once */
	teardown_outcome(&o);
}

/* A datagram with another id is skipped; the reply with the query's id is passed on. */
static void test_udp_matches_id(void **state)
{
	struct sockaddr_storage from;
	socklen_t flen = sizeof(from);
	uint8_t buf[512], stray[12] = { 0x99, 0x99, 0x80 }, good[14] = { 0x12, 0x34, 0x80 };
	struct outcome o;
	int up;

	setup_outcome(&o);
	up = local_socket(SOCK_DGRAM, &o.up[0]);
	o.nup = 1;
	assert_int_equal(dns_loop_call(o.l, start_fwd, &o), 0);
	assert_int_equal(recvfrom(up, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen),
			 (ssize_t)o.msglen);
	assert_memory_equal(buf, o.msg, o.msglen);
	sendto(up, stray, sizeof(stray), 0, (struct sockaddr *)&from, flen);
	assert_false(reported(&o, 100));
	good[13] = 7;
	sendto(up, good, sizeof(good), 0, (struct sockaddr *)&from, flen);
	assert_true(reported(&o, 2000));
	assert_int_equal(o.len, sizeof(good));
	assert_memory_equal(o.reply, good, sizeof(good));
	close(up);
	teardown_outcome(&o);
}

/* Nothing listens at the first upstream (ICMP: refused), the second answers. */
static void test_udp_next_upstream(void **state)
{
	struct sockaddr_storage from;
	socklen_t flen = sizeof(from);
	uint8_t buf[512];
	struct outcome o;
	int up;

	setup_outcome(&o);
	close(local_socket(SOCK_DGRAM, &o.up[0]));
	up = local_socket(SOCK_DGRAM, &o.up[1]);
	o.nup = 2;
	assert_int_equal(dns_loop_call(o.l, start_fwd, &o), 0);
	assert_int_equal(recvfrom(up, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen),
			 (ssize_t)o.msglen);
	buf[2] = 0x80;
	sendto(up, buf, o.msglen, 0, (struct sockaddr *)&from, flen);
	assert_true(reported(&o, 1000));
	assert_int_equal(o.len, (int)o.msglen);
	close(up);
	teardown_outcome(&o);
}

/* A silent upstream: the attempt times out, and with no other upstream the forward fails. */
static void test_udp_timeout(void **state)
{
	struct outcome o;
	int up;

	setup_outcome(&o);
	up = local_socket(SOCK_DGRAM, &o.up[0]);
	o.nup = 1;
	assert_int_equal(dns_loop_call(o.l, start_fwd, &o), 0);
	assert_false(reported(&o, DNS_FWD_ATTEMPT_MS - 300));
	assert_true(reported(&o, 1000));
	assert_int_equal(o.len, -ETIMEDOUT);
	close(up);
	teardown_outcome(&o);
}

/* Over TCP: length-prefixed both ways, the reply arriving in pieces. */
static void test_tcp(void **state)
{
	uint8_t buf[512], reply[] = { 0, 14, 0x12, 0x34, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9 };
	struct outcome o;
	int lfd, fd;

	setup_outcome(&o);
	lfd = local_socket(SOCK_STREAM, &o.up[0]);
	o.nup = 1;
	o.tcp = 1;
	assert_int_equal(dns_loop_call(o.l, start_fwd, &o), 0);
	fd = accept(lfd, NULL, NULL);
	assert_true(fd >= 0);
	assert_int_equal(recv(fd, buf, 2 + o.msglen, MSG_WAITALL), (ssize_t)(2 + o.msglen));
	assert_int_equal(buf[0] << 8 | buf[1], o.msglen);
	assert_memory_equal(buf + 2, o.msg, o.msglen);
	assert_int_equal(write(fd, reply, 1), 1);
	assert_false(reported(&o, 50));
	assert_int_equal(write(fd, reply + 1, 5), 5);
	assert_false(reported(&o, 50));
	assert_int_equal(write(fd, reply + 6, sizeof(reply) - 6), (ssize_t)sizeof(reply) - 6);
	assert_true(reported(&o, 1000));
	assert_int_equal(o.len, 14);
	assert_memory_equal(o.reply, reply + 2, 14);
	close(fd);
	close(lfd);
	teardown_outcome(&o);
}

/* A TCP upstream that closes without answering: the next one (UDP is not tried) answers. */
static void test_tcp_reset_next(void **state)
{
	uint8_t buf[512];
	struct outcome o;
	int l1, l2, fd;

	setup_outcome(&o);
	l1 = local_socket(SOCK_STREAM, &o.up[0]);
	l2 = local_socket(SOCK_STREAM, &o.up[1]);
	o.nup = 2;
	o.tcp = 1;
	assert_int_equal(dns_loop_call(o.l, start_fwd, &o), 0);
	fd = accept(l1, NULL, NULL);
	assert_true(fd >= 0);
	close(fd);
	fd = accept(l2, NULL, NULL);
	assert_true(fd >= 0);
	assert_int_equal(recv(fd, buf, 2 + o.msglen, MSG_WAITALL), (ssize_t)(2 + o.msglen));
	buf[4] = 0x80;
	assert_int_equal(write(fd, buf, 2 + o.msglen), (ssize_t)(2 + o.msglen));
	assert_true(reported(&o, 1000));
	assert_int_equal(o.len, (int)o.msglen);
	close(fd);
	close(l1);
	close(l2);
	teardown_outcome(&o);
}

/* A cancelled forward never reports, even when its answer arrives. */
static void test_cancel(void **state)
{
	struct sockaddr_storage from;
	socklen_t flen = sizeof(from);
	uint8_t buf[512];
	struct outcome o;
	int up;

	setup_outcome(&o);
	up = local_socket(SOCK_DGRAM, &o.up[0]);
	o.nup = 1;
	assert_int_equal(dns_loop_call(o.l, start_fwd, &o), 0);
	assert_int_equal(recvfrom(up, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen),
			 (ssize_t)o.msglen);
	assert_int_equal(dns_loop_call(o.l, cancel_fwd, &o), 0);
	sendto(up, buf, o.msglen, 0, (struct sockaddr *)&from, flen);
	assert_false(reported(&o, DNS_FWD_ATTEMPT_MS + 300));
	close(up);
	teardown_outcome(&o);
}

/* No upstream can be tried: an error at once, and no report later. */
static void test_no_upstream(void **state)
{
	struct outcome o;

	setup_outcome(&o);
	o.up[0].ss_family = AF_UNSPEC;
	o.nup = 1;
	assert_true(dns_loop_call(o.l, start_fwd, &o) < 0);
	o.nup = 0;
	assert_true(dns_loop_call(o.l, start_fwd, &o) < 0);
	assert_false(reported(&o, 100));
	teardown_outcome(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_thread_shared), cmocka_unit_test(test_timers),
		cmocka_unit_test(test_udp_matches_id),	  cmocka_unit_test(test_udp_next_upstream),
		cmocka_unit_test(test_udp_timeout),	  cmocka_unit_test(test_tcp),
		cmocka_unit_test(test_tcp_reset_next),	  cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_no_upstream),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
