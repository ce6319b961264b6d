// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * `agentgate daemon [--config FILE] [--verbose] [--foreground]`: keeps the
 * pinned BPF-LSM state (loading it if needed), installs the configured
 * policies, drains the kernel's decisions into the audit log, serves the
 * control socket, reloads on SIGHUP. Exiting (SIGTERM, SIGINT, or kill -9)
 * leaves programs and policies in force: enforcement outlives the daemon.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "ask/ask.h"
#include "audit/audit.h"
#include "cli/cli.h"
#include "control.h"
#include "daemon.h"
#include "loader/loader.h"
#include "maps.h"
#include "metrics/metrics_http.h"
#include "util/clock.h"
#include "util/file.h"
#include "util/sock.h"

#define DROPS_EVERY_MS 1000

static int verbose;

void daemon_log(const char *fmt, ...)
{
	va_list ap;

	flockfile(stderr); /* one line at a time: the forwarding thread logs too */
	fprintf(stderr, "agentgate: daemon: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	funlockfile(stderr);
}

#define info(...)                                \
	do {                                     \
		if (verbose)                     \
			daemon_log(__VA_ARGS__); \
	} while (0)

static void usage(FILE *f)
{
	fprintf(f, "usage: agentgate daemon [--config FILE] [--verbose] [--foreground]\n"
		   "       agentgate daemon [--config FILE] --check\n");
}

/* One daemon at a time: the shared event stream has one reader. Returns the lock fd. */
static int single_instance(const char *state_file)
{
	char path[4096], pid[32];
	int fd, n, err;

	snprintf(path, sizeof(path), "%s.lock", state_file);
	err = mkdir_parent(path, 0755, 0755);
	if (err)
		return err;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		n = (int)read(fd, pid, sizeof(pid) - 1);
		pid[n > 0 ? n : 0] = '\0';
		daemon_log("another daemon is running (pid %s, lock %s)",
			   n > 0 ? strtok(pid, "\n") : "?", path);
		close(fd);
		return -EBUSY;
	}
	n = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if (ftruncate(fd, 0) || pwrite(fd, pid, (size_t)n, 0) != n) {
		close(fd);
		return -errno;
	}
	return fd;
}

/*
 * Without --foreground: the parent returns once the child is ready (or with
 * its failure status), so startup errors still reach the caller's terminal.
 * Returns the fd to signal readiness on, -1 in the foreground, or exits.
 */
static int detach(void)
{
	int pfd[2], status;
	char c;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC)) {
		daemon_log("pipe: %s", strerror(errno));
		exit(1);
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		daemon_log("fork: %s", strerror(errno));
		exit(1);
	}
	if (pid > 0) {
		close(pfd[1]);
		if (read(pfd[0], &c, 1) == 1)
			exit(0);
		if (waitpid(pid, &status, 0) == pid && WIFEXITED(status))
			exit(WEXITSTATUS(status) ? WEXITSTATUS(status) : 1);
		exit(1);
	}
	close(pfd[0]);
	setsid();
	if (!freopen("/dev/null", "r", stdin))
		daemon_log("/dev/null: %s", strerror(errno));
	return pfd[1];
}

/*
 * The parent of a detached daemon, or systemd (Type=notify): the unit is ordered
 * before the container engines, which then start only once containers can be bound.
 */
static void ready(int fd)
{
	int err = sock_notify("READY=1");

	if (err)
		daemon_log("telling the service manager we are ready: %s", strerror(-err));
	if (fd < 0)
		return;
	if (write(fd, "r", 1) != 1)
		daemon_log("telling the parent we are ready: %s", strerror(errno));
	close(fd);
}

static int open_audit(struct daemon *d)
{
	const struct daemon_audit_config *a = &d->cfg->audit;
	struct audit_config ac = {
		.path = a->log,
		.key_dir = a->key_dir,
		.host = a->host,
		.max_bytes = a->rotate_bytes,
		.fsync_ms = a->fsync_each ? 0 : (a->batch_ms ? a->batch_ms : 50),
		.seal_every = a->seal_every,
		.seal_ms = a->seal_ms,
		.forward_secure = a->forward_secure,
		.backlog_bytes = a->backlog_bytes,
	};
	int err = mkdir_parent(a->log, 0750, 0750);

	if (err) {
		daemon_log("%s: %s", a->log, strerror(-err));
		return err;
	}
	d->log.audit = audit_writer_open(&ac, &err);
	if (!d->log.audit) {
		daemon_log("audit log %s: %s", a->log, audit_open_strerror(err));
		return err ? err : -EIO;
	}
	d->stream = audit_stream_open(d->cfg->stream_socket, 0, &err);
	if (!d->stream) {
		daemon_log("live stream socket %s: %s", d->cfg->stream_socket, sock_strerror(err));
		return err ? err : -EIO;
	}
	audit_writer_set_stream(d->log.audit, d->stream);
	return daemon_forward_start(d);
}

