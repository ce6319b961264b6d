// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Folding (lib/fold.h): ag_fold_event, which every decision passes, and the
 * counts out of the tasks' slots: the ag_fold_flush iterator, which readers
 * run at least every AG_FOLD_FLUSH_MS (so a count waits that long at most),
 * and the task's own exit.
 */
#include "lib/common.h"

/* SipHash-1-3 state over 64-bit words (a keyed PRF: the agent cannot craft collisions). */
struct ag_sip {
	__u64 v0, v1, v2, v3;
};

static __always_inline __u64 ag_rotl(__u64 x, int b)
{
	return (x << b) | (x >> (64 - b));
}

static __always_inline void ag_sip_round(struct ag_sip *s)
{
	s->v0 += s->v1;
	s->v1 = ag_rotl(s->v1, 13);
	s->v1 ^= s->v0;
	s->v0 = ag_rotl(s->v0, 32);
	s->v2 += s->v3;
	s->v3 = ag_rotl(s->v3, 16);
	s->v3 ^= s->v2;
	s->v0 += s->v3;
	s->v3 = ag_rotl(s->v3, 21);
	s->v3 ^= s->v0;
	s->v2 += s->v1;
	s->v1 = ag_rotl(s->v1, 17);
	s->v1 ^= s->v2;
	s->v2 = ag_rotl(s->v2, 32);
}

static __always_inline void ag_sip_word(struct ag_sip *s, __u64 m)
{
	s->v3 ^= m;
	ag_sip_round(s);
	s->v0 ^= m;
}

struct ag_sip_walk {
	struct ag_sip s;
	const __u8 *base; /* readable for AG_MAX_INPUT bytes */
	__u32 n; /* bytes hashed: base[0..n), the last word padded with zeros */
};

/* Words hashed per callback: bpf_loop's call and the loads of w come once per stride. */
#define AG_SIP_STRIDE 4u

/* Words [i * AG_SIP_STRIDE, (i + 1) * AG_SIP_STRIDE) of w's bytes: 1 once they are all hashed. */
static __always_inline long ag_sip_stride(struct ag_sip_walk *w, __u32 i)
{
	__u32 off = 0, rem, n = w->n;
	__u64 m;
	int k;

#pragma unroll
	for (k = 0; k < AG_SIP_STRIDE; k++) {
		off = (i * AG_SIP_STRIDE + k) * 8;
		if (off >= n)
			return 1;
		m = *(const __u64 *)(w->base + (off & (AG_MAX_INPUT - 8)));
		rem = n - off;
		if (rem < 8)
			m &= (1ull << (rem * 8)) - 1;
		ag_sip_word(&w->s, m);
	}
	return off + 8 >= n;
}

/* bpf_loop's callback: the strides after the first. */
static long ag_sip_step(__u32 i, void *arg)
{
	return ag_sip_stride(arg, i + 1);
}

/*
 * base[0..n), n <= AG_MAX_INPUT. The first stride inline: most paths end
 * within it, and bpf_loop's helper call and callbacks are then not made.
 */
static __always_inline void ag_sip_bytes(struct ag_sip_walk *w, const void *base, __u32 n)
{
	w->base = base;
	w->n = n;
	if (!ag_sip_stride(w, 0))
		bpf_loop(AG_MAX_INPUT / 8 / AG_SIP_STRIDE - 1, ag_sip_step, w, 0);
}

/* ag_fold_id_word and ag_fold_key read these fields as whole words. */
#define AG_EV_OFF(f) __builtin_offsetof(struct ag_event, f)
_Static_assert(sizeof(struct ag_sip) == sizeof(((struct ag_scratch *)0)->fold_sip) &&
		       AG_EV_OFF(policy_sha256) % 8 == 0 && AG_EV_OFF(comm) % 8 == 0 &&
		       AG_EV_OFF(uid) % 8 == 0 && AG_EV_OFF(addr) == AG_EV_OFF(uid) + 16,
	       "struct ag_event: the fold key's words");

/*
 * Word i of the fold key's task part: the same for every decision of a task
 * until it execs, changes its comm, moves, or its policy changes.
 */
static __always_inline __u64 ag_fold_id_word(const struct ag_state *st, const struct ag_event *ev,
					     int i)
{
	const __u64 *sha = (const __u64 *)ev->policy_sha256;
	const __u64 *comm = (const __u64 *)ev->comm;

	switch (i) {
	case 0:
		return st->fold_key[0];
	case 1:
		return st->fold_key[1];
	case 2:
		return ev->cgroup_id;
	case 3:
		return ev->policy_cgroup_id;
	case 4:
		return sha[0];
	case 5:
		return sha[1];
	case 6:
		return sha[2];
	case 7:
		return sha[3];
	case 8:
		return (__u64)ev->pid << 32 | ev->tid;
	case 9:
		return ev->exe_ino;
	case 10:
		return ev->exe_dev;
	case 11:
		return comm[0];
	default:
		return comm[1];
	}
}

/*
 * The SipHash state after the task part, from sc's copy when it hashed the
 * same words last (the common case: a CPU's slot serves one task's run of
 * decisions), else hashed and kept there.
 */
