// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The writer's I/O threads when writes fail: write(2) is wrapped (linked with
 * --wrap=write) so that the disk fills after a budget of bytes, or fails for
 * good, in the middle of the batches the threads have in flight. Whatever
 * was in flight goes back in order: the log verifies, and every decision is
 * a record or counted in a gap. posix_fadvise(3) is wrapped too (passed on):
 * which ranges the writer drops from the page cache; and sysconf(3), so that
 * the drops' boundary is checked for page sizes this host does not have.
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include "audit_test.h"
#include "audit/audit_writer_int.h"

ssize_t __real_write(int fd, const void *buf, size_t n);

static long long room = -1; /* bytes the disk still takes; -1: no limit */
static int fail_err = ENOSPC; /* the errno once room is 0 */

/* Called by the writer's threads: room is read and taken atomically. */
ssize_t __wrap_write(int fd, const void *buf, size_t n)
{
	long long r = __atomic_load_n(&room, __ATOMIC_ACQUIRE), k;

	for (;;) {
		if (r < 0)
			return __real_write(fd, buf, n);
		if (!r) {
			errno = __atomic_load_n(&fail_err, __ATOMIC_ACQUIRE);
			return -1;
		}
		k = (long long)n < r ? (long long)n : r;
		if (__atomic_compare_exchange_n(&room, &r, r - k, false, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE))
			return __real_write(fd, buf, (size_t)k);
	}
}

int __real_posix_fadvise(int fd, off_t off, off_t len, int advice);

#define MAX_DROPS 1024
static struct {
	off_t off, len;
} drops[MAX_DROPS];
static unsigned int ndrops; /* taken atomically: the owner and audit-sync drop */

int __wrap_posix_fadvise(int fd, off_t off, off_t len, int advice)
{
	unsigned int i;

	if (advice == POSIX_FADV_DONTNEED) {
		i = __atomic_fetch_add(&ndrops, 1, __ATOMIC_ACQ_REL);
		if (i < MAX_DROPS) {
			drops[i].off = off;
			drops[i].len = len;
		}
	}
	return __real_posix_fadvise(fd, off, len, advice);
}

long __real_sysconf(int name);

static long page_size; /* what sysconf(_SC_PAGESIZE) answers; 0: the host's */

long __wrap_sysconf(int name)
{
	long pg = __atomic_load_n(&page_size, __ATOMIC_ACQUIRE);

	return name == _SC_PAGESIZE && pg ? pg : __real_sysconf(name);
}

static void set_room(long long bytes, int err)
{
	__atomic_store_n(&fail_err, err, __ATOMIC_RELEASE);
	__atomic_store_n(&room, bytes, __ATOMIC_RELEASE);
}

static int setup(void **state)
{
	struct log_fixture *f;

	log_setup(state);
	f = *state;
	f->c.fsync_ms = 20; /* batched: the appends hand their bytes to the I/O threads */
	f->c.backlog_bytes = 1 << 20;
	return 0;
}

static int teardown(void **state)
{
	set_room(-1, ENOSPC);
	return log_teardown(state);
}

/* n decisions; each append succeeds or (disk full, backlog full) is refused and counted. */
static unsigned int append_full(struct audit_writer *w, unsigned int from, unsigned int n)
{
	unsigned int i, refused = 0;

	for (i = from; i < from + n; i++) {
		struct ag_event ev = tevent(i, "/home/dev/project/src/module/file.txt");
		int err = audit_append_decision(w, &ev, sizeof(ev), tctx());

		if (err == -ENOSPC)
			refused++;
		else
			assert_int_equal(err, 0);
		if (i % 500 == 0) {
			/* The sync bound passes; the daemon's loop then ticks, which retries the disk. */
			usleep(2000);
			err = audit_writer_tick(w);
			assert_true(err == 0 || err == -ENOSPC);
		}
	}
	return refused;
}

/* A writer whose disk fills after bytes (inside a batch), given n decisions; *refused counted. */
static struct audit_writer *fill(struct log_fixture *f, long long bytes, unsigned int n,
				 unsigned int *refused)
{
	struct audit_writer *w;
	int err;

	w = audit_writer_open(&f->c, &err);
	assert_non_null(w);
	set_room(bytes, ENOSPC);
	*refused = append_full(w, 0, n);
	assert_true(__atomic_load_n(&room, __ATOMIC_ACQUIRE) == 0);
	assert_true(*refused > 0); /* n records are more than the 1 MiB backlog */
	return w;
}

/* Closed, the log verifies: every one of total decisions is a record or counted in a gap. */
static void close_verified(struct log_fixture *f, struct audit_writer *w, unsigned int refused,
			   unsigned int total)
{
	assert_int_equal(audit_writer_close(w), 0);
	assert_int_equal(audit_key_pubkey_hex(f->d.keys, f->pub), 0);
	assert_int_equal(verify1(f->d.log, f->pub, false, &f->rep), AUDIT_OK);
	assert_int_equal(f->rep.gaps_lost, refused);
	assert_int_equal(f->rep.decisions + f->rep.gaps_lost, total);
}

