/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * What every hook family (bpf/<family>.bpf.c) shares: kernel constants
 * vmlinux.h lacks, the policy lookup for the current task, the event record,
 * decisions, self-protection refusals and the helper-failure counters.
 *
 * A confined task is one whose cgroup, or the nearest ancestor of it, has a
 * policy (include/maps.h). Every decision in a confined cgroup is sent as a
 * struct ag_event; events the ring buffer cannot take are counted per CPU in
 * ag_drops. A helper or map failure on a confined task's path either denies
 * or is recorded, and is counted per hook in ag_errors.
 */
#ifndef AGENTGATE_BPF_COMMON_H
#define AGENTGATE_BPF_COMMON_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "maps.h"
#include "event.h"
#include "map_defs.h"

#define EPERM 1
#define ENOENT 2
#define E2BIG 7
#define ENOMEM 12
#define EFAULT 14
#define EINVAL 22
#define ENAMETOOLONG 36
#define SIGKILL 9
#define AF_UNSPEC 0
#define AF_UNIX 1
#define AF_NETLINK 16
#define AF_INET 2
#define AF_INET6 10
#define AF_PACKET 17
#define FMODE_READ 0x1
#define FMODE_WRITE 0x2
#define FMODE_EXEC 0x20
#define __FMODE_EXEC 0x20 /* in f_flags */
#define O_CREAT 00000100
#define O_TRUNC 00001000
#define O_APPEND 00002000
#define CLONE_NEWNS 0x00020000ull
#define CLONE_NEWUSER 0x10000000ull
#define CLONE_INTO_CGROUP 0x200000000ull
#define CGROUP2_SUPER_MAGIC 0x63677270
#define BPF_FS_MAGIC 0xcafe4a11
#define ATTR_MODE 1u
#define ATTR_UID 2u
#define ATTR_GID 4u
#define ATTR_SIZE 8u
#define ATTR_ATIME 16u
#define ATTR_MTIME 32u
#define S_IFMT 00170000
#define S_IFDIR 0040000
#define RENAME_EXCHANGE 2u

static __always_inline void ag_count_drop(void)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&ag_drops, &zero);

	if (n) /* index 0 of a per-CPU array: always there */
		__sync_fetch_and_add(n, 1);
}

static __always_inline void ag_count_error(__u32 hook)
{
	__u64 *n = bpf_map_lookup_elem(&ag_errors, &hook);

	if (n) /* hook < AG_HOOK_COUNT: always there */
		__sync_fetch_and_add(n, 1);
}

#include "img.h"
#include "scratch.h"

struct ag_pol {
	__u64 cgroup_id;
	__u64 task_cgroup_id; /* the acting task's, as ag_policy_cgroup read it */
	struct ag_img img; /* img.hook: the hook deciding, for ag_errors */
	const struct ag_image_hdr *h;
};

/* Accesses the compiler may neither merge, reorder among themselves nor drop. */
#define AG_ONCE(x) (*(volatile typeof(x) *)&(x))

/*
 * 1 with *pcg when this CPU's ag_last holds cg as of gen. Only runs on this
 * CPU touch the entry, so program order is the order the reads see; seq read
 * again after the fields tells that no writer came in between.
 */
static __always_inline int ag_last_get(__u64 cg, __u64 gen, __u64 *pcg)
{
	struct ag_last *e;
	__u64 seq, id, g, p;
	__u32 zero = 0;

	e = bpf_map_lookup_elem(&ag_last, &zero);
	if (!e)
		return 0; /* index 0 of a per-CPU array: never; ag_cache answers */
	seq = AG_ONCE(e->seq);
	if (seq & 1)
		return 0;
	id = AG_ONCE(e->cgroup_id);
	g = AG_ONCE(e->generation);
	p = AG_ONCE(e->policy_cgroup_id);
	if (AG_ONCE(e->seq) != seq || id != cg || g != gen)
		return 0;
	*pcg = p;
	return 1;
}

