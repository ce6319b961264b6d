// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Resend bookkeeping and the state file. A sent line is acknowledged once the
 * peer's TCP acknowledged every transport byte up to its end; acknowledged
 * points are kept for replay_ms, because a collector that dies may have
 * acknowledged records it never wrote.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "forward_int.h"
#include "util/file.h"

void fwd_track_reset(struct fwd_track *t, uint64_t seq, unsigned int replay_ms)
{
	t->replay_ms = replay_ms;
	t->head = t->n = 0;
	t->hhead = t->hn = 0;
	t->acked_seq = seq;
	t->acked_bytes = 0;
}

void fwd_track_free(struct fwd_track *t)
{
	free(t->q);
	t->q = NULL;
	t->cap = t->head = t->n = 0;
}

int fwd_track_sent(struct fwd_track *t, uint64_t end, uint64_t next_seq)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 1024, i;
		struct fwd_sent *q = malloc(cap * sizeof(*q));

		if (!q)
			return -ENOMEM;
		for (i = 0; i < t->n; i++)
			q[i] = t->q[(t->head + i) % t->cap];
		free(t->q);
		t->q = q;
		t->cap = cap;
		t->head = 0;
	}
	t->q[(t->head + t->n) % t->cap] = (struct fwd_sent){ .end = end, .next_seq = next_seq };
	t->n++;
	return 0;
}

static void remember(struct fwd_track *t, int64_t ms, uint64_t from_seq)
{
	while (t->hn && t->hist[t->hhead].ms + (int64_t)t->replay_ms < ms) {
		t->hhead = (t->hhead + 1) % FWD_ACK_HISTORY;
		t->hn--;
	}
	if (t->hn == FWD_ACK_HISTORY) {
		/* Full: the newest entry takes the new time and keeps its older seq, so the
		 * replay only grows (never skips a record that needed it). */
		t->hist[(t->hhead + t->hn - 1) % FWD_ACK_HISTORY].ms = ms;
		return;
	}
	t->hist[(t->hhead + t->hn) % FWD_ACK_HISTORY] = (struct fwd_acked){ ms, from_seq };
	t->hn++;
}

size_t fwd_track_ack(struct fwd_track *t, uint64_t acked, int64_t ms)
{
	uint64_t from = t->acked_seq;
	size_t done = 0;

	if (acked > t->acked_bytes)
		t->acked_bytes = acked;
	while (t->n && t->q[t->head].end <= t->acked_bytes) {
		if (t->q[t->head].next_seq > t->acked_seq)
			t->acked_seq = t->q[t->head].next_seq;
		t->head = (t->head + 1) % t->cap;
		t->n--;
		done++;
	}
	if (t->acked_seq > from)
		remember(t, ms, from);
	return done;
}

uint64_t fwd_track_resume(const struct fwd_track *t)
{
	const struct fwd_acked *newest;
	size_t i;

	if (!t->hn)
		return t->acked_seq;
	/* The window ends at the last acknowledgement, when the collector was last seen
	 * taking records: a silent network is noticed only TCP_USER_TIMEOUT later. */
	newest = &t->hist[(t->hhead + t->hn - 1) % FWD_ACK_HISTORY];
	for (i = 0; i < t->hn; i++) {
		const struct fwd_acked *a = &t->hist[(t->hhead + i) % FWD_ACK_HISTORY];

		if (a->ms + (int64_t)t->replay_ms >= newest->ms)
			return a->from_seq < t->acked_seq ? a->from_seq : t->acked_seq;
	}
	return t->acked_seq;
}

int fwd_state_parse(const char *buf, size_t len, struct fwd_state *st)
{
	static const char magic[] = FWD_STATE_MAGIC " ";
	const char *p = buf, *end = buf + len;
	uint64_t seq = 0;
	size_t n;

	memset(st, 0, sizeof(*st));
	if (len < sizeof(magic) - 1 || memcmp(p, magic, sizeof(magic) - 1))
		return -EBADMSG;
	p += sizeof(magic) - 1;
	if (p < end && *p == '-') {
		p++;
	} else {
		for (n = 0; p + n < end && n < 32 &&
			    ((p[n] >= '0' && p[n] <= '9') || (p[n] >= 'a' && p[n] <= 'f'));
		     n++)
			;
		if (n != 32)
			return -EBADMSG;
		memcpy(st->log_id, p, 32);
		st->log_id[32] = '\0';
		p += 32;
	}
	if (p >= end || *p++ != ' ' || p >= end || *p < '0' || *p > '9')
		return -EBADMSG;
	if (*p == '0' && p + 1 < end && p[1] >= '0' && p[1] <= '9')
		return -EBADMSG; /* no leading zero: one spelling per state */
	for (; p < end && *p >= '0' && *p <= '9'; p++) {
		if (seq > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return -ERANGE;
		seq = seq * 10 + (uint64_t)(*p - '0');
	}
	if (p + 1 != end || *p != '\n')
		return -EBADMSG;
	st->next_seq = seq;
	return 0;
}

int fwd_state_load(const char *path, struct fwd_state *st)
{
	char buf[128];
	int n = file_read_head(path, buf, sizeof(buf));

	return n < 0 ? n : fwd_state_parse(buf, (size_t)n, st);
}

int fwd_state_save(const char *path, const struct fwd_state *st)
{
	char line[128];
	int n;

	n = snprintf(line, sizeof(line), FWD_STATE_MAGIC " %s %llu\n",
		     st->log_id[0] ? st->log_id : "-", (unsigned long long)st->next_seq);
	if (n < 0 || n >= (int)sizeof(line))
		return -EINVAL;
	return file_replace(path, line, (size_t)n, 0640);
}
