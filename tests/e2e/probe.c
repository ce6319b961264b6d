// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * probe: performs one action the way an agent would and prints "ok" or the
 * errno name (EPERM, ...); exits 0 on ok, 1 otherwise. Used by the e2e tests
 * to assert the real return value of each syscall.
 *
 *   probe open-read PATH | open-write PATH | open-rw PATH
 *   probe exec PATH ARGV0 [ARG...]     execve with the given argv[0]
 *   probe exec-env NAME=VAL PATH ARGV0 [ARG...]
 *                                      the same with the environment PATH=... and NAME=VAL
 *                                      (VAL "{N}": N bytes 'a')
 *   probe exec-stay PATH SECONDS [bad-argv]
 *                                      execve(PATH) by the probe itself, expected to fail
 *                                      (bad-argv: an unreadable argv): prints the errno and
 *                                      its pid, then stays SECONDS
 *   probe as-user UID PATH ARGV0 [ARG...]
 *                                      drops to UID (and gid UID), then execs PATH
 *   probe enter-child NAME PATH ARGV0 [ARG...]
 *                                      moves itself into a new cgroup NAME below its own,
 *                                      then execs PATH
 *   probe connect IP PORT              TCP connect (ECONNREFUSED: allowed, no listener)
 *   probe connect-udp IP PORT          UDP connect (needs no listener)
 *   probe sendto-udp IP PORT           UDP sendto() with the address, no connect()
 *   probe fastopen IP PORT             TCP Fast Open: sendto(MSG_FASTOPEN), no connect()
 *   probe tcp-serve PORT SECONDS       accepts TCP connections on [::]:PORT (IPv4 too, Fast
 *                                      Open allowed) for SECONDS; prints ok once listening
 *   probe resolve NAME [all|4|6]       getaddrinfo(NAME): "ok" and one address a line, or the
 *                                      EAI_ code's name (EAI_AGAIN: refused or no answer,
 *                                      EAI_NONAME: no such name)
 *   probe connect-name NAME PORT [tcp|udp|sendto|fastopen] [all|4|6|mapped]
 *                                      resolves NAME (getaddrinfo), then does what connect,
 *                                      connect-udp, sendto-udp or fastopen do to EVERY address
 *                                      it got (default tcp, all families; mapped: the IPv4
 *                                      ones as ::ffff:a.b.c.d on an IPv6 socket). First line:
 *                                      ok if every one was ok, else the first failure (errno
 *                                      or EAI_ name); then "ADDR OUTCOME" for each address
 *   probe connect-name-twice NAME PORT SECONDS [tcp|udp|sendto|fastopen] [all|4|6|mapped]
 *                                      the same, then sleeps SECONDS and tries the same
 *                                      addresses again without resolving: "FIRST SECOND"
 *                                      (e.g. "ok EPERM" once learned addresses expired)
 *   probe dns-query SERVER NAME [A|AAAA] [udp|sendto|tcp]
 *                                      one DNS query of its own (not the libc resolver) to
 *                                      SERVER ("IP" or "IP#PORT", default port 53), by
 *                                      connected UDP (default), unconnected sendto or TCP.
 *                                      Prints the rcode and the sorted addresses answered
 *                                      ("NOERROR 127.0.0.30", "REFUSED", "NXDOMAIN"); an
 *                                      errno name when the socket fails (ETIMEDOUT: no
 *                                      answer in 3 s); "wrong-source IP#PORT" when a UDP
 *                                      answer comes from another address than SERVER
 *   probe unix-connect PATH | unix-send PATH
 *                                      AF_UNIX stream connect / datagram sendto ("@x": abstract)
 *   probe unix-serve PATH SECONDS      listens at PATH (stream) and PATH-dgram (datagram)
 *   probe setxattr PATH                sets trusted.agentgate on PATH
 *   probe reopen PATH                  open(O_PATH), then /proc/self/fd/N for reading
 *   probe openat|openat2 DIR NAME      NAME for reading relative to an O_PATH fd of DIR
 *   probe exit N | kill-self SIG       end with status N / by signal SIG
 *   probe argv-race PATH ROUNDS        execve(PATH, {"echo", arg}) where the kernel copies
 *                                      "denied..." and the LSM reads "allowd..." (see
 *                                      below); prints ran-allowed/ran-denied/killed/refused
 *                                      counts, exits 1 if a denied argument ever ran
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <time.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include "outcome.h"
#include "argv_race.h"
#include "dns_query.h"
#include <linux/openat2.h>
#include <sys/un.h>
#include <sys/wait.h>

