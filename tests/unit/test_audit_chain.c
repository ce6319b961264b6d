// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Chain, seals, rotation, crash recovery, and verify on every kind of tampering. */
#include <glob.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "audit_test.h"

/* A closed 30-decision log read into f->t: lines 0 genesis, 1 start, 2..31, 32 stop, 33 seal. */
static void closed_log(struct log_fixture *f)
{
	unlink(f->d.log);
	write_log(&f->c, 30);
	assert_int_equal(audit_key_pubkey_hex(f->d.keys, f->pub), 0);
	tl_read(f->d.log, &f->t);
	assert_int_equal(f->t.n, 34);
}

static enum audit_verdict rewrite_and_verify(struct log_fixture *f)
{
	tl_write(f->d.log, &f->t, NULL);
	return verify1(f->d.log, f->pub, false, &f->rep);
}

/* What an intruder without the key can do: re-hash a line onto a chosen predecessor. */
static char *rehash_signed(const char *line, const char *edit_from, const char *edit_to,
			   const uint8_t prev[32], uint8_t out_hash[32], const uint8_t *seed)
{
	struct audit_record r;
	struct audit_hasher *h = audit_hasher_new();
	struct audit_signer *signer;
	struct abuf b = { 0 }, msg = { 0 };
	char prev_hex[65], sig_hex[129], buf[4][80], *s = strdup(line), *p;
	const char *why;
	uint8_t sig[64];
	uint64_t seq = 0;
	size_t i;

	if (edit_from && (p = strstr(s, edit_from)))
		memcpy(p, edit_to, strlen(edit_to));
	assert_int_equal(audit_rec_parse(s, strlen(s), &r, &why), 0);
	audit_hex(prev, 32, prev_hex);
	for (i = 0; i < r.n; i++)
		if (!strcmp(r.f[i].key, "prev"))
			r.f[i].s = prev_hex;
	if (seed && audit_rec_is(&r, "seal")) {
		audit_rec_u64_get(&r, "seq", &seq);
		audit_seal_message(&msg, audit_rec_cstr_get(&r, "log_id", buf[0], 80), seq,
				   prev_hex, audit_rec_cstr_get(&r, "time", buf[1], 80),
				   audit_rec_cstr_get(&r, "reason", buf[2], 80),
				   audit_rec_cstr_get(&r, "next_pubkey", buf[3], 80));
		signer = audit_signer_new(seed);
		assert_non_null(signer);
		assert_int_equal(audit_signer_sign(signer, msg.p, msg.len, sig), 0);
		audit_signer_free(signer);
		abuf_free(&msg);
		audit_hex(sig, 64, sig_hex);
		for (i = 0; i < r.n; i++)
			if (!strcmp(r.f[i].key, "sig"))
				r.f[i].s = sig_hex;
	}
	audit_rec_format(&r, &b);
	assert_int_equal(audit_chain_hash(h, prev, b.p, b.len, out_hash), 0);
	audit_line_finish(&b, 0, out_hash);
	b.p[b.len - 1] = 0;
	audit_rec_free(&r);
	audit_hasher_free(h);
	free(s);
	return b.p;
}

static char *rehash(const char *line, const char *edit_from, const char *edit_to,
		    const uint8_t prev[32], uint8_t out_hash[32])
{
	return rehash_signed(line, edit_from, edit_to, prev, out_hash, NULL);
}

static void line_hash(const char *line, uint8_t h[32])
{
	const char *p = strstr(line, "\"hash\":\"");

	assert_non_null(p);
	assert_int_equal(audit_unhex(p + 8, 64, h, 32), 0);
}

static void test_intact(void **state)
{
	struct log_fixture *f = *state;

	closed_log(f);
	assert_int_equal(verify1(f->d.log, f->pub, false, &f->rep), AUDIT_OK);
	assert_int_equal(f->rep.records, 34);
	assert_int_equal(f->rep.seals, 1);
	assert_int_equal(f->rep.first_seq, 0);
	assert_int_equal(f->rep.last_seq, 33);
	assert_string_equal(f->rep.note, "");
	/* Without --pubkey it still verifies, and says what that does not prove. */
	assert_int_equal(verify1(f->d.log, NULL, false, &f->rep), AUDIT_OK);
	assert_non_null(strstr(f->rep.note, "No --pubkey"));
}

