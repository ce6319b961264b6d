/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * What the e2e helper programs (probe, escape) print: one line, "ok" or the
 * errno's name (EPERM, ...), so the tests assert the syscall's real result.
 */
#ifndef AGENTGATE_E2E_OUTCOME_H
#define AGENTGATE_E2E_OUTCOME_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

static inline int report(int err)
{
	if (!err) {
		printf("ok\n");
		return 0;
	}
	printf("%s\n", strerrorname_np(err) ? strerrorname_np(err) : "EUNKNOWN");
	return 1;
}

/*
 * Calls exec_fn(arg) in a child whose stdout goes to stderr (stdout carries the
 * verdict alone). Returns the errno of a failed exec, or 0 with the child's
 * wait status in *status once it ran.
 */
static inline int exec_outcome(void (*exec_fn)(void *), void *arg, int *status)
{
	int pfd[2], err = 0;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC))
		return errno;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return errno;
	if (pid == 0) {
		dup2(STDERR_FILENO, STDOUT_FILENO);
		exec_fn(arg);
		err = errno;
		if (write(pfd[1], &err, sizeof(err)) < 0)
			_exit(127);
		_exit(127);
	}
	close(pfd[1]);
	/* The pipe closes on a successful exec (O_CLOEXEC) with nothing written. */
	if (read(pfd[0], &err, sizeof(err)) != sizeof(err))
		err = 0;
	close(pfd[0]);
	waitpid(pid, status, 0);
	return err;
}

#endif /* AGENTGATE_E2E_OUTCOME_H */