static __always_inline void ag_fold_id(struct ag_sip *s, struct ag_scratch *sc,
				       const struct ag_state *st, const struct ag_event *ev)
{
	int i;

#pragma unroll
	for (i = 0; i < AG_FOLD_ID_WORDS; i++)
		if (sc->fold_id[i] != ag_fold_id_word(st, ev, i))
			break;
	if (i == AG_FOLD_ID_WORDS) {
		__builtin_memcpy(s, sc->fold_sip, sizeof(*s));
		return;
	}
	s->v0 = st->fold_key[0] ^ 0x736f6d6570736575ull;
	s->v1 = st->fold_key[1] ^ 0x646f72616e646f6dull;
	s->v2 = st->fold_key[0] ^ 0x6c7967656e657261ull;
	s->v3 = st->fold_key[1] ^ 0x7465646279746573ull;
#pragma unroll
	for (i = 0; i < AG_FOLD_ID_WORDS; i++) {
		sc->fold_id[i] = ag_fold_id_word(st, ev, i);
		ag_sip_word(s, sc->fold_id[i]);
	}
	__builtin_memcpy(sc->fold_sip, s, sizeof(*s));
}

/*
 * The fold key of sc->ev (header filled, subject[0..len)): everything the
 * record will say but its time, fold and count. Never 0 (an empty slot's key).
 */
static __always_inline __u64 ag_fold_key(const struct ag_state *st, struct ag_scratch *sc,
					 __u32 len)
{
	const struct ag_event *ev = &sc->ev;
	const __u64 *w = (const __u64 *)&ev->uid;
	const __u64 *addr = (const __u64 *)ev->addr;
	struct ag_sip_walk sw;

	ag_fold_id(&sw.s, sc, st, ev);
	/* uid to port: the user, action, rule, decision, mode, flags. */
	ag_sip_word(&sw.s, w[0]);
	ag_sip_word(&sw.s, w[1]);
	ag_sip_word(&sw.s, addr[0]);
	ag_sip_word(&sw.s, addr[1]);
	ag_sip_word(&sw.s, (__u64)ev->op << 32 | len);
	ag_sip_bytes(&sw, ev->subject, len);
	sw.s.v2 ^= 0xff;
	ag_sip_round(&sw.s);
	ag_sip_round(&sw.s);
	ag_sip_round(&sw.s);
	return (sw.s.v0 ^ sw.s.v1 ^ sw.s.v2 ^ sw.s.v3) | 1;
}

/*
 * Sends the count a slot holds as an AG_EV_REPEAT event, from the task's own
 * context (the task is the slot's only writer: the header is reused in place).
 * A concurrent flush that read the old word fails its cmpxchg.
 */
static __always_inline void ag_fold_send_own(struct ag_fold *s, __u64 next_word)
{
	struct ag_event *ev = (struct ag_event *)s->hdr;
	__u64 w = __sync_lock_test_and_set(&s->word, next_word);

	if (!(w & AG_FOLD_COUNT_MASK))
		return;
	ev->flags |= AG_EV_REPEAT;
	ev->count = (__u32)w;
	ev->first_ns = s->first_ns;
	ev->ts_boot_ns = s->last_ns;
	ev->subject_len = 0;
	ag_output(s->policy_cgroup_id, s->hdr, AG_EVENT_HDR_SIZE, 0);
}

/* Whether slot s holds key's record and its window is still open at now. */
static __always_inline int ag_fold_live(const struct ag_fold *s, const struct ag_state *st,
					__u64 key, __u64 now)
{
	return s->key == key && now - s->start_ns < (__u64)st->fold_ms * 1000000ull;
}

/* One decision more for a live slot's record, at now. */
static __always_inline void ag_fold_add(struct ag_fold *s, __u64 now)
{
	s->last_ns = now;
	if (!(s->word & AG_FOLD_COUNT_MASK))
		s->first_ns = now;
	__sync_fetch_and_add(&s->word, 1);
}

/* Counts a repeat at now when slot s holds key's record within the window: 1, else 0. */
static __always_inline int ag_fold_count(struct ag_fold *s, const struct ag_state *st, __u64 key,
					 __u64 now)
{
	if (!ag_fold_live(s, st, key, now))
		return 0;
	ag_fold_add(s, now);
	return 1;
}

/* The task's fold slots when folding is on; NULL: one record per decision. */
static __always_inline struct ag_task *ag_fold_task(struct ag_state **st)
{
	__u32 zero = 0;

	*st = bpf_map_lookup_elem(&ag_state, &zero);
	if (!*st || !(*st)->fold_ms)
		return NULL; /* folding off (or the state unreadable) */
	return ag_task_get(); /* NULL: no task storage for fold slots */
}

