// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The daemon's YAML configuration: parsed with libyaml's document API, errors at file:line:col. */
#include <errno.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <yaml.h>
#include "daemon_config.h"
#include "forward/forward.h"
#include "util/file.h"
#include "util/yaml_mark.h"
#include "daemon_config_int.h"

int cfg_fail(struct cfg_parse *ps, const yaml_node_t *n, const char *fmt, ...)
{
	va_list ap;
	int off;

	off = snprintf(ps->err->msg, sizeof(ps->err->msg), "%s:%zu:%zu: ", ps->name,
		       n ? n->start_mark.line + 1 : 1, n ? n->start_mark.column + 1 : 1);
	if (off < 0 || (size_t)off >= sizeof(ps->err->msg))
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(ps->err->msg + off, sizeof(ps->err->msg) - off, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

const char *cfg_scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

int cfg_each_pair(struct cfg_parse *ps, const yaml_node_t *n, cfg_pair_fn fn, void *arg)
{
	yaml_node_pair_t *pair;
	int err = 0;

	for (pair = n->data.mapping.pairs.start; pair < n->data.mapping.pairs.top && !err; pair++) {
		yaml_node_t *k = yaml_document_get_node(&ps->doc, pair->key);
		yaml_node_t *v = yaml_document_get_node(&ps->doc, pair->value);
		const char *key = cfg_scalar(k);

		err = key ? fn(ps, k, key, v, arg) : cfg_fail(ps, k, "expected a key");
	}
	return err;
}

int cfg_get_string(struct cfg_parse *ps, const yaml_node_t *v, const char *key, char **out)
{
	const char *s = cfg_scalar(v);

	if (!s || !*s)
		return cfg_fail(ps, v, "'%s' must be a non-empty string", key);
	free(*out);
	*out = strdup(s);
	return *out ? 0 : -ENOMEM;
}

/*
 * p without "." components and repeated or trailing slashes, in place: errors and status
 * then name policies_dir "." beside ./daemon.yaml as "./nope.yaml", not "././nope.yaml".
 * ".." stays: where it leads depends on the links before it.
 */
static void path_clean(char *p)
{
	char *in = p, *out = p;
	size_t n;

	if (*in == '/')
		*out++ = *in++;
	while (*in) {
		n = strcspn(in, "/");
		if (n && !(n == 1 && *in == '.')) {
			if (out > p && out[-1] != '/')
				*out++ = '/';
			memmove(out, in, n);
			out += n;
		}
		in += n;
		while (*in == '/')
			in++;
	}
	if (out == p)
		*out++ = '.';
	*out = '\0';
}

/*
 * A path of the config: a relative one is relative to the config file's
 * directory (as --config names it), as policies are.
 */
int cfg_get_path(struct cfg_parse *ps, const yaml_node_t *v, const char *key, char **out)
{
	char *path = NULL;
	int err = cfg_get_string(ps, v, key, &path);

	if (err)
		return err;
	free(*out);
	*out = NULL;
	if (path[0] == '/' || !ps->dir)
		*out = path;
	else if (asprintf(out, "%s/%s", ps->dir, path) < 0)
		*out = NULL;
	if (*out != path)
		free(path);
	if (*out)
		path_clean(*out);
	return *out ? 0 : -ENOMEM;
}

/* The message states the range, so that a value below min is not told "from 0". */
static int get_uint_in(struct cfg_parse *ps, const yaml_node_t *v, const char *key, uint64_t min,
		       uint64_t max, uint64_t *out)
{
	const char *s = cfg_scalar(v);
	unsigned long long x;
	char *end;

	/* Digits only: strtoull would take " -1" (as 2^64 - 1) and "+5" without a word. */
	if (!s || *s < '0' || *s > '9')
		return cfg_fail(ps, v, "'%s' must be a non-negative integer", key);
	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno || *end || x < min || x > max)
		return cfg_fail(ps, v, "'%s' must be an integer from %" PRIu64 " to %" PRIu64, key,
				min, max);
	*out = x;
	return 0;
}

static int get_uint(struct cfg_parse *ps, const yaml_node_t *v, const char *key, uint64_t max,
		    uint64_t *out)
{
	return get_uint_in(ps, v, key, 0, max, out);
}

int cfg_get_bool(struct cfg_parse *ps, const yaml_node_t *v, const char *key, int *out)
{
	const char *s = cfg_scalar(v);

	if (s && (!strcmp(s, "true") || !strcmp(s, "yes")))
		*out = 1;
	else if (s && (!strcmp(s, "false") || !strcmp(s, "no")))
		*out = 0;
	else
		return cfg_fail(ps, v, "'%s' must be true or false", key);
	return 0;
}

/* Case-insensitive, as a policy's own mode is. */
int daemon_parse_mode(const char *s)
{
	if (s && !strcasecmp(s, "enforce"))
		return AG_MODE_ENFORCE;
	if (s && !strcasecmp(s, "simulate"))
		return AG_MODE_SIMULATE;
	return -EINVAL;
}

const char *daemon_mode_name(int mode)
{
	return mode == AG_MODE_SIMULATE ? "simulate" : "enforce";
}

int daemon_cgroup_name(const char *in, char *out, size_t outsz)
{
	static const char root[] = DAEMON_CGROUP_ROOT;
	const char *p = in, *seg;
	size_t n = 0, len;

	if (!in)
		return -EINVAL;
	if (!strncmp(p, root, sizeof(root) - 1) &&
	    (p[sizeof(root) - 1] == '/' || !p[sizeof(root) - 1]))
		p += sizeof(root) - 1;
	while (*p) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		seg = p;
		while (*p && *p != '/')
			p++;
		len = (size_t)(p - seg);
		if ((len == 1 && seg[0] == '.') || (len == 2 && seg[0] == '.' && seg[1] == '.'))
			return -EINVAL;
		/* The kernel refuses a newline in a cgroup's name (cgroup_mkdir). */
		if (memchr(seg, '\n', len))
			return -EINVAL;
		if (n + 1 + len + 1 > outsz)
			return -ENAMETOOLONG;
		out[n++] = '/';
		memcpy(out + n, seg, len);
		n += len;
	}
	if (!n)
		return -EINVAL; /* the root cgroup: confining every process on the host */
	out[n] = '\0';
	return 0;
}