/*
 * seq goes from even to odd by compare-and-swap, so of runs interleaved on
 * this CPU one writes and the others leave the entry (a later run fills it);
 * back to even, one step further, when the fields are written.
 */
static __always_inline void ag_last_put(__u64 cg, __u64 gen, __u64 pcg)
{
	struct ag_last *e;
	__u32 zero = 0;
	__u64 seq;

	e = bpf_map_lookup_elem(&ag_last, &zero);
	if (!e)
		return; /* only a cache: never, and the next run walks again */
	seq = AG_ONCE(e->seq);
	if ((seq & 1) || __sync_val_compare_and_swap(&e->seq, seq, seq + 1) != seq)
		return; /* another run on this CPU is writing it */
	AG_ONCE(e->cgroup_id) = cg;
	AG_ONCE(e->generation) = gen;
	AG_ONCE(e->policy_cgroup_id) = pcg;
	AG_ONCE(e->seq) = seq + 2;
}

/*
 * ag_policy_cgroup's answer for cgroup cg (the current task's) at generation
 * gen when this CPU did not judge cg last: one cache lookup for a cgroup seen
 * since the last policy change, else the walk up its ancestors.
 */
static __always_inline __u64 ag_policy_lookup(__u64 cg, __u64 gen)
{
	struct ag_cache_val *cv, nv = {};
	__u64 id, pcg, last = 0;
	int i;

	cv = bpf_map_lookup_elem(&ag_cache, &cg);
	if (cv && AG_ONCE(cv->cgroup_id) == cg && AG_ONCE(cv->generation) == gen) {
		pcg = AG_ONCE(cv->policy_cgroup_id);
		if (AG_ONCE(cv->cgroup_id) == cg && AG_ONCE(cv->generation) == gen) {
			ag_last_put(cg, gen, pcg);
			return pcg;
		}
	}

	/*
	 * Root first, so the deepest cgroup with a policy is found last. No task
	 * pointer: the cgroup sock_addr programs share this walk.
	 */
	for (i = 0; i < AG_MAX_CGROUP_DEPTH; i++) {
		id = bpf_get_current_ancestor_cgroup_id(i);
		if (!id)
			break;
		last = id;
		if (bpf_map_lookup_elem(&ag_policies, &id))
			nv.policy_cgroup_id = id;
	}
	/*
	 * Cached only when the walk ended at cg: a task moved to another cgroup
	 * since cg was read walked that one's ancestors. Only a cache: when the
	 * update fails, the next call walks again.
	 */
	if (last == cg) {
		nv.generation = gen;
		nv.cgroup_id = cg;
		bpf_map_update_elem(&ag_cache, &cg, &nv, BPF_ANY);
		ag_last_put(cg, gen, nv.policy_cgroup_id);
	}
	return nv.policy_cgroup_id;
}

/*
 * The cgroup whose policy applies to the current task (itself or the nearest
 * ancestor with a policy), 0 when none; then *cgp (unless NULL) is the task's
 * own cgroup (records name it: read once per hook). One array read when nothing is
 * installed; for the cgroup this CPU judged last, a per-CPU read; else
 * ag_policy_lookup. The fast paths zero-initialise nothing (the walk's entry is
 * ag_policy_lookup's): every hook of every task runs them, confined or not.
 */
static __always_inline __u64 ag_policy_cgroup(__u32 hook, __u64 *cgp)
{
	struct ag_state *st;
	__u64 cg, gen, pcg;
	__u32 zero = 0;

	st = bpf_map_lookup_elem(&ag_state, &zero);
	if (!st) {
		/* Index 0 of an array: never. Were it to, confinement is unknown: counted. */
		ag_count_error(hook);
		return 0;
	}
	if (!st->npolicies)
		return 0; /* no policy installed: nothing is confined */
	gen = st->generation;
	cg = bpf_get_current_cgroup_id();
	if (cgp)
		*cgp = cg;
	if (ag_last_get(cg, gen, &pcg))
		return pcg;
	return ag_policy_lookup(cg, gen);
}

