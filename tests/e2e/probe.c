// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * probe: performs one action the way an agent would and prints "ok" or the
 * errno name (EPERM, ...); exits 0 on ok, 1 otherwise. Used by the e2e tests
 * to assert the real return value of each syscall.
 *
 *   probe open-read PATH | open-write PATH | open-rw PATH
 *   probe exec PATH ARGV0 [ARG...]     execve with the given argv[0]
 *   probe exec-env NAME=VAL PATH ARGV0 [ARG...]
 *                                      the same with the environment PATH=... and NAME=VAL
 *                                      (VAL "{N}": N bytes 'a')
 *   probe as-user UID PATH ARGV0 [ARG...]
 *                                      drops to UID (and gid UID), then execs PATH
 *   probe enter-child NAME PATH ARGV0 [ARG...]
 *                                      moves itself into a new cgroup NAME below its own,
 *                                      then execs PATH
 *   probe connect IP PORT              TCP connect (ECONNREFUSED: allowed, no listener)
 *   probe connect-udp IP PORT          UDP connect (needs no listener)
 *   probe sendto-udp IP PORT           UDP sendto() with the address, no connect()
 *   probe fastopen IP PORT             TCP Fast Open: sendto(MSG_FASTOPEN), no connect()
 *   probe unix-connect PATH | unix-send PATH
 *                                      AF_UNIX stream connect / datagram sendto ("@x": abstract)
 *   probe unix-serve PATH SECONDS      listens at PATH (stream) and PATH-dgram (datagram)
 *   probe setxattr PATH                sets trusted.agentgate on PATH
 *   probe reopen PATH                  open(O_PATH), then /proc/self/fd/N for reading
 *   probe openat|openat2 DIR NAME      NAME for reading relative to an O_PATH fd of DIR
 *   probe exit N | kill-self SIG       end with status N / by signal SIG
 *   probe argv-race PATH ROUNDS        execve(PATH, {"echo", arg}) where the kernel copies
 *                                      "denied..." and the LSM reads "allowd..." (see
 *                                      below); prints ran-allowed/ran-denied/killed/refused
 *                                      counts, exits 1 if a denied argument ever ran
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include "outcome.h"
#include <linux/openat2.h>
#include <sys/un.h>
#include <sys/wait.h>

static int do_open(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC, 0644);

	if (fd < 0)
		return report(errno);
	close(fd);
	return report(0);
}

/* An O_PATH descriptor (no open check) reopened through /proc/self/fd for reading. */
static int do_reopen(const char *path)
{
	char proc[64];
	int fd = open(path, O_PATH | O_CLOEXEC);

	if (fd < 0)
		return report(errno);
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	return do_open(proc, O_RDONLY);
}

/* NAME opened for reading relative to a directory descriptor, by openat or openat2. */
static int do_openat(const char *dir, const char *name, int two)
{
	struct open_how how = { .flags = O_RDONLY | O_CLOEXEC };
	int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC), fd;

	if (dfd < 0)
		return report(errno);
	fd = two ? (int)syscall(SYS_openat2, dfd, name, &how, sizeof(how)) :
		   openat(dfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return report(errno);
	close(fd);
	return report(0);
}

/* "NAME={N}" becomes NAME= and N bytes 'a' (too long for the probe's own command line). */
static char *long_value(char *spec)
{
	char *eq = strchr(spec, '='), *s;
	size_t name, n;

	if (!eq || eq[1] != '{')
		return spec;
	name = (size_t)(eq - spec) + 1;
	n = strtoul(eq + 2, NULL, 10);
	s = malloc(name + n + 1);
	if (!s)
		return NULL;
	memcpy(s, spec, name);
	memset(s + name, 'a', n);
	s[name + n] = '\0';
	return s;
}

struct exec_req {
	const char *path;
	char **argv;
	char **envp; /* NULL: this process's environment */
};

static void exec_path(void *arg)
{
	const struct exec_req *r = arg;

	if (r->envp)
		execve(r->path, r->argv, r->envp);
	else
		execv(r->path, r->argv);
}

