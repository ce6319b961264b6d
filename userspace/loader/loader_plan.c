// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Which programs of the object the loader attaches, and how (loader_int.h):
 * none is listed by hand but the exempt and the optional ones.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "loader_int.h"

/* Each entry "ag_NAME", with a comment saying why that program must not be attached. */
const char *const loader_exempt[] = { NULL };

/*
 * 6.2+: POSIX ACLs pass these, no longer inode_setxattr (which 6.1 judges them at).
 * file_ioctl_compat (6.8, backported to 6.1.74): a 32-bit task's ioctls, which
 * older kernels pass to file_ioctl.
 */
const char *const loader_optional[] = { "ag_inode_set_acl", "ag_inode_remove_acl",
					"ag_file_ioctl_compat", NULL };

static int listed(const char *const *list, const char *name)
{
	size_t i;

	for (i = 0; list[i]; i++)
		if (!strcmp(list[i], name))
			return 1;
	return 0;
}

int loader_skip_absent(struct bpf_object *obj)
{
	struct bpf_program *prog;
	const char *sec;
	char fn[128];
	struct btf *vmlinux = NULL;
	int err = 0;

	bpf_object__for_each_program(prog, obj) {
		if (!listed(loader_optional, bpf_program__name(prog)))
			continue;
		sec = bpf_program__section_name(prog);
		if (strncmp(sec, "lsm/", 4))
			return -EINVAL; /* only LSM hooks can be optional */
		if (!vmlinux) {
			vmlinux = btf__load_vmlinux_btf();
			err = libbpf_get_error(vmlinux);
			if (err) {
				vmlinux = NULL;
				break;
			}
		}
		snprintf(fn, sizeof(fn), "bpf_lsm_%s", sec + 4);
		if (btf__find_by_name_kind(vmlinux, fn, BTF_KIND_FUNC) < 0)
			err = bpf_program__set_autoload(prog, false);
		if (err)
			break;
	}
	btf__free(vmlinux);
	return err;
}

enum loader_attach loader_attach_plan(const struct bpf_program *prog)
{
	const char *name = bpf_program__name(prog);

	if (listed(loader_exempt, name))
		return LOADER_ATTACH_EXEMPT;
	if (!bpf_program__autoload(prog))
		/* Not even loaded: it could not be attached, unless its hook is missing here. */
		return listed(loader_optional, name) ? LOADER_ATTACH_ABSENT : LOADER_ATTACH_NONE;
	switch (bpf_program__type(prog)) {
	case BPF_PROG_TYPE_LSM:
		return bpf_program__expected_attach_type(prog) == BPF_LSM_MAC ? LOADER_ATTACH_AUTO :
										LOADER_ATTACH_NONE;
	case BPF_PROG_TYPE_TRACING:
		switch (bpf_program__expected_attach_type(prog)) {
		case BPF_TRACE_RAW_TP:
		case BPF_TRACE_FENTRY:
		case BPF_TRACE_FEXIT:
			return LOADER_ATTACH_AUTO;
		case BPF_TRACE_ITER:
			return LOADER_ATTACH_ITER;
		default:
			return LOADER_ATTACH_NONE;
		}
	case BPF_PROG_TYPE_CGROUP_SOCK_ADDR:
		return LOADER_ATTACH_CGROUP;
	default:
		return LOADER_ATTACH_NONE;
	}
}
