// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The forwarder: RFC 5424 framing, the resend bookkeeping, the state file, following a
 * rotating log, and a whole forwarder against a TCP listener in this process that drops
 * the connection mid-stream: every record arrives, resends are exact duplicates, and what
 * arrived verifies with --dedup.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include "audit_test.h"
#include "forward/forward.h"
#include "forward/forward_int.h"

static const char rec[] =
	"{\"seq\":7,\"type\":\"lifecycle\",\"time\":\"2024-05-06T07:08:09.123456789Z\","
	"\"host\":\"h\",\"what\":\"x\"}";

static void test_frame(void **state)
{
	char out[1024], want[1024];
	int n, h;

	n = fwd_frame(out, sizeof(out), "web-1", 42, rec, strlen(rec));
	h = snprintf(want, sizeof(want),
		     "<110>1 2024-05-06T07:08:09.123456Z web-1 agentgate 42 "
		     "audit - %s",
		     rec);
	/* The octet count is the message's length, then one space, then the message. */
	assert_int_equal(atoi(out), h);
	assert_int_equal(n, snprintf(NULL, 0, "%d ", h) + h);
	assert_memory_equal(strchr(out, ' ') + 1, want, (size_t)h);
	/* Not a record (a torn fragment): no time to take, NILVALUE. */
	n = fwd_frame(out, sizeof(out), "h", 1, "{\"se", 4);
	assert_true(n > 0);
	assert_memory_equal(out, "35 <110>1 - h agentgate 1 audit - {\"se", (size_t)n);
	/* A time that is not RFC 3339 with nine digits is not copied. */
	n = fwd_frame(out, sizeof(out), "h", 1, "{\"seq\":1,\"time\":\"2024-05-06 07:08:09Z\"}",
		      39);
	assert_non_null(strstr(out, "<110>1 - h"));
	assert_int_equal(fwd_frame(out, 40, "h", 1, rec, strlen(rec)), -ENOSPC);
	assert_true(forward_hostname_ok("web-1.example"));
	assert_false(forward_hostname_ok("a b"));
	assert_false(forward_hostname_ok(""));
	assert_false(forward_hostname_ok("caf\xc3\xa9"));
}

static void test_split_addr(void **state)
{
	char h[64], p[8];

	assert_int_equal(forward_split_addr("logs.example:6514", h, sizeof(h), p, sizeof(p)), 0);
	assert_string_equal(h, "logs.example");
	assert_string_equal(p, "6514");
	assert_int_equal(forward_split_addr("[::1]:514", h, sizeof(h), p, sizeof(p)), 0);
	assert_string_equal(h, "::1");
	assert_int_equal(forward_split_addr("::1:514", h, sizeof(h), p, sizeof(p)), -EINVAL);
	assert_int_equal(forward_split_addr("host", h, sizeof(h), p, sizeof(p)), -EINVAL);
	assert_int_equal(forward_split_addr("host:", h, sizeof(h), p, sizeof(p)), -EINVAL);
	assert_int_equal(forward_split_addr("host:0", h, sizeof(h), p, sizeof(p)), -EINVAL);
	assert_int_equal(forward_split_addr("host:65536", h, sizeof(h), p, sizeof(p)), -EINVAL);
	assert_int_equal(forward_split_addr(":514", h, sizeof(h), p, sizeof(p)), -EINVAL);
}

static void test_track(void **state)
{
	struct fwd_track t = { 0 };
	uint64_t before;
	int i;

	fwd_track_reset(&t, 10, 1000);
	/* Lines 10..12 end at bytes 100, 200, 300 of the transport. */
	for (i = 0; i < 3; i++)
		assert_int_equal(fwd_track_sent(&t, 100u * (i + 1), 11u + i), 0);
	assert_int_equal(fwd_track_ack(&t, 150, 5000), 1); /* half of line 11: not acknowledged */
	assert_int_equal(t.acked_seq, 11);
	assert_int_equal(fwd_track_ack(&t, 120, 5100), 0); /* acknowledgements never go back */
	assert_int_equal(fwd_track_ack(&t, 300, 5200), 2);
	assert_int_equal(t.acked_seq, 13);
	/* A failure: records acknowledged within 1000 ms of the last acknowledgement (5200) are
	 * sent again, however late the failure is noticed. */
	assert_int_equal(fwd_track_resume(&t), 10);
	/* Acknowledgements go on: the one at 5000 leaves the window. */
	fwd_track_sent(&t, 350, 14);
	fwd_track_ack(&t, 350, 6100);
	assert_int_equal(fwd_track_resume(&t), 11);
	/* Many lines: the ring grows and keeps its order. */
	for (i = 0; i < 5000; i++)
		assert_int_equal(fwd_track_sent(&t, 400u + (uint64_t)i, 15u + (uint64_t)i), 0);
	assert_int_equal(fwd_track_ack(&t, 400u + 2499u, 10000), 2500);
	assert_int_equal(t.acked_seq, 15 + 2499);
	/* A full history keeps the oldest seq in the window: the replay only grows. */
	for (i = 0; i < FWD_ACK_HISTORY + 10; i++) {
		fwd_track_sent(&t, 100000u + (uint64_t)i, 20000u + (uint64_t)i);
		fwd_track_ack(&t, 100000u + (uint64_t)i, 10001 + i / 4);
	}
	/* All of it within 1000 ms of the last: back to the first (at 10000, from seq 14). */
	assert_int_equal(fwd_track_resume(&t), 14);
	/* Much later, a lone acknowledgement: only its own records are in the window. */
	before = t.acked_seq;
	fwd_track_sent(&t, 200000, 30000);
	fwd_track_ack(&t, 200000, 20000);
	assert_int_equal(fwd_track_resume(&t), before);
	fwd_track_free(&t);
}

