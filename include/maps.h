/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Map layouts shared by bpf/ (defined in bpf/maps.bpf.c) and userspace/loader/.
 *
 *   ag_policies   HASH_OF_MAPS  u64 cgroup id -> inner ARRAY of struct ag_page
 *                               (one compiled image, AG_PAGE_SIZE bytes a page)
 *   ag_cache      LRU_HASH      u64 cgroup id -> struct ag_cache_val: which
 *                               policy applies to a cgroup, as of a generation
 *   ag_state      ARRAY[1]      struct ag_state: generation and policy count
 *   ag_events     RINGBUF       struct ag_event records (include/event.h)
 *   ag_streams    HASH_OF_MAPS  u64 policy cgroup id -> RINGBUF of AG_STREAM_BYTES:
 *                               that policy's events go there instead of ag_events
 *   ag_drops      PERCPU_ARRAY  u64 events lost because the ring buffer was full
 *   ag_errors     PERCPU_ARRAY  enum ag_hook -> u64: helper or map failures met by that
 *                               hook for a confined task (each one denied or recorded)
 *   ag_protected  HASH          struct ag_inode_key -> __u32 owners: agentgate's own
 *                               files (keys, logs, policies, sockets) and directories;
 *                               a confined task may not open, change or connect to one,
 *                               nor change an entry of a protected directory
 *   ag_dns        HASH          struct ag_dns_key (policy cgroup id, network namespace
 *                               cookie) -> struct ag_dns_proxy: the DNS proxy sockets
 *                               serving that policy in that namespace; UDP and TCP to
 *                               port 53 from its tasks there are redirected to them
 *                               (docs/network.md). Namespace 0: the policy has a proxy.
 *   ag_dns_notices LRU_HASH     struct ag_dns_key -> u64 CLOCK_BOOTTIME ns: when an exec
 *                               in a namespace the proxy does not serve was last noticed
 *                               (AG_ACT_NETNS events, at most one a second per pair)
 *   ag_learned    HASH          struct ag_learned_key -> struct ag_learned_val: addresses
 *                               the proxy learned from allowed answers, until TTL + grace.
 *                               Not an LRU: the kernel never evicts, each policy's proxy
 *                               keeps its own entries within the policy's dns_quota, so a
 *                               flood of answers evicts only the flooder's addresses
 *   ag_dns_clients HASH_OF_MAPS u64 policy cgroup id -> LRU_HASH of AG_DNS_CLIENTS:
 *                               struct ag_dns_client_key -> struct ag_dns_client, the
 *                               task that last sent DNS from a redirected socket's local
 *                               port, so the proxy's records name it; one table a policy,
 *                               so a flood of senders evicts only its own policy's notes
 *   ag_ask_peers  SK_STORAGE    accepted socket -> struct ag_ask_peer: who connected to an
 *                               ask socket (docs/ask.md), written by the kernel at connect
 *   ag_protected_ports HASH     struct ag_port_key -> __u32 pid: loopback TCP/UDP ports
 *                               agentgate serves on (DNS proxies, metrics, dashboard), and
 *                               the agentgate process serving there (a mark whose process
 *                               is gone is removed by loader_gc); a confined task's
 *                               connect or sendto to a loopback address of that namespace
 *                               and port is refused whatever its policy says
 *
 * A cache entry is valid only while its generation equals ag_state.generation;
 * userspace bumps the generation after every change of ag_policies, so a stale
 * entry is never used. ag_state lives in a map rather than in .bss so that any
 * process opening the pins (daemon, `agentgate exec`) can update it.
 *
 * Change in step: AG_MAPS_VERSION (checked when adopting pinned state).
 */
#ifndef AGENTGATE_MAPS_H
#define AGENTGATE_MAPS_H

#include "policy_image.h"

/* Bumped whenever a map or program layout changes: pins of another version are refused. */
#define AG_MAPS_VERSION 14u

