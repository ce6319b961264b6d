// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* agentgate: one binary, one subcommand per job. */
#include <stdio.h>
#include <string.h>
#include "cli.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *usage;
};

static const struct command commands[] = {
	{ "check", cmd_check, "check POLICY [FILE|-] | check POLICY --action A --path P ..." },
	{ "lint", cmd_lint, "lint POLICY" },
	{ "exec", cmd_exec,
	  "exec --policy FILE [--mode enforce|simulate] [--audit-log FILE] [--verbose] -- CMD [ARG...]" },
	{ "audit", cmd_audit, "audit verify|tail|export|keygen|pubkey ... (audit --help)" },
	{ "learn", cmd_learn,
	  "learn --audit-log LOG [--agent CGROUP|--container NAME] [--policy CURRENT] [--since T]\n"
	  "  [--pubkey HEX|FILE] [--unverified] [--name NAME] [--json] [-o FILE]" },
	{ "daemon", cmd_daemon, "daemon [--config FILE] [--verbose] [--foreground]" },
	{ "assign", cmd_assign,
	  "assign [--socket PATH] [--mode enforce|simulate] [--on-exec] CGROUP POLICY\n"
	  "  assign [--socket PATH] [--mode enforce|simulate] --container NAME|ID POLICY" },
	{ "unassign", cmd_unassign, "unassign [--socket PATH] CGROUP" },
	{ "status", cmd_status, "status [--socket PATH] [--json]" },
	{ "dashboard", cmd_dashboard,
	  "dashboard --audit-log FILE [--stream SOCKET] | --daemon [--config FILE]\n"
	  "  [--port N | --unix PATH] [--token-file PATH] [--pubkey HEX|FILE]" },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: agentgate COMMAND [ARGS]\n\ncommands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %s\n", commands[i].usage);
}

int main(int argc, char **argv)
{
	const char *base = strrchr(argv[0], '/');
	size_t i;

	/* agentgate-runc, agentgate-crun: an OCI runtime for container engines (runtime_cmd.c). */
	base = base ? base + 1 : argv[0];
	if (!strncmp(base, "agentgate-", 10))
		return cmd_runtime(argc, argv);

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("agentgate %s\n", AG_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "agentgate: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