static void test_state(void **state)
{
	static const char *bad[] = {
		"",
		"agentgate-forward-state-v1 - 1",
		"agentgate-forward-state-v1 - 01\n",
		"agentgate-forward-state-v1 - 18446744073709551616\n",
		"agentgate-forward-state-v1 0123456789abcdef0123456789abcde 5\n",
		"agentgate-forward-state-v1 0123456789ABCDEF0123456789abcdef 5\n",
		"agentgate-forward-state-v1 - 5\nx",
		"agentgate-forward-state-v2 - 5\n",
		"agentgate-forward-state-v1  5\n",
	};
	struct fwd_state st, back;
	struct tdir d;
	char path[160];
	size_t i;

	assert_int_equal(fwd_state_parse("agentgate-forward-state-v1 - 0\n", 31, &st), 0);
	assert_int_equal(st.next_seq, 0);
	assert_string_equal(st.log_id, "");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_not_equal(fwd_state_parse(bad[i], strlen(bad[i]), &st), 0);
	tdir_make(&d);
	snprintf(path, sizeof(path), "%s/fwd.state", d.root);
	assert_int_equal(fwd_state_load(path, &st), -ENOENT);
	strcpy(st.log_id, "0123456789abcdef0123456789abcdef");
	st.next_seq = 18446744073709551615ull;
	assert_int_equal(fwd_state_save(path, &st), 0);
	assert_int_equal(fwd_state_load(path, &back), 0);
	assert_string_equal(back.log_id, st.log_id);
	assert_true(back.next_seq == st.next_seq);
	tdir_remove(&d);
}

/* A log of n lifecycle records written by the real writer, rotating every few KiB. */
static struct audit_writer *grow_log(struct tdir *d, struct audit_writer *w, int from, int n)
{
	struct audit_config c = tcfg(d);
	char detail[64];
	int err, i;

	c.max_bytes = 6000;
	c.seal_every = 10;
	if (!w)
		w = audit_writer_open(&c, &err);
	assert_non_null(w);
	for (i = from; i < from + n; i++) {
		snprintf(detail, sizeof(detail), "record %d", i);
		assert_int_equal(audit_append_lifecycle(w, "test", detail), 0);
	}
	assert_int_equal(audit_flush(w), 0);
	return w;
}

static void test_follow(void **state)
{
	struct fwd_log l;
	struct audit_writer *w;
	struct tdir d;
	const char *line;
	size_t len;
	uint64_t next, want;
	char first[32], path[160];

	tdir_make(&d);
	w = grow_log(&d, NULL, 0, 100);
	assert_int_equal(fwd_log_init(&l, d.log), 0);
	/* From a seq inside a rotated file: every line after it, in order, across files. */
	assert_int_equal(fwd_log_seek(&l, 37), 0);
	for (want = 37;; want++) {
		int err = fwd_log_next(&l, &line, &len, &next);

		if (err == -EAGAIN)
			break;
		assert_int_equal(err, 0);
		assert_int_equal(next, want + 1);
		snprintf(first, sizeof(first), "{\"seq\":%llu,", (unsigned long long)want);
		assert_memory_equal(line, first, strlen(first));
	}
	assert_true(want > 100);
	assert_int_equal(strlen(l.log_id), 32);
	/* The writer goes on (and rotates again): the follower picks it up. */
	grow_log(&d, w, 100, 100);
	while (fwd_log_next(&l, &line, &len, &next) == 0)
		want++;
	assert_int_equal(audit_writer_close(w), 0);
	while (fwd_log_next(&l, &line, &len, &next) == 0)
		want++;
	assert_true(want > 200);
	assert_int_equal(l.next_seq, want);
	/* The oldest file deleted: seeking into it starts at what is left and says so. */
	snprintf(path, sizeof(path), "%s.000001", d.log);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(fwd_log_seek(&l, 0), 0);
	assert_int_equal(l.gap_from, 0);
	assert_true(l.gap_to > 0);
	assert_int_equal(fwd_log_next(&l, &line, &len, &next), 0);
	assert_int_equal(next, l.gap_to + 1);
	fwd_log_free(&l);
	tdir_remove(&d);
}

