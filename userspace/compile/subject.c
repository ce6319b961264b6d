// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The inputs each class matches, built as the kernel builds them, so that
 * `agentgate check` and the tests ask the DFA exactly what the kernel asks.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include "compile_int.h"

int subject_path(const char *path, char *out, size_t outsz)
{
	size_t len, i = 0, n = 0, start, depth = 0, stack[AG_MAX_INPUT / 2 + 1];

	if (!path || (path[0] != '/' && path[0] != '@'))
		return -EINVAL;
	len = strlen(path);
	if (len > AG_MAX_INPUT)
		return -ENAMETOOLONG;
	if (path[0] == '@') { /* an abstract unix socket name: no directories to resolve */
		if (len >= outsz)
			return -ENAMETOOLONG;
		memcpy(out, path, len + 1);
		return (int)len;
	}
	while (i < len) {
		while (i < len && path[i] == '/')
			i++;
		start = i;
		while (i < len && path[i] != '/')
			i++;
		if (i == start || (i - start == 1 && path[start] == '.'))
			continue;
		if (i - start == 2 && path[start] == '.' && path[start + 1] == '.') {
			if (depth)
				n = stack[--depth];
			continue;
		}
		if (n + 1 + (i - start) + 1 > outsz)
			return -ENAMETOOLONG;
		stack[depth++] = n;
		out[n++] = '/';
		memcpy(out + n, path + start, i - start);
		n += i - start;
	}
	if (n == 0) {
		if (outsz < 2)
			return -ENAMETOOLONG;
		out[n++] = '/';
	}
	out[n] = '\0';
	return (int)n;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

/*
 * How a bare program name is found in the search path: in this host's files
 * (the first that exists, its realpath), or below the root directory root_fd
 * (named as written; -1: no lookup, the first directory).
 */
enum lookup {
	LOOKUP_HOST,
	LOOKUP_ROOT,
};

/*
 * Whether dir/name (absolute in the asker's tree) is a program in the tree
 * whose root is open as root_fd. RESOLVE_IN_ROOT keeps every symbolic link,
 * absolute or "..", inside that tree, as the asker's own lookup would stay;
 * RESOLVE_NO_MAGICLINKS refuses /proc/PID/... links, which lead anywhere.
 * Like a shell's PATH search, a directory or a file no one may execute under
 * that name is passed over for the next directory.
 */
static bool root_has_program(int root_fd, const char *path)
{
	struct open_how how = { .flags = O_PATH | O_CLOEXEC,
				.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
	struct stat st;
	int fd;
	bool found;

	fd = (int)syscall(SYS_openat2, root_fd, path, &how, sizeof(how));
	if (fd < 0)
		return false;
	found = !fstat(fd, &st) && S_ISREG(st.st_mode) && (st.st_mode & 0111);
	close(fd);
	return found;
}

/* "dir/name", or "/name" for the directory "/", as the kernel names it; its length. */
static int program_path(const char *dir, const char *name, char *out, size_t outsz)
{
	int n = snprintf(out, outsz, "%s/%s", strcmp(dir, "/") ? dir : "", name);

	return n < 0 || (size_t)n >= outsz ? -ENAMETOOLONG : n;
}

/* The executable the kernel would run for word (see compile_exec.c). */
static int resolve_program(const char *word, size_t wl, char *const *search, size_t nsearch,
			   enum lookup how, int root_fd, char *out, size_t outsz)
{
	char name[PATH_MAX], path[PATH_MAX], rp[PATH_MAX];
	const char *first = NULL;
	size_t i;

	if (wl >= sizeof(name))
		return -ENAMETOOLONG;
	memcpy(name, word, wl);
	name[wl] = '\0';
	if (memchr(word, '/', wl)) {
		if (how != LOOKUP_HOST)
			return name[0] == '/' ? subject_path(name, out, outsz) : -ENOENT;
		if (realpath(name, rp))
			return snprintf(out, outsz, "%s", rp) >= (int)outsz ? -ENAMETOOLONG :
									      (int)strlen(rp);
		if (name[0] != '/')
			return -ENOENT;
		return subject_path(name, out, outsz);
	}
	if (!search || !nsearch) {
		search = (char *const *)ag_default_search_path;
		for (nsearch = 0; ag_default_search_path[nsearch]; nsearch++)
			;
	}
	for (i = 0; i < nsearch; i++) {
		if (program_path(search[i], name, path, sizeof(path)) < 0)
			continue;
		if (!first)
			first = search[i];
		if (how == LOOKUP_HOST && access(path, F_OK) == 0 && realpath(path, rp))
			return snprintf(out, outsz, "%s", rp) >= (int)outsz ? -ENAMETOOLONG :
									      (int)strlen(rp);
		if (how == LOOKUP_ROOT && root_fd >= 0 && root_has_program(root_fd, path))
			return program_path(search[i], name, out, outsz);
	}
	if (!first)
		return -ENAMETOOLONG;
	return program_path(first, name, out, outsz);
}

static int command(const char *cmdline, char *const *search_path, size_t nsearch, enum lookup how,
		   int root_fd, char *out, size_t outsz)
{
	const char *p = cmdline, *w;
	int n;
	size_t len, wl;

	if (!cmdline)
		return -EINVAL;
	while (is_space(*p))
		p++;
	for (w = p; *w && !is_space(*w); w++)
		;
	if (w == p)
		return -EINVAL;
	n = resolve_program(p, (size_t)(w - p), search_path, nsearch, how, root_fd, out, outsz);
	if (n < 0)
		return n;
	len = (size_t)n;
	for (p = w;;) {
		while (is_space(*p))
			p++;
		if (!*p)
			break;
		for (w = p; *w && !is_space(*w); w++)
			;
		wl = (size_t)(w - p);
		if (len + 1 + wl + 1 > outsz)
			return -ENAMETOOLONG;
		out[len++] = ' ';
		memcpy(out + len, p, wl);
		len += wl;
		out[len] = '\0';
		p = w;
	}
	return (int)len;
}

int subject_command(const char *cmdline, char *const *search_path, size_t nsearch, char *out,
		    size_t outsz)
{
	return command(cmdline, search_path, nsearch, LOOKUP_HOST, -1, out, outsz);
}

int subject_command_in_root(const char *cmdline, char *const *search_path, size_t nsearch,
			    int root_fd, char *out, size_t outsz)
{
	return command(cmdline, search_path, nsearch, LOOKUP_ROOT, root_fd, out, outsz);
}

int subject_addr(const char *ip, uint16_t port, uint8_t out[AG_NET_ADDR_LEN])
{
	uint8_t v4[4];

	if (!ip)
		return -EINVAL;
	if (inet_pton(AF_INET, ip, v4) == 1) {
		memset(out, 0, 10);
		out[10] = out[11] = 0xff;
		memcpy(out + 12, v4, 4);
	} else if (inet_pton(AF_INET6, ip, out) != 1) {
		return -EINVAL;
	}
	out[16] = (uint8_t)(port >> 8);
	out[17] = (uint8_t)port;
	return AG_NET_ADDR_LEN;
}

int subject_domain(const char *domain, char *out, size_t outsz)
{
	size_t len, i;

	if (!domain)
		return -EINVAL;
	len = strlen(domain);
	if (len && domain[len - 1] == '.')
		len--;
	if (!len)
		return -EINVAL;
	if (len + 1 > outsz)
		return -ENAMETOOLONG;
	for (i = 0; i < len; i++)
		out[i] = (char)tolower((unsigned char)domain[i]);
	out[len] = '\0';
	return (int)len;
}

int subject_domain_port(const char *domain, uint16_t port, uint8_t *out, size_t outsz)
{
	int n;

	if (outsz < 3)
		return -ENAMETOOLONG;
	n = subject_domain(domain, (char *)out, outsz - 2);
	if (n < 0)
		return n;
	out[n + 1] = (uint8_t)(port >> 8);
	out[n + 2] = (uint8_t)port;
	return n + 3;
}
