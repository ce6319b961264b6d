// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * `agentgate exec --policy FILE [--mode enforce|simulate] [--audit-log FILE [--key-dir DIR]]
 *  [--verbose] -- CMD [ARG...]`: runs CMD in a fresh cgroup confined by the
 * policy and exits with CMD's status (128+N when killed by signal N).
 *
 * Order matters: the policy is loaded and compiled before anything runs, the
 * image is installed for the new cgroup before the child enters it, and the
 * child execs CMD only after checking it is in that cgroup (fail closed).
 */
#include <errno.h>
#include <sched.h>
#include <ftw.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "ask/ask.h"
#include "audit/audit.h"
#include "cli.h"
#include "loader/loader.h"
#include "session/session.h"
#include "util/cgroup.h"
#include "util/file.h"

#define CGROUP_PARENT CGROUP_ROOT "/agentgate"

struct exec_args {
	const char *policy_path, *mode, *log_path, *key_dir;
	int verbose;
	char **cmd;
};

/* One run: each step fills what it opens, cleanup() takes back whatever was filled. */
struct exec_run {
	struct exec_args a;
	struct ag_policy *policy;
	struct ag_image img;
	struct loader *loader;
	/* The run's own files, protected from CMD: log, keys, the policy and its includes. */
	const char **own;
	size_t nown;
	int protected, installed;
	char cgdir[128];
	struct session_log log;
	struct session s;
	uint64_t drops_seen;
	struct ask_server *ask; /* CMD's ask socket (docs/ask.md) */
	char ask_path[64];
};

static volatile sig_atomic_t child_pid;

static void forward_signal(int sig)
{
	if (child_pid > 0)
		kill(child_pid, sig);
}

/* Every record of the run names its cgroup and its policy. */
static void name_event(void *ctx, const struct ag_event *ev, const char **agent,
		       const struct audit_container **container, const struct ag_policy **policy)
{
	struct exec_run *r = ctx;

	*agent = r->s.cgroup;
	*policy = r->policy;
}

static void dns_busy(void *ctx, const char *cgroup, uint64_t n)
{
	fprintf(stderr, "agentgate: exec: DNS proxy busy: %llu queries or connections refused\n",
		(unsigned long long)n);
}

static void dns_error(void *ctx, const char *cgroup, int err)
{
	(void)ctx;
	(void)cgroup;
	fprintf(stderr, "agentgate: exec: DNS proxy: a network namespace of the agent is not "
			"served: %s\n",
		strerror(-err));
}

/* CMD asks about this run's policy only: other policies are not served on its socket. */
static int ask_policy(void *ctx, uint64_t policy_cgroup_id, struct ask_policy *out)
{
	struct exec_run *r = ctx;

	if (policy_cgroup_id != r->s.cgroup_id)
		return -ENOENT;
	out->model = r->policy;
	out->img = &r->img;
	out->agent = r->s.cgroup;
	out->mode = r->policy->mode;
	return 0;
}

/* Tasks in cgroups CMD made below its own are named by the run's cgroup. */
static const char *ask_agent(void *ctx, const struct ag_ask_peer *peer, const struct ask_policy *p)
{
	return p->agent;
}

static void ask_record(void *ctx, const struct audit_ask *rec)
{
	struct exec_run *r = ctx;

	if (r->log.audit)
		session_log_note(&r->log, audit_append_ask(r->log.audit, rec));
}

static const struct ask_server_ops ask_ops = { .policy = ask_policy,
					       .agent = ask_agent,
					       .record = ask_record };

/* The socket CMD finds in AGENTGATE_SOCKET, marked before CMD runs. */
static int open_ask(struct exec_run *r)
{
	int err;

	snprintf(r->ask_path, sizeof(r->ask_path), ASK_DEFAULT_DIR "/exec-%d.sock", (int)getpid());
	r->ask = ask_server_open(r->ask_path, r->loader, &ask_ops, r, false, &err);
	if (!r->ask) {
		fprintf(stderr, "agentgate: exec: ask socket %s: %s\n", r->ask_path,
			loader_strerror(err));
		return -1;
	}
	if (setenv("AGENTGATE_SOCKET", r->ask_path, 1)) {
		fprintf(stderr, "agentgate: exec: setenv: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * The run's own files (policy and includes, audit log, signing keys) are off limits to CMD;
 * the marks are taken back when the run ends. Returns 0 or the first error.
 */
static int protect_files(struct loader *l, const char *const *paths, size_t n, bool on)
{
	size_t i;
	int err;

	for (i = 0; i < n; i++) {
		if (!paths[i])
			continue;
		err = on ? loader_protect(l, paths[i], false) :
			   loader_unprotect(l, paths[i], false);
		if (err && on) {
			fprintf(stderr, "agentgate: exec: protecting %s: %s\n", paths[i],
				loader_strerror(err));
			protect_files(l, paths, i, false);
			return err;
		}
	}
	return 0;
}

/* Child: join the cgroup, prove it, exec. Never returns. */
static void run_child(const char *cgdir, char **cmd)
{
	char want[PATH_MAX + 8], line[PATH_MAX + 8];
	int ok = 0, err;
	FILE *f;

	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	/*
	 * SysV IPC of its own: the host's objects are refused to a confined task
	 * (protect.bpf.c), its own namespace's are its own, as in a container.
	 */
	if (unshare(CLONE_NEWIPC)) {
		fprintf(stderr, "agentgate: exec: an IPC namespace of its own: %s\n",
			strerror(errno));
		_exit(126);
	}
	/* Opened before joining: once confined, the policy may not allow reading /proc. */
	f = fopen("/proc/self/cgroup", "re");
	snprintf(line, sizeof(line), "%s/cgroup.procs", cgdir);
	err = file_write_str(line, "0");
	if (err) {
		fprintf(stderr, "agentgate: exec: cannot enter %s: %s\n", cgdir, strerror(-err));
		_exit(126);
	}
	/* The file is generated at read time: it shows the cgroup as of now. */
	snprintf(want, sizeof(want), "0::%s\n", cgdir + strlen(CGROUP_ROOT));
	while (f && fgets(line, sizeof(line), f))
		ok |= !strcmp(line, want);
	if (f)
		fclose(f);
	if (!ok) {
		fprintf(stderr, "agentgate: exec: not in %s after joining it: refusing to run\n",
			cgdir);
		_exit(126);
	}
	execvp(cmd[0], cmd);
	fprintf(stderr, "agentgate: exec: %s: %s\n", cmd[0], strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

static int rmdir_entry(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	if (type == FTW_DP)
		rmdir(path);
	return 0;
}

/*
 * Ends whatever CMD left behind in the cgroup (cgroup.kill covers
 * descendants), then removes it and any cgroups CMD created below it.
 */
/* 0 once the cgroup is gone; -EBUSY while tasks survive cgroup.kill (1 s of tries). */
static int remove_cgroup(const char *cgdir)
{
	char path[300];
	int i, gone;

	snprintf(path, sizeof(path), "%s/cgroup.kill", cgdir);
	for (i = 0; !(gone = !rmdir(cgdir) || errno == ENOENT) && i < 100; i++) {
		file_write_str(path, "1");
		nftw(cgdir, rmdir_entry, 16, FTW_DEPTH | FTW_PHYS);
		usleep(10000);
	}
	return gone ? 0 : -EBUSY;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: agentgate exec --policy FILE [--mode enforce|simulate] "
		   "[--audit-log FILE [--key-dir DIR]] [--verbose] -- CMD [ARG...]\n");
}

/* Returns -1 to go on, or the exit status. */
static int parse_args(int argc, char **argv, struct exec_args *a)
{
	static const struct option opts[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "mode", required_argument, NULL, 'm' },
		{ "audit-log", required_argument, NULL, 'a' },
		{ "key-dir", required_argument, NULL, 'k' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned int seen = 0;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		/* A second --policy would otherwise confine the command by it alone, silently. */
		if (c && strchr("pmak", c) && cli_once("exec", opts, c, &seen))
			return 2;
		switch (c) {
		case 'p':
			a->policy_path = optarg;
			break;
		case 'm':
			a->mode = optarg;
			break;
		case 'a':
			a->log_path = optarg;
			break;
		case 'k':
			a->key_dir = optarg;
			break;
		case 'v':
			a->verbose = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!a->policy_path || optind >= argc) {
		/* The usage alone would leave the operator to guess what is missing. */
		fprintf(stderr, "agentgate: exec: %s\n",
			!a->policy_path ? "--policy FILE is required" :
					  "no command to run (give it after --)");
		usage(stderr);
		return 2;
	}
	if (a->key_dir && !a->log_path) {
		fprintf(stderr, "agentgate: exec: --key-dir signs the --audit-log, and there is none\n");
		return 2;
	}
	if (a->mode && strcmp(a->mode, "enforce") && strcmp(a->mode, "simulate")) {
		fprintf(stderr, "agentgate: exec: --mode must be enforce or simulate, not '%s'\n",
			a->mode);
		return 2;
	}
	a->cmd = argv + optind;
	return -1;
}

static int compile(struct exec_run *r)
{
	int mode = -1; /* the policy's own */
	char msg[1536];

	if (r->a.mode)
		mode = strcmp(r->a.mode, "simulate") ? AG_MODE_ENFORCE : AG_MODE_SIMULATE;

	if (session_compile(r->a.policy_path, mode, &r->policy, &r->img, msg, sizeof(msg))) {
		fprintf(stderr, "agentgate: exec: %s\n", msg);
		return -1;
	}
	return 0;
}

static int open_audit(struct exec_run *r)
{
	struct audit_config ac = { .path = r->a.log_path, .key_dir = r->a.key_dir, .fsync_ms = 50 };
	int err;

	r->log.name = name_event;
	r->log.busy = dns_busy;
	r->log.dns_error = dns_error;
	r->log.ctx = r;
	if (!r->a.log_path)
		return 0;
	r->log.audit = audit_writer_open(&ac, &err);
	if (r->log.audit)
		return 0;
	fprintf(stderr, "agentgate: exec: audit log %s: %s\n", r->a.log_path,
		audit_open_strerror(err));
	return -1;
}

/* The BPF programs, and the run's own files protected from CMD. */
static int open_loader(struct exec_run *r)
{
	struct loader_opts lopts = { .verbose = r->a.verbose };
	size_t i;
	int err;

	err = loader_open(&r->loader, &lopts);
	if (err == -EPERM) {
		fprintf(stderr,
			"agentgate: exec: the kernel refused to load or attach the BPF-LSM "
			"programs (lockdown, or a sandbox that blocks BTF-attached programs; "
			"--verbose shows libbpf's log)\n");
		return -1;
	} else if (err) {
		fprintf(stderr, "agentgate: exec: loading the BPF programs: %s\n",
			loader_strerror(err));
		return -1;
	}
	r->own = calloc(r->policy->nfiles + 2, sizeof(*r->own));
	if (!r->own) {
		fprintf(stderr, "agentgate: exec: %s\n", strerror(ENOMEM));
		return -1;
	}
	r->own[r->nown++] = r->a.log_path;
	r->own[r->nown++] =
		r->a.log_path ? (r->a.key_dir ? r->a.key_dir : AUDIT_DEFAULT_KEY_DIR) : NULL;
	for (i = 0; i < r->policy->nfiles; i++)
		r->own[r->nown++] = r->policy->files[i];
	if (protect_files(r->loader, r->own, r->nown, true))
		return -1;
	r->protected = 1;
	return 0;
}

static int make_cgroup(struct exec_run *r)
{
	int err;

	/* Policies left by an exec killed with SIGKILL go once their cgroup is gone. */
	loader_gc(r->loader, CGROUP_ROOT);
	/* 0755 whatever the umask: agents read their own limits there (libuv: memory.max). */
	err = mkdir_new(CGROUP_PARENT, 0755);
	if (err && err != -EEXIST) {
		fprintf(stderr, "agentgate: exec: %s: %s\n", CGROUP_PARENT, strerror(-err));
		return -1;
	}
	snprintf(r->cgdir, sizeof(r->cgdir), CGROUP_PARENT "/exec-%d", (int)getpid());
	err = mkdir_new(r->cgdir, 0755);
	if (err) {
		fprintf(stderr, "agentgate: exec: %s: %s\n", r->cgdir, strerror(-err));
		r->cgdir[0] = '\0';
		return -1;
	}
	return 0;
}

/* The policy in force for the cgroup before CMD enters it, its events and DNS followed. */
static int start_session(struct exec_run *r)
{
	const struct ag_policy *p = r->policy;
	char msg[512];
	uint64_t id;
	int err;

	err = loader_cgroup_id(r->cgdir, &id);
	if (!err)
		err = session_init(&r->s, r->loader, &r->log, r->cgdir + strlen(CGROUP_ROOT), id,
				   -1);
	/* A private stream: a running daemon keeps reading the shared one undisturbed. */
	if (!err)
		err = session_subscribe(&r->s);
	if (err) {
		fprintf(stderr, "agentgate: exec: reading events: %s\n", loader_strerror(err));
		return -1;
	}
	err = session_install(&r->s, &r->img);
	if (err) {
		fprintf(stderr, "agentgate: exec: installing the policy for %s: %s\n", r->cgdir,
			loader_strerror(err));
		return -1;
	}
	r->installed = 1;
	err = session_start_dns(&r->s, &r->img);
	if (err) {
		fprintf(stderr, "agentgate: exec: starting the DNS proxy: %s\n",
			loader_strerror(err));
		return -1;
	}
	loader_drops(r->loader, &r->drops_seen);
	snprintf(msg, sizeof(msg), "cgroup=%s policy=%s name=%s mode=%s command=%s", r->s.cgroup,
		 r->a.policy_path, p->name ? p->name : "",
		 p->mode == AG_MODE_SIMULATE ? "simulate" : "enforce", r->a.cmd[0]);
	session_log_lifecycle(&r->log, "exec_start", msg);
	return 0;
}

/* Runs CMD in the cgroup, writing records while it runs; returns its wait status. */
static int run_command(struct exec_run *r)
{
	struct sigaction sa = { .sa_handler = forward_signal };
	struct pollfd pfd[2] = { { .fd = loader_events_fd(r->loader), .events = POLLIN },
				 { .fd = ask_server_fd(r->ask), .events = POLLIN } };
	int status, tmo, err;
	pid_t pid;

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "agentgate: exec: fork: %s\n", strerror(errno));
		return -1;
	}
	if (pid == 0)
		run_child(r->cgdir, r->a.cmd);
	child_pid = pid;
	for (;;) {
		err = waitpid(pid, &status, WNOHANG);
		if (err == pid)
			break;
		if (err < 0 && errno != EINTR) {
			fprintf(stderr, "agentgate: exec: waitpid: %s\n", strerror(errno));
			status = 1 << 8;
			break;
		}
		tmo = r->log.audit ? audit_writer_timeout_ms(r->log.audit) : -1;
		/* Events and questions wake the loop; CMD's exit is seen within AG_EVENTS_POLL_MS. */
		poll(pfd, 2, tmo >= 0 && tmo < AG_EVENTS_POLL_MS ? tmo : AG_EVENTS_POLL_MS);
		loader_poll(r->loader, 0);
		ask_server_handle(r->ask);
		session_drain_dns(&r->s, UINT64_MAX);
		session_sweep_dns(&r->s);
		if (r->log.audit)
			session_log_note(&r->log, audit_writer_tick(r->log.audit));
	}
	child_pid = 0;
	return status;
}

/* CMD has ended: its leftovers go, and every decision taken for it is written. */
static void finish(struct exec_run *r)
{
	uint64_t lost;

	/* CMD's leftovers must not outlive its confinement. */
	if (!remove_cgroup(r->cgdir))
		r->cgdir[0] = '\0';
	session_stop_dns(&r->s);
	/* Tasks send their counts as they exit; this is for any a flush still had to take. */
	loader_fold_flush(r->loader);
	while (loader_poll(r->loader, 0) > 0)
		;
	session_drain_dns(&r->s, UINT64_MAX);
	session_log_drops(&r->log, r->loader, &r->drops_seen, &lost);
	/* The counter is shared by all streams: an upper bound for this run. */
	if (lost)
		fprintf(stderr, "agentgate: exec: %llu events lost (ring buffer full)\n",
			(unsigned long long)lost);
}

static void cleanup(struct exec_run *r, int ret)
{
	char msg[32];
	int err;

	/* Tasks that survived cgroup.kill keep the policy: never unconfined. */
	if (r->cgdir[0] && remove_cgroup(r->cgdir)) {
		fprintf(stderr, "agentgate: exec: tasks of the command survive in %s: its policy "
				"stays installed\n",
			r->cgdir);
		r->installed = 0;
	}
	ask_server_close(r->ask); /* its last questions are in the log before exec_end */
	session_end_dns(&r->s);
	if (r->installed) {
		err = session_remove(&r->s);
		if (err)
			fprintf(stderr, "agentgate: exec: removing the policy: %s\n",
				loader_strerror(err));
	}
	session_release(&r->s);
	if (r->protected)
		protect_files(r->loader, r->own, r->nown, false);
	free(r->own);
	loader_close(r->loader);
	if (r->log.audit) {
		snprintf(msg, sizeof(msg), "status=%d", ret);
		session_log_lifecycle(&r->log, "exec_end", msg);
		session_log_note(&r->log, audit_writer_close(r->log.audit));
		session_log_release(&r->log);
		if (r->log.first_err)
			fprintf(stderr, "agentgate: exec: writing %s: %s\n", r->a.log_path,
				strerror(-r->log.first_err));
	}
	image_free(&r->img);
	policy_free(r->policy);
}

int cmd_exec(int argc, char **argv)
{
	struct exec_run r = {};
	char msg[512];
	int ret, status;

	ret = parse_args(argc, argv, &r.a);
	if (ret >= 0)
		return ret;
	ret = 2;
	if (compile(&r))
		goto out;
	ret = 1;
	if (loader_check_support(msg, sizeof(msg))) {
		fprintf(stderr, "agentgate: exec: %s\n", msg);
		goto out;
	}
	if (open_audit(&r) || open_loader(&r) || make_cgroup(&r) || start_session(&r) ||
	    open_ask(&r))
		goto out;
	status = run_command(&r);
	if (status < 0)
		goto out;
	finish(&r);
	ret = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
out:
	cleanup(&r, ret);
	return ret;
}
