// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * attack5: the holes of the fifth hardening round (a review of the kernel side as a root agent
 * whose policy is narrow in one dimension), each tried the way a hostile agent would; prints
 * "ok" (it worked) or the errno name, exits 0 on ok. The e2e tests (21-hardening5.sh) expect
 * a refusal when confined.
 *
 *   attack5 udp-serve MODE PORT    a UDP socket bound to every address at PORT, then one
 *                                  datagram holding "agentgate" awaited (5 s): ok once it
 *                                  came. MODE is how the wildcard is named to bind():
 *                                    unspec   IPv4 socket, family AF_UNSPEC, INADDR_ANY (the
 *                                             inet code's compatibility case)
 *                                    v6short  IPv6 socket, ::, the address length of RFC 2133
 *                                             (24 bytes, no sin6_scope_id)
 *                                    v4       IPv4 socket, AF_INET, INADDR_ANY (the plain
 *                                             form, for comparison)
 *                                    v6       IPv6 socket, ::, a whole sockaddr_in6
 *                                  The socket's own address is printed on stderr once bound.
 *   attack5 udp-send IP PORT       datagrams "agentgate" to IP:PORT, five 200 ms apart (the
 *                                  peer outside)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include "outcome.h"

#define MARK "agentgate"
#define SIN6_LEN_RFC2133 24

static int do_udp_serve(const char *mode, const char *port_s)
{
	struct sockaddr_storage ss = {}, got = {};
	struct sockaddr_in *s4 = (void *)&ss;
	struct sockaddr_in6 *s6 = (void *)&ss;
	socklen_t len, glen = sizeof(got);
	unsigned short port = (unsigned short)atoi(port_s);
	char buf[64], host[INET6_ADDRSTRLEN] = "?";
	struct pollfd p;
	int fd, family;
	ssize_t n;

	if (!strcmp(mode, "unspec") || !strcmp(mode, "v4")) {
		family = AF_INET;
		s4->sin_family = !strcmp(mode, "unspec") ? AF_UNSPEC : AF_INET;
		s4->sin_port = htons(port);
		s4->sin_addr.s_addr = htonl(INADDR_ANY);
		len = sizeof(*s4);
	} else if (!strcmp(mode, "v6short") || !strcmp(mode, "v6")) {
		family = AF_INET6;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		s6->sin6_addr = in6addr_any;
		len = !strcmp(mode, "v6short") ? SIN6_LEN_RFC2133 : sizeof(*s6);
	} else {
		return report(EINVAL);
	}
	fd = socket(family, SOCK_DGRAM, 0);
	if (fd < 0)
		return report(errno);
	if (bind(fd, (struct sockaddr *)&ss, len))
		return report(errno);
	if (!getsockname(fd, (struct sockaddr *)&got, &glen)) {
		if (got.ss_family == AF_INET)
			inet_ntop(AF_INET, &((struct sockaddr_in *)&got)->sin_addr, host,
				  sizeof(host));
		else
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&got)->sin6_addr, host,
				  sizeof(host));
	}
	fprintf(stderr, "attack5: bound to %s port %u\n", host, port);
	p.fd = fd;
	p.events = POLLIN;
	if (poll(&p, 1, 5000) != 1)
		return report(ETIMEDOUT);
	n = recv(fd, buf, sizeof(buf) - 1, 0);
	if (n < 0)
		return report(errno);
	buf[n] = 0;
	return report(strcmp(buf, MARK) ? EBADMSG : 0);
}

static int do_udp_send(const char *ip, const char *port_s)
{
	struct sockaddr_storage ss = {};
	struct sockaddr_in *s4 = (void *)&ss;
	struct sockaddr_in6 *s6 = (void *)&ss;
	socklen_t len;
	int fd, i;

	if (inet_pton(AF_INET, ip, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((unsigned short)atoi(port_s));
		len = sizeof(*s4);
	} else if (inet_pton(AF_INET6, ip, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((unsigned short)atoi(port_s));
		len = sizeof(*s6);
	} else {
		return report(EINVAL);
	}
	fd = socket(ss.ss_family, SOCK_DGRAM, 0);
	if (fd < 0)
		return report(errno);
	for (i = 0; i < 5; i++) { /* a server binding late still gets one */
		if (i)
			usleep(200000);
		if (sendto(fd, MARK, strlen(MARK), 0, (struct sockaddr *)&ss, len) < 0)
			return report(errno);
	}
	return report(0);
}

int main(int argc, char **argv)
{
	const char *op = argc > 1 ? argv[1] : "";

	if (!strcmp(op, "udp-serve") && argc == 4)
		return do_udp_serve(argv[2], argv[3]);
	if (!strcmp(op, "udp-send") && argc == 4)
		return do_udp_send(argv[2], argv[3]);
	fprintf(stderr, "usage: see the comment at the top of tests/e2e/attack5.c\n");
	return 2;
}