static int assignment_key(struct cfg_parse *ps, const yaml_node_t *k, const char *key,
			  yaml_node_t *v, void *arg)
{
	struct daemon_assignment *a = arg;
	char name[PATH_MAX];
	int m;

	if (!strcmp(key, "cgroup")) {
		if (!cfg_scalar(v) || daemon_cgroup_name(cfg_scalar(v), name, sizeof(name)))
			return cfg_fail(ps, v,
					"'cgroup' must be a cgroup path below " DAEMON_CGROUP_ROOT
					" (not the root, no '.', '..' or newline)");
		free(a->cgroup);
		a->cgroup = strdup(name);
		return a->cgroup ? 0 : -ENOMEM;
	}
	if (!strcmp(key, "policy"))
		return cfg_get_path(ps, v, key, &a->policy);
	if (!strcmp(key, "mode")) {
		m = daemon_parse_mode(cfg_scalar(v));
		if (m < 0)
			return cfg_fail(ps, v, "'mode' must be enforce or simulate");
		a->mode = m;
		return 0;
	}
	if (!strcmp(key, "on_exec"))
		return cfg_get_bool(ps, v, key, &a->on_exec);
	return cfg_fail(ps, k, "unknown key '%s' in an assignment (cgroup, policy, mode, on_exec)",
			key);
}

