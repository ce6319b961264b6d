/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Folding repeated decisions (include/maps.h, "Folding"): the fold key, a
 * task's slots, and the AG_EV_REPEAT events that report their counts.
 *
 * A slot's word (generation << 32 | count) is the only field two CPUs touch:
 * the task counts with an atomic add; a flush elsewhere (ag_fold_flush)
 * copies the slot's header, then takes the count with a cmpxchg on the word
 * it read, so it sends a count once and with the header of the count's
 * generation (the task writes a new header only after moving the word to a
 * new generation, and counts only after writing it). The other fields are
 * written by the task alone.
 */
#ifndef AGENTGATE_BPF_FOLD_H
#define AGENTGATE_BPF_FOLD_H

/* Only common.h includes this, after the maps, ag_count_drop and ag_wakeup. */

#define AG_FOLD_COUNT_MASK 0xffffffffull

/* data (size bytes) into pcg's private stream, or the shared ring when it has none. */
static __always_inline void ag_output(__u64 pcg, void *data, __u32 size, int urgent)
{
	void *rb = bpf_map_lookup_elem(&ag_streams, &pcg);
	long err;

	if (!rb)
		rb = &ag_events;
	err = bpf_ringbuf_output(rb, data, size, urgent ? BPF_RB_FORCE_WAKEUP : ag_wakeup(rb));
	if (err)
		ag_count_drop();
}

/*
 * Before ag_emit sends t->ev (header filled, subject[0..len)): 1 when it
 * repeats the record of one of the task's slots within the window (counted
 * there, not to be sent); else 0, with ev->fold set for the record it starts
 * (0 when folding is off) and the slot's previous count sent first. A global
 * function in fold.bpf.c: the verifier checks it once, not at every hook.
 */
int ag_fold_event(struct ag_scratch *t, __u32 len);

/*
 * The decision ag_fold_hit() is asked about has not been made yet: a value no
 * record's decision has, so its key is never a made decision's.
 */
#define AG_DECISION_PENDING 0xffu

/*
 * Before a decision whose verdict follows from what its record says (a file
 * class: the policy's image, which policy_sha256 names, and the path): t->ev's
 * header filled with decision AG_DECISION_PENDING, subject[0..len). 1 when the
 * task's slot holds the same request within the window: counted there as
 * ag_fold_event() would, ev's rule and decision set to the slot record's.
 * Else 0, the key kept in t for ag_fold_event(), which stores the slot under
 * it once the verdict is in: the next repeat is answered without a walk.
 */
int ag_fold_hit(struct ag_scratch *t, __u32 len);

/*
 * lib/memo.h's two steps, in fold.bpf.c with the slots. ag_memo_answer: when
 * t->open (filled by ag_memo_probe) is the task's memo and the fold slots of
 * the classes asked (rd, wr) still hold their records, each is counted there:
 * 1 all allowed, -1 one denied; else 0, nothing counted. ag_memo_store keeps
 * t->open as the task's memo when it has the keys of the classes asked.
 */
int ag_memo_answer(struct ag_scratch *t, int rd, int wr);
int ag_memo_store(struct ag_scratch *t, int rd, int wr);

#endif /* AGENTGATE_BPF_FOLD_H */
