/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * How the loader turns the BPF object into pins, shared with tests/unit/test_loader_plan.c.
 * Nothing here is a list of the object's programs or maps: both are walked in the object
 * (bpf_object__for_each_program / bpf_object__for_each_map), so a program or map added to
 * bpf/ is attached and pinned without a change here.
 *
 *   map ag_NAME      -> AG_PIN_DIR/NAME        (ag_policies -> policies)
 *   program ag_NAME  -> AG_PIN_DIR/link_NAME   (ag_file_open -> link_file_open)
 *
 * A name without the "ag_" prefix is pinned as it is.
 */
#ifndef AGENTGATE_LOADER_INT_H
#define AGENTGATE_LOADER_INT_H

#include <stddef.h>
#include <linux/types.h>
#include <bpf/libbpf.h>

#define LOADER_NAME_PREFIX "ag_"
#define LOADER_LINK_PREFIX "link_"

enum loader_attach {
	LOADER_ATTACH_NONE, /* no plan: loading fails with -ENOLINK (fail closed) */
	LOADER_ATTACH_AUTO, /* LSM (BPF_LSM_MAC) or a BTF tracepoint: bpf_program__attach() */
	LOADER_ATTACH_ITER, /* a BPF iterator: its link is pinned, readers run it (loader_fold_flush) */
	LOADER_ATTACH_CGROUP, /* BPF_PROG_TYPE_CGROUP_SOCK_ADDR: attached to the cgroup v2 root */
	LOADER_ATTACH_EXEMPT, /* named in loader_exempt[]: loaded, deliberately left unattached */
	LOADER_ATTACH_ABSENT, /* named in loader_optional[], its hook missing here: not loaded */
};

/*
 * Programs loaded but never attached, each with the reason; NULL-terminated. A program
 * that is not attachable and not listed here makes loading fail. None today.
 */
extern const char *const loader_exempt[];

/*
 * Programs of hooks only newer kernels have, each with what covers the case on
 * older ones; NULL-terminated. Where the running kernel lacks the hook (no
 * bpf_lsm_HOOK in its BTF) the program is not loaded; anywhere else it must
 * attach like any other.
 */
extern const char *const loader_optional[];

/* Marks the optional programs whose hook the running kernel lacks as not to be loaded. */
int loader_skip_absent(struct bpf_object *obj);

/* How the loader attaches prog (of an opened or loaded object). */
enum loader_attach loader_attach_plan(const struct bpf_program *prog);

/* The pin path of a map or of a program's link; -ENAMETOOLONG when it does not fit. */
int loader_map_pin(const struct bpf_map *map, char *path, size_t size);
int loader_link_pin(const struct bpf_program *prog, char *path, size_t size);

/*
 * The addresses of the kernel data symbols names[0..n) in path (/proc/kallsyms)
 * into addrs: 0, or -ENOENT when one is missing or hidden (its address 0).
 */
int loader_ksyms(const char *path, const char *const *names, __u64 *addrs, size_t n);

/*
 * The device (MAJOR:MINOR) of mount mnt_id in path (/proc/self/mountinfo): its
 * superblock's s_dev, which stat() does not always give (btrfs gives a
 * subvolume's). 0, or -ENOENT when no line has that id.
 */
int loader_mountinfo_dev(const char *path, int mnt_id, unsigned int *maj, unsigned int *min);

#endif /* AGENTGATE_LOADER_INT_H */
