// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * shell_exec: bprm_check_security decides the binary and its argv (read from
 * the caller's memory) and the deny_env variables; bprm_committed_creds
 * re-checks both on the copies the new image got and kills on a mismatch.
 */
#include "lib/common.h"
#include "lib/arch.h"
#include "lib/path.h"
#include "lib/cgroup.h"

#define FNV64_OFFSET 0xcbf29ce484222325ull
#define FNV64_PRIME 0x100000001b3ull

/*
 * Faults in up to three pages at a user address so a non-faulting read can
 * succeed. Failures are expected (an unmapped page): the read after it tells.
 */
static __always_inline void ag_fault_in(__u64 uaddr)
{
	__u8 b;
	int i;

	for (i = 0; i < 3; i++)
		bpf_copy_from_user(&b, 1, (void *)((uaddr & ~4095ull) + 4096ull * i));
}

/*
 * Appends " " + the user string at uaddr to t->ev.subject[0..pos); returns
 * the new length, -E2BIG past AG_MAX_INPUT, or -EFAULT.
 */
static __always_inline long ag_append_arg(struct ag_scratch *t, __u32 pos, __u64 uaddr)
{
	long n;

	if (pos >= AG_MAX_INPUT)
		return -E2BIG;
	t->ev.subject[pos & (AG_MAX_INPUT - 1)] = ' ';
	pos++;
	if (pos > AG_MAX_INPUT)
		return -E2BIG;
	/* Two spare bytes: a string that does not fit is seen as longer. */
	n = bpf_probe_read_user_str(&t->ev.subject[pos], AG_MAX_INPUT + 2 - pos, (void *)uaddr);
	if (n < 0) {
		ag_fault_in(uaddr);
		n = bpf_probe_read_user_str(&t->ev.subject[pos], AG_MAX_INPUT + 2 - pos,
					    (void *)uaddr);
	}
	if (n <= 0)
		return -EFAULT;
	if (pos + (n - 1) > AG_MAX_INPUT)
		return -E2BIG;
	return pos + (n - 1);
}

struct ag_argv_ctx {
	struct ag_scratch *t;
	__u64 uaddr; /* check: the caller's argv[]; commit: the next string */
	__u32 pos;
	__u32 skip; /* commit: leading strings not part of the judged argv */
	long err;
};

/* bprm_check_security: argv[i] from the caller's pointer array, i >= 1. */
static long ag_argv_step(__u32 i, void *arg)
{
	struct ag_argv_ctx *c = arg;
	__u64 p = 0;
	long r;

	if (i == 0)
		return 0;
	if (bpf_copy_from_user(&p, sizeof(p), (void *)(c->uaddr + 8ull * i)) || !p) {
		c->err = -EFAULT;
		return 1;
	}
	r = ag_append_arg(c->t, c->pos, p);
	if (r < 0) {
		c->err = r;
		return 1;
	}
	c->pos = r;
	return 0;
}

/* bprm_committed_creds: the strings the kernel copied, back to back from bprm->p. */
static long ag_commit_step(__u32 i, void *arg)
{
	struct ag_argv_ctx *c = arg;
	long r;

	if (i < c->skip) {
		r = bpf_probe_read_user_str(c->t->tmp, AG_MAX_INPUT, (void *)c->uaddr);
		if (r <= 0 || r >= AG_MAX_INPUT) {
			c->err = -EFAULT;
			return 1;
		}
		c->uaddr += r;
		return 0;
	}
	r = ag_append_arg(c->t, c->pos, c->uaddr);
	if (r < 0) {
		c->err = r;
		return 1;
	}
	c->uaddr += r - c->pos; /* the string and its NUL (r - pos - 1 + 1) */
	c->pos = r;
	return 0;
}

struct ag_hash_ctx {
	const __u8 *buf; /* readable for AG_MAX_INPUT bytes */
	__u32 start, end;
	__u64 h;
};

