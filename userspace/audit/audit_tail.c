// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * `audit tail`: prints records of a log file (following it across rotation
 * with -f) or of the daemon's live stream, filtered by decision, action and
 * agent. On a terminal: aligned, coloured lines; otherwise the JSON lines
 * themselves, which still verify.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/stat.h>
#include "audit.h"
#include "audit_int.h"
#include "util/cgroup.h"

#define RED "\033[31m"
#define GREEN "\033[32m"
#define YELLOW "\033[33m"
#define DIM "\033[2m"
#define RESET "\033[0m"

static void put_hex(struct abuf *out, unsigned char c)
{
	char hex[5];

	snprintf(hex, sizeof(hex), "\\x%02x", c);
	abuf_put(out, hex, 4);
}

/*
 * U+200B..U+200F (zero-width characters, direction marks), U+202A..U+202E
 * (embeddings, overrides), U+2066..U+2069 (isolates), as UTF-8 at s: they hide
 * in a name, or reorder what follows on a terminal or in a spreadsheet that
 * implements bidi (/tmp/U+202E "txt.hsab" reads /tmp/bash.txt).
 */
static bool invisible(const unsigned char *s)
{
	return s[0] == 0xe2 && ((s[1] == 0x80 && s[2] >= 0x8b && s[2] <= 0x8f) ||
				(s[1] == 0x80 && s[2] >= 0xaa && s[2] <= 0xae) ||
				(s[1] == 0x81 && s[2] >= 0xa6 && s[2] <= 0xa9));
}

void audit_display(struct abuf *out, const char *s, size_t len)
{
	bool utf8 = audit_utf8_valid(s, len);
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		/* C1 controls (U+0080..U+009F: C2 80..C2 9F) are commands to some terminals too. */
		if (utf8 && c == 0xc2 && (unsigned char)s[i + 1] < 0xa0) {
			put_hex(out, c);
			put_hex(out, (unsigned char)s[++i]);
		} else if (utf8 && c == 0xe2 && invisible((const unsigned char *)s + i)) {
			/* Valid UTF-8: a lead byte 0xe2 has its two continuation bytes. */
			put_hex(out, c);
			put_hex(out, (unsigned char)s[++i]);
			put_hex(out, (unsigned char)s[++i]);
		} else if (c < 0x20 || c == 0x7f || (c >= 0x80 && !utf8)) {
			put_hex(out, c);
		} else {
			abuf_put(out, &s[i], 1);
		}
	}
}

void audit_display_put(FILE *out, const char *s, size_t len)
{
	struct abuf b = { 0 };

	audit_display(&b, s, len);
	if (b.len)
		fwrite(b.p, 1, b.len, out);
	abuf_free(&b);
}

static bool field_is(const struct audit_record *r, const char *key, const char *val, bool nocase)
{
	const struct audit_field *f = audit_rec_get(r, key);

	if (!f || f->kind != AUDIT_STR || f->len != strlen(val))
		return false;
	return nocase ? !strncasecmp(f->s, val, f->len) : !memcmp(f->s, val, f->len);
}

/* A free-text member (a reason, a detail) as audit_display() shows it; nothing when absent. */
static void put_field(FILE *out, const struct audit_record *r, const char *key)
{
	const struct audit_field *f = audit_rec_get(r, key);

	if (f && f->kind == AUDIT_STR)
		audit_display_put(out, f->s, f->len);
}

bool audit_agent_within(const char *agent, size_t len, const char *want)
{
	static const char root[] = CGROUP_ROOT;
	size_t n;

	/* assign's spelling of a cgroup, its directory: /sys/fs/cgroup/a is /a. */
	if (!strncmp(want, root, sizeof(root) - 1) &&
	    (want[sizeof(root) - 1] == '/' || !want[sizeof(root) - 1]))
		want = want[sizeof(root) - 1] ? want + sizeof(root) - 1 : "/";
	n = strlen(want);
	while (n > 1 && want[n - 1] == '/')
		n--;
	return len >= n && !memcmp(agent, want, n) &&
	       (len == n || agent[n] == '/' || (n == 1 && want[0] == '/'));
}

static bool agent_match(const struct audit_record *r, const char *want)
{
	const struct audit_field *f = audit_rec_get(r, "agent");

	return f && f->kind == AUDIT_STR && audit_agent_within(f->s, f->len, want);
}

static bool container_match(const struct audit_record *r, const char *want)
{
	const struct audit_field *id = audit_rec_get(r, "container");
	size_t n = strlen(want);

	if (field_is(r, "container_name", want, false))
		return true;
	/* An id prefix as `docker ps` shows it (12 digits), or longer. */
	return id && id->kind == AUDIT_STR && n >= 4 && n <= id->len && !memcmp(id->s, want, n);
}

