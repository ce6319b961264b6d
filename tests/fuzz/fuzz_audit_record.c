// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The audit line parser on arbitrary bytes: never crashes, and whatever it
 * accepts re-serialises to a line that parses to the same fields (so the
 * canonical check in verify is a fixed point).
 */
#include <stdlib.h>
#include <string.h>
#include "audit/audit_int.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct audit_record r, r2;
	struct abuf b = { 0 };
	const char *why;
	size_t i;

	if (audit_rec_parse((const char *)data, size, &r, &why))
		return 0;
	audit_rec_schema_error(&r);
	audit_rec_canonical(&r, (const char *)data, size);
	audit_rec_format(&r, &b);
	audit_line_finish(&b, 0, r.hash);
	if (!b.oom && b.len <= AUDIT_MAX_LINE) {
		if (audit_rec_parse(b.p, b.len - 1, &r2, &why))
			abort();
		if (r2.n != r.n || !audit_rec_canonical(&r2, b.p, b.len - 1))
			abort();
		for (i = 0; i < r.n; i++)
			if (strcmp(r.f[i].key, r2.f[i].key) || r.f[i].kind != r2.f[i].kind ||
			    r.f[i].u != r2.f[i].u || r.f[i].len != r2.f[i].len ||
			    memcmp(r.f[i].s ? r.f[i].s : "", r2.f[i].s ? r2.f[i].s : "",
				   r.f[i].len))
				abort();
		audit_rec_free(&r2);
	}
	abuf_free(&b);
	audit_rec_free(&r);
	return 0;
}