static long ag_hash_step(__u32 i, void *arg)
{
	struct ag_hash_ctx *c = arg;
	__u32 j = c->start + i;

	if (j >= c->end)
		return 1;
	c->h = (c->h ^ c->buf[j & (AG_MAX_INPUT - 1)]) * FNV64_PRIME;
	return 0;
}

static __always_inline __u64 ag_hash(const __u8 *buf, __u32 start, __u32 end)
{
	struct ag_hash_ctx c = { .buf = buf, .start = start, .end = end, .h = FNV64_OFFSET };

	bpf_loop(AG_MAX_INPUT, ag_hash_step, &c, 0);
	return c.h;
}

/*
 * deny_env: each "NAME=value" string of the exec's environment through the
 * ENV DFA. At check time from the caller's envp[] (racy, like argv), at
 * commit from the new image's copy, strings back to back after the argv.
 */
struct ag_env_ctx {
	struct ag_scratch *t;
	const struct ag_pol *pol;
	__u64 uaddr; /* check: the caller's envp[]; commit: the next string */
	int commit;
	__u32 hit; /* 1 + the deny_env entry matched; 0: none */
	long err;
};

static long ag_env_step(__u32 i, void *arg)
{
	struct ag_env_ctx *c = arg;
	struct ag_verdict v;
	__u64 p = c->uaddr;
	long n;
	int k;

	if (!c->commit &&
	    (bpf_copy_from_user(&p, sizeof(p), (void *)(c->uaddr + 8ull * i)) || !p)) {
		c->err = -EFAULT;
		return 1;
	}
	n = bpf_probe_read_user_str(c->t->tmp, AG_MAX_INPUT, (void *)p);
	if (n < 0 && !c->commit) {
		ag_fault_in(p);
		n = bpf_probe_read_user_str(c->t->tmp, AG_MAX_INPUT, (void *)p);
	}
	if (n <= 0) {
		c->err = -EFAULT;
		return 1;
	}
	/* The name is in the first bytes: a long value is matched truncated (patterns end in *). */
	v = ag_match_bpf(&c->pol->img, c->pol->h, AG_CLASS_ENV, c->t->tmp, n - 1);
	if (v.rule != AG_RULE_DEFAULT) {
		c->hit = v.rule + 1;
		return 1;
	}
	if (!c->commit)
		return 0;
	/* Past this string: at most MAX_ARG_STRLEN (32 pages) in AG_MAX_INPUT - 1 steps. */
	for (k = 0; k < 34 && n == AG_MAX_INPUT; k++) {
		p += AG_MAX_INPUT - 1;
		n = bpf_probe_read_user_str(c->t->tmp, AG_MAX_INPUT, (void *)p);
		if (n <= 0) {
			c->err = -EFAULT;
			return 1;
		}
	}
	c->uaddr = p + n;
	return 0;
}

/*
 * 0: no deny_env variable; 1 + its index; -EFAULT when the environment cannot
 * be read (counted in ag_errors; the caller denies).
 */
static __always_inline long ag_env_check(struct ag_scratch *t, const struct ag_pol *pol, __u64 uaddr,
					 __u32 envc, int commit)
{
	struct ag_env_ctx c = { .t = t, .pol = pol, .uaddr = uaddr, .commit = commit };

	/* No deny_env in the policy, or an empty environment: nothing to match. */
	if (pol->h->dfa[AG_CLASS_ENV].nstates < 2 || !envc)
		return 0;
	if (uaddr)
		bpf_loop(envc, ag_env_step, &c, 0);
	else
		c.err = -EFAULT;
	if (c.err)
		ag_count_error(pol->img.hook);
	return c.err ? c.err : c.hit;
}

/*
 * An exec in a network namespace the policy's DNS proxy does not serve yet (an
 * agent that unshared one): its owner is told, at most once a second per
 * namespace, so that the sockets are there before the new program's first lookup.
 */
