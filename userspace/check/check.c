// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Judging one request as the kernel would: the same input builders
 * (subject_*) and the same matcher (image_match) as the BPF side, so an
 * answer here is the kernel's answer for the same input.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "dns/dns_msg.h"
#include "util/b64.h"

static int fail(char *what, size_t whatsz, const char *msg)
{
	snprintf(what, whatsz, "%s", msg);
	return -EINVAL;
}

/*
 * The length of s cut to at most max bytes, not inside a UTF-8 character:
 * a request's strings are UTF-8 (jansson refuses others), and what is cut
 * from them goes into a JSON answer, which must stay UTF-8.
 */
static int utf8_cut(const char *s, size_t max)
{
	size_t n = strnlen(s, max);

	/* s[n] continuing a character begun before the cut: that character is left out whole. */
	if (n == max)
		while (n && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	return (int)n;
}

static void oversized(struct check_result *res, const char *in)
{
	snprintf(res->subject, sizeof(res->subject), "%.*s... (%zu bytes)", utf8_cut(in, 64), in,
		 strlen(in));
	res->v.rule = AG_RULE_OVERSIZED;
	res->v.allow = 0;
}

/*
 * A domain alone is the DNS proxy's question (may the name be resolved?);
 * with a port, a connect to an address learned from it; with an ip too, the
 * kernel's whole decision for that connect: address and name, first rule wins.
 * A name the proxy does not read ("a\\.b.com" is no subdomain of b.com) is
 * denied as the proxy denies it: never resolved, no address learned from it.
 */
static int eval_network(const struct ag_policy *p, const struct ag_image *img,
			const struct check_req *req, struct check_result *res, char *what,
			size_t whatsz)
{
	uint8_t addr[AG_NET_ADDR_LEN], in[AG_MAX_INPUT + 4];
	char name[AG_MAX_INPUT + 1];
	struct ag_verdict va;
	int n;

	if (req->port > 65535 || (req->port < 0 && req->ip))
		return fail(what, whatsz, "expected a \"port\" from 0 to 65535 with \"ip\"");
	if (req->ip && subject_addr(req->ip, (uint16_t)req->port, addr) < 0)
		return fail(what, whatsz, "expected an IPv4 or IPv6 address in \"ip\"");
	if (req->domain) {
		res->cls = AG_CLASS_NET_DOMAIN;
		n = subject_domain(req->domain, name, sizeof(name));
		if (n == -ENAMETOOLONG || (n >= 0 && (size_t)n + 3 > AG_MAX_INPUT)) {
			oversized(res, req->domain);
			return 0;
		}
		if (n < 0)
			return fail(what, whatsz, "expected a non-empty \"domain\"");
		if (req->port < 0) {
			snprintf(res->subject, sizeof(res->subject), "%s", name);
			res->v = image_name_verdict(img, name, (size_t)n);
		} else if (!req->ip) {
			snprintf(res->subject, sizeof(res->subject), "%s:%ld", name, req->port);
			n = subject_domain_port(name, (uint16_t)req->port, in, sizeof(in));
			res->v = image_match(img, res->cls, in, (size_t)n);
		} else {
			snprintf(res->subject, sizeof(res->subject),
				 strchr(req->ip, ':') ? "%s ([%s]:%ld)" : "%s (%s:%ld)", name,
				 req->ip, req->port);
			n = subject_domain_port(name, (uint16_t)req->port, in, sizeof(in));
			va = image_match(img, AG_CLASS_NET_ADDR, addr, sizeof(addr));
			res->v = ag_verdict_first(va, image_match(img, res->cls, in, (size_t)n));
		}
		if (dns_name_readable(name, strlen(name)))
			res->v = (struct ag_verdict){ .rule = AG_RULE_UNREADABLE, .allow = 0 };
		return 0;
	}
	if (!req->ip)
		return fail(what, whatsz,
			    "expected \"domain\", or \"ip\" and \"port\", in a network request");
	res->cls = AG_CLASS_NET_ADDR;
	snprintf(res->subject, sizeof(res->subject), strchr(req->ip, ':') ? "[%s]:%ld" : "%s:%ld",
		 req->ip, req->port);
	res->v = image_match(img, res->cls, addr, sizeof(addr));
	return 0;
}

/* A listen on ip:port, as socket_listen and a UDP socket_bind decide it. */
static int eval_listen(const struct ag_image *img, const struct check_req *req,
		       struct check_result *res, char *what, size_t whatsz)
{
	uint8_t addr[AG_NET_ADDR_LEN];

	if (!req->ip || req->port < 0 || req->port > 65535)
		return fail(what, whatsz,
			    "expected \"ip\" (the local address) and \"port\" in a listen request");
	if (subject_addr(req->ip, (uint16_t)req->port, addr) < 0)
		return fail(what, whatsz, "expected an IPv4 or IPv6 address in \"ip\"");
	res->cls = AG_CLASS_NET_LISTEN;
	snprintf(res->subject, sizeof(res->subject), strchr(req->ip, ':') ? "[%s]:%ld" : "%s:%ld",
		 req->ip, req->port);
	res->v = image_listen_verdict(img, addr);
	return 0;
}

/* Each "NAME=value" of the request's environment through the ENV class, as the kernel does. */
static int eval_env(const struct ag_policy *p, const struct ag_image *img, json_t *env,
		    struct check_result *res, char *what, size_t whatsz)
{
	char s[AG_MAX_INPUT];
	struct ag_verdict v;
	const char *k;
	json_t *val;
	int n;

	if (!json_is_object(env))
		return fail(what, whatsz, "expected an object of strings for \"env\"");
	json_object_foreach(env, k, val)
	{
		if (!json_is_string(val))
			return fail(what, whatsz, "expected string values in \"env\"");
		/* The kernel matches at most AG_MAX_INPUT - 1 bytes of a string. */
		n = snprintf(s, sizeof(s), "%s=%s", k, json_string_value(val));
		if (n < 0)
			return fail(what, whatsz, "expected printable \"env\" entries");
		if ((size_t)n >= sizeof(s))
			n = sizeof(s) - 1;
		v = image_match(img, AG_CLASS_ENV, (const uint8_t *)s, (size_t)n);
		if (v.rule != AG_RULE_DEFAULT && res->v.allow) {
			res->v.rule = AG_RULE_ENV;
			res->v.allow = 0;
			res->env_hit = v.rule + 1u;
			policy_reason(p, AG_RULE_ENV, res->env_hit, res->why, sizeof(res->why));
		}
	}
	return 0;
}

int check_eval(const struct ag_policy *p, const struct ag_image *img, const struct check_req *req,
	       struct check_result *res, char *what, size_t whatsz)
{
	const char *in;
	int n;

	memset(res, 0, sizeof(*res));
	res->action = req->action;
	switch (req->action) {
	case AG_ACTION_FILE_READ:
	case AG_ACTION_FILE_WRITE:
		res->cls = req->action == AG_ACTION_FILE_READ ? AG_CLASS_FILE_READ :
								AG_CLASS_FILE_WRITE;
		in = req->path;
		if (!in)
			return fail(what, whatsz, "expected a \"path\" in a file request");
		n = subject_path(in, res->subject, sizeof(res->subject));
		if (n == -EINVAL)
			return fail(what, whatsz, "expected an absolute \"path\"");
		break;
	case AG_ACTION_SHELL_EXEC:
		res->cls = AG_CLASS_EXEC;
		in = req->command;
		if (!in)
			return fail(what, whatsz, "expected a \"command\" in a shell_exec request");
		if (!req->lexical)
			n = subject_command(in, p->search_path, p->nsearch, res->subject,
					    sizeof(res->subject));
		else
			n = subject_command_in_root(in, p->search_path, p->nsearch, req->root_fd,
						    res->subject, sizeof(res->subject));
		if (n == -EINVAL)
			return fail(what, whatsz, "expected a non-empty \"command\"");
		if (n == -ENOENT && req->lexical)
			return fail(what, whatsz,
				    "expected a \"command\" whose program is an absolute path or a "
				    "bare name");
		if (n == -ENOENT)
			return fail(what, whatsz,
				    "expected a \"command\" whose relative program path exists");
		break;
	case AG_ACTION_LISTEN:
		return eval_listen(img, req, res, what, whatsz);
	default:
		return eval_network(p, img, req, res, what, whatsz);
	}
	if (n == -ENAMETOOLONG || (n >= 0 && (size_t)n > AG_MAX_INPUT)) {
		oversized(res, in);
		return 0;
	}
	if (n < 0)
		return fail(what, whatsz, "expected an input the kernel could build");
	res->v = image_match(img, res->cls, (const uint8_t *)res->subject, (size_t)n);
	if (req->env && req->action != AG_ACTION_SHELL_EXEC)
		return fail(what, whatsz, "expected \"env\" only in a shell_exec request");
	if (req->env) /* checked for shape even when the command is denied anyway */
		return eval_env(p, img, req->env, res, what, whatsz);
	return 0;
}

static int str_field(json_t *o, const char *key, const char **out, char *what, size_t whatsz)
{
	json_t *v = json_object_get(o, key);

	*out = NULL;
	if (!v)
		return 0;
	if (!json_is_string(v)) {
		snprintf(what, whatsz, "expected a string for \"%s\"", key);
		return -EINVAL;
	}
	/* jansson refuses "\u0000" unless asked to allow it: strings end at their length. */
	*out = json_string_value(v);
	return 0;
}

int check_parse_action(const char *s, enum ag_action *a)
{
	enum ag_action i;

	for (i = AG_ACTION_FILE_READ; i <= AG_ACTION_LISTEN; i++) {
		if (!strcmp(s, ag_action_name(i))) {
			*a = i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *check_stray_field(const struct check_req *req)
{
	enum ag_action a = req->action;
	int file = a == AG_ACTION_FILE_READ || a == AG_ACTION_FILE_WRITE;
	int net = a == AG_ACTION_NETWORK, sock = net || a == AG_ACTION_LISTEN;

	if (req->path && !file)
		return "path";
	if (req->command && a != AG_ACTION_SHELL_EXEC)
		return "command";
	if (req->domain && !net)
		return "domain";
	if (req->ip && !sock)
		return "ip";
	if (req->port >= 0 && !sock)
		return "port";
	return NULL;
}

int check_parse(json_t *o, struct check_req *req, char *what, size_t whatsz)
{
	const char *action;
	json_t *port;
	int err;

	memset(req, 0, sizeof(*req));
	req->port = -1;
	if (!json_is_object(o))
		return fail(what, whatsz, "expected a JSON object");
	err = str_field(o, "action", &action, what, whatsz);
	if (err)
		return err;
	if (!action)
		return fail(what, whatsz, "expected an \"action\"");
	if (check_parse_action(action, &req->action)) {
		snprintf(
			what, whatsz,
			"expected \"action\" file_read, file_write, shell_exec, network or listen, found \"%.*s\"",
			utf8_cut(action, 64), action);
		return -EINVAL;
	}
	err = str_field(o, "path", &req->path, what, whatsz);
	if (!err)
		err = str_field(o, "command", &req->command, what, whatsz);
	if (!err)
		err = str_field(o, "domain", &req->domain, what, whatsz);
	if (!err)
		err = str_field(o, "ip", &req->ip, what, whatsz);
	if (err)
		return err;
	port = json_object_get(o, "port");
	if (port) {
		if (!json_is_integer(port) || json_integer_value(port) < 0 ||
		    json_integer_value(port) > 65535)
			return fail(what, whatsz, "expected a \"port\" number from 0 to 65535");
		req->port = (long)json_integer_value(port);
	}
	req->env = json_object_get(o, "env");
	return 0;
}

int check_request(const struct ag_policy *p, const struct ag_image *img, const char *json,
		  size_t len, struct check_result *res, char *what, size_t whatsz)
{
	struct check_req req;
	json_error_t jerr;
	json_t *o;
	int err;

	o = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!o) {
		/* jansson's words name its own flag; a request never holds a NUL at all. */
		snprintf(what, whatsz, "expected one JSON object: %s (column %d)",
			 json_error_code(&jerr) == json_error_null_character ?
				 "a NUL byte (\\u0000) is not allowed in a request" :
				 jerr.text,
			 jerr.column);
		return -EINVAL;
	}
	err = check_parse(o, &req, what, whatsz);
	if (!err)
		err = check_eval(p, img, &req, res, what, whatsz);
	json_decref(o);
	return err;
}

const char *check_rule_name(const struct check_result *r, char *buf, size_t bufsz)
{
	if (r->v.rule == AG_RULE_DEFAULT)
		return "default";
	if (r->v.rule == AG_RULE_OVERSIZED)
		return "oversized";
	if (r->v.rule == AG_RULE_ENV)
		return "env";
	if (r->v.rule == AG_RULE_UNREADABLE)
		return "unreadable";
	snprintf(buf, bufsz, "%u", r->v.rule);
	return buf;
}

const char *check_reason(const struct ag_policy *p, const struct check_result *r)
{
	if (r->v.rule == AG_RULE_ENV)
		return r->why;
	if (r->v.rule == AG_RULE_DEFAULT && r->action == AG_ACTION_LISTEN)
		return r->v.allow ? "no listen rule matched: loopback is allowed" :
				    "no listen rule matched: only loopback is allowed";
	if (r->v.rule == AG_RULE_DEFAULT)
		return p->default_allow ? "no rule matched: default allow" :
					  "no rule matched: default deny";
	if (r->v.rule == AG_RULE_OVERSIZED)
		return "input longer than 4096 bytes";
	if (r->v.rule == AG_RULE_UNREADABLE)
		return "not a name the DNS proxy resolves: a label holds a byte other than "
		       "letters, digits, '-' and '_', or is empty or too long";
	if (r->v.rule < p->nrules)
		return p->rules[r->v.rule].reason;
	return NULL;
}

/*
 * A path is bytes, not text: one that is not UTF-8 (JSON strings must be) goes
 * in base64 as "<key>_b64", the audit log's convention (docs/audit.md). The
 * subject, and "at" for a policy file whose name is not UTF-8.
 */
static int path_json(json_t *o, const char *key, const char *path)
{
	size_t len = strlen(path);
	json_t *s = json_stringn(path, len);
	char k[16], *b;
	int err;

	if (s)
		return json_object_set_new(o, key, s);
	b = malloc(B64_LEN(len) + 1);
	if (!b)
		return -1;
	*b64_encode(b, (const unsigned char *)path, len) = '\0';
	snprintf(k, sizeof(k), "%s_b64", key);
	err = json_object_set_new(o, k, json_string(b));
	free(b);
	return err;
}

json_t *check_result_json(const struct ag_policy *p, const struct check_result *r,
			  unsigned long line)
{
	const char *reason = check_reason(p, r);
	json_t *o = json_object();
	char where[PATH_MAX + 32];
	int bad = !o;

	if (bad)
		return NULL;
	if (line)
		bad |= json_object_set_new(o, "line", json_integer((json_int_t)line));
	bad |= json_object_set_new(o, "action", json_string(ag_action_name(r->action)));
	bad |= json_object_set_new(o, "decision", json_string(r->v.allow ? "ALLOW" : "DENY"));
	if (r->v.rule < p->nrules) {
		const struct ag_loc *l = &p->rules[r->v.rule].loc;

		bad |= json_object_set_new(o, "rule", json_integer(r->v.rule));
		snprintf(where, sizeof(where), "%s:%d:%d", l->file, l->line, l->col);
		bad |= path_json(o, "at", where);
	} else {
		char buf[16];

		bad |= json_object_set_new(o, "rule",
					   json_string(check_rule_name(r, buf, sizeof(buf))));
	}
	bad |= json_object_set_new(o, "reason", reason ? json_string(reason) : json_null());
	bad |= path_json(o, "subject", r->subject);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}
