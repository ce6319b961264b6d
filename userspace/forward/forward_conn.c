// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The transport: a non-blocking TCP socket, optionally wrapped in TLS
 * (OpenSSL, the collector's certificate verified against a CA file and a
 * name). Every wait also watches the stop fd, so stopping never waits on the
 * network. TCP_USER_TIMEOUT turns a silent network into an error.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/sockios.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include "forward_int.h"
#include "util/clock.h"

#define USER_TIMEOUT_MS 10000

void fwd_conn_init(struct fwd_conn *c)
{
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

void fwd_conn_close(struct fwd_conn *c)
{
	if (c->ssl) {
		SSL_shutdown(c->ssl); /* best effort, non-blocking: tells the collector we end */
		SSL_free(c->ssl);
		ERR_clear_error();
	}
	if (c->fd >= 0)
		close(c->fd);
	fwd_conn_init(c);
}

/* Waits for events on c->fd until deadline (ms, CLOCK_MONOTONIC): 0, -ETIMEDOUT, -ECANCELED. */
static int wait_fd(int fd, short events, int stop_fd, int64_t deadline)
{
	struct pollfd p[2] = { { .fd = fd, .events = events },
			       { .fd = stop_fd, .events = POLLIN } };

	for (;;) {
		int64_t left = deadline - clock_now_ms();
		int r;

		if (left <= 0)
			return -ETIMEDOUT;
		r = poll(p, stop_fd >= 0 ? 2 : 1, (int)left);
		if (r < 0 && errno != EINTR)
			return -errno;
		if (r > 0 && (p[1].revents & POLLIN))
			return -ECANCELED;
		if (r > 0)
			return 0;
	}
}

static int tcp_connect(struct fwd_conn *c, const char *host, const char *port, int stop_fd,
		       int64_t deadline)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_ADDRCONFIG };
	struct addrinfo *res, *ai;
	int err = -EHOSTUNREACH, gai;

	gai = getaddrinfo(host, port, &hints, &res);
	if (gai)
		return gai == EAI_SYSTEM ? -errno : -EHOSTUNREACH;
	for (ai = res; ai; ai = ai->ai_next) {
		int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		int on = 1, to = USER_TIMEOUT_MS, soerr = 0;
		socklen_t sl = sizeof(soerr);

		if (fd < 0) {
			err = -errno;
			continue;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
		setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &to, sizeof(to));
		setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) && errno != EINPROGRESS) {
			err = -errno;
			close(fd);
			continue;
		}
		err = wait_fd(fd, POLLOUT, stop_fd, deadline);
		if (!err && getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl))
			err = -errno;
		else if (!err && soerr)
			err = -soerr;
		if (!err) {
			c->fd = fd;
			break;
		}
		close(fd);
		if (err == -ECANCELED)
			break;
	}
	freeaddrinfo(res);
	return err;
}

/* Runs an SSL call that may want to read or write until it completes. */
static int ssl_wait(struct fwd_conn *c, int ret, int stop_fd, int64_t deadline)
{
	switch (SSL_get_error(c->ssl, ret)) {
	case SSL_ERROR_WANT_READ:
		return wait_fd(c->fd, POLLIN, stop_fd, deadline) ?: 1;
	case SSL_ERROR_WANT_WRITE:
		return wait_fd(c->fd, POLLOUT, stop_fd, deadline) ?: 1;
	case SSL_ERROR_SYSCALL:
		return errno ? -errno : -EPIPE;
	default:
		return -EPROTO;
	}
}

int fwd_tls_ctx(const char *ca_file, SSL_CTX **out, char *why, size_t whysz)
{
	SSL_CTX *ctx;
	int fd, err = 0;

	*out = NULL;
	why[0] = '\0';
	/* Read here first: OpenSSL's error says "no certificate" where the file is missing. */
	if (ca_file) {
		fd = open(ca_file, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			err = -errno;
			snprintf(why, whysz, "the CA file %s: %s", ca_file, strerror(-err));
			return err;
		}
		close(fd);
	}
	ctx = SSL_CTX_new(TLS_client_method());
	if (!ctx)
		return -ENOMEM;
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	if (ca_file ? SSL_CTX_load_verify_locations(ctx, ca_file, NULL) != 1 :
		      SSL_CTX_set_default_verify_paths(ctx) != 1) {
		if (ca_file)
			snprintf(why, whysz,
				 "the CA file %s: no PEM certificate could be read from it",
				 ca_file);
		else
			snprintf(why, whysz, "cannot load the system's CA certificates");
		SSL_CTX_free(ctx);
		err = -ENOKEY;
	}
	ERR_clear_error();
	if (!err)
		*out = ctx;
	return err;
}

