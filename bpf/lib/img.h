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
	__u32 len;
	__u16 state;
};

static long ag_walk_step(__u32 i, void *arg)
{
	struct ag_walk *w = arg;

	if (i >= w->len || w->state == 0)
		return 1;
	w->state = ag_dfa_step(&w->img, w->d, w->state, w->input[i & (AG_MAX_INPUT - 1)]);
	return 0;
}

/* Same contract as ag_match() in dfa_match.h. */
static __always_inline struct ag_verdict ag_match_bpf(const struct ag_img *img,
						      const struct ag_image_hdr *h,
						      unsigned int cls, const __u8 *input,
						      __u32 len)
{
	struct ag_verdict v;
	struct ag_walk w;

	if (len > AG_MAX_INPUT) {
		v.rule = AG_RULE_OVERSIZED;
		v.allow = 0;
		return v;
	}
	if (cls >= AG_CLASS_COUNT)
		return ag_verdict_of(h, AG_NO_MATCH);
	w.d = &h->dfa[cls];
	if (w.d->nstates < 2)
		return ag_verdict_of(h, AG_NO_MATCH);
	w.img = *img;
	w.input = input;
	w.len = len;
	w.state = 1;
	bpf_loop(AG_MAX_INPUT, ag_walk_step, &w, 0);
	return ag_verdict_of(h, ag_dfa_accept(&w.img, w.d, w.state));
}

#endif /* AGENTGATE_BPF_IMG_H */