static int do_open(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC, 0644);

	if (fd < 0)
		return report(errno);
	close(fd);
	return report(0);
}

/* An O_PATH descriptor (no open check) reopened through /proc/self/fd for reading. */
static int do_reopen(const char *path)
{
	char proc[64];
	int fd = open(path, O_PATH | O_CLOEXEC);

	if (fd < 0)
		return report(errno);
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	return do_open(proc, O_RDONLY);
}

/* NAME opened for reading relative to a directory descriptor, by openat or openat2. */
static int do_openat(const char *dir, const char *name, int two)
{
	struct open_how how = { .flags = O_RDONLY | O_CLOEXEC };
	int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC), fd;

	if (dfd < 0)
		return report(errno);
	fd = two ? (int)syscall(SYS_openat2, dfd, name, &how, sizeof(how)) :
		   openat(dfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return report(errno);
	close(fd);
	return report(0);
}

/* "NAME={N}" becomes NAME= and N bytes 'a' (too long for the probe's own command line). */
static char *long_value(char *spec)
{
	char *eq = strchr(spec, '='), *s;
	size_t name, n;

	if (!eq || eq[1] != '{')
		return spec;
	name = (size_t)(eq - spec) + 1;
	n = strtoul(eq + 2, NULL, 10);
	s = malloc(name + n + 1);
	if (!s)
		return NULL;
	memcpy(s, spec, name);
	memset(s + name, 'a', n);
	s[name + n] = '\0';
	return s;
}

struct exec_req {
	const char *path;
	char **argv;
	char **envp; /* NULL: this process's environment */
};

static void exec_path(void *arg)
{
	const struct exec_req *r = arg;

	if (r->envp)
		execve(r->path, r->argv, r->envp);
	else
		execv(r->path, r->argv);
}

/* Runs PATH with argv in a child; "ok" once the exec succeeded, then the child's status. */
static int do_exec(const char *path, char **argv, char **envp)
{
	struct exec_req r = { path, argv, envp };
	int status, err = exec_outcome(exec_path, &r, &status);

	if (err)
		return report(err);
	report(0);
	fflush(stdout);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

enum net_how { NET_CONNECT, NET_SENDTO, NET_FASTOPEN };

/* TCP or UDP to an address by connect(), by sendto() with it, or TCP Fast Open: the errno. */
static int net_try(const struct sockaddr *sa, socklen_t len, int type, enum net_how how)
{
	int fd = socket(sa->sa_family, type | SOCK_CLOEXEC, 0), r;

	if (fd < 0)
		return errno;
	if (how == NET_CONNECT)
		r = connect(fd, sa, len);
	else
		r = sendto(fd, "x", 1, how == NET_FASTOPEN ? MSG_FASTOPEN : 0, sa, len);
	/* Refused: the kernel let the attempt out and nobody listens there. */
	if (r < 0 && !(how == NET_FASTOPEN && errno == ECONNREFUSED)) {
		r = errno;
		close(fd);
		return r;
	}
	close(fd);
	return 0;
}

/* IP (v4 or v6) and PORT as a socket address; 0 if IP is no address. */
static socklen_t parse_addr(const char *ip, int port, struct sockaddr_storage *ss)
{
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, ip, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		return sizeof(*s4);
	}
	if (inet_pton(AF_INET6, ip, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		return sizeof(*s6);
	}
	return 0;
}

/* TCP or UDP to IP:PORT by connect(), by sendto() with the address, or TCP Fast Open. */
static int do_net(const char *ip, const char *port, int type, enum net_how how)
{
	struct sockaddr_storage ss;
	socklen_t len = parse_addr(ip, atoi(port), &ss);

	if (!len) {
		fprintf(stderr, "probe: bad address %s\n", ip);
		return 2;
	}
	return report(net_try((struct sockaddr *)&ss, len, type, how));
}

/* A listener on [::]:PORT that also takes IPv4 and Fast Open, accepting for SECONDS. */
static int do_tcp_serve(const char *port, int seconds)
{
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6,
				   .sin6_port = htons(atoi(port)),
				   .sin6_addr = IN6ADDR_ANY_INIT };
	int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0), off = 0, on = 1, qlen = 16;
	time_t end = time(NULL) + seconds;

	if (fd < 0 || setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) ||
	    setsockopt(fd, IPPROTO_TCP, TCP_FASTOPEN, &qlen, sizeof(qlen)) ||
	    bind(fd, (struct sockaddr *)&s6, sizeof(s6)) || listen(fd, 64))
		return report(errno);
	report(0);
	fflush(stdout);
	while (time(NULL) < end) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int c;

		if (poll(&p, 1, 200) == 1 && (c = accept4(fd, NULL, NULL, SOCK_CLOEXEC)) >= 0)
			close(c);
	}
	return 0;
}

