/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The BPF runtime of include/dfa_match.h: image bytes are fetched from the
 * inner array map of a policy (one struct ag_page per element), with the page
 * last looked up cached in the handle so a walk staying in one page does one
 * lookup. Offsets are masked so the verifier can bound every access.
 *
 * ag_match_bpf() is ag_match() with its byte loop driven by bpf_loop(): the
 * open-coded 4096-iteration loop costs the verifier one pass per iteration
 * (near its 1M instruction budget once per hook), bpf_loop one pass in all.
 * Step, accept and verdict are the shared functions, so results are identical.
 *
 * A page that cannot be looked up (a corrupt image) sends the walk to the dead
 * state, the policy's default: counted in ag_errors under the handle's hook.
 * The includer declares the maps and ag_count_error() first (lib/common.h).
 */
#ifndef AGENTGATE_BPF_IMG_H
#define AGENTGATE_BPF_IMG_H

#include "maps.h"

struct ag_img {
	void *inner; /* the policy's inner array map */
	struct ag_page *cur; /* never NULL: page 0 until another is needed */
	__u32 cur_idx;
	__u32 hook; /* enum ag_hook, for ag_errors */
};

static __always_inline struct ag_page *ag_img_page(struct ag_img *m, __u32 off)
{
	__u32 idx = off >> AG_PAGE_SHIFT;
	struct ag_page *p;

	if (idx == m->cur_idx)
		return m->cur;
	p = bpf_map_lookup_elem(m->inner, &idx);
	if (!p) {
		ag_count_error(m->hook);
		return NULL;
	}
	m->cur = p;
	m->cur_idx = idx;
	return p;
}

static __always_inline int ag_img_u8(struct ag_img *m, __u32 off)
{
	struct ag_page *p = ag_img_page(m, off);

	if (!p)
		return -1;
	return p->b[off & (AG_PAGE_SIZE - 1)];
}

static __always_inline int ag_img_u16(struct ag_img *m, __u32 off)
{
	struct ag_page *p;
	int lo, hi;

	if (off & 1) { /* never produced by the compiler, but stay correct */
		lo = ag_img_u8(m, off);
		hi = ag_img_u8(m, off + 1);
		return lo < 0 || hi < 0 ? -1 : lo | hi << 8;
	}
	p = ag_img_page(m, off);
	if (!p)
		return -1;
	return *(__u16 *)&p->b[off & (AG_PAGE_SIZE - 2)];
}

#define AG_IMG_T struct ag_img *
#define AG_IMG_U8(img, off) ag_img_u8(img, off)
#define AG_IMG_U16(img, off) ag_img_u16(img, off)
#define AG_INLINE static __always_inline
#include "dfa_match.h"

struct ag_walk {
	struct ag_img img;
	const struct ag_dfa_hdr *d;
	const __u8 *input; /* readable for AG_MAX_INPUT bytes */
	__u32 start, len; /* the bytes walked: input[start..len) */
	__u16 state;
};

/*
 * Bytes walked per callback: bpf_loop's call, the loop checks and the loads of
 * the walk's fields come once per stride instead of once per byte (the
 * verifier still checks the unrolled body once). A power of two dividing
 * AG_MAX_INPUT.
 */
#define AG_WALK_STRIDE 8u

static long ag_walk_step(__u32 i, void *arg)
{
	struct ag_walk *w = arg;
	__u32 start = w->start, len = w->len, pos;
	__u16 state = w->state;
	long stop = 0;
	int k;

#pragma unroll
	for (k = 0; k < AG_WALK_STRIDE; k++) {
		pos = i * AG_WALK_STRIDE + k;
		if (pos >= len || state == 0) {
			stop = 1;
			break;
		}
		if (pos >= start)
			state = ag_dfa_step(&w->img, w->d, state, w->input[pos & (AG_MAX_INPUT - 1)]);
	}
	w->state = state;
	return stop;
}

/*
 * The state of class cls's DFA after input[start..len) from state (1: the
 * start); len <= AG_MAX_INPUT. img's page cache is left where the walk ended,
 * for the accept lookup that follows.
 */
