/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The buffers of one program run (map_defs.h: struct ag_scratch), given back
 * when the run returns: the pointer is declared __ag_scratch (or
 * __ag_task_scratch), so every return path releases it.
 *
 * Non-sleepable programs claim a free slot of their CPU's ag_scratch_cpu with
 * an atomic OR on the CPU's mask: a program that interrupts another (a SIGIO
 * raised in an interrupt) or preempts it (preempt=full kernels) claims another
 * slot. The exec hooks sleep while they fault in user memory, as long as the
 * disk takes: they take the task's own ag_scratch_tasks entry instead, so no
 * CPU's slot waits on them. The entry lives for one execve: created at the
 * executable's open (file.bpf.c, ag_exec_prepare: a sleepable hook's creation
 * can refuse another task's exec on 6.1), kept by bprm_check_security for
 * bprm_committed_creds when it judged the exec, deleted by the last of them
 * that uses it, and in any case at the end of the execve, failed or not
 * (exec.bpf.c, ag_exec_end): a task between execs keeps no buffers.
 *
 * One kind of buffer per program: the verifier follows a pointer that may
 * point into either map as two programs, past its instruction limit.
 */
#ifndef AGENTGATE_BPF_SCRATCH_H
#define AGENTGATE_BPF_SCRATCH_H

/* Only common.h includes this, after the maps. */

static __always_inline void ag_scratch_put(struct ag_scratch **sp)
{
	__u32 zero = 0;
	__u64 *busy;

	if (!*sp)
		return;
	busy = bpf_map_lookup_elem(&ag_scratch_busy, &zero);
	if (busy) /* index 0 of a per-CPU array: always there */
		__sync_fetch_and_and(busy, ~(1ull << ((*sp)->slot & (AG_SCRATCH_SLOTS - 1))));
}

#define __ag_scratch __attribute__((cleanup(ag_scratch_put)))

/*
 * NULL when AG_SCRATCH_SLOTS runs hold this CPU's slots: only where programs
 * are preempted (preempt=full) can so many be under way on one CPU.
 */
static __always_inline struct ag_scratch *ag_scratch_get(void)
{
	struct ag_scratch *s;
	__u32 zero = 0, i;
	__u64 *busy, bit;

	busy = bpf_map_lookup_elem(&ag_scratch_busy, &zero);
	if (!busy)
		return NULL; /* index 0 of a per-CPU array: never */
	for (i = 0; i < AG_SCRATCH_SLOTS; i++) {
		bit = 1ull << i;
		if (!(__sync_fetch_and_or(busy, bit) & bit))
			break;
	}
	if (i == AG_SCRATCH_SLOTS)
		return NULL;
	s = bpf_map_lookup_elem(&ag_scratch_cpu, &i);
	if (!s) { /* i < max_entries: never */
		__sync_fetch_and_and(busy, ~bit);
		return NULL;
	}
	s->slot = i;
	s->fold_key = 0;
	return s;
}

/* Fails only inside another storage call (-EBUSY): the entry is then reused by the next exec. */
static __always_inline void ag_task_scratch_put(struct ag_scratch **sp)
{
	if (*sp)
		bpf_task_storage_delete(&ag_scratch_tasks, bpf_get_current_task_btf());
}

#define __ag_task_scratch __attribute__((cleanup(ag_task_scratch_put)))

/* flags: F_CREATE in bprm_check alone, for when the executable's open could not create it. */
static __always_inline struct ag_scratch *ag_task_scratch_get(__u64 flags)
{
	struct ag_scratch *s =
		bpf_task_storage_get(&ag_scratch_tasks, bpf_get_current_task_btf(), 0, flags);

	if (s)
		s->fold_key = 0;
	return s;
}

#endif /* AGENTGATE_BPF_SCRATCH_H */
