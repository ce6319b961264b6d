// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Microbenchmarks of the operations agentgate's hooks judge, one line "OP NS_PER_OP" per batch:
 *   open     open(PATH, O_RDONLY) + close                      file_open
 *   exec     fork + execve(this binary, "nop") + waitpid       bprm_check_security,
 *            (the child is dynamically linked: its loader       bprm_committed_creds and
 *            opens ld.so.cache and libc too)                    the child's file_opens
 *   connect  TCP connect to a loopback listener, accept, close  socket_connect
 *
 * usage: microbench [-k TURNS] [-R [-T]] [-W] [-o N] [-x N] [-c N] [-f PATH] [-p PORT]
 *        microbench nop                  exit 0 (what exec runs)
 *        microbench sleep MS             stay alive MS ms (holds a confined cgroup)
 *        microbench spawn CMD [ARG...]   "spawn NS": fork + exec (PATH searched) + wait of
 *                                        CMD; exits with CMD's status
 *        microbench now                  "now NS": CLOCK_MONOTONIC (one clock for the host
 *                                        and its containers: containers get no time
 *                                        namespace), what a container's first step prints
 * Each op runs N/10 + 1 times untimed first (warm caches, task storage), then TURNS times a
 * batch of N, in the order open, exec, connect.
 *
 * -R (ring): before each batch (and before the warm-up) wait for a byte on fd 3, after it
 * write one to fd 4. Instances whose fd 4 is the next one's fd 3 take turns, one batch
 * each: configurations benchmarked in one ring see the same moments of a machine whose
 * speed drifts (another VM on the host, TCG). A failed operation (e.g. denied by a policy)
 * ends the measuring, not the relaying, so the ring goes on; the exit status says so.
 * With -T, one token a turn instead: the turn's batches of every op run on one token
 * (fewer handovers, for rings whose handover is slow: tests/bench/aglink.c). With -W, every
 * batch is preceded by an untimed tenth, so that code the kernel has just patched is
 * translated again (qemu TCG) before the batch is timed.
 * Fd 5, when open, is /proc/stat: each batch starts once the machine is quiet (see
 * wait_quiet), so work an earlier turn left behind (an audit writer catching up) does not
 * count against this one. Inherited, it needs no rule in the policies being measured.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>

#define RING_IN 3
#define RING_OUT 4
#define RING_TIMEOUT_MS 300000 /* a ring whose token never comes back: some instance died */
#define PROC_STAT 5
#define QUIET_WINDOW_MS 20
#define QUIET_BUSY_MS 2 /* busy time of all CPUs together in a window that still counts as quiet */
#define QUIET_MAX_MS 3000

