// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * attack: the holes a security review found (issue "hardening, second round"),
 * each tried the way a hostile agent would; prints "ok" (it worked) or the
 * errno name, exits 0 on ok. The e2e tests expect EPERM when confined.
 *
 *   attack bpf-fds                  an inherited fd of a BPF map, program or link (ok: one found)
 *   attack udp-unspec IP PORT       sendto() an AF_INET UDP socket, destination family AF_UNSPEC
 *   attack src-route IP             setsockopt(IP_OPTIONS) with a loose source route via IP
 *   attack src-route6               setsockopt(IPV6_RTHDR) with a segment routing header (type 4)
 *   attack src-route-cmsg IP PORT   sendmsg() with an IP_RETOPTS cmsg carrying a source route
 *   attack net-admin                SIOCSIFMTU on lo with its own MTU (needs CAP_NET_ADMIN)
 *   attack set-time                 clock_settime(CLOCK_REALTIME) to now (needs CAP_SYS_TIME)
 *   attack sigio PID                F_SETOWN PID, F_SETSIG SIGKILL, O_ASYNC on a pipe, write
 *                                   (ok: PID was killed; EPERM: it lives, the signal refused)
 *   attack sigio-fifo FIFO PID      the same on a FIFO's read end, then waits 2 s for a writer
 *                                   outside to raise the signal (ok: PID was killed)
 *   attack owner HOW WHO            sets a file's SIGIO owner to WHO (a number or "self"): HOW
 *                                   fcntl (F_SETOWN), ex-tid, ex-pid, ex-pgrp (F_SETOWN_EX),
 *                                   fiosetown, siocspgrp (ioctls of a socket)
 *   attack connect-any PORT         TCP connect to 0.0.0.0:PORT (loopback, by another name)
 *   attack connect-any6 PORT        TCP connect to [::]:PORT
 *   attack read FILE                open(O_RDONLY) and read a byte
 *   attack deep make|read DIR NAME N FILE  N directories NAME below DIR (make: created, with
 *                                   FILE at the bottom), then FILE read from there: a path
 *                                   longer than the kernel's 4096-byte d_path buffer
 *   attack open-tree DIR FILE       open_tree(DIR, OPEN_TREE_CLONE), a detached copy of the
 *                                   tree, then openat(it, FILE) and read a byte
 *   attack open-tree-unlink DIR FILE  the same, then unlinkat(it, FILE)
 *   attack acl FILE                 setxattr(system.posix_acl_access) with a minimal ACL
 *   attack listen IP PORT           a TCP socket bound to IP:PORT, listen()
 *   attack udp-bind IP PORT         a UDP socket bound to IP:PORT (it receives from anyone)
 *   attack fork-read FILE           the same in a forked child, which never execs
 *   attack rename OLD NEW           rename(): a directory takes what is beneath it along
 *   attack exchange A B             renameat2(RENAME_EXCHANGE): each takes the other's name
 *   attack link OLD NEW             link(): the file under a second name
 *   attack read-exec FILE PROG ARG...  read FILE (denied, say), then become PROG at once: the
 *                                   record of the read must not name PROG as the actor
 *   attack chattr FILE              FS_IOC_SETFLAGS with the flags it has (no change, but a write)
 *   attack socket KIND              socket() of KIND: vsock, tipc, sctp (inet, IPPROTO_SCTP),
 *                                   sctp-seq (inet SOCK_SEQPACKET: SCTP), unix-seq, l2tp
 *                                   (L2TP over IP), dccp, udplite, ping, ping6, mptcp
 *   attack mknod PATH               a block device node (7:0, loop0) at PATH: the disk under a
 *                                   writable name
 *   attack pktoptions6              setsockopt(IPV6_2292PKTOPTIONS) carrying a routing header
 *   attack reopen-deleted FILE      FILE held by an O_PATH descriptor, unlinked, then reopened
 *                                   through /proc/self/fd and a byte read
 *   attack memfd-interp SCRIPT      a copy of this program in a memfd (fd 3), then SCRIPT
 *                                   written as "#!/proc/self/fd/3" and executed (ok: the
 *                                   memfd ran as its interpreter)
 *   attack /PATH                    (as a script's interpreter: argv[1] is the script) ok
 *   attack mount-setattr PATH       mount_setattr(PATH, MOUNT_ATTR_NOSUID): a mount changed
 *                                   with no mount hook passed
 *   attack fspick PATH              fspick(PATH): the filesystem mounted there, to reconfigure
 *   attack watch KIND PATH          a watch on PATH, which opens nothing: KIND inotify,
 *                                   fan-inode, fan-mount, fan-fs (fanotify marks of the file,
 *                                   its whole mount, its filesystem), fan-perm (FAN_OPEN_PERM
 *                                   on the file: other tasks' opens wait for this one's answer)
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <linux/fs.h>
#include <sys/fanotify.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include "outcome.h"

static int do_bpf_fds(void)
{
	char path[64], target[256];
	ssize_t n;
	int fd;

	for (fd = 0; fd < 1024; fd++) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		n = readlink(path, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		if (strstr(target, "bpf")) {
			fprintf(stderr, "attack: fd %d is %s\n", fd, target);
			return report(0);
		}
	}
	return report(ENOENT);
}

static int do_udp_unspec(const char *ip, const char *port)
{
	struct sockaddr_in sin = { .sin_family = AF_UNSPEC, .sin_port = htons(atoi(port)) };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0 || inet_pton(AF_INET, ip, &sin.sin_addr) != 1)
		return report(EINVAL);
	if (sendto(fd, "x", 1, 0, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		return report(errno);
	return report(0);
}

/* A loose source route (RFC 791 LSRR) with one hop: type, length, pointer, address. */
static int lsrr(const char *hop, unsigned char opt[8])
{
	struct in_addr a;

	if (inet_pton(AF_INET, hop, &a) != 1)
		return -1;
	opt[0] = IPOPT_NOP;
	opt[1] = IPOPT_LSRR;
	opt[2] = 7;
	opt[3] = 4;
	memcpy(opt + 4, &a, 4);
	return 0;
}

static int do_src_route(const char *hop)
{
	unsigned char opt[8];
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0 || lsrr(hop, opt))
		return report(EINVAL);
	if (setsockopt(fd, IPPROTO_IP, IP_OPTIONS, opt, sizeof(opt)) < 0)
		return report(errno);
	return report(0);
}

static int do_src_route6(void)
{
	/* Segment routing header (RFC 8754), one segment (::1): next header, length in 8-byte
	 * units past the first 8, type 4, segments left, last entry; type 0 is refused anyway. */
	unsigned char rh[24] = { 0, 2, 4, 0, 0 };
	int fd = socket(AF_INET6, SOCK_DGRAM, 0);

	if (fd < 0)
		return report(errno);
	rh[23] = 1;
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_RTHDR, rh, sizeof(rh)) < 0)
		return report(errno);
	return report(0);
}