/* The name of an outcome: "ok" or the errno's name. */
static const char *errname(int err)
{
	if (!err)
		return "ok";
	return strerrorname_np(err) ? strerrorname_np(err) : "EUNKNOWN";
}

static const char *eai_name(int code)
{
	switch (code) {
	case EAI_AGAIN:
		return "EAI_AGAIN";
	case EAI_NONAME:
		return "EAI_NONAME";
	case EAI_FAIL:
		return "EAI_FAIL";
	case EAI_NODATA:
		return "EAI_NODATA";
	case EAI_ADDRFAMILY:
		return "EAI_ADDRFAMILY";
	case EAI_FAMILY:
		return "EAI_FAMILY";
	case EAI_SERVICE:
		return "EAI_SERVICE";
	case EAI_MEMORY:
		return "EAI_MEMORY";
	case EAI_SYSTEM:
		return "EAI_SYSTEM";
	default:
		return "EAI_OTHER";
	}
}

static void addr_str(const struct sockaddr *sa, char *buf, size_t n)
{
	const void *a = &((struct sockaddr_in6 *)sa)->sin6_addr;

	if (sa->sa_family == AF_INET)
		a = &((struct sockaddr_in *)sa)->sin_addr;

	if (!inet_ntop(sa->sa_family, a, buf, n))
		snprintf(buf, n, "?");
}

#define MAX_ADDRS 32
struct addrs {
	int n;
	struct sockaddr_storage sa[MAX_ADDRS];
	socklen_t len[MAX_ADDRS];
};

/*
 * NAME's addresses by getaddrinfo with PORT, one per address (socktype TYPE). FAM: all, 4,
 * 6, or mapped (the IPv4 ones as ::ffff:a.b.c.d). Returns 0 or the EAI_ code.
 */
