// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Folded decisions (include/maps.h "Folding"): the window, and running the
 * ag_fold_flush iterator that sends the counts the tasks' slots hold.
 */
#include <errno.h>
#include <limits.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "loader.h"
#include "loader_int.h"
#include "loader_state.h"
#include "maps.h"
#include "util/clock.h"

int loader_fold_open(struct loader *l)
{
	struct bpf_program *prog;
	char path[PATH_MAX];
	int err;

	l->iter_fd = -1;
	bpf_object__for_each_program(prog, l->skel->obj) {
		if (loader_attach_plan(prog) != LOADER_ATTACH_ITER)
			continue;
		err = loader_link_pin(prog, path, sizeof(path));
		if (err)
			return err;
		/* One iterator in the object: the flush. */
		l->iter_fd = bpf_obj_get(path);
		return l->iter_fd < 0 ? -errno : 0;
	}
	return -ENOLINK;
}

int loader_fold_flush(struct loader *l)
{
	char buf[64];
	ssize_t n;
	int fd, err = 0;

	if (l->iter_fd < 0)
		return -ENOLINK;
	l->next_flush_ms = clock_now_ms() + AG_FOLD_FLUSH_MS;
	fd = bpf_iter_create(l->iter_fd);
	if (fd < 0)
		return -errno;
	/* The program writes nothing: reading to the end runs it over every task. */
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		;
	if (n < 0)
		err = -errno;
	close(fd);
	return err;
}

int loader_fold_due(struct loader *l)
{
	return clock_now_ms() >= l->next_flush_ms;
}

int loader_set_fold(struct loader *l, int fold_ms)
{
	struct ag_state st;
	__u32 zero = 0;
	int err;

	err = loader_lock(l);
	if (err)
		return err;
	if (bpf_map_lookup_elem(FD(l, state), &zero, &st)) {
		err = -errno;
	} else {
		st.fold_ms = fold_ms == 0 ? AG_FOLD_MS_DEFAULT : fold_ms < 0 ? 0 : (__u32)fold_ms;
		if (bpf_map_update_elem(FD(l, state), &zero, &st, BPF_ANY))
			err = -errno;
	}
	loader_unlock(l);
	return err;
}
