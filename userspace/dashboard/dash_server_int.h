/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* The dashboard server's state, shared by its request handlers and its live-stream thread. */
#ifndef AGENTGATE_DASH_SERVER_INT_H
#define AGENTGATE_DASH_SERVER_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "audit/audit.h"
#include "dashboard.h"
#include "dash_log.h"

#define DASH_LIVE_RING 1024

struct dash_live_line {
	uint64_t seq;
	char *line; /* a record line from the stream, without '\n' */
	size_t len;
};

struct dash_server {
	struct dash_opts o; /* strings owned by the caller, alive until stop */
	struct MHD_Daemon *mhd;
	int lfd;
	uint16_t port;

	pthread_mutex_t log_mu; /* guards log */
	struct dash_log *log;

	pthread_mutex_t verify_mu; /* guards the verify cache below */
	uint64_t verified_bytes; /* log bytes the cached report is for; 0: none */
	int64_t verified_at; /* CLOCK_MONOTONIC ns of that verification */
	struct audit_verify_report report;

	pthread_mutex_t live_mu; /* guards ring, nring, head, missed, connected, live_why */
	struct dash_live_line ring[DASH_LIVE_RING];
	size_t head, nring; /* oldest at head */
	uint64_t missed; /* lines the daemon dropped for us ({"type":"missed"}) */
	bool connected;
	char live_why[160];
	pthread_t live_thread;
	bool live_started;
	volatile int stop; /* set by dash_server_stop(), read by the live thread */
};

int dash_live_start(struct dash_server *s);
void dash_live_stop(struct dash_server *s);
/* Records from the stream after seq: JSON as dash_api_records()'s, with the stream's state. */
int dash_live_json(struct dash_server *s, uint64_t after, unsigned int limit, char **body,
		   size_t *len);
/* GET /api/proposal: returns the HTTP status, with *body set. */
int dash_proposal(struct dash_server *s, const char *agent, char **body, size_t *len);

#endif /* AGENTGATE_DASH_SERVER_INT_H */
