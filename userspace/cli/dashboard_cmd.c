// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * `agentgate dashboard`: serves the web page over an audit log (docs/dashboard.md)
 * until SIGINT or SIGTERM. Prints the URL with the token once; the token is also
 * in a root-only file. Reads the log, never writes it.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "daemon/daemon_config.h"
#include "dashboard/dash_token.h"
#include "dashboard/dashboard.h"

static const char usage_text[] =
	"usage: agentgate dashboard --audit-log FILE [--stream SOCKET]\n"
	"       agentgate dashboard --daemon [--config FILE]\n"
	"  options: [--port N | --unix PATH] [--token-file PATH] [--pubkey HEX|FILE]\n"
	"  Serves http://127.0.0.1:PORT/ (default port 7878; 0: any free one) or a unix socket.\n";

static int usage(void)
{
	fputs(usage_text, stderr);
	return 2;
}

static int port_arg(const char *s, uint16_t *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || !*s || v < 0 || v > 65535)
		return -EINVAL;
	*out = (uint16_t)v;
	return 0;
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
	const char *token_file = DASH_DEFAULT_TOKEN_FILE, *config = NULL, *why;
	struct daemon_config *cfg = NULL;
	struct dash_server *srv = NULL;
	char token[DASH_TOKEN_LEN + 1], pub[65];
	struct ag_error cerr = { 0 };
	bool daemon = false;
	sigset_t sigs;
	int c, err, sig;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
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
			break;
		case 'u':
			o.unix_path = optarg;
			break;
		case 't':
			token_file = optarg;
			break;
		case 'k':
			if ((err = cli_pubkey_arg(optarg, pub))) {
				fprintf(stderr,
					"agentgate: dashboard: --pubkey %s: %s (want 64 hex digits "
					"or a file holding them)\n",
					optarg, strerror(-err));
				return 2;
			}
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
	if (daemon) {
		/* The daemon's own settings: its log and its live stream. */
		err = config ? daemon_config_load(config, &cfg, &cerr) : daemon_config_default(&cfg);
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
	if (!err && (err = dash_token_write(token_file, token)))
		fprintf(stderr, "agentgate: dashboard: token file %s: %s\n", token_file,
			strerror(-err));
	if (err)
		goto out;
	o.token = token;
	/* Signals are taken by sigwait below: blocked before the server's threads exist. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	err = dash_server_start(&o, &srv, &why);
	if (err) {
		fprintf(stderr, "agentgate: dashboard: %s%s%s\n",
			err == -ENOENT || err == -EACCES || err == -EINVAL ? o.log_path : "",
			err == -ENOENT || err == -EACCES || err == -EINVAL ? ": " : "",
			strerror(-err));
		if (why)
			fprintf(stderr, "agentgate: dashboard: %s\n", why);
		goto out;
	}
	/*
	 * METRICS-MERGE: the one place where the dashboard's port is to be registered in the
	 * kernel's map of agentgate's loopback ports, which confined tasks may not connect to
	 * (branch metrics, loader_protect_port(port, true); false again after
	 * dash_server_stop()). Until then confined agents can connect to 127.0.0.1:PORT but
	 * get 401 without the token, which they cannot read (--unix avoids TCP altogether).
	 */
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
	dash_server_stop(srv);
out:
	daemon_config_free(cfg);
	return err ? 1 : 0;
}
