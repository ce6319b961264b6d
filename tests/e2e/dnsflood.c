// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * dnsflood SERVER NAME SECONDS: a lookup flood as one agent could send it: UDP queries
 * for NAME (type A) to SERVER port 53 from one socket, as fast as the socket takes them,
 * for SECONDS, reading whatever answers come back. Prints "sent N answered M".
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "dns_query.h"

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ll + ts.tv_nsec / 1000000;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(53) };
	unsigned char q[300], buf[4096];
	long long end, sent = 0, answered = 0;
	int fd, qn;

	if (argc != 4 || inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1 || strlen(argv[2]) > 250) {
		fprintf(stderr, "usage: dnsflood IPV4 NAME SECONDS\n");
		return 2;
	}
	qn = dns_query_build(q, 0, argv[2], 1);
	if (qn < 0)
		return 2;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		printf("%s\n", strerror(errno));
		return 1;
	}
	end = now_ms() + atoll(argv[3]) * 1000;
	while (now_ms() < end) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN | POLLOUT };

		q[0] = (unsigned char)(sent >> 8);
		q[1] = (unsigned char)sent;
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		if ((pfd.revents & POLLOUT) && send(fd, q, (size_t)qn, 0) == qn)
			sent++;
		while (recv(fd, buf, sizeof(buf), 0) > 0)
			answered++;
	}
	printf("sent %lld answered %lld\n", sent, answered);
	return 0;
}
