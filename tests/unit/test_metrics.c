// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Metrics: the text format (escaping, histograms), the agent label cap, the
 * listen setting, and the scrape server answering a real HTTP request on a
 * unix socket.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <cmocka.h>
#include "event.h"
#include "metrics/metrics.h"
#include "metrics/metrics_http.h"

static void contains(const char *page, const char *want)
{
	if (!strstr(page, want))
		fail_msg("missing '%s' in:\n%s", want, page);
}

static size_t count(const char *page, const char *what)
{
	size_t n = 0;

	for (page = strstr(page, what); page; page = strstr(page + 1, what))
		n++;
	return n;
}

static void test_label_escaping(void **state)
{
	struct mlabel l[] = { { "agent", "a\"b\\c\nd" }, { "mode", "enforce" } };
	struct mtext t = {};

	mtext_family(&t, "x_total", "counter", "Help with \\ and\nnewline and \"quotes\".");
	mtext_sample(&t, "x_total", l, 2, 7);
	assert_int_equal(t.err, 0);
	assert_string_equal(t.p, "# HELP x_total Help with \\\\ and\\nnewline and \"quotes\".\n"
				 "# TYPE x_total counter\n"
				 "x_total{agent=\"a\\\"b\\\\c\\nd\",mode=\"enforce\"} 7\n");
	mtext_free(&t);
}

static void test_histogram(void **state)
{
	static const double bounds[] = { 0.001, 0.5 };
	uint64_t counts[] = { 1, 2, 3 };
	struct mlabel l[] = { { "k", "v" } };
	struct mtext t = {};

	mtext_histogram(&t, "h_seconds", l, 1, bounds, counts, 2, 12.25);
	assert_int_equal(t.err, 0);
	assert_string_equal(t.p, "h_seconds_bucket{k=\"v\",le=\"0.001\"} 1\n"
				 "h_seconds_bucket{k=\"v\",le=\"0.5\"} 3\n"
				 "h_seconds_bucket{k=\"v\",le=\"+Inf\"} 6\n"
				 "h_seconds_sum{k=\"v\"} 12.25\n"
				 "h_seconds_count{k=\"v\"} 6\n");
	mtext_free(&t);
}

/* Observations land in the first bucket whose bound is not below them. */
static void test_observe_buckets(void **state)
{
	struct metrics *m = metrics_new();
	struct mtext t = {};

	assert_non_null(m);
	metrics_observe(m, MH_AUDIT_WRITE, 1000); /* 1 us: le="1e-06" */
	metrics_observe(m, MH_AUDIT_WRITE, 2000000000ull); /* 2 s: +Inf only */
	metrics_render(m, &t);
	assert_int_equal(t.err, 0);
	contains(t.p, "agentgate_audit_write_seconds_bucket{le=\"1e-06\"} 1\n");
	contains(t.p, "agentgate_audit_write_seconds_bucket{le=\"1\"} 1\n");
	contains(t.p, "agentgate_audit_write_seconds_bucket{le=\"+Inf\"} 2\n");
	contains(t.p, "agentgate_audit_write_seconds_sum 2.000001\n");
	contains(t.p, "agentgate_audit_write_seconds_count 2\n");
	mtext_free(&t);
	metrics_free(m);
}

static void test_decisions_and_cap(void **state)
{
	struct metrics *m = metrics_new();
	struct mtext t = {};
	char agent[32];
	int i;

	assert_non_null(m);
	metrics_decision(m, "/agents/a1", "", metrics_action_of(AG_CLASS_FILE_READ),
			 AG_DECISION_ALLOW, AG_MODE_ENFORCE, 1);
	/* A record of folded decisions counts them all. */
	metrics_decision(m, "/agents/a1", "", metrics_action_of(AG_CLASS_FILE_READ),
			 AG_DECISION_ALLOW, AG_MODE_ENFORCE, 41);
	metrics_decision(m, "/agents/a1", "", metrics_action_of(AG_CLASS_NET_DOMAIN),
			 AG_DECISION_DENY, AG_MODE_SIMULATE, 1);
	/* 63 more pairs fill the slots; the next 10 decisions of new pairs go to "other". */
	for (i = 0; i < METRICS_MAX_AGENTS - 1 + 10; i++) {
		snprintf(agent, sizeof(agent), "/agents/b%d", i);
		metrics_decision(m, agent, "web", metrics_action_of(AG_ACT_PROTECT),
				 AG_DECISION_DENY, AG_MODE_ENFORCE, 1);
	}
	metrics_count(m, MC_DNS_BUSY, 4);
	metrics_render(m, &t);
	assert_int_equal(t.err, 0);
	contains(t.p, "agentgate_decisions_total{agent=\"/agents/a1\",container=\"\","
		      "action=\"file_read\",decision=\"allow\",mode=\"enforce\"} 42\n");
	contains(t.p, "agentgate_decisions_total{agent=\"/agents/a1\",container=\"\","
		      "action=\"dns\",decision=\"deny\",mode=\"simulate\"} 1\n");
	contains(t.p, "agentgate_decisions_total{agent=\"other\",container=\"other\","
		      "action=\"protect\",decision=\"deny\",mode=\"enforce\"} 10\n");
	contains(t.p, "agentgate_metrics_agents_overflow_total 10\n");
	contains(t.p, "agentgate_dns_queries_total{outcome=\"denied\"} 1\n");
	contains(t.p, "agentgate_dns_queries_total{outcome=\"busy\"} 4\n");
	/* 64 slots and "other": as many series of protect/deny, one per label pair. */
	assert_int_equal(count(t.p, "action=\"protect\""), METRICS_MAX_AGENTS);
	assert_int_equal(count(t.p, "agent=\"/agents/b62\""), 1);
	assert_int_equal(count(t.p, "agent=\"/agents/b63\""), 0);
	mtext_free(&t);
	metrics_free(m);
}