/*
 * The log replaced by a new one while followed (its files moved away, the writer started
 * again): the new log is followed from its genesis, not from the old log's seq.
 */
static void test_follow_new_log(void **state)
{
	struct fwd_log l;
	struct audit_writer *w;
	struct tdir d;
	const char *line;
	size_t len;
	uint64_t next;
	char old_id[33], cmd[256];
	int err;

	tdir_make(&d);
	w = grow_log(&d, NULL, 0, 100);
	assert_int_equal(audit_writer_close(w), 0);
	assert_int_equal(fwd_log_init(&l, d.log), 0);
	assert_int_equal(fwd_log_seek(&l, 0), 0);
	while ((err = fwd_log_next(&l, &line, &len, &next)) == 0)
		;
	assert_int_equal(err, -EAGAIN);
	assert_true(l.next_seq > 100);
	memcpy(old_id, l.log_id, sizeof(old_id));
	snprintf(cmd, sizeof(cmd), "rm -f '%s' '%s'.0*", d.log, d.log);
	assert_int_equal(system(cmd), 0);
	w = grow_log(&d, NULL, 0, 3);
	assert_int_equal(fwd_log_next(&l, &line, &len, &next), -ESTALE);
	assert_string_not_equal(l.log_id, old_id);
	assert_int_equal(fwd_log_seek(&l, 0), 0);
	assert_int_equal(fwd_log_next(&l, &line, &len, &next), 0);
	assert_memory_equal(line, "{\"seq\":0,", 8);
	assert_int_equal(next, 1);
	assert_int_equal(audit_writer_close(w), 0);
	fwd_log_free(&l);
	tdir_remove(&d);
}

/*
 * The log truncated in place (copytruncate) while followed, the writer appending on from
 * offset 0: the follower reads it again from its start, whole lines only, and tells which
 * records the cut took before they were read.
 */
static void test_follow_truncated(void **state)
{
	struct audit_config c;
	struct audit_writer *w;
	struct fwd_log l;
	struct tdir d;
	const char *line;
	size_t len;
	uint64_t next, cut;
	FILE *fp;
	int err;

	tdir_make(&d);
	c = tcfg(&d);
	w = audit_writer_open(&c, &err);
	assert_non_null(w);
	assert_int_equal(audit_append_lifecycle(w, "test", "before"), 0);
	assert_int_equal(fwd_log_init(&l, d.log), 0);
	assert_int_equal(fwd_log_seek(&l, 0), 0);
	while ((err = fwd_log_next(&l, &line, &len, &next)) == 0)
		;
	assert_int_equal(err, -EAGAIN);
	/* The start of a line (the writer mid-write) held by the follower, then the cut. */
	fp = fopen(d.log, "a");
	assert_non_null(fp);
	fputs("{\"seq\":", fp);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(fwd_log_next(&l, &line, &len, &next), -EAGAIN);
	cut = l.next_seq;
	assert_int_equal(truncate(d.log, 0), 0);
	assert_int_equal(audit_append_lifecycle(w, "test", "after the first cut"), 0);
	assert_int_equal(fwd_log_next(&l, &line, &len, &next), 0);
	assert_true(l.truncated);
	assert_int_equal(l.gap_to, 0);
	assert_int_equal(next, cut + 1);
	assert_memory_equal(line, "{\"seq\":", 7);
	assert_non_null(memmem(line, len, "\"detail\":\"after the first cut\"", 30));
	/* Records the follower had not read yet when the file was cut (shorter again): a gap. */
	l.truncated = false;
	assert_int_equal(audit_append_lifecycle(w, "test", "cut 1"), 0);
	assert_int_equal(audit_append_lifecycle(w, "test", "cut 2"), 0);
	assert_int_equal(truncate(d.log, 0), 0);
	assert_int_equal(audit_append_lifecycle(w, "test", "2"), 0);
	assert_int_equal(fwd_log_next(&l, &line, &len, &next), 0);
	assert_true(l.truncated);
	assert_int_equal(l.gap_from, cut + 1);
	assert_int_equal(l.gap_to, cut + 3);
	assert_non_null(memmem(line, len, "\"detail\":\"2\"", 12));
	assert_int_equal(audit_writer_close(w), 0);
	fwd_log_free(&l);
	tdir_remove(&d);
}

/* The seq of the first record in path. */
static uint64_t first_seq_of(const char *path)
{
	unsigned long long seq;
	FILE *fp = fopen(path, "r");

	assert_non_null(fp);
	assert_int_equal(fscanf(fp, "{\"seq\":%llu,", &seq), 1);
	fclose(fp);
	return seq;
}

/*
 * Sought (at a reconnect) to a record the cut took, with older rotated files on disk: the
 * last of them is the file whose first seq is below it, and holds it not. The follower goes
 * on with the file that holds later records, and tells what is gone.
 */