static int parse_assignment(struct cfg_parse *ps, yaml_node_t *n, struct daemon_assignment *a)
{
	int err;

	a->mode = DAEMON_MODE_POLICY;
	a->line = (int)n->start_mark.line + 1;
	if (n->type != YAML_MAPPING_NODE)
		return cfg_fail(ps, n, "an assignment is a mapping with 'cgroup' and 'policy'");
	err = cfg_each_pair(ps, n, assignment_key, a);
	if (err)
		return err;
	if (!a->cgroup)
		return cfg_fail(ps, n, "assignment without 'cgroup'");
	if (!a->policy)
		return cfg_fail(ps, n, "assignment without 'policy'");
	return 0;
}

static int parse_assignments(struct cfg_parse *ps, yaml_node_t *n, struct daemon_config *c)
{
	yaml_node_item_t *it;
	size_t i, j, count;
	int err;

	if (n->type != YAML_SEQUENCE_NODE)
		return cfg_fail(ps, n, "'assignments' must be a list");
	count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	c->assignments = calloc(count ? count : 1, sizeof(*c->assignments));
	if (!c->assignments)
		return -ENOMEM;
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		yaml_node_t *item = yaml_document_get_node(&ps->doc, *it);

		i = c->nassignments++;
		err = parse_assignment(ps, item, &c->assignments[i]);
		if (err)
			return err;
		for (j = 0; j < i; j++)
			if (!strcmp(c->assignments[j].cgroup, c->assignments[i].cgroup))
				return cfg_fail(ps, item,
						"cgroup %s is already assigned at line %d",
						c->assignments[i].cgroup, c->assignments[j].line);
	}
	return 0;
}

static int forward_key(struct cfg_parse *ps, const yaml_node_t *k, const char *key, yaml_node_t *v,
		       void *arg)
{
	struct daemon_forward_config *f = arg;
	char host[256], port[8];
	uint64_t x = 0;
	int err;

	if (!strcmp(key, "to")) {
		if (forward_split_addr(cfg_scalar(v), host, sizeof(host), port, sizeof(port)))
			return cfg_fail(ps, v, "'to' must be HOST:PORT or [IPV6]:PORT");
		free(f->host);
		free(f->port);
		f->host = strdup(host);
		f->port = strdup(port);
		return f->host && f->port ? 0 : -ENOMEM;
	}
	if (!strcmp(key, "tls"))
		return cfg_get_bool(ps, v, key, &f->tls);
	if (!strcmp(key, "ca"))
		return cfg_get_path(ps, v, key, &f->ca);
	if (!strcmp(key, "tls_name"))
		return cfg_get_string(ps, v, key, &f->tls_name);
	if (!strcmp(key, "hostname")) {
		if (!forward_hostname_ok(cfg_scalar(v)))
			return cfg_fail(ps, v,
					"'hostname' must be 1..255 printable ASCII characters, "
					"no space");
		return cfg_get_string(ps, v, key, &f->hostname);
	}
	if (!strcmp(key, "state"))
		return cfg_get_path(ps, v, key, &f->state);
	if (!strcmp(key, "replay_ms")) {
		err = get_uint(ps, v, key, 3600000, &x);
		f->replay_ms = (unsigned int)x;
		return err;
	}
	return cfg_fail(ps, k,
			"unknown key '%s' in 'forward' (to, tls, ca, tls_name, hostname, "
			"state, replay_ms)",
			key);
}

static int parse_forward(struct cfg_parse *ps, yaml_node_t *n, struct daemon_forward_config *f)
{
	int err;

	if (n->type != YAML_MAPPING_NODE)
		return cfg_fail(ps, n, "'forward' must be a mapping with 'to: HOST:PORT'");
	f->line = (int)n->start_mark.line + 1;
	err = cfg_each_pair(ps, n, forward_key, f);
	if (err)
		return err;
	if (!f->host)
		return cfg_fail(ps, n, "'forward' without 'to: HOST:PORT'");
	if ((f->ca || f->tls_name) && !f->tls)
		return cfg_fail(ps, n, "'ca' and 'tls_name' need 'tls: true'");
	if (!f->state && !(f->state = strdup(DAEMON_DEFAULT_FORWARD_STATE)))
		return -ENOMEM;
	return 0;
}

