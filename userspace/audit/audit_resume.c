// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Opening an existing log (docs/audit.md, Durability): the newest rotated
 * file, the chain's key state read back from its records, a torn tail kept
 * and recorded, then appending where the previous writer stopped. Called by
 * audit_writer_open() only, before the writer is shared.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "audit.h"
#include "audit_int.h"
#include "audit_writer_int.h"

void writer_read_line(const char *path, char *buf, size_t sz)
{
	FILE *f = fopen(path, "re");

	buf[0] = 0;
	if (f && fgets(buf, (int)sz, f))
		buf[strcspn(buf, "\n")] = 0;
	if (f)
		fclose(f);
}

/* The newest rotated file PATH.NNNNNN: its index, or 0 when there is none. */
uint64_t writer_newest_rotated(const char *path)
{
	char *dcopy = strdup(path), *bcopy = strdup(path), *base;
	uint64_t best = 0;
	struct dirent *de;
	size_t blen;
	DIR *d;

	if (!dcopy || !bcopy)
		goto out;
	base = basename(bcopy);
	blen = strlen(base);
	d = opendir(dirname(dcopy));
	if (!d)
		goto out;
	while ((de = readdir(d))) {
		const char *s = de->d_name + blen + 1;
		char *end;
		unsigned long long v;

		if (strncmp(de->d_name, base, blen) || de->d_name[blen] != '.' || strlen(s) != 6)
			continue;
		v = strtoull(s, &end, 10);
		if (!*end && v > best)
			best = v;
	}
	closedir(d);
out:
	free(dcopy);
	free(bcopy);
	return best;
}

/* Key state the chain expects next: after the last seal naming a key, or the genesis. */
struct chain_state {
	uint64_t epoch;
	uint8_t pub[32];
	bool pub_known;
	uint8_t root[32];
	bool closed; /* last record is a shutdown or rotate seal */
	bool rotate_pending; /* last record is a rotate seal: the rename did not happen */
};

static int scan_log(struct audit_writer *w, const struct audit_lines *l, struct chain_state *cs)
{
	struct audit_record first, last, r;
	const char *why;
	char buf[80];
	bool key_found = false;
	size_t i;
	uint64_t u;

	if (audit_rec_parse(l->data + l->off[0], l->len[0], &first, &why))
		return -EBADMSG;
	if (!audit_rec_is(&first, "genesis") ||
	    audit_unhex(audit_rec_cstr_get(&first, "key", buf, sizeof(buf)), 64, cs->root, 32)) {
		audit_rec_free(&first);
		return -EBADMSG;
	}
	audit_rec_cstr_get(&first, "log_id", w->log_id, sizeof(w->log_id));
	audit_rec_u64_get(&first, "file", &w->file_index);
	audit_rec_free(&first);
	if (audit_rec_parse(l->data + l->off[l->n - 1], l->len[l->n - 1], &last, &why) ||
	    !audit_rec_u64_get(&last, "seq", &w->seq))
		return -EBADMSG;
	memcpy(w->head, last.hash, 32);
	audit_hex(w->head, 32, w->prev_hex);
	w->seq++;
	cs->closed = audit_rec_is(&last, "seal") &&
		     (!strcmp(audit_rec_cstr_get(&last, "reason", buf, sizeof(buf)), "shutdown") ||
		      !strcmp(buf, "rotate"));
	cs->rotate_pending = cs->closed && !strcmp(buf, "rotate");
	audit_rec_free(&last);
	for (i = l->n; i-- > 0 && !key_found;) {
		if (audit_rec_parse(l->data + l->off[i], l->len[i], &r, &why))
			continue;
		if (audit_rec_is(&r, "seal") && audit_rec_u64_get(&r, "epoch", &u)) {
			const struct audit_field *np = audit_rec_get(&r, "next_pubkey");

			cs->epoch = u;
			if (np && !audit_unhex(np->s, np->len, cs->pub, 32)) {
				cs->epoch++;
				cs->pub_known = true;
				key_found = true;
			} else if (!np) {
				key_found = true; /* no forward security: epoch stays */
			}
		} else if (audit_rec_is(&r, "genesis") && audit_rec_u64_get(&r, "epoch", &u)) {
			cs->epoch = u;
			cs->pub_known =
				!audit_unhex(audit_rec_cstr_get(&r, "pubkey", buf, sizeof(buf)), 64,
					     cs->pub, 32);
			key_found = true;
		}
		audit_rec_free(&r);
	}
	w->file_records = l->n;
	w->file_size = l->size;
	return 0;
}

/* Brings the key to the epoch the chain expects (a crash may fall between seal and key update). */
static int key_catch_up(struct audit_writer *w, const struct chain_state *cs)
{
	bool moved = false;

	if (memcmp(w->key.root, cs->root, 32) || w->key.epoch > cs->epoch)
		return -EKEYREJECTED;
	while (w->key.epoch < cs->epoch) {
		writer_drop_signer(w);
		audit_key_evolve(&w->key);
		moved = true;
	}
	if (cs->pub_known && memcmp(w->key.pub, cs->pub, 32))
		return -EKEYREJECTED;
	return moved ? audit_key_store(w->key_dir, &w->key) : 0;
}

int writer_resume_from(struct audit_writer *w, const char *path, bool same_file)
{
	struct chain_state cs = { 0 };
	struct audit_lines l;
	char detail[160], rpath[4096];
	uint64_t last;
	int err;

	err = audit_lines_read(path, &l);
	if (err)
		return err;
	if (!l.n) {
		audit_lines_free(&l);
		return -ENODATA;
	}
	err = scan_log(w, &l, &cs);
	if (!err)
		err = key_catch_up(w, &cs);
	if (err) {
		audit_lines_free(&l);
		return err;
	}
	last = w->seq - 1;
	w->resume.resumed = true;
	w->resume.after_crash = !cs.closed || l.tail_len;
	if (same_file && cs.rotate_pending && !l.tail_len) {
		/* Sealed for rotation, then stopped before the rename: finish it. */
		snprintf(rpath, sizeof(rpath), "%s.%06llu", path,
			 (unsigned long long)w->file_index);
		if (rename(path, rpath) < 0) {
			audit_lines_free(&l);
			return -errno;
		}
		same_file = false;
	}
	if (!same_file) {
		w->file_index++;
		err = writer_open_new_file(w);
	} else {
		w->fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
		err = w->fd < 0 ? -errno : writer_lock_fd(w->fd);
		if (!err && l.tail_len) {
			w->resume.torn_bytes = l.tail_len;
			err = writer_append_torn(w, l.data + l.tail_off, l.tail_len);
		}
	}
	if (!err && w->resume.after_crash) {
		snprintf(detail, sizeof(detail),
			 "the previous writer stopped without closing the log after seq %llu",
			 (unsigned long long)last);
		err = audit_append_lifecycle(w, "recovered", detail);
	}
	audit_lines_free(&l);
	return err;
}
