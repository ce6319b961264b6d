/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * A file the code under test reads (a /proc file, a policy, a log), written by
 * the test; a scratch tree removed.
 */
#ifndef AGENTGATE_FILE_TEST_H
#define AGENTGATE_FILE_TEST_H

#include <ftw.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <cmocka.h>
#include <sys/stat.h>

/* path's contents become text; a failed write fails the test. */
static inline void put_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static inline int file_test_remove_one(const char *path, const struct stat *st, int flag,
				       struct FTW *ftw)
{
	return remove(path);
}

/* dir and everything below it, links not followed; a failure fails the test. */
static inline void remove_tree(const char *dir)
{
	assert_int_equal(nftw(dir, file_test_remove_one, 16, FTW_DEPTH | FTW_PHYS), 0);
}

#endif /* AGENTGATE_FILE_TEST_H */
