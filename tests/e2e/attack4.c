// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * attack4: the holes of the fourth hardening round (a review of 2026-12-06), each
 * tried the way a hostile root agent would; prints "ok" (it worked) or the errno
 * name, exits 0 on ok. The e2e tests (19-hardening4.sh) expect a refusal when
 * confined.
 *
 *   attack4 perf-cpu               perf_event_open of a CPU-wide clock on CPU 0 (every task of
 *                                  the host sampled): perfmon_capable() takes CAP_SYS_ADMIN
 *   attack4 syslog-read            syslog(READ_ALL) of the kernel's log under dmesg_restrict:
 *                                  CAP_SYSLOG, or CAP_SYS_ADMIN in its stead
 *   attack4 swapon FILE            swapon(FILE): CAP_SYS_ADMIN only (FILE is no swap file, so
 *                                  EINVAL is what passing the check looks like)
 *   attack4 sethostname            sethostname() to the name it has
 *   attack4 ifindex NAME           SIOCGIFINDEX of NAME: with CAP_SYS_MODULE the kernel runs
 *                                  modprobe NAME (prints the ioctl's result; the test reads the
 *                                  audit record)
 *   attack4 open-w PATH            open(PATH, O_WRONLY), closed without writing a byte
 *   attack4 shm-create KEY         a 0666 SysV segment KEY holding "agentgate"; prints its id
 *   attack4 shm-read KEY           the segment KEY attached and read ("ok" if it holds the mark)
 *   attack4 shm-host-read KEY [FD] the host's IPC namespace joined (through FD, a descriptor
 *                                  of it inherited; else /proc/1/ns/ipc), then shm-read
 *   attack4 shm-host-rm ID [FD]    the host's IPC namespace joined, segment ID removed
 *   attack4 shm-rm ID              segment ID removed
 *   attack4 shm-own                a private segment made, attached, written, read, removed
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/perf_event.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/swap.h>
#include <sys/syscall.h>
#include "outcome.h"

#define MARK "agentgate"

static int do_perf_cpu(void)
{
	struct perf_event_attr a = {
		.type = PERF_TYPE_SOFTWARE,
		.size = sizeof(a),
		.config = PERF_COUNT_SW_CPU_CLOCK,
		.disabled = 1,
	};
	long fd = syscall(SYS_perf_event_open, &a, -1, 0, -1, 0);

	return report(fd < 0 ? errno : 0);
}

static int do_syslog_read(void)
{
	char buf[4096];

	return report(klogctl(3, buf, sizeof(buf)) < 0 ? errno : 0);
}

static int do_sethostname(void)
{
	char name[256];

	if (gethostname(name, sizeof(name)))
		return report(errno);
	return report(sethostname(name, strlen(name)) ? errno : 0);
}

static int do_ifindex(const char *name)
{
	struct ifreq r = { 0 };
	int s = socket(AF_INET, SOCK_DGRAM, 0);

	if (s < 0)
		return report(errno);
	snprintf(r.ifr_name, sizeof(r.ifr_name), "%s", name);
	return report(ioctl(s, SIOCGIFINDEX, &r) ? errno : 0);
}

static int do_open_w(const char *path)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return report(errno);
	close(fd);
	return report(0);
}

/* The host's IPC namespace joined: through FD when given (inherited), else /proc/1/ns/ipc. */
static int host_ipc(const char *fd_arg)
{
	int fd = fd_arg ? atoi(fd_arg) : open("/proc/1/ns/ipc", O_RDONLY | O_CLOEXEC);

	if (fd < 0 || setns(fd, CLONE_NEWIPC))
		return errno;
	close(fd);
	return 0;
}

static int do_shm_create(const char *key)
{
	int id = shmget((key_t)strtol(key, NULL, 0), 4096, IPC_CREAT | IPC_EXCL | 0666);
	char *p;

	if (id < 0)
		return report(errno);
	p = shmat(id, NULL, 0);
	if (p == (void *)-1)
		return report(errno);
	memcpy(p, MARK, sizeof(MARK));
	shmdt(p);
	printf("%d\n", id);
	return 0;
}

static int do_shm_read(const char *key)
{
	int id = shmget((key_t)strtol(key, NULL, 0), 0, 0);
	char *p;
	int same;

	if (id < 0)
		return report(errno);
	p = shmat(id, NULL, SHM_RDONLY);
	if (p == (void *)-1)
		return report(errno);
	same = !memcmp(p, MARK, sizeof(MARK));
	shmdt(p);
	return report(same ? 0 : EBADMSG);
}

static int do_shm_rm(const char *id)
{
	return report(shmctl(atoi(id), IPC_RMID, NULL) ? errno : 0);
}

static int do_shm_own(void)
{
	int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600), err = 0;
	char *p;

	if (id < 0)
		return report(errno);
	p = shmat(id, NULL, 0);
	if (p == (void *)-1) {
		err = errno;
	} else {
		memcpy(p, MARK, sizeof(MARK));
		err = memcmp(p, MARK, sizeof(MARK)) ? EBADMSG : 0;
		shmdt(p);
	}
	if (shmctl(id, IPC_RMID, NULL) && !err)
		err = errno;
	return report(err);
}

int main(int argc, char **argv)
{
	const char *op = argc > 1 ? argv[1] : "";
	int err;

	if (!strcmp(op, "perf-cpu") && argc == 2)
		return do_perf_cpu();
	if (!strcmp(op, "syslog-read") && argc == 2)
		return do_syslog_read();
	if (!strcmp(op, "swapon") && argc == 3)
		return report(swapon(argv[2], 0) ? errno : 0);
	if (!strcmp(op, "sethostname") && argc == 2)
		return do_sethostname();
	if (!strcmp(op, "ifindex") && argc == 3)
		return do_ifindex(argv[2]);
	if (!strcmp(op, "open-w") && argc == 3)
		return do_open_w(argv[2]);
	if (!strcmp(op, "shm-create") && argc == 3)
		return do_shm_create(argv[2]);
	if (!strcmp(op, "shm-read") && argc == 3)
		return do_shm_read(argv[2]);
	if (!strcmp(op, "shm-rm") && argc == 3)
		return do_shm_rm(argv[2]);
	if (!strcmp(op, "shm-own") && argc == 2)
		return do_shm_own();
	if ((!strcmp(op, "shm-host-read") || !strcmp(op, "shm-host-rm")) &&
	    (argc == 3 || argc == 4)) {
		err = host_ipc(argc == 4 ? argv[3] : NULL);
		if (err)
			return report(err);
		return !strcmp(op, "shm-host-read") ? do_shm_read(argv[2]) : do_shm_rm(argv[2]);
	}
	fprintf(stderr, "usage: see the comment at the top of tests/e2e/attack4.c\n");
	return 2;
}