static __always_inline void ag_dns_notice(struct ag_scratch *t, const struct ag_pol *pol)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct ag_dns_key k = { .cgroup_id = pol->cgroup_id };
	__u64 now = bpf_ktime_get_boot_ns(), *last;

	k.netns = BPF_CORE_READ(task, nsproxy, net_ns, net_cookie);
	if (!k.netns || ag_dns_site(k.cgroup_id, k.netns) != AG_DNS_UNSERVED)
		return;
	last = bpf_map_lookup_elem(&ag_dns_notices, &k);
	if (last && now - *last < AG_DNS_NOTICE_NS)
		return;
	/* Only a rate limit: when the update fails, the next exec notices again. */
	bpf_map_update_elem(&ag_dns_notices, &k, &now, BPF_ANY);
	ag_emit(t, pol, AG_ACT_NETNS, (struct ag_verdict){ .rule = AG_RULE_DEFAULT, .allow = 1 }, 0,
		0, AG_OP_NONE);
}

/*
 * memfd, O_TMPFILE and deleted files have no name a rule could mean (d_path
 * says "/memfd:x (deleted)"): refused, whatever the policy.
 */
static __always_inline int ag_exec_unnamed(struct linux_binprm *bprm)
{
	struct file *f = bprm->file;

	return ag_dentry_unlinked(f->f_path.dentry) || !f->f_inode->__i_nlink;
}