static int resolve(const char *name, int port, int type, const char *fam, struct addrs *out)
{
	struct addrinfo hints = { .ai_socktype = type }, *res, *ai;
	int r;

	hints.ai_family = !strcmp(fam, "4") || !strcmp(fam, "mapped") ? AF_INET :
			  !strcmp(fam, "6")			      ? AF_INET6 :
									AF_UNSPEC;
	r = getaddrinfo(name, NULL, &hints, &res);
	if (r)
		return r;
	out->n = 0;
	for (ai = res; ai && out->n < MAX_ADDRS; ai = ai->ai_next) {
		struct sockaddr_storage *ss = &out->sa[out->n];

		memset(ss, 0, sizeof(*ss));
		if (ai->ai_family == AF_INET && !strcmp(fam, "mapped")) {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

			s6->sin6_family = AF_INET6;
			s6->sin6_addr.s6_addr[10] = s6->sin6_addr.s6_addr[11] = 0xff;
			memcpy(&s6->sin6_addr.s6_addr[12],
			       &((struct sockaddr_in *)ai->ai_addr)->sin_addr, 4);
			out->len[out->n] = sizeof(*s6);
		} else {
			memcpy(ss, ai->ai_addr, ai->ai_addrlen);
			out->len[out->n] = ai->ai_addrlen;
		}
		if (ss->ss_family == AF_INET)
			((struct sockaddr_in *)ss)->sin_port = htons(port);
		else
			((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
		out->n++;
	}
	freeaddrinfo(res);
	return out->n ? 0 : EAI_NODATA;
}

static int do_resolve(const char *name, const char *fam)
{
	struct addrs a;
	char buf[INET6_ADDRSTRLEN];
	int r = resolve(name, 0, SOCK_STREAM, fam, &a), i;

	if (r) {
		printf("%s\n", eai_name(r));
		return 1;
	}
	report(0);
	for (i = 0; i < a.n; i++) {
		addr_str((struct sockaddr *)&a.sa[i], buf, sizeof(buf));
		printf("%s\n", buf);
	}
	return 0;
}

/* how[] of connect-name: "tcp", "udp", "sendto" or "fastopen". */
static int net_mode(const char *s, int *type, enum net_how *how)
{
	*type = !strcmp(s, "udp") || !strcmp(s, "sendto") ? SOCK_DGRAM : SOCK_STREAM;
	*how = !strcmp(s, "sendto")   ? NET_SENDTO :
	       !strcmp(s, "fastopen") ? NET_FASTOPEN :
					NET_CONNECT;
	return !strcmp(s, "tcp") || !strcmp(s, "udp") || !strcmp(s, "sendto") ||
	       !strcmp(s, "fastopen");
}

/* Each address of A: the outcomes into errs[], the first failure (0: all ok). */
static int net_each(const struct addrs *a, int type, enum net_how how, int *errs)
{
	int i, first = 0;

	for (i = 0; i < a->n; i++) {
		errs[i] = net_try((const struct sockaddr *)&a->sa[i], a->len[i], type, how);
		if (errs[i] && !first)
			first = errs[i];
	}
	return first;
}

/*
 * connect-name (SECONDS < 0) and connect-name-twice: resolve NAME, try every address,
 * (sleep SECONDS, try them all again). First line the verdict(s), then one line an address.
 */
static int do_net_name(const char *name, const char *port, const char *mode, const char *fam,
		       int seconds)
{
	int type, errs[MAX_ADDRS], again[MAX_ADDRS], first, second = 0, r, i;
	enum net_how how;
	char buf[INET6_ADDRSTRLEN];
	struct addrs a;

	if (!net_mode(mode, &type, &how) ||
	    (strcmp(fam, "all") && strcmp(fam, "4") && strcmp(fam, "6") && strcmp(fam, "mapped"))) {
		fprintf(stderr, "probe: bad mode %s or family %s\n", mode, fam);
		return 2;
	}
	r = resolve(name, atoi(port), type, fam, &a);
	if (r) {
		printf("%s\n", eai_name(r));
		return 1;
	}
	first = net_each(&a, type, how, errs);
	if (seconds >= 0) {
		sleep(seconds);
		second = net_each(&a, type, how, again);
		printf("%s %s\n", errname(first), errname(second));
	} else {
		printf("%s\n", errname(first));
	}
	for (i = 0; i < a.n; i++) {
		addr_str((struct sockaddr *)&a.sa[i], buf, sizeof(buf));
		if (seconds >= 0)
			printf("%s %s %s\n", buf, errname(errs[i]), errname(again[i]));
		else
			printf("%s %s\n", buf, errname(errs[i]));
	}
	return first || second;
}

/* Skips a (possibly compressed) name in a DNS message; the offset after it or -1. */
static int dns_skip_name(const unsigned char *m, int n, int off)
{
	while (off < n) {
		if (m[off] == 0)
			return off + 1;
		if ((m[off] & 0xc0) == 0xc0)
			return off + 2 <= n ? off + 2 : -1;
		off += 1 + m[off];
	}
	return -1;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The answer M (N bytes) to query ID: "RCODE ADDR..." into OUT. */
static int dns_answer(const unsigned char *m, int n, unsigned id, char *out, size_t outlen)
{
	static const char *const rcodes[] = { "NOERROR",  "FORMERR", "SERVFAIL",
					      "NXDOMAIN", "NOTIMP",  "REFUSED" };
	char addrs[MAX_ADDRS][INET6_ADDRSTRLEN], *sorted[MAX_ADDRS];
	int rc, an, qd, off = 12, na = 0, i;
	size_t used;

	if (n < 12 || ((m[0] << 8) | m[1]) != (int)id || !(m[2] & 0x80))
		return -1;
	rc = m[3] & 0xf;
	qd = (m[4] << 8) | m[5];
	an = (m[6] << 8) | m[7];
	if (rc < 6)
		used = (size_t)snprintf(out, outlen, "%s", rcodes[rc]);
	else
		used = (size_t)snprintf(out, outlen, "RCODE%d", rc);
	while (qd-- > 0 && off >= 0) {
		off = dns_skip_name(m, n, off);
		if (off >= 0)
			off += 4; /* type, class */
	}
	while (an-- > 0 && off >= 0 && off < n) {
		int type, rdlen;

		off = dns_skip_name(m, n, off);
		if (off < 0 || off + 10 > n)
			break;
		type = (m[off] << 8) | m[off + 1];
		rdlen = (m[off + 8] << 8) | m[off + 9];
		off += 10;
		if (off + rdlen > n)
			break;
		if (na < MAX_ADDRS && ((type == 1 && rdlen == 4) || (type == 28 && rdlen == 16)))
			inet_ntop(type == 1 ? AF_INET : AF_INET6, m + off, addrs[na++],
				  INET6_ADDRSTRLEN);
		off += rdlen;
	}
	for (i = 0; i < na; i++)
		sorted[i] = addrs[i];
	qsort(sorted, na, sizeof(*sorted), cmp_str);
	for (i = 0; i < na && used < outlen; i++)
		used += (size_t)snprintf(out + used, outlen - used, " %s", sorted[i]);
	return 0;
}

/* Reads exactly N bytes from a stream socket. */
static int read_full(int fd, unsigned char *buf, int n)
{
	int got = 0;

	while (got < n) {
		ssize_t r = read(fd, buf + got, n - got);

		if (r <= 0)
			return r < 0 ? -1 : (errno = ECONNRESET, -1);
		got += r;
	}
	return 0;
}

/* One query for NAME (type A or AAAA) to SERVER by MODE (udp, sendto or tcp). */
static int do_dns_query(const char *server, const char *name, const char *qtype, const char *mode)
{
	struct timeval tv = { .tv_sec = 3 };
	struct sockaddr_storage ss, from;
	socklen_t len, fromlen;
	unsigned char q[300], m[4096];
	char host[INET6_ADDRSTRLEN + 8], line[1024], *hash;
	unsigned id = (unsigned)(getpid() ^ time(NULL)) & 0xffff;
	int tcp = !strcmp(mode, "tcp"), qn, fd, n;

	snprintf(host, sizeof(host), "%s", server);
	hash = strchr(host, '#');
	if (hash)
		*hash = '\0';
	len = parse_addr(host, hash ? atoi(hash + 1) : 53, &ss);
	if (!len || (strcmp(mode, "udp") && strcmp(mode, "sendto") && !tcp) ||
	    (strcmp(qtype, "A") && strcmp(qtype, "AAAA")) || strlen(name) > 250) {
		fprintf(stderr, "probe: bad server %s, mode %s, type %s or name\n", server, mode,
			qtype);
		return 2;
	}
	qn = dns_query_build(q, id, name, !strcmp(qtype, "A") ? 1 : 28);
	if (qn < 0) {
		fprintf(stderr, "probe: bad name %s\n", name);
		return 2;
	}

	fd = socket(ss.ss_family, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return report(errno);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (tcp) {
		unsigned char pre[2] = { qn >> 8, qn & 0xff };

		if (connect(fd, (struct sockaddr *)&ss, len) || write(fd, pre, 2) != 2 ||
		    write(fd, q, qn) != qn || read_full(fd, pre, 2))
			return report(errno == EAGAIN ? ETIMEDOUT : errno);
		n = (pre[0] << 8) | pre[1];
		if (n > (int)sizeof(m) || read_full(fd, m, n))
			return report(errno == EAGAIN ? ETIMEDOUT : errno);
	} else {
		if (!strcmp(mode, "udp") ?
			    connect(fd, (struct sockaddr *)&ss, len) || send(fd, q, qn, 0) != qn :
			    sendto(fd, q, qn, 0, (struct sockaddr *)&ss, len) != qn)
			return report(errno);
		for (;;) {
			fromlen = sizeof(from);
			n = recvfrom(fd, m, sizeof(m), 0, (struct sockaddr *)&from, &fromlen);
			if (n < 0)
				return report(errno == EAGAIN ? ETIMEDOUT : errno);
			if (n >= 2 && ((m[0] << 8) | m[1]) == (int)id)
				break;
		}
		/* A resolver drops answers from anyone but the server it asked. */
		if (from.ss_family != ss.ss_family ||
		    (ss.ss_family == AF_INET ?
			     memcmp(&((struct sockaddr_in *)&from)->sin_addr,
				    &((struct sockaddr_in *)&ss)->sin_addr, 4) ||
				     ((struct sockaddr_in *)&from)->sin_port !=
					     ((struct sockaddr_in *)&ss)->sin_port :
			     memcmp(&((struct sockaddr_in6 *)&from)->sin6_addr,
				    &((struct sockaddr_in6 *)&ss)->sin6_addr, 16) ||
				     ((struct sockaddr_in6 *)&from)->sin6_port !=
					     ((struct sockaddr_in6 *)&ss)->sin6_port)) {
			addr_str((struct sockaddr *)&from, line, sizeof(line));
			printf("wrong-source %s#%d\n", line,
			       ntohs(from.ss_family == AF_INET ?
					     ((struct sockaddr_in *)&from)->sin_port :
					     ((struct sockaddr_in6 *)&from)->sin6_port));
			return 1;
		}
	}
	close(fd);
	if (dns_answer(m, n, id, line, sizeof(line))) {
		printf("bad-answer\n");
		return 1;
	}
	printf("%s\n", line);
	return strncmp(line, "NOERROR ", 8) ? 1 : 0;
}

/* A unix socket address; "@name" is an abstract name. */
static socklen_t unix_addr(const char *path, struct sockaddr_un *sun)
{
	size_t n = strlen(path);

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (n >= sizeof(sun->sun_path))
		n = sizeof(sun->sun_path) - 1;
	memcpy(sun->sun_path, path, n);
	if (path[0] == '@')
		sun->sun_path[0] = '\0';
	return offsetof(struct sockaddr_un, sun_path) + n + (path[0] != '@');
}

static int do_unix(const char *path, int type)
{
	struct sockaddr_un sun;
	socklen_t len = unix_addr(path, &sun);
	int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0), r;

	if (fd < 0)
		return report(errno);
	if (type == SOCK_STREAM)
		r = connect(fd, (struct sockaddr *)&sun, len);
	else
		r = sendto(fd, "x", 1, 0, (struct sockaddr *)&sun, len);
	if (r < 0)
		return report(errno);
	close(fd);
	return report(0);
}

/* A stream listener at PATH and a datagram socket at PATH-dgram, for SECONDS. */
static int do_unix_serve(const char *path, int seconds)
{
	struct sockaddr_un sun;
	char dpath[256];
	int s = socket(AF_UNIX, SOCK_STREAM, 0), d = socket(AF_UNIX, SOCK_DGRAM, 0);
	socklen_t len;

	snprintf(dpath, sizeof(dpath), "%s-dgram", path);
	len = unix_addr(path, &sun);
	if (s < 0 || d < 0 || bind(s, (struct sockaddr *)&sun, len) || listen(s, 16))
		return report(errno);
	len = unix_addr(dpath, &sun);
	if (bind(d, (struct sockaddr *)&sun, len))
		return report(errno);
	report(0);
	fflush(stdout);
	sleep(seconds);
	return 0;
}

/*
 * execve(PATH) by this process itself, expected to fail: prints the errno and
 * its pid, then stays SECONDS, so that what the failed execve left behind can be read.
 */
static int exec_stay(const char *path, const char *seconds, int bad_argv)
{
	char *argv[] = { (char *)path, NULL };

	/* An argv the kernel cannot read: EFAULT, after the open on 6.8+. */
	syscall(SYS_execve, path, bad_argv ? (char **)8 : argv, environ);
	report(errno);
	printf("%d\n", (int)getpid());
	fflush(stdout);
	sleep(atoi(seconds));
	return 0;
}

/* Creates NAME below its own cgroup, moves into it, then execs PATH. */
static int enter_child(const char *name, const char *path, char **argv)
{
	char line[512], dir[600], procs[700];
	FILE *f = fopen("/proc/self/cgroup", "re");
	int fd;

	if (!f || !fgets(line, sizeof(line), f) || strncmp(line, "0::", 3))
		return report(f ? EINVAL : errno);
	fclose(f);
	line[strcspn(line, "\n")] = '\0';
	snprintf(dir, sizeof(dir), "/sys/fs/cgroup%s/%s", line + 3, name);
	if (mkdir(dir, 0755) && errno != EEXIST)
		return report(errno);
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
	fd = open(procs, O_WRONLY);
	if (fd < 0 || write(fd, "0", 1) != 1)
		return report(errno);
	close(fd);
	execv(path, argv);
	return report(errno);
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";

	if (!strcmp(cmd, "open-read") && argc == 3)
		return do_open(argv[2], O_RDONLY);
	if (!strcmp(cmd, "open-write") && argc == 3)
		return do_open(argv[2], O_WRONLY | O_CREAT);
	if (!strcmp(cmd, "open-rw") && argc == 3)
		return do_open(argv[2], O_RDWR | O_CREAT);
	if (!strcmp(cmd, "exec") && argc >= 4)
		return do_exec(argv[2], argv + 3, NULL);
	if (!strcmp(cmd, "exec-stay") && (argc == 4 || (argc == 5 && !strcmp(argv[4], "bad-argv"))))
		return exec_stay(argv[2], argv[3], argc == 5);
	if (!strcmp(cmd, "exec-env") && argc >= 5) {
		char *envp[] = { "PATH=/usr/bin:/bin", long_value(argv[2]), NULL };

		return envp[1] ? do_exec(argv[3], argv + 4, envp) : report(ENOMEM);
	}
	if (!strcmp(cmd, "connect") && argc == 4)
		return do_net(argv[2], argv[3], SOCK_STREAM, NET_CONNECT);
	if (!strcmp(cmd, "connect-udp") && argc == 4)
		return do_net(argv[2], argv[3], SOCK_DGRAM, NET_CONNECT);
	if (!strcmp(cmd, "sendto-udp") && argc == 4)
		return do_net(argv[2], argv[3], SOCK_DGRAM, NET_SENDTO);
	if (!strcmp(cmd, "fastopen") && argc == 4)
		return do_net(argv[2], argv[3], SOCK_STREAM, NET_FASTOPEN);
	if (!strcmp(cmd, "tcp-serve") && argc == 4)
		return do_tcp_serve(argv[2], atoi(argv[3]));
	if (!strcmp(cmd, "resolve") && (argc == 3 || argc == 4))
		return do_resolve(argv[2], argc == 4 ? argv[3] : "all");
	if (!strcmp(cmd, "connect-name") && argc >= 4 && argc <= 6)
		return do_net_name(argv[2], argv[3], argc > 4 ? argv[4] : "tcp",
				   argc > 5 ? argv[5] : "all", -1);
	if (!strcmp(cmd, "connect-name-twice") && argc >= 5 && argc <= 7)
		return do_net_name(argv[2], argv[3], argc > 5 ? argv[5] : "tcp",
				   argc > 6 ? argv[6] : "all", atoi(argv[4]));
	if (!strcmp(cmd, "dns-query") && argc >= 4 && argc <= 6)
		return do_dns_query(argv[2], argv[3], argc > 4 ? argv[4] : "A",
				    argc > 5 ? argv[5] : "udp");
	if (!strcmp(cmd, "unix-connect") && argc == 3)
		return do_unix(argv[2], SOCK_STREAM);
	if (!strcmp(cmd, "unix-send") && argc == 3)
		return do_unix(argv[2], SOCK_DGRAM);
	if (!strcmp(cmd, "reopen") && argc == 3)
		return do_reopen(argv[2]);
	if (!strcmp(cmd, "openat") && argc == 4)
		return do_openat(argv[2], argv[3], 0);
	if (!strcmp(cmd, "openat2") && argc == 4)
		return do_openat(argv[2], argv[3], 1);
	if (!strcmp(cmd, "setxattr") && argc == 3)
		return report(setxattr(argv[2], "trusted.agentgate", "1", 1, 0) ? errno : 0);
	if (!strcmp(cmd, "unix-serve") && argc == 4)
		return do_unix_serve(argv[2], atoi(argv[3]));
	if (!strcmp(cmd, "exit") && argc == 3)
		return atoi(argv[2]);
	if (!strcmp(cmd, "kill-self") && argc == 3) {
		fflush(stdout);
		signal(atoi(argv[2]), SIG_DFL);
		raise(atoi(argv[2]));
		return 2;
	}
	if (!strcmp(cmd, "as-user") && argc >= 5) {
		uid_t uid = (uid_t)atoi(argv[2]);

		if (setgroups(0, NULL) || setresgid(uid, uid, uid) || setresuid(uid, uid, uid))
			return report(errno);
		execv(argv[3], argv + 4);
		return report(errno);
	}
	if (!strcmp(cmd, "enter-child") && argc >= 5)
		return enter_child(argv[2], argv[3], argv + 4);
	if (!strcmp(cmd, "argv-race") && argc == 4)
		return do_argv_race(argv[2], atoi(argv[3]));
	fprintf(stderr,
		"usage: probe open-read|open-write|open-rw PATH | exec PATH ARGV0 [ARG...] |"
		" exec-env NAME=VAL PATH ARGV0 [ARG...] | exec-stay PATH SECONDS [bad-argv] | as-user UID PATH ARGV0 [ARG...] |"
		" connect|connect-udp|sendto-udp|fastopen IP PORT |"
		" tcp-serve PORT SECONDS | resolve NAME [all|4|6] |"
		" connect-name NAME PORT [tcp|udp|sendto|fastopen] [all|4|6|mapped] |"
		" connect-name-twice NAME PORT SECONDS [tcp|udp|sendto|fastopen]"
		" [all|4|6|mapped] |"
		" dns-query SERVER[#PORT] NAME [A|AAAA] [udp|sendto|tcp] |"
		" unix-connect|unix-send PATH |"
		" unix-serve PATH SECONDS | setxattr PATH | reopen PATH | openat|openat2 DIR NAME |"
		" argv-race PATH ROUNDS\n");
	return 2;
}