static void test_follow_truncated_seek(void **state)
{
	struct audit_writer *w;
	struct fwd_log l;
	struct tdir d;
	const char *line;
	size_t len;
	uint64_t next, resume, end;
	int err, i;

	tdir_make(&d);
	w = grow_log(&d, NULL, 0, 100);
	assert_int_equal(fwd_log_init(&l, d.log), 0);
	assert_int_equal(fwd_log_seek(&l, 0), 0);
	while ((err = fwd_log_next(&l, &line, &len, &next)) == 0)
		;
	assert_int_equal(err, -EAGAIN);
	end = l.next_seq;
	resume = first_seq_of(d.log);
	assert_true(resume > 0 && resume < end);
	assert_int_equal(truncate(d.log, 0), 0);
	assert_int_equal(audit_append_lifecycle(w, "test", "after the cut"), 0);
	assert_int_equal(fwd_log_seek(&l, resume), 0);
	for (i = 0; i < 10 && (err = fwd_log_next(&l, &line, &len, &next)) == -EAGAIN; i++)
		;
	assert_int_equal(err, 0);
	assert_int_equal(next, end + 1);
	assert_non_null(memmem(line, len, "\"detail\":\"after the cut\"", 24));
	assert_int_equal(l.gap_from, resume);
	assert_int_equal(l.gap_to, end);
	assert_int_equal(audit_writer_close(w), 0);
	fwd_log_free(&l);
	tdir_remove(&d);
}

/* The collector side: accepts, reads octet-counted frames, appends each MSG as a line. */
struct sink {
	int lfd;
	int port;
	FILE *out;
	int drop_after; /* close the first connection after this many frames */
	int frames;
	volatile int stop;
};

static int read_frame(int fd, char *buf, size_t cap)
{
	size_t n = 0, want;
	char c;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (poll(&p, 1, 100) <= 0) {
			if (!n)
				return -EAGAIN;
			continue; /* mid-length: the rest comes */
		}
		if (recv(fd, &c, 1, 0) != 1)
			return -EPIPE;
		if (c == ' ')
			break;
		assert_true(c >= '0' && c <= '9' && n < 8);
		buf[n++] = c;
	}
	buf[n] = '\0';
	want = strtoul(buf, NULL, 10);
	assert_true(want < cap);
	for (n = 0; n < want;) {
		ssize_t r = recv(fd, buf + n, want - n, MSG_WAITALL);

		if (r <= 0)
			return -EPIPE;
		n += (size_t)r;
	}
	return (int)want;
}

static void *sink_run(void *arg)
{
	struct sink *s = arg;
	static char buf[128 * 1024];

	while (!s->stop) {
		struct pollfd p = { .fd = s->lfd, .events = POLLIN };
		int fd, n;

		if (poll(&p, 1, 100) <= 0)
			continue;
		fd = accept(s->lfd, NULL, NULL);
		assert_true(fd >= 0);
		/* Until the forwarder closes: what the kernel acknowledged may still be unread. */
		for (;;) {
			char *msg;
			int i;

			n = read_frame(fd, buf, sizeof(buf));
			if (n == -EAGAIN)
				continue;
			if (n < 0)
				break;
			/* Skip the header's seven fields: PRI+VERSION TIME HOST APP PROCID MSGID SD. */
			for (msg = buf, i = 0; i < 7; i++)
				msg = (char *)memchr(msg, ' ', (size_t)(buf + n - msg)) + 1;
			assert_memory_equal(buf, "<110>1 ", 7);
			fwrite(msg, 1, (size_t)(buf + n - msg), s->out);
			fputc('\n', s->out);
			fflush(s->out);
			if (++s->frames == s->drop_after)
				break; /* the collector goes away mid-stream */
		}
		close(fd);
	}
	return NULL;
}

static void *fwd_run(void *arg)
{
	forwarder_run(arg);
	return NULL;
}

/* What a forwarder reported that contains what. */
struct said {
	pthread_mutex_t lock;
	const char *what;
	char msgs[16][512];
	int n;
};

static void collect(void *ctx, const char *msg)
{
	struct said *s = ctx;

	pthread_mutex_lock(&s->lock);
	if (strstr(msg, s->what) && s->n < 16)
		snprintf(s->msgs[s->n++], sizeof(s->msgs[0]), "%s", msg);
	pthread_mutex_unlock(&s->lock);
}

/* A forwarder shipping to a sink of the test's, each on a thread of its own. */
struct live {
	struct sink s; /* drop_after set before live_start */
	struct forwarder *f;
	pthread_t st_th, f_th;
	char port[8];
};

