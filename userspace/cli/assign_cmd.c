// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Clients of the daemon's control socket:
 *   agentgate assign [--socket PATH] [--mode enforce|simulate] CGROUP POLICY
 *   agentgate unassign [--socket PATH] CGROUP
 *   agentgate status [--socket PATH] [--json]
 * Each prints the daemon's error once and exits 1 when it refuses.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "container_find.h"
#include "daemon/control.h"
#include "daemon/daemon_config.h"

struct client_args {
	const char *socket;
	const char *mode;
	const char *container;
	int json;
	int on_exec;
};

static int parse(int argc, char **argv, struct client_args *a, const char *usage)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "mode", required_argument, NULL, 'm' },
		{ "json", no_argument, NULL, 'j' },
		{ "on-exec", no_argument, NULL, 'e' },
		{ "container", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned int seen = 0;
	int c;

	a->socket = DAEMON_DEFAULT_CONTROL;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		/* A second --socket or --mode would otherwise decide alone, silently. */
		if (c && strchr("smc", c) && cli_once(argv[0], opts, c, &seen))
			return 2;
		switch (c) {
		case 's':
			a->socket = optarg;
			break;
		case 'm':
			a->mode = optarg;
			break;
		case 'j':
			a->json = 1;
			break;
		case 'e':
			a->on_exec = 1;
			break;
		case 'c':
			a->container = optarg;
			break;
		case 'h':
			printf("usage: agentgate %s\n", usage);
			return 0;
		default:
			fprintf(stderr, "usage: agentgate %s\n", usage);
			return 2;
		}
	}
	return -1;
}

/* Options only assign takes: another command refuses them rather than ignore them. */
static int assign_only(const struct client_args *a)
{
	return a->mode || a->on_exec || a->container;
}

/* Sends req; prints the daemon's error (or why it could not be reached). */
static int call(const char *cmd, const struct client_args *a, json_t *req, json_t **resp)
{
	const char *err = NULL;
	char msg[512];
	int ok = 0;

	if (!req) {
		fprintf(stderr, "agentgate: %s: out of memory\n", cmd);
		return 1;
	}
	if (control_call(a->socket, req, resp, msg, sizeof(msg))) {
		fprintf(stderr, "agentgate: %s: %s\n", cmd, msg);
		json_decref(req);
		return 1;
	}
	json_decref(req);
	if (json_unpack(*resp, "{s:b}", "ok", &ok) || !ok) {
		json_unpack(*resp, "{s:s}", "error", &err);
		fprintf(stderr, "agentgate: %s: %s\n", cmd, err ? err : "the daemon refused");
		json_decref(*resp);
		return 1;
	}
	if (!json_unpack(*resp, "{s:s}", "warning", &err))
		fprintf(stderr, "agentgate: %s: warning: %s\n", cmd, err);
	return 0;
}

int cmd_assign(int argc, char **argv)
{
	static const char usage[] = "assign [--socket PATH] [--mode enforce|simulate] "
				    "[--on-exec] CGROUP POLICY | --container NAME|ID POLICY";
	struct client_args a = {};
	struct found_container fc;
	char policy[PATH_MAX], msg[512];
	const char *cgroup;
	json_t *req, *resp;
	int ret;

	ret = parse(argc, argv, &a, usage);
	if (ret >= 0)
		return ret;
	if (argc - optind != (a.container ? 1 : 2) || (a.container && a.on_exec)) {
		fprintf(stderr, "usage: agentgate %s\n", usage);
		return 2;
	}
	if (a.mode && daemon_parse_mode(a.mode) < 0) {
		fprintf(stderr, "agentgate: assign: --mode must be enforce or simulate, not '%s'\n",
			a.mode);
		return 2;
	}
	/* The daemon reads the policy itself, from its own cwd: send an absolute path. */
	if (!realpath(argv[argc - 1], policy)) {
		fprintf(stderr, "agentgate: assign: %s: %s\n", argv[argc - 1], strerror(errno));
		return 1;
	}
	cgroup = argv[optind];
	if (a.container) {
		if (container_find(a.container, &fc, msg, sizeof(msg))) {
			fprintf(stderr, "agentgate: assign: %s\n", msg);
			return 1;
		}
		cgroup = fc.cgroup;
	}
	req = json_pack("{s:s, s:s, s:s, s:b}", "cmd", "assign", "cgroup", cgroup, "policy", policy,
			"on_exec", a.on_exec);
	if (req && a.mode)
		json_object_set_new(req, "mode", json_string(a.mode));
	if (req && a.container)
		json_object_set_new(req, "container",
				    json_pack("{s:s, s:s, s:s}", "id", fc.id, "engine", fc.engine,
					      "name", fc.name));
	ret = call("assign", &a, req, &resp);
	if (ret)
		return ret;
	json_decref(resp);
	if (a.container)
		fprintf(stderr,
			"agentgate: assign: container %.12s (%s) is confined from now on; what it "
			"ran before was not judged\n",
			fc.id, fc.cgroup);
	return 0;
}

