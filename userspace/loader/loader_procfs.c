// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * What the loader reads of the kernel through procfs: data symbols' addresses
 * from kallsyms, for the programs that read them (bpf/lib/memo.h: rename_lock
 * and mount_lock), and a mount's superblock device from mountinfo, the device
 * the programs compare inodes by (loader_protect.c). No state: any thread.
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
		/*
		 * Hidden addresses (kptr_restrict) read 0, all of them: a text symbol at 0
		 * says so, and the rest is not worth reading. Per-CPU symbols ('A') start at
		 * 0 when shown.
		 */
		if (!addr && (type == 't' || type == 'T'))
			break;
		if (!strchr("dDbB", type) || !addr)
			continue;
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

int loader_mountinfo_dev(const char *path, int mnt_id, unsigned int *maj, unsigned int *min)
{
	unsigned int ma, mi;
	char line[4096];
	int id, err = -ENOENT, start = 1;
	FILE *f;

	f = fopen(path, "re");
	if (!f)
		return -errno;
	/* "ID PARENT MAJOR:MINOR ROOT MOUNTPOINT ..." (proc(5)); a longer line comes in pieces. */
	while (fgets(line, sizeof(line), f)) {
		if (start && sscanf(line, "%d %*d %u:%u", &id, &ma, &mi) == 3 && id == mnt_id) {
			*maj = ma;
			*min = mi;
			err = 0;
			break;
		}
		start = strchr(line, '\n') != NULL;
	}
	fclose(f);
	return err;
}
