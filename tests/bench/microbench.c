// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Microbenchmarks of the operations agentgate's hooks judge, one line "OP NS_PER_OP" each:
 *   open     open(PATH, O_RDONLY) + close                      file_open
 *   exec     fork + execve(this binary, "nop") + waitpid       bprm_check_security,
 *            (the child is dynamically linked: its loader       bprm_committed_creds and
 *            opens ld.so.cache and libc too)                    the child's file_opens
 *   connect  TCP connect to a loopback listener, accept, close  socket_connect
 *
 * usage: microbench [-o N] [-x N] [-c N] [-f PATH] [-p PORT]   the three, in that order
 *        microbench nop                  exit 0 (what exec runs)
 *        microbench sleep MS             stay alive MS ms (holds a confined cgroup)
 *        microbench spawn CMD [ARG...]   "spawn NS": fork + exec + wait of CMD, its status
 * Each op runs N/10 times untimed first (warm caches, task storage), then N times timed in
 * BATCHES batches; the figure is the median batch's ns/op, so a burst of load on the
 * (shared, emulated) machine spoils one batch, not the run.
 * A failing operation (e.g. denied by a policy) is an error: the figure would be meaningless.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>

#define BATCHES 5

struct ctx {
	const char *path; /* opened by open */
	char self[PATH_MAX]; /* executed by exec */
	int lfd; /* the listener connect reaches */
	struct sockaddr_in sa;
};

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int fail(const char *what, const char *arg)
{
	fprintf(stderr, "microbench: %s %s: %s\n", what, arg, strerror(errno));
	return -1;
}

static int op_open(struct ctx *c, long n)
{
	long i;
	int fd;

	for (i = 0; i < n; i++) {
		fd = open(c->path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return fail("open", c->path);
		close(fd);
	}
	return 0;
}

/* fork + exec (PATH searched) + wait of argv; the child's exit status, -1 when it could not run. */
static int run(char **argv)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return fail("fork", argv[0]);
	if (pid == 0) {
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return fail("waitpid", argv[0]);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int op_exec(struct ctx *c, long n)
{
	char *argv[] = { c->self, "nop", NULL };
	long i;

	for (i = 0; i < n; i++) {
		if (run(argv)) {
			errno = EPERM; /* the child could not run: exec denied or failed */
			return fail("exec", c->self);
		}
	}
	return 0;
}

static int op_connect(struct ctx *c, long n)
{
	/* An RST on close: no TIME_WAIT, so thousands of runs never exhaust local ports. */
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	long i;
	int s, a;

	for (i = 0; i < n; i++) {
		s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (s < 0)
			return fail("socket", "AF_INET");
		if (connect(s, (const struct sockaddr *)&c->sa, sizeof(c->sa))) {
			close(s);
			return fail("connect", "127.0.0.1");
		}
		a = accept(c->lfd, NULL, NULL);
		if (a < 0) {
			close(s);
			return fail("accept", "127.0.0.1");
		}
		setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(s);
		close(a);
	}
	return 0;
}

static int listener(int port, struct sockaddr_in *sa)
{
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((unsigned short)port);
	sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0)
		return fail("socket", "AF_INET");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)sa, sizeof(*sa)) || listen(fd, 16)) {
		close(fd);
		return fail("listen", "127.0.0.1");
	}
	return fd;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Warm-up, then BATCHES timed batches of n / BATCHES; prints "NAME NS" of the median batch. */
static int measure(const char *name, int (*op)(struct ctx *, long), struct ctx *c, long n)
{
	long per = n / BATCHES > 0 ? n / BATCHES : 1;
	double ns[BATCHES], t0;
	int i;

	if (op(c, n / 10 + 1))
		return -1;
	for (i = 0; i < BATCHES; i++) {
		t0 = now_ns();
		if (op(c, per))
			return -1;
		ns[i] = (now_ns() - t0) / (double)per;
	}
	qsort(ns, BATCHES, sizeof(ns[0]), cmp_double);
	printf("%s %.1f\n", name, ns[BATCHES / 2]);
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: microbench [-o N] [-x N] [-c N] [-f PATH] [-p PORT]\n"
			"       microbench nop | sleep MS | spawn CMD [ARG...]\n");
}

int main(int argc, char **argv)
{
	long nopen = 20000, nexec = 20, nconn = 1000;
	struct ctx c = { .path = "/etc/hostname" };
	struct timespec ts;
	int o, port = 40000, err = 0;
	ssize_t len;
	double t0;

	if (argc == 2 && !strcmp(argv[1], "nop"))
		return 0;
	if (argc == 3 && !strcmp(argv[1], "sleep")) {
		ts.tv_sec = atol(argv[2]) / 1000;
		ts.tv_nsec = atol(argv[2]) % 1000 * 1000000;
		nanosleep(&ts, NULL);
		return 0;
	}
	if (argc >= 3 && !strcmp(argv[1], "spawn")) {
		t0 = now_ns();
		o = run(argv + 2);
		printf("spawn %.0f\n", now_ns() - t0);
		return o < 0 ? 1 : o;
	}
	while ((o = getopt(argc, argv, "o:x:c:f:p:")) != -1) {
		switch (o) {
		case 'o':
			nopen = atol(optarg);
			break;
		case 'x':
			nexec = atol(optarg);
			break;
		case 'c':
			nconn = atol(optarg);
			break;
		case 'f':
			c.path = optarg;
			break;
		case 'p':
			port = atoi(optarg);
			break;
		default:
			usage();
			return 2;
		}
	}
	if (optind != argc || nopen < 0 || nexec < 0 || nconn < 0) {
		usage();
		return 2;
	}
	/* The kernel's name for this binary: what a shell_exec rule names. */
	len = readlink("/proc/self/exe", c.self, sizeof(c.self) - 1);
	if (len < 0) {
		fail("readlink", "/proc/self/exe");
		return 1;
	}
	c.self[len] = '\0';
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (nopen)
		err = measure("open", op_open, &c, nopen);
	if (!err && nexec)
		err = measure("exec", op_exec, &c, nexec);
	if (!err && nconn) {
		c.lfd = listener(port, &c.sa);
		if (c.lfd < 0)
			return 1;
		err = measure("connect", op_connect, &c, nconn);
		close(c.lfd);
	}
	return err ? 1 : 0;
}