#define AG_MAX_POLICIES 1024u /* cgroups with a policy of their own */
#define AG_CACHE_ENTRIES 16384u
#define AG_MAX_CGROUP_DEPTH 32
#define AG_STREAM_BYTES (1u << 20) /* levels walked up from a task's cgroup */

#define AG_PIN_DIR "/sys/fs/bpf/agentgate"
/* Event readers poll at least this often: the kernel wakes them only for batches. */
#define AG_EVENTS_POLL_MS 50

struct ag_page {
	__u8 b[AG_PAGE_SIZE];
};

#define AG_MAX_PROTECTED 4096u

/* An inode as the kernel names it: sb->s_dev (MAJOR << 20 | MINOR) and i_ino. */
struct ag_inode_key {
	__u64 dev;
	__u64 ino;
};

/*
 * ag_protected values: a daemon's mark plus a count of `agentgate exec`s using
 * the inode (AG_PROTECT_COUNT); and for the directories above a marked entry,
 * up to the root's entries, the same in the AG_PROTECT_ABOVE bits: renaming
 * such a directory would move agentgate's files out from under their paths (a
 * rotated log, a reloaded config landing in a tree the agent made), so its
 * entry may not change; what is in it is the policy's business.
 */
#define AG_PROTECT_DAEMON 0x80000000u
#define AG_PROTECT_COUNT 0x0000ffffu
#define AG_PROTECT_ABOVE_DAEMON 0x20000000u
#define AG_PROTECT_ABOVE_ONE 0x00010000u /* one exec's mark in AG_PROTECT_ABOVE_COUNT */
#define AG_PROTECT_ABOVE_COUNT 0x1fff0000u
#define AG_PROTECT_ABOVE (AG_PROTECT_ABOVE_DAEMON | AG_PROTECT_ABOVE_COUNT)
/*
 * An ask socket (docs/ask.md): the one agentgate file a confined task may
 * connect to (still judged as file_write of its path by the policy). Its entry
 * holds this bit alone; every other mark of the inode clears it. Nothing else
 * is allowed on it: renaming or removing it is an entry change of its
 * directory, which is marked as usual.
 */
#define AG_PROTECT_ASK 0x40000000u

/*
 * Who connected to an ask socket, as the kernel saw the connecting task at
 * connect(): its cgroup, and the cgroup whose policy applied to it then (0:
 * none). The server reads it with the accepted socket as the key, so no pid
 * is ever looked up (a pid can be reused; SO_PEERPIDFD is 6.5+).
 */
struct ag_ask_peer {
	__u64 cgroup_id;
	__u64 policy_cgroup_id;
	__u32 pid; /* tgid at connect: for records, and where a bare program name is looked up */
	__u32 reserved;
};

#define AG_MAX_PROTECTED_PORTS (2u * AG_DNS_SITES + 64u) /* proxies, metrics, dashboards */

/* A port agentgate serves on loopback: the namespace (struct net's net_cookie) and port. */
struct ag_port_key {
	__u64 netns;
	__u16 port; /* host order */
	__u16 reserved[3]; /* 0 */
};

struct ag_cache_val {
	__u64 policy_cgroup_id; /* 0: no policy applies */
	__u64 generation;
	/*
	 * The key again: an LRU element is reused for another key without an RCU
	 * wait, so a reader checks it before and after reading the others.
	 */
	__u64 cgroup_id;
};

struct ag_state {
	__u64 generation; /* bumped on every install and remove */
	__u64 npolicies; /* 0: nothing is confined, every hook returns at once */
	__u64 object_hash; /* identifies the BPF object that created the pins */
	__u32 maps_version; /* AG_MAPS_VERSION of that object */
	__u32 fold_ms; /* folding window (below); 0: every decision is its own record */
	__u64 fold_key[2]; /* SipHash key of fold keys, random, set at load */
	/*
	 * The kernel's rename_lock and mount_lock (kallsyms), whose sequence counts
	 * move with every rename and every mount change: while neither moves, a
	 * dentry's path stays what it was (bpf/lib/memo.h). 0: not known, file
	 * opens are not memoized.
	 */
	__u64 rename_lock, mount_lock;
	__u64 protect_gen; /* bumped when an inode becomes marked in ag_protected, or unmarked */
	/*
	 * The cgroup whose tasks the ag_arm_walk iterator marks in ag_armed (an
	 * on_exec policy assigned to running tasks), 0: none. Set, the walk run and
	 * cleared again under the loader's lock (loader_arm_cgroup).
	 */
	__u64 arm_cgroup_id;
};

