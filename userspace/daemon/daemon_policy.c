// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The policy models the daemon's events are explained with, by sha256. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "daemon.h"
#include "util/hex.h"

/* Retired models (no assignment uses them) kept for events still in the ring buffer. */
#define RETIRED_KEEP 16

struct ag_policy *daemon_model_keep(struct daemon *d, struct ag_policy *model)
{
	struct daemon_model *m, **pp;

	/* Newest first, so pruning keeps the most recently retired ones. */
	for (pp = &d->models; *pp; pp = &(*pp)->next) {
		if (memcmp((*pp)->policy->sha256, model->sha256, 32))
			continue;
		m = *pp;
		*pp = m->next;
		policy_free(m->policy);
		m->policy = model; /* the same sources: the kept image stays valid */
		m->next = d->models;
		d->models = m;
		return model;
	}
	m = calloc(1, sizeof(*m));
	if (!m) {
		policy_free(model);
		return NULL;
	}
	m->policy = model;
	m->next = d->models;
	d->models = m;
	return model;
}

static struct daemon_model *model_of(const struct daemon *d, const uint8_t sha256[32])
{
	struct daemon_model *m;

	for (m = d->models; m; m = m->next)
		if (!memcmp(m->policy->sha256, sha256, 32))
			return m;
	return NULL;
}

const struct ag_policy *daemon_model_find(const struct daemon *d, const uint8_t sha256[32])
{
	const struct daemon_model *m = model_of(d, sha256);

	return m ? m->policy : NULL;
}

static int image_copy(const struct ag_image *src, struct ag_image *dst)
{
	dst->data = malloc(src->size);
	if (!dst->data)
		return -ENOMEM;
	memcpy(dst->data, src->data, src->size);
	dst->size = src->size;
	return 0;
}

int daemon_model_image(const struct daemon *d, const uint8_t sha256[32], struct ag_image *out)
{
	const struct daemon_model *m = model_of(d, sha256);

	if (!m || !m->img.data)
		return -ENOENT;
	return image_copy(&m->img, out);
}

void daemon_model_image_keep(struct daemon *d, const uint8_t sha256[32], const struct ag_image *img)
{
	struct daemon_model *m = model_of(d, sha256);

	if (m && !m->img.data && image_copy(img, &m->img))
		m->img.data = NULL; /* only a cache: compiled again next time */
}

static int in_use(const struct daemon *d, const struct ag_policy *p)
{
	size_t i;

	for (i = 0; i < d->nassign; i++)
		if (d->assign[i].name && !memcmp(d->assign[i].sha256, p->sha256, 32))
			return 1;
	return 0;
}

void daemon_models_prune(struct daemon *d)
{
	struct daemon_model *m, **pp = &d->models;
	unsigned int retired = 0;

	while ((m = *pp)) {
		if (in_use(d, m->policy) || ++retired <= RETIRED_KEEP) {
			pp = &m->next;
			continue;
		}
		*pp = m->next;
		policy_free(m->policy);
		image_free(&m->img);
		free(m);
	}
}

void daemon_models_free(struct daemon *d)
{
	struct daemon_model *m;

	while ((m = d->models)) {
		d->models = m->next;
		policy_free(m->policy);
		image_free(&m->img);
		free(m);
	}
}

void daemon_sha_hex(const uint8_t sha256[32], char out[65])
{
	hex_encode(sha256, 32, out);
}