SEC("lsm.s/bprm_check_security")
int BPF_PROG(ag_bprm_check, struct linux_binprm *bprm, int ret)
{
	struct ag_argv_ctx c = {};
	struct ag_scratch *t __ag_task_scratch = NULL;
	struct ag_task *task;
	struct pt_regs *regs;
	struct ag_verdict v;
	struct ag_pol pol;
	__u32 argc, exe_len;
	__u64 nr, uargv, uenvp;
	__u16 flags = 0;
	long env = 0;
	int err, len, armed;

	if (ret)
		return ret;
	/*
	 * binfmt_script and binfmt_misc re-enter with bprm->file = the interpreter
	 * after changing bprm->interp: only the pass for what the caller ran is
	 * judged, so an allowed script's interpreter is not denied separately.
	 * An unnamed interpreter ("#!/proc/self/fd/3", a memfd) is refused as an
	 * unnamed program is.
	 */
	if (bprm->interp != bprm->filename && !ag_exec_unnamed(bprm))
		return 0;
	err = ag_setup_for(&pol, &t, AG_HOOK_BPRM_CHECK, 1);
	if (err)
		return err > 0 ? 0 : err;
	/*
	 * Under an on_exec policy a task not armed yet is the runtime's, and the
	 * runtime runs unnamed programs of its own there: runc's init re-executes
	 * itself from a memfd copy (CVE-2019-5736), by then often in the container's
	 * cgroup already (for `docker exec` too). Not the entrypoint: neither judged
	 * nor armed; the first named program is.
	 */
	armed = !pol.h->on_exec || ag_is_armed();
	if (!armed &&
	    (ag_exec_unnamed(bprm) || ag_foreign_mount(BPF_CORE_READ(bprm, file, f_path.mnt)))) {
		task = bpf_task_storage_get(&ag_tasks, bpf_get_current_task_btf(), 0, 0);
		if (task)
			task->exec_bprm = 0; /* bprm_committed_creds has nothing to judge again */
		return 0;
	}
	if (bprm->interp != bprm->filename) {
		len = bpf_d_path((struct path *)&bprm->file->f_path, (char *)t->ev.subject,
				 AG_MAX_INPUT);
		if (len <= 0)
			t->ev.subject[0] = 0; /* an earlier run's bytes (lib/path.h) */
		return ag_refuse(t, &pol, AG_OP_ANON_EXEC, len > 0 ? len - 1 : 0);
	}
	/* Where bprm_committed_creds finds what was judged here. */
	task = ag_task_get();
	if (!task) {
		ag_count_error(AG_HOOK_BPRM_CHECK);
		return -EPERM;
	}
	task->exec_bprm = 0;
	/*
	 * Under an on_exec policy this execve is the first the task is judged on
	 * (a container's entrypoint): from here on it and its children are judged,
	 * whatever the verdict; a task that cannot be marked is not let through.
	 */
	if (!armed && ag_arm(bpf_get_current_task_btf())) {
		ag_count_error(AG_HOOK_BPRM_CHECK);
		return -EPERM;
	}
	ag_dns_notice(t, &pol);

	len = bpf_d_path((struct path *)&bprm->file->f_path, (char *)t->ev.subject, AG_MAX_INPUT);
	if (len <= 0) {
		if (len != -ENAMETOOLONG)
			ag_count_error(AG_HOOK_BPRM_CHECK);
		return ag_decide(t, &pol, AG_CLASS_EXEC, AG_MAX_INPUT + 1, 0);
	}
	exe_len = len - 1;
	if (ag_exec_unnamed(bprm))
		return ag_refuse(t, &pol, AG_OP_ANON_EXEC, exe_len);
	if (ag_foreign_mount(BPF_CORE_READ(bprm, file, f_path.mnt)))
		return ag_refuse(t, &pol, AG_OP_DETACHED_MOUNT, exe_len);
	argc = bprm->argc;

	/* The caller's registers at syscall entry: execve(path, argv, envp), execveat(fd, ...). */
	regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	nr = AG_SYSCALL_NR(regs);
	if (nr == AG_NR_EXECVE) {
		uargv = PT_REGS_PARM2_CORE_SYSCALL(regs);
		uenvp = PT_REGS_PARM3_CORE_SYSCALL(regs);
	} else if (nr == AG_NR_EXECVEAT) {
		uargv = PT_REGS_PARM3_CORE_SYSCALL(regs);
		uenvp = PT_REGS_PARM4_CORE_SYSCALL(regs);
	} else {
		uargv = uenvp = 0; /* compat or in-kernel exec: argv unknown */
	}

	c.t = t;
	c.uaddr = uargv;
	c.pos = exe_len;
	if (argc > AG_MAX_INPUT + 1) {
		c.err = -E2BIG;
	} else if (!uargv && argc > 1) {
		c.err = -EFAULT;
	} else if (uargv) {
		bpf_loop(argc, ag_argv_step, &c, 0);
		/*
		 * The caller's array must end where the kernel's count says; an
		 * empty argv is counted as one "" by the kernel.
		 */
		if (!c.err && argc) {
			__u64 p0 = 1, p = 1;

			if (bpf_copy_from_user(&p0, sizeof(p0), (void *)uargv) ||
			    bpf_copy_from_user(&p, sizeof(p), (void *)(uargv + 8ull * argc)))
				c.err = -EFAULT;
			else if (p && !(argc == 1 && !p0))
				c.err = -EFAULT;
		}
	}
	if (c.err == -E2BIG)
		return ag_decide(t, &pol, AG_CLASS_EXEC, AG_MAX_INPUT + 1, 0);
	if (c.err) {
		/* argv unreadable: fail closed, whatever the policy would say */
		struct ag_verdict v = { .rule = AG_RULE_UNREADABLE, .allow = 0 };

		ag_count_error(AG_HOOK_BPRM_CHECK);
		ag_emit(t, &pol, AG_CLASS_EXEC, v, c.pos, flags, AG_OP_NONE);
		return -EPERM;
	}
	v = ag_match_bpf(&pol.img, pol.h, AG_CLASS_EXEC, (const __u8 *)t->ev.subject, c.pos);
	if (v.allow) {
		env = ag_env_check(t, &pol, uenvp, bprm->envc, 0);
		if (env) {
			v.rule = env < 0 ? AG_RULE_UNREADABLE : AG_RULE_ENV;
			v.allow = 0;
		}
	}
	ag_emit(t, &pol, AG_CLASS_EXEC, v, c.pos, flags, env > 0 ? env : AG_OP_NONE);
	err = !v.allow && pol.h->mode == AG_MODE_ENFORCE ? -EPERM : 0;
	if (v.allow || pol.h->mode != AG_MODE_ENFORCE) {
		struct ag_img m = pol.img;

		task->exec_hash = ag_hash((const __u8 *)t->ev.subject, exe_len, c.pos);
		/* What bprm_committed_creds judges the committed argv from (a script's new
		 * image is its interpreter, whose path was not judged). */
		task->exec_state = ag_state_bpf(&m, pol.h, AG_CLASS_EXEC,
						(const __u8 *)t->ev.subject, exe_len);
		task->exec_argc = argc;
		task->exec_bprm = (__u64)bprm;
		t = NULL; /* the buffers stay for bprm_committed_creds (lib/scratch.h) */
	}
	return err;
}