static int do_src_route_cmsg(const char *ip, const char *port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(atoi(port)) };
	char buf[CMSG_SPACE(8)] = { 0 };
	struct iovec iov = { .iov_base = "x", .iov_len = 1 };
	struct msghdr m = { .msg_name = &sin,
			    .msg_namelen = sizeof(sin),
			    .msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = buf,
			    .msg_controllen = sizeof(buf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0 || inet_pton(AF_INET, ip, &sin.sin_addr) != 1)
		return report(EINVAL);
	c->cmsg_level = IPPROTO_IP;
	c->cmsg_type = IP_RETOPTS;
	c->cmsg_len = CMSG_LEN(8);
	if (lsrr(ip, CMSG_DATA(c)))
		return report(EINVAL);
	if (sendmsg(fd, &m, 0) < 0)
		return report(errno);
	return report(0);
}

static int do_net_admin(void)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0)
		return report(errno);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(fd, SIOCGIFMTU, &ifr) < 0)
		return report(errno);
	if (ioctl(fd, SIOCSIFMTU, &ifr) < 0)
		return report(errno);
	return report(0);
}

static int do_set_time(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (clock_settime(CLOCK_REALTIME, &ts) < 0)
		return report(errno);
	return report(0);
}

/* Running, not a zombie (kill(pid, 0) would be refused to a confined caller anyway). */
static int alive(const char *pid)
{
	char path[64], buf[256], *rp;
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "/proc/%s/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	ok = fgets(buf, sizeof(buf), f) != NULL;
	fclose(f);
	rp = ok ? strrchr(buf, ')') : NULL;
	return rp && rp[1] == ' ' && rp[2] != 'Z' && rp[2] != 'X';
}