/*
 * A directory that is not there, or others may write (sticky or world-writable,
 * like /tmp): never marked whole, it would take every entry of it from the agents.
 */
static bool dir_shared(const char *dir)
{
	struct stat sb;

	return stat(dir, &sb) || (sb.st_mode & (S_ISVTX | S_IWOTH));
}

/* The directory of path, unless it is a shared one. */
static int protect_dir_of(struct daemon *d, const char *path)
{
	char dir[PATH_MAX], *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	return dir_shared(dir) ? 0 : loader_protect(d->loader, dir, true);
}

/* An agent that removed the mark would let the wrapper start containers unbound. */
static int protect_unasked_mark(struct daemon *d)
{
	int err = d->unasked_mark ? protect_dir_of(d, DAEMON_UNASKED_MARK) : 0;

	if (err)
		daemon_log("protecting the directory of %s: %s", DAEMON_UNASKED_MARK,
			   loader_strerror(err));
	return err;
}

/* --config /dev/null (the defaults) marks nothing: every agent opens /dev/null. */
static const char *regular_or_null(const char *path)
{
	struct stat sb;

	return path && !stat(path, &sb) && S_ISREG(sb.st_mode) ? path : NULL;
}

/*
 * The daemon's own files are off limits to confined agents: its config, the
 * control and stream sockets (through which an agent could unassign itself),
 * the metrics socket, the audit log and signing keys, and the directory policies
 * are named from (a file planted there would be assigned by name), the directories
 * of the state file (rewritten by rename) and of the log (rotation), unless shared;
 * and, as directories above these, every directory up to the root's entries, which
 * may not be renamed (loader_protect()). The marks stay after the daemon stops.
 */
static int protect_own(struct daemon *d)
{
	const char *key_dir = d->cfg->audit.key_dir ? d->cfg->audit.key_dir : AUDIT_DEFAULT_KEY_DIR;
	const char *metrics_sock =
		d->metrics && d->cfg->metrics.listen.kind == METRICS_UNIX ? d->cfg->metrics.listen.path :
									    NULL;
	const char *pdir = d->cfg->containers.policies_dir;
	const char *paths[] = { regular_or_null(d->config_path),
				d->cfg->control_socket,
				d->cfg->stream_socket,
				d->cfg->audit.log,
				key_dir,
				metrics_sock,
				pdir && !dir_shared(pdir) ? pdir : NULL };
	size_t i;
	int err = 0;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]) && !err; i++)
		if (paths[i] && (err = loader_protect(d->loader, paths[i], true)))
			daemon_log("protecting %s: %s", paths[i], loader_strerror(err));
	if (!err && (err = protect_dir_of(d, d->cfg->state_file)))
		daemon_log("protecting the directory of %s: %s", d->cfg->state_file,
			   loader_strerror(err));
	if (!err && (err = protect_dir_of(d, d->cfg->audit.log)))
		daemon_log("protecting the directory of %s: %s", d->cfg->audit.log,
			   loader_strerror(err));
	if (!err && metrics_sock && (err = protect_dir_of(d, metrics_sock)))
		daemon_log("protecting the directory of %s: %s", metrics_sock,
			   loader_strerror(err));
	if (!err)
		err = protect_unasked_mark(d);
	/* An agent that rewrote the forwarder's state could make it skip records. */
	if (!err && d->cfg->audit.forward.host &&
	    (err = protect_dir_of(d, d->cfg->audit.forward.state)))
		daemon_log("protecting the directory of %s: %s", d->cfg->audit.forward.state,
			   loader_strerror(err));
	return err;
}

static void reload(struct daemon *d)
{
	struct daemon_config *cfg = NULL;
	struct ag_error err;
	int failures;

	if (!d->config_path) {
		daemon_log("reload: started without a config file, nothing to reload");
		return;
	}
	memset(&err, 0, sizeof(err));
	if (daemon_config_load(d->config_path, &cfg, &err)) {
		daemon_log("reload: %s; keeping the current assignments", err.msg);
		return;
	}
	if (strcmp(cfg->control_socket, d->cfg->control_socket) ||
	    strcmp(cfg->stream_socket, d->cfg->stream_socket) ||
	    strcmp(cfg->ask_socket, d->cfg->ask_socket) ||
	    strcmp(cfg->audit.log, d->cfg->audit.log) ||
	    strcmp(cfg->state_file, d->cfg->state_file) ||
	    memcmp(&cfg->metrics, &d->cfg->metrics, sizeof(cfg->metrics)))
		daemon_log(
			"reload: socket, state, audit and metrics settings take effect at the next "
		"start");
	failures = daemon_apply_reload(d, cfg);
	daemon_config_free(cfg);
	daemon_unasked_mark(d);
	protect_unasked_mark(d);
	if (failures)
		daemon_log("reload: %d assignment(s) failed (see above)", failures);
	else
		info("reload: %zu assignment(s) in force", d->nassign);
}

