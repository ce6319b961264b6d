// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The dashboard's access token (dash_token.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/stat.h>
#include "dash_token.h"
#include "util/file.h"
#include "util/hex.h"

int dash_token_new(char out[DASH_TOKEN_LEN + 1])
{
	uint8_t raw[DASH_TOKEN_LEN / 2];

	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
		return -EIO;
	hex_encode(raw, sizeof(raw), out);
	out[DASH_TOKEN_LEN] = 0;
	return 0;
}

int dash_token_write(const char *path, const char *token)
{
	char dir[PATH_MAX], line[DASH_TOKEN_LEN + 2], *slash;
	struct stat st;
	int err;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir) ||
	    snprintf(line, sizeof(line), "%s\n", token) >= (int)sizeof(line))
		return -ENAMETOOLONG;
	slash = strrchr(dir, '/');
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	/* Its own directory only: a missing parent is a mistyped path, not one to build. */
	err = mkdir_new(dir, 0700);
	if (err && err != -EEXIST)
		return err;
	if (stat(dir, &st))
		return -errno;
	/*
	 * Anyone else who may write to the directory could swap the file, or take
	 * its name first; the sticky bit (/tmp) stops only the swap.
	 */
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return -EPERM;
	return file_replace(path, line, strlen(line), 0600);
}

bool dash_token_equal(const char *want, const char *got)
{
	size_t i, n = strlen(want);
	unsigned char diff = 0;

	if (!got || strnlen(got, n + 1) != n)
		return false;
	for (i = 0; i < n; i++)
		diff |= (unsigned char)(want[i] ^ got[i]);
	return diff == 0;
}
