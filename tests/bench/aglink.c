// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * aglink: takes agentgate's hooks off and puts them back between two batches of a ring
 * (tests/bench/guest-bench.sh), so that an unconfined process with and without agentgate
 * attached takes turns in one ring, instead of in rings a load (35 s under TCG) apart;
 * and those of make bench-floor's do-nothing program and agentgate's between its
 * configurations (tests/bench/guest-floor.sh; floorload pins links the same way).
 *
 *   aglink save PINDIR SAVEDIR   pins under SAVEDIR the program of every link pinned in
 *                                PINDIR as link_NAME: the LSM hooks, the exit tracepoint
 *                                and the root cgroup's socket programs (as cg_TYPE_link_NAME,
 *                                TYPE their attach type); not the iterator, which hooks nothing
 *   aglink on PINDIR SAVEDIR     attaches each saved program again, its new link pinned
 *                                where the old one was (agentgate's adoption finds it)
 *   aglink off PINDIR SAVEDIR    removes those link pins: the links go, the programs and
 *                                their maps stay (SAVEDIR holds them), detached when it
 *                                returns
 *   aglink ring on|off PINDIR SAVEDIR COUNT
 *                                the same on each of COUNT tokens of a ring (read on fd 3,
 *                                passed on fd 4, as microbench -R does), "toggle NS" each
 *
 * Raw bpf(2) calls: a bench tool with no library, like microbench.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#define RING_IN 3
#define RING_OUT 4
#define RING_TIMEOUT_MS 300000
#define CGROUP_ROOT "/sys/fs/cgroup" /* where agentgate attaches its cgroup programs */

static long sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

static int obj_get(const char *path)
{
	union bpf_attr a = { 0 };

	a.pathname = (__u64)(unsigned long)path;
	return (int)sys_bpf(BPF_OBJ_GET, &a);
}

static int obj_pin(int fd, const char *path)
{
	union bpf_attr a = { 0 };

	a.pathname = (__u64)(unsigned long)path;
	a.bpf_fd = (__u32)fd;
	return (int)sys_bpf(BPF_OBJ_PIN, &a);
}

static int fail(const char *what, const char *arg)
{
	fprintf(stderr, "aglink: %s %s: %s\n", what, arg, strerror(errno));
	return -1;
}

/*
 * The program behind the link pinned at path, and the name it is saved under: NAME, or
 * cg_TYPE_NAME for a link of the root cgroup (bpffs names take no dots); -1 (errno 0)
 * for a link it leaves alone.
 */
static int link_prog(const char *path, const char *name, char *saved, size_t size)
{
	struct stat root;
	struct bpf_link_info info;
	union bpf_attr a = { 0 };
	int fd = obj_get(path), pfd;

	if (fd < 0)
		return -1;
	memset(&info, 0, sizeof(info));
	a.info.bpf_fd = (__u32)fd;
	a.info.info_len = sizeof(info);
	a.info.info = (__u64)(unsigned long)&info;
	if (sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a)) {
		close(fd);
		return -1;
	}
	close(fd);
	if (info.type == BPF_LINK_TYPE_CGROUP) {
		/* A cgroup's id is its directory's inode number. */
		if (stat(CGROUP_ROOT, &root) || root.st_ino != info.cgroup.cgroup_id) {
			errno = EXDEV;
			return -1;
		}
		snprintf(saved, size, "cg_%u_%s", info.cgroup.attach_type, name);
	} else if (info.type == BPF_LINK_TYPE_TRACING ||
		   info.type == BPF_LINK_TYPE_RAW_TRACEPOINT) {
		snprintf(saved, size, "%s", name);
	} else {
		errno = 0;
		return -1;
	}
	memset(&a, 0, sizeof(a));
	a.prog_id = info.prog_id;
	pfd = (int)sys_bpf(BPF_PROG_GET_FD_BY_ID, &a);
	return pfd;
}

static int save(const char *pins, const char *saved)
{
	char from[PATH_MAX], to[PATH_MAX], name[NAME_MAX + 32];
	struct dirent *e;
	DIR *d = opendir(pins);
	int fd, n = 0;

	if (!d)
		return fail("opendir", pins);
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, "link_", 5))
			continue;
		snprintf(from, sizeof(from), "%s/%s", pins, e->d_name);
		fd = link_prog(from, e->d_name, name, sizeof(name));
		if (fd < 0) {
			if (!errno)
				continue;
			closedir(d);
			return fail("link", from);
		}
		snprintf(to, sizeof(to), "%s/%s", saved, name);
		if (obj_pin(fd, to)) {
			close(fd);
			closedir(d);
			return fail("pin", to);
		}
		close(fd);
		n++;
	}
	closedir(d);
	if (!n) {
		fprintf(stderr, "aglink: no tracing link pinned in %s\n", pins);
		return -1;
	}
	return 0;
}