/*
 * A member for a column, as audit_display() shows it: the writer puts plain words there,
 * but tail does not verify what it prints (a collector's file takes lines from any host).
 */
static const char *shown(const struct audit_record *r, const char *key, char *buf, size_t sz)
{
	const struct audit_field *f = audit_rec_get(r, key);
	struct abuf b = { 0 };

	buf[0] = 0;
	if (!f || f->kind != AUDIT_STR)
		return buf;
	audit_display(&b, f->s, f->len);
	snprintf(buf, sz, "%.*s", b.oom ? 0 : (int)b.len, b.len ? b.p : "");
	abuf_free(&b);
	return buf;
}

static void print_pretty(const struct audit_filter *flt, const struct audit_record *r, FILE *out)
{
	const char *on = "", *off = flt->color ? RESET : "";
	const struct audit_field *f;
	char time[40], buf[160];
	uint64_t u;

	shown(r, "time", time, sizeof(time));
	if (strlen(time) == 30)
		memcpy(time + 23, "Z", 2); /* milliseconds are enough to read */
	if (!audit_rec_is(r, "decision")) {
		fprintf(out, "%s%-24s %-6s %-10s seq %llu", flt->color ? DIM : "", time, "--",
			shown(r, "type", buf, sizeof(buf)),
			audit_rec_u64_get(r, "seq", &u) ? (unsigned long long)u : 0ULL);
		if (audit_rec_is(r, "gap") && audit_rec_u64_get(r, "lost", &u))
			fprintf(out, ": %llu events lost", (unsigned long long)u);
		if (audit_rec_is(r, "lifecycle")) {
			fprintf(out, ": %s ", shown(r, "what", buf, sizeof(buf)));
			put_field(out, r, "detail");
		}
		if (audit_rec_is(r, "seal"))
			fprintf(out, ": %s", shown(r, "reason", buf, sizeof(buf)));
		/* A question, not an action: the agent asked and was told (docs/ask.md). */
		if (audit_rec_is(r, "ask")) {
			fputs(": ", out);
			put_field(out, r, "agent");
			fprintf(out, " asked %s, told %s", shown(r, "action", buf, 64),
				shown(r, "decision", buf + 64, sizeof(buf) - 64));
		}
		if (audit_rec_is(r, "torn") && audit_rec_u64_get(r, "bytes", &u))
			fprintf(out, ": %llu bytes of an interrupted record",
				(unsigned long long)u);
		fprintf(out, "%s\n", off);
		return;
	}
	if (flt->color)
		on = field_is(r, "decision", "ALLOW", false) ? GREEN :
		     field_is(r, "mode", "simulate", false)  ? YELLOW :
							       RED;
	fprintf(out, "%-24s %s%-6s%s ", time, on, shown(r, "decision", buf, sizeof(buf)), off);
	fprintf(out, "%-10s ", shown(r, "action", buf, sizeof(buf)));
	/* A container by the name its engine gave it, else the cgroup. */
	if (!(f = audit_rec_get(r, "container_name")))
		f = audit_rec_get(r, "agent");
	audit_display_put(out, f ? f->s : "", f ? f->len : 0);
	/* pid 0: the DNS proxy's decision on a lookup, which names no task (docs/network.md). */
	if (!audit_rec_u64_get(r, "pid", &u) || !u) {
		fputs(" dns", out);
	} else {
		fprintf(out, " %llu/", (unsigned long long)u);
		f = audit_rec_get(r, "comm");
		audit_display_put(out, f ? f->s : "", f ? f->len : 0);
	}
	fputs("  ", out);
	if ((f = audit_rec_get(r, "op"))) {
		audit_display_put(out, f->s, f->len);
		fputs(" ", out);
	}
	if ((f = audit_rec_get(r, "path")) || (f = audit_rec_get(r, "command")) ||
	    (f = audit_rec_get(r, "domain")))
		audit_display_put(out, f->s, f->len);
	/* A connect to a learned address: "hooks.slack.com 192.0.2.7 port 443". */
	if ((f = audit_rec_get(r, "ip")))
		fprintf(out, "%s%s port %llu", audit_rec_get(r, "domain") ? " " : "",
			shown(r, "ip", buf, sizeof(buf)),
			audit_rec_u64_get(r, "port", &u) ? (unsigned long long)u : 0ULL);
	/* Folded decisions (docs/audit.md): the record stands for count of them. */
	if (audit_rec_u64_get(r, "count", &u))
		fprintf(out, "  (%llu times since %s)", (unsigned long long)u,
			shown(r, "first", buf, sizeof(buf)));
	f = audit_rec_get(r, "rule");
	if (f && f->kind == AUDIT_U64)
		fprintf(out, "  [rule %llu", (unsigned long long)f->u);
	else
		fprintf(out, "  [%s", shown(r, "rule", buf, sizeof(buf)));
	if ((f = audit_rec_get(r, "reason")) && f->len) {
		fputs(": ", out);
		audit_display_put(out, f->s, f->len);
	}
	fprintf(out, "]%s\n", field_is(r, "mode", "simulate", false) ? " (simulate)" : "");
}

