// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Self-protection: what a confined task is refused whatever its policy says
 * (include/event.h lists the operations): the bpf() syscall, tracing and
 * signalling tasks outside its confinement, leaving its cgroup, new user or
 * mount namespaces, kernel modules, mounts, chroot and io_uring's ways of
 * acting as another task.
 */
#include "lib/common.h"
#include "lib/arch.h"
#include "lib/path.h"
#include "lib/owner.h"
#include "lib/cgroup.h"

SEC("lsm/bpf")
int BPF_PROG(ag_bpf, int cmd, union bpf_attr *attr, unsigned int size, int ret)
{
	if (ret)
		return ret;
	return ag_refuse_confined(AG_HOOK_BPF, AG_OP_BPF);
}

/*
 * Refuses op on task p unless p is confined by the caller's policy too, and
 * judged as the caller is: under an on_exec policy a task of the cgroup that
 * has not run its execve there yet is the runtime's (`docker exec`, a health
 * check before its execve), which the agent could take over with ptrace and
 * run unjudged. sig >= 0 is named.
 */
static __always_inline int ag_refuse_outside(__u32 hook, struct task_struct *p, __u32 op, long sig)
{
	struct ag_scratch *t __ag_scratch = NULL;
	struct ag_pol pol;
	__u32 len;
	int err;

	err = ag_setup(&pol, &t, hook);
	if (err)
		return err > 0 ? 0 : err;
	if (ag_cgroup_judged_by(BPF_CORE_READ(p, cgroups, dfl_cgrp), pol.cgroup_id) &&
	    (!pol.h->on_exec || ag_task_armed(p)))
		return 0; /* a task of the same confinement */
	len = ag_put_num(t, 0, "pid", BPF_CORE_READ(p, tgid));
	if (sig >= 0)
		len = ag_put_num(t, len, " signal", sig);
	return ag_refuse(t, &pol, op, len);
}

/* ptrace, process_vm_readv/writev, /proc/PID/mem and the like, of tasks outside. */
SEC("lsm/ptrace_access_check")
int BPF_PROG(ag_ptrace_access_check, struct task_struct *child, unsigned int mode, int ret)
{
	if (ret)
		return ret;
	return ag_refuse_outside(AG_HOOK_PTRACE_ACCESS_CHECK, child, AG_OP_PTRACE, -1);
}

/* Signals to tasks outside the confined cgroups (the daemon, agentgate exec, the host). */
SEC("lsm/task_kill")
int BPF_PROG(ag_task_kill, struct task_struct *p, struct kernel_siginfo *info, int sig,
	     const struct cred *cred, int ret)
{
	if (ret)
		return ret;
	return ag_refuse_outside(AG_HOOK_TASK_KILL, p, AG_OP_SIGNAL, sig);
}

/*
 * A task outside slowed down or stopped without a signal: its priority, I/O
 * priority and scheduling policy (setpriority, ioprio_set, sched_setscheduler,
 * sched_setaffinity: SCHED_IDLE starves the daemon's ring-buffer reader).
 */
SEC("lsm/task_setnice")
int BPF_PROG(ag_task_setnice, struct task_struct *p, int nice, int ret)
{
	if (ret)
		return ret;
	return ag_refuse_outside(AG_HOOK_TASK_SETNICE, p, AG_OP_SCHED, -1);
}

SEC("lsm/task_setioprio")
int BPF_PROG(ag_task_setioprio, struct task_struct *p, int ioprio, int ret)
{
	if (ret)
		return ret;
	return ag_refuse_outside(AG_HOOK_TASK_SETIOPRIO, p, AG_OP_SCHED, -1);
}

SEC("lsm/task_setscheduler")
int BPF_PROG(ag_task_setscheduler, struct task_struct *p, int ret)
{
	if (ret)
		return ret;
	return ag_refuse_outside(AG_HOOK_TASK_SETSCHEDULER, p, AG_OP_SCHED, -1);
}

/*
 * prlimit64 on another task (the kernel asks only then): RLIMIT_CPU or
 * RLIMIT_FSIZE 0 make the kernel itself kill it (SIGXCPU, SIGXFSZ), no
 * signal hook asked. The hook sees credentials, not the task, so a new
 * limit for any other task is refused; reading one is not (/proc shows it).
 */
#define AG_LSM_PRLIMIT_WRITE 2u

SEC("lsm/task_prlimit")
int BPF_PROG(ag_task_prlimit, const struct cred *cred, const struct cred *tcred, unsigned int flags,
	     int ret)
{
	if (ret)
		return ret;
	if (!(flags & AG_LSM_PRLIMIT_WRITE))
		return 0; /* reading another task's limits changes nothing */
	return ag_refuse_confined(AG_HOOK_TASK_PRLIMIT, AG_OP_SCHED);
}

