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

/* Each usage as the command's own --help gives it; "\n  " starts another form, "\n      " goes on. */
static const struct command commands[] = {
	{ "check", cmd_check,
	  "check [--json] POLICY [FILE|-]\n"
	  "  check [--json] POLICY --action ACTION [--path P | --command C |\n"
	  "      --domain D [--port N] | [--domain D] --ip IP --port N]" },
	{ "lint", cmd_lint, "lint [--] POLICY" },
	{ "exec", cmd_exec,
	  "exec --policy FILE [--mode enforce|simulate] [--audit-log FILE [--key-dir DIR]]\n"
	  "      [--verbose] -- CMD [ARG...]" },
	{ "audit", cmd_audit,
	  "audit verify [--pubkey HEX|FILE] [--open] [--dedup] [--max-age SECONDS] FILE...\n"
	  "  audit tail [-f] [--decision allow|deny] [--action A] [--agent CGROUP]\n"
	  "      [--container NAME|ID] [--json|--text] FILE | --live SOCKET\n"
	  "  audit export --format jsonl|csv FILE...\n"
	  "  audit forward --log FILE --to HOST:PORT [--tls [--ca FILE] [--tls-name NAME]]\n"
	  "      [--hostname NAME] [--state FILE] [--replay-ms N]\n"
	  "  audit keygen [--key-dir DIR]\n"
	  "  audit pubkey [--key-dir DIR]" },
	{ "learn", cmd_learn,
	  "learn --audit-log LOG [--audit-log LOG.000001 ...]\n"
	  "      [--agent CGROUP | --container NAME|ID] [--policy CURRENT] [--since TIME]\n"
	  "      [--pubkey HEX|FILE] [--key-dir DIR] [--unverified] [--name NAME] [--json] [-o FILE]" },
	{ "daemon", cmd_daemon, "daemon [--config FILE] [--verbose] [--foreground]\n  daemon [--config FILE] --check" },
	{ "assign", cmd_assign,
	  "assign [--socket PATH] [--mode enforce|simulate] [--on-exec] CGROUP POLICY\n"
	  "  assign [--socket PATH] [--mode enforce|simulate] --container NAME|ID POLICY" },
	{ "unassign", cmd_unassign, "unassign [--socket PATH] CGROUP" },
	{ "status", cmd_status, "status [--socket PATH] [--json]" },
	{ "dashboard", cmd_dashboard,
	  "dashboard --audit-log FILE [--stream SOCKET]\n"
	  "  dashboard --daemon [--config FILE]\n"
	  "      [--port N | --unix PATH] [--token-file PATH] [--pubkey HEX|FILE]" },
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
		return stdout_flushed() ? 2 : 0;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return stdout_flushed() ? 2 : 0;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name)) {
			/*
			 * What a command that succeeded printed (a report, --help) must have
			 * reached stdout; one that failed said why itself.
			 */
			int rc = commands[i].run(argc - 1, argv + 1);

			return !rc && stdout_flushed() ? 2 : rc;
		}
	fprintf(stderr, "agentgate: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
