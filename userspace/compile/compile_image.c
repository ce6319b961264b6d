// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The image writer: compiled DFAs and rule tables laid out as
 * include/policy_image.h describes (image_match.c walks them).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "compile_int.h"

static size_t dfa_bytes(const struct dfa *d)
{
	size_t n = 256 + 3 * (size_t)d->nstates + 2 * (size_t)d->nstates * d->ncls;

	return (n + 3) & ~(size_t)3;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

int image_write(const struct ag_policy *p, struct dfa *const dfas[AG_CLASS_COUNT],
		struct ag_image *out, size_t *table_bytes)
{
	struct ag_image_hdr h;
	size_t size = (sizeof(h) + 3) & ~(size_t)3, off, i, n;
	unsigned int c;
	uint8_t *buf, *t;
	int err;

	memset(&h, 0, sizeof(h));
	for (c = 0; c < AG_CLASS_COUNT; c++)
		if (dfas[c] && dfas[c]->nstates)
			size += dfa_bytes(dfas[c]);
	if (size > (size_t)AG_IMAGE_MAX_PAGES * AG_PAGE_SIZE)
		return -E2BIG;
	buf = calloc(1, size);
	if (!buf)
		return -ENOMEM;
	h.magic = AG_IMAGE_MAGIC;
	h.version = AG_IMAGE_VERSION;
	h.size = (__u32)size;
	h.mode = (__u8)p->mode;
	h.default_allow = p->default_allow ? 1 : 0;
	h.dns_grace_s = (__u16)p->dns_grace_s;
	h.dns_quota = (__u16)p->dns_quota;
	h.nrules = (__u16)p->nrules;
	memcpy(h.policy_sha256, p->sha256, sizeof(h.policy_sha256));
	off = (sizeof(h) + 3) & ~(size_t)3;
	for (c = 0; c < AG_CLASS_COUNT; c++) {
		const struct dfa *d = dfas[c];

		if (!d || !d->nstates)
			continue;
		h.dfa[c].offset = (__u32)off;
		h.dfa[c].nstates = (__u16)d->nstates;
		h.dfa[c].nclasses = (__u16)d->ncls;
		t = buf + off;
		memcpy(t, d->classmap, 256);
		for (i = 0; i < d->nstates; i++)
			put16(t + 256 + 2 * i, d->accept[i]);
		t += 256 + 2 * (size_t)d->nstates;
		n = (size_t)d->nstates * d->ncls;
		for (i = 0; i < n; i++)
			put16(t + 2 * i, (uint16_t)d->next[i]);
		err = dfa_below(d, p->default_allow, t + 2 * n);
		if (err) {
			free(buf);
			return err;
		}
		off += dfa_bytes(d);
	}
	memcpy(buf, &h, sizeof(h));
	out->data = buf;
	out->size = size;
	if (table_bytes)
		*table_bytes = size - ((sizeof(h) + 3) & ~(size_t)3);
	return 0;
}

void image_free(struct ag_image *img)
{
	if (!img)
		return;
	free(img->data);
	img->data = NULL;
	img->size = 0;
}

void image_set_on_exec(struct ag_image *img, int on_exec)
{
	if (img->data && img->size >= sizeof(struct ag_image_hdr))
		((struct ag_image_hdr *)img->data)->on_exec = on_exec ? 1 : 0;
}