/*
 * Folding: a task that makes the same decision again within fold_ms of the
 * record that first reported it sends no new record; the kernel counts it in
 * one of the task's AG_FOLD_SLOTS slots (picked by the fold key, a keyed hash
 * of everything a record says but its time and ids), and later sends one
 * AG_EV_REPEAT event with the count: when the task's next decision takes the
 * slot, when the task exits, and when a reader runs the ag_fold_flush
 * iterator (at least every AG_FOLD_FLUSH_MS). So every decision is still
 * accounted for in the audit log, the first of a run, a deny included, is
 * written at once, and a flood of one decision is a few records, not one per
 * call. The key is keyed with a secret so an agent cannot craft two subjects
 * that share one (which would hide one's records under the other's count).
 * A file class's key is computed before its walk, with the decision pending
 * (bpf/lib/fold.h, ag_fold_hit): a repeat within the window takes its verdict
 * from the slot's record, since the policy image (named by policy_sha256) and
 * the path, both in the key, decide it alone.
 */
#define AG_FOLD_SLOTS 4u
#define AG_FOLD_MS_DEFAULT 1000u
#define AG_FOLD_FLUSH_MS 250

#define AG_DNS_PORT 53
#define AG_DNS_NAME_MAX 256u /* power of two; names are at most 253 bytes */
/*
 * ag_learned's capacity, shared by every policy (allocated as used); each policy holds at
 * most its dns_quota (userspace/policy/policy.h) of it.
 */
#define AG_LEARNED_ENTRIES 65536u

/* A network namespace as the kernel names it: struct net's net_cookie (SO_NETNS_COOKIE). */
struct ag_dns_key {
	__u64 cgroup_id; /* the policy cgroup */
	__u64 netns; /* 0: the policy's marker (it has a proxy), ports 0 */
};

#define AG_DNS_SITES 8192u /* (policy, namespace) pairs served */
#define AG_DNS_NOTICE_NS 1000000000ull

/* Host byte order; the proxy listens on 127.0.0.1:port4 and [::1]:port6 of that namespace. */
struct ag_dns_proxy {
	__u16 port4;
	__u16 port6;
	__u32 reserved;
};

struct ag_learned_key {
	__u64 cgroup_id; /* the policy cgroup */
	__u8 addr[16]; /* IPv6, or ::ffff:IPv4 */
};

struct ag_learned_val {
	__u64 expires_ns; /* CLOCK_BOOTTIME (bpf_ktime_get_boot_ns) */
	__u32 name_len;
	__u32 reserved;
	char name[AG_DNS_NAME_MAX]; /* the allowed name it was learned from, lower case */
};

#define AG_DNS_CLIENTS 256u /* a policy's: sockets sending DNS at one time */

struct ag_dns_client_key {
	__u64 netns; /* the client socket's network namespace cookie */
	__u16 family; /* AF_INET, AF_INET6 */
	__u16 port; /* the client socket's local port, host order */
	__u16 proto; /* IPPROTO_UDP, IPPROTO_TCP */
	__u16 reserved;
};

struct ag_dns_client {
	__u64 cgroup_id;
	__u32 pid;
	__u32 tid;
	__u32 uid;
	__u32 reserved;
	char comm[16];
};

/*
 * The hooks ag_errors counts by: a failed bpf_probe_read_kernel, bpf_d_path,
 * bpf_copy_from_user, map lookup or update on a confined task's path. Each such
 * failure either denies (enforce mode) or is only recorded here; the counters
 * tell the two apart from a healthy kernel, where they stay 0. One entry per
 * LSM program (named as the program, without "ag_"), one for the cgroup DNS
 * steering programs; userspace/loader/loader_errors.c names them from this list.
 */
