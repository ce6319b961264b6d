/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * One kernel decision, as it travels through the ring buffer to userspace
 * (bpf/ writes it, userspace/audit turns it into a chained audit record).
 * The record is sent with only the first subject_len bytes of subject[]:
 * userspace must read sizeof(struct ag_event) - AG_MAX_INPUT + subject_len
 * bytes at most and check the size it got.
 *
 * Change in step: AG_EVENT_VERSION, userspace/audit's decoder.
 */
#ifndef AGENTGATE_EVENT_H
#define AGENTGATE_EVENT_H

#include "policy_image.h"

#define AG_EVENT_VERSION 4u
#define AG_COMM_LEN 16

enum ag_event_flags {
	AG_EV_TRUNCATED = 1u << 0, /* subject longer than AG_MAX_INPUT */
	AG_EV_ARGV_RACE = 1u << 1, /* argv changed between check and commit: killed */
	/*
	 * Not one decision but count more, each the same as the record this task
	 * sent with the same fold (include/maps.h, "Folding"): same policy, cgroup,
	 * user, executable, action, rule, decision and subject. Sent with no
	 * subject; first_ns and ts_boot_ns are the first and the last of them.
	 */
	AG_EV_REPEAT = 1u << 2,
};

/*
 * Self-protection: what a confined task is refused whatever its policy says
 * (simulate mode included). Sent with action AG_ACT_PROTECT, rule
 * AG_RULE_PROTECTED and the operation in op; subject is the path involved,
 * or empty. Change in step: userspace/audit (op names, reasons), docs/audit.md.
 */
#define AG_ACT_PROTECT 16u

/*
 * A confined task exec'd in a network namespace its policy's DNS proxy does
 * not serve yet (an agent that unshared one, a container bound late): a
 * notice for the proxy's owner, which sets sockets up there (docs/network.md).
 * Not a decision: never written to the audit log. pid and tid name the task.
 */
#define AG_ACT_NETNS 17u

enum ag_protect_op {
	AG_OP_NONE = 0,
	AG_OP_BPF, /* the bpf() syscall */
	AG_OP_PTRACE, /* ptrace, process_vm_*, /proc/PID/mem of a task outside */
	AG_OP_SIGNAL, /* a signal to a task outside the confined cgroups */
	AG_OP_CGROUP_WRITE, /* writing cgroupfs files (cgroup.procs: leaving the cgroup) */
	AG_OP_CLONE_CGROUP, /* clone3(CLONE_INTO_CGROUP) */
	AG_OP_NAMESPACE, /* a new user or mount namespace */
	AG_OP_MODULE, /* loading a kernel module, kexec image or LSM policy */
	AG_OP_MOUNT, /* mount, umount, move_mount, pivot_root */
	AG_OP_CHROOT,
	AG_OP_IO_URING, /* io_uring SQPOLL or another task's credentials */
	AG_OP_RAW_SOCKET, /* SOCK_RAW or AF_PACKET */
	AG_OP_ANON_EXEC, /* executing an unlinked or anonymous (memfd) file */
	AG_OP_AGENTGATE_FILE, /* agentgate's pins, keys, logs, policies */
	AG_OP_UNNAMED_WRITE, /* xattr/utimes change off the root filesystem: no path to judge */
	AG_OP_CAPABILITY, /* a capability no agent needs (network admin, clock, modules, ...) */
	AG_OP_SOURCE_ROUTE, /* IPv4 options or IPv6 routing headers: another first hop */
	AG_OP_DETACHED_MOUNT, /* a file of a detached mount tree or another mount namespace */
	AG_OP_SOCKET_FAMILY, /* a socket family or protocol no rule can judge (vsock, SCTP, ...) */
	AG_OP_AGENTGATE_PORT, /* a loopback port agentgate serves on (ag_protected_ports) */
	AG_OP_WATCH, /* a fanotify mark on a mount or filesystem, or for permission events */
	AG_OP_TERMINAL, /* input typed into a terminal (TIOCSTI, TIOCLINUX), the console taken */
	AG_OP_SCHED, /* limits, priority or scheduling of a task outside */
	AG_OP_KERNEL_SETTING, /* writing sysctls, sysfs, sysrq-trigger, binfmt_misc, tracefs, ... */
	AG_OP_HOST_IPC, /* SysV IPC objects of the host's IPC namespace */
	AG_OP_COUNT,
};

enum ag_decision {
	AG_DECISION_ALLOW = 0,
	AG_DECISION_DENY = 1,
};

struct ag_event {
	__u64 ts_boot_ns; /* bpf_ktime_get_boot_ns(); userspace maps it to UTC */
	__u64 cgroup_id; /* cgroup of the acting task */
	__u64 policy_cgroup_id; /* the cgroup the applied policy is assigned to */
	__u8 policy_sha256[32]; /* identifies the policy (image header copy) */
	__u32 pid; /* thread group id, as userspace knows it */
	__u32 tid;
	__u32 uid;
	__u16 version; /* AG_EVENT_VERSION */
	__u16 action; /* enum ag_class (NET_ADDR for connects), or AG_ACT_PROTECT */
	__u16 rule; /* rule index, AG_RULE_DEFAULT or AG_RULE_OVERSIZED */
	__u8 decision; /* enum ag_decision: what the policy says */
	__u8 mode; /* enum ag_mode: in simulate a DENY was not enforced */
	__u16 flags; /* enum ag_event_flags */
	__u16 port; /* host order: NET_ADDR, NET_LISTEN, AG_OP_AGENTGATE_PORT only */
	__u8 addr[16]; /* as port: IPv6 or ::ffff:IPv4 */
	/*
	 * The acting task's executable as the kernel saw it (mm->exe_file's inode,
	 * s_dev in the kernel's encoding); 0: unknown. Userspace names it from
	 * /proc/PID/exe only while that is still the same file (pid reuse, exec).
	 */
	__u64 exe_ino;
	__u32 exe_dev;
	/*
	 * Nonzero: the task's fold generation of this record; AG_EV_REPEAT events
	 * with the same tid and fold count decisions identical to it.
	 */
	__u32 fold;
	char comm[AG_COMM_LEN];
	__u32 subject_len; /* bytes used in subject[] */
	__u32 op; /* AG_ACT_PROTECT: enum ag_protect_op; rule AG_RULE_ENV: 1 + the deny_env index */
	__u32 count; /* AG_EV_REPEAT: the decisions it stands for; else 1 */
	__u32 reserved;
	__u64 first_ns; /* AG_EV_REPEAT: the first of them (ts_boot_ns: the last) */
	/*
	 * Path or command line, not NUL-terminated. NET_ADDR: the 18 bytes the
	 * DFA matched, then the name the address was learned from, if any.
	 */
	char subject[AG_MAX_INPUT];
};

#define AG_EVENT_HDR_SIZE (sizeof(struct ag_event) - AG_MAX_INPUT)

/* The decisions an event stands for (events not built by the kernel may leave count 0). */
static inline __u32 ag_event_count(const struct ag_event *ev)
{
	return (ev->flags & AG_EV_REPEAT) ? ev->count : 1;
}

#endif /* AGENTGATE_EVENT_H */
