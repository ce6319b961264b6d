// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The userspace runtime of include/dfa_match.h, the one matcher: the same
 * walker the kernel runs, over an image in memory, every fetch
 * bounds-checked. `check`, the DNS proxy and lint all walk images through
 * this file, so there is one userspace instantiation of the matcher.
 */
#include <errno.h>
#include <string.h>
#include "compile_int.h"

static inline int img_u8(const struct ag_image *img, __u32 off)
{
	return off < img->size ? img->data[off] : -1;
}

static inline int img_u16(const struct ag_image *img, __u32 off)
{
	if (off >= img->size || img->size - off < 2)
		return -1;
	return img->data[off] | (img->data[off + 1] << 8);
}

#define AG_IMG_T const struct ag_image *
#define AG_IMG_U8(img, off) img_u8(img, off)
#define AG_IMG_U16(img, off) img_u16(img, off)
#include "dfa_match.h"

__u16 image_dfa_step(const struct ag_image *img, const struct ag_dfa_hdr *d, __u16 state, __u8 byte)
{
	return ag_dfa_step(img, d, state, byte);
}

__u16 image_dfa_accept(const struct ag_image *img, const struct ag_dfa_hdr *d, __u16 state)
{
	return ag_dfa_accept(img, d, state);
}

int image_byte_class(const struct ag_image *img, const struct ag_dfa_hdr *d, __u8 byte)
{
	return img_u8(img, d->offset + byte);
}

/* The header of a well-formed image, or -EINVAL. */
static int image_hdr(const struct ag_image *img, struct ag_image_hdr *h)
{
	if (!img || !img->data || img->size < sizeof(*h))
		return -EINVAL;
	memcpy(h, img->data, sizeof(*h));
	if (h->magic != AG_IMAGE_MAGIC || h->version != AG_IMAGE_VERSION || h->size != img->size)
		return -EINVAL;
	return 0;
}

struct ag_verdict image_match(const struct ag_image *img, enum ag_class cls, const uint8_t *in,
			      size_t len)
{
	struct ag_image_hdr h;
	struct ag_verdict v = { AG_RULE_DEFAULT, 0 };

	/* A broken image decides nothing: deny. */
	if (image_hdr(img, &h))
		return v;
	if (len > AG_MAX_INPUT) {
		v.rule = AG_RULE_OVERSIZED;
		return v;
	}
	return ag_match(img, &h, (unsigned int)cls, in, (__u32)len);
}

__u8 image_move_flags(const struct ag_image *img, enum ag_class cls, const uint8_t *in, size_t len,
		      int is_dir)
{
	struct ag_image_hdr h;

	if (image_hdr(img, &h) || len > AG_MAX_INPUT || (unsigned int)cls >= AG_CLASS_COUNT)
		return AG_BELOW_DENY;
	return ag_move_flags(img, &h, &h.dfa[cls],
			     ag_match_state(img, &h, (unsigned int)cls, in, (__u32)len), is_dir);
}

struct ag_verdict image_name_verdict(const struct ag_image *img, const char *name, size_t len)
{
	struct ag_verdict v = { AG_RULE_DEFAULT, 0 }, allow = { AG_RULE_DEFAULT, 1 }, w;
	const struct ag_dfa_hdr *d;
	struct ag_image_hdr h;
	unsigned int hi, lo;
	int any_allow = 0;
	__u16 s = 1, s1, s2, prev1 = 0, prev2 = 0;
	size_t i;

	if (image_hdr(img, &h))
		return v;
	if (len + 3 > AG_MAX_INPUT) {
		v.rule = AG_RULE_OVERSIZED;
		return v;
	}
	d = &h.dfa[AG_CLASS_NET_DOMAIN];
	if (d->nstates < 2)
		return ag_verdict_of(&h, AG_NO_MATCH);
	for (i = 0; i < len; i++)
		s = ag_dfa_step(img, d, s, (__u8)name[i]);
	s = ag_dfa_step(img, d, s, 0);
	/*
	 * Every port: the first rule that allows one, else the first that denies.
	 * Port ranges leave runs of bytes going to one state: each is judged once.
	 */
	for (hi = 0; hi < 256; hi++) {
		s1 = ag_dfa_step(img, d, s, (__u8)hi);
		if (hi && s1 == prev1)
			continue;
		prev1 = s1;
		for (lo = 0; lo < 256; lo++) {
			s2 = ag_dfa_step(img, d, s1, (__u8)lo);
			if (lo && s2 == prev2)
				continue;
			prev2 = s2;
			w = ag_verdict_of(&h, ag_dfa_accept(img, d, s2));
			if (w.allow && (!any_allow || w.rule < allow.rule)) {
				allow = w;
				any_allow = 1;
			} else if (!w.allow && w.rule < v.rule) {
				v = w;
			}
		}
	}
	if (any_allow)
		return allow;
	v.allow = 0;
	return v;
}

struct ag_verdict image_listen_verdict(const struct ag_image *img, const uint8_t *addr)
{
	return ag_listen_verdict(image_match(img, AG_CLASS_NET_LISTEN, addr, AG_NET_ADDR_LEN), addr);
}