int cmd_unassign(int argc, char **argv)
{
	static const char usage[] = "unassign [--socket PATH] CGROUP";
	struct client_args a = {};
	json_t *resp;
	int ret;

	ret = parse(argc, argv, &a, usage);
	if (ret >= 0)
		return ret;
	if (argc - optind != 1 || assign_only(&a)) {
		fprintf(stderr, "usage: agentgate %s\n", usage);
		return 2;
	}
	ret = call("unassign", &a,
		   json_pack("{s:s, s:s}", "cmd", "unassign", "cgroup", argv[optind]), &resp);
	if (!ret)
		json_decref(resp);
	return ret;
}

/*
 * o's string member key for a terminal: what the engine passed on (a container's
 * name and image come from whoever starts it) with its control characters (C0,
 * DEL, C1) shown as '?', so that they cannot move the cursor or fake lines.
 */
static const char *shown(const json_t *o, const char *key, char *buf, size_t size)
{
	const unsigned char *s = (const unsigned char *)json_string_value(json_object_get(o, key));
	size_t n = 0;

	for (; s && *s && n + 1 < size; s++) {
		if (s[0] == 0xc2 && s[1] >= 0x80 && s[1] <= 0x9f) /* U+0080..U+009F */
			s++;
		else if (*s >= 0x20 && *s != 0x7f) {
			buf[n++] = (char)*s;
			continue;
		}
		buf[n++] = '?';
	}
	buf[n] = '\0';
	return buf;
}