/* A sink on a loopback port (the messages it takes in written to got), a forwarder of cfg to it. */
static void live_start(struct live *l, struct forward_config *cfg, const char *got)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sa);
	char why[256];
	int err;

	l->s.out = fopen(got, "w");
	assert_non_null(l->s.out);
	l->s.lfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(bind(l->s.lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(l->s.lfd, 4), 0);
	assert_int_equal(getsockname(l->s.lfd, (struct sockaddr *)&sa, &sl), 0);
	snprintf(l->port, sizeof(l->port), "%u", ntohs(sa.sin_port));
	cfg->port = l->port;
	l->f = forwarder_new(cfg, &err, why, sizeof(why));
	assert_non_null(l->f);
	assert_int_equal(pthread_create(&l->st_th, NULL, sink_run, &l->s), 0);
	assert_int_equal(pthread_create(&l->f_th, NULL, fwd_run, l->f), 0);
}

/* Lines of path that hold both a and b ("" matches any line). */
static int lines_with(const char *path, const char *a, const char *b)
{
	char line[8192];
	FILE *f = fopen(path, "re");
	int n = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		n += strchr(line, '\n') && strstr(line, a) && strstr(line, b);
	fclose(f);
	return n;
}

#define SHUTDOWN_SEAL "\"type\":\"seal\",", "\"reason\":\"shutdown\""

/* Until path holds at least n whole lines with both a and b (20 s at most). */
static void wait_lines(const char *path, const char *a, const char *b, int n)
{
	int i;

	for (i = 0; i < 2000 && lines_with(path, a, b) < n; i++)
		usleep(10000);
}

/* The forwarder stopped (its stats in st unless NULL), then the sink; the frames it took in. */
static int live_stop(struct live *l, struct forward_stats *st)
{
	forwarder_stop(l->f, 5000);
	assert_int_equal(pthread_join(l->f_th, NULL), 0);
	if (st)
		forwarder_stats(l->f, st);
	l->s.stop = 1;
	pthread_join(l->st_th, NULL);
	fclose(l->s.out);
	forwarder_free(l->f);
	close(l->s.lfd);
	return l->s.frames;
}

/*
 * Writes a log of 400 records (plus seals and rotations) while a forwarder ships it to a
 * sink that closes its first connection after drop_after frames (0: never); returns the
 * forwarder's stats and how many frames the sink took in; said (or NULL) collects its reports.
 */
static int forward_run(struct tdir *d, const char *state_path, const char *got, int drop_after,
		       struct forward_stats *st, struct said *said)
{
	struct live l = { .s.drop_after = drop_after };
	struct forward_config cfg = { .host = "127.0.0.1", .hostname = "unit", .replay_ms = 60000 };
	struct audit_writer *w;
	int i;

	cfg.log = d->log;
	cfg.state = state_path;
	if (said) {
		cfg.report = collect;
		cfg.report_ctx = said;
	}
	w = grow_log(d, NULL, 0, 100);
	live_start(&l, &cfg, got);
	for (i = 0; i < 100; i++) {
		grow_log(d, w, 100 + 3 * i, 3);
		usleep(2000);
	}
	assert_int_equal(audit_writer_close(w), 0);
	return live_stop(&l, st);
}

static void test_forward_resend(void **state)
{
	struct audit_verify_opts vo = { .dedup = true };
	struct audit_verify_report rep;
	struct forward_stats st;
	struct fwd_state fs;
	struct tdir d;
	char got[160], state_path[160], *paths[1] = { got };
	int frames;

	tdir_make(&d);
	snprintf(got, sizeof(got), "%s/collector.log", d.root);
	snprintf(state_path, sizeof(state_path), "%s/fwd.state", d.root);
	frames = forward_run(&d, state_path, got, 150, &st, NULL);
	/* The drop made it reconnect and resend (the replay window covers the whole run). */
	assert_int_equal(st.connects, 2);
	assert_true(st.resent > 0);
	/* Frames in flight when the sink closed were lost there, and sent again. */
	assert_true(frames <= (int)st.sent);
	assert_int_equal(audit_verify_files(paths, 1, &vo, &rep), 0);
	assert_int_equal(rep.verdict, AUDIT_OK);
	assert_true(rep.duplicates > 0);
	assert_true(rep.duplicates <= st.resent);
	assert_int_equal(rep.last_seq + 1, st.acked_seq);
	assert_string_equal(rep.host, "testhost");
	/* Without --dedup the resends are what they are: duplicates. */
	vo.dedup = false;
	assert_int_equal(audit_verify_files(paths, 1, &vo, &rep), 0);
	assert_int_equal(rep.verdict, AUDIT_DUPLICATED);
	/* A clean stop leaves the state at the end: a restart sends nothing again. */
	assert_int_equal(fwd_state_load(state_path, &fs), 0);
	assert_true(fs.next_seq == st.acked_seq);
	assert_int_equal(strlen(fs.log_id), 32);
	tdir_remove(&d);
}

