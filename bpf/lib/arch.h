/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * What differs between the architectures the BPF object is built for
 * (-D__TARGET_ARCH_x86 or _arm64): the syscall numbers of execve and execveat
 * and of the calls CAP_SYS_ADMIN is refused for (protect.bpf.c), and where the interrupted syscall's number is kept in the task's pt_regs.
 * Syscall arguments are read with bpf_tracing.h's PT_REGS_PARMn_CORE_SYSCALL.
 *
 * vmlinux.h comes from the build host's kernel (AG_VMLINUX_ARCH_<arch> says
 * which): an x86 one lacks arm64's struct user_pt_regs, which bpf_tracing.h
 * reads arm64 registers through, so it is declared here for CO-RE to relocate.
 */
#ifndef AGENTGATE_BPF_ARCH_H
#define AGENTGATE_BPF_ARCH_H

#if defined(__TARGET_ARCH_x86)
#define AG_NR_EXECVE 59
#define AG_NR_EXECVEAT 322
#define AG_NR_SYSLOG 103
#define AG_NR_SWAPON 167
#define AG_NR_SWAPOFF 168
#define AG_NR_SETHOSTNAME 170
#define AG_NR_SETDOMAINNAME 171
#define AG_NR_QUOTACTL 179
#define AG_NR_PERF_EVENT_OPEN 298

struct pt_regs___ag_x86 {
	unsigned long orig_ax;
} __attribute__((preserve_access_index));

#define AG_SYSCALL_NR(regs) BPF_CORE_READ((struct pt_regs___ag_x86 *)(regs), orig_ax)

#elif defined(__TARGET_ARCH_arm64)
#define AG_NR_EXECVE 221
#define AG_NR_EXECVEAT 281
#define AG_NR_SYSLOG 116
#define AG_NR_SWAPON 224
#define AG_NR_SWAPOFF 225
#define AG_NR_SETHOSTNAME 161
#define AG_NR_SETDOMAINNAME 162
#define AG_NR_QUOTACTL 60
#define AG_NR_PERF_EVENT_OPEN 241

#ifndef AG_VMLINUX_ARCH_arm64
struct user_pt_regs {
	__u64 regs[31];
	__u64 sp;
	__u64 pc;
	__u64 pstate;
} __attribute__((preserve_access_index));
#endif

struct pt_regs___ag_arm64 {
	int syscallno;
} __attribute__((preserve_access_index));

#define AG_SYSCALL_NR(regs) BPF_CORE_READ((struct pt_regs___ag_arm64 *)(regs), syscallno)

#else
#error "agentgate's BPF object is built for __TARGET_ARCH_x86 or __TARGET_ARCH_arm64"
#endif

#endif /* AGENTGATE_BPF_ARCH_H */
