/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Inside the DNS proxy: the proxy and its sites, one per network namespace it
 * serves. dns_proxy.c answers queries; dns_sites.c sets sites up and takes
 * them down. Threads and locks as in dns_proxy.h: the site list and
 * everything in a site but its listeners' watches belong to the owner; the
 * loop thread reads a site (netns, p) through the listener or job naming it,
 * and a site is freed only after dns_site_detach ran in the loop.
 */
#ifndef AGENTGATE_DNS_PROXY_INT_H
#define AGENTGATE_DNS_PROXY_INT_H

#include <pthread.h>
#include <sys/types.h>
#include "dns_forward.h"
#include "dns_loop.h"
#include "dns_proxy.h"
#include "dns_quota.h"

struct dns_decisions;
struct dns_socks;
struct job;
struct conn;

enum { DNS_SITE_SOCKS = 4 }; /* UDP and TCP, on 127.0.0.1 and ::1 */

struct dns_listener {
	struct dns_watch w;
	struct dns_site *site;
	int tcp;
};

/* The proxy's sockets in one network namespace. */
struct dns_site {
	struct dns_proxy *p;
	struct dns_site *next;
	uint64_t netns; /* its cookie: the kernel's key (ag_dns) */
	dev_t dev; /* its nsfs inode, as stat("/proc/TID/ns/net") gives it */
	ino_t ino;
	uint16_t port4, port6;
	int attached; /* the loop serves its listeners */
	int seen; /* by the sweep under way */
	int keep; /* never given up by the sweep (dns_proxy_serve_own) */
	struct dns_listener ls[DNS_SITE_SOCKS];
};

/* A namespace not served for want of network, until when it is not tried again. */
struct dns_unserved {
	dev_t dev;
	ino_t ino;
	uint64_t until_ms;
};

#define DNS_UNSERVED_MAX 32
#define DNS_UNSERVED_RETRY_MS 2000

struct dns_proxy {
	struct loader *loader;
	uint64_t cgroup_id;
	int notify_fd;
	struct sockaddr_storage up[DNS_FWD_MAX_UPSTREAMS];
	int nup;
	struct dns_loop *loop; /* held from start to stop */
	int stopped; /* owner only */

	/* The owner's: */
	struct dns_site *sites;
	int nsites;
	struct dns_unserved unserved[DNS_UNSERVED_MAX];
	int unserved_next;

	/* The loop thread's: */
	struct job *jobs; /* forwards in flight */
	int njobs;
	struct conn *conns;
	int nconns;

	pthread_mutex_t img_lock;
	struct ag_image img;

	struct dns_decisions *dec; /* its own lock */
	struct dns_quota quota; /* the loop thread's, once started */
	int clients_fd; /* its ag_dns_clients table (loader_dns_clients_open) */
};

/* Loop thread (through dns_loop_call): starts or ends serving a site's listeners. */
int dns_site_attach(void *arg);
int dns_site_detach(void *arg);
/* The listeners' watch function (dns_proxy.c). */
void dns_on_listener(struct dns_watch *w, uint32_t events);

/*
 * Owner: a site from socks (its fds move into it), served by the loop and
 * registered with the kernel, appended to p->sites.
 */
int dns_site_add(struct dns_proxy *p, struct dns_socks *socks, dev_t dev, ino_t ino);
/* Owner: unregistered, detached, its sockets closed, unlinked and freed. */
void dns_site_remove(struct dns_proxy *p, struct dns_site *site);

#endif /* AGENTGATE_DNS_PROXY_INT_H */
