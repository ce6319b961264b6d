/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Whether a cgroup is judged by the policy of cgroup pcg: it is pcg or below
 * it, with no policy of its own on the way up. A cgroup below the agent's may
 * hold another, wider policy (nested assignments): its tasks and its files
 * are as foreign to the agent as the host's.
 */
#ifndef AGENTGATE_BPF_CGROUP_H
#define AGENTGATE_BPF_CGROUP_H

#include "common.h"

/* 1: judged by pcg; 0: by a nearer policy; -1: look at the parent. */
static __always_inline int ag_cgroup_step(__u64 id, __u64 pcg)
{
	if (id == pcg)
		return 1;
	return bpf_map_lookup_elem(&ag_policies, &id) ? 0 : -1;
}

/* For a task's cgroup. */
static __always_inline int ag_cgroup_judged_by(struct cgroup *cg, __u64 pcg)
{
	struct cgroup_subsys_state *css;
	int i, r;

	for (i = 0; i < AG_MAX_CGROUP_DEPTH && cg; i++) {
		r = ag_cgroup_step(BPF_CORE_READ(cg, kn, id), pcg);
		if (r >= 0)
			return r;
		css = BPF_CORE_READ(cg, self.parent);
		cg = css ? (void *)css - bpf_core_field_offset(struct cgroup, self) : NULL;
	}
	return 0;
}

/* For a cgroupfs directory: a cgroup, its inode number the cgroup id. */
static __always_inline int ag_cgroup_dir_judged_by(struct dentry *d, __u64 pcg)
{
	struct dentry *parent;
	int i, r;

	for (i = 0; i < AG_MAX_CGROUP_DEPTH && d; i++) {
		r = ag_cgroup_step(BPF_CORE_READ(d, d_inode, i_ino), pcg);
		if (r >= 0)
			return r;
		parent = BPF_CORE_READ(d, d_parent);
		if (parent == d)
			break;
		d = parent;
	}
	return 0;
}

#endif
