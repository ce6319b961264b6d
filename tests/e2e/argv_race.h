/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * probe argv-race: the argv race fixture (80-argv-race.sh), apart from probe.c
 * for size. Included once, by probe.c.
 */
#ifndef AGENTGATE_E2E_ARGV_RACE_H
#define AGENTGATE_E2E_ARGV_RACE_H

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "outcome.h"

/*
 * argv race, made deterministic with userfaultfd. Both argv[] (page A) and
 * the string argv[1] points into (page S) are served by a handler thread, so
 * it sees execve's accesses in order: count() faults A in; copy_strings()
 * faults S at the string ("denied...", and A is zapped before the caller
 * resumes), then faults A again for argv[0], the last string it copies. The
 * kernel's copy is complete at that second A fault: S is zapped, and the
 * LSM's read of the caller's memory (a non-faulting read, then a fault-in at
 * the page start) is served "allowd...". The check sees an allowed command;
 * the program would run with the denied one.
 */
#define RACE_OFF 100
static char *race_page; /* S; A is race_page + 3 pages, the two between are plain memory */
static char *race_argv;
static int race_uffd;
static long page_size;

static void race_serve(char *dst, const char *src)
{
	struct uffdio_copy cp = { .dst = (unsigned long)dst,
				  .src = (unsigned long)src,
				  .len = page_size };

	ioctl(race_uffd, UFFDIO_COPY, &cp);
}

static void *race_handler(void *unused)
{
	char *str = aligned_alloc(page_size, page_size);
	char **vec = aligned_alloc(page_size, page_size);
	struct uffd_msg msg;
	int argv_faults = 0;

	memset(vec, 0, page_size);
	vec[0] = "echo";
	vec[1] = race_page + RACE_OFF;
	for (;;) {
		char *addr;

		if (read(race_uffd, &msg, sizeof(msg)) != sizeof(msg)) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return NULL;
		}
		if (msg.event != UFFD_EVENT_PAGEFAULT)
			continue;
		addr = (char *)(unsigned long)msg.arg.pagefault.address;
		if (addr >= race_argv) {
			if (++argv_faults == 2)
				madvise(race_page, page_size, MADV_DONTNEED);
			race_serve(race_argv, (char *)vec);
			continue;
		}
		memset(str, 0, page_size);
		memset(str + RACE_OFF, 'x', 64);
		memcpy(str + RACE_OFF, addr == race_page ? "allowd" : "denied", 6);
		if (addr != race_page)
			madvise(race_argv, page_size, MADV_DONTNEED);
		race_serve(race_page, str);
	}
}

static int race_register(char *page)
{
	struct uffdio_register reg = {
		.range = { .start = (unsigned long)page, .len = page_size },
		.mode = UFFDIO_REGISTER_MODE_MISSING,
	};

	return ioctl(race_uffd, UFFDIO_REGISTER, &reg);
}

static void race_child(const char *path)
{
	struct uffdio_api api = { .api = UFFD_API, .features = UFFD_FEATURE_EXACT_ADDRESS };
	pthread_t th;

	page_size = sysconf(_SC_PAGESIZE);
	race_page = mmap(NULL, 4 * page_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);
	race_argv = race_page + 3 * page_size;
	race_uffd = syscall(SYS_userfaultfd, O_CLOEXEC);
	if (race_page == MAP_FAILED || race_uffd < 0 || ioctl(race_uffd, UFFDIO_API, &api) ||
	    race_register(race_page) || race_register(race_argv))
		_exit(5);
	pthread_create(&th, NULL, race_handler, NULL);
	execv(path, (char **)race_argv);
	_exit(errno == EPERM ? 3 : 4);
}

/* PATH is run as "echo <arg>": its output tells which argument the program got. */
static int do_argv_race(const char *path, int rounds)
{
	int ran_allowed = 0, ran_denied = 0, killed = 0, refused = 0, other = 0, i, status;
	char out[256];

	for (i = 0; i < rounds; i++) {
		int pfd[2];
		ssize_t n;
		pid_t pid;

		if (pipe(pfd))
			return report(errno);
		fflush(stdout);
		pid = fork();
		if (pid == 0) {
			dup2(pfd[1], 1);
			close(pfd[0]);
			race_child(path);
		}
		close(pfd[1]);
		n = read(pfd[0], out, sizeof(out) - 1);
		out[n > 0 ? n : 0] = '\0';
		close(pfd[0]);
		waitpid(pid, &status, 0);
		if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
			killed++;
		else if (WIFEXITED(status) && WEXITSTATUS(status) == 3)
			refused++;
		else if (!strncmp(out, "denied", 6))
			ran_denied++;
		else if (!strncmp(out, "allowd", 6))
			ran_allowed++;
		else
			other++;
	}
	printf("ran-allowed=%d ran-denied=%d killed=%d refused=%d other=%d\n", ran_allowed,
	       ran_denied, killed, refused, other);
	return ran_denied || other ? 1 : 0;
}

#endif /* AGENTGATE_E2E_ARGV_RACE_H */