/*
 * cgroup_id's policy for a task in task_cgroup_id (ag_policy_cgroup's pair). 0,
 * -ENOENT when the policy was removed meanwhile, -EINVAL for a corrupt image.
 */
static __always_inline int ag_pol_get(__u64 cgroup_id, __u64 task_cgroup_id, struct ag_pol *pol,
				      __u32 hook)
{
	const struct ag_image_hdr *h;
	struct ag_page *p0;
	__u32 zero = 0;
	void *inner;

	inner = bpf_map_lookup_elem(&ag_policies, &cgroup_id);
	if (!inner)
		return -ENOENT;
	p0 = bpf_map_lookup_elem(inner, &zero);
	if (!p0)
		return -EINVAL;
	h = (const void *)p0->b;
	if (h->magic != AG_IMAGE_MAGIC || h->version != AG_IMAGE_VERSION)
		return -EINVAL;
	pol->cgroup_id = cgroup_id;
	pol->task_cgroup_id = task_cgroup_id;
	pol->img.inner = inner;
	pol->img.cur = p0;
	pol->img.cur_idx = 0;
	pol->img.hook = hook;
	pol->h = h;
	return 0;
}

static __always_inline struct ag_task *ag_task_get(void)
{
	return bpf_task_storage_get(&ag_tasks, bpf_get_current_task_btf(), 0,
				    BPF_LOCAL_STORAGE_GET_F_CREATE);
}

/*
 * The reader is woken only once a batch waits (1/16 of the ring): a wake-up
 * per event costs every open an interrupt to another CPU. Readers also poll
 * every AG_EVENTS_POLL_MS (maps.h), so a lone record waits that long at most.
 */
static __always_inline __u64 ag_wakeup(void *rb)
{
	return bpf_ringbuf_query(rb, BPF_RB_AVAIL_DATA) >=
			       bpf_ringbuf_query(rb, BPF_RB_RING_SIZE) / 16 ?
		       BPF_RB_FORCE_WAKEUP :
		       BPF_RB_NO_WAKEUP;
}

#include "fold.h"

/* t->ev's header for a decision on its subject's first len bytes (in place); the length recorded. */
static __always_inline __u32 ag_ev_fill(struct ag_scratch *t, const struct ag_pol *pol,
					__u16 action, struct ag_verdict v, __u32 len, __u16 flags,
					__u32 op)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct ag_event *ev = &t->ev;
	struct file *exe;

	if (len > AG_MAX_INPUT) {
		len = AG_MAX_INPUT;
		flags |= AG_EV_TRUNCATED;
	}
	ev->ts_boot_ns = bpf_ktime_get_boot_ns();
	ev->cgroup_id = pol->task_cgroup_id;
	ev->policy_cgroup_id = pol->cgroup_id;
	__builtin_memcpy(ev->policy_sha256, pol->h->policy_sha256, sizeof(ev->policy_sha256));
	/*
	 * The task's fields as direct BTF loads, not a helper call each (what
	 * bpf_get_current_pid_tgid, _uid_gid and _comm read): global pids, the
	 * real uid of the task's credentials as current_uid() gives it (from_kuid
	 * into the initial namespace is the identity), the comm as set_task_comm
	 * stores it, NUL-padded. The verifier makes the loads fault-tolerant.
	 */
	ev->pid = task->tgid;
	ev->tid = task->pid;
	ev->uid = task->cred->uid.val;
	ev->version = AG_EVENT_VERSION;
	ev->action = action;
	ev->rule = v.rule;
	ev->decision = v.allow ? AG_DECISION_ALLOW : AG_DECISION_DENY;
	ev->mode = pol->h->mode;
	ev->flags = flags;
	if (action != AG_CLASS_NET_ADDR && action != AG_CLASS_NET_LISTEN &&
	    op != AG_OP_AGENTGATE_PORT) {
		__builtin_memset(ev->addr, 0, sizeof(ev->addr));
		ev->port = 0;
	}
	__builtin_memcpy(ev->comm, task->comm, sizeof(ev->comm));
	/* As above; a kernel thread's NULL mm reads 0. */
	exe = task->mm->exe_file;
	ev->exe_ino = exe->f_inode->i_ino;
	ev->exe_dev = exe->f_inode->i_sb->s_dev;
	ev->reserved = 0;
	ev->subject_len = len;
	ev->op = op;
	return len;
}

