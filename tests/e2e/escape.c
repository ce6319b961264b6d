// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * escape: one attempt to get around confinement, the way a hostile agent would
 * try it; prints "ok" (it worked) or the errno name (EPERM, ...), exits 0 on ok.
 * The e2e tests run it confined (expecting EPERM) and unconfined (expecting ok).
 *
 *   escape bpf                      bpf(BPF_MAP_CREATE)
 *   escape ptrace PID               PTRACE_ATTACH (then detach)
 *   escape vm-read PID              process_vm_readv of one byte at PID's stack
 *   escape kill PID SIG             kill(2)
 *   escape clone-into CGROUP_DIR    clone3(CLONE_INTO_CGROUP)
 *   escape clone-newns              clone(CLONE_NEWNS)
 *   escape unshare-user             unshare(CLONE_NEWUSER)
 *   escape raw-socket | packet-socket
 *   escape uring-sqpoll             io_uring_setup(IORING_SETUP_SQPOLL)
 *   escape uring-open PATH          IORING_OP_OPENAT of PATH through a ring (the open's result)
 *   escape uring-connect IP PORT    IORING_OP_CONNECT over TCP through a ring
 *   escape memfd-exec SRC           copy SRC into a memfd, execveat(AT_EMPTY_PATH) it
 *   escape fd-exec PATH [ARG...]    open(O_PATH) PATH, execveat(AT_EMPTY_PATH): judged as PATH
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/bpf.h>
#include <linux/io_uring.h>
#include <linux/sched.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include "outcome.h"

static int sys_ret(long r)
{
	return report(r < 0 ? errno : 0);
}

static int do_bpf(void)
{
	union bpf_attr attr = {
		.map_type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = 4, .max_entries = 1
	};
	long fd = syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof(attr));

	if (fd >= 0)
		close(fd);
	return sys_ret(fd);
}

static int do_ptrace(pid_t pid)
{
	if (ptrace(PTRACE_ATTACH, pid, NULL, NULL) < 0)
		return report(errno);
	waitpid(pid, NULL, __WALL);
	ptrace(PTRACE_DETACH, pid, NULL, NULL);
	return report(0);
}

/* The permission check comes before the copy: EFAULT would mean it passed. */
static int do_vm_read(pid_t pid)
{
	char b;
	struct iovec local = { .iov_base = &b, .iov_len = 1 };
	struct iovec remote = { .iov_base = (void *)&b, .iov_len = 1 };

	if (process_vm_readv(pid, &local, 1, &remote, 1, 0) < 0 && errno != EFAULT)
		return report(errno);
	return report(0);
}

static int wait_child(long pid)
{
	int status;

	if (pid < 0)
		return report(errno);
	if (pid == 0)
		_exit(0);
	waitpid(pid, &status, 0);
	return report(0);
}

static int do_clone_into(const char *dir)
{
	struct clone_args args = { .flags = CLONE_INTO_CGROUP, .exit_signal = SIGCHLD };
	int fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return report(errno);
	args.cgroup = fd;
	return wait_child(syscall(SYS_clone3, &args, sizeof(args)));
}

static int do_clone_newns(void)
{
	return wait_child(syscall(SYS_clone, CLONE_NEWNS | SIGCHLD, 0, 0, 0, 0));
}

static int do_socket(int family, int type, int proto)
{
	int fd = socket(family, type | SOCK_CLOEXEC, proto);

	if (fd >= 0)
		close(fd);
	return sys_ret(fd);
}

static int uring_setup(unsigned int flags, struct io_uring_params *p)
{
	memset(p, 0, sizeof(*p));
	p->flags = flags;
	return (int)syscall(SYS_io_uring_setup, 4, p);
}

static int do_uring_sqpoll(void)
{
	struct io_uring_params p;
	int fd = uring_setup(IORING_SETUP_SQPOLL, &p);

	if (fd >= 0)
		close(fd);
	return sys_ret(fd);
}

/* One SQE through a ring without liburing; returns the CQE's result (-errno or >= 0). */
static int uring_one(const struct io_uring_sqe *in, int *res)
{
	struct io_uring_params p;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqe;
	void *sq, *cq;
	unsigned int *tail, head;
	int fd = uring_setup(0, &p);

	if (fd < 0)
		return -errno;
	sq = mmap(NULL, p.sq_off.array + p.sq_entries * sizeof(unsigned int),
		  PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQ_RING);
	cq = mmap(NULL, p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe),
		  PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_CQ_RING);
	sqes = mmap(NULL, p.sq_entries * sizeof(*sqes), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQES);
	if (sq == MAP_FAILED || cq == MAP_FAILED || sqes == MAP_FAILED)
		return -errno;
	sqes[0] = *in;
	((unsigned int *)((char *)sq + p.sq_off.array))[0] = 0;
	tail = (unsigned int *)((char *)sq + p.sq_off.tail);
	__atomic_store_n(tail, *tail + 1, __ATOMIC_RELEASE);
	if (syscall(SYS_io_uring_enter, fd, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0) < 0)
		return -errno;
	cqe = (struct io_uring_cqe *)((char *)cq + p.cq_off.cqes);
	head = *(unsigned int *)((char *)cq + p.cq_off.head);
	*res = cqe[head & *(unsigned int *)((char *)cq + p.cq_off.ring_mask)].res;
	close(fd);
	return 0;
}

