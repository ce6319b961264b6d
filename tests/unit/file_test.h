/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* A file the code under test reads (a /proc file, a policy, a log), written by the test. */
#ifndef AGENTGATE_FILE_TEST_H
#define AGENTGATE_FILE_TEST_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <cmocka.h>

/* path's contents become text; a failed write fails the test. */
static inline void put_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

#endif /* AGENTGATE_FILE_TEST_H */
