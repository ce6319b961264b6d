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

/* What lint_path_resolved found about a file pattern. */
enum lint_path {
	LINT_PATH_AS_IS = 0, /* the kernel reports its paths as written (or it cannot say) */
	LINT_PATH_PROC_SELF, /* through /proc/self or /proc/thread-self, on every host */
	LINT_PATH_LINK, /* through a symbolic link of this host */
};

/*
 * The file pattern pat as the kernel would report the paths it names, when
 * that is not as written: bpf_d_path gives /proc/self/x as /proc/PID/x, and
 * a path through a symbolic link (on this host, among its directories written
 * without glob characters: /lib on a merged-/usr host) as the link's target.
 * Returns an enum lint_path with out set to the pattern to write instead and,
 * for LINT_PATH_LINK, link to "DIR -> TARGET"; or a negative errno.
 */
int lint_path_resolved(const char *pat, char *out, size_t outsz, char *link, size_t linksz);

/*
 * 1 when the command pattern allows, on this host, more of a program that
 * acts by the name it is called by than it says (ls or rbash naming busybox or
 * bash; busybox ls *), with prog set to the program's path: the kernel judges
 * the program and argv[1..], not argv[0]. 0 when not (or the first word is a
 * glob, or names nothing here), or -errno.
 */
int lint_multicall(const char *pattern, char *const *search, size_t nsearch, char *prog,
		   size_t progsz);

#endif /* AGENTGATE_LINT_H */