/* Whether pid is alive still 2 s on: a SIGKILL delivered ends it well before. */
static int survives(const char *pid)
{
	int i;

	for (i = 0; i < 200; i++) {
		if (!alive(pid))
			return 0;
		usleep(10000);
	}
	return 1;
}

static int do_sigio(const char *pid)
{
	int p[2];

	if (pipe(p))
		return report(errno);
	if (fcntl(p[0], F_SETOWN, atoi(pid)) < 0 || fcntl(p[0], F_SETSIG, SIGKILL) < 0 ||
	    fcntl(p[0], F_SETFL, O_ASYNC | O_NONBLOCK) < 0)
		return report(errno);
	if (write(p[1], "x", 1) < 0)
		return report(errno);
	/* The write succeeds either way: whether PID survives says if the signal was refused. */
	return report(survives(pid) ? EPERM : 0);
}

static int do_sigio_fifo(const char *fifo, const char *pid)
{
	int fd = open(fifo, O_RDONLY | O_NONBLOCK);

	if (fd < 0)
		return report(errno);
	if (fcntl(fd, F_SETOWN, atoi(pid)) < 0 || fcntl(fd, F_SETSIG, SIGKILL) < 0 ||
	    fcntl(fd, F_SETFL, O_ASYNC | O_NONBLOCK) < 0)
		return report(errno);
	/* The writer is a task outside: its write raises the signal, not this task's. */
	sleep(2);
	return report(survives(pid) ? EPERM : 0);
}

static int do_owner(const char *how, const char *who)
{
	int self = !strcmp(who, "self"), n = atoi(who), fd, r;
	struct f_owner_ex ex = { 0 };

	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0)
		return report(errno);
	if (!strcmp(how, "fcntl")) {
		r = fcntl(fd, F_SETOWN, self ? getpid() : n);
	} else if (!strncmp(how, "ex-", 3)) {
		ex.type = !strcmp(how, "ex-tid") ? F_OWNER_TID :
			  !strcmp(how, "ex-pid") ? F_OWNER_PID :
						   F_OWNER_PGRP;
		ex.pid = self ? (ex.type == F_OWNER_TID ? (int)syscall(SYS_gettid) :
				 ex.type == F_OWNER_PID ? getpid() :
							  getpgrp()) :
				n;
		r = fcntl(fd, F_SETOWN_EX, &ex);
	} else {
		n = self ? getpid() : n;
		r = ioctl(fd, !strcmp(how, "fiosetown") ? FIOSETOWN : SIOCSPGRP, &n);
	}
	return report(r < 0 ? errno : 0);
}

static int do_connect_any(int family, const char *port)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *s4 = (void *)&ss;
	struct sockaddr_in6 *s6 = (void *)&ss;
	int fd = socket(family, SOCK_STREAM, 0);

	if (fd < 0)
		return report(errno);
	if (family == AF_INET) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(atoi(port));
	} else {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(atoi(port));
	}
	if (connect(fd, (struct sockaddr *)&ss, family == AF_INET ? sizeof(*s4) : sizeof(*s6)) < 0)
		return report(errno);
	return report(0);
}

static int do_read(const char *path)
{
	char b;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return report(errno);
	if (read(fd, &b, 1) < 0)
		return report(errno);
	return report(0);
}

static int do_deep(const char *how, const char *dir, const char *name, int n, const char *file)
{
	int make = !strcmp(how, "make"), fd;

	if (chdir(dir))
		return report(errno);
	while (n-- > 0)
		if ((make && mkdir(name, 0755) && errno != EEXIST) || chdir(name))
			return report(errno);
	if (make) {
		fd = open(file, O_WRONLY | O_CREAT, 0644);
		if (fd < 0 || write(fd, "x", 1) != 1)
			return report(errno);
		close(fd);
	}
	return do_read(file);
}

#ifndef SYS_open_tree
#define SYS_open_tree 428
#endif
#define AG_OPEN_TREE_CLONE 1