static void accept_clients(struct daemon *d, int lfd)
{
	int cfd;

	while ((cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0)
		daemon_control_serve(d, cfd);
}

/* What is queued now, in bounded batches (a busy agent keeps producing). */
static void drain(struct daemon *d)
{
	int i;

	for (i = 0; i < 64; i++) {
		d->batch = 0;
		if (loader_poll(d->loader, 0) != -EAGAIN)
			break;
	}
}

static int add_fd(int ep, int fd, int tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = (uint32_t)tag };

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

enum { TAG_SIGNAL, TAG_CONTROL, TAG_EVENTS, TAG_STREAM, TAG_DNS, TAG_ASK };

/* Returns when SIGTERM or SIGINT arrives (0) or on a fatal error (negative errno). */
static int run(struct daemon *d, int sfd, int lfd)
{
	struct epoll_event evs[8];
	struct signalfd_siginfo si;
	int64_t next_drops = 0;
	int ep, n, i, timeout, err = 0;

	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		return -errno;
	if ((err = add_fd(ep, sfd, TAG_SIGNAL)) || (err = add_fd(ep, lfd, TAG_CONTROL)) ||
	    (err = add_fd(ep, loader_events_fd(d->loader), TAG_EVENTS)) ||
	    (err = add_fd(ep, audit_stream_fd(d->stream), TAG_STREAM)) ||
	    (err = add_fd(ep, d->dns_notify_fd, TAG_DNS)) ||
	    (d->ask && (err = add_fd(ep, ask_server_fd(d->ask), TAG_ASK)))) {
		close(ep);
		return err;
	}
	for (;;) {
		timeout = audit_writer_timeout_ms(d->log.audit);
		if (timeout < 0 || timeout > AG_EVENTS_POLL_MS)
			timeout = AG_EVENTS_POLL_MS;
		n = epoll_wait(ep, evs, 8, timeout);
		if (n < 0 && errno != EINTR) {
			err = -errno;
			break;
		}
		for (i = 0; i < n; i++) {
			switch (evs[i].data.u32) {
			case TAG_SIGNAL:
				if (read(sfd, &si, sizeof(si)) != sizeof(si))
					break;
				if (si.ssi_signo == SIGHUP) {
					info("SIGHUP: reloading %s",
					     d->config_path ? d->config_path : "");
					reload(d);
					break;
				}
				info("signal %u: stopping (policies stay in force)", si.ssi_signo);
				goto out;
			case TAG_CONTROL:
				accept_clients(d, lfd);
				break;
			case TAG_EVENTS:
				d->batch = 0;
				loader_poll(d->loader, 0);
				break;
			case TAG_STREAM:
				audit_stream_handle(d->stream);
				break;
			case TAG_DNS:
				if (read(d->dns_notify_fd, &(uint64_t){ 0 }, 8) == 8)
					daemon_drain_dns(d, UINT64_MAX);
				break;
			}
		}
		/* Questions, and connections past their time (each turn: at least every 50 ms). */
		if (d->ask)
			ask_server_handle(d->ask);
		/* Records below the kernel's wake-up batch (bpf/: ag_wakeup). */
		d->batch = 0;
		loader_poll(d->loader, 0);
		if (clock_now_ms() >= next_drops) {
			daemon_check_drops(d);
			daemon_containers_gc(d);
			daemon_sweep_dns(d);
			daemon_metrics_tick(d);
			next_drops = clock_now_ms() + DROPS_EVERY_MS;
		}
		audit_writer_tick(d->log.audit);
	}
out:
	close(ep);
	return err;
}

static int parse_args(int argc, char **argv, const char **config, int *foreground, int *check)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 'C' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned int seen = 0;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:vf", opts, NULL)) != -1) {
		/* A second --config would otherwise be the one checked or run, silently. */
		if (c == 'c' && cli_once("daemon", opts, c, &seen))
			return 2;
		switch (c) {
		case 'c':
			*config = optarg;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'f':
			*foreground = 1;
			break;
		case 'C':
			*check = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}
	return -1;
}

