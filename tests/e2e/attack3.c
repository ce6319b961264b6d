// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * attack3: the holes of the third hardening round (a review of 2026-12-05), each
 * tried the way a hostile agent would; prints "ok" (it worked) or the errno name,
 * exits 0 on ok. The e2e tests (18-hardening3.sh) expect EPERM when confined.
 * PID is a number, or "self" (0: the caller).
 *
 *   attack3 tiocsti                 a new pty made a child's controlling terminal, TIOCSTI of
 *                                   'x' into it (ok: the parent read its echo on the master)
 *   attack3 tioccons                TIOCCONS on a new pty's slave: console output goes to the
 *                                   pty (needs CAP_SYS_ADMIN); undone through /dev/console
 *   attack3 tiocvhangup             TIOCVHANGUP on a new pty's slave (needs CAP_SYS_ADMIN): the
 *                                   terminal hung up as vhangup() would
 *   attack3 cgroup-pull PID         PID written to the caller's own cgroup.procs: a task
 *                                   outside pulled into the agent's cgroup
 *   attack3 cgroup-self             the caller's pid written to its own cgroup.procs (a no-op)
 *   attack3 cgroup-thread-self      the caller's tid written to its own cgroup.threads
 *   attack3 prlimit PID             PID's RLIMIT_CPU read, then set to what it is
 *   attack3 prlimit-read PID        PID's RLIMIT_CPU read only
 *   attack3 nice PID                setpriority() of PID to its own nice value
 *   attack3 ioprio PID              ioprio_set() of PID to its own I/O priority
 *   attack3 sched PID               sched_setscheduler() of PID to its own policy and priority
 *   attack3 affinity PID            sched_setaffinity() of PID to its own CPU mask
 *   attack3 vhangup                 vhangup() (needs CAP_SYS_TTY_CONFIG): hangs up the
 *                                   caller's controlling terminal, if it has one
 *   attack3 freeze DIR              FIFREEZE of DIR's filesystem (every writer to it then
 *                                   waits), thawed at once (FITHAW) when that worked
 *   attack3 shutdown DIR            FS_IOC_SHUTDOWN of DIR's filesystem (every later write
 *                                   fails): run on a tmpfs, which has no such ioctl (ENOTTY)
 *   attack3 connect-any6-mapped PORT  an AF_INET6 TCP socket bound to ::ffff:127.0.0.1,
 *                                   connected to [::]:PORT: the kernel sends it to 127.0.0.1
 *   attack3 setown-ex-self          F_SETOWN_EX {F_OWNER_TID, the caller's tid} on a pipe
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "outcome.h"

/* A new pty: the master, and its slave in *slave; neither the caller's controlling terminal. */
static int pty_pair(int *slave)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY);

	if (m < 0 || grantpt(m) || unlockpt(m))
		return -1;
	*slave = open(ptsname(m), O_RDWR | O_NOCTTY);
	return *slave < 0 ? -1 : m;
}

static int do_tiocsti(void)
{
	struct pollfd pfd = { .events = POLLIN };
	int s, res[2], err = 0;
	char c = 'x', got = 0;
	pid_t pid;

	pfd.fd = pty_pair(&s);
	if (pfd.fd < 0 || pipe(res))
		return report(errno);
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return report(errno);
	if (pid == 0) {
		/* The pty as the caller's own terminal: the kernel's check that TIOCSTI goes to
		 * the caller's controlling terminal passes, only agentgate's can refuse. */
		if (setsid() < 0 || ioctl(s, TIOCSCTTY, 0) || ioctl(s, TIOCSTI, &c))
			err = errno;
		_exit(write(res[1], &err, sizeof(err)) == sizeof(err) ? 0 : 1);
	}
	close(res[1]);
	waitpid(pid, NULL, 0);
	if (read(res[0], &err, sizeof(err)) != sizeof(err))
		return report(EIO);
	if (err)
		return report(err);
	/* The byte went in as typed input: the slave echoes it (ECHO is on) to the master. */
	if (poll(&pfd, 1, 2000) != 1 || read(pfd.fd, &got, 1) != 1 || got != c)
		return report(ETIMEDOUT);
	return report(0);
}