static int audit_key(struct cfg_parse *ps, const yaml_node_t *k, const char *key, yaml_node_t *v,
		     void *arg)
{
	struct daemon_audit_config *a = arg;
	uint64_t x = 0;
	int err;

	if (!strcmp(key, "log"))
		return cfg_get_path(ps, v, key, &a->log);
	if (!strcmp(key, "key_dir"))
		return cfg_get_path(ps, v, key, &a->key_dir);
	if (!strcmp(key, "rotate_bytes")) {
		err = get_uint(ps, v, key, UINT64_MAX, &a->rotate_bytes);
		/* Each file holds its genesis and its rotation seal: under 64 KiB, little more. */
		if (!err && a->rotate_bytes && a->rotate_bytes < 65536)
			err = cfg_fail(ps, v, "'rotate_bytes' must be 0 (never) or at least 65536");
		return err;
	}
	if (!strcmp(key, "seal_every")) {
		err = get_uint(ps, v, key, 100000000, &x);
		a->seal_every = (unsigned int)x;
		return err;
	}
	if (!strcmp(key, "seal_ms")) {
		err = get_uint(ps, v, key, 86400000, &x);
		a->seal_ms = (unsigned int)x;
		return err;
	}
	if (!strcmp(key, "batch_ms")) {
		err = get_uint(ps, v, key, 60000, &x);
		a->batch_ms = (unsigned int)x;
		return err;
	}
	if (!strcmp(key, "durability")) {
		if (cfg_scalar(v) && !strcmp(cfg_scalar(v), "fsync"))
			a->fsync_each = 1;
		else if (cfg_scalar(v) && !strcmp(cfg_scalar(v), "batch"))
			a->fsync_each = 0;
		else
			return cfg_fail(ps, v, "'durability' must be fsync or batch");
		return 0;
	}
	if (!strcmp(key, "forward_secure"))
		return cfg_get_bool(ps, v, key, &a->forward_secure);
	if (!strcmp(key, "backlog_bytes"))
		return get_uint_in(ps, v, key, 4096, 1ull << 30, &a->backlog_bytes);
	if (!strcmp(key, "fold_ms")) {
		err = get_uint(ps, v, key, 60000, &x);
		a->fold_ms = (unsigned int)x;
		a->fold_set = 1;
		return err;
	}
	if (!strcmp(key, "host"))
		return cfg_get_string(ps, v, key, &a->host);
	if (!strcmp(key, "forward"))
		return parse_forward(ps, v, &a->forward);
	return cfg_fail(ps, k,
			"unknown key '%s' in 'audit' (log, rotate_bytes, seal_every, "
			"seal_ms, durability, batch_ms, key_dir, forward_secure, "
			"backlog_bytes, fold_ms, host, forward)",
			key);
}

static int parse_audit(struct cfg_parse *ps, yaml_node_t *n, struct daemon_audit_config *a)
{
	int err;

	if (n->type != YAML_MAPPING_NODE)
		return cfg_fail(ps, n, "'audit' must be a mapping");
	err = cfg_each_pair(ps, n, audit_key, a);
	/* The syslog HOSTNAME defaults to the host the records name. */
	if (!err && a->forward.host && !a->forward.hostname && a->host &&
	    !forward_hostname_ok(a->host))
		return cfg_fail(ps, n,
				"'host' is not a valid syslog HOSTNAME (1..255 printable ASCII, no "
				"space): give 'forward: hostname'");
	return err;
}

