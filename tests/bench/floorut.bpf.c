// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * A program that asks whether the opening task is in or below one cgroup (entry 0 of
 * floor_cgroups, which floorload fills) and passes file_open's verdict on
 * (tests/bench/floor.sh): another way to tell an unconfined task with one policy
 * installed, one helper call instead of the cgroup id and a lookup.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} floor_cgroups SEC(".maps");

SEC("lsm/file_open")
int BPF_PROG(floorut_file_open, struct file *file, int ret)
{
	if (bpf_current_task_under_cgroup(&floor_cgroups, 0) == 1)
		return -1; /* -EPERM: the bench's loop runs outside that cgroup */
	return ret;
}
