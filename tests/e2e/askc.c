// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * askc: an agent asking on the ask socket, for the e2e tests (docs/ask.md).
 *   askc SOCKET BODY             POST /v1/evaluate; prints "STATUS BODY" on one line
 *   askc SOCKET --raw REQUEST    sends REQUEST as it is (\r\n written literally as "\r\n")
 *   askc SOCKET --flood N BODY   N questions, one connection each, as fast as it can;
 *                                prints "200=A 429=B other=C"
 *   askc - --where               prints $AGENTGATE_SOCKET
 * SOCKET "-" means $AGENTGATE_SOCKET. A connect that fails prints the errno's name
 * (EPERM, ...) and exits 1.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

static const char *sock_path;

static int dial(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		printf("%s\n", strerrorname_np(errno) ? strerrorname_np(errno) : "EUNKNOWN");
		exit(1);
	}
	return fd;
}

/* Sends req, reads the whole answer into buf; returns the HTTP status (0: none). */
static int exchange(const char *req, size_t len, char *buf, size_t bufsz, const char **body)
{
	size_t got = 0;
	ssize_t n;
	int fd = dial(), status = 0;
	char *b;

	if (write(fd, req, len) != (ssize_t)len) {
		close(fd);
		return 0;
	}
	while (got < bufsz - 1 && (n = read(fd, buf + got, bufsz - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	close(fd);
	sscanf(buf, "HTTP/1.1 %d", &status);
	b = strstr(buf, "\r\n\r\n");
	*body = b ? b + 4 : "";
	return status;
}

static int post(const char *body, char *buf, size_t bufsz, const char **answer)
{
	char req[70000];
	int n = snprintf(req, sizeof(req),
			 "POST /v1/evaluate HTTP/1.1\r\nHost: localhost\r\nContent-Type: "
			 "application/json\r\nContent-Length: %zu\r\n\r\n%s",
			 strlen(body), body);

	if (n < 0 || (size_t)n >= sizeof(req))
		return 0;
	return exchange(req, (size_t)n, buf, bufsz, answer);
}

/* "\r\n" written as four characters in the test scripts becomes CR LF. */
static size_t unescape(char *s)
{
	char *w = s, *r = s;

	for (; *r; r++) {
		if (r[0] == '\\' && r[1] == 'r') {
			*w++ = '\r';
			r++;
		} else if (r[0] == '\\' && r[1] == 'n') {
			*w++ = '\n';
			r++;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
	return (size_t)(w - s);
}

int main(int argc, char **argv)
{
	static char buf[1 << 20];
	const char *answer;
	long i, n, ok = 0, slow = 0, other = 0;
	int status;

	if (argc < 3) {
		fprintf(stderr, "usage: askc SOCKET BODY | --raw REQUEST | --flood N BODY\n");
		return 2;
	}
	sock_path = strcmp(argv[1], "-") ? argv[1] : getenv("AGENTGATE_SOCKET");
	if (!sock_path) {
		printf("no AGENTGATE_SOCKET\n");
		return 1;
	}
	if (!strcmp(argv[2], "--where")) {
		printf("%s\n", sock_path);
		return 0;
	}
	if (!strcmp(argv[2], "--raw") && argc == 4) {
		status = exchange(argv[3], unescape(argv[3]), buf, sizeof(buf), &answer);
	} else if (!strcmp(argv[2], "--flood") && argc == 5) {
		n = strtol(argv[3], NULL, 10);
		for (i = 0; i < n; i++) {
			status = post(argv[4], buf, sizeof(buf), &answer);
			ok += status == 200;
			slow += status == 429;
			other += status != 200 && status != 429;
		}
		printf("200=%ld 429=%ld other=%ld\n", ok, slow, other);
		return 0;
	} else {
		status = post(argv[2], buf, sizeof(buf), &answer);
	}
	printf("%d %s\n", status, answer);
	return 0;
}