/*
 * The DNS proxies hold four sockets per network namespace they serve (one
 * container each): the soft limit (1024 by default) goes up to the hard one.
 */
static void raise_nofile(void)
{
	struct rlimit r;

	if (!getrlimit(RLIMIT_NOFILE, &r) && r.rlim_cur < r.rlim_max) {
		r.rlim_cur = r.rlim_max;
		setrlimit(RLIMIT_NOFILE, &r); /* best effort: the limit stays as it was */
	}
}

int cmd_daemon(int argc, char **argv)
{
	struct daemon d = {
		.cgroup_root_fd = -1, .dns_notify_fd = -1, .metrics_fd = -1, .bpf_stats_fd = -1
	};
	struct loader_opts lopts = {};
	struct ag_error cerr;
	const char *config = NULL;
	char msg[1536];
	sigset_t mask;
	struct stat sb;
	int foreground = 0, check = 0, ret = 1, err, lock_fd = -1, ready_fd = -1, sfd = -1, lfd = -1;
	size_t i;
	int pinned;

	err = parse_args(argc, argv, &config, &foreground, &check);
	if (err >= 0)
		return err;
	memset(&cerr, 0, sizeof(cerr));
	/* config names the file read from here on: the marks, reloads and records use it. */
	err = daemon_config_of(&config, &d.cfg, &cerr);
	if (err) {
		daemon_log("%s", cerr.msg[0] ? cerr.msg : strerror(-err));
		return 2;
	}
	/* A bad policy stops the start here, before the programs or the audit log are touched. */
	err = daemon_check_policies(&d, msg, sizeof(msg));
	if (err) {
		daemon_log("%s", msg);
		if (!check)
			daemon_log("not started: fix the configuration (%s)",
				   config ? config : "built-in defaults");
		daemon_models_free(&d);
		daemon_config_free(d.cfg);
		return 2;
	}
	if (check) {
		printf("%s: ok (%zu assignments, %zu container selectors)\n",
		       config ? config : "built-in defaults", d.cfg->nassignments,
		       d.cfg->containers.nselectors);
		daemon_models_free(&d);
		daemon_config_free(d.cfg);
		return 0;
	}
	d.config_path = config;
	d.verbose = verbose;
	raise_nofile();
	daemon_log_init(&d);
	err = loader_check_support(msg, sizeof(msg));
	if (err) {
		daemon_log("%s", msg);
		goto out;
	}
	if (!foreground)
		ready_fd = detach();
	lock_fd = single_instance(d.cfg->state_file);
	if (lock_fd < 0) {
		if (lock_fd != -EBUSY)
			daemon_log("%s.lock: %s", d.cfg->state_file, strerror(-lock_fd));
		goto out;
	}
	/* First: a wrapper asked while this daemon loads should already wait for it. */
	daemon_unasked_mark(&d);
	/* Signals are read from a signalfd; blocked from here on so none is lost. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		daemon_log("signalfd: %s", strerror(errno));
		goto out;
	}

	pinned = !stat(AG_PIN_DIR "/state", &sb);
	lopts.verbose = verbose;
	err = loader_open(&d.loader, &lopts);
	if (err) {
		daemon_log(err == -EPERM ?
				   "the kernel refused to load or attach the BPF-LSM "
				   "programs (lockdown, or a sandbox that blocks BTF-attached "
				   "programs; --verbose shows libbpf's log)%s" :
				   "loading the BPF programs: %s",
			   err == -EPERM ? "" : loader_strerror(err));
		goto out;
	}
	if (loader_memo_on(d.loader) == 0)
		daemon_log(
			"/proc/kallsyms gave neither the process that loaded the programs nor this "
			"daemon the address of rename_lock and mount_lock (kernel.kptr_restrict, no "
			"CAP_SYSLOG, or a kernel without CONFIG_KALLSYMS_ALL): repeated opens of a file "
			"are judged in full, not memoized (only slower)");
	err = loader_subscribe(d.loader, 0, daemon_on_event, &d);
	if (err) {
		daemon_log("reading the kernel's events: %s", loader_strerror(err));
		goto out;
	}
	/*
	 * What a killed predecessor (or `agentgate exec`) left: the policies of cgroups that are
	 * gone, with their learned addresses (they would hold room in ag_learned), and port marks
	 * that would keep its old ports from confined tasks.
	 */
	err = loader_gc(d.loader, NULL);
	if (err < 0)
		daemon_log("removing what exited agentgate processes left: %s", loader_strerror(err));
	/* The host's owner sets the window, loaded or adopted (`audit.fold_ms`). */
	err = loader_set_fold(d.loader, !d.cfg->audit.fold_set ? 0 :
					d.cfg->audit.fold_ms ? (int)d.cfg->audit.fold_ms :
							       -1);
	if (err) {
		daemon_log("setting the folding window: %s", strerror(-err));
		goto out;
	}
	d.dns_notify_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (d.dns_notify_fd < 0) {
		daemon_log("eventfd: %s", strerror(errno));
		goto out;
	}
	d.cgroup_root_fd = open(DAEMON_CGROUP_ROOT, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d.cgroup_root_fd < 0)
		daemon_log("%s: %s (events will name only assigned cgroups)", DAEMON_CGROUP_ROOT,
			   strerror(errno));
	if (open_audit(&d))
		goto out;
	d.started = time(NULL);
	err = daemon_metrics_init(&d);
	if (err) {
		daemon_log("metrics: %s", strerror(-err));
		goto out;
	}
	audit_append_lifecycle(d.log.audit, "daemon_start", pinned ? "bpf=adopted" : "bpf=loaded");
	err = daemon_apply_startup(&d, msg, sizeof(msg));
	if (err) {
		daemon_log("%s", msg);
		if (!check)
			daemon_log("not started: fix the configuration (%s)",
				   config ? config : "built-in defaults");
		audit_append_lifecycle(d.log.audit, "daemon_stop", "startup failed");
		ret = 2;
		goto out;
	}
	drain(&d); /* events the kernel queued while no daemon ran */
	daemon_check_drops(&d);
	err = control_listen(d.cfg->control_socket, &lfd);
	if (err) {
		daemon_log("control socket %s: %s", d.cfg->control_socket, sock_strerror(err));
		audit_append_lifecycle(d.log.audit, "daemon_stop", "no control socket");
		goto out;
	}
	if (daemon_metrics_listen(&d)) {
		audit_append_lifecycle(d.log.audit, "daemon_stop", "no metrics socket");
		goto out;
	}
	if (protect_own(&d)) {
		audit_append_lifecycle(d.log.audit, "daemon_stop", "cannot protect its own files");
		goto out;
	}
	if (daemon_ask_open(&d)) {
		audit_append_lifecycle(d.log.audit, "daemon_stop", "no ask socket");
		goto out;
	}
	if (daemon_metrics_start(&d)) {
		audit_append_lifecycle(d.log.audit, "daemon_stop", "no metrics server");
		goto out;
	}
	info("%s %zu assignment(s); control socket %s; audit log %s",
	     pinned ? "adopted the pinned programs," : "loaded and pinned the programs,", d.nassign,
	     d.cfg->control_socket, d.cfg->audit.log);
	ready(ready_fd);
	ready_fd = -1;

	err = run(&d, sfd, lfd);
	if (err)
		daemon_log("main loop: %s", strerror(-err));
	ask_server_close(d.ask); /* its last (folded) questions go in before daemon_stop */
	d.ask = NULL;
	for (i = 0; i < d.nassign; i++)
		session_end_dns(&d.assign[i].s);
	/* Counts the tasks hold go in before daemon_stop; later ones wait for the next reader. */
	loader_fold_flush(d.loader);
	drain(&d);
	daemon_check_drops(&d);
	audit_append_lifecycle(d.log.audit, "daemon_stop",
			       err ? "error" : "signal; policies stay in force");
	ret = err ? 1 : 0;
out:
	if (lfd >= 0) {
		close(lfd);
		unlink(d.cfg->control_socket);
	}
	ask_server_close(d.ask);
	daemon_metrics_close(&d); /* its server reads the loader */
	/* Startup may fail after some proxies started: their records go in before the log closes. */
	for (i = 0; i < d.nassign; i++)
		session_end_dns(&d.assign[i].s);
	err = audit_writer_close(d.log.audit);
	session_log_release(&d.log);
	if (err && d.log.audit)
		daemon_log("closing the audit log: %s", strerror(-err));
	daemon_forward_stop(&d); /* after the shutdown seal, which it sends too */
	audit_stream_close(d.stream);
	if (d.cgroup_root_fd >= 0)
		close(d.cgroup_root_fd);
	if (d.dns_notify_fd >= 0)
		close(d.dns_notify_fd);
	loader_close(d.loader); /* pins stay: enforcement outlives the daemon */
	daemon_assign_free_all(&d);
	daemon_models_free(&d);
	daemon_names_free(&d);
	if (sfd >= 0)
		close(sfd);
	if (lock_fd >= 0)
		close(lock_fd);
	daemon_config_free(d.cfg);
	if (ready_fd >= 0)
		close(ready_fd);
	return ret;
}
