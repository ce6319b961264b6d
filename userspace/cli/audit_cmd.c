// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * `agentgate audit verify|tail|export|keygen|pubkey`: the operator's side of
 * the audit trail (docs/audit.md). verify exits with enum audit_verdict.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "audit/audit.h"
#include "audit/audit_int.h"
#include "cli.h"

static const char usage_text[] =
	"usage: agentgate audit verify [--pubkey HEX|FILE] [--open] [--dedup] [--max-age SECONDS]\n"
	"                             FILE...\n"
	"       agentgate audit tail [-f] [--decision allow|deny] [--action A] [--agent CGROUP]\n"
	"                            [--container NAME|ID]\n"
	"                            [--json|--text] FILE | --live SOCKET\n"
	"       agentgate audit export --format jsonl|csv FILE...\n"
	"       agentgate audit forward --log FILE --to HOST:PORT [--tls [--ca FILE]\n"
	"                               [--tls-name NAME]] [--hostname NAME] [--state FILE]\n"
	"                               [--replay-ms N] (docs/forward.md)\n"
	"       agentgate audit keygen [--key-dir DIR]\n"
	"       agentgate audit pubkey [--key-dir DIR]\n";

static int usage(void)
{
	fputs(usage_text, stderr);
	return AUDIT_USAGE;
}

static int help(void)
{
	fputs(usage_text, stdout);
	return 0;
}

/* 64 hex digits, either case, as the lower-case form the records and audit.pub use. */
static bool hex64(const char *s, size_t n, char out[65])
{
	size_t i;

	if (n != 64 || strspn(s, "0123456789abcdefABCDEF") < 64)
		return false;
	for (i = 0; i < 64; i++)
		out[i] = (char)tolower((unsigned char)s[i]);
	out[64] = '\0';
	return true;
}

/* The key in arg, or in the file it names: -EBADMSG when that file holds no key. */
static int pubkey_arg(const char *arg, char out[65])
{
	char buf[128] = "";
	int err = 0;
	FILE *f;

	if (hex64(arg, strlen(arg), out))
		return 0;
	f = fopen(arg, "re");
	if (!f)
		return -errno;
	if (!fgets(buf, sizeof(buf), f)) {
		err = ferror(f) ? -errno : 0; /* a directory: EISDIR, not a bad key */
		buf[0] = 0;
	}
	fclose(f);
	if (err)
		return err;
	return hex64(buf, strcspn(buf, "\r\n"), out) ? 0 : -EBADMSG;
}

/* The plural's "s" after a count: "1 record", never "1 records". */
static const char *plural(unsigned long long n)
{
	return n == 1 ? "" : "s";
}

/* Lines that were not records, left out of what tail or export printed: never silently. */
static void say_skipped(const char *cmd, const struct audit_skip *skip)
{
	if (skip->n)
		fprintf(stderr,
			"agentgate: audit: %s: %s:%zu: not a complete record; %zu line%s left out "
			"(agentgate audit verify tells what happened to the log)\n",
			cmd, skip->file, skip->line, skip->n, skip->n == 1 ? "" : "s");
}

int cli_pubkey_opt(const char *cmd, const char *arg, char out[65])
{
	int err = pubkey_arg(arg, out);

	if (err == -EBADMSG)
		fprintf(stderr,
			"agentgate: %s: --pubkey %s: not a key file: its first line must be the 64 hex "
			"digits alone, no spaces around them (as `agentgate audit pubkey` prints it)\n",
			cmd, arg);
	else if (err)
		fprintf(stderr,
			"agentgate: %s: --pubkey %s: %s (want 64 hex digits or a file holding them)\n",
			cmd, arg, strerror(-err));
	return err ? -1 : 0;
}