/* Runs PATH with argv in a child; "ok" once the exec succeeded, then the child's status. */
static int do_exec(const char *path, char **argv, char **envp)
{
	struct exec_req r = { path, argv, envp };
	int status, err = exec_outcome(exec_path, &r, &status);

	if (err)
		return report(err);
	report(0);
	fflush(stdout);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

enum net_how { NET_CONNECT, NET_SENDTO, NET_FASTOPEN };

/* TCP or UDP to IP:PORT by connect(), by sendto() with the address, or TCP Fast Open. */
static int do_net(const char *ip, const char *port, int type, enum net_how how)
{
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6, .sin6_port = htons(atoi(port)) };
	struct sockaddr_in s4 = { .sin_family = AF_INET, .sin_port = htons(atoi(port)) };
	struct sockaddr *sa;
	socklen_t len;
	int fd, r;

	if (inet_pton(AF_INET, ip, &s4.sin_addr) == 1) {
		sa = (struct sockaddr *)&s4;
		len = sizeof(s4);
	} else if (inet_pton(AF_INET6, ip, &s6.sin6_addr) == 1) {
		sa = (struct sockaddr *)&s6;
		len = sizeof(s6);
	} else {
		fprintf(stderr, "probe: bad address %s\n", ip);
		return 2;
	}
	fd = socket(sa->sa_family, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return report(errno);
	if (how == NET_CONNECT)
		r = connect(fd, sa, len);
	else
		r = sendto(fd, "x", 1, how == NET_FASTOPEN ? MSG_FASTOPEN : 0, sa, len);
	/* Refused: the kernel let the attempt out and nobody listens there. */
	if (r < 0 && !(how == NET_FASTOPEN && errno == ECONNREFUSED))
		return report(errno);
	close(fd);
	return report(0);
}

/* A unix socket address; "@name" is an abstract name. */
static socklen_t unix_addr(const char *path, struct sockaddr_un *sun)
{
	size_t n = strlen(path);

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (n >= sizeof(sun->sun_path))
		n = sizeof(sun->sun_path) - 1;
	memcpy(sun->sun_path, path, n);
	if (path[0] == '@')
		sun->sun_path[0] = '\0';
	return offsetof(struct sockaddr_un, sun_path) + n + (path[0] != '@');
}

static int do_unix(const char *path, int type)
{
	struct sockaddr_un sun;
	socklen_t len = unix_addr(path, &sun);
	int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0), r;

	if (fd < 0)
		return report(errno);
	if (type == SOCK_STREAM)
		r = connect(fd, (struct sockaddr *)&sun, len);
	else
		r = sendto(fd, "x", 1, 0, (struct sockaddr *)&sun, len);
	if (r < 0)
		return report(errno);
	close(fd);
	return report(0);
}

/* A stream listener at PATH and a datagram socket at PATH-dgram, for SECONDS. */
static int do_unix_serve(const char *path, int seconds)
{
	struct sockaddr_un sun;
	char dpath[256];
	int s = socket(AF_UNIX, SOCK_STREAM, 0), d = socket(AF_UNIX, SOCK_DGRAM, 0);
	socklen_t len;

	snprintf(dpath, sizeof(dpath), "%s-dgram", path);
	len = unix_addr(path, &sun);
	if (s < 0 || d < 0 || bind(s, (struct sockaddr *)&sun, len) || listen(s, 16))
		return report(errno);
	len = unix_addr(dpath, &sun);
	if (bind(d, (struct sockaddr *)&sun, len))
		return report(errno);
	report(0);
	fflush(stdout);
	sleep(seconds);
	return 0;
}

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
	struct uffdio_copy cp = {
		.dst = (unsigned long)dst, .src = (unsigned long)src, .len = page_size
	};

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

