// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Globs to regular expressions (the AppArmor translation):
 *   path:    `*` = [^/]*   `**` = .*   `?` = [^/], and `**` between two slashes
 *            may also match nothing, so "/a/ ** /b" (without spaces) matches "/a/b"
 *   command: `*` = `**` = .*   `?` = [^/]
 *   domain:  `*` = .*   `?` = one byte
 * `[...]` classes take ranges and `!` or `^` negation and never match '/';
 * a backslash makes the next byte literal.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "compile_int.h"

long glob_bracket_end(const char *pat, size_t len, size_t i)
{
	size_t j = i + 1;

	if (j < len && (pat[j] == '!' || pat[j] == '^'))
		j++;
	if (j < len && pat[j] == ']')
		j++;
	while (j < len && pat[j] != ']') {
		if (pat[j] == '\\')
			j++;
		j++;
	}
	return j < len ? (long)j : -1;
}

long glob_meta(const char *pat, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (pat[i] == '\\')
			i++;
		else if (pat[i] == '*' || pat[i] == '?' || pat[i] == '[')
			return (long)i;
	}
	return -1;
}

int glob_escape(const char *s, char *out, size_t outsz)
{
	size_t n = 0;

	for (; *s; s++) {
		if (strchr("*?[]\\", *s)) {
			if (n + 1 >= outsz)
				return -ENAMETOOLONG;
			out[n++] = '\\';
		}
		if (n + 1 >= outsz)
			return -ENAMETOOLONG;
		out[n++] = *s;
	}
	if (n >= outsz)
		return -ENAMETOOLONG;
	out[n] = '\0';
	return (int)n;
}

int glob_unescape(const char *pat, size_t len, char *out, size_t outsz)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		if (pat[i] == '\\' && i + 1 < len)
			i++;
		if (n + 1 >= outsz)
			return -ENAMETOOLONG;
		out[n++] = pat[i];
	}
	out[n] = '\0';
	return (int)n;
}

int glob_normalise_path(const char *pat, char *out, size_t outsz, struct glob_err *e)
{
	size_t len = strlen(pat), i = 0, n = 0, depth = 0, start;
	size_t *stack;
	long b;

	if (len == 0 || pat[0] != '/') {
		e->off = 0;
		e->what = "a path pattern must be absolute (start with '/')";
		return -EINVAL;
	}
	stack = malloc((len + 1) * sizeof(*stack));
	if (!stack)
		return -ENOMEM;
	while (i < len) {
		while (i < len && pat[i] == '/')
			i++;
		start = i;
		while (i < len && pat[i] != '/') {
			if (pat[i] == '\\')
				i++;
			else if (pat[i] == '[' && (b = glob_bracket_end(pat, len, i)) >= 0)
				i = (size_t)b;
			i++;
		}
		if (i > len)
			i = len;
		if (i == start || (i - start == 1 && pat[start] == '.'))
			continue;
		if (i - start == 2 && pat[start] == '.' && pat[start + 1] == '.') {
			if (depth)
				n = stack[--depth];
			continue;
		}
		if (n + 1 + (i - start) + 1 > outsz) {
			free(stack);
			return -ENAMETOOLONG;
		}
		stack[depth++] = n;
		out[n++] = '/';
		memcpy(out + n, pat + start, i - start);
		n += i - start;
	}
	free(stack);
	if (n == 0) {
		if (outsz < 2)
			return -ENAMETOOLONG;
		out[n++] = '/';
	}
	out[n] = '\0';
	return (int)n;
}

static int parse_class(struct re *re, const char *pat, size_t len, size_t i, long end,
		       uint32_t *node, struct glob_err *e)
{
	uint8_t set[32] = { 0 };
	size_t j = i + 1, k;
	unsigned int lo, hi, c;
	int neg = 0, empty = 1;

	if (pat[j] == '!' || pat[j] == '^') {
		neg = 1;
		j++;
	}
	for (k = j; k < (size_t)end; k = j) {
		if (pat[j] == '\\')
			j++;
		lo = (uint8_t)pat[j++];
		hi = lo;
		if (j + 1 < (size_t)end && pat[j] == '-') {
			j++;
			if (pat[j] == '\\')
				j++;
			hi = (uint8_t)pat[j++];
			if (hi < lo) {
				e->off = k;
				e->what = "reversed range in '[...]'";
				return -EINVAL;
			}
		}
		for (c = lo; c <= hi; c++)
			bset_add(set, c);
	}
	for (c = 0; c < 32; c++)
		set[c] = neg ? (uint8_t)~set[c] : set[c];
	set['/' >> 3] &= (uint8_t) ~(1u << ('/' & 7));
	for (c = 0; c < 32; c++)
		empty &= set[c] == 0;
	if (empty) {
		e->off = i;
		e->what = "'[...]' matches no byte ('/' is never matched by a class)";
		return -EINVAL;
	}
	*node = re_set(re, set);
	return 0;
}

int glob_parse(struct re *re, const char *pat, size_t len, enum glob_mode mode, uint32_t *node,
	       struct glob_err *e)
{
	uint8_t notslash[32];
	uint32_t n = re_eps(re), x;
	size_t i = 0, j;
	int prev_slash = 0, err;
	long end;

	memset(notslash, 0xff, sizeof(notslash));
	notslash['/' >> 3] &= (uint8_t) ~(1u << ('/' & 7));
	while (i < len) {
		switch (pat[i]) {
		case '\\':
			if (i + 1 >= len) {
				e->off = i;
				e->what = "a backslash at the end escapes nothing";
				return -EINVAL;
			}
			n = re_cat(re, n, re_byte(re, (uint8_t)pat[i + 1]));
			prev_slash = 0;
			i += 2;
			continue;
		case '*':
			for (j = i; j < len && pat[j] == '*'; j++)
				;
			if (mode == GLOB_PATH && j - i == 1) {
				x = re_star(re, re_set(re, notslash));
			} else if (mode == GLOB_PATH && prev_slash && j < len && pat[j] == '/') {
				/* Between slashes `**` may also match nothing: zero directories. */
				x = re_opt(re,
					   re_cat(re, re_star(re, re_any(re)), re_byte(re, '/')));
				n = re_cat(re, n, x);
				i = j + 1;
				continue;
			} else {
				x = re_star(re, re_any(re));
			}
			n = re_cat(re, n, x);
			prev_slash = 0;
			i = j;
			continue;
		case '?':
			x = mode == GLOB_DOMAIN ? re_any(re) : re_set(re, notslash);
			break;
		case '[':
			end = glob_bracket_end(pat, len, i);
			if (end < 0) {
				e->off = i;
				e->what = "'[' without a closing ']'";
				return -EINVAL;
			}
			err = parse_class(re, pat, len, i, end, &x, e);
			if (err)
				return err;
			n = re_cat(re, n, x);
			prev_slash = 0;
			i = (size_t)end + 1;
			continue;
		default:
			x = re_byte(re, (uint8_t)pat[i]);
			break;
		}
		n = re_cat(re, n, x);
		prev_slash = pat[i] == '/';
		i++;
	}
	if (re->oom)
		return -ENOMEM;
	*node = n;
	return 0;
}
