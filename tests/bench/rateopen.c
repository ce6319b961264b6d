// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * rateopen PATH RATE SECONDS: opens (and closes) PATH RATE times a second for SECONDS
 * seconds, or as fast as it can when RATE is 0, then prints
 *   opens=N failed=N seconds=S rate=R
 * (R: the opens per second achieved). In a confined cgroup each open is one decision, so
 * this is the decision source of tests/bench/guest-ops.sh. The opens of each millisecond
 * are made at its start; a generator that falls behind does not catch up in a burst (the
 * rate it reached is what it prints). Exits 1 when an open failed.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	unsigned long rate, opens = 0, failed = 0, sched = 0, due;
	double start, end, t;
	struct timespec tick;
	char *e1, *e2;
	int fd;

	if (argc != 4) {
		fprintf(stderr, "usage: rateopen PATH RATE SECONDS\n");
		return 2;
	}
	rate = strtoul(argv[2], &e1, 10);
	t = strtod(argv[3], &e2);
	if (*e1 || *e2 || t <= 0 || rate > 10000000) {
		fprintf(stderr, "rateopen: bad RATE or SECONDS\n");
		return 2;
	}
	start = now();
	end = start + t;
	clock_gettime(CLOCK_MONOTONIC, &tick);
	for (;;) {
		double n = now();

		if (n >= end)
			break;
		/* Opens due by now; a generator behind by more than a tick drops the excess. */
		due = rate ? (unsigned long)((n - start) * rate) + 1 : sched + 256;
		if (rate && due > sched + rate / 1000 + 1)
			sched = due - rate / 1000 - 1;
		for (; sched < due; sched++) {
			fd = open(argv[1], O_RDONLY | O_CLOEXEC);
			if (fd >= 0)
				close(fd);
			else
				failed++;
			opens++;
		}
		if (!rate)
			continue;
		tick.tv_nsec += 1000000;
		if (tick.tv_nsec >= 1000000000) {
			tick.tv_nsec -= 1000000000;
			tick.tv_sec++;
		}
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &tick, NULL);
	}
	t = now() - start;
	printf("opens=%lu failed=%lu seconds=%.3f rate=%.0f\n", opens, failed, t, opens / t);
	return failed ? 1 : 0;
}
