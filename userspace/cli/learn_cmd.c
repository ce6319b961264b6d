// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * agentgate learn --audit-log LOG [...]: the policy the agent's recorded
 * actions call for (docs/learn.md). The YAML goes to stdout (or -o FILE), the
 * summary a reviewer reads to stderr; --json prints both as one object.
 * Exit: 0 proposal written, 1 refused (log does not verify, nothing to learn,
 * the proposal would not hold), 2 usage.
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "audit/audit_int.h"
#include "cli.h"
#include "learn/learn.h"
#include "policy/policy.h"

#define MAX_LOGS 64

static const char usage_text[] =
	"usage: agentgate learn --audit-log LOG [--audit-log LOG.000001 ...]\n"
	"                       [--agent CGROUP | --container NAME|ID] [--policy CURRENT]\n"
	"                       [--since TIME] [--pubkey HEX|FILE] [--key-dir DIR] [--unverified]\n"
	"                       [--name NAME] [--json] [-o FILE]\n"
	"  TIME: 2026-02-13T12:00:00Z, @UNIXSECONDS, or an age such as 30m, 2h, 7d\n";

/*
 * An RFC 3339 UTC time, @seconds, or an age (s, m, h, d) before now, in Unix
 * ns. Only times from 1970 to 2262 (int64 ns) that exist: an overflow or a
 * 30 February would otherwise select from some other time without a word.
 */
static int parse_since(const char *s, int64_t *ns)
{
	static const char units[] = "smhd";
	static const long mult[] = { 1, 60, 3600, 86400 };
	const long long max_s = INT64_MAX / 1000000000LL;
	struct tm tm = { 0 }, back;
	const char *end, *u;
	long long v, now = (long long)time(NULL);
	time_t t;
	char *e;

	errno = 0;
	if (s[0] == '@') {
		v = strtoll(s + 1, &e, 10);
		if (e == s + 1 || *e || errno || v < 0 || v > max_s)
			return -EINVAL;
		*ns = (int64_t)v * 1000000000LL;
		return 0;
	}
	v = strtoll(s, &e, 10);
	if (e != s && e[0] && !e[1] && (u = strchr(units, e[0]))) {
		if (errno || v < 0 || v > now / mult[u - units])
			return -EINVAL;
		*ns = (int64_t)(now - v * mult[u - units]) * 1000000000LL;
		return 0;
	}
	end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!end)
		return -EINVAL;
	back = tm;
	t = timegm(&back);
	if (!gmtime_r(&t, &back) || back.tm_mday != tm.tm_mday || back.tm_mon != tm.tm_mon ||
	    back.tm_year != tm.tm_year || t < 0 || t >= max_s) /* room for the fraction */
		return -EINVAL;
	v = 0;
	if (*end == '.') {
		long long frac = 0, scale = 1000000000LL;

		for (end++; *end >= '0' && *end <= '9'; end++)
			if (scale > 1) {
				scale /= 10;
				frac += (*end - '0') * scale;
			}
		v = frac;
	}
	if (strcmp(end, "Z"))
		return -EINVAL;
	*ns = (int64_t)t * 1000000000LL + v;
	return 0;
}

static int write_out(const char *path, const char *text)
{
	FILE *f = path ? fopen(path, "we") : stdout;
	int err = 0;

	if (!f)
		return -errno;
	if (fputs(text, f) < 0)
		err = -EIO;
	if (f != stdout && fclose(f))
		err = err ? err : -errno;
	else if (f == stdout && fflush(f))
		err = -EIO;
	return err;
}

