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

#define AG_EVENT_VERSION 1u
#define AG_COMM_LEN 16

enum ag_event_flags {
	AG_EV_TRUNCATED = 1u << 0, /* subject longer than AG_MAX_INPUT */
	AG_EV_ARGV_RACE = 1u << 1, /* argv changed between check and commit: killed */
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
	__u16 action; /* enum ag_class (NET_ADDR for connects) */
	__u16 rule; /* rule index, AG_RULE_DEFAULT or AG_RULE_OVERSIZED */
	__u8 decision; /* enum ag_decision: what the policy says */
	__u8 mode; /* enum ag_mode: in simulate a DENY was not enforced */
	__u16 flags; /* enum ag_event_flags */
	__u16 port; /* host order, NET_ADDR only */
	__u8 addr[16]; /* NET_ADDR only: IPv6 or ::ffff:IPv4 */
	char comm[AG_COMM_LEN];
	__u32 subject_len; /* bytes used in subject[] */
	__u32 reserved;
	char subject[AG_MAX_INPUT]; /* path or command line, not NUL-terminated */
};

#define AG_EVENT_HDR_SIZE (sizeof(struct ag_event) - AG_MAX_INPUT)

#endif /* AGENTGATE_EVENT_H */