static int do_tioccons(void)
{
	int s, m = pty_pair(&s), con;

	if (m < 0 || ioctl(s, TIOCCONS))
		return report(errno);
	/* TIOCCONS on the pty again would be EBUSY: on /dev/console it ends the redirect.
	 * (Closing the master at exit would too: the pty hangs up.) */
	con = open("/dev/console", O_WRONLY | O_NOCTTY);
	if (con < 0 || ioctl(con, TIOCCONS))
		return report(errno);
	return report(0);
}

static int do_tiocvhangup(void)
{
	int s, m = pty_pair(&s);

	if (m < 0)
		return report(errno);
	return report(ioctl(s, TIOCVHANGUP) ? errno : 0);
}

/* Writes ID to FILE (cgroup.procs, cgroup.threads) of the caller's own cgroup (v2). */
static int do_cgroup(const char *file, long id)
{
	char line[PATH_MAX], path[PATH_MAX + 64], buf[32];
	FILE *f = fopen("/proc/self/cgroup", "re");
	int found = 0, fd, n;

	if (!f)
		return report(errno);
	while (!found && fgets(line, sizeof(line), f))
		found = !strncmp(line, "0::", 3);
	fclose(f);
	if (!found)
		return report(ENOENT);
	line[strcspn(line, "\n")] = '\0';
	/* "0::/" is the root cgroup, whose files are /sys/fs/cgroup/FILE. */
	snprintf(path, sizeof(path), "/sys/fs/cgroup%s/%s", strcmp(line + 3, "/") ? line + 3 : "",
		 file);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return report(errno);
	n = snprintf(buf, sizeof(buf), "%ld\n", id);
	if (write(fd, buf, n) != n)
		return report(errno);
	return report(0);
}

static int do_prlimit(pid_t pid, int set)
{
	struct rlimit cur, old;

	if (prlimit(pid, RLIMIT_CPU, NULL, &cur))
		return report(errno);
	if (set && prlimit(pid, RLIMIT_CPU, &cur, &old))
		return report(errno);
	return report(0);
}

static int do_nice(pid_t pid)
{
	int prio;

	/* -1 is a valid nice value: only errno tells a failure. */
	errno = 0;
	prio = getpriority(PRIO_PROCESS, pid);
	if (prio == -1 && errno)
		return report(errno);
	return report(setpriority(PRIO_PROCESS, pid, prio) ? errno : 0);
}

#define AG_IOPRIO_WHO_PROCESS 1

static int do_ioprio(pid_t pid)
{
	long prio = syscall(SYS_ioprio_get, AG_IOPRIO_WHO_PROCESS, pid);

	if (prio < 0)
		return report(errno);
	return report(syscall(SYS_ioprio_set, AG_IOPRIO_WHO_PROCESS, pid, prio) ? errno : 0);
}

static int do_sched(pid_t pid)
{
	struct sched_param sp;
	int policy = sched_getscheduler(pid);

	if (policy < 0 || sched_getparam(pid, &sp))
		return report(errno);
	return report(sched_setscheduler(pid, policy, &sp) ? errno : 0);
}

static int do_affinity(pid_t pid)
{
	cpu_set_t set;

	if (sched_getaffinity(pid, sizeof(set), &set) || sched_setaffinity(pid, sizeof(set), &set))
		return report(errno);
	return report(0);
}

static int do_freeze(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY);

	if (fd < 0 || ioctl(fd, FIFREEZE, 0))
		return report(errno);
	/* A frozen filesystem holds every write to it: thawed before anything else. */
	return report(ioctl(fd, FITHAW, 0) ? errno : 0);
}

