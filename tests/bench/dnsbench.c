// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The DNS proxy at scale (tests/bench/guest-dns.sh), no agentgate code:
 *   dnsbench bind SOCKET CGROUP POLICY ID   binds a container to the daemon as the runtime
 *                                           wrapper does ({"cmd":"assign",...,"container"});
 *                                           exit 0 when the daemon says ok
 *   dnsbench lookup NAME N                  N getaddrinfo(NAME) one after the other:
 *                                           "LOOKUP P50_NS P90_NS FAILED"
 *   dnsbench outage NAME MS                 getaddrinfo(NAME) every 10 ms for MS ms:
 *                                           "OUTAGE LONGEST_FAIL_MS FAILED TOTAL" (the longest
 *                                           stretch from a failed lookup's start to the next
 *                                           answered one's end)
 */
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

static int lookup(const char *name)
{
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM }, *ai;

	if (getaddrinfo(name, NULL, &hints, &ai))
		return -1;
	freeaddrinfo(ai);
	return 0;
}

static int cmp(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

static int bind_container(const char *sock, const char *cgroup, const char *policy, const char *id)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char req[4096], resp[4096];
	ssize_t n, got = 0;
	int fd;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
	snprintf(req, sizeof(req),
		 "{\"cmd\":\"assign\",\"cgroup\":\"%s\",\"policy\":\"%s\","
		 "\"container\":{\"id\":\"%s\",\"engine\":\"bench\"}}\n",
		 cgroup, policy, id);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    write(fd, req, strlen(req)) != (ssize_t)strlen(req)) {
		perror("dnsbench: bind");
		return 1;
	}
	while (got < (ssize_t)sizeof(resp) - 1 &&
	       (n = read(fd, resp + got, sizeof(resp) - 1 - (size_t)got)) > 0)
		got += n;
	resp[got] = '\0';
	close(fd);
	if (!strstr(resp, "\"ok\":true")) {
		fprintf(stderr, "dnsbench: bind %s: %s", cgroup, resp);
		return 1;
	}
	return 0;
}

static int lookups(const char *name, int n)
{
	long long *t = calloc((size_t)n, sizeof(*t)), t0;
	int i, failed = 0;

	if (!t || n < 1)
		return 2;
	for (i = 0; i < n; i++) {
		t0 = now_ns();
		failed += lookup(name) != 0;
		t[i] = now_ns() - t0;
	}
	qsort(t, (size_t)n, sizeof(*t), cmp);
	printf("LOOKUP %lld %lld %d\n", t[n / 2], t[n * 9 / 10], failed);
	free(t);
	return 0;
}

static int outage(const char *name, int ms)
{
	long long end = now_ns() + ms * 1000000ll, fail_start = -1, longest = 0, t0, t1;
	int failed = 0, total = 0;

	while ((t0 = now_ns()) < end) {
		int bad = lookup(name) != 0;

		t1 = now_ns();
		total++;
		if (bad) {
			failed++;
			if (fail_start < 0)
				fail_start = t0;
		} else if (fail_start >= 0) {
			if (t1 - fail_start > longest)
				longest = t1 - fail_start;
			fail_start = -1;
		}
		usleep(10000);
	}
	if (fail_start >= 0 && now_ns() - fail_start > longest)
		longest = now_ns() - fail_start;
	printf("OUTAGE %lld %d %d\n", longest / 1000000, failed, total);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 6 && !strcmp(argv[1], "bind"))
		return bind_container(argv[2], argv[3], argv[4], argv[5]);
	if (argc == 4 && !strcmp(argv[1], "lookup"))
		return lookups(argv[2], atoi(argv[3]));
	if (argc == 4 && !strcmp(argv[1], "outage"))
		return outage(argv[2], atoi(argv[3]));
	fprintf(stderr, "usage: dnsbench bind SOCKET CGROUP POLICY ID | lookup NAME N | "
			"outage NAME MS\n");
	return 2;
}
