/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The maps of include/maps.h as every BPF source sees them: named types and
 * extern declarations. bpf/maps.bpf.c defines each map once with the same
 * type; libbpf's static linker (bpftool gen object) resolves the externs of
 * the other objects to it, and refuses a declaration whose type differs.
 *
 * Change in step: include/maps.h (layouts, AG_MAPS_VERSION), the loader's pins.
 */
#ifndef AGENTGATE_BPF_MAP_DEFS_H
#define AGENTGATE_BPF_MAP_DEFS_H

#include "maps.h"
#include "event.h"

struct ag_inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_INNER_MAP); /* images differ in page count */
	__uint(max_entries, 1);
	__type(key, __u32);
	__uint(value_size, sizeof(struct ag_page)); /* clang 14 emits ag_page as FWD only */
};

struct ag_policies_map {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, AG_MAX_POLICIES);
	__type(key, __u64);
	__array(values, struct ag_inner);
};

struct ag_cache_map {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, AG_CACHE_ENTRIES);
	__type(key, __u64);
	__type(value, struct ag_cache_val);
};

/*
 * The last cgroup a program judged on this CPU and the policy cgroup that
 * applied to it, as of a generation: ag_policy_cgroup's first look, before
 * ag_cache's hash. seq is odd while a program writes the entry; a run that
 * preempts or interrupts another on this CPU finds it odd, or seq moved since
 * it read it, and goes to ag_cache instead (lib/common.h).
 */
struct ag_last {
	__u64 seq;
	__u64 cgroup_id;
	__u64 generation;
	__u64 policy_cgroup_id;
};

struct ag_last_map {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ag_last);
};

struct ag_state_map {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ag_state);
};

struct ag_events_map {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 21); /* the loader may resize before load */
};

/* A private stream for one policy's events (`agentgate exec` next to a daemon). */
struct ag_stream {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, AG_STREAM_BYTES);
};

struct ag_streams_map {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, AG_MAX_POLICIES);
	__type(key, __u64);
	__array(values, struct ag_stream);
};

struct ag_drops_map {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
};

struct ag_errors_map {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, AG_HOOK_COUNT);
	__type(key, __u32); /* enum ag_hook */
	__type(value, __u64);
};

struct ag_protected_map {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, AG_MAX_PROTECTED);
	__type(key, struct ag_inode_key);
	__type(value, __u32);
};

struct ag_protected_ports_map {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, AG_MAX_PROTECTED_PORTS);
	__type(key, struct ag_port_key);
	__type(value, __u32);
};

struct ag_dns_map {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, AG_DNS_SITES);
	__type(key, struct ag_dns_key);
	__type(value, struct ag_dns_proxy);
};

struct ag_dns_notices_map {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, AG_MAX_POLICIES);
	__type(key, struct ag_dns_key);
	__type(value, __u64);
};

struct ag_learned_map {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, AG_LEARNED_ENTRIES);
	__type(key, struct ag_learned_key);
	__type(value, struct ag_learned_val);
};

/*
 * One policy's table; userspace creates it like this when the policy's proxy
 * starts. Sizes, not types: clang emits an inner map's key and value structs
 * as forward declarations, which the static linker cannot size.
 */
struct ag_dns_clients_inner {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, AG_DNS_CLIENTS);
	__uint(key_size, sizeof(struct ag_dns_client_key));
	__uint(value_size, sizeof(struct ag_dns_client));
};

struct ag_dns_clients_map {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, AG_MAX_POLICIES);
	__type(key, __u64);
	__array(values, struct ag_dns_clients_inner);
};

/* Where a redirected socket meant to send its DNS, to show in replies and getpeername. */
struct ag_dns_orig {
	__u32 addr[4]; /* IPv6, or ::ffff:IPv4, network order */
	__u32 port; /* network order, as in bpf_sock_addr */
	__u32 proxy_port; /* network order: the proxy port replies come from */
	__u32 reserved;
	__u64 pcg; /* the policy cgroup whose proxy it was sent to (its ag_dns_clients table) */
};

struct ag_dns_orig_map {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct ag_dns_orig);
};

/*
 * Tasks judged under an on_exec policy (policy_image.h): 1 from their first
 * named execve in the cgroup, or from birth when their parent had it. Never
 * cleared: a task once judged stays judged, wherever it goes. 0: created
 * ahead, not armed yet (file.bpf.c, ag_exec_prepare: so that the sleepable
 * bprm_check_security need not allocate).
 */
struct ag_armed_map {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u32);
};

/* A task's fold slot (include/maps.h "Folding"; who writes what: bpf/lib/fold.h). */
struct ag_fold {
	__u64 word; /* generation << 32 | decisions counted since the slot's record */
	__u64 key; /* the record's fold key; 0: empty */
	__u64 start_ns; /* the record's time: the window runs from there */
	__u64 first_ns, last_ns; /* the first and last decision counted */
	__u64 policy_cgroup_id; /* whose stream the count goes to */
	__u8 hdr[AG_EVENT_HDR_SIZE]; /* the record's header, the AG_EV_REPEAT event's base */
};

/*
 * A file open, as far as its path and its record go (lib/memo.h): what
 * bpf_d_path computes the path from, and what the record says of the task and
 * its policy. Equal memos give the same path, decision and record but for
 * the time. The words are compared in order; the fold keys and their
 * records' times, after them, are not part of it.
 */
