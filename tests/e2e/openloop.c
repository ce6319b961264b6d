// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * openloop PATH STOPFILE MAX: opens PATH for reading in a tight loop until
 * STOPFILE exists or MAX opens were made, then prints
 *   ok=N eperm=N other=N switches=N [first_other=ERRNO]
 * (switches: how often the outcome changed). Exits 0 when every open either
 * succeeded or failed with EPERM. Used to show a policy swap is atomic.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	unsigned long ok = 0, eperm = 0, other = 0, switches = 0, i, max;
	int fd, last = -1, cur, first_other = 0;

	if (argc != 4) {
		fprintf(stderr, "usage: openloop PATH STOPFILE MAX\n");
		return 2;
	}
	max = strtoul(argv[3], NULL, 10);
	for (i = 0; i < max; i++) {
		/* access() is not an open: it asks no policy. Checked every 64 opens. */
		if (!(i & 63) && !access(argv[2], F_OK))
			break;
		fd = open(argv[1], O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			close(fd);
			ok++;
			cur = 0;
		} else if (errno == EPERM) {
			eperm++;
			cur = 1;
		} else {
			if (!other++)
				first_other = errno;
			cur = 2;
		}
		switches += last >= 0 && cur != last;
		last = cur;
	}
	printf("ok=%lu eperm=%lu other=%lu switches=%lu", ok, eperm, other, switches);
	if (other)
		printf(" first_other=%s", strerrorname_np(first_other));
	printf("\n");
	return other ? 1 : 0;
}
