// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Can this kernel, with these privileges, run agentgate? Answered once, in one sentence. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <linux/capability.h>
#include "loader.h"

#ifndef CAP_BPF
#define CAP_BPF 39
#endif

static int has_cap(const struct __user_cap_data_struct *d, int cap)
{
	return !!(d[cap / 32].effective & (1u << (cap % 32)));
}

static int check(char *msg, size_t msgsz)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct caps[2] = {};
	char lsm[512] = "", *nl;
	FILE *f;
	size_t n;

	f = fopen("/sys/kernel/security/lsm", "re");
	if (!f && errno == ENOENT &&
	    !mount("securityfs", "/sys/kernel/security", "securityfs", 0, NULL))
		f = fopen("/sys/kernel/security/lsm", "re"); /* not mounted yet (minimal systems) */
	if (!f) {
		snprintf(msg, msgsz,
			 "cannot read /sys/kernel/security/lsm (%s): agentgate needs a kernel with "
			 "CONFIG_BPF_LSM and securityfs mounted",
			 strerror(errno));
		return -EOPNOTSUPP;
	}
	n = fread(lsm, 1, sizeof(lsm) - 1, f);
	fclose(f);
	lsm[n] = '\0';
	nl = strchr(lsm, '\n');
	if (nl)
		*nl = '\0';
	if (!strstr(lsm, "bpf") ||
	    (strcmp(lsm, "bpf") && !strstr(lsm, ",bpf") && strncmp(lsm, "bpf,", 4))) {
		snprintf(msg, msgsz,
			 "the BPF LSM is not enabled: add lsm=%s%sbpf to the kernel command line "
			 "and reboot",
			 lsm, *lsm ? "," : "");
		return -EOPNOTSUPP;
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		snprintf(
			msg, msgsz,
			"the kernel has no BTF (/sys/kernel/btf/vmlinux): agentgate needs a kernel "
			"built with CONFIG_DEBUG_INFO_BTF=y");
		return -EOPNOTSUPP;
	}
	if (syscall(SYS_capget, &hdr, caps)) {
		snprintf(msg, msgsz, "cannot read this process's capabilities: %s",
			 strerror(errno));
		return -errno;
	}
	if (!has_cap(caps, CAP_SYS_ADMIN) &&
	    (!has_cap(caps, CAP_BPF) || !has_cap(caps, CAP_MAC_ADMIN))) {
		snprintf(msg, msgsz,
			 "not enough privileges: run as root (or with CAP_BPF, CAP_MAC_ADMIN and "
			 "CAP_PERFMON)");
		return -EPERM;
	}
	return 0;
}

int loader_check_support(char *msg, size_t msgsz)
{
	static char cached_msg[512];
	static int cached = 1; /* 1: not computed yet */

	if (cached == 1)
		cached = check(cached_msg, sizeof(cached_msg));
	snprintf(msg, msgsz, "%s", cached ? cached_msg : "");
	return cached;
}
