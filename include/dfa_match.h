/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The one matcher: walks a compiled DFA (policy_image.h) over an input and
 * turns the result into a decision. Compiled into the BPF programs and into
 * userspace, so `agentgate check` answers exactly what the kernel decides.
 *
 * The includer defines how image bytes are fetched, before including:
 *   AG_IMG_T              handle type passed through (a pointer)
 *   AG_IMG_U8(img, off)   int: the byte at image offset off, or -1
 *   AG_IMG_U16(img, off)  int: the little-endian u16 at off, or -1
 * A failed fetch sends the walk to the dead state, which matches no rule and
 * so falls to the policy's default (deny by default).
 *
 * No libc, bounded loops only: the BPF verifier must accept it.
 */
#ifndef AGENTGATE_DFA_MATCH_H
#define AGENTGATE_DFA_MATCH_H

#include "policy_image.h"

#ifndef AG_INLINE
#define AG_INLINE static inline __attribute__((always_inline))
#endif

AG_INLINE __u16 ag_dfa_step(AG_IMG_T img, const struct ag_dfa_hdr *d, __u16 state, __u8 byte)
{
	int cls, next;
	__u32 off;

	cls = AG_IMG_U8(img, d->offset + byte);
	if (cls < 0 || cls >= d->nclasses || state >= d->nstates)
		return 0;
	off = d->offset + 256u + 2u * d->nstates + 2u * ((__u32)state * d->nclasses + (__u32)cls);
	next = AG_IMG_U16(img, off);
	if (next < 0 || next >= d->nstates)
		return 0;
	return (__u16)next;
}

AG_INLINE __u16 ag_dfa_accept(AG_IMG_T img, const struct ag_dfa_hdr *d, __u16 state)
{
	int a;

	if (state == 0 || state >= d->nstates)
		return AG_NO_MATCH;
	a = AG_IMG_U16(img, d->offset + 256u + 2u * state);
	return a < 0 ? AG_NO_MATCH : (__u16)a;
}

/* AG_BELOW_* of state (policy_image.h); the dead state's follow the default. */
AG_INLINE __u8 ag_dfa_below(AG_IMG_T img, const struct ag_image_hdr *h,
			    const struct ag_dfa_hdr *d, __u16 state)
{
	int b;

	if (d->nstates < 2 || state == 0 || state >= d->nstates)
		return h->default_allow ? AG_BELOW_ALLOW : AG_BELOW_DENY;
	b = AG_IMG_U8(img, d->offset + 256u + 2u * d->nstates +
				   2u * (__u32)d->nstates * d->nclasses + state);
	return b < 0 ? 0 : (__u8)b;
}

/* First matching rule wins; no match means the policy's default. */
AG_INLINE struct ag_verdict ag_verdict_of(const struct ag_image_hdr *h, __u16 accept)
{
	struct ag_verdict v;

	if (accept == AG_NO_MATCH) {
		v.rule = AG_RULE_DEFAULT;
		v.allow = h->default_allow ? 1 : 0;
	} else {
		v.rule = AG_ACCEPT_RULE(accept);
		v.allow = AG_ACCEPT_ALLOW(accept) ? 1 : 0;
	}
	return v;
}

/* 127.0.0.0/8 (as ::ffff:127.x.y.z) or ::1; not an address that only ends like one. */
AG_INLINE int ag_addr_loopback(const __u8 a[16])
{
	int i;

	for (i = 0; i < 10; i++)
		if (a[i])
			return 0;
	if (a[10] == 0xff && a[11] == 0xff)
		return a[12] == 127;
	for (i = 10; i < 15; i++)
		if (a[i])
			return 0;
	return a[15] == 1;
}

/*
 * listen (AG_CLASS_NET_LISTEN) on the local address addr: when no rule
 * matched, loopback is allowed and any other address denied, whatever the
 * policy's default (an agent serving the world needs a rule saying so).
 */
AG_INLINE struct ag_verdict ag_listen_verdict(struct ag_verdict v, const __u8 addr[16])
{
	if (v.rule == AG_RULE_DEFAULT)
		v.allow = ag_addr_loopback(addr) ? 1 : 0;
	return v;
}

/* The state ag_match() ends in over input[0..len) for class cls (0: dead, or no rules). */
AG_INLINE __u16 ag_match_state(AG_IMG_T img, const struct ag_image_hdr *h, unsigned int cls,
			       const __u8 *input, __u32 len)
{
	const struct ag_dfa_hdr *d;
	__u16 state = 1;
	__u32 i;

	if (cls >= AG_CLASS_COUNT)
		return 0;
	d = &h->dfa[cls];
	if (d->nstates < 2)
		return 0;
	for (i = 0; i < AG_MAX_INPUT; i++) {
		if (i >= len || state == 0)
			break;
		state = ag_dfa_step(img, d, state, input[i & (AG_MAX_INPUT - 1)]);
	}
	return state;
}

/*
 * Match input[0..len) against the DFA of class cls. input must be readable for
 * AG_MAX_INPUT bytes when compiled for BPF (indexes are masked, not trusted).
 */
AG_INLINE struct ag_verdict ag_match(AG_IMG_T img, const struct ag_image_hdr *h, unsigned int cls,
				     const __u8 *input, __u32 len)
{
	struct ag_verdict v;

	if (len > AG_MAX_INPUT) {
		v.rule = AG_RULE_OVERSIZED;
		v.allow = 0;
		return v;
	}
	if (cls >= AG_CLASS_COUNT)
		return ag_verdict_of(h, AG_NO_MATCH);
	return ag_verdict_of(h, ag_dfa_accept(img, &h->dfa[cls],
					      ag_match_state(img, h, cls, input, len)));
}

/*
 * What moving an entry to or from a name ending in state (its walk's end)
 * touches, as AG_BELOW_* flags: the name's own decision, and for a directory
 * also everything beneath it ("NAME/" and on).
 */
AG_INLINE __u8 ag_move_flags(AG_IMG_T img, const struct ag_image_hdr *h,
			     const struct ag_dfa_hdr *d, __u16 state, int is_dir)
{
	__u8 f = ag_verdict_of(h, ag_dfa_accept(img, d, state)).allow ? AG_BELOW_ALLOW :
									  AG_BELOW_DENY;

	if (is_dir && d->nstates >= 2 && state)
		state = ag_dfa_step(img, d, state, '/');
	return is_dir ? f & ag_dfa_below(img, h, d, state) : f;
}

#endif /* AGENTGATE_DFA_MATCH_H */
