// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The network namespaces a DNS proxy serves (docs/network.md): a site for
 * each namespace its cgroup's tasks are in, set up when one is seen (the
 * kernel's notice, a refused lookup, the sweep) and taken down when no task
 * of the cgroup is left in it (its sockets would keep it alive).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/stat.h>
#include "loader/loader.h"
#include "util/cgroup.h"
#include "util/clock.h"
#include "dns_netns.h"
#include "dns_proxy_int.h"

int dns_site_add(struct dns_proxy *p, struct dns_socks *socks, dev_t dev, ino_t ino)
{
	int fds[DNS_SITE_SOCKS] = { socks->udp4, socks->tcp4, socks->udp6, socks->tcp6 };
	struct dns_site *site, **tail;
	int i, err;

	site = calloc(1, sizeof(*site));
	if (!site) {
		dns_socks_close(socks);
		return -ENOMEM;
	}
	site->p = p;
	site->netns = socks->cookie;
	site->dev = dev;
	site->ino = ino;
	site->port4 = socks->port4;
	site->port6 = socks->port6;
	for (i = 0; i < DNS_SITE_SOCKS; i++)
		site->ls[i] = (struct dns_listener){
			.w = { .fd = fds[i], .fn = dns_on_listener }, .site = site, .tcp = i & 1
		};
	*socks = (struct dns_socks){ .udp4 = -1, .tcp4 = -1, .udp6 = -1, .tcp6 = -1 };
	for (tail = &p->sites; *tail; tail = &(*tail)->next)
		;
	*tail = site;
	p->nsites++;
	err = dns_loop_call(p->loop, dns_site_attach, site);
	if (!err)
		site->attached = 1;
	if (!err)
		err = loader_dns_register(p->loader, p->cgroup_id, site->netns, site->port4,
					  site->port6);
	if (err)
		dns_site_remove(p, site);
	return err;
}

void dns_site_remove(struct dns_proxy *p, struct dns_site *site)
{
	struct dns_site **pp;
	int i;

	/* The kernel first: no lookup is steered to a socket about to close. */
	loader_dns_unregister(p->loader, p->cgroup_id, site->netns);
	if (site->attached && p->loop)
		dns_loop_call(p->loop, dns_site_detach, site);
	for (i = 0; i < DNS_SITE_SOCKS; i++)
		if (site->ls[i].w.fd >= 0)
			close(site->ls[i].w.fd);
	for (pp = &p->sites; *pp; pp = &(*pp)->next)
		if (*pp == site) {
			*pp = site->next;
			p->nsites--;
			break;
		}
	free(site);
}

static struct dns_site *site_of(struct dns_proxy *p, dev_t dev, ino_t ino)
{
	struct dns_site *s;

	for (s = p->sites; s; s = s->next)
		if (s->dev == dev && s->ino == ino)
			return s;
	return NULL;
}

static struct dns_unserved *unserved_of(struct dns_proxy *p, dev_t dev, ino_t ino)
{
	int i;

	for (i = 0; i < DNS_UNSERVED_MAX; i++)
		if (p->unserved[i].until_ms && p->unserved[i].dev == dev &&
		    p->unserved[i].ino == ino)
			return &p->unserved[i];
	return NULL;
}

/* Serves the namespace of path (/proc/TID/ns/net), stat()ed as st; 1 when set up now. */
static int serve_ns(struct dns_proxy *p, const char *path, const struct stat *st)
{
	struct dns_unserved *u;
	struct dns_socks socks;
	struct stat fst, own;
	int fd, err;

	if (site_of(p, st->st_dev, st->st_ino))
		return 0;
	u = unserved_of(p, st->st_dev, st->st_ino);
	if (u && clock_now_ms() < (int64_t)u->until_ms)
		return -ENETDOWN;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	/* The task may have moved since the stat: the site is the namespace opened. */
	if (fstat(fd, &fst)) {
		err = -errno;
		close(fd);
		return err;
	}
	if (site_of(p, fst.st_dev, fst.st_ino)) {
		close(fd);
		return 0;
	}
	/*
	 * agentgate's own namespace is served whatever its interfaces: the
	 * upstream queries leave from it anyway (a resolver on its loopback).
	 */
	if (!stat("/proc/thread-self/ns/net", &own) && own.st_dev == fst.st_dev &&
	    own.st_ino == fst.st_ino) {
		close(fd);
		fd = -1;
	}
	err = dns_netns_listen(fd, &socks);
	if (fd >= 0)
		close(fd);
	if (err == -ENETDOWN) {
		u = &p->unserved[p->unserved_next++ % DNS_UNSERVED_MAX];
		*u = (struct dns_unserved){ .dev = fst.st_dev,
					    .ino = fst.st_ino,
					    .until_ms = (uint64_t)clock_now_ms() +
							DNS_UNSERVED_RETRY_MS };
	}
	if (err)
		return err;
	err = dns_site_add(p, &socks, fst.st_dev, fst.st_ino);
	return err ? err : 1;
}

int dns_proxy_serve(struct dns_proxy *p, int tid)
{
	struct stat st;
	char path[64];

	if (p->stopped)
		return -ESHUTDOWN;
	if (tid)
		snprintf(path, sizeof(path), "/proc/%d/ns/net", tid);
	else
		snprintf(path, sizeof(path), "/proc/thread-self/ns/net");
	if (stat(path, &st))
		return errno == ENOENT ? -ESRCH : -errno;
	return serve_ns(p, path, &st);
}

int dns_proxy_serve_own(struct dns_proxy *p)
{
	struct dns_site *site;
	struct stat st;
	int err;

	if (stat("/proc/thread-self/ns/net", &st))
		return -errno;
	err = dns_proxy_serve(p, 0);
	if (err < 0)
		return err;
	site = site_of(p, st.st_dev, st.st_ino);
	if (!site)
		return -ESRCH; /* the thread moved meanwhile: it never does */
	site->keep = 1;
	return 0;
}

struct sweep {
	struct dns_proxy *p;
	int err; /* the first failure to serve a namespace */
};

static int sweep_thread(void *ctx, int tid)
{
	struct sweep *sw = ctx;
	struct dns_site *site;
	struct stat st;
	char path[64];
	int err;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", tid);
	if (stat(path, &st))
		return 0; /* gone meanwhile */
	site = site_of(sw->p, st.st_dev, st.st_ino);
	if (site) {
		site->seen = 1;
		return 0;
	}
	err = serve_ns(sw->p, path, &st);
	if (err == 1 && (site = site_of(sw->p, st.st_dev, st.st_ino)))
		site->seen = 1;
	if (err < 0 && err != -ENETDOWN && err != -ESRCH && !sw->err)
		sw->err = err;
	return 0;
}

int dns_proxy_sweep(struct dns_proxy *p, const char *cgroup_dir)
{
	struct sweep sw = { .p = p };
	struct dns_site *s, *next;
	int err;

	if (p->stopped)
		return -ESHUTDOWN;
	for (s = p->sites; s; s = s->next)
		s->seen = 0;
	err = cgroup_threads(cgroup_dir, sweep_thread, &sw);
	if (err)
		return err; /* nothing is taken down on a partial view */
	for (s = p->sites; s; s = next) {
		next = s->next;
		if (!s->seen && !s->keep)
			dns_site_remove(p, s);
	}
	return sw.err;
}
