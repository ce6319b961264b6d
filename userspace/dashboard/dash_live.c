// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The daemon's live stream (docs/audit.md, audit_stream_subscribe()) read by one
 * thread into a ring of the newest DASH_LIVE_RING lines, which the page polls
 * (GET /api/live?after=SEQ). Reconnects every second while the daemon is away.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "audit/audit_int.h"
#include "dash_server_int.h"

#define READ_BUF (128u * 1024u)

static void set_state(struct dash_server *s, bool connected, const char *why)
{
	pthread_mutex_lock(&s->live_mu);
	s->connected = connected;
	snprintf(s->live_why, sizeof(s->live_why), "%s", why);
	pthread_mutex_unlock(&s->live_mu);
}

/* One line from the stream: a chain record (starts {"seq":N) or a missed notice. */
static void take_line(struct dash_server *s, const char *line, size_t len)
{
	struct dash_live_line *slot;
	struct audit_record r;
	unsigned long long seq;
	const char *why;
	char *copy;
	bool ok;

	if (len > 21 && !strncmp(line, "{\"type\":\"missed\"", 16)) {
		pthread_mutex_lock(&s->live_mu);
		s->missed += strtoull(line + 25, NULL, 10);
		pthread_mutex_unlock(&s->live_mu);
		return;
	}
	if (len < 9 || strncmp(line, "{\"seq\":", 7) || sscanf(line + 7, "%llu", &seq) != 1)
		return;
	/* Only canonical records: the page takes them as JSON as they are. */
	audit_rec_init(&r);
	ok = !audit_rec_parse(line, len, &r, &why) && audit_rec_canonical(&r, line, len);
	audit_rec_free(&r);
	if (!ok)
		return;
	copy = strndup(line, len);
	if (!copy)
		return;
	pthread_mutex_lock(&s->live_mu);
	if (s->nring == DASH_LIVE_RING) {
		slot = &s->ring[s->head];
		free(slot->line);
		s->head = (s->head + 1) % DASH_LIVE_RING;
	} else {
		slot = &s->ring[(s->head + s->nring++) % DASH_LIVE_RING];
	}
	slot->seq = seq;
	slot->line = copy;
	slot->len = len;
	pthread_mutex_unlock(&s->live_mu);
}

static void read_stream(struct dash_server *s, int fd, char *buf)
{
	size_t have = 0;

	while (!s->stop) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		char *nl, *start;
		ssize_t n;

		if (poll(&p, 1, 250) <= 0)
			continue;
		n = read(fd, buf + have, READ_BUF - have);
		if (n <= 0)
			return;
		have += (size_t)n;
		for (start = buf; (nl = memchr(start, '\n', have - (start - buf))); start = nl + 1)
			take_line(s, start, (size_t)(nl - start));
		have -= (size_t)(start - buf);
		memmove(buf, start, have);
		if (have == READ_BUF)
			have = 0; /* longer than any record: drop it */
	}
}

static void *live_main(void *arg)
{
	struct dash_server *s = arg;
	char *buf = malloc(READ_BUF), why[160];
	int fd, i;

	while (buf && !s->stop) {
		fd = audit_stream_subscribe(s->o.stream_socket);
		if (fd >= 0) {
			set_state(s, true, "");
			read_stream(s, fd, buf);
			close(fd);
			set_state(s, false, "the daemon closed the stream");
		} else {
			snprintf(why, sizeof(why), "%s: %s", s->o.stream_socket, strerror(-fd));
			set_state(s, false, why);
		}
		for (i = 0; i < 4 && !s->stop; i++)
			usleep(250000);
	}
	free(buf);
	return NULL;
}

int dash_live_start(struct dash_server *s)
{
	int err;

	set_state(s, false, "connecting");
	err = pthread_create(&s->live_thread, NULL, live_main, s);
	if (err)
		return -err;
	s->live_started = true;
	return 0;
}

void dash_live_stop(struct dash_server *s)
{
	size_t i;

	if (!s->live_started)
		return;
	s->stop = 1;
	pthread_join(s->live_thread, NULL);
	s->live_started = false;
	for (i = 0; i < s->nring; i++)
		free(s->ring[(s->head + i) % DASH_LIVE_RING].line);
	s->nring = 0;
}

int dash_live_json(struct dash_server *s, uint64_t after, unsigned int limit, char **body,
		   size_t *len)
{
	struct abuf b = { 0 };
	unsigned int shown = 0;
	char tail[256];
	size_t i;
	int n;

	abuf_put(&b, "{\"records\":[", 12);
	pthread_mutex_lock(&s->live_mu);
	for (i = 0; i < s->nring && shown < limit; i++) {
		const struct dash_live_line *l = &s->ring[(s->head + i) % DASH_LIVE_RING];

		if (l->seq <= after)
			continue;
		if (shown++)
			abuf_put(&b, ",", 1);
		abuf_put(&b, l->line, l->len);
	}
	n = snprintf(tail, sizeof(tail), "],\"source\":\"stream\",\"connected\":%s,\"missed\":%llu,\"why\":\"",
		     s->connected ? "true" : "false", (unsigned long long)s->missed);
	abuf_put(&b, tail, (size_t)n);
	if (audit_utf8_valid(s->live_why, strlen(s->live_why)))
		audit_escape(&b, s->live_why, strlen(s->live_why));
	pthread_mutex_unlock(&s->live_mu);
	abuf_put(&b, "\"}\n", 3);
	abuf_put(&b, "", 1);
	if (b.oom) {
		abuf_free(&b);
		return -ENOMEM;
	}
	*body = b.p;
	*len = b.len - 1;
	return 0;
}
