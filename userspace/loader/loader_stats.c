// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * What the metrics scrape reads from the kernel (loader.h, any thread): each
 * program's run time and count, the shared ring buffer's fill, the learned
 * addresses held. Programs are reached through their pinned links, so this
 * works whether this process loaded the object or adopted the pins.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "loader_int.h"
#include "loader_state.h"

/* The program behind a pinned link: an fd, or a negative errno. */
static int prog_of_link(const struct bpf_program *prog)
{
	struct bpf_link_info li;
	__u32 len = sizeof(li);
	char path[PATH_MAX];
	int fd, err;

	err = loader_link_pin(prog, path, sizeof(path));
	if (err)
		return err;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	memset(&li, 0, sizeof(li));
	err = bpf_obj_get_info_by_fd(fd, &li, &len);
	close(fd);
	if (err)
		return -errno;
	fd = bpf_prog_get_fd_by_id(li.prog_id);
	return fd < 0 ? -errno : fd;
}

int loader_prog_stats(struct loader *l, struct loader_prog_stat *out, size_t max)
{
	struct bpf_program *prog;
	struct bpf_prog_info pi;
	__u32 len;
	size_t n = 0;
	const char *name;
	int fd;

	bpf_object__for_each_program(prog, l->skel->obj) {
		fd = prog_of_link(prog);
		if (fd < 0)
			continue; /* exempt, absent here, or its pin was removed */
		memset(&pi, 0, sizeof(pi));
		len = sizeof(pi);
		if (!bpf_obj_get_info_by_fd(fd, &pi, &len) && n < max) {
			name = bpf_program__name(prog);
			if (!strncmp(name, LOADER_NAME_PREFIX, strlen(LOADER_NAME_PREFIX)))
				name += strlen(LOADER_NAME_PREFIX);
			snprintf(out[n].name, sizeof(out[n].name), "%s", name);
			out[n].run_time_ns = pi.run_time_ns;
			out[n].run_cnt = pi.run_cnt;
			out[n].recursion_misses = pi.recursion_misses;
			n++;
		}
		close(fd);
	}
	return (int)n;
}

/*
 * A BPF ring buffer maps its consumer position at offset 0 and its producer
 * position at one page (read-only for userspace), as libbpf's ring_buffer
 * does; our own read-only mappings see the positions the daemon's reader and
 * the kernel advance.
 */
int loader_ring_fill(struct loader *l, uint64_t *used, uint64_t *size)
{
	long page = sysconf(_SC_PAGESIZE);
	struct bpf_map_info mi;
	__u32 len = sizeof(mi);
	int fd = FD(l, events);
	void *cons, *prod;
	uint64_t c, p;

	memset(&mi, 0, sizeof(mi));
	if (bpf_obj_get_info_by_fd(fd, &mi, &len))
		return -errno;
	cons = mmap(NULL, page, PROT_READ, MAP_SHARED, fd, 0);
	if (cons == MAP_FAILED)
		return -errno;
	prod = mmap(NULL, page, PROT_READ, MAP_SHARED, fd, page);
	if (prod == MAP_FAILED) {
		munmap(cons, page);
		return -errno;
	}
	c = __atomic_load_n((uint64_t *)cons, __ATOMIC_ACQUIRE);
	p = __atomic_load_n((uint64_t *)prod, __ATOMIC_ACQUIRE);
	munmap(prod, page);
	munmap(cons, page);
	*size = mi.max_entries;
	*used = p >= c ? p - c : 0;
	return 0;
}

int loader_enable_stats(void)
{
	int fd = bpf_enable_stats(BPF_STATS_RUN_TIME);

	return fd < 0 ? -errno : fd;
}