static void print_status(json_t *s)
{
	json_t *progs = json_object_get(s, "programs"), *pols = json_object_get(s, "policies"), *p;
	json_t *errs = json_object_get(s, "errors"), *n;
	const char *hook;
	json_int_t pid = 0, up = 0, events = 0, drops = 0, gaps = 0, others = 0;
	const char *kernel = "", *log = "", *cfg = "";
	char b[4][256];
	size_t i;

	json_unpack(s, "{s?:I, s?:I, s?:s, s?:I, s?:I, s?:I, s?:I, s?:s, s?:s}", "pid", &pid,
		    "uptime_s", &up, "kernel", &kernel, "events", &events, "drops", &drops,
		    "gap_events", &gaps, "other_policies", &others, "audit_log", &log, "config",
		    &cfg);
	printf("daemon     pid %lld, up %lld s, config %s\n", (long long)pid, (long long)up,
	       *cfg ? cfg : "(built-in defaults)");
	printf("kernel     %s\n", kernel);
	printf("programs  ");
	for (i = 0; i < json_array_size(progs); i++)
		printf(" %s", json_string_value(json_array_get(progs, i)));
	printf("%s\n", json_array_size(progs) ? "" : " none attached");
	printf("audit log  %s: %lld events written, %lld lost in the kernel (%lld recorded as gaps)\n",
	       log, (long long)events, (long long)drops, (long long)gaps);
	n = json_object_get(s, "ask_socket");
	printf("ask        %s\n", json_is_string(n) ? json_string_value(n) : "not served");
	n = json_object_get(s, "open_memo");
	if (json_is_boolean(n))
		printf("open memo  %s\n",
		       json_is_true(n) ?
			       "on: a task's repeated opens of a file reuse its last decision" :
			       "off: /proc/kallsyms gave agentgate no kernel addresses (kptr_restrict, "
			       "no CAP_SYSLOG); every open is judged in full");
	n = json_object_get(s, "forward");
	if (json_is_object(n)) {
		const char *fh = "", *fp = "";
		json_int_t sent = 0, resent = 0, acked = 0;
		int conn = 0, tls = 0;

		json_unpack(n, "{s?:s, s?:s, s?:b, s?:b, s?:I, s?:I, s?:I}", "host", &fh, "port", &fp,
			    "tls", &tls, "connected", &conn, "sent", &sent, "resent", &resent,
			    "acked_seq", &acked);
		printf("forward    %s:%s%s %s: %lld records sent (%lld resent), acknowledged below "
		       "seq %lld\n",
		       fh, fp, tls ? " (TLS)" : "", conn ? "connected" : "not connected",
		       (long long)sent, (long long)resent, (long long)acked);
	}
	if (json_object_size(errs)) {
		printf("errors    ");
		json_object_foreach(errs, hook, n)
			printf(" %s %lld", hook, (long long)json_integer_value(n));
		printf(" (kernel helper failures: denied or recorded)\n");
	}
	printf("policies   %zu assigned by the daemon, %lld other (agentgate exec)\n",
	       json_array_size(pols), (long long)others);
	json_array_foreach(pols, i, p)
	{
		const char *cg = "", *name = "?", *mode = "", *sha = "", *src = "", *path = "",
			   *err = NULL;

		json_unpack(p, "{s?:s, s?:s, s?:s, s?:s, s?:s, s?:s, s?:s}", "cgroup", &cg, "name",
			    &name, "mode", &mode, "sha256", &sha, "source", &src, "policy", &path,
			    "error", &err);
		printf("  %-24s %-20s %-8s %.16s %-7s %s\n", cg, name, mode, *sha ? sha : "-", src,
		       path);
		if (json_is_integer(json_object_get(p, "dns_namespaces")))
			printf("  %-24s dns proxy in %lld network namespace(s) of its tasks\n", "",
			       (long long)json_integer_value(json_object_get(p, "dns_namespaces")));
		else
			printf("  %-24s dns proxy none: names do not resolve\n", "");
		if (err)
			printf("  %-24s error: %s\n", "", err);
		if (json_is_true(json_object_get(p, "on_exec")))
			printf("  %-24s judged from each task's execve in the cgroup (on exec)\n",
			       "");
		n = json_object_get(p, "container");
		if (n) {
			const char *image = shown(n, "image", b[3], sizeof(b[3]));

			printf("  %-24s container %s %.12s %s%s%s\n", "",
			       shown(n, "engine", b[0], sizeof(b[0])),
			       shown(n, "id", b[1], sizeof(b[1])),
			       shown(n, "name", b[2], sizeof(b[2])), *image ? " image " : "",
			       image);
		}
	}
}

int cmd_status(int argc, char **argv)
{
	static const char usage[] = "status [--socket PATH] [--json]";
	struct client_args a = {};
	json_t *resp;
	int ret;

	ret = parse(argc, argv, &a, usage);
	if (ret >= 0)
		return ret;
	if (argc != optind || assign_only(&a)) {
		fprintf(stderr, "usage: agentgate %s\n", usage);
		return 2;
	}
	ret = call("status", &a, json_pack("{s:s}", "cmd", "status"), &resp);
	if (ret)
		return ret;
	if (a.json) {
		json_dumpf(resp, stdout, JSON_COMPACT);
		putchar('\n');
	} else {
		print_status(resp);
	}
	json_decref(resp);
	return 0;
}
