/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Who a file's SIGIO and SIGURG go to (F_SETOWN, F_SETOWN_EX, FIOSETOWN,
 * SIOCSPGRP). The signal is sent from whichever task's I/O raises it, and
 * file_send_sigiotask can judge only that sender: an unconfined writer to a
 * confined task's pipe, a kworker or an interrupt would carry an owner the
 * agent chose to a task outside. So a confined task may name only itself (or
 * no one), and only with F_SETOWN, whose pid is passed by value: the other
 * three pass a pointer the kernel reads again after the hook (f_setown_ex's
 * copy_from_user, sock_ioctl's get_user), so a second thread could swap a
 * foreign owner in between; they are refused whatever they name. The pid is
 * in the task's own pid namespace, which BPF cannot resolve to a task on 6.1,
 * so the check compares numbers.
 */
#ifndef AGENTGATE_BPF_OWNER_H
#define AGENTGATE_BPF_OWNER_H

/* Only after common.h. */

#define AG_F_SETOWN 8u
#define AG_F_SETOWN_EX 15u
#define AG_FIOSETOWN 0x8901u
#define AG_SIOCSPGRP 0x8902u
#define AG_F_OWNER_TID 0
#define AG_F_OWNER_PID 1

/* Appends "word <decimal>" to t->ev.subject[0..pos); returns the new length. */
static __always_inline __u32 ag_put_num(struct ag_scratch *t, __u32 pos, const char *word, __u64 v)
{
	char digits[20];
	int n = 0, i;

	for (i = 0; i < 8 && word[i]; i++)
		t->ev.subject[(pos++) & (AG_MAX_INPUT - 1)] = word[i];
	t->ev.subject[(pos++) & (AG_MAX_INPUT - 1)] = ' ';
	for (i = 0; i < 20; i++) {
		digits[i] = '0' + v % 10;
		v /= 10;
		n = i + 1;
		if (!v)
			break;
	}
	for (i = 19; i >= 0; i--)
		if (i < n)
			t->ev.subject[(pos++) & (AG_MAX_INPUT - 1)] = digits[i];
	return pos;
}

/*
 * The current process's number in its own pid namespace (F_SETOWN names a
 * process): pid->numbers[pid->level] of its leader. 0 when unreadable, which
 * no owner being set equals (0 clears the owner and is allowed before).
 */
static __always_inline int ag_ns_tgid(void)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct pid *p = BPF_CORE_READ(task, group_leader, thread_pid);
	unsigned int level = BPF_CORE_READ(p, level);
	int nr;

	if (bpf_probe_read_kernel(&nr, sizeof(nr), &p->numbers[level & 31].nr))
		return 0;
	return nr;
}

/*
 * Decides one of the four commands (with arg) for the current task: 0 when it
 * is not confined, or when F_SETOWN clears the owner or names the task itself;
 * else refused as AG_OP_SIGNAL, the record naming the owner asked for ("pid N",
 * "tid N" or "pgrp N", numbers of the task's namespace) as read here.
 */
static __always_inline int ag_owner_check(__u32 hook, unsigned int cmd, unsigned long arg)
{
	struct ag_scratch *t __ag_scratch = NULL;
	int err, who = (int)arg, kind = AG_F_OWNER_PID;
	int u[2] = {}; /* struct f_owner_ex { type, pid }, or the ioctls' int */
	struct ag_pol pol;

	err = ag_setup(&pol, &t, hook);
	if (err)
		return err > 0 ? 0 : err;
	if (cmd != AG_F_SETOWN) {
		/* For the record only (unreadable: 0, "pid 0"): the kernel reads it again. */
		if (bpf_probe_read_user(u, cmd == AG_F_SETOWN_EX ? sizeof(u) : sizeof(u[0]),
					(void *)arg))
			u[0] = u[1] = 0;
		who = cmd == AG_F_SETOWN_EX ? u[1] : u[0];
		if (cmd == AG_F_SETOWN_EX)
			kind = u[0];
	} else if (!who || who == ag_ns_tgid()) {
		return 0; /* no owner, or itself: no signal leaves the task */
	}
	/* F_SETOWN's negative pid and F_OWNER_PGRP: a process group, never only itself. */
	if (who < 0 || (kind != AG_F_OWNER_TID && kind != AG_F_OWNER_PID))
		return ag_refuse(t, &pol, AG_OP_SIGNAL,
				 ag_put_num(t, 0, "pgrp", who < 0 ? -(__s64)who : who));
	return ag_refuse(t, &pol, AG_OP_SIGNAL,
			 ag_put_num(t, 0, kind == AG_F_OWNER_TID ? "tid" : "pid", who));
}

#endif /* AGENTGATE_BPF_OWNER_H */
