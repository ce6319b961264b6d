// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * `agentgate dashboard`: serves the web page over an audit log (docs/dashboard.md)
 * until SIGINT or SIGTERM. Prints the URL with the token once; the token is also
 * in a root-only file, written only once the server runs. Reads the log, never writes it.
 */
#include <errno.h>
#include <limits.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "cli.h"
#include "daemon/daemon_config.h"
#include "dashboard/dash_token.h"
#include "dashboard/dashboard.h"
#include "loader/loader.h"

static const char usage_text[] =
	"usage: agentgate dashboard --audit-log FILE [--stream SOCKET]\n"
	"       agentgate dashboard --daemon [--config FILE]\n"
	"  options: [--port N | --unix PATH] [--token-file PATH] [--pubkey HEX|FILE]\n"
	"  Serves http://127.0.0.1:PORT/ (default port 7878; 0: any free one) or a unix socket,\n"
	"  not both.\n";

static int usage(void)
{
	fputs(usage_text, stderr);
	return 2;
}

static int port_arg(const char *s, uint16_t *out)
{
	unsigned long long v;
	int err = cli_num_arg(s, 0, 65535, &v);

	if (!err)
		*out = (uint16_t)v;
	return err;
}

/*
 * Marks (on) or unmarks the TCP port as agentgate's, so the kernel refuses it to
 * confined tasks whatever their policy. A host or a process that cannot run
 * agentgate's programs, where none are pinned, has no confined task: said, and
 * served. Anything else that fails fails the dashboard (closed).
 */
static int protect_port(struct loader **l, uint16_t port, bool on)
{
	struct stat sb;
	char why[512];
	int err;

	if (!on) {
		if (*l)
			loader_protect_port(*l, port, false);
		loader_close(*l);
		*l = NULL;
		return 0;
	}
	if (loader_check_support(why, sizeof(why))) {
		fprintf(stderr,
			"agentgate: dashboard: port %u not marked as agentgate's (%s): no agent "
			"can be confined by this process's rights; --unix keeps TCP out of it\n",
			port, why);
		return 0;
	}
	err = loader_open(l, &(struct loader_opts){ 0 });
	if (err == -EPERM && stat(AG_PIN_DIR "/state", &sb)) {
		fprintf(stderr,
			"agentgate: dashboard: port %u not marked as agentgate's: this kernel refuses "
			"agentgate's programs, so no agent is confined here\n",
			port);
		return 0;
	}
	if (!err)
		err = loader_protect_port(*l, port, true);
	if (err)
		fprintf(stderr, "agentgate: dashboard: keeping confined agents from port %u: %s\n",
			port, loader_strerror(err));
	return err;
}

int cmd_dashboard(int argc, char **argv)
{
	static const struct option opts[] = { { "audit-log", required_argument, NULL, 'l' },
					      { "daemon", no_argument, NULL, 'd' },
					      { "config", required_argument, NULL, 'c' },
					      { "stream", required_argument, NULL, 's' },
					      { "port", required_argument, NULL, 'p' },
					      { "unix", required_argument, NULL, 'u' },
					      { "token-file", required_argument, NULL, 't' },
					      { "pubkey", required_argument, NULL, 'k' },
					      { "help", no_argument, NULL, 'h' },
					      {} };
	struct dash_opts o = { .port = 7878 };
	const char *token_file = DASH_DEFAULT_TOKEN_FILE, *config = NULL;
	char why[PATH_MAX + 128];
	struct daemon_config *cfg = NULL;
	struct dash_server *srv = NULL;
	struct loader *loader = NULL;
	uint16_t marked = 0; /* the port marked as agentgate's, to unmark */
	char token[DASH_TOKEN_LEN + 1], pub[65];
	struct ag_error cerr = { 0 };
	bool daemon = false, port_given = false;
	sigset_t sigs;
	unsigned int seen = 0;
	int c, err, sig;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		/* A second --audit-log or --port would otherwise decide alone, silently. */
		if (c && strchr("lcsputk", c) && cli_once("dashboard", opts, c, &seen))
			return 2;
		switch (c) {
		case 'l':
			o.log_path = optarg;
			break;
		case 'd':
			daemon = true;
			break;
		case 'c':
			config = optarg;
			break;
		case 's':
			o.stream_socket = optarg;
			break;
		case 'p':
			if (port_arg(optarg, &o.port)) {
				fprintf(stderr, "agentgate: dashboard: --port %s: want 0 to 65535\n",
					optarg);
				return 2;
			}
			port_given = true;
			break;
		case 'u':
			o.unix_path = optarg;
			break;
		case 't':
			token_file = optarg;
			break;
		case 'k':
			if (cli_pubkey_opt("dashboard", optarg, pub))
				return 2;
			o.pubkey_hex = pub;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			return usage();
		}
	}
	if (optind != argc || daemon == !!o.log_path || (config && !daemon))
		return usage();
	if (port_given && o.unix_path) {
		fprintf(stderr, "agentgate: dashboard: --port and --unix are alternatives\n");
		return usage();
	}
	if (daemon) {
		/* The daemon's own settings: its log and its live stream. */
		err = daemon_config_of(&config, &cfg, &cerr);
		if (err) {
			fprintf(stderr, "agentgate: dashboard: %s\n",
				cerr.msg[0] ? cerr.msg : strerror(-err));
			return 2;
		}
		o.log_path = cfg->audit.log ? cfg->audit.log : DAEMON_DEFAULT_AUDIT_LOG;
		if (!o.stream_socket)
			o.stream_socket = cfg->stream_socket;
	}
	err = dash_token_new(token);
	if (err) {
		fprintf(stderr, "agentgate: dashboard: token: %s\n", strerror(-err));
		goto out;
	}
	o.token = token;
	/* Signals are taken by sigwait below: blocked before the server's threads exist. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	err = dash_server_start(&o, &srv, why, sizeof(why));
	if (err) {
		fprintf(stderr, "agentgate: dashboard: %s\n", why);
		goto out;
	}
	/* Written once the log is read and the socket bound: a refused start leaves no file. */
	err = dash_token_write(token_file, token);
	if (err) {
		fprintf(stderr, "agentgate: dashboard: token file %s: %s\n", token_file,
			err == -EPERM ? "its directory is writable by group or others" :
					strerror(-err));
		goto out;
	}
	/* Confined agents are refused the port by the kernel, whatever their policy allows. */
	if (!o.unix_path) {
		err = protect_port(&loader, dash_server_port(srv), true);
		if (err)
			goto out;
		marked = loader ? dash_server_port(srv) : 0;
	}
	if (o.unix_path)
		printf("agentgate: dashboard on unix socket %s\n", o.unix_path);
	else
		printf("agentgate: dashboard on http://127.0.0.1:%u/?token=%s\n",
		       dash_server_port(srv), token);
	printf("agentgate: token in %s (mode 0600); log %s%s%s\n", token_file, o.log_path,
	       o.stream_socket ? ", live from " : "", o.stream_socket ? o.stream_socket : "");
	fflush(stdout);
	while (sigwait(&sigs, &sig))
		;
out:
	dash_server_stop(srv);
	if (marked)
		protect_port(&loader, marked, false);
	loader_close(loader);
	daemon_config_free(cfg);
	return err ? 1 : 0;
}
