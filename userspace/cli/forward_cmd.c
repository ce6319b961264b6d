// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * `agentgate audit forward`: ships a log to a syslog collector until SIGINT
 * or SIGTERM, then sends what is left (at most two seconds) and exits
 * (docs/forward.md). The forwarder runs in a thread; the main thread only
 * waits for the signal (the forwarder never gives up on its own: a CA file it
 * could not use was refused before the thread started).
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "audit/audit.h"
#include "cli.h"
#include "forward/forward.h"

#define DRAIN_MS 2000

static const char usage_text[] =
	"usage: agentgate audit forward --log FILE --to HOST:PORT [--tls [--ca FILE]\n"
	"                               [--tls-name NAME]] [--hostname NAME] [--state FILE]\n"
	"                               [--replay-ms N]\n";

static void say(void *ctx, const char *msg)
{
	fprintf(stderr, "agentgate: forward: %s\n", msg);
}

static void *run(void *arg)
{
	forwarder_run(arg);
	return NULL;
}

int cmd_audit_forward(int argc, char **argv)
{
	static const struct option opts[] = { { "log", required_argument, NULL, 'l' },
					      { "to", required_argument, NULL, 't' },
					      { "tls", no_argument, NULL, 'T' },
					      { "ca", required_argument, NULL, 'c' },
					      { "tls-name", required_argument, NULL, 'n' },
					      { "hostname", required_argument, NULL, 'H' },
					      { "state", required_argument, NULL, 's' },
					      { "replay-ms", required_argument, NULL, 'r' },
					      { "help", no_argument, NULL, 'h' },
					      {} };
	struct forward_config cfg = { .report = say };
	unsigned long long num;
	char host[256], port[8], why[512];
	const char *to = NULL;
	struct forwarder *f;
	pthread_t th;
	sigset_t set;
	unsigned int seen = 0;
	int c, err, sig;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		/* A second --to or --log would otherwise decide alone, silently. */
		if (c && strchr("ltcnHsr", c) && cli_once("audit", opts, c, &seen))
			return AUDIT_USAGE;
		switch (c) {
		case 'l':
			cfg.log = optarg;
			break;
		case 't':
			to = optarg;
			break;
		case 'T':
			cfg.tls = true;
			break;
		case 'c':
			cfg.ca_file = optarg;
			break;
		case 'n':
			cfg.tls_name = optarg;
			break;
		case 'H':
			cfg.hostname = optarg;
			break;
		case 's':
			cfg.state = optarg;
			break;
		case 'r':
			if (cli_num_arg(optarg, 1, 3600000, &num)) {
				fprintf(stderr, "agentgate: audit: --replay-ms wants 1..3600000\n");
				return AUDIT_USAGE;
			}
			cfg.replay_ms = (unsigned int)num;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			fputs(usage_text, stderr);
			return AUDIT_USAGE;
		}
	}
	why[0] = 0;
	if (!cfg.log || !to)
		snprintf(why, sizeof(why), "%s is required",
			 !cfg.log ? "--log FILE" : "--to HOST:PORT");
	else if (optind != argc)
		snprintf(why, sizeof(why), "'%s' is not an option (the log is --log FILE)",
			 argv[optind]);
	else if ((cfg.ca_file || cfg.tls_name) && !cfg.tls)
		snprintf(why, sizeof(why),
			 "%s goes with --tls (without it, plain TCP: nothing to check)",
			 cfg.ca_file ? "--ca" : "--tls-name");
	if (why[0]) {
		fprintf(stderr, "agentgate: audit: forward: %s\n", why);
		fputs(usage_text, stderr);
		return AUDIT_USAGE;
	}
	if (forward_split_addr(to, host, sizeof(host), port, sizeof(port))) {
		fprintf(stderr, "agentgate: audit: --to %s: want HOST:PORT or [IPV6]:PORT\n", to);
		return AUDIT_USAGE;
	}
	cfg.host = host;
	cfg.port = port;
	f = forwarder_new(&cfg, &err, why, sizeof(why));
	if (!f) {
		fprintf(stderr, "agentgate: audit: forward: %s\n",
			why[0]	       ? why :
			err == -EINVAL ? "--hostname must be 1..255 printable ASCII characters" :
					 strerror(-err));
		return AUDIT_USAGE;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	err = pthread_create(&th, NULL, run, f);
	if (err) {
		fprintf(stderr, "agentgate: audit: forward: %s\n", strerror(err));
		forwarder_free(f);
		return 1;
	}
	while (sigwait(&set, &sig))
		;
	forwarder_stop(f, DRAIN_MS);
	pthread_join(th, NULL);
	{
		struct forward_stats st;

		forwarder_stats(f, &st);
		fprintf(stderr,
			"agentgate: forward: stopped: %llu records sent (%llu resent), acknowledged "
			"below seq %llu, %llu connections\n",
			(unsigned long long)st.sent, (unsigned long long)st.resent,
			(unsigned long long)st.acked_seq, (unsigned long long)st.connects);
	}
	forwarder_free(f);
	return 0;
}
