// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Follows the audit log as a reader: complete lines only (a line the writer
 * is still writing waits), across rotations. The writer rotates by sealing
 * the file, renaming it to PATH.NNNNNN and creating a new PATH whose genesis
 * continues the sequence (docs/audit.md "Files"), so a file is finished once
 * PATH names another inode and the old one reads to its end; the next record
 * is then found by its seq, like after a restart.
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "forward_int.h"
#include "util/file.h"

#define BUF_CAP (4u * FWD_MAX_LINE)

int fwd_log_init(struct fwd_log *l, const char *path)
{
	memset(l, 0, sizeof(*l));
	l->fd = -1;
	l->path = strdup(path);
	l->buf = malloc(BUF_CAP);
	return l->path && l->buf ? 0 : -ENOMEM;
}

void fwd_log_free(struct fwd_log *l)
{
	if (l->fd >= 0)
		close(l->fd);
	free(l->path);
	free(l->buf);
	l->fd = -1;
	l->path = l->buf = NULL;
}

static bool line_seq(const char *s, size_t len, uint64_t *seq)
{
	unsigned long long v;
	char head[40];
	size_t n = len < sizeof(head) - 1 ? len : sizeof(head) - 1;

	memcpy(head, s, n);
	head[n] = '\0';
	if (sscanf(head, "{\"seq\":%llu,", &v) != 1)
		return false;
	*seq = v;
	return true;
}

/* The seq of a file's first record; -ENODATA when it has none yet. */
static int first_seq(const char *path, uint64_t *seq)
{
	char head[40];
	int n = file_read_head(path, head, sizeof(head));

	if (n < 0)
		return n;
	return line_seq(head, (size_t)n, seq) ? 0 : -ENODATA;
}

static void genesis_log_id(struct fwd_log *l, const char *line, size_t len)
{
	static const char key[] = "\"log_id\":\"";
	const char *p;

	if (!memmem(line, len < 64 ? len : 64, "\"type\":\"genesis\"", 16))
		return;
	p = memmem(line, len, key, sizeof(key) - 1);
	if (p && (size_t)(p - line) + sizeof(key) - 1 + 32 < len) {
		memcpy(l->log_id, p + sizeof(key) - 1, 32);
		l->log_id[32] = '\0';
	}
}

/*
 * Picks the file holding seq by name, then opens it; -EAGAIN when a rotation
 * renamed or replaced it in between (the file opened is not the one chosen).
 */
static int seek_once(struct fwd_log *l, uint64_t *seq)
{
	char pat[4096], head[1024], *best = NULL;
	uint64_t best_seq = 0, old_seq = UINT64_MAX, later = 0, s = 0;
	char *oldest = NULL;
	struct stat sb;
	glob_t g = { 0 };
	ssize_t n;
	size_t i;
	int fd, err = 0;

	if (snprintf(pat, sizeof(pat), "%s.[0-9][0-9][0-9][0-9][0-9][0-9]*", l->path) >=
	    (int)sizeof(pat))
		return -ENAMETOOLONG;
	if (glob(pat, GLOB_NOSORT, NULL, &g) == GLOB_NOSPACE)
		return -ENOMEM;
	for (i = 0; i <= g.gl_pathc; i++) {
		char *p = i < g.gl_pathc ? g.gl_pathv[i] : l->path;

		if (first_seq(p, &s))
			continue;
		if (s <= *seq && (!best || s >= best_seq)) {
			best = p;
			best_seq = s;
		}
		if (s > *seq && (!later || s < later))
			later = s;
		if (s < old_seq) {
			oldest = p;
			old_seq = s;
		}
	}
	l->gap_from = l->gap_to = 0;
	l->later_seq = best ? later : 0;
	if (!best && oldest) {
		/* Rotated away and deleted: start at what is left and say what is not. */
		best = oldest;
		best_seq = old_seq;
		l->gap_from = *seq;
		l->gap_to = old_seq;
		*seq = old_seq;
	}
	if (!best) {
		err = -ENOENT;
		goto out;
	}
	fd = open(best, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = errno == ENOENT ? -EAGAIN : -errno;
		goto out;
	}
	n = pread(fd, head, sizeof(head), 0);
	if (n < 0 || fstat(fd, &sb))
		err = -errno;
	else if (!line_seq(head, (size_t)n, &s) || s != best_seq)
		err = -EAGAIN; /* PATH is already the next file: its records start later */
	if (err) {
		close(fd);
		goto out;
	}
	/* Every file starts with a genesis naming the log: the caller compares it. */
	genesis_log_id(l, head, (size_t)n);
	if (l->fd >= 0)
		close(l->fd);
	l->fd = fd;
	l->dev = sb.st_dev;
	l->ino = sb.st_ino;
out:
	globfree(&g);
	return err;
}