/*
 * The disk fills while batches are in flight; records wait, then are refused
 * and counted once the backlog is full; room comes back while the agent goes
 * on. Nothing is lost silently and the chain is whole.
 */
static void test_disk_full_midway(void **state)
{
	struct log_fixture *f = *state;
	struct audit_writer *w;
	unsigned int refused;

	w = fill(f, 300 * 1024 + 77, 10000, &refused);
	set_room(-1, ENOSPC);
	refused += append_full(w, 10000, 10000);
	close_verified(f, w, refused, 20000);
}

/* The disk has room again when the writer closes: its backlog, the gap and the seal are written. */
static void test_close_after_room(void **state)
{
	struct log_fixture *f = *state;
	struct audit_writer *w;
	unsigned int refused;

	w = fill(f, 100 * 1024 + 3, 5000, &refused);
	set_room(-1, ENOSPC);
	close_verified(f, w, refused, 5000);
}

/*
 * The disk is full just when the file is due to rotate (its last write went through): the
 * rotation waits for room like any record, and the writer goes on.
 */
static void test_disk_full_at_rotation(void **state)
{
	struct log_fixture *f = *state;
	struct audit_verify_opts o = { .pubkey_hex = f->pub };
	struct audit_writer *w;
	unsigned int i, refused = 0;
	char rotated[128], *paths[] = { f->d.log, rotated };
	int err;

	/* Each append written at once: no write pending tells the disk is full before. */
	f->c.fsync_ms = 0;
	f->c.max_bytes = 64 * 1024;
	w = audit_writer_open(&f->c, &err);
	assert_non_null(w);
	snprintf(rotated, sizeof(rotated), "%s.000001", f->d.log);
	for (i = 0; access(rotated, F_OK); i++) {
		struct ag_event ev = tevent(i, "/home/dev/project/src/module/file.txt");

		/* Full before each append, so the one that rotates finds it full. */
		set_room(0, ENOSPC);
		err = audit_append_decision(w, &ev, sizeof(ev), tctx());
		if (err == -ENOSPC)
			refused++;
		else
			assert_int_equal(err, 0);
		set_room(-1, ENOSPC);
		err = audit_flush(w);
		assert_int_equal(err, 0);
		assert_true(i < 1000);
	}
	refused += append_full(w, i, 20);
	assert_int_equal(audit_writer_close(w), 0);
	assert_int_equal(audit_key_pubkey_hex(f->d.keys, f->pub), 0);
	assert_int_equal(audit_verify_files(paths, 2, &o, &f->rep), 0);
	assert_int_equal(f->rep.verdict, AUDIT_OK);
	assert_int_equal(f->rep.gaps_lost, refused);
	assert_int_equal(f->rep.decisions + f->rep.gaps_lost, i + 20);
}

/* A write error other than a full disk ends the writer: every later call says so. */
static void test_write_error_final(void **state)
{
	struct log_fixture *f = *state;
	struct ag_event ev;
	struct audit_writer *w;
	unsigned int i;
	int err = 0;

	w = audit_writer_open(&f->c, &err);
	assert_non_null(w);
	set_room(200 * 1024 + 5, EIO);
	for (i = 0; i < 20000 && !err; i++) {
		ev = tevent(i, "/home/dev/project/src/module/file.txt");
		err = audit_append_decision(w, &ev, sizeof(ev), tctx());
		if (i % 500 == 0)
			usleep(2000);
	}
	assert_int_equal(err, -EIO);
	ev = tevent(i, "/home/dev/project/x");
	assert_int_equal(audit_append_decision(w, &ev, sizeof(ev), tctx()), -EIO);
	assert_int_equal(audit_flush(w), -EIO);
	set_room(-1, ENOSPC);
	assert_int_equal(audit_writer_close(w), -EIO);
}

/* Pages of [from, to) of the file at fd in the page cache, in percent. */
static unsigned int resident_pct(int fd, size_t size, size_t from, size_t to)
{
	long pg = sysconf(_SC_PAGESIZE);
	size_t i, n = (size + (size_t)pg - 1) / (size_t)pg, in = 0;
	unsigned char *vec = malloc(n);
	void *m = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);

	assert_non_null(vec);
	assert_true(m != MAP_FAILED);
	assert_int_equal(mincore(m, size, vec), 0);
	for (i = from / (size_t)pg; i < to / (size_t)pg; i++)
		in += vec[i] & 1;
	munmap(m, size);
	free(vec);
	return (unsigned int)(100 * in / (to / (size_t)pg - from / (size_t)pg));
}

/*
 * Behind its syncs the writer drops the log's pages from the page cache, but
 * for its last 16 MiB, which followers read: a log written for months does
 * not evict the host's cache. The drops end on a PMD's span (2 MiB with
 * 4 KiB pages), which no page-cache folio straddles; together they cover
 * the file up to the last such boundary before its last 16 MiB, and never
 * reach into those. The
 * kernel did drop them (fails if nothing is: what was just written is
 * cached); whether it keeps the rest is its reclaim's business.
 */