int audit_filter_check(const struct audit_filter *flt, char *why, size_t whysz)
{
	char names[160] = "";
	unsigned int a;
	size_t n = 0;

	if (flt->decision && strcasecmp(flt->decision, "allow") &&
	    strcasecmp(flt->decision, "deny")) {
		snprintf(why, whysz, "--decision is allow or deny, not '%s'", flt->decision);
		return -EINVAL;
	}
	/* Records name a task's cgroup by its path from the root: "/..." (or "" unknown). */
	if (flt->agent && flt->agent[0] != '/') {
		snprintf(why, whysz, "--agent is a cgroup path starting with '/', not '%s'",
			 flt->agent);
		return -EINVAL;
	}
	if (flt->container && !flt->container[0]) {
		snprintf(why, whysz, "--container needs a container's name or id");
		return -EINVAL;
	}
	if (!flt->action)
		return 0;
	/* The names the records are written with (audit.h), so this list cannot drift from them. */
	for (a = 0; a < AUDIT_A_COUNT; a++) {
		if (!strcmp(audit_action_names[a], flt->action))
			return 0;
		if (n < sizeof(names))
			n += (size_t)snprintf(names + n, sizeof(names) - n, "%s%s", n ? ", " : "",
					      audit_action_names[a]);
	}
	snprintf(why, whysz, "--action is one of %s, not '%s'", names, flt->action);
	return -EINVAL;
}

bool audit_filter_match(const struct audit_filter *flt, const struct audit_record *r)
{
	return audit_rec_is(r, "decision") &&
	       (!flt->decision || field_is(r, "decision", flt->decision, true)) &&
	       (!flt->action || field_is(r, "action", flt->action, false)) &&
	       (!flt->agent || agent_match(r, flt->agent)) &&
	       (!flt->container || container_match(r, flt->container));
}

int audit_tail_emit(const struct audit_filter *flt, const char *line, size_t len, FILE *out)
{
	struct audit_record r;
	const char *why;
	bool filtered = flt->decision || flt->action || flt->agent || flt->container;

	if (audit_rec_parse(line, len, &r, &why))
		return -EBADMSG;
	if (filtered && !audit_filter_match(flt, &r)) {
		audit_rec_free(&r);
		return 0;
	}
	if (flt->json) {
		fwrite(line, 1, len, out);
		fputc('\n', out);
	} else {
		print_pretty(flt, &r, out);
	}
	audit_rec_free(&r);
	return 1;
}

void audit_skip_note(struct audit_skip *skip, const char *file, size_t line)
{
	if (!skip->n++) {
		snprintf(skip->file, sizeof(skip->file), "%s", file);
		skip->line = line;
	}
}

/* What tail reads: a file (followed across rotation) or the daemon's stream. */
struct tail {
	const struct audit_filter *flt;
	struct audit_skip *skip;
	bool live;
	char name[PATH_MAX + 16]; /* the file (or socket) being read */
	size_t line; /* lines of it read */
	unsigned long long file; /* the file number of the last genesis seen (the next file's) */
};

/* Prints the complete lines in buf[0..*len), keeps the unterminated rest. */
static void drain(struct tail *t, char *buf, size_t *len)
{
	unsigned long long missed;
	size_t start = 0;
	char *nl, *g;

	while ((nl = memchr(buf + start, '\n', *len - start))) {
		*nl = 0;
		t->line++;
		if (strstr(buf + start, "\"type\":\"genesis\"") &&
		    (g = strstr(buf + start, "\"file\":")))
			sscanf(g, "\"file\":%llu", &t->file);
		/* The stream's own notice, not a record (docs/audit.md, tail --live). */
		if (t->live &&
		    sscanf(buf + start, "{\"type\":\"missed\",\"count\":%llu}", &missed) == 1) {
			if (t->flt->json)
				printf("%s\n", buf + start);
			else
				printf("%s-- missed %llu records: this subscriber was too slow --%s\n",
				       t->flt->color ? YELLOW : "", missed,
				       t->flt->color ? RESET : "");
		} else if (audit_tail_emit(t->flt, buf + start, (size_t)(nl - buf - start),
					   stdout) < 0) {
			audit_skip_note(t->skip, t->name, t->line);
		}
		start = (size_t)(nl - buf) + 1;
	}
	memmove(buf, buf + start, *len - start);
	*len -= start;
}