int cmd_learn(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "audit-log", required_argument, NULL, 'l' },
		{ "agent", required_argument, NULL, 'a' },
		{ "container", required_argument, NULL, 'c' },
		{ "policy", required_argument, NULL, 'p' },
		{ "since", required_argument, NULL, 's' },
		{ "pubkey", required_argument, NULL, 'k' },
		{ "key-dir", required_argument, NULL, 'K' },
		{ "unverified", no_argument, NULL, 'U' },
		{ "name", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct learn_opts o = { 0 };
	struct learn_result *r = NULL;
	struct ag_error err;
	char *logs[MAX_LOGS], pub[65], why[256], *yaml = NULL, *summary = NULL, *js = NULL;
	const char *output = NULL;
	json_t *j = NULL;
	bool json = false;
	unsigned int seen = 0;
	int c, ret, nlogs = 0;

	while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
		/* A second --agent or --policy would otherwise decide alone, silently. */
		if (c && strchr("acpskKno", c) && cli_once("learn", opts, c, &seen))
			return 2;
		switch (c) {
		case 'l':
			if (nlogs == MAX_LOGS) {
				fprintf(stderr, "agentgate: learn: at most %d --audit-log files\n",
					MAX_LOGS);
				return 2;
			}
			logs[nlogs++] = optarg;
			break;
		case 'a':
			o.agent = optarg;
			break;
		case 'c':
			o.container = optarg;
			break;
		case 'p':
			o.policy = optarg;
			break;
		case 's':
			if (parse_since(optarg, &o.since_ns)) {
				fprintf(stderr,
					"agentgate: learn: --since %s: expected a time such as "
					"2026-02-13T12:00:00Z, @1770000000 or 2h, from 1970 to 2262\n",
					optarg);
				return 2;
			}
			break;
		case 'k':
			if (cli_pubkey_opt("learn", optarg, pub))
				return 2;
			o.pubkey_hex = pub;
			break;
		case 'K':
			o.key_dir = optarg;
			break;
		case 'U':
			o.unverified = true;
			break;
		case 'n':
			if (!policy_name_ok(optarg)) {
				fprintf(stderr,
					"agentgate: learn: --name wants 1 to %u bytes without control "
					"characters\n",
					AG_POLICY_MAX_NAME);
				return 2;
			}
			o.name = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'o':
			output = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			fputs(usage_text, stderr);
			return 2;
		}
	}
	if (!nlogs || optind != argc || (o.agent && o.container)) {
		/* The usage alone would leave the operator to guess which argument is wrong. */
		if (!nlogs)
			fprintf(stderr, "agentgate: learn: --audit-log LOG is required\n");
		else if (optind != argc)
			fprintf(stderr,
				"agentgate: learn: '%s' is not an option (the log is --audit-log LOG)\n",
				argv[optind]);
		else
			fprintf(stderr,
				"agentgate: learn: --agent and --container are alternatives\n");
		fputs(usage_text, stderr);
		return 2;
	}
	/* learn selects records with tail's filter: the same values are valid. */
	if (audit_filter_check(&(struct audit_filter){ .agent = o.agent, .container = o.container },
			       why, sizeof(why))) {
		fprintf(stderr, "agentgate: learn: %s\n", why);
		return 2;
	}
	o.logs = logs;
	o.nlogs = nlogs;
	ret = learn_propose(&o, &r, &err);
	if (ret) {
		fprintf(stderr, "agentgate: learn: %s\n", err.msg);
		/* A log named twice is usage, as audit verify and export take it. */
		return ret == -EEXIST ? 2 : 1;
	}
	if (json) {
		ret = learn_result_json(r, &j);
		js = ret ? NULL : json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		ret = js ? write_out(output, js) : -ENOMEM;
	} else {
		ret = learn_result_yaml(r, &yaml);
		if (!ret)
			ret = learn_result_summary(r, &summary);
		if (!ret)
			ret = write_out(output, yaml);
		if (!ret)
			fputs(summary, stderr);
	}
	if (ret)
		fprintf(stderr, "agentgate: learn: %s: %s\n", output ? output : "stdout",
			strerror(-ret));
	free(js);
	json_decref(j);
	free(yaml);
	free(summary);
	learn_result_free(r);
	return ret ? 1 : 0;
}