/* A new link of the program pinned at prog, to the hook its saved name says. */
static int attach(const char *prog, const char *name, int cg_fd)
{
	union bpf_attr a = { 0 };
	unsigned int type;
	int pfd = obj_get(prog), lfd;

	if (pfd < 0)
		return -1;
	if (sscanf(name, "cg_%u_", &type) == 1) {
		a.link_create.prog_fd = (__u32)pfd;
		a.link_create.target_fd = (__u32)cg_fd;
		a.link_create.attach_type = type;
		lfd = (int)sys_bpf(BPF_LINK_CREATE, &a);
	} else {
		/* No name: the program's own attach target (an LSM hook, a BTF tracepoint). */
		a.raw_tracepoint.prog_fd = (__u32)pfd;
		lfd = (int)sys_bpf(BPF_RAW_TRACEPOINT_OPEN, &a);
	}
	close(pfd);
	return lfd;
}

/* on: each saved program attached, its link pinned in pins; off: those pins removed. */
static int toggle(const char *pins, const char *saved, int on)
{
	char prog[PATH_MAX], link[PATH_MAX];
	const char *name;
	struct dirent *e;
	DIR *d = opendir(saved);
	int lfd, err = 0, cg_fd = open(CGROUP_ROOT, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (!d || cg_fd < 0) {
		err = fail("open", !d ? saved : CGROUP_ROOT);
		if (d)
			closedir(d);
		if (cg_fd >= 0)
			close(cg_fd);
		return err;
	}
	while (!err && (e = readdir(d))) {
		name = strstr(e->d_name, "link_");
		if (!name)
			continue;
		snprintf(prog, sizeof(prog), "%s/%s", saved, e->d_name);
		snprintf(link, sizeof(link), "%s/%s", pins, name);
		if (!on) {
			/*
			 * Held across the unlink, so that the last reference is
			 * this close's, which detaches before it returns. The pin's
			 * would be dropped by a kworker, and the kernel detaches
			 * link after link, each waiting for an RCU-tasks grace
			 * period: the hooks ran for seconds after an unlink.
			 */
			lfd = obj_get(link);
			if (lfd < 0 && errno != ENOENT)
				err = fail("open", link);
			else if (lfd >= 0 && unlink(link) && errno != ENOENT)
				err = fail("unlink", link);
			if (lfd >= 0)
				close(lfd);
			continue;
		}
		if (!access(link, F_OK))
			continue;
		lfd = attach(prog, e->d_name, cg_fd);
		if (lfd < 0)
			err = fail("attach", prog);
		else if (obj_pin(lfd, link))
			err = fail("pin", link);
		if (lfd >= 0)
			close(lfd);
	}
	closedir(d);
	close(cg_fd);
	return err;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int ring(const char *pins, const char *saved, int on, long count)
{
	struct pollfd p = { .fd = RING_IN, .events = POLLIN };
	double t0;
	int err = 0;
	long i;
	char b;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 0; i < count; i++) {
		if (poll(&p, 1, RING_TIMEOUT_MS) != 1 || read(RING_IN, &b, 1) != 1) {
			fprintf(stderr, "aglink: ring: no token for %d s\n",
				RING_TIMEOUT_MS / 1000);
			return 1;
		}
		/* A failed toggle ends the toggling, not the relaying: the ring goes on. */
		t0 = now_ns();
		if (!err && !(err = toggle(pins, saved, on)))
			printf("toggle %.0f\n", now_ns() - t0);
		if (write(RING_OUT, "t", 1) != 1) {
			fail("ring", "write");
			return 1;
		}
	}
	return err ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "save"))
		return save(argv[2], argv[3]) ? 1 : 0;
	if (argc == 4 && (!strcmp(argv[1], "on") || !strcmp(argv[1], "off")))
		return toggle(argv[2], argv[3], !strcmp(argv[1], "on")) ? 1 : 0;
	if (argc == 6 && !strcmp(argv[1], "ring") &&
	    (!strcmp(argv[2], "on") || !strcmp(argv[2], "off")) && atol(argv[5]) > 0)
		return ring(argv[3], argv[4], !strcmp(argv[2], "on"), atol(argv[5]));
	fprintf(stderr, "usage: aglink save|on|off PINDIR SAVEDIR\n"
			"       aglink ring on|off PINDIR SAVEDIR COUNT\n");
	return 2;
}