/*
 * SIGIO (F_SETOWN, F_SETSIG, O_ASYNC) is a signal too: to a task outside, refused as
 * task_kill refuses it when a confined task's I/O raises it. Another task's I/O (an
 * unconfined writer, a kworker, an interrupt) raises it as an unconfined sender, so a
 * confined task may not name another owner in the first place (ag_file_fcntl).
 */
SEC("lsm/file_send_sigiotask")
int BPF_PROG(ag_file_send_sigiotask, struct task_struct *tsk, struct fown_struct *fown, int sig,
	     int ret)
{
	if (ret)
		return ret;
	return ag_refuse_outside(AG_HOOK_FILE_SEND_SIGIOTASK, tsk, AG_OP_SIGNAL, sig ? sig : 29);
}

/* F_SETOWN: a confined task may make only itself the owner; F_SETOWN_EX not (lib/owner.h). */
SEC("lsm/file_fcntl")
int BPF_PROG(ag_file_fcntl, struct file *file, unsigned int cmd, unsigned long arg, int ret)
{
	if (ret)
		return ret;
	if (cmd != AG_F_SETOWN && cmd != AG_F_SETOWN_EX)
		return 0; /* no other command names a task to signal */
	return ag_owner_check(AG_HOOK_FILE_FCNTL, cmd, arg);
}

/*
 * Capabilities an agent never needs, whatever its policy: with them come the
 * network's configuration (nftables DNAT of an allowed address, routes,
 * tunnels), the clock the audit log is stamped with, reboot, raw I/O, perf
 * and BPF, open_by_handle_at (names without a path), device nodes (mknod of
 * a disk at a writable path opens the whole filesystem), the audit and MAC
 * settings, module loading (kernel_load refuses a confined task's own load,
 * but CAP_SYS_MODULE also lets an ioctl naming a network device make the
 * kernel run modprobe, outside every cgroup), process accounting (acct()
 * records every process of the host), other users' SysV IPC objects
 * (CAP_IPC_OWNER), the terminals' configuration (vhangup of the session the
 * agent was started from). CAP_SYS_PTRACE stays: tasks outside are guarded
 * by ptrace_access_check, and userfaultfd needs it. docs/enforcement.md
 * lists them.
 */
#define AG_CAP_MASK                                                                                \
	((1ull << 2) | (1ull << 12) | (1ull << 15) | (1ull << 16) | (1ull << 17) | (1ull << 20) |  \
	 (1ull << 22) | (1ull << 25) | (1ull << 26) | (1ull << 27) | (1ull << 29) | (1ull << 30) | \
	 (1ull << 32) | (1ull << 33) | (1ull << 34) | (1ull << 35) | (1ull << 38) | (1ull << 39))

#define AG_CAP_SYS_ADMIN 21
#define AG_X32_SYSCALL_BIT 0x40000000ull

/*
 * The calls CAP_SYS_ADMIN is refused for, their number, else 0. The mount
 * API's change mounts without passing the mount hooks: open_tree, fsopen,
 * fsconfig, fsmount, fspick (a reconfigure, read-only say, of a mounted
 * filesystem) and mount_setattr (read-only, noexec); new calls are numbered
 * alike on every architecture. The others accept CAP_SYS_ADMIN where their
 * own capability is refused (perfmon_capable(): perf_event_open sampling
 * every task of the host; syslog reading or clearing the kernel's log), or
 * reach the whole host with it alone: swapon (a swap file the agent reads
 * holds every process's memory), swapoff, sethostname and setdomainname (the
 * host's, in its UTS namespace), quotactl and quotactl_fd.
 */
static __always_inline __u64 ag_admin_refused_call(int *mount)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	__u64 nr = AG_SYSCALL_NR(regs) & ~AG_X32_SYSCALL_BIT;

	*mount = nr == 428 || (nr >= 430 && nr <= 433) || nr == 442;
	if (*mount || nr == AG_NR_PERF_EVENT_OPEN || nr == AG_NR_SYSLOG || nr == AG_NR_SWAPON ||
	    nr == AG_NR_SWAPOFF || nr == AG_NR_SETHOSTNAME || nr == AG_NR_SETDOMAINNAME ||
	    nr == AG_NR_QUOTACTL || nr == 443)
		return nr;
	return 0;
}