static __always_inline __u16 ag_state_from_bpf(struct ag_img *img, const struct ag_image_hdr *h,
					       unsigned int cls, const __u8 *input, __u32 start,
					       __u32 len, __u16 state)
{
	struct ag_walk w;

	if (cls >= AG_CLASS_COUNT)
		return 0;
	w.d = &h->dfa[cls];
	if (w.d->nstates < 2)
		return 0;
	w.img = *img;
	w.input = input;
	w.start = start;
	w.len = len;
	w.state = state;
	bpf_loop(AG_MAX_INPUT / AG_WALK_STRIDE, ag_walk_step, &w, 0);
	*img = w.img;
	return w.state;
}

/* Same contract as ag_match_state() in dfa_match.h. */
static __always_inline __u16 ag_state_bpf(struct ag_img *img, const struct ag_image_hdr *h,
					  unsigned int cls, const __u8 *input, __u32 len)
{
	return ag_state_from_bpf(img, h, cls, input, 0, len, 1);
}

/* Same contract as ag_match() in dfa_match.h. */
static __always_inline struct ag_verdict ag_match_bpf(const struct ag_img *img,
						      const struct ag_image_hdr *h,
						      unsigned int cls, const __u8 *input,
						      __u32 len)
{
	struct ag_img m = *img;
	struct ag_verdict v;
	__u16 state;

	if (len > AG_MAX_INPUT) {
		v.rule = AG_RULE_OVERSIZED;
		v.allow = 0;
		return v;
	}
	if (cls >= AG_CLASS_COUNT)
		return ag_verdict_of(h, AG_NO_MATCH);
	state = ag_state_bpf(&m, h, cls, input, len);
	return ag_verdict_of(h, ag_dfa_accept(&m, &h->dfa[cls], state));
}

/* The move classes walked side by side (ag_move_walk): one bpf_loop for all of them. */
#define AG_MOVE_CLASSES 3

struct ag_walk3 {
	struct ag_img img;
	const struct ag_image_hdr *h;
	const __u8 *input; /* readable for AG_MAX_INPUT bytes */
	__u32 len;
	__u32 packed; /* the result, once the walk is over */
	__u16 state[AG_MOVE_CLASSES];
};

/*
 * One byte for each of FILE_READ, FILE_WRITE, EXEC (classes 0, 1, 2); past the
 * last, the flags. Both in the callback: the verifier checks it once, where the
 * same code inline after the loop multiplied its states past its budget.
 */
static long ag_walk3_step(__u32 i, void *arg)
{
	struct ag_walk3 *w = arg;
	__u8 b;
	int c;

	if (i < w->len) {
		b = w->input[i & (AG_MAX_INPUT - 1)];
		for (c = 0; c < AG_MOVE_CLASSES; c++)
			if (w->state[c])
				w->state[c] = ag_dfa_step(&w->img, &w->h->dfa[c], w->state[c], b);
		return 0;
	}
	for (c = 0; c < AG_MOVE_CLASSES; c++) {
		w->packed |= (__u32)ag_move_flags(&w->img, w->h, &w->h->dfa[c], w->state[c], 0)
			     << (4 * c);
		w->packed |= (__u32)ag_move_flags(&w->img, w->h, &w->h->dfa[c], w->state[c], 1)
			     << (4 * c + 2);
	}
	return 1;
}

/*
 * ag_move_flags() of the name input[0..len) for the read, write and exec
 * classes, packed: class c as a file in bits 4c..4c+1, as a directory in bits
 * 4c+2..4c+3 (AG_MOVE_BITS picks them; scalars, where the verifier refuses
 * stack arrays indexed by a runtime value). A name too long to be judged:
 * AG_BELOW_DENY throughout (it and everything beneath it are denied).
 */
#define AG_MOVE_BITS(packed, c, is_dir) (((packed) >> (4 * (c) + ((is_dir) ? 2 : 0))) & 3u)

static __always_inline __u32 ag_move_walk(const struct ag_img *img, const struct ag_image_hdr *h,
					  const __u8 *input, __u32 len)
{
	struct ag_walk3 w;
	int c;

	if (len >= AG_MAX_INPUT)
		return 0xaaau; /* AG_BELOW_DENY in every 2-bit field */
	w.img = *img;
	w.h = h;
	w.input = input;
	w.len = len;
	w.packed = 0;
	for (c = 0; c < AG_MOVE_CLASSES; c++)
		w.state[c] = h->dfa[c].nstates < 2 ? 0 : 1;
	bpf_loop(AG_MAX_INPUT, ag_walk3_step, &w, 0);
	return w.packed;
}

#endif /* AGENTGATE_BPF_IMG_H */
