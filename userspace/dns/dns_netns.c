// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* A DNS proxy's listening sockets, created inside a network namespace. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "dns_netns.h"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

void dns_socks_close(struct dns_socks *s)
{
	int *fds[] = { &s->udp4, &s->tcp4, &s->udp6, &s->tcp6 };
	size_t i;

	for (i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

/* UDP and TCP on one port of the loopback address (the kernel redirects both to it). */
static int listen_pair(int family, int *udp, int *tcp, uint16_t *port)
{
	struct sockaddr_storage ss = { .ss_family = (sa_family_t)family };
	struct sockaddr_in *s4 = (void *)&ss;
	struct sockaddr_in6 *s6 = (void *)&ss;
	socklen_t len;
	int one = 1, tries, err = -EADDRINUSE;

	for (tries = 0; tries < 16 && err == -EADDRINUSE; tries++) {
		if (family == AF_INET) {
			s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
			s4->sin_port = 0;
		} else {
			s6->sin6_addr = in6addr_loopback;
			s6->sin6_port = 0;
		}
		*udp = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		*tcp = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (*udp < 0 || *tcp < 0)
			goto fail;
		if (family == AF_INET6) {
			setsockopt(*udp, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
			setsockopt(*tcp, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
			setsockopt(*udp, IPPROTO_IPV6, IPV6_FREEBIND, &one, sizeof(one));
			setsockopt(*tcp, IPPROTO_IPV6, IPV6_FREEBIND, &one, sizeof(one));
		} else {
			setsockopt(*udp, IPPROTO_IP, IP_FREEBIND, &one, sizeof(one));
			setsockopt(*tcp, IPPROTO_IP, IP_FREEBIND, &one, sizeof(one));
		}
		len = family == AF_INET ? sizeof(*s4) : sizeof(*s6);
		if (bind(*udp, (struct sockaddr *)&ss, len) ||
		    getsockname(*udp, (struct sockaddr *)&ss, &len))
			goto fail;
		if (!bind(*tcp, (struct sockaddr *)&ss, len) && !listen(*tcp, 64)) {
			*port = ntohs(family == AF_INET ? s4->sin_port : s6->sin6_port);
			return 0;
		}
fail:
		err = -errno;
		if (*udp >= 0)
			close(*udp);
		if (*tcp >= 0)
			close(*tcp);
		*udp = *tcp = -1;
	}
	return err;
}

/* Whether the current thread's namespace has an interface other than loopback. */
static int has_network(void)
{
	struct if_nameindex *ifs = if_nameindex(), *i;
	int any = 0;

	if (!ifs)
		return -errno;
	for (i = ifs; i->if_index; i++)
		if (strcmp(i->if_name, "lo"))
			any = 1;
	if_freenameindex(ifs);
	return any;
}

static int listen_here(struct dns_socks *s)
{
	socklen_t len = sizeof(s->cookie);
	int err;

	err = listen_pair(AF_INET, &s->udp4, &s->tcp4, &s->port4);
	if (err)
		return err;
	/* No IPv6 there: IPv6 resolvers then get no answer, IPv4 ones still do. */
	if (listen_pair(AF_INET6, &s->udp6, &s->tcp6, &s->port6))
		s->port6 = 0;
	if (getsockopt(s->udp4, SOL_SOCKET, SO_NETNS_COOKIE, &s->cookie, &len))
		return -errno;
	return 0;
}

struct enter {
	int fd;
	struct dns_socks *s;
	int err;
};

static void *enter_and_listen(void *arg)
{
	struct enter *e = arg;
	int net;

	if (setns(e->fd, CLONE_NEWNET)) {
		e->err = -errno;
		return NULL;
	}
	net = has_network();
	e->err = net < 0 ? net : !net ? -ENETDOWN : listen_here(e->s);
	return NULL;
}

int dns_netns_listen(int netns_fd, struct dns_socks *out)
{
	struct enter e = { .fd = netns_fd, .s = out };
	pthread_t t;
	int err;

	*out = (struct dns_socks){ .udp4 = -1, .tcp4 = -1, .udp6 = -1, .tcp6 = -1 };
	if (netns_fd < 0) {
		err = listen_here(out);
	} else {
		err = -pthread_create(&t, NULL, enter_and_listen, &e);
		if (!err) {
			pthread_join(t, NULL);
			err = e.err;
		}
	}
	if (err)
		dns_socks_close(out);
	return err;
}