struct ctx {
	const char *path; /* opened by open */
	char self[PATH_MAX]; /* executed by exec */
	int port; /* where connect's listener is */
	int ring;
	int per_turn; /* -T: one ring token a turn, not a batch */
	int rewarm; /* -W: an untimed tenth before every batch */
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

static int connect_loop(int lfd, const struct sockaddr_in *sa, long n)
{
	/* An RST on close: no TIME_WAIT, so thousands of runs never exhaust local ports. */
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	long i;
	int s, a;

	for (i = 0; i < n; i++) {
		s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (s < 0)
			return fail("socket", "AF_INET");
		if (connect(s, (const struct sockaddr *)sa, sizeof(*sa))) {
			close(s);
			return fail("connect", "127.0.0.1");
		}
		a = accept(lfd, NULL, NULL);
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

/*
 * The listener lives for one batch only, its setup untimed: instances of a ring share the
 * port (one policy allows it) and only the one holding the token listens.
 */
static int op_connect(struct ctx *c, long n, double *ns)
{
	struct sockaddr_in sa;
	int lfd = listener(c->port, &sa), err;
	double t0;

	if (lfd < 0)
		return -1;
	t0 = now_ns();
	err = connect_loop(lfd, &sa, n);
	*ns = now_ns() - t0;
	close(lfd);
	return err;
}

/* One batch of op (0 open, 1 exec, 2 connect), its ns/op printed unless warming up. */
static int batch(struct ctx *c, int op, long n, int print)
{
	static const char *const names[] = { "open", "exec", "connect" };
	double t0 = now_ns(), ns;
	int err;

	if (op == 2) {
		err = op_connect(c, n, &ns);
	} else {
		err = op == 0 ? op_open(c, n) : op_exec(c, n);
		ns = now_ns() - t0;
	}
	if (!err && print)
		printf("%s %.1f\n", names[op], ns / (double)n);
	return err;
}

/* Busy time of all CPUs so far in ms (the "cpu" line of /proc/stat), -1 when unreadable. */
static double busy_ms(void)
{
	unsigned long long v[8] = { 0 };
	char buf[512];
	ssize_t n = pread(PROC_STAT, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* user nice system idle iowait irq softirq steal: all but idle and iowait */
	if (sscanf(buf, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
		   &v[4], &v[5], &v[6], &v[7]) != 8)
		return -1;
	return (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) * 1000.0 /
	       (double)sysconf(_SC_CLK_TCK);
}

/* Until the machine was quiet for a window (at most QUIET_MAX_MS): nothing else is running. */
static void wait_quiet(void)
{
	struct timespec w = { .tv_nsec = QUIET_WINDOW_MS * 1000000L };
	double b0 = busy_ms(), b1;
	int waited;

	for (waited = 0; b0 >= 0 && waited < QUIET_MAX_MS; waited += QUIET_WINDOW_MS) {
		nanosleep(&w, NULL);
		b1 = busy_ms();
		if (b1 - b0 <= QUIET_BUSY_MS)
			return;
		b0 = b1;
	}
}

static int ring_wait(void)
{
	struct pollfd p = { .fd = RING_IN, .events = POLLIN };
	char b;

	if (poll(&p, 1, RING_TIMEOUT_MS) != 1 || read(RING_IN, &b, 1) != 1) {
		fprintf(stderr, "microbench: ring: no token for %d s\n", RING_TIMEOUT_MS / 1000);
		return -1;
	}
	return 0;
}

static int ring_pass(void)
{
	if (write(RING_OUT, "t", 1) != 1)
		return fail("ring", "write");
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: microbench [-k TURNS] [-R [-T]] [-W] [-o N] [-x N] [-c N] [-f PATH] [-p PORT]\n"
		"       microbench nop | now | sleep MS | spawn CMD [ARG...]\n");
}

int main(int argc, char **argv)
{
	struct ctx c = { .path = "/etc/hostname", .port = 40000 };
	long n[3] = { 2000, 4, 200 }, turns = 1, t;
	struct timespec ts;
	int o, op, each_turn, each_batch, err = 0;
	ssize_t len;
	double t0;

	if (argc == 2 && !strcmp(argv[1], "nop"))
		return 0;
	if (argc == 2 && !strcmp(argv[1], "now")) {
		printf("now %.0f\n", now_ns());
		return 0;
	}
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
	while ((o = getopt(argc, argv, "k:RTWo:x:c:f:p:")) != -1) {
		switch (o) {
		case 'T':
			c.per_turn = 1;
			break;
		case 'W':
			c.rewarm = 1;
			break;
		case 'k':
			turns = atol(optarg);
			break;
		case 'R':
			c.ring = 1;
			break;
		case 'o':
			n[0] = atol(optarg);
			break;
		case 'x':
			n[1] = atol(optarg);
			break;
		case 'c':
			n[2] = atol(optarg);
			break;
		case 'f':
			c.path = optarg;
			break;
		case 'p':
			c.port = atoi(optarg);
			break;
		default:
			usage();
			return 2;
		}
	}
	if (optind != argc || turns < 1 || n[0] < 0 || n[1] < 0 || n[2] < 0 ||
	    (c.per_turn && !c.ring)) {
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
	/* The ring's pipes are not for the children exec runs. */
	if (c.ring &&
	    (fcntl(RING_IN, F_SETFD, FD_CLOEXEC) || fcntl(RING_OUT, F_SETFD, FD_CLOEXEC))) {
		fail("ring", "fds 3 and 4");
		return 2;
	}
	fcntl(PROC_STAT, F_SETFD, FD_CLOEXEC); /* absent unless the caller opened it */
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (c.ring && ring_wait())
		return 1;
	for (op = 0; op < 3 && !err; op++)
		if (n[op])
			err = batch(&c, op, n[op] / 10 + 1, 0);
	if (c.ring && ring_pass())
		return 1;
	/* -T implies -R (checked above): a token a turn, or one a batch. */
	each_turn = c.per_turn;
	each_batch = c.ring && !c.per_turn;
	for (t = 0; t < turns; t++) {
		if (each_turn && ring_wait())
			return 1;
		for (op = 0; op < 3; op++) {
			if (!n[op])
				continue;
			if (each_batch && ring_wait())
				return 1;
			if (!err && c.rewarm)
				err = batch(&c, op, n[op] / 10 + 1, 0);
			if (!err) {
				wait_quiet();
				err = batch(&c, op, n[op], 1);
			}
			if (each_batch && ring_pass())
				return 1;
		}
		if (each_turn && ring_pass())
			return 1;
	}
	return err ? 1 : 0;
}
