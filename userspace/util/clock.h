/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Clock readings as plain integers. */
#ifndef AGENTGATE_UTIL_CLOCK_H
#define AGENTGATE_UTIL_CLOCK_H

#include <stdint.h>
#include <time.h>

/* clock (CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_BOOTTIME, ...) in nanoseconds. */
int64_t clock_now_ns(clockid_t clock);
/* CLOCK_MONOTONIC in milliseconds: deadlines and periodic work. */
int64_t clock_now_ms(void);

#endif /* AGENTGATE_UTIL_CLOCK_H */