#define AG_HOOKS(X)                                   \
	X(FILE_OPEN, file_open)                       \
	X(BPRM_CHECK, bprm_check)                     \
	X(BPRM_COMMITTED, bprm_committed)             \
	X(SOCKET_CONNECT, socket_connect)             \
	X(SOCKET_SENDMSG, socket_sendmsg)             \
	X(SOCKET_LISTEN, socket_listen)               \
	X(SOCKET_BIND, socket_bind)                   \
	X(SOCKET_CREATE, socket_create)               \
	X(UNIX_STREAM_CONNECT, unix_stream_connect)   \
	X(UNIX_MAY_SEND, unix_may_send)               \
	X(PATH_MKNOD, path_mknod)                     \
	X(PATH_MKDIR, path_mkdir)                     \
	X(PATH_UNLINK, path_unlink)                   \
	X(PATH_RMDIR, path_rmdir)                     \
	X(PATH_SYMLINK, path_symlink)                 \
	X(PATH_LINK, path_link)                       \
	X(PATH_RENAME, path_rename)                   \
	X(PATH_TRUNCATE, path_truncate)               \
	X(PATH_CHMOD, path_chmod)                     \
	X(PATH_CHOWN, path_chown)                     \
	X(INODE_SETXATTR, inode_setxattr)             \
	X(INODE_REMOVEXATTR, inode_removexattr)       \
	X(INODE_SET_ACL, inode_set_acl)               \
	X(INODE_REMOVE_ACL, inode_remove_acl)         \
	X(INODE_SETATTR, inode_setattr)               \
	X(BPF, bpf)                                   \
	X(PTRACE_ACCESS_CHECK, ptrace_access_check)   \
	X(TASK_KILL, task_kill)                       \
	X(TASK_ALLOC, task_alloc)                     \
	X(USERNS_CREATE, userns_create)               \
	X(KERNEL_READ_FILE, kernel_read_file)         \
	X(KERNEL_LOAD_DATA, kernel_load_data)         \
	X(SB_MOUNT, sb_mount)                         \
	X(SB_UMOUNT, sb_umount)                       \
	X(SB_PIVOTROOT, sb_pivotroot)                 \
	X(MOVE_MOUNT, move_mount)                     \
	X(PATH_CHROOT, path_chroot)                   \
	X(URING_SQPOLL, uring_sqpoll)                 \
	X(URING_OVERRIDE_CREDS, uring_override_creds) \
	X(CAPABLE, capable)                           \
	X(FILE_SEND_SIGIOTASK, file_send_sigiotask)   \
	X(SOCKET_SETSOCKOPT, socket_setsockopt)       \
	X(FILE_IOCTL, file_ioctl)                     \
	X(FILE_FCNTL, file_fcntl)                     \
	X(FILE_IOCTL_COMPAT, file_ioctl_compat)       \
	X(PATH_NOTIFY, path_notify)                   \
	X(TASK_PRLIMIT, task_prlimit)                 \
	X(TASK_SETNICE, task_setnice)                 \
	X(TASK_SETIOPRIO, task_setioprio)             \
	X(TASK_SETSCHEDULER, task_setscheduler)       \
	X(IPC_PERMISSION, ipc_permission)             \
	X(SHM_SHMCTL, shm_shmctl)                     \
	X(MSG_QUEUE_MSGCTL, msg_queue_msgctl)         \
	X(SEM_SEMCTL, sem_semctl)                     \
	X(DNS, dns)

enum ag_hook {
#define AG_HOOK_ENUM(id, name) AG_HOOK_##id,
	AG_HOOKS(AG_HOOK_ENUM)
#undef AG_HOOK_ENUM
		AG_HOOK_COUNT
};

#endif /* AGENTGATE_MAPS_H */
