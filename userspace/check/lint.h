/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* `agentgate lint`: questions about compiled images that only whole languages answer. */
#ifndef AGENTGATE_LINT_H
#define AGENTGATE_LINT_H

#include "compile/compile.h"

/*
 * 1 when every input class cls of small accepts (matches some rule) is also
 * accepted by big, 0 when not, -E2BIG when the product of the two DFAs is too
 * large to explore, -ENOMEM. Product construction over the images' tables.
 */
int image_includes(const struct ag_image *big, const struct ag_image *small, enum ag_class cls);
/* 1 when the image has a DFA for cls (some rule of the class compiled into it). */
int image_has_class(const struct ag_image *img, enum ag_class cls);
/* 1 when some reachable state of class cls accepts with rule index rule first. */
int image_rule_reachable(const struct ag_image *img, enum ag_class cls, unsigned int rule);

#endif /* AGENTGATE_LINT_H */