static int tls_start(struct fwd_conn *c, SSL_CTX *ctx, const char *name, int stop_fd,
		     int64_t deadline, char *why, size_t whysz)
{
	int r;

	c->ssl = SSL_new(ctx);
	if (!c->ssl || SSL_set_fd(c->ssl, c->fd) != 1)
		return -ENOMEM;
	SSL_set_tlsext_host_name(c->ssl, name);
	if (SSL_set1_host(c->ssl, name) != 1)
		return -ENOMEM;
	while ((r = SSL_connect(c->ssl)) != 1) {
		int w = ssl_wait(c, r, stop_fd, deadline);

		if (w < 0) {
			long v = SSL_get_verify_result(c->ssl);

			if (w == -EPROTO && v != X509_V_OK)
				snprintf(why, whysz, "the collector's certificate: %s",
					 X509_verify_cert_error_string(v));
			else if (w == -EPROTO)
				snprintf(why, whysz, "TLS handshake failed");
			return w;
		}
	}
	return 0;
}

int fwd_conn_open(struct fwd_conn *c, const char *host, const char *port, SSL_CTX *tls,
		  const char *tls_name, int stop_fd, int timeout_ms, char *why, size_t whysz)
{
	int64_t deadline = clock_now_ms() + timeout_ms;
	int err;

	why[0] = '\0';
	fwd_conn_init(c);
	err = tcp_connect(c, host, port, stop_fd, deadline);
	if (!err && tls)
		err = tls_start(c, tls, tls_name ? tls_name : host, stop_fd, deadline, why, whysz);
	ERR_clear_error();
	if (err)
		fwd_conn_close(c);
	return err;
}

int fwd_conn_send(struct fwd_conn *c, const char *p, size_t n, int stop_fd, int timeout_ms)
{
	int64_t deadline = clock_now_ms() + timeout_ms;

	while (n) {
		ssize_t w;
		int err;

		if (c->ssl) {
			/* OpenSSL: a retried write must repeat the same buffer, which this does. */
			int r = SSL_write(c->ssl, p, (int)(n > 1u << 30 ? 1u << 30 : n));

			if (r > 0) {
				p += r;
				n -= (size_t)r;
				continue;
			}
			err = ssl_wait(c, r, stop_fd, deadline);
			ERR_clear_error();
			if (err < 0)
				return err;
			continue;
		}
		w = send(c->fd, p, n, MSG_NOSIGNAL);
		if (w > 0) {
			p += w;
			n -= (size_t)w;
			c->plain_sent += (uint64_t)w;
			continue;
		}
		if (w < 0 && errno != EAGAIN && errno != EINTR)
			return -errno;
		err = wait_fd(c->fd, POLLOUT, stop_fd, deadline);
		if (err)
			return err;
	}
	return 0;
}

int fwd_conn_progress(struct fwd_conn *c, uint64_t *written, uint64_t *acked)
{
	int outq = 0;

	/* TLS: what went to the socket, records and handshake included, as SIOCOUTQ counts. */
	*written = c->ssl ? (uint64_t)BIO_number_written(SSL_get_wbio(c->ssl)) : c->plain_sent;
	if (ioctl(c->fd, SIOCOUTQ, &outq))
		return -errno;
	*acked = *written - (uint64_t)outq;
	return 0;
}

int fwd_conn_check(struct fwd_conn *c)
{
	char buf[4096];
	int soerr = 0;
	socklen_t sl = sizeof(soerr);

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 && soerr)
		return -soerr;
	/* A syslog collector sends nothing back: readable means closed (TLS: or a ticket). */
	for (;;) {
		ssize_t r;

		if (c->ssl) {
			int n = SSL_read(c->ssl, buf, sizeof(buf)), e;

			if (n > 0)
				continue;
			e = SSL_get_error(c->ssl, n);
			ERR_clear_error();
			return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE ? 0 : -EPIPE;
		}
		r = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (r > 0)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;
		return r == 0 ? -EPIPE : -errno;
	}
}
