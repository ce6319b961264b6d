// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The writer's bytes, pinned: with the clocks and the random source made
 * deterministic (linked with --wrap, see the Makefile), the logs of a fixed
 * sequence of appends must hash to the SHA-256 recorded here, whatever path
 * the bytes took (buffer sizes, the I/O thread, fsync timing). The pins were
 * taken from the writer before its I/O was moved off the appending thread;
 * a change of the canonical form or of any record's fields changes them on
 * purpose, and then the pin is updated with the reason in the commit.
 */
#include <stdatomic.h>
#include <time.h>
#include <sys/socket.h>
#include "audit_test.h"
#include "util/clock.h"

int64_t __wrap_clock_now_ns(clockid_t clock);
int __wrap_RAND_bytes(unsigned char *buf, int num);
int __wrap_RAND_priv_bytes(unsigned char *buf, int num);

/*
 * Each clock advances by its own fixed step per reading, so the wall-clock
 * values in records depend only on how many times the wall clock was read.
 * The monotonic clock moves 100 us per reading: with fsync_ms = 1 a sync is
 * due every few appends. Read by the I/O thread too: atomic.
 */
static _Atomic int64_t mono_ns, real_ns, boot_ns;

int64_t __wrap_clock_now_ns(clockid_t clock)
{
	switch (clock) {
	case CLOCK_REALTIME:
		return 1767225600000000000ll + atomic_fetch_add(&real_ns, 1000003);
	case CLOCK_BOOTTIME:
		return 50000000000ll + atomic_fetch_add(&boot_ns, 7);
	default:
		return 1000000000ll + atomic_fetch_add(&mono_ns, 100000);
	}
}

static unsigned char rand_next;

int __wrap_RAND_bytes(unsigned char *buf, int num)
{
	int i;

	for (i = 0; i < num; i++)
		buf[i] = (unsigned char)(rand_next++ * 37 + 11);
	return 1;
}

int __wrap_RAND_priv_bytes(unsigned char *buf, int num)
{
	return __wrap_RAND_bytes(buf, num);
}

static void reset_sources(void)
{
	mono_ns = real_ns = boot_ns = 0;
	rand_next = 0;
}

/* Decisions of every shape the formatter distinguishes: escapes, base64, addresses, ops. */
static void append_mix(struct audit_writer *w, unsigned int n)
{
	static const char *const paths[] = { "/home/dev/project/src/main.c",
					     "/home/dev/q\"uote\\back\ttab",
					     "/tmp/\xff\xfe-not-utf8",
					     "/srv/caf\xc3\xa9/\xe2\x82\xac" };
	static const struct audit_container c = {
		.id = "0123456789abcdef", .engine = "docker", .name = "web", .image = "python:3.11"
	};
	struct audit_context ctx = *tctx();
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct ag_event ev = tevent(i, paths[i % 4]);

		ctx.container = i % 3 ? NULL : &c;
		switch (i % 5) {
		case 1:
			ev.action = AG_CLASS_EXEC;
			break;
		case 2:
			ev.action = AG_CLASS_NET_ADDR;
			ev.addr[10] = ev.addr[11] = 0xff;
			ev.addr[12] = 10;
			ev.addr[15] = (unsigned char)i;
			ev.port = 443;
			break;
		case 3:
			ev.action = AG_ACT_PROTECT;
			ev.op = AG_OP_PTRACE;
			break;
		case 4:
			ev.action = AG_CLASS_FILE_WRITE;
			ev.flags = 1;
			break;
		}
		ev.policy_sha256[0] = (unsigned char)i;
		assert_int_equal(audit_append_decision(w, &ev, sizeof(ev), &ctx), 0);
	}
}

/* The files' bytes in order. */
static void read_files(char *const *paths, int n, struct abuf *all)
{
	int i;

	for (i = 0; i < n; i++) {
		struct audit_lines l;

		assert_int_equal(audit_lines_read(paths[i], &l), 0);
		abuf_put(all, l.data, l.size);
		audit_lines_free(&l);
	}
	assert_false(all->oom);
}

