// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Folded decisions (include/maps.h "Folding"): the window, and running the
 * ag_fold_flush iterator that sends the counts the tasks' slots hold; opening
 * and running the object's task iterators.
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

int loader_iters_open(struct loader *l)
{
	struct bpf_program *prog;
	char path[PATH_MAX];
	int err, *fd;

	l->iter_fd = l->arm_iter_fd = -1;
	bpf_object__for_each_program(prog, l->skel->obj) {
		if (loader_attach_plan(prog) != LOADER_ATTACH_ITER)
			continue;
		if (prog == l->skel->progs.ag_fold_flush)
			fd = &l->iter_fd;
		else if (prog == l->skel->progs.ag_arm_walk)
			fd = &l->arm_iter_fd;
		else
			return -EINVAL; /* an iterator nobody runs */
		err = loader_link_pin(prog, path, sizeof(path));
		if (err)
			return err;
		*fd = bpf_obj_get(path);
		if (*fd < 0)
			return -errno;
	}
	return l->iter_fd < 0 || l->arm_iter_fd < 0 ? -ENOLINK : 0;
}

int loader_iter_run(int link_fd, size_t *out)
{
	char buf[64];
	ssize_t n;
	int fd, err = 0;

	*out = 0;
	if (link_fd < 0)
		return -ENOLINK;
	fd = bpf_iter_create(link_fd);
	if (fd < 0)
		return -errno;
	/* Reading to the end runs the program over every task. */
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		*out += (size_t)n;
	if (n < 0)
		err = -errno;
	close(fd);
	return err;
}

int loader_fold_flush(struct loader *l)
{
	size_t n;

	if (l->iter_fd < 0)
		return -ENOLINK;
	l->next_flush_ms = clock_now_ms() + AG_FOLD_FLUSH_MS;
	/* The program writes nothing. */
	return loader_iter_run(l->iter_fd, &n);
}

int loader_fold_due(struct loader *l)
{
	return clock_now_ms() >= l->next_flush_ms;
}

int loader_set_fold(struct loader *l, int fold_ms)
{
	struct ag_state st;
	int err;

	err = loader_lock(l);
	if (err)
		return err;
	err = loader_state_read(l, &st);
	if (!err) {
		st.fold_ms = fold_ms == 0 ? AG_FOLD_MS_DEFAULT : fold_ms < 0 ? 0 : (__u32)fold_ms;
		err = loader_state_write(l, &st);
	}
	loader_unlock(l);
	return err;
}