static int do_verify(int argc, char **argv)
{
	static const struct option opts[] = { { "pubkey", required_argument, NULL, 'k' },
					      { "open", no_argument, NULL, 'o' },
					      { "dedup", no_argument, NULL, 'd' },
					      { "max-age", required_argument, NULL, 'm' },
					      { "help", no_argument, NULL, 'h' },
					      {} };
	struct audit_verify_opts vo = { 0 };
	struct audit_verify_report rep;
	unsigned long long num;
	char pub[65];
	int c, err;

	while ((c = getopt_long(argc, argv, "k:oh", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			if (cli_pubkey_opt("audit", optarg, pub))
				return AUDIT_USAGE;
			vo.pubkey_hex = pub;
			break;
		case 'o':
			vo.open = true;
			break;
		case 'd':
			vo.dedup = true;
			break;
		case 'm':
			/* Compared with ages in signed seconds: at most INT64_MAX. */
			if (cli_num_arg(optarg, 1, INT64_MAX, &num)) {
				fprintf(stderr, "agentgate: audit: --max-age wants seconds, 1 to %lld\n",
					(long long)INT64_MAX);
				return AUDIT_USAGE;
			}
			vo.max_age_s = num;
			break;
		case 'h':
			return help();
		default:
			return usage();
		}
	}
	if (optind >= argc)
		return usage();
	err = audit_verify_files(argv + optind, argc - optind, &vo, &rep);
	if (err) {
		/* rep.where names the file when the error is one file's. */
		fprintf(stderr, "agentgate: audit: verify: %s%s%s\n", rep.where,
			rep.where[0] ? ": " : "", strerror(-err));
		return AUDIT_USAGE;
	}
	if (rep.verdict == AUDIT_OK) {
		printf("intact: %llu record%s (seq %llu..%llu) standing for %llu decision%s, %llu "
		       "seal%s verified, %llu event%s lost in gaps, %llu torn tail%s recovered\n",
		       (unsigned long long)rep.records, plural(rep.records),
		       (unsigned long long)rep.first_seq, (unsigned long long)rep.last_seq,
		       (unsigned long long)rep.decisions, plural(rep.decisions),
		       (unsigned long long)rep.seals, plural(rep.seals),
		       (unsigned long long)rep.gaps_lost, plural(rep.gaps_lost),
		       (unsigned long long)rep.torn_recovered, plural(rep.torn_recovered));
		if (vo.dedup || vo.max_age_s)
			printf("host %s, last seal %s, %llu duplicate%s skipped\n",
			       rep.host[0] ? rep.host : "?",
			       rep.last_seal_time[0] ? rep.last_seal_time : "none",
			       (unsigned long long)rep.duplicates, plural(rep.duplicates));
	} else {
		fprintf(stderr, "agentgate: audit: %s: %s: %s\n", rep.where,
			audit_verdict_name(rep.verdict), rep.why);
		if (rep.records)
			fprintf(stderr,
				"agentgate: audit: %llu record%s before it verified (seq %llu..%llu), "
				"%llu seal%s\n",
				(unsigned long long)rep.records, plural(rep.records),
				(unsigned long long)rep.first_seq, (unsigned long long)rep.last_seq,
				(unsigned long long)rep.seals, plural(rep.seals));
	}
	if (rep.note[0])
		fprintf(rep.verdict == AUDIT_OK ? stdout : stderr, "note: %s\n", rep.note);
	/*
	 * "intact" that never reached its reader is no verdict: 2, as for a log that
	 * could not be read (docs/audit.md, exit statuses), never 0, never a tampering one.
	 */
	return stdout_flushed() ? AUDIT_USAGE : (int)rep.verdict;
}

static void tail_note(const char *msg)
{
	fprintf(stderr, "agentgate: audit: tail: %s\n", msg);
}

static int do_tail(int argc, char **argv)
{
	static const struct option opts[] = { { "follow", no_argument, NULL, 'f' },
					      { "decision", required_argument, NULL, 'd' },
					      { "action", required_argument, NULL, 'a' },
					      { "agent", required_argument, NULL, 'g' },
					      { "container", required_argument, NULL, 'c' },
					      { "json", no_argument, NULL, 'j' },
					      { "text", no_argument, NULL, 't' },
					      { "live", required_argument, NULL, 'l' },
					      { "help", no_argument, NULL, 'h' },
					      {} };
	struct audit_filter flt = { 0 };
	struct audit_skip skip;
	const char *live = NULL;
	bool follow = false, text = false;
	unsigned int seen = 0;
	char why[256];
	int c, err;

	while ((c = getopt_long(argc, argv, "fd:a:g:c:jtl:h", opts, NULL)) != -1) {
		if (c && strchr("dagcl", c) && cli_once("audit", opts, c, &seen))
			return AUDIT_USAGE;
		switch (c) {
		case 'f':
			follow = true;
			break;
		case 'd':
			flt.decision = optarg;
			break;
		case 'a':
			flt.action = optarg;
			break;
		case 'g':
			flt.agent = optarg;
			break;
		case 'c':
			flt.container = optarg;
			break;
		case 'j':
			flt.json = true;
			break;
		case 't':
			text = true;
			break;
		case 'l':
			live = optarg;
			break;
		case 'h':
			return help();
		default:
			return usage();
		}
	}
	if (flt.json && text) {
		fprintf(stderr, "agentgate: audit: --json and --text exclude each other\n");
		return AUDIT_USAGE;
	}
	if (audit_filter_check(&flt, why, sizeof(why))) {
		fprintf(stderr, "agentgate: audit: %s\n", why);
		return AUDIT_USAGE;
	}
	/* Readable lines on a terminal (or with --text), JSON lines for programs. */
	if (!flt.json && !text && !isatty(STDOUT_FILENO))
		flt.json = true;
	flt.color = !flt.json && !getenv("NO_COLOR") && isatty(STDOUT_FILENO);
	if (live && optind != argc) {
		fprintf(stderr, "agentgate: audit: tail: --live SOCKET reads the daemon's stream, "
				"not a FILE too\n");
		return usage();
	}
	if (!live && optind != argc - 1) {
		fprintf(stderr, "agentgate: audit: tail: %s\n",
			optind == argc ? "no FILE (or --live SOCKET) to read" :
					 "one FILE at a time");
		return usage();
	}
	err = live ? audit_tail_live(live, &flt, &skip) :
		     audit_tail_file(argv[optind], &flt, follow, &skip, tail_note);
	if (stdout_flushed())
		return 1;
	say_skipped("tail", &skip);
	if (err == -ENOTSOCK)
		fprintf(stderr,
			"agentgate: audit: tail --live %s: not a socket (--live takes the daemon's "
			"stream socket; a log file is read without --live)\n",
			live);
	else if (err)
		fprintf(stderr, "agentgate: audit: tail %s: %s\n", live ? live : argv[optind],
			strerror(-err));
	/* A reader of the stream that stops must say so: the daemon stopped, or dropped it. */
	else if (live)
		fprintf(stderr,
			"agentgate: audit: tail --live %s: the stream ended (the daemon stopped or "
			"closed it)\n",
			live);
	return err || live ? 1 : 0;
}

static int do_export(int argc, char **argv)
{
	static const struct option opts[] = { { "format", required_argument, NULL, 'F' },
					      { "help", no_argument, NULL, 'h' },
					      {} };
	const char *format = NULL, *failed;
	struct audit_skip skip;
	unsigned int seen = 0;
	int c, err;

	while ((c = getopt_long(argc, argv, "F:h", opts, NULL)) != -1) {
		if (c == 'h')
			return help();
		if (c != 'F')
			return usage();
		/* The file would be in the last format alone: a csv asked for could be jsonl. */
		if (cli_once("audit", opts, c, &seen))
			return AUDIT_USAGE;
		format = optarg;
	}
	if (!format || (strcmp(format, "jsonl") && strcmp(format, "csv"))) {
		fprintf(stderr, "agentgate: audit: export needs --format jsonl or --format csv\n");
		return AUDIT_USAGE;
	}
	if (optind >= argc)
		return usage();
	err = audit_export(argv + optind, argc - optind, format, stdout, &failed, &skip);
	if (err == -EEXIST) {
		fprintf(stderr,
			"agentgate: audit: export: %s: the same file as one named before it, given "
			"twice (overlapping globs?)\n",
			failed);
		return AUDIT_USAGE;
	}
	if (err) {
		/* No file named: the output is what failed (a full disk, a reader gone). */
		fprintf(stderr, "agentgate: audit: export: %s: %s\n",
			failed ? failed : "standard output", strerror(-err));
		return 1;
	}
	say_skipped("export", &skip);
	return skip.n ? 1 : 0;
}

/* What the operator can do about err from the key directory dir, after its strerror(). */
static const char *key_hint(const char *dir, int err, bool create)
{
	char path[4200];
	bool key, pub;

	snprintf(path, sizeof(path), "%s/audit.key", dir);
	key = !access(path, F_OK);
	snprintf(path, sizeof(path), "%s/audit.pub", dir);
	pub = !access(path, F_OK);
	if (err == -ENOENT && key && !pub)
		return " (audit.pub, the trust root, is missing beside audit.key: restore it from "
		       "the copy given to verifiers)";
	if (err == -ENOENT && !create)
		return " (create it with `agentgate audit keygen`)";
	if (err == -EEXIST)
		return " (audit.pub is there without audit.key: logs sealed with its key verify only "
		       "with it; move it away to make a new pair)";
	if (err == -EBADMSG)
		return " (audit.key or audit.pub is not what agentgate writes there)";
	return "";
}

static int do_key(int argc, char **argv, bool create)
{
	static const struct option opts[] = { { "key-dir", required_argument, NULL, 'k' },
					      { "help", no_argument, NULL, 'h' },
					      {} };
	const char *dir = AUDIT_DEFAULT_KEY_DIR;
	char hex[65];
	int c, err = 0;

	while ((c = getopt_long(argc, argv, "k:h", opts, NULL)) != -1) {
		if (c == 'h')
			return help();
		if (c != 'k')
			return usage();
		dir = optarg;
	}
	if (optind != argc)
		return usage();
	if (create)
		err = audit_key_ensure(dir);
	if (!err)
		err = audit_key_pubkey_hex(dir, hex);
	if (err) {
		fprintf(stderr, "agentgate: audit: key in %s: %s%s\n", dir, strerror(-err),
			key_hint(dir, err, create));
		return 1;
	}
	printf("%s\n", hex);
	return stdout_flushed() ? 1 : 0;
}

int cmd_audit(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	optind = 1;
	if (!strcmp(argv[1], "verify"))
		return do_verify(argc - 1, argv + 1);
	if (!strcmp(argv[1], "tail"))
		return do_tail(argc - 1, argv + 1);
	if (!strcmp(argv[1], "forward"))
		return cmd_audit_forward(argc - 1, argv + 1);
	if (!strcmp(argv[1], "export"))
		return do_export(argc - 1, argv + 1);
	if (!strcmp(argv[1], "keygen"))
		return do_key(argc - 1, argv + 1, true);
	if (!strcmp(argv[1], "pubkey"))
		return do_key(argc - 1, argv + 1, false);
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))
		return help();
	fprintf(stderr, "agentgate: audit: unknown subcommand '%s'\n", argv[1]);
	return usage();
}
