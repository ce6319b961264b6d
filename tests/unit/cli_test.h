/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * A command (cmd_check, cmd_audit, ...) run as a person runs it: in a child
 * process of its own (getopt, stdout's state and exit are its own), stdin
 * from /dev/null, stdout to a file, a terminal or a path such as /dev/full,
 * and what it printed read back.
 */
#ifndef AGENTGATE_CLI_TEST_H
#define AGENTGATE_CLI_TEST_H

#include <fcntl.h>
#include <getopt.h>
#include <pty.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <sys/wait.h>
#include <cmocka.h>
#include "cli/cli.h"

#define CLI_TTY "tty" /* stdout: a terminal (a pty without line discipline changes) */

struct cli_child {
	pid_t pid;
	int tty; /* the pty's master when stdout is a terminal, else -1 */
	char out[64], err[64]; /* files the child's stdout (unless elsewhere) and stderr go to */
};

/* Starts cmd(argv) (NULL-terminated); stdout: NULL for a file read back, CLI_TTY, or a path. */
static inline void cli_start(struct cli_child *c, int (*cmd)(int, char **), char **argv,
			     const char *stdout_to)
{
	struct termios raw;
	int argc = 0, slave = -1, fd;

	while (argv[argc])
		argc++;
	strcpy(c->out, "/tmp/agentgate-cli-out-XXXXXX");
	strcpy(c->err, "/tmp/agentgate-cli-err-XXXXXX");
	assert_true((fd = mkstemp(c->out)) >= 0);
	close(fd);
	assert_true((fd = mkstemp(c->err)) >= 0);
	close(fd);
	c->tty = -1;
	if (stdout_to && !strcmp(stdout_to, CLI_TTY)) {
		assert_int_equal(openpty(&c->tty, &slave, NULL, NULL, NULL), 0);
		cfmakeraw(&raw);
		tcsetattr(slave, TCSANOW, &raw);
	}
	fflush(NULL);
	c->pid = fork();
	assert_true(c->pid >= 0);
	if (!c->pid) {
		fd = slave >= 0 ? slave : open(stdout_to ? stdout_to : c->out, O_WRONLY | O_TRUNC);
		dup2(fd, STDOUT_FILENO);
		dup2(open(c->err, O_WRONLY | O_TRUNC), STDERR_FILENO);
		dup2(open("/dev/null", O_RDONLY), STDIN_FILENO);
		optind = 0;
		exit(cmd(argc, argv));
	}
	if (slave >= 0)
		close(slave);
}

static inline void cli_slurp(const char *path, int fd, char *buf, size_t sz)
{
	ssize_t n, got = 0;

	if (path)
		fd = open(path, O_RDONLY);
	while (fd >= 0 && (size_t)got < sz - 1 &&
	       (n = read(fd, buf + got, sz - 1 - (size_t)got)) > 0)
		got += n;
	buf[got] = '\0';
	if (path && fd >= 0)
		close(fd);
}

/* Waits for the child: its exit status, and what it printed (out may be NULL). */
static inline int cli_wait(struct cli_child *c, char *out, size_t outsz, char *err, size_t errsz)
{
	int status;

	/* A terminal's output is read while the child writes: a full pty would block it. */
	if (c->tty >= 0 && out)
		cli_slurp(NULL, c->tty, out, outsz); /* EIO once the child is gone */
	assert_int_equal(waitpid(c->pid, &status, 0), c->pid);
	if (out && c->tty < 0)
		cli_slurp(c->out, -1, out, outsz);
	cli_slurp(c->err, -1, err, errsz);
	if (c->tty >= 0)
		close(c->tty);
	unlink(c->out);
	unlink(c->err);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static inline int cli_run(int (*cmd)(int, char **), char **argv, const char *stdout_to, char *out,
			  size_t outsz, char *err, size_t errsz)
{
	struct cli_child c;

	cli_start(&c, cmd, argv, stdout_to);
	return cli_wait(&c, out, outsz, err, errsz);
}

#endif /* AGENTGATE_CLI_TEST_H */
