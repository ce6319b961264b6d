// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * `agentgate-runc` (a link to agentgate; `agentgate-crun` likewise wraps crun):
 * an OCI runtime for container engines that binds a policy to a container
 * before its entrypoint runs (docs/containers.md).
 *
 * Every command but `create`, `run` and `restore` is the real runtime's,
 * exec'd as is; `run` and `restore` are refused (cmd_runtime). For
 * `create`, the real runtime creates the container (its cgroup exists and
 * its init waits on the exec fifo until `start`), then the daemon is asked to
 * bind: it picks the policy (the container's `agentgate.policy` annotation or
 * AGENTGATE_POLICY variable, or the daemon's selectors) and installs it for
 * the container's cgroup, armed at the entrypoint's execve, so the runtime's
 * own setup is not judged and the entrypoint's exec is. When the container
 * asked for a policy and it cannot be bound (no daemon, unknown or broken
 * policy), the container is deleted before it ever starts and the error goes
 * where the engine shows it: the runtime's --log file, and stderr. A container
 * that asked for nothing is refused the same way when no daemon answers but the
 * daemon's config has selectors or a default_policy: they would have bound it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <jansson.h>
#include "cli.h"
#include "daemon/control.h"
#include "daemon/daemon_config.h"
#include "daemon/oci.h"
#include "util/file.h"

#define RUNTIME_PREFIX "agentgate-"
/*
 * A socket nobody listens on is a daemon that died without removing it (a clean
 * stop does): one restarting (the unit's RestartSec is 1 s) is waited for this
 * long, so that no container starts unasked in the gap.
 */
#define RUNTIME_RESTART_WAIT_MS 10000
#define RUNTIME_RETRY_MS 200

/* The real runtime: AGENTGATE_RUNTIME, else NAME on PATH that is not this binary. */
static int find_runtime(const char *name, char *out, size_t outsz)
{
	const char *env = getenv("AGENTGATE_RUNTIME"), *p, *end;
	char self[PATH_MAX], cand[PATH_MAX], real[PATH_MAX];
	const char *path = getenv("PATH");
	ssize_t n;

	if (env && *env) {
		snprintf(out, outsz, "%s", env);
		return 0;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	self[n > 0 ? n : 0] = '\0';
	for (p = path ? path : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";;
	     p = end + 1) {
		end = strchr(p, ':');
		if (!end)
			end = p + strlen(p);
		snprintf(cand, sizeof(cand), "%.*s/%s", (int)(end - p), p, name);
		if (end > p && access(cand, X_OK) == 0 && realpath(cand, real) &&
		    strcmp(real, self)) {
			snprintf(out, outsz, "%s", cand);
			return 0;
		}
		if (!*end)
			return -ENOENT;
	}
}

/* The runtime's error log, in its format, as engines read it back; and stderr. */
static void report(const struct oci_args *a, const char *fmt, ...)
{
	char msg[1024], when[64];
	struct tm tm;
	time_t now = time(NULL);
	va_list ap;
	FILE *f;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "agentgate: %s\n", msg);
	if (!a->log)
		return;
	f = fopen(a->log, "ae");
	if (!f)
		return;
	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (a->log_format && !strcmp(a->log_format, "json")) {
		json_t *o = json_pack("{s:s,s:s,s:s}", "level", "error", "msg", msg, "time", when);
		char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;

		if (s)
			fprintf(f, "%s\n", s);
		free(s);
		json_decref(o);
	} else {
		fprintf(f, "time=\"%s\" level=error msg=\"agentgate: %s\"\n", when, msg);
	}
	fclose(f);
}

/* Runs the real runtime with argv[1..] and waits: its exit status, or 1. */
static int run_runtime(const char *real, char **argv)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		argv[0] = (char *)real;
		execv(real, argv);
		fprintf(stderr, "agentgate: %s: %s\n", real, strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return 1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* `RUNTIME [GLOBAL...] delete --force ID`: a created container that must not start. */
static void delete_container(const char *real, char **argv, const struct oci_args *a)
{
	char **dv = calloc((size_t)a->command + 4, sizeof(*dv));
	int i;

	if (!dv)
		return;
	for (i = 0; i < a->command; i++)
		dv[i] = argv[i];
	dv[i++] = "delete";
	dv[i++] = "--force";
	dv[i++] = (char *)a->id;
	dv[i] = NULL;
	run_runtime(real, dv);
	free(dv);
}

/* The pid a pid file names: 0, or -errno (-EINVAL for anything but a positive int). */
static int read_pid(FILE *f, pid_t *pid)
{
	long v = 0;

	if (fscanf(f, "%ld", &v) != 1 || v <= 0 || v > INT_MAX)
		return -EINVAL;
	*pid = (pid_t)v;
	return 0;
}

/*
 * `RUNTIME [GLOBAL...] state ID`'s "pid": the init's pid for a create run without
 * --pid-file (engines always pass one; a person typing runc may not).
 */
static int state_pid(const char *real, char **argv, const struct oci_args *a, pid_t *pid)
{
	char **sv = calloc((size_t)a->command + 3, sizeof(*sv));
	json_t *st = NULL;
	json_int_t v = 0;
	int fds[2], status, i, err = -EIO;
	pid_t child;
	FILE *f;

	if (!sv)
		return -ENOMEM;
	if (pipe2(fds, O_CLOEXEC)) {
		free(sv);
		return -errno;
	}
	sv[0] = (char *)real;
	for (i = 1; i < a->command; i++)
		sv[i] = argv[i];
	sv[i++] = "state";
	sv[i++] = (char *)a->id;
	sv[i] = NULL;
	fflush(NULL);
	child = fork();
	if (child == 0) {
		dup2(fds[1], STDOUT_FILENO);
		execv(real, sv);
		_exit(127);
	}
	free(sv);
	close(fds[1]);
	if (child < 0) {
		close(fds[0]);
		return -EAGAIN;
	}
	f = fdopen(fds[0], "re");
	if (f)
		st = json_loadf(f, JSON_DISABLE_EOF_CHECK, NULL);
	if (f)
		fclose(f);
	else
		close(fds[0]);
	while (waitpid(child, &status, 0) < 0)
		if (errno != EINTR)
			break;
	if (st && !json_unpack(st, "{s:I}", "pid", &v) && v > 0 && v <= INT_MAX) {
		*pid = (pid_t)v;
		err = 0;
	}
	json_decref(st);
	return err;
}

/* The init's pid: from --pid-file, else from the runtime's state of the container. */
static int init_pid(const char *real, char **argv, const struct oci_args *a, pid_t *pid)
{
	FILE *f;
	int err;

	if (!a->pid_file)
		return state_pid(real, argv, a, pid);
	f = fopen(a->pid_file, "re");
	if (!f)
		return -errno;
	err = read_pid(f, pid);
	fclose(f);
	return err;
}

static json_t *bind_request(const struct oci_args *a, const struct oci_spec *s, pid_t pid,
			    const char *cgroup)
{
	return json_pack("{s:s,s:s,s:i,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:b}", "cmd",
			 "container_bind", "id", a->id, "pid", (int)pid, "cgroup", cgroup, "policy",
			 s->policy, "policy_from", s->policy_from, "engine",
			 oci_engine_name(s->engine), "name", s->name, "image", s->image, "pod",
			 s->pod, "namespace", s->pod_namespace, "entrypoint", s->entrypoint,
			 "netns", s->has_netns);
}

/*
 * Asks the daemon to bind; 1 when it bound a policy, 0 when none applies, else -errno.
 * *absent: the daemon's socket is missing or nobody listens on it (nothing else).
 * must_bind: the container may not start without a daemon, so a missing socket is
 * waited for too (a daemon starting at boot while the engine restarts containers).
 */
static int bind_container(const struct oci_args *a, const struct oci_spec *s, pid_t pid,
			  const char *sock, int must_bind, char *msg, size_t msgsz, int *absent)
{
	const char *err = NULL;
	char cgroup[4096];
	json_t *req, *resp = NULL;
	int ok = 0, bound = 0, refused = 0, waited, e;

	e = proc_cgroup(pid, cgroup, sizeof(cgroup));
	if (e) {
		snprintf(msg, msgsz, "the container's cgroup (from /proc/%d/cgroup): %s", (int)pid,
			 strerror(-e));
		return e;
	}
	req = bind_request(a, s, pid, cgroup);
	if (!req)
		return -ENOMEM;
	for (waited = 0;; waited += RUNTIME_RETRY_MS) {
		e = control_call(sock, req, &resp, msg, msgsz);
		refused |= e == -ECONNREFUSED;
		/* The restarted daemon replaces the socket: missing for a moment. */
		if (!(e == -ECONNREFUSED || ((refused || must_bind) && e == -ENOENT)) ||
		    waited >= RUNTIME_RESTART_WAIT_MS)
			break;
		usleep(RUNTIME_RETRY_MS * 1000);
	}
	json_decref(req);
	*absent = e == -ENOENT || e == -ECONNREFUSED;
	if (e)
		return e;
	if (json_unpack(resp, "{s:b}", "ok", &ok) || !ok) {
		json_unpack(resp, "{s:s}", "error", &err);
		snprintf(msg, msgsz, "%s", err ? err : "the daemon refused");
		json_decref(resp);
		return -EPERM;
	}
	json_unpack(resp, "{s:b}", "bound", &bound);
	json_decref(resp);
	return bound;
}

/*
 * The daemon's config (AGENTGATE_DAEMON_CONFIG, else the default file when it
 * exists, else the defaults): where its control socket is, and whether it binds
 * containers that ask for nothing. *c NULL when it cannot be read (cfg_err says
 * why): the default socket, and nothing may start unasked.
 */
static const char *daemon_settings(struct daemon_config **c, struct ag_error *cfg_err)
{
	const char *sock = getenv("AGENTGATE_CONTROL_SOCKET");
	const char *path = getenv("AGENTGATE_DAEMON_CONFIG");

	if (path && !*path)
		path = NULL;
	/* The daemon's cwd is not the engine's: a relative name would be another file. */
	if (path && path[0] != '/') {
		snprintf(cfg_err->msg, sizeof(cfg_err->msg),
			 "AGENTGATE_DAEMON_CONFIG '%s' is not an absolute path", path);
		*c = NULL;
	} else if (daemon_config_of(&path, c, cfg_err)) {
		*c = NULL;
	}
	if (sock && *sock)
		return sock;
	return *c ? (*c)->control_socket : DAEMON_DEFAULT_CONTROL;
}

/*
 * With no daemon to ask, may a container that asked for nothing start untouched?
 * Only when the daemon's config would leave it alone too: no selectors, no
 * default_policy, and, with no config on this host, no DAEMON_UNASKED_MARK.
 * Else 0, with why in msg.
 */
static int unasked_may_start(const struct daemon_config *c, const struct ag_error *cfg_err,
			     const char *sock, char *msg, size_t msgsz)
{
	if (!c) {
		snprintf(msg, msgsz, "no daemon answers at %s, and its config cannot be read (%s)",
			 sock, cfg_err->msg);
		return 0;
	}
	if (daemon_config_binds_unasked(c)) {
		snprintf(msg, msgsz,
			 "no daemon answers at %s, and its config (%s) binds containers by "
			 "selectors or default_policy: start the agentgate daemon",
			 sock, c->path ? c->path : "the defaults");
		return 0;
	}
	if (c->path)
		return 1;
	/* No config on this host: the daemon's own, read where it runs, said so when it last started. */
	if (access(DAEMON_UNASKED_MARK, F_OK)) {
		if (errno == ENOENT)
			return 1;
		snprintf(msg, msgsz,
			 "no daemon answers at %s, there is no daemon config on this host, and %s cannot be "
			 "looked for (%s)",
			 sock, DAEMON_UNASKED_MARK, strerror(errno));
		return 0;
	}
	snprintf(msg, msgsz,
		 "no daemon answers at %s, and %s says its config binds containers by "
		 "selectors or default_policy: start the agentgate daemon (the daemon "
		 "removes that file when its config no longer does)",
		 sock, DAEMON_UNASKED_MARK);
	return 0;
}

static int create(const char *real, char **argv, const struct oci_args *a)
{
	struct daemon_config *cfg = NULL;
	struct ag_error cfg_err = { "" };
	struct oci_spec spec;
	char msg[1024], why[1024] = "";
	const char *sock;
	pid_t pid = 0;
	int rc, err, absent = 0, may_start;

	err = oci_spec_load(a->bundle, &spec, msg, sizeof(msg));
	if (err) {
		report(a, "container %s: %s", a->id, msg);
		return 1;
	}
	rc = run_runtime(real, argv);
	if (rc)
		return rc;
	err = init_pid(real, argv, a, &pid);
	if (err) {
		snprintf(msg, sizeof(msg), "the container's init pid (%s%s): %s",
			 a->pid_file ? "--pid-file " : "the runtime's state",
			 a->pid_file ? a->pid_file : "", strerror(-err));
	} else {
		sock = daemon_settings(&cfg, &cfg_err);
		may_start = !spec.policy[0] &&
			    unasked_may_start(cfg, &cfg_err, sock, why, sizeof(why));
		err = bind_container(a, &spec, pid, sock, !may_start, msg, sizeof(msg), &absent);
		daemon_config_free(cfg);
		/*
		 * Without a request of its own, a container is left as if agentgate were
		 * not there when no daemon runs and none would bind it; any other failure
		 * (its pid or cgroup unknown, the daemon's refusal) leaves the selectors
		 * unasked, so it does not start.
		 */
		if (err < 0 && absent && may_start) {
			fprintf(stderr,
				"agentgate: container %s: no policy requested; daemon: %s\n", a->id,
				msg);
			err = 0;
		} else if (err < 0 && absent && !spec.policy[0]) {
			snprintf(msg, sizeof(msg), "%s", why);
		}
		if (err >= 0)
			return 0;
	}
	delete_container(real, argv, a);
	report(a, "container %s not started: policy %s%s%s: %s", a->id, spec.policy[0] ? "'" : "",
	       spec.policy[0] ? spec.policy : "from the daemon's selectors",
	       spec.policy[0] ? "'" : "", msg);
	return 1;
}

int cmd_runtime(int argc, char **argv)
{
	const char *base = strrchr(argv[0], '/');
	struct oci_args a;
	char real[PATH_MAX];

	base = base ? base + 1 : argv[0];
	if (strncmp(base, RUNTIME_PREFIX, strlen(RUNTIME_PREFIX)) ||
	    !base[strlen(RUNTIME_PREFIX)]) {
		fprintf(stderr, "agentgate: run as %sRUNTIME (e.g. a link agentgate-runc)\n",
			RUNTIME_PREFIX);
		return 2;
	}
	if (find_runtime(base + strlen(RUNTIME_PREFIX), real, sizeof(real))) {
		fprintf(stderr, "agentgate: %s: no '%s' on PATH (or set AGENTGATE_RUNTIME)\n", base,
			base + strlen(RUNTIME_PREFIX));
		return 127;
	}
	if (oci_args_parse(argc, argv, &a) == 0 && a.id) {
		const char *cmd = oci_args_command(&a, argv);

		if (!strcmp(cmd, "create"))
			return create(real, argv, &a);
		/*
		 * Both start a container without a create the daemon could bind, and a
		 * restored one's tasks never execve, so an on_exec policy would never judge
		 * them: refused rather than started unconfined.
		 */
		if (!strcmp(cmd, "run") || !strcmp(cmd, "restore")) {
			report(&a,
			       "container %s not started: '%s' is not supported under agentgate "
			       "(a policy is bound at create; checkpoint/restore would run "
			       "unjudged)",
			       a.id, cmd);
			return 1;
		}
	}
	argv[0] = real;
	execv(real, argv);
	fprintf(stderr, "agentgate: %s: %s\n", real, strerror(errno));
	return 127;
}