SEC("lsm/capable")
int BPF_PROG(ag_capable, const struct cred *cred, struct user_namespace *ns, int cap,
	     unsigned int opts, int ret)
{
	struct ag_scratch *t __ag_scratch = NULL;
	struct ag_pol pol;
	__u64 nr = 0;
	int err, mount = 0;

	if (ret)
		return ret;
	/* CAP_SYS_ADMIN stays, but not for the calls above (each checks it). */
	if (cap == AG_CAP_SYS_ADMIN)
		nr = ag_admin_refused_call(&mount);
	if (!nr && (cap < 0 || cap > 63 || !((AG_CAP_MASK >> cap) & 1)))
		return 0; /* not one of the refused capabilities */
	err = ag_setup(&pol, &t, AG_HOOK_CAPABLE);
	if (err)
		return err > 0 ? 0 : err;
	if (mount)
		return ag_refuse(t, &pol, AG_OP_MOUNT, ag_put_num(t, 0, "syscall", nr));
	if (nr)
		return ag_refuse(t, &pol, AG_OP_CAPABILITY,
				 ag_put_num(t, ag_put_num(t, 0, "cap", cap), " syscall", nr));
	return ag_refuse(t, &pol, AG_OP_CAPABILITY, ag_put_num(t, 0, "cap", cap));
}

/*
 * SysV IPC objects (shared memory, message queues, semaphores) are found by a key
 * in their IPC namespace, shared by every process in it: in the host's, an agent
 * could attach any process's segment its uid may use, read another's messages or
 * hold a semaphore others wait on, and as root remove or re-own any of them. A
 * confined task in the host's IPC namespace is refused every use of an object
 * (ipc_permission: attach, send, receive, operate, stat; the *ctl hooks: remove,
 * set, lock, stat of any); in its own namespace (a container's, agentgate
 * exec's) its objects are its own. Creating one is allowed: nothing can use it.
 */
#define AG_PROC_IPC_INIT_INO 0xEFFFFFFFu

static __always_inline int ag_refuse_host_ipc(__u32 hook, const void *perm)
{
	struct task_struct *task = bpf_get_current_task_btf();

	if (!perm)
		return 0; /* IPC_INFO and the like: the namespace's limits, no object */
	/* A fault (an exiting task's nsproxy) reads 0: such a task makes no IPC call. */
	if (task->nsproxy->ipc_ns->ns.inum != AG_PROC_IPC_INIT_INO)
		return 0; /* its own IPC namespace */
	return ag_refuse_confined(hook, AG_OP_HOST_IPC);
}

SEC("lsm/ipc_permission")
int BPF_PROG(ag_ipc_permission, struct kern_ipc_perm *ipcp, short flag, int ret)
{
	return ret ? ret : ag_refuse_host_ipc(AG_HOOK_IPC_PERMISSION, ipcp);
}

SEC("lsm/shm_shmctl")
int BPF_PROG(ag_shm_shmctl, struct kern_ipc_perm *perm, int cmd, int ret)
{
	return ret ? ret : ag_refuse_host_ipc(AG_HOOK_SHM_SHMCTL, perm);
}

SEC("lsm/msg_queue_msgctl")
int BPF_PROG(ag_msg_queue_msgctl, struct kern_ipc_perm *perm, int cmd, int ret)
{
	return ret ? ret : ag_refuse_host_ipc(AG_HOOK_MSG_QUEUE_MSGCTL, perm);
}

SEC("lsm/sem_semctl")
int BPF_PROG(ag_sem_semctl, struct kern_ipc_perm *perm, int cmd, int ret)
{
	return ret ? ret : ag_refuse_host_ipc(AG_HOOK_SEM_SEMCTL, perm);
}

/* clone() into another cgroup or into new user/mount namespaces. */
SEC("lsm/task_alloc")
int BPF_PROG(ag_task_alloc, struct task_struct *task, unsigned long clone_flags, int ret)
{
	if (ret)
		return ret;
	/* A judged task's children (threads, io_uring workers too) are judged from birth. */
	if (ag_is_armed() && ag_arm(task)) {
		ag_count_error(AG_HOOK_TASK_ALLOC);
		return -ENOMEM; /* a child that would run unjudged is not created */
	}
	if (clone_flags & CLONE_INTO_CGROUP)
		return ag_refuse_confined(AG_HOOK_TASK_ALLOC, AG_OP_CLONE_CGROUP);
	if (clone_flags & (CLONE_NEWUSER | CLONE_NEWNS))
		return ag_refuse_confined(AG_HOOK_TASK_ALLOC, AG_OP_NAMESPACE);
	return 0; /* a child in the same cgroup and namespaces stays confined */
}

/* unshare(CLONE_NEWUSER) too. */
SEC("lsm/userns_create")
int BPF_PROG(ag_userns_create, const struct cred *cred, int ret)
{
	if (ret)
		return ret;
	return ag_refuse_confined(AG_HOOK_USERNS_CREATE, AG_OP_NAMESPACE);
}

