/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Where libyaml's parser failed, for errors that name FILE:LINE:COL. */
#ifndef AGENTGATE_UTIL_YAML_MARK_H
#define AGENTGATE_UTIL_YAML_MARK_H

#include <stddef.h>
#include <yaml.h>

/*
 * The problem's place in buf: problem_mark, except for the reader's errors
 * (a NUL, bytes that are not UTF-8), whose place is only problem_offset
 * and whose mark stays at 1:1. Lines and columns from 0, as libyaml's.
 */
yaml_mark_t yaml_problem_mark(const yaml_parser_t *ps, const char *buf, size_t len);

#endif
