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
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <jansson.h>
#include "audit/audit.h"
#include "cli.h"
#include "compile/compile.h"
#include "dns/dns_proxy.h"
#include "loader/loader.h"
#include "policy/policy.h"

#define CGROUP_ROOT "/sys/fs/cgroup"
#define CGROUP_PARENT CGROUP_ROOT "/agentgate"

struct exec_ctx {
	const struct ag_policy *policy;
	uint64_t cgroup_id;
	const char *agent; /* the cgroup's path below the cgroup2 mount */
	struct audit_writer *audit;
	int audit_err;
	struct dns_proxy *dns;
};

static volatile sig_atomic_t child_pid;

static void forward_signal(int sig)
{
	if (child_pid > 0)
		kill(child_pid, sig);
}

static void note_audit(struct exec_ctx *x, int err)
{
	if (err && !x->audit_err)
		x->audit_err = err;
}

/* Each decision becomes a chained audit record (docs/audit.md), as the daemon writes them. */
static int write_event(void *ctx, const struct ag_event *ev, size_t size)
{
	struct exec_ctx *x = ctx;
	const struct ag_policy *p = x->policy;
	struct audit_context ac = { .agent = x->agent, .policy = p->name ? p->name : "" };
	char link[64], exe[PATH_MAX] = "", why[128];
	ssize_t n;

	if (ev->policy_cgroup_id != x->cgroup_id || !x->audit)
		return 0; /* another process's confinement */
	/* Best effort: the task may have exited or exec'd since the decision. */
	snprintf(link, sizeof(link), "/proc/%u/exe", ev->pid);
	n = readlink(link, exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	ac.exe = exe;
	ac.reason = policy_reason(p, ev->rule, ev->op, why, sizeof(why));
	note_audit(x, audit_append_decision(x->audit, ev, size, &ac));
	return 0;
}

/* The proxy's DNS decisions taken before a kernel decision are written before it. */
static void drain_dns(struct exec_ctx *x, uint64_t until_ns)
{
	uint64_t lost, busy;

	if (!x->dns)
		return;
	dns_proxy_drain(x->dns, until_ns, write_event, x);
	lost = dns_proxy_take_lost(x->dns);
	if (lost && x->audit)
		note_audit(x, audit_append_gap(x->audit, lost));
	busy = dns_proxy_take_busy(x->dns);
	if (busy)
		fprintf(stderr,
			"agentgate: exec: DNS proxy busy: %llu queries or connections refused\n",
			(unsigned long long)busy);
}

static int on_event(void *ctx, const struct ag_event *ev, size_t size)
{
	struct exec_ctx *x = ctx;

	if (ev->policy_cgroup_id == x->cgroup_id)
		drain_dns(x, ev->ts_boot_ns);
	return write_event(ctx, ev, size);
}

/*
 * The run's own files (policy, audit log, signing keys) are off limits to CMD;
 * the marks are taken back when the run ends. Returns the count protected.
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

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) < 0)
		err = -errno;
	close(fd);
	return err;
}

/* Child: join the cgroup, prove it, exec. Never returns. */
static void run_child(const char *cgdir, char **cmd)
{
	char want[256], line[512];
	int ok = 0, err;
	FILE *f;

	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	/* Opened before joining: once confined, the policy may not allow reading /proc. */
	f = fopen("/proc/self/cgroup", "re");
	snprintf(line, sizeof(line), "%s/cgroup.procs", cgdir);
	err = write_file(line, "0");
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
static void remove_cgroup(const char *cgdir)
{
	char path[300];
	int i;

	snprintf(path, sizeof(path), "%s/cgroup.kill", cgdir);
	for (i = 0; i < 100 && rmdir(cgdir) && errno == EBUSY; i++) {
		write_file(path, "1");
		nftw(cgdir, rmdir_entry, 16, FTW_DEPTH | FTW_PHYS);
		usleep(10000);
	}
}

static void usage(void)
{
	fprintf(stderr, "usage: agentgate exec --policy FILE [--mode enforce|simulate] "
			"[--audit-log FILE [--key-dir DIR]] [--verbose] -- CMD [ARG...]\n");
}

int cmd_exec(int argc, char **argv)
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
	const char *policy_path = NULL, *mode = NULL, *log_path = NULL, *key_dir = NULL;
	struct loader_opts lopts = {};
	struct exec_ctx x = {};
	struct ag_image img = {};
	struct ag_policy *p = NULL;
	struct loader *l = NULL;
	struct ag_error perr;
	struct sigaction sa = { .sa_handler = forward_signal };
	char cgdir[128], msg[512];
	const char *own[3];
	int c, err, status, tmo, ret = 1, installed = 0, protected = 0;
	uint64_t drops0 = 0, drops1 = 0;
	pid_t pid;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			policy_path = optarg;
			break;
		case 'm':
			mode = optarg;
			break;
		case 'a':
			log_path = optarg;
			break;
		case 'k':
			key_dir = optarg;
			break;
		case 'v':
			lopts.verbose = 1;
			break;
		case 'h':
			usage();
			return 0;
		default:
			usage();
			return 2;
		}
	}
	if (!policy_path || optind >= argc) {
		usage();
		return 2;
	}
	if (mode && strcmp(mode, "enforce") && strcmp(mode, "simulate")) {
		fprintf(stderr, "agentgate: exec: --mode must be enforce or simulate, not '%s'\n",
			mode);
		return 2;
	}

	memset(&perr, 0, sizeof(perr));
	err = policy_load(policy_path, &p, &perr);
	if (err) {
		fprintf(stderr, "agentgate: exec: %s\n", perr.msg[0] ? perr.msg : strerror(-err));
		return 2;
	}
	if (mode)
		p->mode = strcmp(mode, "simulate") ? AG_MODE_ENFORCE : AG_MODE_SIMULATE;
	memset(&perr, 0, sizeof(perr));
	err = compile_policy(p, NULL, &img, NULL, &perr);
	if (err) {
		fprintf(stderr, "agentgate: exec: %s: %s\n", policy_path,
			perr.msg[0] ? perr.msg : strerror(-err));
		ret = 2;
		goto out;
	}
	((struct ag_image_hdr *)img.data)->mode = p->mode;

	err = loader_check_support(msg, sizeof(msg));
	if (err) {
		fprintf(stderr, "agentgate: exec: %s\n", msg);
		goto out;
	}
	if (log_path) {
		struct audit_config ac = { .path = log_path, .key_dir = key_dir, .fsync_ms = 50 };

		x.audit = audit_writer_open(&ac, &err);
		if (!x.audit) {
			fprintf(stderr, "agentgate: exec: audit log %s: %s\n", log_path,
				err == -EBADMSG ? "its last complete record is damaged (run "
						  "`agentgate audit verify`)" :
				err == -EKEYREJECTED ?
						  "the signing key does not belong to this log" :
						  strerror(-err));
			goto out;
		}
	}
	err = loader_open(&l, &lopts);
	if (err == -EPERM) {
		fprintf(stderr,
			"agentgate: exec: the kernel refused to load or attach the BPF-LSM "
			"programs (lockdown, or a sandbox that blocks BTF-attached programs; "
			"--verbose shows libbpf's log)\n");
		goto out;
	} else if (err) {
		fprintf(stderr, "agentgate: exec: loading the BPF programs: %s\n",
			loader_strerror(err));
		goto out;
	}
	own[0] = policy_path;
	own[1] = log_path;
	own[2] = log_path ? (key_dir ? key_dir : AUDIT_DEFAULT_KEY_DIR) : NULL;
	if (protect_files(l, own, 3, true))
		goto out;
	protected = 1;
	/* Policies left by an exec killed with SIGKILL go once their cgroup is gone. */
	loader_gc(l, CGROUP_ROOT);
	if (mkdir(CGROUP_PARENT, 0755) && errno != EEXIST) {
		fprintf(stderr, "agentgate: exec: %s: %s\n", CGROUP_PARENT, strerror(errno));
		goto out;
	}
	snprintf(cgdir, sizeof(cgdir), CGROUP_PARENT "/exec-%d", (int)getpid());
	if (mkdir(cgdir, 0755)) {
		fprintf(stderr, "agentgate: exec: %s: %s\n", cgdir, strerror(errno));
		goto out;
	}
	x.policy = p;
	x.agent = cgdir + strlen(CGROUP_ROOT);
	err = loader_cgroup_id(cgdir, &x.cgroup_id);
	/* A private stream: a running daemon keeps reading the shared one undisturbed. */
	if (!err)
		err = loader_subscribe(l, x.cgroup_id, on_event, &x);
	if (err) {
		fprintf(stderr, "agentgate: exec: reading events: %s\n", loader_strerror(err));
		goto out_cgroup;
	}
	err = loader_install(l, x.cgroup_id, &img);
	if (err) {
		fprintf(stderr, "agentgate: exec: installing the policy for %s: %s\n", cgdir,
			loader_strerror(err));
		goto out_cgroup;
	}
	installed = 1;
	err = dns_proxy_start(&x.dns, l, x.cgroup_id, &img, -1);
	if (err) {
		fprintf(stderr, "agentgate: exec: starting the DNS proxy: %s\n",
			loader_strerror(err));
		goto out_cgroup;
	}
	loader_drops(l, &drops0);
	if (x.audit) {
		snprintf(msg, sizeof(msg), "cgroup=%s policy=%s name=%s mode=%s command=%s",
			 x.agent, policy_path, p->name ? p->name : "",
			 p->mode == AG_MODE_SIMULATE ? "simulate" : "enforce", argv[optind]);
		note_audit(&x, audit_append_lifecycle(x.audit, "exec_start", msg));
	}

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "agentgate: exec: fork: %s\n", strerror(errno));
		goto out_cgroup;
	}
	if (pid == 0)
		run_child(cgdir, argv + optind);
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
		tmo = x.audit ? audit_writer_timeout_ms(x.audit) : -1;
		loader_poll(l, tmo >= 0 && tmo < AG_EVENTS_POLL_MS ? tmo : AG_EVENTS_POLL_MS);
		drain_dns(&x, UINT64_MAX);
		if (x.audit)
			note_audit(&x, audit_writer_tick(x.audit));
	}
	child_pid = 0;
	remove_cgroup(cgdir); /* CMD's leftovers must not outlive its confinement */
	dns_proxy_stop(x.dns);
	while (loader_poll(l, 0) > 0)
		;
	drain_dns(&x, UINT64_MAX);
	loader_drops(l, &drops1);
	if (drops1 > drops0) {
		/* The counter is shared by all streams: an upper bound for this run. */
		fprintf(stderr, "agentgate: exec: %llu events lost (ring buffer full)\n",
			(unsigned long long)(drops1 - drops0));
		if (x.audit)
			note_audit(&x, audit_append_gap(x.audit, drops1 - drops0));
	}
	ret = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	goto out_remove;
out_cgroup:
	remove_cgroup(cgdir);
out_remove:
	dns_proxy_free(x.dns);
	if (installed) {
		err = loader_remove(l, x.cgroup_id);
		if (err)
			fprintf(stderr, "agentgate: exec: removing the policy: %s\n",
				loader_strerror(err));
	}
out:
	if (protected)
		protect_files(l, own, 3, false);
	loader_close(l);
	if (x.audit) {
		snprintf(msg, sizeof(msg), "status=%d", ret);
		note_audit(&x, audit_append_lifecycle(x.audit, "exec_end", msg));
		note_audit(&x, audit_writer_close(x.audit));
		if (x.audit_err)
			fprintf(stderr, "agentgate: exec: writing %s: %s\n", log_path,
				strerror(-x.audit_err));
	}
	if (img.data)
		image_free(&img);
	if (p)
		policy_free(p);
	return ret;
}