/* A file reached through a detached clone of DIR, where its path is "/FILE". */
static int do_open_tree(const char *dir, const char *file, int unlink)
{
	char b;
	int t, fd;

	t = (int)syscall(SYS_open_tree, AT_FDCWD, dir, AG_OPEN_TREE_CLONE | O_CLOEXEC);
	if (t < 0)
		return report(errno);
	if (unlink)
		return report(unlinkat(t, file, 0) ? errno : 0);
	fd = openat(t, file, O_RDONLY);
	if (fd < 0)
		return report(errno);
	if (read(fd, &b, 1) < 0)
		return report(errno);
	return report(0);
}

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

static int do_move(const char *op, const char *a, const char *b)
{
	int r;

	if (!strcmp(op, "rename"))
		r = rename(a, b);
	else if (!strcmp(op, "exchange"))
		r = (int)syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE);
	else
		r = link(a, b);
	return report(r ? errno : 0);
}

static int do_read_exec(const char *path, char **argv)
{
	int fd = open(path, O_RDONLY);

	if (fd >= 0)
		close(fd);
	execv(argv[0], argv);
	return report(errno);
}

static int do_chattr(const char *path)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK), flags;

	if (fd < 0)
		return report(errno);
	if (ioctl(fd, FS_IOC_GETFLAGS, &flags) < 0 || ioctl(fd, FS_IOC_SETFLAGS, &flags) < 0)
		return report(errno);
	return report(0);
}

static int do_socket(const char *kind)
{
	static const struct {
		const char *kind;
		int family, type, proto;
	} k[] = {
		{ "vsock", 40 /* AF_VSOCK */, SOCK_STREAM, 0 },
		{ "tipc", 30 /* AF_TIPC */, SOCK_RDM, 0 },
		{ "sctp", AF_INET, SOCK_STREAM, IPPROTO_SCTP },
		{ "sctp-seq", AF_INET, SOCK_SEQPACKET, 0 },
		{ "unix-seq", AF_UNIX, SOCK_SEQPACKET, 0 },
		{ "l2tp", AF_INET, SOCK_DGRAM, 115 /* IPPROTO_L2TP: no port, binds as a client */ },
		{ "dccp", AF_INET, 6 /* SOCK_DCCP */, 33 /* IPPROTO_DCCP */ },
		{ "udplite", AF_INET, SOCK_DGRAM, 136 /* IPPROTO_UDPLITE */ },
		{ "ping", AF_INET, SOCK_DGRAM, IPPROTO_ICMP },
		{ "ping6", AF_INET6, SOCK_DGRAM, 58 /* IPPROTO_ICMPV6 */ },
		{ "mptcp", AF_INET, SOCK_STREAM, 262 /* IPPROTO_MPTCP */ },
	};
	size_t i;

	for (i = 0; i < sizeof(k) / sizeof(k[0]); i++)
		if (!strcmp(kind, k[i].kind))
			return report(socket(k[i].family, k[i].type, k[i].proto) < 0 ? errno : 0);
	return report(EINVAL);
}

/* The ACL its mode already says (owner, group, other: rw-, r--, r--), version 2. */
static int do_acl(const char *path)
{
	static const unsigned char acl[] = {
		2,    0, 0, 0, /* POSIX_ACL_XATTR_VERSION */
		0x01, 0, 6, 0, 0xff, 0xff, 0xff, 0xff, /* ACL_USER_OBJ rw- */
		0x04, 0, 4, 0, 0xff, 0xff, 0xff, 0xff, /* ACL_GROUP_OBJ r-- */
		0x20, 0, 4, 0, 0xff, 0xff, 0xff, 0xff, /* ACL_OTHER r-- */
	};

	return report(setxattr(path, "system.posix_acl_access", acl, sizeof(acl), 0) ? errno : 0);
}

/* A server: TCP listen() or a UDP bind() on IP:PORT. */
static int do_serve(const char *ip, const char *port, int type)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *s4 = (void *)&ss;
	struct sockaddr_in6 *s6 = (void *)&ss;
	socklen_t len;
	int one = 1, fd;

	if (inet_pton(AF_INET, ip, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(atoi(port));
		len = sizeof(*s4);
	} else if (inet_pton(AF_INET6, ip, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(atoi(port));
		len = sizeof(*s6);
	} else {
		return report(EINVAL);
	}
	fd = socket(ss.ss_family, type, 0);
	if (fd < 0)
		return report(errno);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len))
		return report(errno);
	if (type == SOCK_STREAM && listen(fd, 1))
		return report(errno);
	return report(0);
}

