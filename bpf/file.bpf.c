// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * file_read / file_write: file_open decides opens on the path bpf_d_path
 * gives; the path hooks (create, remove, rename, link, attributes) and the
 * inode hooks (xattrs, timestamps) decide changes as file_write of the entry,
 * path_notify watches as file_read.
 */
#include "lib/common.h"
#include "lib/arch.h"
#include "lib/path.h"
#include "lib/owner.h"
#include "lib/memo.h"
#include "lib/cgroup.h"

#define AG_PROC_SUPER_MAGIC 0x9fa0
#define AG_SYSFS_MAGIC 0x62656572
#define AG_BINFMTFS_MAGIC 0x42494e4d
#define AG_DEBUGFS_MAGIC 0x64626720
#define AG_TRACEFS_MAGIC 0x74726163
#define AG_SECURITYFS_MAGIC 0x73636673
#define AG_EFIVARFS_MAGIC 0xde5e81e4
#define AG_PROC_MAX_DEPTH 16 /* /proc/sys/net/ipv6/conf/IFACE/... is 6 */

/*
 * Whether a file written is one of the kernel's settings, which no policy may hand an
 * agent: /proc/sys (core_pattern runs a program as root outside every cgroup,
 * kernel.modprobe likewise, ftrace_enabled would take agentgate's trampolines out),
 * /proc/sysrq-trigger (reboot, kill every task), sysfs (uevent_helper), binfmt_misc
 * (an interpreter for every matching exec), debugfs, tracefs, securityfs (other LSMs'
 * policies), efivarfs. Found by the superblock and, on proc, the entry below its root,
 * wherever proc is mounted.
 */
static __always_inline int ag_kernel_setting(struct file *file)
{
	struct dentry *d = file->f_path.dentry, *root, *parent;
	unsigned long magic = file->f_inode->i_sb->s_magic;
	char name[16] = {};
	__u32 len;
	int i;

	if (magic == AG_SYSFS_MAGIC || magic == AG_BINFMTFS_MAGIC || magic == AG_DEBUGFS_MAGIC ||
	    magic == AG_TRACEFS_MAGIC || magic == AG_SECURITYFS_MAGIC || magic == AG_EFIVARFS_MAGIC)
		return 1;
	if (magic != AG_PROC_SUPER_MAGIC)
		return 0;
	root = BPF_CORE_READ(d, d_sb, s_root);
	for (i = 0; i < AG_PROC_MAX_DEPTH; i++) {
		parent = BPF_CORE_READ(d, d_parent);
		if (parent == root)
			break;
		if (parent == d)
			return 0;
		d = parent;
	}
	len = BPF_CORE_READ(d, d_name.len);
	if (parent != root || (len != 3 && len != 13) ||
	    bpf_probe_read_kernel_str(name, sizeof(name), BPF_CORE_READ(d, d_name.name)) < 0)
		return 0;
	if (len == 3)
		return name[0] == 's' && name[1] == 'y' && name[2] == 's';
	for (i = 0; i < 13; i++)
		if (name[i] != "sysrq-trigger"[i])
			return 0;
	return 1;
}

/* Whether the current task is in execve or execveat (native: 32-bit execs are refused). */
static __always_inline int ag_in_execve(void)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	__u64 nr = AG_SYSCALL_NR(regs);

	return nr == AG_NR_EXECVE || nr == AG_NR_EXECVEAT;
}

/*
 * At the open of what a confined task's execve runs (or its interpreter), the
 * exec hooks' task-storage entries are created: here the allocation cannot
 * sleep (GFP_ATOMIC). On 6.1 every storage call holds a per-CPU busy count
 * that another task's call on the CPU fails on, and a sleepable hook's
 * GFP_KERNEL allocation may reschedule while holding it: that task's exec
 * would be refused. So the exec hooks only look these up. Only a head start:
 * what is missing here (no atomic memory, the count held) bprm_check creates as
 * before. The buffers only with the record, where bprm_committed_creds looks
 * for them to give them back (lib/scratch.h); under an on_exec policy the
 * task's ag_armed entry too, not armed (map_defs.h).
 */