/*
 * The argv judged above was read from the caller's memory, which its other
 * threads may have rewritten after the kernel copied it. Here the new image's
 * copy is in place: rebuild the same string from it and kill on a mismatch.
 */
SEC("lsm.s/bprm_committed_creds")
int BPF_PROG(ag_bprm_committed, struct linux_binprm *bprm)
{
	struct ag_argv_ctx c = {};
	struct ag_verdict v = { .rule = AG_RULE_DEFAULT, .allow = 0 };
	struct ag_scratch *t __ag_task_scratch = NULL;
	struct ag_task *task;
	struct ag_pol pol;
	__u32 argc, judged, exe_len;
	__u64 cg, pcg;
	long env = 0;
	int len, err;

	/* Nothing was judged for this bprm at check time: not confined then. */
	task = bpf_task_storage_get(&ag_tasks, bpf_get_current_task_btf(), 0, 0);
	if (!task || task->exec_bprm != (__u64)bprm)
		return 0;
	task->exec_bprm = 0;
	pcg = ag_policy_cgroup(AG_HOOK_BPRM_COMMITTED, &cg);
	err = ag_pol_get(pcg, cg, &pol, AG_HOOK_BPRM_COMMITTED);
	if (err == -ENOENT)
		return 0; /* the policy was removed since the check: no longer confined */
	if (err) {
		/* A corrupt image names no mode to enforce: the exec stands, counted. */
		ag_count_error(AG_HOOK_BPRM_COMMITTED);
		return 0;
	}
	/* The buffers bprm_check kept; never created here (lib/scratch.h). */
	t = ag_task_scratch_get(0);
	if (!t) {
		/* Nothing to rebuild the argv in, nor a record to tell it in: killed, counted. */
		ag_count_error(AG_HOOK_BPRM_COMMITTED);
		ag_count_drop();
		if (pol.h->mode == AG_MODE_ENFORCE && bpf_send_signal(SIGKILL))
			ag_count_error(AG_HOOK_BPRM_COMMITTED);
		return 0;
	}

	len = bpf_d_path((struct path *)&bprm->file->f_path, (char *)t->ev.subject, AG_MAX_INPUT);
	if (len > 0) {
		exe_len = len - 1;
	} else {
		ag_count_error(AG_HOOK_BPRM_COMMITTED); /* the hash below cannot match: killed */
		exe_len = 0;
	}
	argc = bprm->argc;
	judged = task->exec_argc > 1 ? task->exec_argc - 1 : 0;
	c.t = t;
	c.uaddr = bprm->p;
	c.pos = exe_len;
	/* A script's interpreter and its arguments come first; the judged args last. */
	if (argc < judged || argc > AG_MAX_INPUT + 8) {
		c.err = -EFAULT;
	} else {
		c.skip = argc - judged;
		bpf_loop(argc, ag_commit_step, &c, 0);
	}
	if (c.err == -EFAULT)
		ag_count_error(AG_HOOK_BPRM_COMMITTED);
	/*
	 * The same argv as judged, by its 64-bit hash; and, so that a hash
	 * collision crafted offline buys nothing, the committed argv judged again
	 * after the executable's path as judged.
	 */
	if (!c.err && ag_hash((const __u8 *)t->ev.subject, exe_len, c.pos) == task->exec_hash) {
		struct ag_img m = pol.img;
		__u16 state = task->exec_state;

		/* The executable judged at check time, then the arguments as committed. */
		if (c.pos <= AG_MAX_INPUT && state)
			state = ag_state_from_bpf(&m, pol.h, AG_CLASS_EXEC,
						  (const __u8 *)t->ev.subject, exe_len, c.pos, state);
		v = ag_verdict_of(pol.h, ag_dfa_accept(&m, &pol.h->dfa[AG_CLASS_EXEC], state));
		if (v.allow || pol.h->mode != AG_MODE_ENFORCE) {
			/* The environment the new program really got: the strings after the argv. */
			env = ag_env_check(t, &pol, c.uaddr, bprm->envc, 1);
			if (!env)
				return 0; /* allowed, no deny_env variable */
			v.rule = env < 0 ? AG_RULE_UNREADABLE : AG_RULE_ENV;
			v.allow = 0;
		}
	}
	if (pol.h->mode == AG_MODE_ENFORCE && bpf_send_signal(SIGKILL))
		ag_count_error(AG_HOOK_BPRM_COMMITTED);
	ag_emit(t, &pol, AG_CLASS_EXEC, v, c.pos, AG_EV_ARGV_RACE, env > 0 ? env : AG_OP_NONE);
	return 0;
}

