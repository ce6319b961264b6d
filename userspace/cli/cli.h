/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Subcommands of the agentgate binary; each returns the process exit status. */
#ifndef AGENTGATE_CLI_H
#define AGENTGATE_CLI_H

struct option;

/*
 * 0 when what was printed reached standard output; else says why on stderr
 * and returns -1: a full disk or a closed pipe must not pass for success
 * (`audit pubkey > audit.pub`).
 */
int stdout_flushed(void);
int cmd_check(int argc, char **argv);
int cmd_lint(int argc, char **argv);
int cmd_exec(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_audit_forward(int argc, char **argv); /* forward_cmd.c */
int cmd_daemon(int argc, char **argv);
int cmd_assign(int argc, char **argv);
int cmd_unassign(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_runtime(int argc, char **argv);
int cmd_learn(int argc, char **argv);
int cmd_dashboard(int argc, char **argv);

/*
 * A decimal number from min to max, digits only (no sign, no spaces): 0, or
 * -EINVAL / -ERANGE with *out untouched.
 */
int cli_num_arg(const char *s, unsigned long long min, unsigned long long max,
		unsigned long long *out);

/*
 * Notes getopt_long's answer c (an option of opts, at most 32 of them) in
 * *seen: 0 the first time, -EINVAL when it was given before, said on stderr
 * as cmd's usage error naming it. A single-value option given twice would
 * otherwise be judged by its last value alone, silently.
 */
int cli_once(const char *cmd, const struct option *opts, int c, unsigned int *seen);

/*
 * --pubkey takes the 64 hex digits themselves or a file holding them (audit.pub):
 * 0, or -1 once "agentgate: CMD: --pubkey ARG: <what is wrong>" is on stderr.
 */
int cli_pubkey_opt(const char *cmd, const char *arg, char out[65]);

#endif /* AGENTGATE_CLI_H */