static void test_edit_byte(void **state)
{
	struct log_fixture *f = *state;
	char *p;

	closed_log(f);
	p = strstr(f->t.l[10], "project");
	p[0] = 'P';
	assert_int_equal(rewrite_and_verify(f), AUDIT_EDITED);
	assert_int_equal(f->rep.bad_seq, 10);
	assert_non_null(strstr(f->rep.where, "audit.log:11"));
	/* The hash itself edited. */
	tl_free(&f->t);
	closed_log(f);
	p = strstr(f->t.l[5], "\"hash\":\"") + 8;
	p[0] = p[0] == 'a' ? 'b' : 'a';
	assert_int_equal(rewrite_and_verify(f), AUDIT_EDITED);
	assert_int_equal(f->rep.bad_seq, 5);
	/* Non-canonical spelling of the same content. */
	tl_free(&f->t);
	closed_log(f);
	p = strstr(f->t.l[7], "{\"seq\":");
	memcpy(p, "{\"seq\" ", 7);
	assert_int_equal(rewrite_and_verify(f), AUDIT_EDITED);
}

static void test_delete(void **state)
{
	struct log_fixture *f = *state;

	closed_log(f);
	tl_remove(&f->t, 10);
	tl_remove(&f->t, 10);
	assert_int_equal(rewrite_and_verify(f), AUDIT_MISSING);
	assert_int_equal(f->rep.bad_seq, 10);
	assert_non_null(strstr(f->rep.why, "10..11"));
}

static void test_insert(void **state)
{
	struct log_fixture *f = *state;
	uint8_t prev[32], h[32];
	char *forged;

	closed_log(f);
	line_hash(f->t.l[9], prev);
	forged = rehash(f->t.l[10], "project", "PROJECT", prev, h);
	tl_insert(&f->t, 10, forged);
	free(forged);
	assert_int_equal(rewrite_and_verify(f), AUDIT_INSERTED);
	assert_int_equal(f->rep.bad_seq, 10);
}

static void test_swap(void **state)
{
	struct log_fixture *f = *state;
	char *tmp;

	closed_log(f);
	tmp = f->t.l[10];
	f->t.l[10] = f->t.l[11];
	f->t.l[11] = tmp;
	assert_int_equal(rewrite_and_verify(f), AUDIT_REORDERED);
	assert_int_equal(f->rep.bad_seq, 10);
}

static void test_duplicate(void **state)
{
	struct log_fixture *f = *state;

	closed_log(f);
	tl_insert(&f->t, 11, f->t.l[10]);
	assert_int_equal(rewrite_and_verify(f), AUDIT_DUPLICATED);
	assert_int_equal(f->rep.bad_seq, 10);
	/* Replayed much later. */
	tl_remove(&f->t, 11);
	tl_insert(&f->t, 20, f->t.l[5]);
	assert_int_equal(rewrite_and_verify(f), AUDIT_DUPLICATED);
	assert_int_equal(f->rep.bad_seq, 5);
}

/* One file named twice (overlapping globs, a link) is a usage error naming both, not tampering. */
static void test_file_given_twice(void **state)
{
	struct log_fixture *f = *state;
	struct audit_verify_opts o = { 0 };
	char link[128], *paths[] = { f->d.log, link };

	closed_log(f);
	snprintf(link, sizeof(link), "%s/again.log", f->d.root);
	assert_int_equal(symlink(f->d.log, link), 0);
	assert_int_equal(audit_verify_files(paths, 2, &o, &f->rep), 0);
	assert_int_equal(f->rep.verdict, AUDIT_USAGE);
	assert_string_equal(f->rep.where, link);
	assert_non_null(strstr(f->rep.why, f->d.log));
	assert_non_null(strstr(f->rep.why, "given twice"));
	paths[1] = f->d.log;
	assert_int_equal(audit_verify_files(paths, 2, &o, &f->rep), 0);
	assert_int_equal(f->rep.verdict, AUDIT_USAGE);
}