struct ag_open_memo {
	__u64 dentry, mnt, root_dentry, root_mnt; /* pointers, only compared */
	__u64 parent; /* the dentry's d_parent */
	__u64 name_hash_len; /* its d_name's len << 32 | hash */
	__u64 ino; /* its inode: the file itself when the pointer was freed and reused */
	__u64 dev_seqs; /* the inode's s_dev << 32 | rename_lock's sequence count */
	__u64 mount_seq; /* mount_lock's sequence count */
	__u64 protect_gen; /* ag_state.protect_gen: agentgate's files as they were marked */
	__u64 cgroup_id, policy_cgroup_id;
	__u64 sha[4]; /* the image's policy_sha256 */
	__u64 pid_tgid; /* tgid << 32 | pid */
	__u64 uid_mode; /* uid << 32 | mode */
	__u64 exe_ino, exe_dev;
	__u64 comm[2];
	__u64 key_rd, key_wr; /* the fold keys of the open's file_read and file_write, 0: none */
	__u64 start_rd, start_wr; /* their records' start_ns: the memo lives as long as they do */
};

#define AG_OPEN_MEMO_WORDS 22 /* the compared words: all but the keys */
_Static_assert(__builtin_offsetof(struct ag_open_memo, key_rd) == AG_OPEN_MEMO_WORDS * 8,
	       "struct ag_open_memo: the keys follow the compared words");

/*
 * Per-task state kept between a task's hook calls: the exec judged at
 * bprm_check_security for bprm_committed_creds, the fold slots, and the last
 * open answered from them. Small: every task ever judged keeps it until it
 * exits (the buffers are scratch).
 */
struct ag_task {
	__u64 exec_bprm; /* the bprm judged at bprm_check_security, 0 when none */
	__u64 exec_hash; /* FNV-1a of the judged " argv1 argv2 ..." */
	__u32 exec_argc;
	__u16 exec_state; /* the EXEC DFA's state after the judged executable's path */
	__u16 reserved;
	__u32 fold_gen; /* the generation of the task's last record that may be folded */
	__u32 reserved2;
	struct ag_fold fold[AG_FOLD_SLOTS];
	struct ag_open_memo open; /* written by the task alone */
};

/* The fold key's task part (fold.bpf.c, ag_fold_id_word): key, ids, policy, executable, comm. */
#define AG_FOLD_ID_WORDS 13

/*
 * The buffers one program run builds its input and record in, used only
 * while the program runs (lib/scratch.h hands them out).
 */
struct ag_scratch {
	struct ag_event ev; /* ev.subject is where every input is built */
	__u8 slack[AG_MAX_INPUT + 8]; /* bounded writes may run past ev.subject */
	__u8 tmp[AG_MAX_INPUT];
	__u8 path[2 * AG_MAX_INPUT]; /* paths built leaf first, right-aligned at AG_MAX_INPUT */
	__u32 slot; /* its index in ag_scratch_cpu */
	__u32 reserved;
	__u64 fold_key; /* ag_fold_hit's key of the decision under way, for ag_fold_event; else 0 */
	__u64 last_key; /* ag_fold_hit's key of the last file decision, 0: folding off */
	struct ag_open_memo open; /* file_open's memo of the open under way (lib/memo.h) */
	/*
	 * The SipHash state after the task part of the last fold key built here
	 * (fold.bpf.c, ag_fold_key), with the words it hashed: the runs of one
	 * CPU's slot are mostly one task's. Not reset between runs; reused only
	 * when every word is the same, so whatever it holds gives the right key.
	 */
	__u64 fold_id[AG_FOLD_ID_WORDS];
	__u64 fold_sip[4];
};

/*
 * AG_SCRATCH_SLOTS buffers per CPU for the non-sleepable programs, and a mask
 * of those held on that CPU (a power of two: slot indexes are masked with it).
 */
#define AG_SCRATCH_SLOTS 4u

struct ag_scratch_map {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, AG_SCRATCH_SLOTS);
	__type(key, __u32);
	__type(value, struct ag_scratch);
};

struct ag_scratch_busy_map {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64); /* bit i: slot i held (64-bit: the atomics clang has for BPF) */
};

/* The exec hooks' buffers, one a task, for the length of an execve (lib/scratch.h). */
struct ag_scratch_tasks_map {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct ag_scratch);
};

struct ag_ask_peers_map {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct ag_ask_peer);
};

struct ag_tasks_map {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct ag_task);
};

extern struct ag_policies_map ag_policies SEC(".maps");
extern struct ag_cache_map ag_cache SEC(".maps");
extern struct ag_last_map ag_last SEC(".maps");
extern struct ag_state_map ag_state SEC(".maps");
extern struct ag_events_map ag_events SEC(".maps");
extern struct ag_streams_map ag_streams SEC(".maps");
extern struct ag_drops_map ag_drops SEC(".maps");
extern struct ag_errors_map ag_errors SEC(".maps");
extern struct ag_protected_map ag_protected SEC(".maps");
extern struct ag_protected_ports_map ag_protected_ports SEC(".maps");
extern struct ag_dns_map ag_dns SEC(".maps");
extern struct ag_dns_notices_map ag_dns_notices SEC(".maps");
extern struct ag_learned_map ag_learned SEC(".maps");
extern struct ag_dns_clients_map ag_dns_clients SEC(".maps");
extern struct ag_dns_orig_map ag_dns_orig SEC(".maps");
extern struct ag_tasks_map ag_tasks SEC(".maps");
extern struct ag_scratch_map ag_scratch_cpu SEC(".maps");
extern struct ag_scratch_busy_map ag_scratch_busy SEC(".maps");
extern struct ag_scratch_tasks_map ag_scratch_tasks SEC(".maps");
extern struct ag_ask_peers_map ag_ask_peers SEC(".maps");
extern struct ag_armed_map ag_armed SEC(".maps");

#endif /* AGENTGATE_BPF_MAP_DEFS_H */
