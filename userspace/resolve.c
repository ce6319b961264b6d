// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Domain names to addresses at policy load time, through the system resolver. */
#include <errno.h>
#include <netdb.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "resolve.h"

int resolve_getaddrinfo(const char *domain, uint8_t (*addrs)[16], int max, void *ctx)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	int n = 0, err;

	err = getaddrinfo(domain, NULL, &hints, &res);
	if (err)
		return err == EAI_NONAME || err == EAI_NODATA ? 0 : -EHOSTUNREACH;
	for (ai = res; ai && n < max; ai = ai->ai_next) {
		memset(addrs[n], 0, 16);
		if (ai->ai_family == AF_INET) {
			addrs[n][10] = addrs[n][11] = 0xff;
			memcpy(&addrs[n][12], &((struct sockaddr_in *)ai->ai_addr)->sin_addr, 4);
		} else if (ai->ai_family == AF_INET6) {
			memcpy(addrs[n], &((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr, 16);
		} else {
			continue;
		}
		n++;
	}
	freeaddrinfo(res);
	return n;
}