/* What the subscriber has been sent so far (the server sends at publish and handle). */
static void drain(struct audit_stream *st, int sub, struct abuf *got)
{
	char buf[65536];
	size_t before;
	ssize_t n;

	do {
		before = got->len;
		audit_stream_handle(st);
		while (sub >= 0 && (n = recv(sub, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
			abuf_put(got, buf, (size_t)n);
	} while (got->len > before);
}

/*
 * A fixed sequence of appends. With sock, a stream server whose one
 * subscriber is there for rounds 1 to 3 only: the writer chains in place
 * while it is, in the I/O thread otherwise, and the bytes are the same. What
 * the subscriber got must be a run of whole lines of the log.
 */
static void run(const struct audit_config *c, const char *sock, const char *want)
{
	struct audit_writer *w;
	struct audit_ask a = { .agent = "/agentgate/agent-1",
			       .cgroup_id = 4242,
			       .pid = 77,
			       .action = "file_read",
			       .path = "/etc/hosts",
			       .port = -1,
			       .allow = true,
			       .rule = 2,
			       .reason = "asked",
			       .policy = "coding-agent",
			       .policy_sha256 = (const uint8_t *)"0123456789abcdef0123456789abcdef",
			       .count = 3 };
	struct audit_verify_opts o = { 0 };
	struct audit_verify_report rep;
	struct audit_stream *st = NULL;
	struct abuf all = { 0 }, got = { 0 };
	char hex[65], rotated[128], *paths[2] = { rotated, (char *)c->path };
	uint8_t h[32];
	int err, i, sub = -1;

	reset_sources();
	w = audit_writer_open(c, &err);
	assert_non_null(w);
	if (sock) {
		st = audit_stream_open(sock, 64u << 20, &err);
		assert_non_null(st);
		audit_writer_set_stream(w, st);
	}
	assert_int_equal(audit_append_lifecycle(w, "daemon_start", ""), 0);
	for (i = 0; i < 6; i++) {
		if (st && i == 1) {
			sub = audit_stream_subscribe(sock);
			assert_true(sub >= 0);
			assert_int_equal(audit_stream_handle(st), 0);
			assert_int_equal(audit_stream_subscribers(st), 1);
		}
		if (st && i == 4) {
			drain(st, sub, &got);
			close(sub);
			drain(st, -1, &got);
			assert_int_equal(audit_stream_subscribers(st), 0);
		}
		append_mix(w, 700);
		if (st && sub >= 0 && i < 4)
			drain(st, sub, &got);
		assert_int_equal(audit_append_ask(w, &a), 0);
		assert_int_equal(audit_append_gap(w, (uint64_t)i + 1), 0);
		assert_int_equal(audit_writer_tick(w), 0);
	}
	assert_int_equal(audit_append_lifecycle(w, "daemon_stop", "bye"), 0);
	assert_int_equal(audit_writer_close(w), 0);
	audit_stream_close(st);
	snprintf(rotated, sizeof(rotated), "%s.000001", c->path);
	read_files(paths, 2, &all);
	assert_int_equal(audit_sha256(all.p, all.len, h), 0);
	audit_hex(h, 32, hex);
	memset(&rep, 0, sizeof(rep));
	assert_int_equal(audit_verify_files(paths, 2, &o, &rep), 0);
	assert_int_equal(rep.verdict, AUDIT_OK);
	print_message("logs sha256 %s\n", hex);
	assert_string_equal(hex, want);
	if (st) {
		/* At least the three rounds' records, each line whole and as in the log. */
		char *at;

		assert_false(got.oom);
		assert_true(got.len > 3 * 700 * 500);
		assert_int_equal(got.p[got.len - 1], '\n');
		at = memmem(all.p, all.len, got.p, got.len);
		assert_non_null(at);
		assert_true(at == all.p || at[-1] == '\n');
	}
	abuf_free(&all);
	abuf_free(&got);
}

static void test_batched(void **state)
{
	struct tdir d;
	struct audit_config c;

	tdir_make(&d);
	c = tcfg(&d);
	c.fsync_ms = 1;
	c.seal_every = 500;
	c.max_bytes = 2u << 20;
	run(&c, NULL, "b5bf2236146e74a9dd3c6e584793c3e99b34d0c713145a893a2b95f7329db99c");
	tdir_remove(&d);
}

/* The same appends with a live subscriber for a while: the same bytes. */
static void test_batched_stream(void **state)
{
	struct tdir d;
	struct audit_config c;
	char sock[128];

	tdir_make(&d);
	snprintf(sock, sizeof(sock), "%s/stream.sock", d.root);
	c = tcfg(&d);
	c.fsync_ms = 1;
	c.seal_every = 500;
	c.max_bytes = 2u << 20;
	run(&c, sock, "b5bf2236146e74a9dd3c6e584793c3e99b34d0c713145a893a2b95f7329db99c");
	tdir_remove(&d);
}

static void test_forward_secure(void **state)
{
	struct tdir d;
	struct audit_config c;

	tdir_make(&d);
	c = tcfg(&d);
	c.fsync_ms = 5;
	c.seal_every = 700;
	c.max_bytes = 2u << 20;
	c.forward_secure = true;
	run(&c, NULL, "af17df95dbb50ec3bad6c06b284ee0036392b69e24ae07104704ff99e890ba3a");
	tdir_remove(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_batched),
		cmocka_unit_test(test_batched_stream),
		cmocka_unit_test(test_forward_secure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