static __always_inline void ag_exec_prepare(__u64 pcg, __u64 cg)
{
	struct task_struct *cur = bpf_get_current_task_btf();
	struct ag_pol pol;

	if (!pcg || ag_pol_get(pcg, cg, &pol, AG_HOOK_FILE_OPEN) || !ag_task_get())
		return;
	bpf_task_storage_get(&ag_scratch_tasks, cur, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (pol.h->on_exec)
		bpf_task_storage_get(&ag_armed, cur, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
}

/* Eight name bytes as one little-endian word, to compare a name in two loads. */
#define AG_W8(a, b, c, d, e, f, g, h)                                                            \
	((__u64)(a) | (__u64)(b) << 8 | (__u64)(c) << 16 | (__u64)(d) << 24 | (__u64)(e) << 32 | \
	 (__u64)(f) << 40 | (__u64)(g) << 48 | (__u64)(h) << 56)

/*
 * Whether a cgroupfs file moves tasks when written: cgroup.procs or
 * cgroup.threads (a file of that name in any cgroup; cgroupfs makes no other).
 * Unreadable counts as one: refused.
 */
static __always_inline int ag_cgroup_moves_tasks(struct dentry *d)
{
	__u32 len = BPF_CORE_READ(d, d_name.len);
	__u64 w[2] = {};

	if (len != 12 && len != 14)
		return 0;
	/* The name and its NUL; w's bytes after them stay 0. */
	if (bpf_probe_read_kernel_str(w, sizeof(w), BPF_CORE_READ(d, d_name.name)) < 0)
		return 1;
	if (w[0] == AG_W8('c', 'g', 'r', 'o', 'u', 'p', '.', 'p'))
		return w[1] == AG_W8('r', 'o', 'c', 's', 0, 0, 0, 0);
	return w[0] == AG_W8('c', 'g', 'r', 'o', 'u', 'p', '.', 't') &&
	       w[1] == AG_W8('h', 'r', 'e', 'a', 'd', 's', 0, 0);
}

/*
 * A deleted file still open somewhere, reopened through /proc/PID/fd: d_path
 * appends " (deleted)" to the path it had, which rules for that path would not
 * match (a deny of /app/.env under an allow of everything in /app). Judged and recorded
 * by that path: the length without the suffix.
 */
static __always_inline int ag_path_undeleted(struct ag_scratch *t, struct dentry *d, int len)
{
	static const char sfx[] = " (deleted)";
	const int n = sizeof(sfx) - 1;
	__u32 at;
	int i;

	if (!ag_dentry_unlinked(d) || len <= n)
		return len;
	at = (__u32)(len - n) & (AG_MAX_INPUT - 1);
	for (i = 0; i < n; i++)
		if (t->ev.subject[at + i] != sfx[i])
			return len;
	return len - n;
}

SEC("lsm/file_open")
int BPF_PROG(ag_file_open, struct file *file, int ret)
{
	struct ag_scratch *t __ag_scratch = NULL;
	int rd, wr, err, len, memo = 0;
	struct ag_pol pol;
	__u32 fmode, fflags, op = AG_OP_NONE;
	__u64 cg = 0, pcg;

	if (ret)
		return ret;
	/*
	 * First, before reading the file: most opens are unconfined tasks' (on 6.1 each
	 * read of file is a checked load: eight instructions, not one).
	 */
	pcg = ag_policy_cgroup(AG_HOOK_FILE_OPEN, &cg);
	if (!pcg)
		return 0;
	fmode = file->f_mode;
	fflags = file->f_flags;
	/*
	 * The open that executes a binary (and its ELF interpreter) is shell_exec's.
	 * 6.1 marks it in f_flags only; userspace cannot pass __FMODE_EXEC to open(),
	 * but uselib(2) opens its library so before 6.8: outside execve it is judged
	 * as the read it is.
	 */
	if (((fmode & FMODE_EXEC) || (fflags & __FMODE_EXEC)) && ag_in_execve()) {
		ag_exec_prepare(pcg, cg);
		return 0;
	}
	err = ag_setup_in(&pol, &t, AG_HOOK_FILE_OPEN, 0, pcg, cg);
	if (err)
		return err > 0 ? 0 : err;
	wr = (fmode & FMODE_WRITE) || (fflags & (O_TRUNC | O_APPEND | O_CREAT));
	/* An open for neither (O_ACCMODE 3, ioctl only) counts as a read. */
	rd = (fmode & FMODE_READ) || !(fmode & FMODE_WRITE);

	if (ag_foreign_mount(file->f_path.mnt))
		op = AG_OP_DETACHED_MOUNT;
	/*
	 * cgroup.procs of a cgroup outside the confined ones is the way out of confinement;
	 * written in its own, the way to pull a task outside in (the kernel asks only for
	 * write access to the two cgroups' common ancestor), where the agent may trace it.
	 * Any file of a cgroup with a policy of its own (cgroup.kill, memory.max) acts on
	 * another agent's tasks.
	 */
	else if (wr && file->f_inode->i_sb->s_magic == CGROUP2_SUPER_MAGIC &&
		 (ag_cgroup_moves_tasks(file->f_path.dentry) ||
		  !ag_cgroup_dir_judged_by(BPF_CORE_READ(file, f_path.dentry, d_parent),
					   pol.cgroup_id)))
		op = AG_OP_CGROUP_WRITE;
	else if (wr && ag_kernel_setting(file))
		op = AG_OP_KERNEL_SETTING;
	/*
	 * The file this task opened last, its path unchanged (lib/memo.h): it was not
	 * agentgate's then, and no file was marked since.
	 */
	if (op == AG_OP_NONE && ag_memo_probe(t, &pol, file)) {
		memo = ag_memo_answer(t, rd, wr);
		if (memo)
			return memo < 0 && pol.h->mode == AG_MODE_ENFORCE ? -EPERM : 0;
		memo = 1;
	}
	if (ag_agentgate_object(file->f_path.dentry, 0))
		op = AG_OP_AGENTGATE_FILE;

	len = bpf_d_path((struct path *)&file->f_path, (char *)t->ev.subject, AG_MAX_INPUT);
	/*
	 * A path too long for the buffer is oversized, denied; any other failure too, counted.
	 * The buffer then holds an earlier run's bytes: a NUL first keeps them out of the record
	 * (lib/path.h).
	 */
	if (len > 0) {
		len = ag_path_undeleted(t, file->f_path.dentry, len - 1);
	} else {
		if (len != -ENAMETOOLONG)
			ag_count_error(AG_HOOK_FILE_OPEN);
		t->ev.subject[0] = 0;
		len = AG_MAX_INPUT + 1;
		memo = 0;
	}
	if (op != AG_OP_NONE)
		return ag_refuse(t, &pol, op, len);
	err = 0;
	if (rd) {
		err = ag_decide(t, &pol, AG_CLASS_FILE_READ, len, 0);
		t->open.key_rd = t->last_key;
	}
	if (wr) {
		if (ag_decide(t, &pol, AG_CLASS_FILE_WRITE, len, 0))
			err = -EPERM;
		t->open.key_wr = t->last_key;
	}
	if (memo)
		ag_memo_keep(t, rd, wr);
	return err;
}

/* An access to the entry dentry on mnt with no file opened: decided as cls of its path. */
static __always_inline int ag_path_op(__u32 hook, __u16 cls, struct dentry *dentry,
				      const struct vfsmount *mnt)
{
	struct ag_scratch *t __ag_scratch = NULL;
	struct ag_pol pol;
	int err;

	err = ag_setup(&pol, &t, hook);
	if (err)
		return err > 0 ? 0 : err;
	if (ag_agentgate_object(dentry, cls == AG_CLASS_FILE_WRITE))
		return ag_refuse(t, &pol, AG_OP_AGENTGATE_FILE, ag_path_of(t, &pol, dentry, mnt));
	if (mnt && ag_foreign_mount(mnt))
		return ag_refuse(t, &pol, AG_OP_DETACHED_MOUNT, ag_path_of(t, &pol, dentry, mnt));
	return ag_decide(t, &pol, cls, ag_path_of(t, &pol, dentry, mnt), 0);
}

/* A write-like change of the entry dentry on mnt: decided as file_write of its path. */
static __always_inline int ag_write_op(__u32 hook, struct dentry *dentry,
				       const struct vfsmount *mnt)
{
	return ag_path_op(hook, AG_CLASS_FILE_WRITE, dentry, mnt);
}

static __always_inline int ag_dentry_is_dir(struct dentry *d)
{
	return (BPF_CORE_READ(d, d_inode, i_mode) & S_IFMT) == S_IFDIR;
}

/*
 * An entry that moves from one name to another (rename, both ways for
 * RENAME_EXCHANGE; a hard link's new name) takes along what is beneath it: a
 * file denied to read under its old name must not become readable under the
 * new one, nor a directory carry a denied subtree under an allowed name
 * (ag_subtree_ok). The two names were already judged as writes; this judges
 * what moves. Refused as AG_RULE_SUBTREE, recorded with the new name.
 */
static __always_inline int ag_move_op(__u32 hook, struct dentry *from, const struct vfsmount *from_mnt,
				      struct dentry *to, const struct vfsmount *to_mnt, int exchange)
{
	struct ag_verdict v = { .rule = AG_RULE_SUBTREE, .allow = 0 };
	int from_dir, to_dir, c, ok = 1;
	__u32 of, nf;
	struct ag_scratch *t __ag_scratch = NULL;
	struct ag_pol pol;
	__u32 len;
	int err;

	err = ag_setup(&pol, &t, hook);
	if (err)
		return err > 0 ? 0 : err;
	from_dir = ag_dentry_is_dir(from);
	to_dir = exchange && ag_dentry_is_dir(to);
	len = ag_path_of(t, &pol, from, from_mnt);
	of = ag_move_walk(&pol.img, pol.h, (const __u8 *)t->ev.subject, len);
	len = ag_path_of(t, &pol, to, to_mnt);
	nf = ag_move_walk(&pol.img, pol.h, (const __u8 *)t->ev.subject, len);
	for (c = 0; c < AG_MOVE_CLASSES; c++) {
		if (!ag_subtree_ok(AG_MOVE_BITS(of, c, from_dir), AG_MOVE_BITS(nf, c, from_dir)))
			ok = 0;
		if (exchange && !ag_subtree_ok(AG_MOVE_BITS(nf, c, to_dir), AG_MOVE_BITS(of, c, to_dir)))
			ok = 0;
	}
	if (ok)
		return 0;
	ag_emit(t, &pol, AG_CLASS_FILE_WRITE, v, len, 0, AG_OP_NONE);
	return pol.h->mode == AG_MODE_ENFORCE ? -EPERM : 0;
}

/* Also the creation by open(O_CREAT), which file_open only sees once the file exists. */
SEC("lsm/path_mknod")
int BPF_PROG(ag_path_mknod, const struct path *dir, struct dentry *dentry, umode_t mode,
	     unsigned int dev, int ret)
{
	if (ret)
		return ret;
	return ag_write_op(AG_HOOK_PATH_MKNOD, dentry, dir->mnt);
}

SEC("lsm/path_mkdir")
int BPF_PROG(ag_path_mkdir, const struct path *dir, struct dentry *dentry, umode_t mode, int ret)
{
	if (ret)
		return ret;
	return ag_write_op(AG_HOOK_PATH_MKDIR, dentry, dir->mnt);
}

SEC("lsm/path_unlink")
int BPF_PROG(ag_path_unlink, const struct path *dir, struct dentry *dentry, int ret)
{
	if (ret)
		return ret;
	return ag_write_op(AG_HOOK_PATH_UNLINK, dentry, dir->mnt);
}

SEC("lsm/path_rmdir")
int BPF_PROG(ag_path_rmdir, const struct path *dir, struct dentry *dentry, int ret)
{
	if (ret)
		return ret;
	return ag_write_op(AG_HOOK_PATH_RMDIR, dentry, dir->mnt);
}

SEC("lsm/path_symlink")
int BPF_PROG(ag_path_symlink, const struct path *dir, struct dentry *dentry, const char *old_name,
	     int ret)
{
	if (ret)
		return ret;
	return ag_write_op(AG_HOOK_PATH_SYMLINK, dentry, dir->mnt);
}

/* A hard link writes both names: whoever may write the link may write the file. */
SEC("lsm/path_link")
int BPF_PROG(ag_path_link, struct dentry *old_dentry, const struct path *new_dir,
	     struct dentry *new_dentry, int ret)
{
	if (ret)
		return ret;
	/* links never cross mounts */
	ret = ag_write_op(AG_HOOK_PATH_LINK, old_dentry, new_dir->mnt);
	if (ret)
		return ret;
	ret = ag_write_op(AG_HOOK_PATH_LINK, new_dentry, new_dir->mnt);
	if (ret)
		return ret;
	return ag_move_op(AG_HOOK_PATH_LINK, old_dentry, new_dir->mnt, new_dentry, new_dir->mnt, 0);
}

/* Both ends, then what moves; RENAME_EXCHANGE is the same pair of writes. */
SEC("lsm/path_rename")
int BPF_PROG(ag_path_rename, const struct path *old_dir, struct dentry *old_dentry,
	     const struct path *new_dir, struct dentry *new_dentry, unsigned int flags, int ret)
{
	if (ret)
		return ret;
	ret = ag_write_op(AG_HOOK_PATH_RENAME, old_dentry, old_dir->mnt);
	if (ret)
		return ret;
	ret = ag_write_op(AG_HOOK_PATH_RENAME, new_dentry, new_dir->mnt);
	if (ret)
		return ret;
	return ag_move_op(AG_HOOK_PATH_RENAME, old_dentry, old_dir->mnt, new_dentry, new_dir->mnt,
			  flags & RENAME_EXCHANGE);
}

SEC("lsm/path_truncate")
int BPF_PROG(ag_path_truncate, const struct path *path, int ret)
{
	if (ret)
		return ret;
	return ag_write_op(AG_HOOK_PATH_TRUNCATE, path->dentry, path->mnt);
}

SEC("lsm/path_chmod")
int BPF_PROG(ag_path_chmod, const struct path *path, umode_t mode, int ret)
{
	if (ret)
		return ret;
	return ag_write_op(AG_HOOK_PATH_CHMOD, path->dentry, path->mnt);
}

SEC("lsm/path_chown")
int BPF_PROG(ag_path_chown, const struct path *path, __u32 uid, __u32 gid,
	     int ret) /* kuid_t, kgid_t */
{
	if (ret)
		return ret;
	return ag_write_op(AG_HOOK_PATH_CHOWN, path->dentry, path->mnt);
}

/* FS_OPEN_PERM | FS_ACCESS_PERM | FS_OPEN_EXEC_PERM (include/linux/fsnotify_backend.h) */
#define AG_FS_PERM_EVENTS 0x70000ull

/*
 * inotify, fanotify and dnotify watches. One on a file tells when it is
 * opened, read or changed; one on a directory, the names of its entries as
 * they are used: judged as file_read of the path, as opening it (a listing)
 * would be. A mark on a whole mount or filesystem sees every file there,
 * whatever the rules say of their paths, and a permission event holds other
 * tasks' opens until the agent answers: both refused (op watch).
 */
SEC("lsm/path_notify")
int BPF_PROG(ag_path_notify, const struct path *path, __u64 mask, unsigned int obj_type, int ret)
{
	if (ret)
		return ret;
	if (obj_type == FSNOTIFY_OBJ_TYPE_INODE && !(mask & AG_FS_PERM_EVENTS))
		return ag_path_op(AG_HOOK_PATH_NOTIFY, AG_CLASS_FILE_READ, path->dentry, path->mnt);
	return ag_refuse_path(AG_HOOK_PATH_NOTIFY, AG_OP_WATCH, path->dentry, path->mnt);
}

/*
 * xattr and timestamp changes reach only the inode hooks, which carry no
 * mount. On the task's root filesystem the path is rebuilt from the root
 * mount and decided as file_write; elsewhere it cannot be named: refused.
 */
static __always_inline int ag_inode_write_op(__u32 hook, struct dentry *dentry)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct vfsmount *root = BPF_CORE_READ(task, fs, root.mnt);
	struct ag_scratch *t __ag_scratch = NULL;
	struct ag_pol pol;
	int err;

	if (BPF_CORE_READ(dentry, d_sb) == BPF_CORE_READ(root, mnt_sb))
		return ag_write_op(hook, dentry, root);
	err = ag_setup(&pol, &t, hook);
	if (err)
		return err > 0 ? 0 : err;
	return ag_refuse(t, &pol, AG_OP_UNNAMED_WRITE, 0);
}

SEC("lsm/inode_setxattr")
int BPF_PROG(ag_inode_setxattr, void *idmap, struct dentry *dentry, const char *name,
	     const void *value, size_t size, int flags, int ret)
{
	if (ret)
		return ret;
	return ag_inode_write_op(AG_HOOK_INODE_SETXATTR, dentry);
}

SEC("lsm/inode_removexattr")
int BPF_PROG(ag_inode_removexattr, void *idmap, struct dentry *dentry, const char *name, int ret)
{
	if (ret)
		return ret;
	return ag_inode_write_op(AG_HOOK_INODE_REMOVEXATTR, dentry);
}

/*
 * 6.2 moved POSIX ACLs off inode_setxattr onto hooks of their own, which 6.1
 * lacks: optional programs (userspace/loader: loader_optional), left out
 * where the kernel has no such hook and inode_setxattr sees ACLs instead.
 */
SEC("lsm/inode_set_acl")
int BPF_PROG(ag_inode_set_acl, void *idmap, struct dentry *dentry, const char *acl_name,
	     void *kacl, int ret)
{
	if (ret)
		return ret;
	return ag_inode_write_op(AG_HOOK_INODE_SET_ACL, dentry);
}

SEC("lsm/inode_remove_acl")
int BPF_PROG(ag_inode_remove_acl, void *idmap, struct dentry *dentry, const char *acl_name,
	     int ret)
{
	if (ret)
		return ret;
	return ag_inode_write_op(AG_HOOK_INODE_REMOVE_ACL, dentry);
}

/*
 * chattr: inode flags (immutable, append-only, no-dump, ...) and project ids
 * change the file as much as chmod does: decided as file_write of its path.
 * FIOSETOWN and SIOCSPGRP set a socket's SIGIO/SIGURG owner (lib/owner.h).
 * TIOCSTI types into a terminal, and the shell that started `agentgate exec`
 * reads it as its user's input, unconfined (6.1 lets any task do it on its
 * controlling terminal, 6.12 a task with CAP_SYS_ADMIN); TIOCLINUX pastes a
 * console's selection the same way; TIOCCONS takes the console's output;
 * TIOCVHANGUP hangs the terminal up as vhangup() does (CAP_SYS_ADMIN only);
 * KDSKBENT and KDSKBSENT rebind a console's keys for whoever types next.
 * FIFREEZE stops every write to a filesystem, the audit log's too, and
 * FS_IOC_SHUTDOWN fails them until the next mount.
 */
#define AG_FS_IOC_SETFLAGS 0x40086602u /* _IOW('f', 2, long) */
#define AG_FS_IOC32_SETFLAGS 0x40046602u /* _IOW('f', 2, int) */
#define AG_FS_IOC_FSSETXATTR 0x401c5820u /* _IOW('X', 32, struct fsxattr) */
#define AG_TIOCSTI 0x5412u
#define AG_TIOCLINUX 0x541cu
#define AG_TIOCCONS 0x541du
#define AG_TIOCVHANGUP 0x5437u
#define AG_KDSKBENT 0x4b47u
#define AG_KDSKBSENT 0x4b49u
#define AG_FIFREEZE 0xc0045877u /* _IOWR('X', 119, int) */
#define AG_FITHAW 0xc0045878u /* _IOWR('X', 120, int) */
#define AG_FS_IOC_SHUTDOWN 0x8004587du /* _IOR('X', 125, __u32) */

static __always_inline int ag_ioctl(__u32 hook, struct file *file, unsigned int cmd,
				    unsigned long arg)
{
	if (cmd == AG_FIOSETOWN || cmd == AG_SIOCSPGRP)
		return ag_owner_check(hook, cmd, arg);
	if (cmd == AG_TIOCSTI || cmd == AG_TIOCLINUX || cmd == AG_TIOCCONS ||
	    cmd == AG_TIOCVHANGUP || cmd == AG_KDSKBENT || cmd == AG_KDSKBSENT)
		return ag_refuse_path(hook, AG_OP_TERMINAL, file->f_path.dentry, file->f_path.mnt);
	if (cmd == AG_FIFREEZE || cmd == AG_FITHAW || cmd == AG_FS_IOC_SHUTDOWN)
		return ag_refuse_path(hook, AG_OP_MOUNT, file->f_path.dentry, file->f_path.mnt);
	if (cmd != AG_FS_IOC_SETFLAGS && cmd != AG_FS_IOC32_SETFLAGS && cmd != AG_FS_IOC_FSSETXATTR)
		return 0; /* other ioctls change no file's metadata */
	return ag_write_op(hook, file->f_path.dentry, file->f_path.mnt);
}

SEC("lsm/file_ioctl")
int BPF_PROG(ag_file_ioctl, struct file *file, unsigned int cmd, unsigned long arg, int ret)
{
	if (ret)
		return ret;
	return ag_ioctl(AG_HOOK_FILE_IOCTL, file, cmd, arg);
}

/*
 * A 32-bit task's ioctls: compat_sys_ioctl asks this hook, not file_ioctl
 * (both Debian kernels have it; optional for kernels from before it).
 */
SEC("lsm/file_ioctl_compat")
int BPF_PROG(ag_file_ioctl_compat, struct file *file, unsigned int cmd, unsigned long arg, int ret)
{
	if (ret)
		return ret;
	return ag_ioctl(AG_HOOK_FILE_IOCTL_COMPAT, file, cmd, arg);
}

/* utimes and friends; mode, owner and size changes were decided by the path hooks. */
SEC("lsm/inode_setattr")
int BPF_PROG(ag_inode_setattr)
{
	struct dentry *dentry;
	struct iattr *attr;
	unsigned int valid;
	__u64 ret;

	/*
	 * 6.3 added the idmap argument in front. Constant offsets in asm: the
	 * verifier refuses ctx reads at an offset clang would compute.
	 */
	if (bpf_core_type_exists(struct mnt_idmap)) {
		asm volatile("%0 = *(u64 *)(%1 + 8)" : "=r"(dentry) : "r"(ctx));
		asm volatile("%0 = *(u64 *)(%1 + 16)" : "=r"(attr) : "r"(ctx));
		asm volatile("%0 = *(u64 *)(%1 + 24)" : "=r"(ret) : "r"(ctx));
	} else {
		asm volatile("%0 = *(u64 *)(%1 + 0)" : "=r"(dentry) : "r"(ctx));
		asm volatile("%0 = *(u64 *)(%1 + 8)" : "=r"(attr) : "r"(ctx));
		asm volatile("%0 = *(u64 *)(%1 + 16)" : "=r"(ret) : "r"(ctx));
	}
	if ((int)ret) /* an int in a 64-bit slot */
		return (int)ret;
	valid = BPF_CORE_READ(attr, ia_valid);
	if ((valid & (ATTR_MODE | ATTR_UID | ATTR_GID | ATTR_SIZE)) ||
	    !(valid & (ATTR_ATIME | ATTR_MTIME)))
		return 0;
	return ag_inode_write_op(AG_HOOK_INODE_SETATTR, dentry);
}
