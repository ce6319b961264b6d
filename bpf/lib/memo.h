/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Memoized opens: a task that opens again the file it opened last, within the
 * folding window, is answered from that open's fold slots without bpf_d_path,
 * the fold key or the walk.
 *
 * Why the path is still the same: bpf_d_path builds it from the dentry's
 * chain of parents and names, the mounts it crosses and the task's root. The
 * kernel changes a dentry's name or parent only in d_move/d_exchange, under
 * rename_lock's write side, and the mount tree only under mount_lock's: both
 * sequence counts move with every such change, anywhere. So a memo holds the
 * two counts read before bpf_d_path (even: no writer inside) and read again
 * unchanged after the decision, and answers only while they are still those.
 * A dentry freed and its memory reused for another file is told apart by the
 * inode number, device, parent and name hash the memo also holds; an unhashed
 * (deleted) dentry, whose path bpf_d_path would mark, is never memoized. Only
 * opens that were not refused as agentgate's files are memoized, and only
 * while ag_state.protect_gen says no file was marked or unmarked since.
 *
 * Why the record is the same: the memo also holds every field of the record
 * but the time (task ids, uid, comm, executable, cgroups, the policy's hash
 * and mode), compared as the fold key would hash them, and the fold keys of
 * its classes; the slot must still hold each key's record, in its window.
 *
 * The two lock addresses come from kallsyms (the loader, ag_state); without
 * them nothing is memoized.
 */
#ifndef AGENTGATE_BPF_MEMO_H
#define AGENTGATE_BPF_MEMO_H

#include "path.h"

#define AG_SEQ_SPAN 256u /* the two locks read with one call when they are this close */

/* seqlock_t's sequence count at lock; 1 (odd: a writer inside, never memoized) when unknown. */
static __always_inline __u32 ag_seq_read(__u64 lock)
{
	__u32 seq;

	if (!lock || bpf_probe_read_kernel(&seq, sizeof(seq), (const void *)lock))
		return 1;
	return seq;
}

/*
 * Both sequence counts, as the memo keeps them (mount_lock's << 32 |
 * rename_lock's): odd when either is. Where the kernel keeps the two locks
 * close together (Debian's: 128 bytes apart), one read into t->tmp takes both.
 */
static __always_inline __u64 ag_memo_seqs(const struct ag_state *st, struct ag_scratch *t)
{
	__u64 off = bpf_core_field_offset(seqlock_t, seqcount.seqcount.sequence);
	__u64 r = st->rename_lock + off, m = st->mount_lock + off, lo, span;

	if (!st->rename_lock || !st->mount_lock)
		return 1;
	lo = r < m ? r : m;
	span = (r < m ? m - r : r - m) + sizeof(__u32);
	if (span > AG_SEQ_SPAN)
		return (__u64)ag_seq_read(m) << 32 | ag_seq_read(r);
	if (bpf_probe_read_kernel(t->tmp, span & (2 * AG_SEQ_SPAN - 1), (const void *)lo))
		return 1;
	return (__u64) * (__u32 *)&t->tmp[(m - lo) & (AG_SEQ_SPAN - 1)] << 32 |
	       *(__u32 *)&t->tmp[(r - lo) & (AG_SEQ_SPAN - 1)];
}

/*
 * t->open for this open of file by the task under pol (keys 0). 1 when it may
 * be memoized: the lock addresses known, no rename or mount change under way,
 * the dentry hashed.
 */
static __always_inline int ag_memo_probe(struct ag_scratch *t, const struct ag_pol *pol,
					 struct file *file)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct dentry *d = file->f_path.dentry;
	struct ag_open_memo *m = &t->open;
	struct inode *inode = d->d_inode;
	struct ag_state *st;
	__u32 zero = 0;
	struct file *exe;
	__u64 seqs;

	st = bpf_map_lookup_elem(&ag_state, &zero);
	if (!st)
		return 0; /* index 0 of an array: never; the open is decided in full */
	seqs = ag_memo_seqs(st, t);
	if ((seqs & 1) || (seqs & (1ull << 32)) || ag_dentry_unlinked(d))
		return 0;
	m->dentry = (__u64)d;
	m->mnt = (__u64)file->f_path.mnt;
	m->root_dentry = (__u64)task->fs->root.dentry;
	m->root_mnt = (__u64)task->fs->root.mnt;
	m->parent = (__u64)d->d_parent;
	/* Two loads: 6.1's verifier takes a union's 8-byte load as one of its first, 4-byte member. */
	m->name_hash_len = (__u64)d->d_name.len << 32 | d->d_name.hash;
	m->ino = inode->i_ino;
	m->dev_seqs = (__u64)inode->i_sb->s_dev << 32 | (__u32)seqs;
	m->mount_seq = seqs >> 32;
	m->protect_gen = st->protect_gen;
	m->cgroup_id = pol->task_cgroup_id;
	m->policy_cgroup_id = pol->cgroup_id;
	__builtin_memcpy(m->sha, pol->h->policy_sha256, sizeof(m->sha));
	m->pid_tgid = (__u64)task->tgid << 32 | (__u32)task->pid;
	m->uid_mode = (__u64)task->cred->uid.val << 32 | pol->h->mode;
	/* As ag_ev_fill reads them: a kernel thread's NULL mm reads 0. */
	exe = task->mm->exe_file;
	m->exe_ino = exe->f_inode->i_ino;
	m->exe_dev = exe->f_inode->i_sb->s_dev;
	__builtin_memcpy(m->comm, task->comm, sizeof(m->comm));
	m->key_rd = 0;
	m->key_wr = 0;
	return 1;
}

/*
 * After the open was decided in full (t->open.key_* set from t->last_key):
 * kept as the task's memo when neither sequence count moved since the probe,
 * nor the generation of agentgate's marks (read again: on a weakly ordered CPU
 * the probe's read could have been served after the marks were looked up).
 */
static __always_inline void ag_memo_keep(struct ag_scratch *t, int rd, int wr)
{
	struct ag_state *st;
	__u32 zero = 0;
	__u64 seqs;

	st = bpf_map_lookup_elem(&ag_state, &zero);
	if (!st)
		return; /* never; only a memo */
	seqs = ag_memo_seqs(st, t);
	if ((__u32)seqs != (__u32)t->open.dev_seqs || seqs >> 32 != t->open.mount_seq ||
	    st->protect_gen != t->open.protect_gen)
		return;
	ag_memo_store(t, rd, wr);
}

#endif /* AGENTGATE_BPF_MEMO_H */