static void test_listen_parse(void **state)
{
	static const char *const bad[] = { "",
					   "0.0.0.0:9464",
					   "192.168.1.5:9464",
					   "localhost:9464",
					   "[::1]:9464",
					   "127.0.0.1:",
					   "127.0.0.1:0",
					   "127.0.0.1:65536",
					   "127.0.0.1:+80",
					   "127.0.0.1:80x",
					   "unix:run/m.sock",
					   "9464" };
	struct metrics_listen ln;
	char msg[256];
	size_t i;

	assert_int_equal(metrics_listen_parse("off", &ln, msg, sizeof(msg)), 0);
	assert_int_equal(ln.kind, METRICS_OFF);
	assert_int_equal(metrics_listen_parse("127.0.0.1:9464", &ln, msg, sizeof(msg)), 0);
	assert_int_equal(ln.kind, METRICS_TCP);
	assert_int_equal(ln.port, 9464);
	assert_int_equal(metrics_listen_parse("unix:/run/agentgate/metrics.sock", &ln, msg,
					      sizeof(msg)),
			 0);
	assert_int_equal(ln.kind, METRICS_UNIX);
	assert_string_equal(ln.path, "/run/agentgate/metrics.sock");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		msg[0] = '\0';
		if (metrics_listen_parse(bad[i], &ln, msg, sizeof(msg)) != -EINVAL || !msg[0])
			fail_msg("'%s' accepted, or refused without a reason", bad[i]);
	}
	metrics_listen_parse("0.0.0.0:9464", &ln, msg, sizeof(msg));
	contains(msg, "127.0.0.1:PORT or unix:PATH only");
}

/* One HTTP/1.0 request over the unix socket at path; the whole answer in out. */
static void http(const char *path, const char *req, char *out, size_t outsz)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len = 0;
	ssize_t n;
	int fd;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	while (len < outsz - 1 && (n = read(fd, out + len, outsz - 1 - len)) > 0)
		len += (size_t)n;
	out[len] = '\0';
	close(fd);
}

static void test_server(void **state)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct metrics_server *srv = NULL;
	struct metrics *m = metrics_new();
	char dir[] = "/tmp/ag-metrics-XXXXXX", *buf;
	int fd;

	assert_non_null(m);
	assert_non_null(mkdtemp(dir));
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/m.sock", dir);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 4), 0);
	assert_int_equal(metrics_server_start(&srv, fd, m, NULL), 0);
	metrics_decision(m, "/agents/a1", "", MA_SHELL_EXEC, AG_DECISION_DENY, AG_MODE_ENFORCE, 1);
	buf = malloc(65536);
	assert_non_null(buf);
	http(sa.sun_path, "GET /metrics HTTP/1.0\r\n\r\n", buf, 65536);
	contains(buf, "HTTP/1.1 200 OK");
	contains(buf, "Content-Type: text/plain; version=0.0.4; charset=utf-8");
	contains(buf, "action=\"shell_exec\",decision=\"deny\",mode=\"enforce\"} 1\n");
	http(sa.sun_path, "GET /other HTTP/1.0\r\n\r\n", buf, 65536);
	contains(buf, " 404 ");
	http(sa.sun_path, "DELETE /metrics HTTP/1.0\r\n\r\n", buf, 65536);
	contains(buf, " 405 ");
	free(buf);
	metrics_server_stop(srv);
	unlink(sa.sun_path);
	rmdir(dir);
	metrics_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_label_escaping),	 cmocka_unit_test(test_histogram),
		cmocka_unit_test(test_observe_buckets),	 cmocka_unit_test(test_decisions_and_cap),
		cmocka_unit_test(test_listen_parse),	 cmocka_unit_test(test_server),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
