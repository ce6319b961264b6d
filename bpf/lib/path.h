/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Path hooks (mknod, unlink, rename, ...) may not call bpf_d_path: their path
 * is rebuilt from the dentry chain, crossing mount points, up to the task's
 * root, the way d_path() walks it. Names are read under the hook's locks
 * (the parent directory's inode lock is held for the entry being changed).
 * Used by the file, net (AF_UNIX) and protect (mounts) families.
 */
#ifndef AGENTGATE_BPF_PATH_H
#define AGENTGATE_BPF_PATH_H

#include "common.h"

struct ag_pathwalk {
	struct ag_scratch *t;
	struct dentry *d;
	struct mount *m;
	struct dentry *mnt_root;
	struct dentry *root_d;
	struct mount *root_m;
	__u32 pos; /* t->path[pos..AG_MAX_INPUT) holds what was built so far */
	int done;
	int failed; /* a name could not be read */
};

static __always_inline struct mount *ag_real_mount(const struct vfsmount *mnt)
{
	return (void *)mnt - bpf_core_field_offset(struct mount, mnt);
}

#define AG_MNT_NS_INTERNAL (-22l) /* fs/mount.h: ERR_PTR(-EINVAL), pipefs, sockfs, ... */

/*
 * A mount outside the task's mount namespace: the tree open_tree(OPEN_TREE_CLONE)
 * or fsmount() hands out, detached, in an anonymous namespace, or another
 * namespace's mount. Paths there are relative to that tree's root: a clone of
 * /secret shows /secret/key as /key, which rules cannot mean. Kernel-internal
 * mounts (a pipe reopened through /proc/self/fd) belong to no namespace.
 */
static __always_inline int ag_foreign_mount(const struct vfsmount *mnt)
{
	struct task_struct *task = bpf_get_current_task_btf();
	void *ns = BPF_CORE_READ(ag_real_mount(mnt), mnt_ns);

	if ((long)ns == AG_MNT_NS_INTERNAL)
		return 0;
	return ns != (void *)task->nsproxy->mnt_ns;
}

/*
 * An unhashed dentry: unlinked (d_path then gives "PATH (deleted)", and the name
 * may be reused by another file) or never linked (memfd, O_TMPFILE). d is a BTF
 * pointer: a direct load.
 */
static __always_inline int ag_dentry_unlinked(const struct dentry *d)
{
	return !d->d_hash.pprev;
}

static long ag_pathwalk_step(__u32 i, void *arg)
{
	struct ag_pathwalk *c = arg;
	/* Locals: BPF_CORE_READ must relocate kernel structs only, not this context. */
	struct dentry *d = c->d, *parent;
	struct mount *m = c->m, *pm;
	const unsigned char *name;
	__u32 len;

	if (d == c->root_d && m == c->root_m) {
		c->done = 1;
		return 1;
	}
	if (d == c->mnt_root) {
		pm = BPF_CORE_READ(m, mnt_parent);
		if (pm == m) {
			c->done = 1; /* the root of the mount tree */
			return 1;
		}
		c->d = BPF_CORE_READ(m, mnt_mountpoint);
		c->m = pm;
		c->mnt_root = BPF_CORE_READ(pm, mnt.mnt_root);
		return 0;
	}
	parent = BPF_CORE_READ(d, d_parent);
	if (parent == d) {
		c->done = 1; /* disconnected: what d_path() prints too, from here */
		return 1;
	}
	len = BPF_CORE_READ(d, d_name.len);
	name = BPF_CORE_READ(d, d_name.name);
	if (len + 1 > c->pos)
		return 1; /* too long: not done */
	c->pos -= len;
	if (bpf_probe_read_kernel(&c->t->path[c->pos & (AG_MAX_INPUT - 1)],
				  len & (AG_MAX_INPUT - 1), name)) {
		c->failed = 1;
		return 1;
	}
	c->pos--;
	c->t->path[c->pos & (AG_MAX_INPUT - 1)] = '/';
	c->d = parent;
	return 0;
}

/*
 * The path of dentry on mnt into t->ev.subject; its length, AG_MAX_INPUT + 1
 * (decided as oversized: denied) when too long or when a name cannot be read,
 * the subject then starting with a NUL: it holds an earlier run's bytes, which
 * the record must not carry (the audit writer ends a path at its first NUL).
 */
static __always_inline __u32 ag_path_of(struct ag_scratch *t, const struct ag_pol *pol,
					struct dentry *dentry, const struct vfsmount *mnt)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct ag_pathwalk c = {
		.t = t,
		.d = dentry,
		.m = ag_real_mount(mnt),
		.mnt_root = BPF_CORE_READ(mnt, mnt_root),
		.root_d = BPF_CORE_READ(task, fs, root.dentry),
		.root_m = ag_real_mount(BPF_CORE_READ(task, fs, root.mnt)),
		.pos = AG_MAX_INPUT,
	};
	__u32 len;

	/* Before the walk, not on its failures: a branch more is past ag_path_rename's limit. */
	t->ev.subject[0] = 0;
	bpf_loop(AG_MAX_INPUT, ag_pathwalk_step, &c, 0);
	if (c.failed) {
		ag_count_error(pol->img.hook);
		return AG_MAX_INPUT + 1;
	}
	if (!c.done)
		return AG_MAX_INPUT + 1;
	if (c.pos == AG_MAX_INPUT) {
		t->ev.subject[0] = '/';
		return 1;
	}
	len = AG_MAX_INPUT - c.pos;
	if (bpf_probe_read_kernel(t->ev.subject, len & (2 * AG_MAX_INPUT - 1),
				  &t->path[c.pos & (AG_MAX_INPUT - 1)])) {
		ag_count_error(pol->img.hook);
		return AG_MAX_INPUT + 1;
	}
	return len;
}

/* op refused to a confined task on dentry, the record naming its path (mounts, watches, ioctls). */
static __always_inline int ag_refuse_path(__u32 hook, __u32 op, struct dentry *dentry,
					  const struct vfsmount *mnt)
{
	struct ag_scratch *t __ag_scratch = NULL;
	struct ag_pol pol;
	int err;

	err = ag_setup(&pol, &t, hook);
	if (err)
		return err > 0 ? 0 : err;
	return ag_refuse(t, &pol, op, ag_path_of(t, &pol, dentry, mnt));
}

#endif /* AGENTGATE_BPF_PATH_H */