__noinline int ag_fold_hit(struct ag_scratch *sc, __u32 len)
{
	const struct ag_event *hdr;
	struct ag_state *st;
	struct ag_fold *s;
	struct ag_task *t;
	__u64 key;

	if (!sc)
		return 0; /* a global function's pointer may be NULL to the verifier */
	sc->last_key = 0;
	t = ag_fold_task(&st);
	if (!t)
		return 0;
	key = ag_fold_key(st, sc, len);
	sc->last_key = key;
	s = &t->fold[key & (AG_FOLD_SLOTS - 1)];
	if (!ag_fold_count(s, st, key, sc->ev.ts_boot_ns)) {
		sc->fold_key = key;
		return 0;
	}
	/* Only the task writes its slots' headers: this one is the record being counted. */
	hdr = (const struct ag_event *)s->hdr;
	sc->ev.rule = hdr->rule;
	sc->ev.decision = hdr->decision;
	return 1;
}

__noinline int ag_fold_event(struct ag_scratch *sc, __u32 len)
{
	struct ag_event *ev;
	struct ag_state *st;
	struct ag_fold *s;
	struct ag_task *t;
	__u64 key, now;

	if (!sc)
		return 0; /* a global function's pointer may be NULL to the verifier */
	ev = &sc->ev;
	now = ev->ts_boot_ns;
	ev->fold = 0;
	ev->count = 1;
	ev->first_ns = now;
	/* Taken whatever happens next: a key stands for one decision only. */
	key = sc->fold_key;
	sc->fold_key = 0;
	t = ag_fold_task(&st);
	if (!t)
		return 0; /* this decision gets a record of its own */
	if (!key)
		key = ag_fold_key(st, sc, len);
	s = &t->fold[key & (AG_FOLD_SLOTS - 1)];
	if (ag_fold_count(s, st, key, now))
		return 1;
	if (!++t->fold_gen)
		t->fold_gen = 1;
	ev->fold = t->fold_gen;
	/* The old run's count out first; no count is taken for the new one until its header is in. */
	ag_fold_send_own(s, 0);
	s->key = key;
	s->start_ns = now;
	s->policy_cgroup_id = ev->policy_cgroup_id;
	__builtin_memcpy(s->hdr, ev, AG_EVENT_HDR_SIZE);
	__sync_lock_test_and_set(&s->word, (__u64)ev->fold << 32);
	return 0;
}

/*
 * The slot holding key's record of start, its window still open at now; NULL
 * when none (or key 0). The record, not only the key: a memo lives no longer
 * than the window of the records it was kept with.
 */
static __always_inline struct ag_fold *ag_memo_slot(struct ag_task *t, const struct ag_state *st,
						    __u64 key, __u64 start, __u64 now)
{
	struct ag_fold *s;

	if (!key)
		return NULL;
	s = &t->fold[key & (AG_FOLD_SLOTS - 1)];
	return ag_fold_live(s, st, key, now) && s->start_ns == start ? s : NULL;
}

/* The start of key's record in the task's slots, 0 when the slot holds another. */
static __always_inline __u64 ag_memo_start(const struct ag_task *t, __u64 key)
{
	const struct ag_fold *s = &t->fold[key & (AG_FOLD_SLOTS - 1)];

	return key && s->key == key ? s->start_ns : 0;
}

__noinline int ag_memo_answer(struct ag_scratch *sc, int rd, int wr)
{
	struct ag_fold *srd = NULL, *swr = NULL;
	const __u64 *a, *b;
	struct ag_state *st;
	struct ag_task *t;
	int i, deny = 0;
	__u64 now;

	if (!sc)
		return 0; /* a global function's pointer may be NULL to the verifier */
	t = ag_fold_task(&st);
	if (!t)
		return 0;
	a = (const __u64 *)&sc->open;
	b = (const __u64 *)&t->open;
	for (i = 0; i < AG_OPEN_MEMO_WORDS; i++)
		if (a[i] != b[i])
			return 0;
	now = bpf_ktime_get_boot_ns();
	/* Every class's slot live before any is counted: a miss decides them all anew. */
	if (rd && !(srd = ag_memo_slot(t, st, t->open.key_rd, t->open.start_rd, now)))
		return 0;
	if (wr && !(swr = ag_memo_slot(t, st, t->open.key_wr, t->open.start_wr, now)))
		return 0;
	if (srd) {
		ag_fold_add(srd, now);
		deny |= ((const struct ag_event *)srd->hdr)->decision != AG_DECISION_ALLOW;
	}
	if (swr) {
		ag_fold_add(swr, now);
		deny |= ((const struct ag_event *)swr->hdr)->decision != AG_DECISION_ALLOW;
	}
	return deny ? -1 : 1;
}

__noinline int ag_memo_store(struct ag_scratch *sc, int rd, int wr)
{
	struct ag_task *t;

	if (!sc)
		return 0; /* a global function's pointer may be NULL to the verifier */
	if ((rd && !sc->open.key_rd) || (wr && !sc->open.key_wr))
		return 0; /* a class not folded: nothing to answer the next open from */
	t = ag_task_get();
	if (!t)
		return 0; /* only a memo: the next open is decided in full */
	sc->open.start_rd = ag_memo_start(t, sc->open.key_rd);
	sc->open.start_wr = ag_memo_start(t, sc->open.key_wr);
	if ((rd && !sc->open.start_rd) || (wr && !sc->open.start_wr))
		return 0; /* the other class took the slot */
	__builtin_memcpy(&t->open, &sc->open, sizeof(t->open));
	return 0;
}

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