static int do_fork_read(const char *path)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return report(errno);
	if (pid == 0) {
		status = do_read(path);
		fflush(stdout);
		_exit(status);
	}
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

static int do_mknod(const char *path)
{
	return report(mknod(path, S_IFBLK | 0600, makedev(7, 0)) ? errno : 0);
}

static int do_pktoptions6(void)
{
	/* One cmsg, a type 2 routing header (Mobile IPv6's) to ::1: the kernel keeps it sticky. */
	unsigned char buf[CMSG_SPACE(24)] = { 0 };
	struct cmsghdr *c = (struct cmsghdr *)buf;
	unsigned char *rh = CMSG_DATA(c);
	int fd = socket(AF_INET6, SOCK_DGRAM, 0);

	if (fd < 0)
		return report(errno);
	c->cmsg_len = CMSG_LEN(24);
	c->cmsg_level = IPPROTO_IPV6;
	c->cmsg_type = IPV6_RTHDR;
	rh[1] = 2;
	rh[2] = 2;
	rh[3] = 1;
	rh[23] = 1;
	return report(
		setsockopt(fd, IPPROTO_IPV6, 6 /* IPV6_2292PKTOPTIONS */, buf, CMSG_SPACE(24)) ?
			errno :
			0);
}

static int do_reopen_deleted(const char *path)
{
	char proc[64], b;
	int pfd = open(path, O_PATH), fd;

	if (pfd < 0 || unlink(path))
		return report(errno);
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pfd);
	fd = open(proc, O_RDONLY);
	if (fd < 0)
		return report(errno);
	return report(read(fd, &b, 1) < 0 ? errno : 0);
}