static void test_drop_first_last(void **state)
{
	struct log_fixture *f = *state;

	closed_log(f);
	tl_remove(&f->t, 0);
	assert_int_equal(rewrite_and_verify(f), AUDIT_MISSING);
	assert_int_equal(f->rep.bad_seq, 1);
	tl_free(&f->t);
	closed_log(f);
	tl_remove(&f->t, f->t.n - 1);
	assert_int_equal(rewrite_and_verify(f), AUDIT_UNSEALED);
	assert_int_equal(f->rep.bad_seq, 0); /* nothing after genesis was ever sealed */
	/* Cut back to a periodic seal: only --open accepts it. */
	tl_free(&f->t);
	tdir_remove(&f->d);
	tdir_make(&f->d);
	f->c = tcfg(&f->d);
	f->c.seal_every = 8;
	write_log(&f->c, 30);
	assert_int_equal(audit_key_pubkey_hex(f->d.keys, f->pub), 0);
	tl_read(f->d.log, &f->t);
	while (!strstr(f->t.l[f->t.n - 1], "\"reason\":\"periodic\""))
		tl_remove(&f->t, f->t.n - 1);
	assert_int_equal(rewrite_and_verify(f), AUDIT_UNSEALED);
	assert_int_equal(verify1(f->d.log, f->pub, true, &f->rep), AUDIT_OK);
}

/* Re-hashing everything after an edit makes the chain consistent; the seal still catches it. */
static void test_rechain_needs_key(void **state)
{
	struct log_fixture *f = *state;
	uint8_t prev[32], h[32];
	int i;

	closed_log(f);
	line_hash(f->t.l[9], prev);
	for (i = 10; i < f->t.n; i++) {
		char *s = rehash(f->t.l[i], i == 10 ? "project" : NULL, "PROJECT", prev, h);

		free(f->t.l[i]);
		f->t.l[i] = s;
		memcpy(prev, h, 32);
	}
	assert_int_equal(rewrite_and_verify(f), AUDIT_BAD_SIGNATURE);
	assert_int_equal(f->rep.bad_seq, 33);
}

static void test_wrong_key(void **state)
{
	struct log_fixture *f = *state;

	closed_log(f);
	f->pub[0] = f->pub[0] == 'a' ? 'b' : 'a';
	assert_int_equal(verify1(f->d.log, f->pub, false, &f->rep), AUDIT_BAD_SIGNATURE);
	assert_int_equal(verify1(f->d.log, "xyz", false, &f->rep), AUDIT_USAGE);
}

