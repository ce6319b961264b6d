// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Where libyaml's parser failed (yaml_mark.h). */
#include "util/yaml_mark.h"

yaml_mark_t yaml_problem_mark(const yaml_parser_t *ps, const char *buf, size_t len)
{
	yaml_mark_t m = ps->problem_mark;
	size_t i, end = ps->problem_offset < len ? ps->problem_offset : len;

	if (ps->error != YAML_READER_ERROR)
		return m;
	m.index = end;
	m.line = m.column = 0;
	for (i = 0; i < end; i++) {
		if (buf[i] == '\n') {
			m.line++;
			m.column = 0;
		} else if (((unsigned char)buf[i] & 0xc0) != 0x80) {
			m.column++; /* columns count characters, not UTF-8 continuation bytes */
		}
	}
	return m;
}