static int do_uring_open(const char *path)
{
	struct io_uring_sqe sqe = { .opcode = IORING_OP_OPENAT,
				    .fd = AT_FDCWD,
				    .addr = (uintptr_t)path,
				    .open_flags = O_RDONLY };
	int err, res;

	err = uring_one(&sqe, &res);
	if (err)
		return report(-err);
	if (res >= 0)
		close(res);
	return report(res < 0 ? -res : 0);
}

static int do_uring_connect(const char *ip, const char *port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(atoi(port)) };
	struct io_uring_sqe sqe = { .opcode = IORING_OP_CONNECT };
	int err, res, fd;

	if (inet_pton(AF_INET, ip, &sin.sin_addr) != 1)
		return report(EINVAL);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return report(errno);
	sqe.fd = fd;
	sqe.addr = (uintptr_t)&sin;
	sqe.off = sizeof(sin);
	err = uring_one(&sqe, &res);
	close(fd);
	if (err)
		return report(-err);
	/* Refused means the connect was allowed and found no listener. */
	return report(res < 0 && res != -ECONNREFUSED ? -res : 0);
}

struct fd_exec {
	int fd;
	char **argv;
};

static void exec_at(void *arg)
{
	const struct fd_exec *x = arg;
	char *envp[] = { NULL };

	syscall(SYS_execveat, x->fd, "", x->argv, envp, AT_EMPTY_PATH);
}

static int exec_fd(int fd, char **argv)
{
	struct fd_exec x = { fd, argv };
	int status;

	return report(exec_outcome(exec_at, &x, &status));
}

static int do_memfd_exec(const char *src)
{
	char buf[65536], *argv[] = { "true", NULL };
	int in = open(src, O_RDONLY | O_CLOEXEC), fd;
	ssize_t n;

	if (in < 0)
		return report(errno);
	fd = memfd_create("agent-payload", MFD_CLOEXEC);
	if (fd < 0)
		return report(errno);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(fd, buf, n) != n)
			return report(errno);
	close(in);
	return exec_fd(fd, argv);
}

static int do_fd_exec(const char *path, char **argv)
{
	int fd = open(path, O_PATH | O_CLOEXEC);

	if (fd < 0)
		return report(errno);
	return exec_fd(fd, argv);
}

int main(int argc, char **argv)
{
	const char *op = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(op, "bpf") && argc == 2)
		return do_bpf();
	if (!strcmp(op, "ptrace") && argc == 3)
		return do_ptrace(atoi(argv[2]));
	if (!strcmp(op, "vm-read") && argc == 3)
		return do_vm_read(atoi(argv[2]));
	if (!strcmp(op, "kill") && argc == 4)
		return sys_ret(kill(atoi(argv[2]), atoi(argv[3])));
	if (!strcmp(op, "clone-into") && argc == 3)
		return do_clone_into(argv[2]);
	if (!strcmp(op, "clone-newns") && argc == 2)
		return do_clone_newns();
	if (!strcmp(op, "unshare-user") && argc == 2)
		return sys_ret(unshare(CLONE_NEWUSER));
	if (!strcmp(op, "raw-socket") && argc == 2)
		return do_socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	if (!strcmp(op, "packet-socket") && argc == 2)
		return do_socket(AF_PACKET, SOCK_RAW, 0);
	if (!strcmp(op, "uring-sqpoll") && argc == 2)
		return do_uring_sqpoll();
	if (!strcmp(op, "uring-open") && argc == 3)
		return do_uring_open(argv[2]);
	if (!strcmp(op, "uring-connect") && argc == 4)
		return do_uring_connect(argv[2], argv[3]);
	if (!strcmp(op, "memfd-exec") && argc == 3)
		return do_memfd_exec(argv[2]);
	if (!strcmp(op, "fd-exec") && argc >= 3)
		return do_fd_exec(argv[2], argv + 2);
	fprintf(stderr,
		"usage: escape bpf | ptrace PID | vm-read PID | kill PID SIG | "
		"clone-into DIR | clone-newns | unshare-user | raw-socket | packet-socket | "
		"uring-sqpoll | uring-open PATH | uring-connect IP PORT | memfd-exec SRC | "
		"fd-exec PATH [ARG...]\n");
	return 2;
}