/* A new log under the same name: the state of the old one must not make it skip records. */
static void test_forward_new_log(void **state)
{
	struct audit_verify_opts vo = { 0 };
	struct audit_verify_report rep;
	struct forward_stats st;
	struct fwd_state old, now;
	struct tdir d;
	char got[160], state_path[160], cmd[256], *paths[1] = { got };

	tdir_make(&d);
	snprintf(got, sizeof(got), "%s/collector.log", d.root);
	snprintf(state_path, sizeof(state_path), "%s/fwd.state", d.root);
	forward_run(&d, state_path, got, 0, &st, NULL);
	assert_int_equal(fwd_state_load(state_path, &old), 0);
	snprintf(cmd, sizeof(cmd), "rm -f '%s' '%s'.0*", d.log, d.log);
	assert_int_equal(system(cmd), 0);
	snprintf(got, sizeof(got), "%s/collector2.log", d.root);
	forward_run(&d, state_path, got, 0, &st, NULL);
	assert_int_equal(audit_verify_files(paths, 1, &vo, &rep), 0);
	assert_int_equal(rep.verdict, AUDIT_OK);
	assert_int_equal(rep.first_seq, 0);
	assert_int_equal(rep.last_seq + 1, st.acked_seq);
	assert_int_equal(fwd_state_load(state_path, &now), 0);
	assert_string_not_equal(now.log_id, old.log_id);
	tdir_remove(&d);
}

/* The same while the forwarder runs (no restart, no state file): the new log from seq 0. */
static void test_forward_new_log_live(void **state)
{
	struct forward_config cfg = { .host = "127.0.0.1", .hostname = "unit" };
	struct live l = { 0 };
	struct tdir d;
	char got[160], cmd[512];

	tdir_make(&d);
	snprintf(got, sizeof(got), "%s/collector.log", d.root);
	cfg.log = d.log;
	assert_int_equal(audit_writer_close(grow_log(&d, NULL, 0, 100)), 0);
	live_start(&l, &cfg, got);
	wait_lines(got, SHUTDOWN_SEAL, 1); /* the old log, all sent */
	snprintf(cmd, sizeof(cmd), "rm -f '%s' '%s'.0*", d.log, d.log);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(audit_writer_close(grow_log(&d, NULL, 0, 5)), 0);
	wait_lines(got, SHUTDOWN_SEAL, 2);
	live_stop(&l, NULL);
	/* The collector's copy: the old log, then the new one from its genesis (seq 0 again). */
	snprintf(cmd, sizeof(cmd), "test $(grep -c '^{\"seq\":0,' '%s') -eq 2", got);
	assert_int_equal(system(cmd), 0);
	snprintf(cmd, sizeof(cmd),
		 "test $(grep -c '\"type\":\"seal\",.*\"reason\":\"shutdown\"' '%s') -eq 2", got);
	assert_int_equal(system(cmd), 0);
	tdir_remove(&d);
}

/*
 * Files deleted while the forwarder reads the one before them (retention running ahead of
 * it): it goes on with the oldest file left by itself, not at a reconnect, and says which
 * records the collector will miss. keep_read: the file it reads survives (only the next one
 * is deleted), so the file holding the next seq by name is the one it has just finished.
 */
static void gap_live(bool keep_read)
{
	struct said said = { .lock = PTHREAD_MUTEX_INITIALIZER, .what = "no longer on disk" };
	struct forward_config cfg = { .host = "127.0.0.1", .hostname = "unit", .report = collect };
	struct live l = { 0 };
	struct tdir d;
	char got[160], cmd[512], path[160], want[64];
	uint64_t from, to;

	tdir_make(&d);
	snprintf(got, sizeof(got), "%s/collector.log", d.root);
	cfg.log = d.log;
	cfg.report_ctx = &said;
	assert_int_equal(audit_writer_close(grow_log(&d, NULL, 0, 100)), 0);
	snprintf(path, sizeof(path), "%s.000004", d.log);
	assert_int_equal(access(path, F_OK), 0);
	/* Only the first file is there yet: the forwarder reads it and waits for the next. */
	snprintf(cmd, sizeof(cmd), "mkdir '%s/aside' && mv '%s' '%s'.00000[2-9] '%s/aside/'",
		 d.root, d.log, d.log, d.root);
	assert_int_equal(system(cmd), 0);
	live_start(&l, &cfg, got);
	/* All of the first file sent (records are lines): the forwarder waits for the next. */
	snprintf(path, sizeof(path), "%s.000001", d.log);
	wait_lines(got, "", "", lines_with(path, "", ""));
	assert_true(l.s.frames > 0);
	/* Files 1 (or not) and 2 deleted, the rest back, PATH last (as the writer creates it). */
	snprintf(path, sizeof(path), "%s/aside/audit.log.000002", d.root);
	from = first_seq_of(path);
	snprintf(path, sizeof(path), "%s/aside/audit.log.000003", d.root);
	to = first_seq_of(path);
	snprintf(path, sizeof(path), "%s.000001", d.log);
	assert_int_equal(keep_read ? 0 : unlink(path), 0);
	snprintf(cmd, sizeof(cmd),
		 "rm '%s'/aside/audit.log.000002 && mv '%s'/aside/audit.log.0* '%s' "
		 "&& mv '%s'/aside/audit.log '%s'",
		 d.root, d.root, d.root, d.root, d.log);
	assert_int_equal(system(cmd), 0);
	wait_lines(got, SHUTDOWN_SEAL, 1); /* the rest, said before it was sent */
	live_stop(&l, NULL);
	assert_int_equal(said.n, 1);
	snprintf(want, sizeof(want), "records %llu..%llu ", (unsigned long long)from,
		 (unsigned long long)to - 1);
	if (!strstr(said.msgs[0], want))
		fail_msg("expected '%s' in: %s", want, said.msgs[0]);
	/* What is left on disk was sent, up to the shutdown seal. */
	snprintf(cmd, sizeof(cmd), "grep -q '\"reason\":\"shutdown\"' '%s'", got);
	assert_int_equal(system(cmd), 0);
	tdir_remove(&d);
}

