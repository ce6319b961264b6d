// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* session_fold.c: counts of folded decisions rejoined with the records they count. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "session/session.h"

static struct ag_event rec(uint32_t tid, uint32_t fold, const char *path)
{
	struct ag_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.version = AG_EVENT_VERSION;
	ev.tid = ev.pid = tid;
	ev.fold = fold;
	ev.count = 1;
	ev.ts_boot_ns = 1000;
	ev.action = AG_CLASS_FILE_READ;
	ev.subject_len = (uint32_t)strlen(path);
	memcpy(ev.subject, path, ev.subject_len);
	return ev;
}

static struct ag_event repeat(uint32_t tid, uint32_t fold, uint32_t count)
{
	struct ag_event ev = rec(tid, fold, "");

	ev.flags = AG_EV_REPEAT;
	ev.count = count;
	ev.first_ns = 2000;
	ev.ts_boot_ns = 9000;
	return ev;
}

static void test_count_takes_its_record_subject(void **state)
{
	struct session_log log = { 0 };
	struct ag_event a = rec(10, 1, "/srv/a"), b = rec(11, 1, "/srv/bb"), r;
	const struct ag_event *out;
	size_t size;

	(void)state;
	size = AG_EVENT_HDR_SIZE + a.subject_len;
	assert_ptr_equal(session_fold_resolve(&log, &a, &size), &a);
	size = AG_EVENT_HDR_SIZE + b.subject_len;
	assert_ptr_equal(session_fold_resolve(&log, &b, &size), &b);
	r = repeat(10, 1, 41);
	size = AG_EVENT_HDR_SIZE;
	out = session_fold_resolve(&log, &r, &size);
	assert_ptr_not_equal(out, &r);
	assert_int_equal(size, AG_EVENT_HDR_SIZE + 6);
	assert_memory_equal(out->subject, "/srv/a", 6);
	assert_int_equal(out->count, 41);
	assert_int_equal(ag_event_count(out), 41);
	assert_true(out->flags & AG_EV_REPEAT);
	assert_int_equal(out->first_ns, 2000);
	assert_int_equal(out->ts_boot_ns, 9000);
	session_log_release(&log);
	assert_null(log.folds);
}

/* A count whose record is no longer kept (other generation, other task) keeps its header. */
static void test_unknown_count_kept_as_is(void **state)
{
	struct session_log log = { 0 };
	struct ag_event a = rec(10, 1, "/srv/a"), a2 = rec(10, 2, "/srv/x"), r;
	size_t size = AG_EVENT_HDR_SIZE + 6;

	(void)state;
	session_fold_resolve(&log, &a, &size);
	size = AG_EVENT_HDR_SIZE + 6;
	session_fold_resolve(&log, &a2, &size);
	r = repeat(10, 3, 5);
	size = AG_EVENT_HDR_SIZE;
	assert_ptr_equal(session_fold_resolve(&log, &r, &size), &r);
	assert_int_equal(size, AG_EVENT_HDR_SIZE);
	r = repeat(12, 1, 5);
	assert_ptr_equal(session_fold_resolve(&log, &r, &size), &r);
	/* Both generations of task 10 are kept: a late count of the first still finds it. */
	r = repeat(10, 1, 5);
	assert_memory_equal(session_fold_resolve(&log, &r, &size)->subject, "/srv/a", 6);
	r = repeat(10, 2, 5);
	assert_memory_equal(session_fold_resolve(&log, &r, &size)->subject, "/srv/x", 6);
	session_log_release(&log);
}

/* Events that are not folded pass untouched and are not kept. */
static void test_unfolded_untouched(void **state)
{
	struct session_log log = { 0 };
	struct ag_event a = rec(10, 0, "/srv/a");
	size_t size = AG_EVENT_HDR_SIZE + 6;

	(void)state;
	assert_ptr_equal(session_fold_resolve(&log, &a, &size), &a);
	assert_int_equal(ag_event_count(&a), 1);
	assert_null(log.folds);
	session_log_release(&log);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_count_takes_its_record_subject),
		cmocka_unit_test(test_unknown_count_kept_as_is),
		cmocka_unit_test(test_unfolded_untouched),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