static void test_drop_behind(void **state)
{
	struct log_fixture *f = *state;
	const off_t align = audit_drop_align();
	bool covered[512] = { false };
	struct audit_writer *w;
	off_t keep, c;
	struct stat st;
	unsigned int i, n;
	int err, fd;

	/* The log's 36 MiB hold drops only with 4 KiB pages' 2 MiB folios. */
	if (sysconf(_SC_PAGESIZE) != 4096)
		skip();
	assert_int_equal(align, (off_t)2 << 20);
	__atomic_store_n(&ndrops, 0, __ATOMIC_RELEASE);
	w = audit_writer_open(&f->c, &err);
	assert_non_null(w);
	assert_int_equal(append_full(w, 0, 60000), 0);
	assert_int_equal(audit_writer_close(w), 0);
	fd = open(f->d.log, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_in_range(st.st_size, 32 << 20, 1 << 30);
	keep = st.st_size - ((off_t)16 << 20);
	n = __atomic_load_n(&ndrops, __ATOMIC_ACQUIRE);
	assert_in_range(n, 1, MAX_DROPS);
	for (i = 0; i < n; i++) {
		assert_int_equal(drops[i].off % align, 0);
		assert_int_equal((drops[i].off + drops[i].len) % align, 0);
		assert_true(drops[i].len > 0 && drops[i].off + drops[i].len <= keep);
		for (c = drops[i].off / align; c < (drops[i].off + drops[i].len) / align; c++)
			covered[c] = true;
	}
	for (c = 0; c < keep / align; c++)
		assert_true(covered[c]);
	/* Percentages, so that a failure says how much. */
	assert_in_range(resident_pct(fd, (size_t)st.st_size, 0, 8 << 20), 0, 5);
	close(fd);
}

/* test_drop_bounds' files; its teardown closes them and gives sysconf back. */
static FILE *bounds_files[2];

static int bounds_teardown(void **state)
{
	unsigned int i;

	(void)state;
	__atomic_store_n(&page_size, 0, __ATOMIC_RELEASE);
	for (i = 0; i < 2; i++) {
		if (bounds_files[i])
			fclose(bounds_files[i]);
		bounds_files[i] = NULL;
	}
	return 0;
}

/* audit_drop_behind(d, fd, end), then where its drops reach: each starts where the last ended. */
static off_t drop_to(struct audit_drop *d, int fd, off_t end, off_t reach)
{
	unsigned int n0 = __atomic_load_n(&ndrops, __ATOMIC_ACQUIRE), n;

	audit_drop_behind(d, fd, end);
	n = __atomic_load_n(&ndrops, __ATOMIC_ACQUIRE);
	assert_in_range(n, n0, n0 + 1);
	if (n == n0)
		return reach;
	assert_int_equal(drops[n - 1].off, reach);
	return drops[n - 1].off + drops[n - 1].len;
}

/*
 * The drops for any page size, fed the ends of syncs rather than written
 * (a 64 KiB page's boundary is 512 MiB): after each end they reach the last
 * PMD's span (page * page / 8, the entries of a page table times a page)
 * at or before that end less the last 16 MiB, never into those, one drop at a
 * time however many boundaries an end passed. A file restarted under the same
 * fd (an end before the drops) and another fd (a rotation) start over.
 */
static void test_drop_bounds(void **state)
{
	static const long pages[] = { 4096, 16384, 65536 };
	const off_t keep = (off_t)16 << 20;
	struct audit_drop d = { .fd = -1 };
	off_t align, end, reach, want;
	unsigned int i, k;
	int fd, fd2;

	(void)state;
	bounds_files[0] = tmpfile();
	bounds_files[1] = tmpfile();
	assert_non_null(bounds_files[0]);
	assert_non_null(bounds_files[1]);
	fd = fileno(bounds_files[0]);
	fd2 = fileno(bounds_files[1]);
	for (k = 0; k < sizeof(pages) / sizeof(pages[0]); k++) {
		__atomic_store_n(&page_size, pages[k], __ATOMIC_RELEASE);
		align = audit_drop_align();
		assert_int_equal(align, (off_t)pages[k] * (pages[k] / 8));
		/* Past the kept bytes by: short of, at and past one boundary; then two at once. */
		const off_t past[] = { -1, 0, 1, align - 1, align, align + 1, 3 * align + 5 };

		d.fd = -1;
		reach = 0;
		for (i = 0; i < sizeof(past) / sizeof(past[0]); i++) {
			end = keep + past[i];
			want = past[i] < 0 ? 0 : past[i] / align * align;
			reach = drop_to(&d, fd, end, reach);
			assert_int_equal(reach, want);
		}
		/* The same fd, its file written again from the start: shorter than the drops. */
		assert_int_equal(drop_to(&d, fd, align, 0), 0);
		assert_int_equal(drop_to(&d, fd, keep + align, 0), align);
		/* Another file. */
		assert_int_equal(drop_to(&d, fd2, keep + 2 * align, 0), 2 * align);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_disk_full_midway, setup, teardown),
		cmocka_unit_test_setup_teardown(test_close_after_room, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disk_full_at_rotation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_error_final, setup, teardown),
		cmocka_unit_test_setup_teardown(test_drop_behind, setup, teardown),
		cmocka_unit_test_teardown(test_drop_bounds, bounds_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
