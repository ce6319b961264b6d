// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Every map of agentgate's BPF object, defined once (layouts and roles in
 * include/maps.h); the hook families (file, exec, net, dns, protect) declare
 * them extern through lib/map_defs.h and are linked with this object into
 * build/bpf/agentgate.bpf.o.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "lib/map_defs.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct ag_policies_map ag_policies SEC(".maps");
struct ag_cache_map ag_cache SEC(".maps");
struct ag_last_map ag_last SEC(".maps");
struct ag_state_map ag_state SEC(".maps");
struct ag_events_map ag_events SEC(".maps");
struct ag_streams_map ag_streams SEC(".maps");
struct ag_drops_map ag_drops SEC(".maps");
struct ag_errors_map ag_errors SEC(".maps");
struct ag_protected_map ag_protected SEC(".maps");
struct ag_protected_ports_map ag_protected_ports SEC(".maps");
struct ag_dns_map ag_dns SEC(".maps");
struct ag_dns_notices_map ag_dns_notices SEC(".maps");
struct ag_learned_map ag_learned SEC(".maps");
struct ag_dns_clients_map ag_dns_clients SEC(".maps");
struct ag_dns_orig_map ag_dns_orig SEC(".maps");
struct ag_tasks_map ag_tasks SEC(".maps");
struct ag_scratch_map ag_scratch_cpu SEC(".maps");
struct ag_scratch_busy_map ag_scratch_busy SEC(".maps");
struct ag_scratch_tasks_map ag_scratch_tasks SEC(".maps");
struct ag_ask_peers_map ag_ask_peers SEC(".maps");
struct ag_armed_map ag_armed SEC(".maps");
