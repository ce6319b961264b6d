// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * landlock-run [-r PATH]... [-w PATH]... [-x PATH]... [-c PORT]... -- CMD [ARG...]
 * Runs CMD under a Landlock ruleset that handles file reads, writes and
 * executes (and TCP connect when the kernel has Landlock ABI 4, Linux 6.7) and
 * allows only what the options name:
 *   -r PATH   read PATH, or every file below it when it is a directory
 *   -w PATH   write, create, truncate and remove files at or below PATH
 *   -x PATH   execute PATH (also read it: the loader maps it)
 *   -c PORT   TCP connect to PORT
 * Landlock has no globs: a rule is a file or a directory hierarchy. This is the
 * benchmark's Landlock counterpart of an agentgate policy (tests/bench/guest-bench.sh).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/landlock.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

/* Debian 12's headers stop at Landlock ABI 2 (Linux 6.1); the benchmark VM runs 6.12. */
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_NET_CONNECT_TCP
#define LANDLOCK_RULE_NET_PORT 2
#define LANDLOCK_ACCESS_NET_CONNECT_TCP (1ULL << 1)
struct landlock_net_port_attr {
	__u64 allowed_access;
	__u64 port;
};
#endif

/* The ABI 4 layout; the kernel takes the size it is given, older ones read the first field. */
struct ruleset_attr {
	__u64 handled_access_fs;
	__u64 handled_access_net;
};

#define FS_READ (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
#define FS_WRITE                                                       \
	(LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_MAKE_REG | \
	 LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_TRUNCATE)
#define FS_EXEC (LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE)
/* Only these apply to a file; the rest to directories (the kernel refuses them on files). */
#define FS_FILE_ONLY                                                 \
	(LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE | \
	 LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_TRUNCATE)

static int add_path(int rs, const char *path, __u64 access, __u64 handled)
{
	struct landlock_path_beneath_attr pb = { .allowed_access = access & handled };
	struct stat st;
	int err = 0;

	pb.parent_fd = open(path, O_PATH | O_CLOEXEC);
	if (pb.parent_fd < 0 || fstat(pb.parent_fd, &st)) {
		fprintf(stderr, "landlock-run: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		pb.allowed_access &= FS_FILE_ONLY;
	if (syscall(SYS_landlock_add_rule, rs, LANDLOCK_RULE_PATH_BENEATH, &pb, 0)) {
		fprintf(stderr, "landlock-run: rule for %s: %s\n", path, strerror(errno));
		err = -1;
	}
	close(pb.parent_fd);
	return err;
}

int main(int argc, char **argv)
{
	struct ruleset_attr ra = { .handled_access_fs = FS_READ | FS_WRITE | FS_EXEC };
	struct landlock_net_port_attr np = { .allowed_access = LANDLOCK_ACCESS_NET_CONNECT_TCP };
	int abi, rs, c, err = 0;
	size_t rasize = sizeof(ra);

	abi = (int)syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	if (abi < 1) {
		fprintf(stderr, "landlock-run: Landlock is not enabled (lsm=...,landlock)\n");
		return 126;
	}
	if (abi < 3)
		ra.handled_access_fs &= ~LANDLOCK_ACCESS_FS_TRUNCATE;
	if (abi >= 4)
		ra.handled_access_net = LANDLOCK_ACCESS_NET_CONNECT_TCP;
	else
		rasize = sizeof(ra.handled_access_fs);
	rs = (int)syscall(SYS_landlock_create_ruleset, &ra, rasize, 0);
	if (rs < 0) {
		fprintf(stderr, "landlock-run: create_ruleset: %s\n", strerror(errno));
		return 126;
	}
	while (!err && (c = getopt(argc, argv, "+r:w:x:c:")) != -1) {
		switch (c) {
		case 'r':
			err = add_path(rs, optarg, FS_READ, ra.handled_access_fs);
			break;
		case 'w':
			err = add_path(rs, optarg, FS_WRITE, ra.handled_access_fs);
			break;
		case 'x':
			err = add_path(rs, optarg, FS_EXEC, ra.handled_access_fs);
			break;
		case 'c':
			if (abi < 4)
				break; /* connect is not handled, hence allowed */
			np.port = strtoull(optarg, NULL, 10);
			err = (int)syscall(SYS_landlock_add_rule, rs, LANDLOCK_RULE_NET_PORT, &np,
					   0);
			if (err)
				fprintf(stderr, "landlock-run: port %s: %s\n", optarg,
					strerror(errno));
			break;
		default:
			err = -1;
		}
	}
	if (err || optind >= argc) {
		if (!err)
			fprintf(stderr,
				"usage: landlock-run [-r PATH] [-w PATH] [-x PATH] [-c PORT] "
				"-- CMD [ARG...]\n");
		return 2;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || syscall(SYS_landlock_restrict_self, rs, 0)) {
		fprintf(stderr, "landlock-run: restrict_self: %s\n", strerror(errno));
		return 126;
	}
	close(rs);
	execvp(argv[optind], argv + optind);
	fprintf(stderr, "landlock-run: %s: %s\n", argv[optind], strerror(errno));
	return 127;
}
