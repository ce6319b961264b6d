// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Live stream: fast and slow subscribers; the writer never blocks and nothing goes uncounted. */
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include "audit_test.h"

/* Reads what is there (non-blocking); counts lines and the missed counts announced. */
static void drain_sub(int fd, char *buf, size_t *len, unsigned long *lines, unsigned long *missed)
{
	ssize_t n;
	char *nl;

	while ((n = recv(fd, buf + *len, 65536 - *len, MSG_DONTWAIT)) > 0) {
		size_t start = 0;
		unsigned long m;

		*len += (size_t)n;
		while ((nl = memchr(buf + start, '\n', *len - start))) {
			if (sscanf(buf + start, "{\"type\":\"missed\",\"count\":%lu}", &m) == 1)
				*missed += m;
			else
				(*lines)++;
			start = (size_t)(nl - buf) + 1;
		}
		memmove(buf, buf + start, *len - start);
		*len -= start;
	}
}

static void test_slow_subscriber(void **state)
{
	struct tdir d;
	char sock[128], line[200], buf[65536];
	struct audit_stream *s;
	int err, fast, slow, rcv = 4096, i;
	const int total = 20000;
	unsigned long fl = 0, fm = 0, sl = 0, sm = 0;
	size_t flen = 0, slen = 0;

	tdir_make(&d);
	snprintf(sock, sizeof(sock), "%s/stream.sock", d.root);
	s = audit_stream_open(sock, 16384, &err);
	assert_non_null(s);
	fast = audit_stream_subscribe(sock);
	slow = audit_stream_subscribe(sock);
	assert_true(fast >= 0 && slow >= 0);
	setsockopt(slow, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	assert_int_equal(audit_stream_handle(s), 0);
	assert_int_equal(audit_stream_subscribers(s), 2);
	for (i = 0; i < total; i++) {
		int n = snprintf(line, sizeof(line),
				 "{\"seq\":%d,\"type\":\"decision\",\"pad\":\"%080d\"}\n", i, 0);

		audit_stream_publish(s, line, (size_t)n);
		/* The fast one keeps up; the slow one never reads until the end. */
		audit_stream_handle(s);
		drain_sub(fast, buf, &flen, &fl, &fm);
	}
	/* One more line after the slow reader drains: it carries the missed count. */
	for (i = 0; i < 1000 && sl + sm < (unsigned long)total + 1; i++) {
		static char slow_buf[65536];

		drain_sub(slow, slow_buf, &slen, &sl, &sm);
		if (i == 10)
			audit_stream_publish(s, "{\"seq\":-1}\n", 11);
		audit_stream_handle(s);
		drain_sub(fast, buf, &flen, &fl, &fm);
		usleep(1000);
	}
	assert_int_equal(fl + fm, total + 1);
	assert_true(sm > 0);
	assert_int_equal(sl + sm, total + 1);
	/* A subscriber that goes away is dropped. */
	close(slow);
	for (i = 0; i < 100 && audit_stream_subscribers(s) != 1; i++) {
		usleep(1000);
		audit_stream_handle(s);
	}
	assert_int_equal(audit_stream_subscribers(s), 1);
	close(fast);
	audit_stream_close(s);
	assert_int_equal(access(sock, F_OK), -1);
	tdir_remove(&d);
}

static void test_writer_publishes(void **state)
{
	struct tdir d;
	struct audit_config c;
	struct audit_writer *w;
	struct audit_stream *s;
	char sock[128], buf[65536];
	unsigned long lines = 0, missed = 0;
	size_t len = 0;
	int err, fd, i;

	tdir_make(&d);
	c = tcfg(&d);
	snprintf(sock, sizeof(sock), "%s/stream.sock", d.root);
	s = audit_stream_open(sock, 0, &err);
	assert_non_null(s);
	fd = audit_stream_subscribe(sock);
	assert_true(fd >= 0);
	w = audit_writer_open(&c, &err);
	assert_non_null(w);
	audit_writer_set_stream(w, s);
	assert_int_equal(audit_stream_handle(s), 0);
	append_n(w, 10);
	assert_int_equal(audit_writer_close(w), 0); /* + shutdown seal */
	for (i = 0; i < 100 && lines < 11; i++) {
		audit_stream_handle(s);
		drain_sub(fd, buf, &len, &lines, &missed);
		usleep(1000);
	}
	assert_int_equal(lines, 11);
	assert_int_equal(missed, 0);
	close(fd);
	audit_stream_close(s);
	tdir_remove(&d);
}

/* What is at the path decides the error: nothing, or a file that is no socket (a log). */
static void test_subscribe_not_a_socket(void **state)
{
	struct audit_config c;
	struct tdir d;

	tdir_make(&d);
	c = tcfg(&d);
	write_log(&c, 1);
	assert_int_equal(audit_stream_subscribe(d.log), -ENOTSOCK);
	assert_int_equal(audit_stream_subscribe(d.root), -ENOTSOCK);
	unlink(d.log);
	assert_int_equal(audit_stream_subscribe(d.log), -ENOENT);
	tdir_remove(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slow_subscriber),
		cmocka_unit_test(test_writer_publishes),
		cmocka_unit_test(test_subscribe_not_a_socket),
	};

	/* A publish that waited for the slow reader would hang: then this fails. */
	alarm(60);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