static int do_memfd_interp(const char *script)
{
	char buf[65536];
	int self = open("/proc/self/exe", O_RDONLY), mfd = memfd_create("interp", 0), sfd;
	char *const argv[] = { (char *)script, NULL };
	ssize_t n;

	if (self < 0 || mfd < 0)
		return report(errno);
	while ((n = read(self, buf, sizeof(buf))) > 0)
		if (write(mfd, buf, n) != n)
			return report(errno);
	/* After the copy: self may have been given fd 3. */
	if (dup2(mfd, 3) < 0)
		return report(errno);
	sfd = open(script, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	if (sfd < 0 || write(sfd, "#!/proc/self/fd/3\n", 18) != 18 || close(sfd))
		return report(errno);
	execv(script, argv);
	return report(errno);
}

static int do_mount_setattr(const char *path)
{
	struct {
		__u64 attr_set, attr_clr, propagation, userns_fd;
	} attr = { .attr_set = 0x2 /* MOUNT_ATTR_NOSUID */ };

	return report(syscall(SYS_mount_setattr, AT_FDCWD, path, 0, &attr, sizeof(attr)) ? errno :
											   0);
}

static int do_fspick(const char *path)
{
	return report(syscall(SYS_fspick, AT_FDCWD, path, 0) < 0 ? errno : 0);
}

static int do_watch(const char *kind, const char *path)
{
	unsigned int mark = FAN_MARK_ADD, cls = FAN_CLASS_NOTIF;
	unsigned long long mask = FAN_OPEN | FAN_CLOSE_WRITE;
	int fd;

	if (!strcmp(kind, "inotify")) {
		fd = inotify_init1(IN_CLOEXEC);
		if (fd < 0)
			return report(errno);
		return report(inotify_add_watch(fd, path, IN_ALL_EVENTS) < 0 ? errno : 0);
	}
	if (!strcmp(kind, "fan-mount")) {
		mark |= FAN_MARK_MOUNT;
	} else if (!strcmp(kind, "fan-fs")) {
		mark |= FAN_MARK_FILESYSTEM;
	} else if (!strcmp(kind, "fan-perm")) {
		cls = FAN_CLASS_CONTENT;
		mask = FAN_OPEN_PERM;
	} else if (strcmp(kind, "fan-inode")) {
		fprintf(stderr, "attack watch: unknown kind %s\n", kind);
		return 2;
	}
	fd = fanotify_init(cls | FAN_CLOEXEC, O_RDONLY);
	if (fd < 0)
		return report(errno);
	return report(fanotify_mark(fd, mark, mask, AT_FDCWD, path) ? errno : 0);
}

int main(int argc, char **argv)
{
	const char *op = argc > 1 ? argv[1] : "";

	if (!strcmp(op, "bpf-fds") && argc == 2)
		return do_bpf_fds();
	if (!strcmp(op, "udp-unspec") && argc == 4)
		return do_udp_unspec(argv[2], argv[3]);
	if (!strcmp(op, "src-route") && argc == 3)
		return do_src_route(argv[2]);
	if (!strcmp(op, "src-route6") && argc == 2)
		return do_src_route6();
	if (!strcmp(op, "src-route-cmsg") && argc == 4)
		return do_src_route_cmsg(argv[2], argv[3]);
	if (!strcmp(op, "net-admin") && argc == 2)
		return do_net_admin();
	if (!strcmp(op, "set-time") && argc == 2)
		return do_set_time();
	if (!strcmp(op, "sigio") && argc == 3)
		return do_sigio(argv[2]);
	if (!strcmp(op, "sigio-fifo") && argc == 4)
		return do_sigio_fifo(argv[2], argv[3]);
	if (!strcmp(op, "owner") && argc == 4)
		return do_owner(argv[2], argv[3]);
	if (!strcmp(op, "connect-any") && argc == 3)
		return do_connect_any(AF_INET, argv[2]);
	if (!strcmp(op, "connect-any6") && argc == 3)
		return do_connect_any(AF_INET6, argv[2]);
	if (!strcmp(op, "deep") && argc == 7)
		return do_deep(argv[2], argv[3], argv[4], atoi(argv[5]), argv[6]);
	if (!strcmp(op, "read") && argc == 3)
		return do_read(argv[2]);
	if (!strcmp(op, "open-tree") && argc == 4)
		return do_open_tree(argv[2], argv[3], 0);
	if (!strcmp(op, "open-tree-unlink") && argc == 4)
		return do_open_tree(argv[2], argv[3], 1);
	if (!strcmp(op, "listen") && argc == 4)
		return do_serve(argv[2], argv[3], SOCK_STREAM);
	if (!strcmp(op, "udp-bind") && argc == 4)
		return do_serve(argv[2], argv[3], SOCK_DGRAM);
	if (!strcmp(op, "acl") && argc == 3)
		return do_acl(argv[2]);
	if (!strcmp(op, "fork-read") && argc == 3)
		return do_fork_read(argv[2]);
	if (!strcmp(op, "read-exec") && argc >= 4)
		return do_read_exec(argv[2], argv + 3);
	if (!strcmp(op, "chattr") && argc == 3)
		return do_chattr(argv[2]);
	if (!strcmp(op, "socket") && argc == 3)
		return do_socket(argv[2]);
	if (!strcmp(op, "mknod") && argc == 3)
		return do_mknod(argv[2]);
	if (!strcmp(op, "pktoptions6") && argc == 2)
		return do_pktoptions6();
	if (!strcmp(op, "reopen-deleted") && argc == 3)
		return do_reopen_deleted(argv[2]);
	if (!strcmp(op, "memfd-interp") && argc == 3)
		return do_memfd_interp(argv[2]);
	if (op[0] == '/' && argc == 2)
		return report(0); /* the memfd copy, run as op's interpreter */
	if (!strcmp(op, "mount-setattr") && argc == 3)
		return do_mount_setattr(argv[2]);
	if (!strcmp(op, "fspick") && argc == 3)
		return do_fspick(argv[2]);
	if (!strcmp(op, "watch") && argc == 4)
		return do_watch(argv[2], argv[3]);
	if ((!strcmp(op, "rename") || !strcmp(op, "exchange") || !strcmp(op, "link")) && argc == 4)
		return do_move(op, argv[2], argv[3]);
	fprintf(stderr, "usage: see the comment at the top of tests/e2e/attack.c\n");
	return 2;
}
