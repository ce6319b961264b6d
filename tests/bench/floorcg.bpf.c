// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * A program that reads the opening task's cgroup id and passes file_open's verdict on
 * (tests/bench/floor.sh): agentgate reads it first for every open once any policy is
 * installed, then looks it up.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* 0: no cgroup has that id, so the id is read and compared, never acted on. */
const volatile __u64 floorcg_id = 0;

SEC("lsm/file_open")
int BPF_PROG(floorcg_file_open, struct file *file, int ret)
{
	if (bpf_get_current_cgroup_id() == floorcg_id)
		return -1; /* -EPERM */
	return ret;
}