int fwd_log_seek(struct fwd_log *l, uint64_t seq)
{
	uint64_t at = seq;
	int err, tries;

	/* A rotation is a rename and a create: it cannot race one reader for long. */
	for (tries = 0; tries < 8; tries++) {
		at = seq;
		err = seek_once(l, &at);
		if (err != -EAGAIN)
			break;
	}
	if (err)
		return err == -EAGAIN ? -ENOENT : err;
	l->len = l->off = 0;
	l->after_cut = false;
	l->skip_below = at;
	l->next_seq = at;
	return 0;
}

/* At the end of the open file: whether the writer has moved on to a new one. */
static bool rotated(const struct fwd_log *l)
{
	struct stat sb;

	if (stat(l->path, &sb))
		return false; /* between rename and create: the new file comes */
	return sb.st_dev != l->dev || sb.st_ino != l->ino;
}

int fwd_log_next(struct fwd_log *l, const char **line, size_t *len, uint64_t *next_seq)
{
	bool drained = false;
	char id[sizeof(l->log_id)];
	uint64_t from;
	struct stat sb;
	dev_t dev;
	ino_t ino;
	int err;

	if (l->fd < 0)
		return -EBADF;
	for (;;) {
		char *s = l->buf + l->off;
		char *nl = memchr(s, '\n', l->len - l->off);
		uint64_t seq;
		ssize_t r;

		if (nl) {
			size_t n = (size_t)(nl - s);
			bool rec = line_seq(s, n, &seq);

			l->off += n + 1;
			if (rec && l->after_cut) {
				/* Records written before the cut and not read yet went with it. */
				if (seq > l->next_seq) {
					l->gap_from = l->next_seq;
					l->gap_to = seq;
				}
				l->after_cut = false;
			}
			if (rec && seq < l->skip_below)
				continue;
			if (!rec && l->skip_below)
				continue; /* a torn fragment before the resume point */
			if (rec) {
				l->skip_below = 0;
				l->next_seq = seq + 1;
				genesis_log_id(l, s, n);
			}
			*line = s;
			*len = n;
			*next_seq = l->next_seq;
			return 0;
		}
		if (l->off) {
			memmove(l->buf, l->buf + l->off, l->len - l->off);
			l->len -= l->off;
			l->off = 0;
		}
		if (l->len == BUF_CAP)
			l->len = 0; /* longer than any record: not one, drop it */
		r = read(l->fd, l->buf + l->len, BUF_CAP - l->len);
		if (r > 0) {
			l->len += (size_t)r;
			continue;
		}
		if (r < 0)
			return -errno;
		/*
		 * Truncated in place (logrotate's copytruncate, `: > FILE`): the same inode, now
		 * shorter than what was read. The writer appends from its start: read it again.
		 */
		if (!fstat(l->fd, &sb) && sb.st_size < lseek(l->fd, 0, SEEK_CUR)) {
			if (lseek(l->fd, 0, SEEK_SET) < 0)
				return -errno;
			l->len = 0; /* the start of a line the cut took */
			l->truncated = l->after_cut = true;
			continue;
		}
		/* End of file: finished only if it was rotated and still reads to its end. */
		if (!rotated(l))
			return -EAGAIN;
		if (!drained) {
			drained = true;
			continue;
		}
		dev = l->dev;
		ino = l->ino;
		memcpy(id, l->log_id, sizeof(id));
		err = fwd_log_seek(l, l->next_seq);
		if (err)
			return err;
		/* Files moved away and a writer started anew: the old log's seq means nothing here. */
		if (strcmp(id, l->log_id))
			return -ESTALE;
		if (l->dev == dev && l->ino == ino) {
			if (!l->later_seq)
				return -EAGAIN; /* the new file has no genesis yet */
			/* It ends below seq, a later file starts above: the files between are gone. */
			from = l->next_seq;
			err = fwd_log_seek(l, l->later_seq);
			if (err)
				return err;
			if (strcmp(id, l->log_id))
				return -ESTALE;
			if (l->next_seq > from) {
				l->gap_from = from;
				l->gap_to = l->next_seq;
			}
		}
		drained = false;
	}
}