static void test_forward_gap_live(void **state)
{
	gap_live(false);
}

/* Said by nothing and sent no more, until the next file holding later records was taken. */
static void test_forward_gap_after_live(void **state)
{
	gap_live(true);
}

/*
 * A state file that cannot be written (its directory is missing): the records are sent all
 * the same, and the failure is said once, not at every acknowledgement.
 */
static void test_forward_state_unwritable(void **state)
{
	struct said s = { .lock = PTHREAD_MUTEX_INITIALIZER, .what = "state file" };
	struct forward_stats st;
	struct tdir d;
	char got[160], state_path[160];

	tdir_make(&d);
	snprintf(got, sizeof(got), "%s/collector.log", d.root);
	snprintf(state_path, sizeof(state_path), "%s/missing/fwd.state", d.root);
	assert_true(forward_run(&d, state_path, got, 0, &st, &s) > 400);
	assert_int_equal(s.n, 1);
	assert_non_null(strstr(s.msgs[0], strerror(ENOENT)));
	tdir_remove(&d);
}

/*
 * A CA file that cannot be used, a directory as the log or the state file: refused when the
 * forwarder is made, naming the file.
 */
static void test_forward_bad_ca(void **state)
{
	struct forward_config cfg = {
		.host = "127.0.0.1", .port = "6514", .hostname = "unit", .tls = true
	};
	struct forwarder *f;
	struct tdir d;
	char ca[160], why[256];
	FILE *fp;
	int err;

	tdir_make(&d);
	cfg.log = d.log;
	snprintf(ca, sizeof(ca), "%s/missing.pem", d.root);
	cfg.ca_file = ca;
	assert_null(forwarder_new(&cfg, &err, why, sizeof(why)));
	assert_int_equal(err, -ENOENT);
	assert_non_null(strstr(why, ca));
	snprintf(ca, sizeof(ca), "%s/garbage.pem", d.root);
	fp = fopen(ca, "w");
	assert_non_null(fp);
	fputs("not a certificate\n", fp);
	fclose(fp);
	assert_null(forwarder_new(&cfg, &err, why, sizeof(why)));
	assert_int_equal(err, -ENOKEY);
	assert_non_null(strstr(why, ca));
	/* The system's CAs (no --ca) and plain TCP are no reason to refuse. */
	cfg.ca_file = NULL;
	f = forwarder_new(&cfg, &err, why, sizeof(why));
	assert_non_null(f);
	forwarder_free(f);
	cfg.tls = false;
	f = forwarder_new(&cfg, &err, why, sizeof(why));
	assert_non_null(f);
	forwarder_free(f);
	/* Paths that can never be what they name: refused at the start, named. */
	cfg.log = d.root;
	assert_null(forwarder_new(&cfg, &err, why, sizeof(why)));
	assert_non_null(strstr(why, "is a directory"));
	cfg.log = d.log;
	cfg.state = d.root;
	assert_null(forwarder_new(&cfg, &err, why, sizeof(why)));
	assert_non_null(strstr(why, "is not a regular file"));
	tdir_remove(&d);
}

/* A listener that is not a TLS server: every handshake with it fails the same way. */
struct not_tls {
	int lfd;
	volatile int stop;
};

static void *not_tls_run(void *arg)
{
	struct not_tls *n = arg;
	char buf[4096];

	while (!n->stop) {
		struct pollfd p = { .fd = n->lfd, .events = POLLIN };
		int fd;

		if (poll(&p, 1, 50) <= 0)
			continue;
		fd = accept(n->lfd, NULL, NULL);
		if (fd < 0)
			continue;
		assert_true(send(fd, "HTTP/1.0 400 no\r\n\r\n", 19, MSG_NOSIGNAL) == 19);
		while (recv(fd, buf, sizeof(buf), 0) > 0)
			; /* until the forwarder gives up on it */
		close(fd);
	}
	return NULL;
}

static int listen_on(uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
				  .sin_port = htons(port) };
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), on = 1;

	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	assert_int_equal(listen(fd, 4), 0);
	return fd;
}

static uint16_t port_of(int fd)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);

	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	return ntohs(sa.sin_port);
}