static int metrics_key(struct cfg_parse *ps, const yaml_node_t *k, const char *key, yaml_node_t *v,
		       void *arg)
{
	struct daemon_metrics_config *m = arg;
	char why[256];

	if (!strcmp(key, "listen")) {
		if (metrics_listen_parse(cfg_scalar(v), &m->listen, why, sizeof(why)))
			return cfg_fail(ps, v, "%s", why);
		return 0;
	}
	if (!strcmp(key, "bpf_stats"))
		return cfg_get_bool(ps, v, key, &m->bpf_stats);
	return cfg_fail(ps, k, "unknown key '%s' in 'metrics' (listen, bpf_stats)", key);
}

static int parse_metrics(struct cfg_parse *ps, yaml_node_t *n, struct daemon_metrics_config *m)
{
	if (n->type != YAML_MAPPING_NODE)
		return cfg_fail(ps, n, "'metrics' must be a mapping");
	return cfg_each_pair(ps, n, metrics_key, m);
}

static int set_defaults(struct daemon_config *c)
{
	if (!c->control_socket)
		c->control_socket = strdup(DAEMON_DEFAULT_CONTROL);
	if (!c->stream_socket)
		c->stream_socket = strdup(DAEMON_DEFAULT_STREAM);
	if (!c->ask_socket)
		c->ask_socket = strdup(DAEMON_DEFAULT_ASK);
	if (!c->state_file)
		c->state_file = strdup(DAEMON_DEFAULT_STATE);
	if (!c->audit.log)
		c->audit.log = strdup(DAEMON_DEFAULT_AUDIT_LOG);
	if (!c->containers.policies_dir)
		c->containers.policies_dir = strdup(DAEMON_DEFAULT_POLICIES_DIR);
	if (!c->containers.docker_root)
		c->containers.docker_root = strdup(DAEMON_DEFAULT_DOCKER_ROOT);
	if (!c->assignments)
		c->assignments = calloc(1, sizeof(*c->assignments));
	if (!c->control_socket || !c->stream_socket || !c->ask_socket || !c->state_file ||
	    !c->audit.log || !c->assignments || !c->containers.policies_dir ||
	    !c->containers.docker_root)
		return -ENOMEM;
	return 0;
}

int daemon_config_default(struct daemon_config **out)
{
	struct daemon_config *c = calloc(1, sizeof(*c));
	int err;

	if (!c)
		return -ENOMEM;
	err = set_defaults(c);
	if (err) {
		daemon_config_free(c);
		return err;
	}
	*out = c;
	return 0;
}

int daemon_config_of(const char **path, struct daemon_config **out, struct ag_error *err)
{
	if (!*path && !access(DAEMON_DEFAULT_CONFIG, F_OK))
		*path = DAEMON_DEFAULT_CONFIG;
	return *path ? daemon_config_load(*path, out, err) : daemon_config_default(out);
}

/*
 * Every mapping of the file has each key once: libyaml keeps both of a
 * repeated key, and the parse below would take the last one without a word.
 * The parse relies on it: a second 'assignments' or 'selectors' list would be
 * counted against the first one's array.
 */
static int keys_once(struct cfg_parse *ps)
{
	yaml_node_t *n;
	yaml_node_pair_t *p, *q;

	for (n = ps->doc.nodes.start; n < ps->doc.nodes.top; n++) {
		if (n->type != YAML_MAPPING_NODE)
			continue;
		for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
			yaml_node_t *k = yaml_document_get_node(&ps->doc, p->key);
			const char *key = cfg_scalar(k);

			for (q = n->data.mapping.pairs.start; key && q < p; q++) {
				yaml_node_t *o = yaml_document_get_node(&ps->doc, q->key);
				const char *other = cfg_scalar(o);

				if (other && !strcmp(other, key))
					return cfg_fail(
						ps, k,
						"expected each key once, found a second '%s' "
						"(first at %zu:%zu)",
						key, o->start_mark.line + 1,
						o->start_mark.column + 1);
			}
		}
	}
	return 0;
}