/*
 * Sends t->ev (ag_ev_fill: len bytes of subject), unless it repeats a record
 * of the task's within the folding window (fold.h): then it is counted, and
 * the count sent later.
 */
static __always_inline void ag_ev_send(struct ag_scratch *t, const struct ag_pol *pol, __u32 len)
{
	struct ag_event *ev = &t->ev;
	/* A namespace to serve: its owner must set the proxy up before the next lookup. */
	int urgent = ev->action == AG_ACT_NETNS || ev->rule == AG_RULE_NO_PROXY;

	/* Notices and killed execs stand alone: each must reach its reader at once. */
	if (urgent || (ev->flags & AG_EV_ARGV_RACE)) {
		ev->fold = 0;
		ev->count = 1;
		ev->first_ns = ev->ts_boot_ns;
	} else if (ag_fold_event(t, len)) {
		return;
	}
	/* len <= AG_MAX_INPUT (ag_ev_fill's clamp): hidden from clang, masked for the verifier. */
	asm volatile("" : "+r"(len));
	len = AG_EVENT_HDR_SIZE + (len & (2 * AG_MAX_INPUT - 1));
	ag_output(pol->cgroup_id, ev, len, urgent);
}

static __always_inline void ag_emit(struct ag_scratch *t, const struct ag_pol *pol, __u16 action,
				    struct ag_verdict v, __u32 len, __u16 flags, __u32 op)
{
	ag_ev_send(t, pol, ag_ev_fill(t, pol, action, v, len, flags, op));
}

/*
 * Decides one class on t->ev.subject[0..len), records it, returns the hook's
 * answer. A file class's verdict follows from what its record says (the
 * policy's image, named by policy_sha256, the class and the path): a request
 * the task repeats within the folding window is counted and answered as its
 * slot's record was, without walking the DFA (ag_fold_hit).
 */
static __always_inline int ag_decide(struct ag_scratch *t, const struct ag_pol *pol, __u16 cls,
				     __u32 len, __u16 flags)
{
	struct ag_verdict v = { 0 };
	__u32 rec = ag_ev_fill(t, pol, cls, v, len, flags, AG_OP_NONE);

	if ((cls == AG_CLASS_FILE_READ || cls == AG_CLASS_FILE_WRITE) && !flags) {
		t->ev.decision = AG_DECISION_PENDING;
		if (ag_fold_hit(t, rec)) {
			v.allow = t->ev.decision == AG_DECISION_ALLOW;
			goto out;
		}
	}
	v = ag_match_bpf(&pol->img, pol->h, cls, (const __u8 *)t->ev.subject, len);
	t->ev.rule = v.rule;
	t->ev.decision = v.allow ? AG_DECISION_ALLOW : AG_DECISION_DENY;
	ag_ev_send(t, pol, rec);
out:
	if (!v.allow && pol->h->mode == AG_MODE_ENFORCE)
		return -EPERM;
	return 0;
}

/*
 * The kernel could not read what the decision needs (subject[0..len) holds
 * what it could): counted, recorded as AG_RULE_UNREADABLE, denied in enforce mode.
 */
static __always_inline int ag_unreadable(struct ag_scratch *t, const struct ag_pol *pol, __u16 cls,
					 __u32 len)
{
	struct ag_verdict v = { .rule = AG_RULE_UNREADABLE, .allow = 0 };

	ag_count_error(pol->img.hook);
	ag_emit(t, pol, cls, v, len, 0, AG_OP_NONE);
	return pol->h->mode == AG_MODE_ENFORCE ? -EPERM : 0;
}

