// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Risk flags: proposals a person should look at twice before enforcing them.
 * They are flagged, never dropped: the agent did these things, and a policy
 * without them would break it; the decision is the reviewer's.
 */
#include <stdio.h>
#include <string.h>
#include "learn_int.h"
#include "policy/policy.h"

static bool under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return !strncmp(path, dir, n) && (path[n] == '/' || path[n] == 0);
}

static bool has_component(const char *path, const char *const *names)
{
	const char *p = path, *e;
	size_t n, i;

	while ((p = strchr(p, '/'))) {
		p++;
		e = strchr(p, '/');
		n = e ? (size_t)(e - p) : strlen(p);
		for (i = 0; names[i]; i++)
			if (strlen(names[i]) == n && !strncmp(p, names[i], n))
				return true;
	}
	return false;
}

static const char *const secret_dirs[] = { ".ssh", ".gnupg", ".aws", ".kube", ".docker", NULL };

bool learn_sensitive_path(const char *path)
{
	static const char *const roots[] = { "/etc", "/root", "/proc", "/sys", "/dev", "/boot",
					     NULL };
	size_t i;

	for (i = 0; roots[i]; i++)
		if (under(path, roots[i]))
			return true;
	return has_component(path, secret_dirs);
}

static const char *base(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

static bool key_file(const char *path)
{
	static const char *const names[] = { "id_rsa", "id_ecdsa", "id_ed25519", "id_dsa",
					     "shadow", "gshadow", NULL };
	static const char *const exts[] = { ".pem", ".key", ".p12", ".pfx", ".keystore", NULL };
	const char *b = base(path);
	size_t i;

	for (i = 0; names[i]; i++)
		if (!strncmp(b, names[i], strlen(names[i])))
			return true;
	for (i = 0; exts[i]; i++)
		if (ends_with(b, exts[i]))
			return true;
	return false;
}

static bool config_file(const char *path)
{
	static const char *const dirs[] = { "config", ".config", "conf", "etc", "settings", NULL };
	static const char *const exts[] = { ".conf", ".cfg", ".ini", ".toml", ".yaml", ".yml",
					    ".env", NULL };
	const char *b = base(path);
	size_t i;

	if (has_component(path, dirs) || (b[0] == '.' && ends_with(b, "rc")))
		return true;
	for (i = 0; exts[i]; i++)
		if (ends_with(b, exts[i]))
			return true;
	return false;
}

static unsigned int path_risk(const struct learn_rule *r, const char *const *own, size_t nown)
{
	static const char *const agentgate[] = { "/etc/agentgate", "/var/lib/agentgate",
						 "/var/log/agentgate", "/run/agentgate",
						 "/usr/share/agentgate", AG_POLICY_DIR,
						 "/sys/fs/bpf", NULL };
	const char *p = r->pattern;
	unsigned int risk = 0;
	size_t i;

	for (i = 0; agentgate[i]; i++)
		if (under(p, agentgate[i]))
			risk |= LEARN_RISK_PROTECTED;
	for (i = 0; i < nown; i++)
		if (own[i] && !strcmp(p, own[i]))
			risk |= LEARN_RISK_PROTECTED;
	if (under(p, "/etc") || under(p, "/root") || has_component(p, secret_dirs) || key_file(p))
		risk |= LEARN_RISK_SENSITIVE;
	if (r->action == AG_ACTION_FILE_WRITE && config_file(p))
		risk |= LEARN_RISK_CONFIG;
	return risk;
}

static bool word_in(const char *w, size_t n, const char *const *set)
{
	size_t i;

	for (i = 0; set[i]; i++)
		if (strlen(set[i]) == n && !strncmp(w, set[i], n))
			return true;
	return false;
}

/* Every word's base name (the executable's and its arguments', as in `sudo apt-get`). */
static unsigned int command_risk(const char *cmd)
{
	static const char *const shells[] = { "sh",  "bash", "dash", "zsh",  "ksh",
					      "mksh", "csh", "tcsh", "fish", "busybox", NULL };
	static const char *const priv[] = { "sudo",    "su",	"doas", "pkexec",
					    "sudoedit", "runuser", NULL };
	static const char *const pkg[] = { "apt",  "apt-get", "aptitude", "dpkg", "pip",   "pip3",
					   "npm",  "npx",     "yarn",     "pnpm", "gem",   "cargo",
					   "yum",  "dnf",     "rpm",      "apk",  "snap",  "flatpak",
					   "conda", "brew",   NULL };
	const char *w = cmd, *e, *b;
	unsigned int risk = 0;
	bool first = true;
	size_t n;

	if (cmd[0] == '*')
		risk |= LEARN_RISK_SHELL;
	while (*w) {
		e = w + strcspn(w, " ");
		for (b = e; b > w && b[-1] != '/'; b--)
			;
		n = (size_t)(e - b);
		if (first && word_in(b, n, shells))
			risk |= LEARN_RISK_SHELL;
		if (word_in(b, n, priv))
			risk |= LEARN_RISK_PRIV;
		if (word_in(b, n, pkg))
			risk |= LEARN_RISK_PKG;
		first = false;
		w = *e ? e + 1 : e;
	}
	return risk;
}

unsigned int learn_risk(const struct learn_rule *r, const char *const *own, size_t nown)
{
	const char *slash;

	switch (r->action) {
	case AG_ACTION_FILE_READ:
	case AG_ACTION_FILE_WRITE:
		return r->pattern ? path_risk(r, own, nown) : 0;
	case AG_ACTION_SHELL_EXEC:
		return r->pattern ? command_risk(r->pattern) : 0;
	default:
		if (r->pattern && strpbrk(r->pattern, "*?["))
			return LEARN_RISK_NET_WILD;
		slash = r->cidr ? strchr(r->cidr, '/') : NULL;
		if (slash && strcmp(slash, strchr(r->cidr, ':') ? "/128" : "/32"))
			return LEARN_RISK_NET_WILD;
		return 0;
	}
}

const char *learn_risk_names(unsigned int risk, char *buf, size_t bufsz)
{
	static const char *const words[] = { "config-write", "protected-path",    "shell",
					     "privilege",    "package-manager",   "network-wildcard",
					     "sensitive",    "denied-explicitly" };
	size_t i, o = 0;

	buf[0] = 0;
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (risk & (1u << i) && o < bufsz)
			o += (size_t)snprintf(buf + o, bufsz - o, "%s%s", o ? "," : "", words[i]);
	return buf;
}