/* A path, or none / off (metrics.listen's word) for no ask socket; a YAML boolean is neither. */
static int parse_ask_socket(struct cfg_parse *ps, yaml_node_t *v, char **out)
{
	static const char *const flags[] = { "true", "false", "yes", "no", "on", "y", "n" };
	const char *s = cfg_scalar(v);
	size_t i;

	if (s && (!strcmp(s, "none") || !strcmp(s, "off"))) {
		free(*out);
		*out = strdup("none");
		return *out ? 0 : -ENOMEM;
	}
	for (i = 0; s && i < sizeof(flags) / sizeof(flags[0]); i++)
		if (!strcasecmp(s, flags[i]))
			return cfg_fail(ps, v, "ask_socket: a socket path, or none (off), not '%s'",
					s);
	return cfg_get_path(ps, v, "ask_socket", out);
}

static int root_key(struct cfg_parse *ps, const yaml_node_t *k, const char *key, yaml_node_t *v,
		    void *arg)
{
	struct daemon_config *c = arg;

	if (!strcmp(key, "control_socket"))
		return cfg_get_path(ps, v, key, &c->control_socket);
	if (!strcmp(key, "stream_socket"))
		return cfg_get_path(ps, v, key, &c->stream_socket);
	if (!strcmp(key, "ask_socket"))
		return parse_ask_socket(ps, v, &c->ask_socket);
	if (!strcmp(key, "state_file"))
		return cfg_get_path(ps, v, key, &c->state_file);
	if (!strcmp(key, "audit"))
		return parse_audit(ps, v, &c->audit);
	if (!strcmp(key, "metrics"))
		return parse_metrics(ps, v, &c->metrics);
	if (!strcmp(key, "assignments"))
		return v->type == YAML_SCALAR_NODE && !*cfg_scalar(v) ? 0 :
									parse_assignments(ps, v, c);
	if (!strcmp(key, "containers"))
		return cfg_parse_containers(ps, v, &c->containers);
	return cfg_fail(ps, k,
			"unknown key '%s' (control_socket, stream_socket, ask_socket, state_file, "
			"audit, metrics, assignments, containers)%s",
			key,
			policy_key(key) ? ": this looks like a policy, not the daemon's "
					  "configuration (check it with 'agentgate lint FILE')" :
					  "");
}

static int parse_root(struct cfg_parse *ps, struct daemon_config *c)
{
	yaml_node_t *root = yaml_document_get_root_node(&ps->doc);

	if (!root)
		return 0; /* an empty file: defaults, no assignments */
	if (root->type != YAML_MAPPING_NODE)
		return cfg_fail(ps, root, "the configuration must be a mapping");
	return cfg_each_pair(ps, root, root_key, c);
}

static int syntax_error(struct cfg_parse *ps, const yaml_parser_t *parser, const char *buf,
			size_t len)
{
	yaml_mark_t at = yaml_problem_mark(parser, buf, len);

	snprintf(ps->err->msg, sizeof(ps->err->msg), "%s:%zu:%zu: %s", ps->name, at.line + 1,
		 at.column + 1, parser->problem ? parser->problem : "not valid YAML");
	return -EINVAL;
}

/* A second document would be read by nobody: refused, as a policy's is. */
static int one_document(struct cfg_parse *ps, yaml_parser_t *parser, const char *buf, size_t len)
{
	yaml_document_t extra;
	yaml_node_t *more;
	int ret = 0;

	if (!yaml_parser_load(parser, &extra))
		return syntax_error(ps, parser, buf, len);
	more = yaml_document_get_root_node(&extra);
	if (more)
		ret = cfg_fail(ps, more, "expected one YAML document, found a second one");
	yaml_document_delete(&extra);
	return ret;
}

int daemon_config_parse(const char *name, const char *buf, size_t len, struct daemon_config **out,
			struct ag_error *err)
{
	struct cfg_parse ps = { .name = name, .err = err };
	struct daemon_config *c;
	yaml_parser_t parser;
	char *copy;
	int ret;