/*
 * Until s holds at least n reports, the last with last in it (10 s at most); then
 * for 300 ms more, which at a 20 ms backoff are retries enough to be reported again
 * were a reason reported at each. The count of reports then.
 */
static int said_wait(struct said *s, int n, const char *last)
{
	int i, got = 0;

	for (i = 0; i < 1000; i++) {
		pthread_mutex_lock(&s->lock);
		got = s->n >= n && strstr(s->msgs[s->n - 1], last);
		pthread_mutex_unlock(&s->lock);
		if (got)
			break;
		usleep(10000);
	}
	usleep(300000);
	pthread_mutex_lock(&s->lock);
	got = s->n;
	pthread_mutex_unlock(&s->lock);
	return got;
}

/*
 * Retries are reported once per reason: refused many times, one line; the reason changes
 * (a listener appears that is not a TLS server), one more line with the new reason; and
 * back to refused, one more. Closing that listener may reset a connection it had queued
 * but not taken: then one line gives that reason, in between.
 */
static void test_forward_retry_reason(void **state)
{
	struct forward_config cfg = { .host = "127.0.0.1",
				      .hostname = "unit",
				      .tls = true,
				      .backoff_max_ms = 20,
				      .report = collect };
	struct said s = { .lock = PTHREAD_MUTEX_INITIALIZER, .what = "cannot connect" };
	struct not_tls n = { 0 };
	struct forwarder *f;
	pthread_t f_th, n_th;
	struct tdir d;
	char port[8], why[256];
	uint16_t p;
	int err;

	tdir_make(&d);
	n.lfd = listen_on(0);
	p = port_of(n.lfd);
	close(n.lfd); /* free again: connecting is refused */
	snprintf(port, sizeof(port), "%u", p);
	cfg.port = port;
	cfg.log = d.log;
	cfg.report_ctx = &s;
	f = forwarder_new(&cfg, &err, why, sizeof(why));
	assert_non_null(f);
	assert_int_equal(pthread_create(&f_th, NULL, fwd_run, f), 0);
	assert_int_equal(said_wait(&s, 1, strerror(ECONNREFUSED)), 1);
	n.lfd = listen_on(p);
	assert_int_equal(pthread_create(&n_th, NULL, not_tls_run, &n), 0);
	assert_int_equal(said_wait(&s, 2, "TLS"), 2);
	n.stop = 1;
	pthread_join(n_th, NULL);
	close(n.lfd);
	said_wait(&s, 3, strerror(ECONNREFUSED));
	forwarder_stop(f, 0);
	assert_null(pthread_join(f_th, NULL) ? (void *)1 : NULL);
	forwarder_free(f);
	assert_in_range(s.n, 3, 4);
	assert_non_null(strstr(s.msgs[0], strerror(ECONNREFUSED)));
	assert_null(strstr(s.msgs[1], strerror(ECONNREFUSED)));
	assert_non_null(strstr(s.msgs[1], "TLS"));
	if (s.n == 4) /* not refused twice in a row */
		assert_null(strstr(s.msgs[2], strerror(ECONNREFUSED)));
	assert_non_null(strstr(s.msgs[s.n - 1], strerror(ECONNREFUSED)));
	tdir_remove(&d);
}

static void test_max_age(void **state)
{
	struct audit_verify_opts vo = { .max_age_s = 60 };
	struct audit_verify_report rep;
	struct audit_writer *w;
	struct tdir d;
	char *paths[1];

	tdir_make(&d);
	w = grow_log(&d, NULL, 0, 5);
	assert_int_equal(audit_writer_close(w), 0);
	paths[0] = d.log;
	assert_int_equal(audit_verify_files(paths, 1, &vo, &rep), 0);
	assert_int_equal(rep.verdict, AUDIT_OK);
	/* time() reads the coarse clock, which may trail the seal's clock into the previous second. */
	vo.now_s = time(NULL) + 62;
	assert_int_equal(audit_verify_files(paths, 1, &vo, &rep), 0);
	assert_int_equal(rep.verdict, AUDIT_STALE);
	assert_non_null(strstr(rep.why, "stopped sending"));
	tdir_remove(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frame),
		cmocka_unit_test(test_split_addr),
		cmocka_unit_test(test_track),
		cmocka_unit_test(test_state),
		cmocka_unit_test(test_follow),
		cmocka_unit_test(test_follow_new_log),
		cmocka_unit_test(test_follow_truncated),
		cmocka_unit_test(test_follow_truncated_seek),
		cmocka_unit_test(test_forward_resend),
		cmocka_unit_test(test_forward_new_log),
		cmocka_unit_test(test_forward_new_log_live),
		cmocka_unit_test(test_forward_gap_live),
		cmocka_unit_test(test_forward_gap_after_live),
		cmocka_unit_test(test_forward_state_unwritable),
		cmocka_unit_test(test_max_age),
		cmocka_unit_test(test_forward_bad_ca),
		cmocka_unit_test(test_forward_retry_reason),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