/* Whether p is judged under an on_exec policy (ag_armed). */
static __always_inline int ag_task_armed(struct task_struct *p)
{
	__u32 *a = bpf_task_storage_get(&ag_armed, p, 0, 0);

	return a && *a;
}

static __always_inline int ag_is_armed(void)
{
	return ag_task_armed(bpf_get_current_task_btf());
}

/* Marks p judged from now on; -ENOMEM when it cannot be marked. */
static __always_inline int ag_arm(struct task_struct *p)
{
	__u32 *a = bpf_task_storage_get(&ag_armed, p, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);

	if (!a)
		return -ENOMEM;
	*a = 1;
	return 0;
}

/*
 * 0: the task is confined, pol and t (the run's scratch: callers declare it
 * __ag_scratch, bprm_check __ag_task_scratch) are set. 1: it is not (the hook
 * allows, callers return 0). Fails closed: a confined task whose policy or
 * scratch cannot be had is denied (-EPERM), and the failure counted. exec:
 * the caller is bprm_check, which judges a task an on_exec policy has not
 * armed yet. pcg and cg: ag_policy_cgroup's answers, from a hook that asked
 * first so that an unconfined task leaves before it reads anything else.
 */
static __always_inline int ag_setup_in(struct ag_pol *pol, struct ag_scratch **t, __u32 hook,
				       int exec, __u64 pcg, __u64 cg)
{
	int err;

	if (!pcg)
		return 1;
	err = ag_pol_get(pcg, cg, pol, hook);
	if (err == -ENOENT)
		return 1; /* removed since the cache said so: no longer confined */
	if (err) {
		ag_count_error(hook);
		return -EPERM;
	}
	/* A container runtime's own setup in the cgroup, before the entrypoint's execve. */
	if (pol->h->on_exec && !exec && !ag_is_armed())
		return 1;
	*t = exec ? ag_task_scratch_get(BPF_LOCAL_STORAGE_GET_F_CREATE) : ag_scratch_get();
	if (!*t) {
		ag_count_drop();
		ag_count_error(hook);
		return -EPERM;
	}
	return 0;
}

/* ag_setup_in, asking ag_policy_cgroup itself. */
static __always_inline int ag_setup_for(struct ag_pol *pol, struct ag_scratch **t, __u32 hook,
					int exec)
{
	__u64 cg = 0, pcg = ag_policy_cgroup(hook, &cg);

	return ag_setup_in(pol, t, hook, exec, pcg, cg);
}

static __always_inline int ag_setup(struct ag_pol *pol, struct ag_scratch **t, __u32 hook)
{
	return ag_setup_for(pol, t, hook, 0);
}

/*
 * Self-protection: refused for a confined task whatever the policy and its
 * mode say (include/event.h lists the operations); subject[0..len) is in place.
 */
static __always_inline int ag_refuse(struct ag_scratch *t, const struct ag_pol *pol, __u32 op,
				     __u32 len)
{
	struct ag_verdict v = { .rule = AG_RULE_PROTECTED, .allow = 0 };

	ag_emit(t, pol, AG_ACT_PROTECT, v, len, 0, op);
	return -EPERM;
}

/* For hooks that refuse every confined caller. */
static __always_inline int ag_refuse_confined(__u32 hook, __u32 op)
{
	struct ag_scratch *t __ag_scratch = NULL;
	struct ag_pol pol;
	int err;

	err = ag_setup(&pol, &t, hook);
	if (err)
		return err > 0 ? 0 : err;
	return ag_refuse(t, &pol, op, 0);
}

/*
 * The inode's ag_protected value; 0 when unmarked. inode is a BTF pointer: its
 * fields are direct loads, which the verifier makes fault-tolerant (a fault
 * reads 0: no inode with dev 0 and ino 0 is ever protected), at a fraction of
 * BPF_CORE_READ's helper call per hop on every open.
 */