static int read_into(int fd, char **buf, size_t *len, size_t *cap)
{
	ssize_t n;

	if (*cap - *len < 65536) {
		char *p = realloc(*buf, *cap * 2);

		if (!p)
			return -ENOMEM;
		*buf = p;
		*cap *= 2;
	}
	n = read(fd, *buf + *len, *cap - *len);
	if (n < 0)
		return errno == EINTR ? 1 : -errno;
	*len += (size_t)n;
	return n > 0;
}

/*
 * After the file being read was rotated: the next file is PATH.<file+1> if
 * rotation went on past it, else PATH itself. *rotated says which; name
 * (PATH_MAX + 16 bytes) becomes the one opened.
 */
static int open_next(const char *path, unsigned long long file, bool *rotated, char *name)
{
	int fd;

	snprintf(name, PATH_MAX + 16, "%s.%06llu", path, file + 1);
	fd = open(name, O_RDONLY | O_CLOEXEC);
	*rotated = fd >= 0;
	if (fd < 0) {
		snprintf(name, PATH_MAX + 16, "%s", path);
		fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	return fd;
}

static void say_cut(void (*note)(const char *msg), const char *name)
{
	char msg[PATH_MAX + 160];

	snprintf(msg, sizeof(msg),
		 "%s was truncated in place (copytruncate?): reading it again from its start; "
		 "records cut before they were read are not shown",
		 name);
	if (note)
		note(msg);
}

int audit_tail_file(const char *path, const struct audit_filter *flt, bool follow,
		    struct audit_skip *skip, void (*note)(const char *msg))
{
	struct tail t = { .flt = flt, .skip = skip };
	size_t len = 0, cap = 2 * AUDIT_MAX_LINE;
	char *buf = malloc(cap), next[sizeof(t.name)];
	bool rotated = false;
	struct stat st, now;
	int fd, n, err = 0;

	*skip = (struct audit_skip){ 0 };
	snprintf(t.name, sizeof(t.name), "%s", path);
	if (!buf)
		return -ENOMEM;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		err = -errno;
		goto out;
	}
	for (;;) {
		n = read_into(fd, &buf, &len, &cap);
		if (n < 0) {
			err = n;
			break;
		}
		if (n > 0) {
			drain(&t, buf, &len);
			continue;
		}
		if (!follow)
			break;
		if (!rotated) {
			fflush(stdout);
			usleep(200000);
			/*
			 * Truncated in place (logrotate's copytruncate, `: > FILE`): the same
			 * inode, now shorter than what was read; the writer goes on from its start.
			 */
			if (!fstat(fd, &now) && now.st_size < lseek(fd, 0, SEEK_CUR) &&
			    !lseek(fd, 0, SEEK_SET)) {
				say_cut(note, t.name);
				len = 0; /* the start of a line the cut took */
				t.line = 0;
				continue;
			}
			/* Rotation renames the file and starts a new one at the same path. */
			if (stat(path, &now) ||
			    (now.st_ino == st.st_ino && now.st_dev == st.st_dev))
				continue;
			while ((n = read_into(fd, &buf, &len, &cap)) > 0)
				drain(&t, buf, &len);
		}
		/* A rotated file is complete: go on with the next one at once. */
		n = open_next(path, t.file, &rotated, next);
		if (n < 0)
			continue;
		if (len)
			audit_skip_note(skip, t.name, t.line + 1); /* its torn last line */
		memcpy(t.name, next, sizeof(t.name));
		close(fd);
		fd = n;
		fstat(fd, &st);
		len = 0;
		t.line = 0;
	}
	/* A last line without its newline (torn, or forged) is no record either. */
	if (!err && len)
		audit_skip_note(skip, t.name, t.line + 1);
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	fflush(stdout);
	return err;
}

int audit_tail_live(const char *sock, const struct audit_filter *flt, struct audit_skip *skip)
{
	struct tail t = { .flt = flt, .skip = skip, .live = true };
	size_t len = 0, cap = 2 * AUDIT_MAX_LINE;
	char *buf = malloc(cap);
	int fd = audit_stream_subscribe(sock), n, err = 0;

	*skip = (struct audit_skip){ 0 };
	snprintf(t.name, sizeof(t.name), "%s", sock);
	if (!buf || fd < 0) {
		free(buf);
		return fd < 0 ? fd : -ENOMEM;
	}
	while ((n = read_into(fd, &buf, &len, &cap)) > 0) {
		drain(&t, buf, &len);
		fflush(stdout);
	}
	if (n < 0)
		err = n;
	close(fd);
	free(buf);
	return err;
}