/* linux/fs.h has it since 6.x only: _IOR('X', 125, __u32), ext4's and xfs's number. */
#ifndef FS_IOC_SHUTDOWN
#define FS_IOC_SHUTDOWN _IOR('X', 125, __u32)
#endif

static int do_shutdown(const char *dir)
{
	__u32 flags = 2; /* FS_SHUTDOWN_FLAGS_NOLOGFLUSH */
	int fd = open(dir, O_RDONLY | O_DIRECTORY);

	if (fd < 0)
		return report(errno);
	return report(ioctl(fd, FS_IOC_SHUTDOWN, &flags) ? errno : 0);
}

static int do_connect_any6_mapped(const char *port)
{
	struct sockaddr_in6 src = { .sin6_family = AF_INET6 };
	struct sockaddr_in6 dst = { .sin6_family = AF_INET6, .sin6_port = htons(atoi(port)) };
	int off = 0, fd = socket(AF_INET6, SOCK_STREAM, 0);

	if (fd < 0 || inet_pton(AF_INET6, "::ffff:127.0.0.1", &src.sin6_addr) != 1)
		return report(EINVAL);
	/* A v4-mapped source needs a dual-stack socket, whatever net.ipv6.bindv6only says. */
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) ||
	    bind(fd, (struct sockaddr *)&src, sizeof(src)))
		return report(errno);
	return report(connect(fd, (struct sockaddr *)&dst, sizeof(dst)) ? errno : 0);
}

static int do_setown_ex_self(void)
{
	struct f_owner_ex ex = { .type = F_OWNER_TID, .pid = (int)syscall(SYS_gettid) };
	int p[2];

	if (pipe(p))
		return report(errno);
	return report(fcntl(p[0], F_SETOWN_EX, &ex) ? errno : 0);
}

static pid_t target(const char *pid)
{
	return strcmp(pid, "self") ? atoi(pid) : 0;
}

int main(int argc, char **argv)
{
	const char *op = argc > 1 ? argv[1] : "";

	if (!strcmp(op, "tiocsti") && argc == 2)
		return do_tiocsti();
	if (!strcmp(op, "tioccons") && argc == 2)
		return do_tioccons();
	if (!strcmp(op, "tiocvhangup") && argc == 2)
		return do_tiocvhangup();
	if (!strcmp(op, "cgroup-pull") && argc == 3)
		return do_cgroup("cgroup.procs", atol(argv[2]));
	if (!strcmp(op, "cgroup-self") && argc == 2)
		return do_cgroup("cgroup.procs", getpid());
	if (!strcmp(op, "cgroup-thread-self") && argc == 2)
		return do_cgroup("cgroup.threads", syscall(SYS_gettid));
	if (!strcmp(op, "prlimit") && argc == 3)
		return do_prlimit(target(argv[2]), 1);
	if (!strcmp(op, "prlimit-read") && argc == 3)
		return do_prlimit(target(argv[2]), 0);
	if (!strcmp(op, "nice") && argc == 3)
		return do_nice(target(argv[2]));
	if (!strcmp(op, "ioprio") && argc == 3)
		return do_ioprio(target(argv[2]));
	if (!strcmp(op, "sched") && argc == 3)
		return do_sched(target(argv[2]));
	if (!strcmp(op, "affinity") && argc == 3)
		return do_affinity(target(argv[2]));
	if (!strcmp(op, "vhangup") && argc == 2)
		return report(vhangup() ? errno : 0);
	if (!strcmp(op, "freeze") && argc == 3)
		return do_freeze(argv[2]);
	if (!strcmp(op, "shutdown") && argc == 3)
		return do_shutdown(argv[2]);
	if (!strcmp(op, "connect-any6-mapped") && argc == 3)
		return do_connect_any6_mapped(argv[2]);
	if (!strcmp(op, "setown-ex-self") && argc == 2)
		return do_setown_ex_self();
	fprintf(stderr, "usage: see the comment at the top of tests/e2e/attack3.c\n");
	return 2;
}