	c = calloc(1, sizeof(*c));
	copy = strdup(name);
	if (!c || !copy) {
		free(c);
		free(copy);
		return -ENOMEM;
	}
	ps.dir = strdup(dirname(copy));
	free(copy);
	if (!ps.dir) {
		free(c);
		return -ENOMEM;
	}
	c->path = strdup(name);
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	if (!yaml_parser_load(&parser, &ps.doc)) {
		syntax_error(&ps, &parser, buf, len);
		yaml_parser_delete(&parser);
		free(ps.dir);
		daemon_config_free(c);
		return -EINVAL;
	}
	ret = c->path ? one_document(&ps, &parser, buf, len) : -ENOMEM;
	if (!ret)
		ret = keys_once(&ps);
	if (!ret)
		ret = parse_root(&ps, c);
	if (!ret)
		ret = set_defaults(c);
	yaml_document_delete(&ps.doc);
	yaml_parser_delete(&parser);
	free(ps.dir);
	if (ret) {
		if (ret == -ENOMEM && !err->msg[0])
			snprintf(err->msg, sizeof(err->msg), "%s: out of memory", name);
		daemon_config_free(c);
		return ret;
	}
	*out = c;
	return 0;
}

int daemon_config_load(const char *path, struct daemon_config **out, struct ag_error *err)
{
	int fd;
	char *buf = NULL;
	size_t len = 0;
	FILE *f, *m;
	char chunk[4096];
	size_t n;
	int ret;

	/*
	 * A regular file, or /dev/null for the defaults: SIGHUP rereads it in the
	 * daemon's loop, where a FIFO or a terminal would wait for a writer and
	 * /dev/zero would never end.
	 */
	fd = file_open_regular(path, 1);
	if (fd == -EISDIR || fd == -EMEDIUMTYPE) {
		snprintf(err->msg, sizeof(err->msg), "%s: expected a regular file", path);
		return -EINVAL;
	}
	f = fd >= 0 ? fdopen(fd, "r") : NULL;
	if (!f) {
		ret = fd < 0 ? fd : -errno;
		if (fd >= 0)
			close(fd);
		snprintf(err->msg, sizeof(err->msg), "%s: %s", path, strerror(-ret));
		return ret;
	}
	m = open_memstream(&buf, &len);
	if (!m) {
		fclose(f);
		return -ENOMEM;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fwrite(chunk, 1, n, m);
	ret = ferror(f) ? -EIO : 0;
	fclose(f);
	if (fclose(m) || !buf) {
		free(buf);
		return -ENOMEM;
	}
	if (ret)
		snprintf(err->msg, sizeof(err->msg), "%s: read error", path);
	else
		ret = daemon_config_parse(path, buf, len, out, err);
	free(buf);
	return ret;
}

void daemon_config_free(struct daemon_config *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->nassignments; i++) {
		free(c->assignments[i].cgroup);
		free(c->assignments[i].policy);
	}
	free(c->assignments);
	for (i = 0; i < c->containers.nselectors; i++) {
		free(c->containers.selectors[i].image);
		free(c->containers.selectors[i].name);
		free(c->containers.selectors[i].engine);
		free(c->containers.selectors[i].pod_namespace);
		free(c->containers.selectors[i].policy);
	}
	free(c->containers.selectors);
	free(c->containers.policies_dir);
	free(c->containers.docker_root);
	free(c->containers.default_policy);
	free(c->audit.log);
	free(c->audit.key_dir);
	free(c->audit.host);
	free(c->audit.forward.host);
	free(c->audit.forward.port);
	free(c->audit.forward.ca);
	free(c->audit.forward.tls_name);
	free(c->audit.forward.hostname);
	free(c->audit.forward.state);
	free(c->path);
	free(c->control_socket);
	free(c->stream_socket);
	free(c->ask_socket);
	free(c->state_file);
	free(c);
}
