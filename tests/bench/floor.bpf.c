// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The least a BPF LSM program can be (tests/bench/floor.sh): file_open's verdict passed
 * on. What an open costs with it attached is the kernel's part of any such program.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("lsm/file_open")
int BPF_PROG(floor_file_open, struct file *file, int ret)
{
	return ret;
}