/* Firmware is what a driver asks for, not code the task chooses to run. */
SEC("lsm/kernel_read_file")
int BPF_PROG(ag_kernel_read_file, struct file *file, enum kernel_read_file_id id, bool contents,
	     int ret)
{
	if (ret)
		return ret;
	return id == READING_FIRMWARE ? 0 :
					ag_refuse_confined(AG_HOOK_KERNEL_READ_FILE, AG_OP_MODULE);
}

SEC("lsm/kernel_load_data")
int BPF_PROG(ag_kernel_load_data, enum kernel_load_data_id id, bool contents, int ret)
{
	if (ret)
		return ret;
	return id == LOADING_FIRMWARE ? 0 :
					ag_refuse_confined(AG_HOOK_KERNEL_LOAD_DATA, AG_OP_MODULE);
}

/* Mounts would let a confined task give paths another meaning (bind mounts over rules). */
SEC("lsm/sb_mount")
int BPF_PROG(ag_sb_mount, const char *dev_name, const struct path *path, const char *type,
	     unsigned long flags, void *data, int ret)
{
	if (ret)
		return ret;
	return ag_refuse_path(AG_HOOK_SB_MOUNT, AG_OP_MOUNT, path->dentry, path->mnt);
}

SEC("lsm/sb_umount")
int BPF_PROG(ag_sb_umount, struct vfsmount *mnt, int flags, int ret)
{
	if (ret)
		return ret;
	return ag_refuse_path(AG_HOOK_SB_UMOUNT, AG_OP_MOUNT, mnt->mnt_root, mnt);
}

SEC("lsm/sb_pivotroot")
int BPF_PROG(ag_sb_pivotroot, const struct path *old_path, const struct path *new_path, int ret)
{
	if (ret)
		return ret;
	return ag_refuse_path(AG_HOOK_SB_PIVOTROOT, AG_OP_MOUNT, new_path->dentry, new_path->mnt);
}

SEC("lsm/move_mount")
int BPF_PROG(ag_move_mount, const struct path *from_path, const struct path *to_path, int ret)
{
	if (ret)
		return ret;
	return ag_refuse_path(AG_HOOK_MOVE_MOUNT, AG_OP_MOUNT, to_path->dentry, to_path->mnt);
}

/* Paths are judged from the task's root: a new root would rename everything. */
SEC("lsm/path_chroot")
int BPF_PROG(ag_path_chroot, const struct path *path, int ret)
{
	if (ret)
		return ret;
	return ag_refuse_path(AG_HOOK_PATH_CHROOT, AG_OP_CHROOT, path->dentry, path->mnt);
}

/* A kernel thread submitting for the task, or another task's credentials. */
SEC("lsm/uring_sqpoll")
int BPF_PROG(ag_uring_sqpoll, int ret)
{
	if (ret)
		return ret;
	return ag_refuse_confined(AG_HOOK_URING_SQPOLL, AG_OP_IO_URING);
}

SEC("lsm/uring_override_creds")
int BPF_PROG(ag_uring_override_creds, const struct cred *new, int ret)
{
	if (ret)
		return ret;
	return ag_refuse_confined(AG_HOOK_URING_OVERRIDE_CREDS, AG_OP_IO_URING);
}

/*
 * Who connects to an ask socket (docs/ask.md): the connecting task's cgroup and
 * the cgroup whose policy applies to it, stored on the socket the server will
 * accept, so the server answers about that policy only. Runs for every task,
 * confined or not; refuses nothing. When the storage cannot be had the server
 * finds none and answers nothing (counted).
 */
SEC("lsm/unix_stream_connect")
int BPF_PROG(ag_ask_connect, struct sock *sock, struct sock *other, struct sock *newsk, int ret)
{
	struct unix_sock *u = bpf_skc_to_unix_sock(other);
	struct ag_ask_peer *peer;

	if (ret)
		return ret;
	/* Never NULL here (a unix socket's hook); were it, no peer is noted: nothing answered. */
	if (!u || ag_inode_mark(u->path.dentry->d_inode) != AG_PROTECT_ASK)
		return 0;
	peer = bpf_sk_storage_get(&ag_ask_peers, newsk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (!peer) {
		ag_count_error(AG_HOOK_UNIX_STREAM_CONNECT);
		return 0;
	}
	peer->cgroup_id = bpf_get_current_cgroup_id();
	peer->policy_cgroup_id = ag_policy_cgroup(AG_HOOK_UNIX_STREAM_CONNECT, NULL);
	peer->pid = bpf_get_current_pid_tgid() >> 32;
	return 0;
}
