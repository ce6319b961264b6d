// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Kernel data symbols' addresses from kallsyms, for the programs that read
 * them (bpf/lib/memo.h: rename_lock and mount_lock). Called by the thread
 * that loads the programs.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "loader_int.h"

int loader_ksyms(const char *path, const char *const *names, __u64 *addrs, size_t n)
{
	unsigned long long addr;
	char line[512], type, name[256];
	size_t i, found = 0;
	FILE *f;

	for (i = 0; i < n; i++)
		addrs[i] = 0;
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (found < n && fgets(line, sizeof(line), f)) {
		/* "ADDR TYPE NAME" for the kernel's own, "\t[MODULE]" after a module's. */
		if (sscanf(line, "%llx %c %255s", &addr, &type, name) != 3 || strchr(line, '['))
			continue;
		if (!strchr("dDbB", type) || !addr)
			continue; /* not data, or addresses hidden (kptr_restrict) */
		for (i = 0; i < n; i++) {
			if (!addrs[i] && !strcmp(name, names[i])) {
				addrs[i] = addr;
				found++;
			}
		}
	}
	fclose(f);
	return found == n ? 0 : -ENOENT;
}
