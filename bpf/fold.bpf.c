// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Counts of folded decisions (lib/fold.h) out of the tasks' slots: the
 * ag_fold_flush iterator, which readers run at least every AG_FOLD_FLUSH_MS
 * (so a count waits that long at most), and the task's own exit.
 */
#include "lib/common.h"

/* The slot's count, from a CPU other than the task's: see lib/fold.h for the protocol. */
static __always_inline void ag_fold_take(struct ag_fold *s)
{
	__u8 buf[AG_EVENT_HDR_SIZE];
	struct ag_event *ev = (struct ag_event *)buf;
	__u64 w = __sync_fetch_and_add(&s->word, 0), first, last, pcg;

	if (!(w & AG_FOLD_COUNT_MASK))
		return;
	__builtin_memcpy(buf, s->hdr, sizeof(buf));
	first = s->first_ns;
	last = s->last_ns;
	pcg = s->policy_cgroup_id;
	/* Taken meanwhile (by the task, or another reader): whoever took it sends it. */
	if (__sync_val_compare_and_swap(&s->word, w, w & ~AG_FOLD_COUNT_MASK) != w)
		return;
	ev->flags |= AG_EV_REPEAT;
	ev->count = (__u32)w;
	ev->first_ns = first;
	ev->ts_boot_ns = last;
	ev->subject_len = 0;
	ag_output(pcg, buf, sizeof(buf), 0);
}

SEC("iter/task")
int ag_fold_flush(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;
	struct ag_task *t;
	__u32 i;

	if (!task)
		return 0; /* the end of the walk */
	t = bpf_task_storage_get(&ag_tasks, task, 0, 0);
	if (!t)
		return 0; /* never judged: nothing folded */
	for (i = 0; i < AG_FOLD_SLOTS; i++)
		ag_fold_take(&t->fold[i]);
	return 0;
}

/* The task's last counts, before its storage goes with it. */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(ag_fold_exit, struct task_struct *p)
{
	struct ag_task *t = bpf_task_storage_get(&ag_tasks, bpf_get_current_task_btf(), 0, 0);
	__u32 i;

	if (!t)
		return 0; /* never judged: nothing folded */
	for (i = 0; i < AG_FOLD_SLOTS; i++) {
		ag_fold_send_own(&t->fold[i], 0);
		t->fold[i].key = 0;
	}
	return 0;
}