/* Creates NAME below its own cgroup, moves into it, then execs PATH. */
static int enter_child(const char *name, const char *path, char **argv)
{
	char line[512], dir[600], procs[700];
	FILE *f = fopen("/proc/self/cgroup", "re");
	int fd;

	if (!f || !fgets(line, sizeof(line), f) || strncmp(line, "0::", 3))
		return report(f ? EINVAL : errno);
	fclose(f);
	line[strcspn(line, "\n")] = '\0';
	snprintf(dir, sizeof(dir), "/sys/fs/cgroup%s/%s", line + 3, name);
	if (mkdir(dir, 0755) && errno != EEXIST)
		return report(errno);
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
	fd = open(procs, O_WRONLY);
	if (fd < 0 || write(fd, "0", 1) != 1)
		return report(errno);
	close(fd);
	execv(path, argv);
	return report(errno);
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";

	if (!strcmp(cmd, "open-read") && argc == 3)
		return do_open(argv[2], O_RDONLY);
	if (!strcmp(cmd, "open-write") && argc == 3)
		return do_open(argv[2], O_WRONLY | O_CREAT);
	if (!strcmp(cmd, "open-rw") && argc == 3)
		return do_open(argv[2], O_RDWR | O_CREAT);
	if (!strcmp(cmd, "exec") && argc >= 4)
		return do_exec(argv[2], argv + 3, NULL);
	if (!strcmp(cmd, "exec-env") && argc >= 5) {
		char *envp[] = { "PATH=/usr/bin:/bin", long_value(argv[2]), NULL };

		return envp[1] ? do_exec(argv[3], argv + 4, envp) : report(ENOMEM);
	}
	if (!strcmp(cmd, "connect") && argc == 4)
		return do_net(argv[2], argv[3], SOCK_STREAM, NET_CONNECT);
	if (!strcmp(cmd, "connect-udp") && argc == 4)
		return do_net(argv[2], argv[3], SOCK_DGRAM, NET_CONNECT);
	if (!strcmp(cmd, "sendto-udp") && argc == 4)
		return do_net(argv[2], argv[3], SOCK_DGRAM, NET_SENDTO);
	if (!strcmp(cmd, "fastopen") && argc == 4)
		return do_net(argv[2], argv[3], SOCK_STREAM, NET_FASTOPEN);
	if (!strcmp(cmd, "unix-connect") && argc == 3)
		return do_unix(argv[2], SOCK_STREAM);
	if (!strcmp(cmd, "unix-send") && argc == 3)
		return do_unix(argv[2], SOCK_DGRAM);
	if (!strcmp(cmd, "reopen") && argc == 3)
		return do_reopen(argv[2]);
	if (!strcmp(cmd, "openat") && argc == 4)
		return do_openat(argv[2], argv[3], 0);
	if (!strcmp(cmd, "openat2") && argc == 4)
		return do_openat(argv[2], argv[3], 1);
	if (!strcmp(cmd, "setxattr") && argc == 3)
		return report(setxattr(argv[2], "trusted.agentgate", "1", 1, 0) ? errno : 0);
	if (!strcmp(cmd, "unix-serve") && argc == 4)
		return do_unix_serve(argv[2], atoi(argv[3]));
	if (!strcmp(cmd, "exit") && argc == 3)
		return atoi(argv[2]);
	if (!strcmp(cmd, "kill-self") && argc == 3) {
		fflush(stdout);
		signal(atoi(argv[2]), SIG_DFL);
		raise(atoi(argv[2]));
		return 2;
	}
	if (!strcmp(cmd, "as-user") && argc >= 5) {
		uid_t uid = (uid_t)atoi(argv[2]);

		if (setgroups(0, NULL) || setresgid(uid, uid, uid) || setresuid(uid, uid, uid))
			return report(errno);
		execv(argv[3], argv + 4);
		return report(errno);
	}
	if (!strcmp(cmd, "enter-child") && argc >= 5)
		return enter_child(argv[2], argv[3], argv + 4);
	if (!strcmp(cmd, "argv-race") && argc == 4)
		return do_argv_race(argv[2], atoi(argv[3]));
	fprintf(stderr, "usage: probe open-read|open-write|open-rw PATH | exec PATH ARGV0 [ARG...] |"
			" exec-env NAME=VAL PATH ARGV0 [ARG...] | as-user UID PATH ARGV0 [ARG...] |"
			" connect|connect-udp|sendto-udp|fastopen IP PORT | unix-connect|unix-send PATH |"
			" unix-serve PATH SECONDS | setxattr PATH | reopen PATH | openat|openat2 DIR NAME |"
			" argv-race PATH ROUNDS\n");
	return 2;
}