static __always_inline __u32 ag_inode_mark(struct inode *inode)
{
	struct ag_inode_key k;
	__u32 *v;

	if (!inode)
		return 0;
	k.dev = inode->i_sb->s_dev;
	k.ino = inode->i_ino;
	v = bpf_map_lookup_elem(&ag_protected, &k);
	return v ? *v : 0;
}

/*
 * The entry is one of agentgate's files, or an entry of one of its directories;
 * with changing (a rename, removal or attribute change of the entry itself),
 * also a directory above its files (include/maps.h), whose entry may not change.
 */
static __always_inline int ag_dentry_marked(struct dentry *d, int changing)
{
	return (ag_inode_mark(d->d_inode) & (changing ? ~0u : ~AG_PROTECT_ABOVE)) ||
	       (ag_inode_mark(d->d_parent->d_inode) & ~AG_PROTECT_ABOVE);
}

/*
 * Whether a unix connect to the socket bound at d is refused as agentgate's
 * (net.bpf.c): every marked socket but an ask socket (AG_PROTECT_ASK), which
 * confined agents may reach to ask about their own policy (docs/ask.md).
 */
static __always_inline int ag_dentry_protected(struct dentry *d)
{
	if (ag_inode_mark(d->d_inode) == AG_PROTECT_ASK)
		return 0;
	return ag_dentry_marked(d, 0);
}

/*
 * agentgate's own objects, out of every confined task's reach whatever its
 * policy: any file on a bpffs (pinned programs and maps: reading them shows
 * other tenants' learned addresses, removing them ends enforcement), and the
 * files and directories marked in ag_protected (ask sockets too: opening,
 * renaming or removing one is refused, only connecting is not); changing as
 * for ag_dentry_marked().
 */
static __always_inline int ag_agentgate_object(struct dentry *d, int changing)
{
	return d->d_sb->s_magic == BPF_FS_MAGIC || ag_dentry_marked(d, changing);
}

/*
 * The task sending DNS from this local port to the proxy of policy pcg, in that
 * policy's table, for the proxy's records (best effort).
 */
static __always_inline void ag_dns_note(__u32 hook, __u64 pcg, __u64 netns, __u16 family,
					__u16 proto, __u16 port)
{
	struct ag_dns_client_key k = { .netns = netns, .family = family, .port = port, .proto = proto };
	struct ag_dns_client c = {};
	__u64 id = bpf_get_current_pid_tgid();
	void *clients = bpf_map_lookup_elem(&ag_dns_clients, &pcg);

	c.cgroup_id = bpf_get_current_cgroup_id();
	c.pid = id >> 32;
	c.tid = (__u32)id;
	c.uid = (__u32)bpf_get_current_uid_gid();
	bpf_get_current_comm(c.comm, sizeof(c.comm));
	/* No table (the proxy is stopping) or no room: the proxy's record names no task. */
	if (!clients || bpf_map_update_elem(clients, &k, &c, BPF_ANY))
		ag_count_error(hook);
}

/* The network namespace cookie of a socket (what bpf_get_netns_cookie gives sock_addr programs). */
static __always_inline __u64 ag_sk_netns(struct sock *sk)
{
	return BPF_CORE_READ(sk, __sk_common.skc_net.net, net_cookie);
}

enum { AG_DNS_NONE, AG_DNS_SERVED, AG_DNS_UNSERVED };

/*
 * Whether the policy of pcg has a DNS proxy (its marker, namespace 0), and
 * whether that proxy serves the namespace netns.
 */
static __always_inline int ag_dns_site(__u64 pcg, __u64 netns)
{
	struct ag_dns_key k = { .cgroup_id = pcg, .netns = netns };

	if (bpf_map_lookup_elem(&ag_dns, &k))
		return AG_DNS_SERVED;
	k.netns = 0;
	return bpf_map_lookup_elem(&ag_dns, &k) ? AG_DNS_UNSERVED : AG_DNS_NONE;
}

#endif /* AGENTGATE_BPF_COMMON_H */
