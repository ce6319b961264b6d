// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * agentgate check POLICY [FILE|-]        one JSON request per line in, one result per line out
 * agentgate check POLICY --action A ...  one request from options
 * Exit: 0 every request judged, 1 some lines were malformed, 2 usage or policy error.
 * A terminal gets an aligned table instead of JSON lines (--json forces JSON).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "audit/audit_int.h"
#include "check/check.h"
#include "cli.h"

#define MAX_LINE (1u << 20)

struct out {
	int table;
	int header_done;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: agentgate check [--json] POLICY [FILE|-]\n"
		"       agentgate check [--json] POLICY --action ACTION [--path P | --command C |\n"
		"                       --domain D [--port N] | [--domain D] --ip IP --port N]\n");
}

static int emit(struct out *o, const struct ag_policy *p, const struct check_result *r,
		unsigned long line)
{
	char buf[16], num[24], *s;
	struct abuf shown = { 0 };
	const char *reason, *t;
	size_t split;
	json_t *j;
	int err;

	if (o->table) {
		if (!o->header_done)
			printf("%-5s %-8s %-9s %-10s %-32s %s\n", "LINE", "DECISION", "RULE",
			       "ACTION", "REASON", "SUBJECT");
		o->header_done = 1;
		/* The request's bytes (and a reason's) as shown: a terminal obeys raw ESC, CR. */
		reason = check_reason(p, r);
		reason = reason ? reason : "-";
		audit_display(&shown, reason, strlen(reason));
		split = shown.len;
		audit_display(&shown, r->subject, strlen(r->subject));
		t = shown.p ? shown.p : "";
		snprintf(num, sizeof(num), "%lu", line);
		if (!shown.oom)
			printf("%-5s %-8s %-9s %-10s %-32.*s %.*s\n", line ? num : "-",
			       r->v.allow ? "ALLOW" : "DENY", check_rule_name(r, buf, sizeof(buf)),
			       ag_action_name(r->action), (int)split, t, (int)(shown.len - split),
			       t + split);
		err = shown.oom ? -ENOMEM : 0;
		abuf_free(&shown);
		return err;
	}
	j = check_result_json(p, r, line);
	s = j ? json_dumps(j, JSON_PRESERVE_ORDER | JSON_COMPACT) : NULL;
	json_decref(j);
	if (!s)
		return -ENOMEM;
	printf("%s\n", s);
	free(s);
	return 0;
}

static int blank(const char *s)
{
	return s[strspn(s, " \t\r\n")] == '\0';
}

/* Returns 0 when every line was judged, 1 when some were malformed, 2 on I/O errors. */
static int run_stream(const struct ag_policy *p, const struct ag_image *img, const char *name,
		      struct out *o)
{
	const char *shown = strcmp(name, "-") ? name : "stdin";
	struct check_result res;
	unsigned long lineno = 0;
	char *line = NULL, what[256];
	size_t cap = 0;
	ssize_t n;
	FILE *f;
	int status = 0;

	f = strcmp(name, "-") ? fopen(name, "r") : stdin;
	if (!f) {
		fprintf(stderr, "agentgate: check: %s: %s\n", name, strerror(errno));
		return 2;
	}
	while ((n = getline(&line, &cap, f)) >= 0) {
		lineno++;
		if (blank(line))
			continue;
		if ((size_t)n > MAX_LINE) {
			fprintf(stderr,
				"agentgate: check: %s:%lu: expected a line of at most %u bytes\n",
				shown, lineno, MAX_LINE);
			status = 1;
			continue;
		}
		if (check_request(p, img, line, (size_t)n, &res, what, sizeof(what))) {
			fprintf(stderr, "agentgate: check: %s:%lu: %s\n", shown, lineno, what);
			status = 1;
			continue;
		}
		if (emit(o, p, &res, lineno)) {
			status = 2;
			break;
		}
	}
	/* errno is getline()'s: a directory given as FILE says "Is a directory". */
	if (ferror(f)) {
		fprintf(stderr, "agentgate: check: %s: %s\n", shown, strerror(errno));
		status = 2;
	}
	free(line);
	if (f != stdin)
		fclose(f);
	return status;
}

int cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "action", required_argument, NULL, 'a' },
		{ "path", required_argument, NULL, 'p' },
		{ "command", required_argument, NULL, 'c' },
		{ "domain", required_argument, NULL, 'd' },
		{ "ip", required_argument, NULL, 'i' },
		{ "port", required_argument, NULL, 'P' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct check_req req = { .port = -1 };
	struct out o = { .table = isatty(STDOUT_FILENO) };
	const char *action = NULL, *input = "-", *flag = NULL, *stray;
	struct ag_policy *p = NULL;
	struct ag_image img = { 0 };
	struct check_result res;
	struct ag_error err;
	unsigned long long num;
	unsigned int seen = 0;
	char what[256];
	int c, li, ret;

	while ((c = getopt_long(argc, argv, "h", opts, &li)) != -1) {
		/* The first request option, for the error when --action is missing. */
		if (!flag && c && strchr("pcdiP", c))
			flag = opts[li].name;
		if (c && strchr("apcdiP", c) && cli_once("check", opts, c, &seen))
			return 2;
		switch (c) {
		case 'a':
			action = optarg;
			break;
		case 'p':
			req.path = optarg;
			break;
		case 'c':
			req.command = optarg;
			break;
		case 'd':
			req.domain = optarg;
			break;
		case 'i':
			req.ip = optarg;
			break;
		case 'P':
			if (cli_num_arg(optarg, 0, 65535, &num)) {
				fprintf(stderr,
					"agentgate: check: --port expects 0 to 65535, not '%s'\n",
					optarg);
				return 2;
			}
			req.port = (long)num;
			break;
		case 'j':
			o.table = 0;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (flag && !action) {
		fprintf(stderr, "agentgate: check: --%s needs --action ACTION\n", flag);
		return 2;
	}
	if (optind >= argc || argc - optind > 2 || (action && argc - optind > 1)) {
		/* The usage alone would leave the operator to guess which argument is wrong. */
		if (optind >= argc)
			fprintf(stderr, "agentgate: check: no POLICY to judge by\n");
		else if (action)
			fprintf(stderr,
				"agentgate: check: '%s': --action judges the request its options "
				"give, not a FILE of requests too\n",
				argv[optind + 1]);
		else
			fprintf(stderr, "agentgate: check: '%s': one POLICY and one FILE at most\n",
				argv[optind + 2]);
		usage(stderr);
		return 2;
	}
	if (argc - optind == 2)
		input = argv[optind + 1];
	if (action) {
		if (check_parse_action(action, &req.action)) {
			fprintf(stderr,
				"agentgate: check: --action expects file_read, file_write, shell_exec, network or listen, not '%s'\n",
				action);
			return 2;
		}
		stray = check_stray_field(&req);
		if (stray) {
			fprintf(stderr, "agentgate: check: --%s does not belong to --action %s\n",
				stray, action);
			return 2;
		}
	}
	ret = policy_load(argv[optind], &p, &err);
	if (!ret)
		ret = compile_policy(p, NULL, &img, NULL, &err);
	if (ret) {
		fprintf(stderr, "agentgate: %s\n", err.msg[0] ? err.msg : strerror(-ret));
		policy_free(p);
		return 2;
	}
	if (action) {
		ret = 0;
		if (check_eval(p, &img, &req, &res, what, sizeof(what))) {
			fprintf(stderr, "agentgate: check: %s\n", what);
			ret = 2;
		} else if (emit(&o, p, &res, 0)) {
			ret = 2;
		}
	} else {
		ret = run_stream(p, &img, input, &o);
	}
	image_free(&img);
	policy_free(p);
	/* Answers that did not reach stdout were not given: as bad as unreadable input. */
	return stdout_flushed() ? 2 : ret;
}
