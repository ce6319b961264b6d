// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * ioctl32: a 32-bit x86 agent, whose ioctls reach the kernel as compat ioctls
 * (security_file_ioctl_compat, not security_file_ioctl). Freestanding, raw
 * int 0x80 syscalls: the build machine needs no 32-bit libc. Prints "ok" or
 * the errno's name, as attack.c does.
 *
 *   ioctl32 chattr FILE    FS_IOC32_GETFLAGS, then FS_IOC32_SETFLAGS with the same flags
 *   ioctl32 owner PID      FIOSETOWN of a unix socket to PID
 */
#define NR_EXIT 1
#define NR_WRITE 4
#define NR_OPEN 5
#define NR_IOCTL 54
#define NR_SOCKET 359
#define FS_IOC32_GETFLAGS 0x80046601L
#define FS_IOC32_SETFLAGS 0x40046602L
#define FIOSETOWN 0x8901L

static long sys3(long n, long a, long b, long c)
{
	long r;

	__asm__ volatile("int $0x80" : "=a"(r) : "a"(n), "b"(a), "c"(b), "d"(c) : "memory");
	return r;
}

static int eq(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

static void say(const char *s)
{
	long n = 0;

	while (s[n])
		n++;
	sys3(NR_WRITE, 1, (long)s, n);
	sys3(NR_WRITE, 1, (long)"\n", 1);
}

static int report(long r)
{
	say(r >= 0 ? "ok" : r == -1 ? "EPERM" : r == -2 ? "ENOENT" : r == -13 ? "EACCES" : "error");
	return r >= 0 ? 0 : 1;
}

static int run(int argc, char **argv)
{
	long fd, v = 0;

	if (argc != 3)
		return report(-22);
	if (eq(argv[1], "chattr")) {
		fd = sys3(NR_OPEN, (long)argv[2], 0, 0);
		if (fd < 0)
			return report(fd);
		v = sys3(NR_IOCTL, fd, FS_IOC32_GETFLAGS, (long)&v);
		if (v < 0)
			return report(v);
		return report(sys3(NR_IOCTL, fd, FS_IOC32_SETFLAGS, (long)&v));
	}
	if (eq(argv[1], "owner")) {
		fd = sys3(NR_SOCKET, 1 /* AF_UNIX */, 1 /* SOCK_STREAM */, 0);
		if (fd < 0)
			return report(fd);
		for (const char *p = argv[2]; *p >= '0' && *p <= '9'; p++)
			v = v * 10 + (*p - '0');
		return report(sys3(NR_IOCTL, fd, FIOSETOWN, (long)&v));
	}
	return report(-22);
}

/* The kernel's entry stack: argc, then argv. */
__attribute__((force_align_arg_pointer)) void start(long *sp)
{
	sys3(NR_EXIT, run((int)sp[0], (char **)(sp + 1)), 0, 0);
}

__asm__(".globl _start\n_start:\n\tpushl %esp\n\tcall start\n");