/*
 * The exec scratch (lib/scratch.h) is given back at the end of every execve
 * that got a bprm: free_bprm ends each, successful (bprm_committed_creds
 * deleted it already) or not. A failed one (ETXTBSY, a format no handler
 * takes after bprm_check allowed it, another LSM's refusal; on 6.12 a bad
 * argv, copied after the open since 6.8) reaches no bprm_committed_creds:
 * without this a confined task could keep 32 KiB each, charged to the
 * loader's memory, not its own. A task with none: the delete finds none.
 */
SEC("fentry/free_bprm")
int BPF_PROG(ag_exec_end)
{
	bpf_task_storage_delete(&ag_scratch_tasks, bpf_get_current_task_btf());
	return 0;
}

/*
 * On 6.12 the executable's open that fails after file_open (ETXTBSY) returns
 * before there is a bprm to free. bpf_get_func_ret: the arguments may differ
 * between kernels. An interpreter's failed open fails its execve too.
 */
SEC("fexit/do_open_execat")
int BPF_PROG(ag_exec_open_failed)
{
	__u64 ret = 0;

	if (bpf_get_func_ret(ctx, &ret) || ret < (__u64)-4095)
		return 0; /* opened: given back at free_bprm */
	bpf_task_storage_delete(&ag_scratch_tasks, bpf_get_current_task_btf());
	return 0;
}

/*
 * Marks every task judged by the policy of ag_state.arm_cgroup_id, threads
 * included: userspace can only name a thread group's leader (a pidfd of any
 * other thread needs PIDFD_THREAD, 6.9+), and a process's other threads (a
 * runtime's worker pool doing its file I/O) must not run on unjudged. Writes
 * one byte for each task it could not mark: the reader fails the arming.
 */
SEC("iter/task")
int ag_arm_walk(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;
	struct ag_state *st;
	__u32 zero = 0;
	__u8 failed = 1;
	__u64 pcg;

	if (!task)
		return 0; /* the end of the walk */
	st = bpf_map_lookup_elem(&ag_state, &zero);
	pcg = st ? st->arm_cgroup_id : 0;
	if (!pcg)
		return 0; /* nothing asked: a walk run by someone else, or already done */
	if (ag_cgroup_judged_by(BPF_CORE_READ(task, cgroups, dfl_cgrp), pcg) != 1)
		return 0; /* not this policy's task */
	if (ag_arm(task))
		bpf_seq_write(ctx->meta->seq, &failed, sizeof(failed));
	return 0;
}
