// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include "clock.h"

int64_t clock_now_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t clock_now_ms(void)
{
	return clock_now_ns(CLOCK_MONOTONIC) / 1000000;
}
