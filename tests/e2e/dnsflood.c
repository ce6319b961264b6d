// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * dnsflood SERVER NAME SECONDS: a lookup flood as one agent could send it: UDP queries
 * for NAME (type A) to SERVER port 53 from one socket, as fast as the socket takes them,
 * for SECONDS, reading whatever answers come back. Prints "sent N answered M".
 *
 * dnsflood -n COUNT|FIRST-LAST SERVER PATTERN: names, PATTERN with %u replaced by 1..COUNT
 * (or FIRST..LAST), asked one after the other, each from a new socket (a new local port), each answer
 * awaited (2 s at most): a flood of distinct answers and senders. Prints "asked N
 * answered M refused R addresses A" (answered: NOERROR; A: answer records received). A
 * name with no answer or another rcode is asked again (RETRIES, 200 ms apart); when some
 * were, the line goes on with "retried N other O unanswered U first NAME-INDEX rcode RC (ERRNO)" (of the
 * retries; RC -1 no answer, -2 socket(), -3 connect(), -4 send() failed).
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

/*
 * One query for name from a fresh socket: its rcode, answers added to *an; or -1 no
 * answer, -2 socket(), -3 connect(), -4 send() failed (errno in *err).
 */
static int ask_once(const struct sockaddr_in *sa, const char *name, unsigned int id, long long *an,
		    int *err)
{
	unsigned char q[300], buf[4096];
	struct pollfd pfd;
	int fd, qn, rcode = -2;
	ssize_t n;

	qn = dns_query_build(q, id, name, 1);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (qn < 0 || fd < 0)
		goto out;
	rcode = -3;
	if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)))
		goto out;
	rcode = -4;
	if (send(fd, q, (size_t)qn, 0) != qn)
		goto out;
	rcode = -1;
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	while (poll(&pfd, 1, 2000) == 1) {
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 12 || buf[0] != q[0] || buf[1] != q[1])
			continue; /* not the answer to this query */
		rcode = buf[3] & 0x0f;
		*an += buf[6] << 8 | buf[7];
		break;
	}
out:
	*err = errno;
	if (fd >= 0)
		close(fd);
	return rcode;
}

/* A name with no answer is asked again, after a pause, this many times at most. */
#define RETRIES 5
#define RETRY_US 200000

static int names(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(53) };
	long long first = 1, last = 0, i, answered = 0, refused = 0, addrs = 0, other = 0;
	long long unanswered = 0, first_other = 0, retried = 0;
	int first_rc = 0, err = 0, first_err = 0, try;
	char name[256], *dash;
	int rc;

	if (argc == 5) {
		dash = strchr(argv[2], '-');
		if (dash)
			first = atoll(argv[2]);
		last = atoll(dash ? dash + 1 : argv[2]);
	}
	if (first <= 0 || last < first || inet_pton(AF_INET, argv[3], &sa.sin_addr) != 1 ||
	    !strstr(argv[4], "%u") || strlen(argv[4]) > 200) {
		fprintf(stderr, "usage: dnsflood -n COUNT|FIRST-LAST IPV4 PATTERN (with %%u)\n");
		return 2;
	}
	for (i = first; i <= last; i++) {
		/* The pattern is the caller's (a test's), checked for one %u above. */
		snprintf(name, sizeof(name), argv[4], (unsigned int)i);
		rc = ask_once(&sa, name, (unsigned int)i, &addrs, &err);
		for (try = 1; rc != 0 && rc != 5 && try <= RETRIES; try++) {
			if (!first_other) {
				first_rc = rc;
				first_err = err;
				first_other = i;
			}
			retried++;
			usleep(RETRY_US);
			rc = ask_once(&sa, name, (unsigned int)(i + try * 0x2000), &addrs, &err);
		}
		answered += rc == 0;
		refused += rc == 5;
		unanswered += rc < 0;
		other += rc > 0 && rc != 5;
	}
	printf("asked %lld answered %lld refused %lld addresses %lld", last - first + 1, answered, refused,
	       addrs);
	/* What went wrong the first time: how often, what is left, the first of them. */
	if (retried)
		printf(" retried %lld other %lld unanswered %lld first %lld rcode %d (%s)", retried,
		       other, unanswered, first_other, first_rc, strerror(first_err));
	printf("\n");
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(53) };
	unsigned char q[300], buf[4096];
	long long end, sent = 0, answered = 0;
	int fd, qn;

	if (argc > 1 && !strcmp(argv[1], "-n"))
		return names(argc, argv);
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
