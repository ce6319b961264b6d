/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The kernel's figures, read at each scrape through the loader's any-thread
 * functions (loader.h): events dropped, ring-buffer fill, policies in the
 * kernel, learned addresses, helper failures per hook, and each program's
 * run time and count (kernel.bpf_stats_enabled). Label sets are the object's
 * programs and the hooks of include/maps.h: fixed by the build.
 */
#ifndef AGENTGATE_METRICS_KERNEL_H
#define AGENTGATE_METRICS_KERNEL_H

struct loader;
struct mtext;

/* A figure the kernel does not give is left out (its family stays, without samples). */
void metrics_kernel_render(struct loader *l, struct mtext *t);

#endif /* AGENTGATE_METRICS_KERNEL_H */