/* The writer killed without closing (as by kill -9), optionally mid-record. */
static void crash_writer(struct log_fixture *f, unsigned int n, const char *partial)
{
	pid_t pid = fork();
	int status, err;

	assert_true(pid >= 0);
	if (!pid) {
		struct audit_writer *w = audit_writer_open(&f->c, &err);

		if (!w)
			_exit(1);
		append_n(w, n);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(status, 0);
	if (partial) {
		FILE *fp = fopen(f->d.log, "a");

		fputs(partial, fp);
		fclose(fp);
	}
	assert_int_equal(audit_key_pubkey_hex(f->d.keys, f->pub), 0);
}

/* The crashed writer synced every record; the one resuming batches when fsync_ms > 0. */
static void torn_vs_truncation(struct log_fixture *f, unsigned int fsync_ms)
{
	struct audit_writer *w;
	int err;

	crash_writer(f, 20, "{\"seq\":21,\"type\":\"decision\",\"ti");
	assert_int_equal(verify1(f->d.log, f->pub, false, &f->rep), AUDIT_TORN);
	assert_int_equal(f->rep.last_seq, 20);
	/* Restart: the torn line is kept, accounted for, and the crash is recorded. */
	f->c.fsync_ms = fsync_ms;
	w = audit_writer_open(&f->c, &err);
	assert_non_null(w);
	assert_true(audit_writer_resume_info(w)->after_crash);
	assert_int_equal(audit_writer_resume_info(w)->torn_bytes, 31);
	assert_int_equal(audit_writer_resume_info(w)->next_seq, 23); /* torn 21, recovered 22 */
	append_n(w, 5);
	assert_int_equal(audit_writer_close(w), 0);
	assert_int_equal(verify1(f->d.log, f->pub, false, &f->rep), AUDIT_OK);
	assert_int_equal(f->rep.torn_recovered, 1);
	tl_read(f->d.log, &f->t);
	assert_non_null(strstr(f->t.l[21], "{\"seq\":21,\"type\":\"decision\",\"ti"));
	assert_non_null(strstr(f->t.l[22], "\"type\":\"torn\""));
	assert_non_null(strstr(f->t.l[23], "\"what\":\"recovered\""));
	/* The recorded torn line edited afterwards no longer matches its record. */
	f->t.l[21][3] = 'X';
	assert_int_equal(rewrite_and_verify(f), AUDIT_EDITED);
}

static void test_torn_vs_truncation(void **state)
{
	torn_vs_truncation(*state, 0);
}

/* Resumed with fsync batched, as the daemon runs: records after the torn line are chained late. */
static void test_torn_batched(void **state)
{
	torn_vs_truncation(*state, 50);
}

static void test_truncation_unsealed(void **state)
{
	struct log_fixture *f = *state;
	struct audit_writer *w;
	int err;

	crash_writer(f, 20, NULL);
	/* Whole records cut off, or a crash between records: both unsealed, not torn. */
	assert_int_equal(verify1(f->d.log, f->pub, false, &f->rep), AUDIT_UNSEALED);
	assert_int_equal(f->rep.bad_seq, 0);
	w = audit_writer_open(&f->c, &err);
	assert_non_null(w);
	assert_true(audit_writer_resume_info(w)->after_crash);
	assert_int_equal(audit_writer_resume_info(w)->torn_bytes, 0);
	assert_int_equal(audit_writer_close(w), 0);
	assert_int_equal(verify1(f->d.log, f->pub, false, &f->rep), AUDIT_OK);
	/* A clean restart is not a crash. */
	w = audit_writer_open(&f->c, &err);
	assert_non_null(w);
	assert_false(audit_writer_resume_info(w)->after_crash);
	assert_int_equal(audit_writer_close(w), 0);
	assert_int_equal(verify1(f->d.log, f->pub, false, &f->rep), AUDIT_OK);
	assert_int_equal(f->rep.seals, 2);
}

/*
 * A log of nothing but NUL bytes (zeroed by a crash, or cut in place under a writer without
 * O_APPEND): no record was read, so no torn tail "after seq 0", but no records, as empty.
 */
static void test_only_fragment(void **state)
{
	struct log_fixture *f = *state;
	static const char nul[4096];
	FILE *fp = fopen(f->d.log, "w");

	assert_non_null(fp);
	assert_int_equal(fwrite(nul, 1, sizeof(nul), fp), sizeof(nul));
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(verify1(f->d.log, NULL, false, &f->rep), AUDIT_MISSING);
	assert_int_equal(f->rep.records, 0);
	assert_null(strstr(f->rep.why, "after seq"));
	assert_non_null(strstr(f->rep.why, "no records: nothing but an incomplete line (4096 b"));
}

static int rotated_files(struct log_fixture *f, char **paths, int max)
{
	char pat[128];
	glob_t g;
	int n = 0;
	size_t i;

	snprintf(pat, sizeof(pat), "%s.*", f->d.log);
	assert_int_equal(glob(pat, 0, NULL, &g), 0);
	for (i = g.gl_pathc; i-- > 0 && n < max - 1;) /* newest first: order must not matter */
		paths[n++] = strdup(g.gl_pathv[i]);
	globfree(&g);
	paths[n++] = strdup(f->d.log);
	return n;
}

static void test_rotation(void **state)
{
	struct log_fixture *f = *state;
	struct audit_verify_opts o = { 0 };
	char *paths[64], *one[1], *two[2];
	int n, i;

	f->c.max_bytes = 8192;
	f->c.seal_every = 7;
	write_log(&f->c, 200);
	assert_int_equal(audit_key_pubkey_hex(f->d.keys, f->pub), 0);
	o.pubkey_hex = f->pub;
	n = rotated_files(f, paths, 64);
	assert_true(n > 4);
	assert_int_equal(audit_verify_files(paths, n, &o, &f->rep), 0);
	assert_int_equal(f->rep.verdict, AUDIT_OK);
	assert_int_equal(f->rep.first_seq, 0);
	/* Every file stays within the bound. */
	for (i = 0; i < n; i++) {
		FILE *fp = fopen(paths[i], "r");

		fseek(fp, 0, SEEK_END);
		assert_true(ftell(fp) <= 8192);
		fclose(fp);
	}
	/* A single rotated file verifies alone, and says what it did not check. */
	one[0] = paths[1];
	assert_int_equal(audit_verify_files(one, 1, &o, &f->rep), 0);
	assert_int_equal(f->rep.verdict, AUDIT_OK);
	assert_non_null(strstr(f->rep.note, "earlier files"));
	/* The oldest two files alone: intact, ending in a rotation seal. */
	two[0] = paths[n - 2];
	two[1] = paths[n - 3];
	assert_int_equal(audit_verify_files(two, 2, &o, &f->rep), 0);
	assert_int_equal(f->rep.verdict, AUDIT_OK);
	assert_non_null(strstr(f->rep.note, "newer files"));
	/* A middle file missing breaks the link. */
	two[1] = paths[n - 4];
	assert_int_equal(audit_verify_files(two, 2, &o, &f->rep), 0);
	assert_int_equal(f->rep.verdict, AUDIT_BROKEN_LINK);
	for (i = 0; i < n; i++)
		free(paths[i]);
}

static void test_splice(void **state)
{
	struct log_fixture *f = *state;
	struct tdir other;
	struct audit_config oc;
	struct audit_verify_opts o = { 0 };
	char *paths[64], *other_paths[64], *mix[2];
	int n, m, i;

	f->c.max_bytes = 8192;
	write_log(&f->c, 100);
	/* A second log, same key, same rotation: its files cannot stand in for ours. */
	tdir_make(&other);
	oc = tcfg(&other);
	oc.key_dir = f->d.keys;
	oc.max_bytes = 8192;
	write_log(&oc, 100);
	assert_int_equal(audit_key_pubkey_hex(f->d.keys, f->pub), 0);
	o.pubkey_hex = f->pub;
	n = rotated_files(f, paths, 64);
	{
		struct log_fixture g = { .d = other };

		m = rotated_files(&g, other_paths, 64);
	}
	mix[0] = paths[n - 2]; /* our first file */
	mix[1] = other_paths[m - 3]; /* their second file */
	assert_int_equal(audit_verify_files(mix, 2, &o, &f->rep), 0);
	assert_int_equal(f->rep.verdict, AUDIT_BROKEN_LINK);
	/* Two files concatenated into one, in the wrong order. */
	{
		char cmd[512];

		snprintf(cmd, sizeof(cmd), "cat '%s' '%s' > '%s/cat.log'", paths[n - 3],
			 paths[n - 2], f->d.root);
		assert_int_equal(system(cmd), 0);
		snprintf(cmd, sizeof(cmd), "%s/cat.log", f->d.root);
		assert_int_equal(verify1(cmd, f->pub, false, &f->rep), AUDIT_REORDERED);
	}
	for (i = 0; i < n; i++)
		free(paths[i]);
	for (i = 0; i < m; i++)
		free(other_paths[i]);
	tdir_remove(&other);
}

static void test_forward_secure(void **state)
{
	struct log_fixture *f = *state;
	struct audit_writer *w;
	struct audit_key k;
	int err;

	f->c.forward_secure = true;
	f->c.seal_every = 5;
	write_log(&f->c, 30);
	assert_int_equal(audit_key_pubkey_hex(f->d.keys, f->pub), 0);
	assert_int_equal(verify1(f->d.log, f->pub, false, &f->rep), AUDIT_OK);
	assert_int_equal(audit_key_load(f->d.keys, &k), 0);
	assert_int_equal(k.epoch, f->rep.seals);
	assert_true(k.epoch >= 7);
	audit_key_wipe(&k);
	/* Resume with the evolved key; the chain of keys still leads from the first one. */
	w = audit_writer_open(&f->c, &err);
	assert_non_null(w);
	append_n(w, 12);
	assert_int_equal(audit_writer_close(w), 0);
	assert_int_equal(verify1(f->d.log, f->pub, false, &f->rep), AUDIT_OK);
	/* An intruder holding today's key edits a record and re-signs the seal after it. */
	assert_int_equal(audit_key_load(f->d.keys, &k), 0);
	tl_read(f->d.log, &f->t);
	{
		uint8_t prev[32], h[32];
		int i;

		line_hash(f->t.l[2], prev);
		for (i = 3; i < f->t.n; i++) {
			char *s = rehash_signed(f->t.l[i], i == 3 ? "project" : NULL, "PROJECT",
						prev, h, k.seed);

			free(f->t.l[i]);
			f->t.l[i] = s;
			memcpy(prev, h, 32);
		}
	}
	audit_key_wipe(&k);
	assert_int_equal(rewrite_and_verify(f), AUDIT_BAD_SIGNATURE);
	assert_non_null(strstr(f->rep.why, "epoch 0"));
}

/*
 * A trust root whose key is gone is never replaced: neither by keygen nor by a
 * writer's first start; logs sealed by the lost key verify only with it. Key
 * creations racing in child processes all end with the one pair they share.
 */
static void test_key_trust_root_kept(void **state)
{
	struct log_fixture *f = *state;
	char path[4200], pub[65], again[65];
	struct audit_writer *w;
	int i, err, st;

	assert_int_equal(audit_key_ensure(f->d.keys), 0);
	assert_int_equal(audit_key_pubkey_hex(f->d.keys, pub), 0);
	snprintf(path, sizeof(path), "%s/audit.key", f->d.keys);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(audit_key_ensure(f->d.keys), -EEXIST);
	w = audit_writer_open(&f->c, &err);
	assert_null(w);
	assert_int_equal(err, -EEXIST);
	assert_int_equal(audit_key_pubkey_hex(f->d.keys, again), 0);
	assert_string_equal(again, pub);
	snprintf(path, sizeof(path), "%s/audit.pub", f->d.keys);
	assert_int_equal(unlink(path), 0);
	for (i = 0; i < 8; i++)
		if (!fork())
			_exit(audit_key_ensure(f->d.keys) ? 1 : 0);
	for (i = 0; i < 8; i++) {
		assert_true(wait(&st) > 0);
		assert_int_equal(st, 0);
	}
	assert_int_equal(audit_key_pubkey_hex(f->d.keys, pub), 0);
	w = audit_writer_open(&f->c, &err);
	assert_non_null(w);
	append_n(w, 3);
	assert_int_equal(audit_writer_close(w), 0);
	assert_int_equal(verify1(f->d.log, pub, false, &f->rep), AUDIT_OK);
}

/*
 * A first creation that fails after audit.pub is in place (here audit.key's temporary
 * name is taken by a directory) takes audit.pub away again: a root left without its key
 * would make every later start refuse (-EEXIST). The next try makes a whole pair.
 */
static void test_key_failed_creation_cleans_up(void **state)
{
	struct log_fixture *f = *state;
	char path[4200], pub[65];

	assert_int_equal(mkdir(f->d.keys, 0700), 0);
	snprintf(path, sizeof(path), "%s/.audit.key.%d", f->d.keys, (int)getpid());
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(audit_key_ensure(f->d.keys), -EISDIR);
	snprintf(path, sizeof(path), "%s/audit.pub", f->d.keys);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(errno, ENOENT);
	snprintf(path, sizeof(path), "%s/.audit.key.%d", f->d.keys, (int)getpid());
	assert_int_equal(rmdir(path), 0);
	assert_int_equal(audit_key_ensure(f->d.keys), 0);
	assert_int_equal(audit_key_pubkey_hex(f->d.keys, pub), 0);
}

static void test_gaps(void **state)
{
	struct log_fixture *f = *state;
	struct audit_writer *w;
	int err;

	w = audit_writer_open(&f->c, &err);
	assert_non_null(w);
	append_n(w, 3);
	assert_int_equal(audit_append_gap(w, 5), 0);
	append_n(w, 3);
	assert_int_equal(audit_append_gap(w, 7), 0);
	assert_int_equal(audit_writer_close(w), 0);
	assert_int_equal(audit_key_pubkey_hex(f->d.keys, f->pub), 0);
	assert_int_equal(verify1(f->d.log, f->pub, false, &f->rep), AUDIT_OK);
	assert_int_equal(f->rep.gaps_lost, 12);
}

/*
 * A record whose line would pass AUDIT_MAX_LINE is refused, not written: the
 * readers refuse such a line, so one would make the whole log fail verify
 * (and the forwarder skip it). Control bytes are escaped six to one.
 */
static void test_export(void **state)
{
	struct log_fixture *f = *state;
	char *paths[64], out[128], again[PATH_MAX];
	struct audit_skip skip;
	const char *failed;
	FILE *fp;
	int n, i, rows = 0, c;

	f->c.max_bytes = 8192;
	write_log(&f->c, 100);
	assert_int_equal(audit_key_pubkey_hex(f->d.keys, f->pub), 0);
	n = rotated_files(f, paths, 64);
	snprintf(out, sizeof(out), "%s/export.jsonl", f->d.root);
	fp = fopen(out, "w");
	assert_int_equal(audit_export(paths, n, "jsonl", fp, &failed, &skip), 0);
	fclose(fp);
	assert_int_equal(verify1(out, f->pub, false, &f->rep), AUDIT_OK);
	assert_int_equal(f->rep.records, f->rep.last_seq + 1);
	snprintf(out, sizeof(out), "%s/export.csv", f->d.root);
	fp = fopen(out, "w+");
	assert_int_equal(audit_export(paths, n, "csv", fp, &failed, &skip), 0);
	rewind(fp);
	while ((c = fgetc(fp)) != EOF)
		rows += c == '\n';
	fclose(fp);
	assert_int_equal(rows, f->rep.records + 1);
	assert_int_equal(skip.n, 0);
	/* Lines that are not records are left out of the csv, counted, the first one named. */
	snprintf(out, sizeof(out), "%s/junk.log", f->d.root);
	fp = fopen(out, "w");
	fputs("not a record\n{}\n", fp);
	fclose(fp);
	paths[n] = out;
	fp = fopen("/dev/null", "w");
	assert_int_equal(audit_export(paths + n, 1, "csv", fp, &failed, &skip), 0);
	assert_int_equal(skip.n, 2);
	assert_string_equal(skip.file, out);
	assert_int_equal(skip.line, 1);
	assert_int_equal(audit_export(paths + n, 1, "jsonl", fp, &failed, &skip), 0);
	assert_int_equal(skip.n, 0);
	/* A torn last line is in neither format, and said: line 3 of the file. */
	fclose(fp);
	fp = fopen(out, "a");
	fputs("{\"seq\":9,\"type\":\"decis", fp);
	fclose(fp);
	fp = fopen("/dev/null", "w");
	assert_int_equal(audit_export(paths + n, 1, "jsonl", fp, &failed, &skip), 0);
	assert_int_equal(skip.n, 1);
	assert_int_equal(skip.line, 3);
	assert_int_equal(audit_export(paths + n, 1, "csv", fp, &failed, &skip), 0);
	assert_int_equal(skip.n, 3);
	fclose(fp);
	fp = fopen(out, "w");
	assert_int_equal(audit_export(paths, n, "xml", fp, &failed, &skip), -EINVAL);
	/* A file that cannot be read is named, for the error message. */
	assert_true(n < 64);
	paths[n] = "/nonexistent/agentgate.log";
	assert_int_equal(audit_export(paths, n + 1, "csv", fp, &failed, &skip), -ENOENT);
	assert_string_equal(failed, "/nonexistent/agentgate.log");
	paths[n] = f->d.root;
	assert_int_equal(audit_export(paths, n + 1, "jsonl", fp, &failed, &skip), -EISDIR);
	assert_string_equal(failed, f->d.root);
	/* One file named twice, by another name too: refused before anything is written. */
	fclose(fp);
	fp = fopen(out, "w+");
	snprintf(again, sizeof(again), "%s/./%s", f->d.root, paths[0] + strlen(f->d.root) + 1);
	paths[n] = again;
	assert_int_equal(audit_export(paths, n + 1, "jsonl", fp, &failed, &skip), -EEXIST);
	assert_string_equal(failed, again);
	assert_int_equal(ftell(fp), 0);
	fclose(fp);
	for (i = 0; i < n; i++)
		free(paths[i]);
}

/* Network records: a DNS lookup and a connect to an address learned from a name. */
static void test_export_network(void **state)
{
	struct log_fixture *f = *state;
	struct ag_event ev = tevent(1, "pastebin.com");
	struct audit_writer *w;
	char out[512], *paths[] = { f->d.log }, buf[8192];
	struct audit_skip skip;
	const char *failed;
	size_t n;
	int err;
	FILE *fp;

	w = audit_writer_open(&f->c, &err);
	assert_non_null(w);
	ev.action = AG_CLASS_NET_DOMAIN;
	ev.decision = AG_DECISION_DENY;
	assert_int_equal(audit_append_decision(w, &ev, sizeof(ev), tctx()), 0);
	ev = tevent(2, "");
	ev.action = AG_CLASS_NET_ADDR;
	ev.decision = AG_DECISION_ALLOW;
	ev.addr[10] = ev.addr[11] = 0xff;
	memcpy(&ev.addr[12], "\xc0\x00\x02\x07", 4);
	ev.port = 443;
	memcpy(ev.subject, ev.addr, 16);
	ev.subject[16] = 443 >> 8;
	ev.subject[17] = 443 & 0xff;
	memcpy(&ev.subject[AG_NET_ADDR_LEN], "hooks.slack.com", 15);
	ev.subject_len = AG_NET_ADDR_LEN + 15;
	assert_int_equal(audit_append_decision(w, &ev, sizeof(ev), tctx()), 0);
	assert_int_equal(audit_writer_close(w), 0);

	fp = fopen(f->d.log, "r");
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	assert_non_null(
		strstr(buf, "\"action\":\"network\",\"domain\":\"pastebin.com\",\"flags\""));
	assert_non_null(
		strstr(buf, "\"domain\":\"hooks.slack.com\",\"ip\":\"192.0.2.7\",\"port\":443,"));

	snprintf(out, sizeof(out), "%s/export.csv", f->d.root);
	fp = fopen(out, "w+");
	assert_int_equal(audit_export(paths, 1, "csv", fp, &failed, &skip), 0);
	rewind(fp);
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	assert_non_null(strstr(buf, ",action,object,domain,port,"));
	assert_non_null(strstr(buf, ",network,pastebin.com,pastebin.com,,DENY,"));
	assert_non_null(strstr(buf, ",network,192.0.2.7,hooks.slack.com,443,ALLOW,"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_intact, log_setup, log_teardown),
		cmocka_unit_test_setup_teardown(test_edit_byte, log_setup, log_teardown),
		cmocka_unit_test_setup_teardown(test_delete, log_setup, log_teardown),
		cmocka_unit_test_setup_teardown(test_insert, log_setup, log_teardown),
		cmocka_unit_test_setup_teardown(test_swap, log_setup, log_teardown),
		cmocka_unit_test_setup_teardown(test_duplicate, log_setup, log_teardown),
		cmocka_unit_test_setup_teardown(test_file_given_twice, log_setup, log_teardown),
		cmocka_unit_test_setup_teardown(test_drop_first_last, log_setup, log_teardown),
		cmocka_unit_test_setup_teardown(test_rechain_needs_key, log_setup, log_teardown),
		cmocka_unit_test_setup_teardown(test_wrong_key, log_setup, log_teardown),
		cmocka_unit_test_setup_teardown(test_torn_vs_truncation, log_setup, log_teardown),
		cmocka_unit_test_setup_teardown(test_torn_batched, log_setup, log_teardown),
		cmocka_unit_test_setup_teardown(test_truncation_unsealed, log_setup, log_teardown),
		cmocka_unit_test_setup_teardown(test_only_fragment, log_setup, log_teardown),
		cmocka_unit_test_setup_teardown(test_rotation, log_setup, log_teardown),
		cmocka_unit_test_setup_teardown(test_splice, log_setup, log_teardown),
		cmocka_unit_test_setup_teardown(test_forward_secure, log_setup, log_teardown),
		cmocka_unit_test_setup_teardown(test_gaps, log_setup, log_teardown),
		cmocka_unit_test_setup_teardown(test_key_trust_root_kept, log_setup, log_teardown),
		cmocka_unit_test_setup_teardown(test_key_failed_creation_cleans_up, log_setup,
						log_teardown),
		cmocka_unit_test_setup_teardown(test_export, log_setup, log_teardown),
		cmocka_unit_test_setup_teardown(test_export_network, log_setup, log_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
