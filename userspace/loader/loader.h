/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The kernel side of agentgate as seen from userspace: loads, attaches and
 * pins the BPF-LSM programs and maps under AG_PIN_DIR (include/maps.h), or
 * adopts them when another agentgate process already did, so enforcement
 * outlives every process. Installs compiled images (compile.h) per cgroup,
 * and reads the kernel's decisions (event.h) and drop counters.
 *
 * Which programs and maps exist is read from the BPF object itself (loader_int.h):
 * every program is attached and its link pinned, every map pinned by its name, and
 * loading fails with -ENOLINK (fail closed) when a program could not be attached.
 *
 * Several processes may hold a loader at once (a daemon and `agentgate exec`):
 * first-time loading, installs, removes and protect marks are serialised by an
 * flock on AG_LOCK_FILE. Events go to one shared stream (the daemon's) unless a
 * process asks for a private stream for its own policy (loader_subscribe).
 *
 * Threads. A flock excludes processes, not the threads of one process (it belongs
 * to the open file): what it guards is called from one thread, the owner's.
 *   - Any thread, concurrently: loader_learn(), loader_unlearn(), loader_learned(),
 *     loader_learned_sweep(), loader_dns_clients_open(), loader_dns_client(),
 *     loader_dns_register(), loader_dns_unregister(), loader_forget(),
 *     loader_policies(), loader_drops(), loader_cgroup_id(), loader_strerror(),
 *     loader_ask_peer(), loader_prog_stats(), loader_ring_fill(),
 *     loader_learned_count(), loader_enable_stats(), loader_memo_on().
 *     They use only the map fds, fixed from loader_open() to loader_close(); the
 *     kernel updates map elements atomically. The loader's learn mutex orders
 *     loader_learn() (DNS proxy threads) against loader_forget(), so no address is
 *     learned for a cgroup after loader_remove() forgot its addresses.
 *   - The owner's thread only (under the flock): loader_install(), loader_remove(),
 *     loader_gc(), loader_protect(), loader_unprotect(), loader_protect_ask(),
 *     loader_protect_port(), loader_gc_ports(), loader_set_fold().
 *   - The thread that subscribed only: loader_subscribe(), loader_poll(), loader_fold_flush(),
 *     loader_events_fd() (the ring buffer has one consumer).
 *   - Once per process, before other threads use the loader: loader_check_support(),
 *     loader_open() (libbpf's print callback is process-wide), loader_unpin();
 *     loader_close() after every other thread stopped using it (DNS proxies stopped).
 *
 * Every function returns 0 (or a count) or a negative errno and prints
 * nothing; loader_strerror() explains the loader's own errnos.
 */
#ifndef AGENTGATE_LOADER_H
#define AGENTGATE_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "compile/compile.h"
#include "event.h"
#include "maps.h"

#define AG_LOCK_FILE "/run/agentgate.lock"

struct loader;

struct loader_opts {
	size_t ringbuf_bytes; /* power of two >= 4096; 0: 2 MiB. Used when loading, not adopting */
	int verbose; /* libbpf's own messages to stderr */
	/*
	 * The folding window in ms (include/maps.h "Folding"); 0: AG_FOLD_MS_DEFAULT;
	 * negative: off. Set when loading; loader_set_fold changes it later.
	 */
	int fold_ms;
};

/*
 * Whether this kernel and these privileges can run agentgate: 0, or a
 * negative errno with one sentence in msg saying what is missing and how to
 * fix it (BPF LSM not in the lsm= list, no BTF, not root / CAP_BPF +
 * CAP_MAC_ADMIN). The answer is computed once per process.
 */
int loader_check_support(char *msg, size_t msgsz);

/*
 * Adopts the pinned state under AG_PIN_DIR, or loads, attaches and pins it.
 * -EPROTO: the pins come from a different agentgate build (remove them once
 * no policy is needed, e.g. `rm -r /sys/fs/bpf/agentgate`, or reboot).
 * -ENOLINK: a program of the object has no pinned link, so its hook would go
 * unenforced (a load that fails so removes what it pinned).
 */
int loader_open(struct loader **out, const struct loader_opts *opts);

/* Releases this process's handles; pinned programs, maps and policies stay. */
void loader_close(struct loader *l);

/*
 * Makes img the policy of the cgroup with this id (and of its descendants
 * without a policy of their own). Replacing a policy is atomic: a task sees
 * the old or the new image, never a mix. -EINVAL for a malformed image.
 */
int loader_install(struct loader *l, uint64_t cgroup_id, const struct ag_image *img);

/* Removes the cgroup's policy; -ENOENT when it had none. */
int loader_remove(struct loader *l, uint64_t cgroup_id);

/*
 * Removes the policies of cgroups that no longer exist (their owner died
 * before removing them, e.g. `agentgate exec` killed with SIGKILL, whose
 * processes stay confined as long as the cgroup lives). cgroup_root is the
 * cgroup v2 mount, NULL for /sys/fs/cgroup. A cgroup is looked up by its id,
 * or without CAP_DAC_READ_SEARCH (which that takes) found in one walk of the
 * tree. Then loader_gc_ports(). Returns how many policies were removed, or
 * -errno (the ports are still swept).
 */
int loader_gc(struct loader *l, const char *cgroup_root);

/*
 * DNS (docs/network.md): UDP and TCP to port 53 from the cgroup's tasks in the
 * network namespace netns (its cookie, SO_NETNS_COOKIE) go to the proxy at
 * 127.0.0.1:port4 / [::1]:port6 (host order) of that namespace while
 * registered; netns 0 registers the policy as having a proxy (ports 0).
 * Confined tasks without a registered proxy get no DNS; in a namespace it
 * does not serve, their lookups are refused and recorded (AG_RULE_NO_PROXY).
 * loader_dns_unregister(..., LOADER_DNS_ALL) removes every namespace of the
 * cgroup. loader_learn() lets the cgroup reach addr until expires_ns
 * (CLOCK_BOOTTIME) as learned from name (-ENOSPC: ag_learned is full);
 * loader_unlearn() takes one address back; loader_forget() drops all it
 * learned (loader_remove() does both). Quotas are the proxy's (dns_quota.h).
 */
#define LOADER_DNS_ALL UINT64_MAX
int loader_dns_register(struct loader *l, uint64_t cgroup_id, uint64_t netns, uint16_t port4,
			uint16_t port6);
int loader_dns_unregister(struct loader *l, uint64_t cgroup_id, uint64_t netns);
int loader_learn(struct loader *l, uint64_t cgroup_id, const uint8_t addr[16], const char *name,
		 size_t name_len, uint64_t expires_ns);
int loader_unlearn(struct loader *l, uint64_t cgroup_id, const uint8_t addr[16]);
int loader_forget(struct loader *l, uint64_t cgroup_id);
/*
 * Calls fn for each address the cgroup has learned, with its expiry; the count,
 * or -errno. One walk of the whole table serves the calls of the next second
 * (proxies starting together): an address learned meanwhile may be missing.
 */
typedef void (*loader_learned_fn)(void *ctx, const uint8_t addr[16], uint64_t expires_ns);
int loader_learned(struct loader *l, uint64_t cgroup_id, loader_learned_fn fn, void *ctx);
/* Deletes every cgroup's addresses expired by now_ns (CLOCK_BOOTTIME): how many went. */
int loader_learned_sweep(struct loader *l, uint64_t now_ns);
/*
 * The policy's table of DNS senders (ag_dns_clients), created empty: its fd
 * (the caller's to close), or -errno. loader_dns_unregister(..., LOADER_DNS_ALL)
 * takes it out of the kernel's reach. loader_dns_client() reads the task that
 * last sent DNS from local port (host order) of a redirected socket in
 * namespace netns from such a table; -ENOENT.
 */
int loader_dns_clients_open(struct loader *l, uint64_t cgroup_id);
int loader_dns_client(int clients_fd, uint64_t netns, int family, int proto, uint16_t port,
		      struct ag_dns_client *out);

/* Cgroup ids that have a policy, at most max of them; returns the total count. */
int loader_policies(struct loader *l, uint64_t *ids, size_t max);

/*
 * Runs the ag_fold_flush iterator now: the counts of folded decisions every
 * task holds are sent to their streams (loader_poll does it every
 * AG_FOLD_FLUSH_MS; call it before a last drain). The subscribed thread; 0 or -errno.
 */
int loader_fold_flush(struct loader *l);
/* Sets the folding window for every reader (see loader_opts.fold_ms). */
int loader_set_fold(struct loader *l, int fold_ms);
/*
 * 1 when a task's repeated opens of one file are answered from a memo
 * (bpf/lib/memo.h); 0 when /proc/kallsyms gave neither the process that loaded
 * the programs nor any that adopted them since the address of the kernel's
 * rename_lock and mount_lock (kptr_restrict, no CAP_SYSLOG, no
 * CONFIG_KALLSYMS_ALL), and every open is judged in full; or -errno.
 */
int loader_memo_on(struct loader *l);

/*
 * Events: fn is called for each record with its size (>= AG_EVENT_HDR_SIZE,
 * subject_len checked against it); a negative return stops the poll and is
 * returned from it. cgroup_id 0 reads the shared stream: every policy's
 * events except those with a private stream (one reader at a time: a BPF
 * ring buffer has one consumer position). A nonzero cgroup_id creates a
 * private stream for the policy installed for that cgroup (subscribe before
 * installing to miss nothing); it goes with loader_remove() or loader_close().
 * loader_poll() waits up to timeout_ms (-1: forever) and returns the number
 * of records consumed. loader_events_fd() is an fd to put in the caller's own
 * epoll/poll set: readable when a batch is waiting; the kernel does not wake
 * readers for single records, so call loader_poll() at least every
 * AG_EVENTS_POLL_MS too.
 */
typedef int (*loader_event_fn)(void *ctx, const struct ag_event *ev, size_t size);
int loader_subscribe(struct loader *l, uint64_t cgroup_id, loader_event_fn fn, void *ctx);
int loader_poll(struct loader *l, int timeout_ms);
int loader_events_fd(struct loader *l);

/*
 * agentgate's own files and directories (keys, logs, policies, sockets): a
 * confined task may not open, change or connect to them, nor change entries
 * of a protected directory. The symbolic links on the way to path and the
 * directories above it are marked too. A daemon's mark stays until it takes it
 * back; each `agentgate exec` adds and, when it ends, removes one use.
 * loader_unprotect() takes back the inodes the last loader_protect() of the
 * same path and owner marked, wherever path leads by then (-ENOENT: none).
 */
int loader_protect(struct loader *l, const char *path, bool daemon);
int loader_unprotect(struct loader *l, const char *path, bool daemon);
/*
 * Marks (add) or unmarks the ask socket bound at path (docs/ask.md): confined
 * tasks may connect to it, as their policy's file_write of the path allows,
 * and the kernel notes who connected (loader_ask_peer). Its directory should
 * be marked with loader_protect() so the socket cannot be replaced.
 */
int loader_protect_ask(struct loader *l, const char *path, bool add);
/* Who connected on sock_fd (accepted from an ask socket); -ENOENT when the kernel noted none. */
int loader_ask_peer(struct loader *l, int sock_fd, struct ag_ask_peer *peer);

/*
 * A loopback port agentgate serves on (a metrics or dashboard listener), in
 * the caller's network namespace: while marked, a confined task's connect (or
 * sendto) to 127.0.0.0/8 or ::1 at that port in that namespace is refused
 * whatever its policy says, and recorded (op agentgate_port). on=false takes
 * the mark back. -ENOSPC past AG_MAX_PROTECTED_PORTS ports.
 */
int loader_protect_port(struct loader *l, uint16_t port, bool on);
/*
 * Removes the port marks (loader_protect_port, DNS proxies) of agentgate
 * processes that are gone (killed, crashed): their ports may serve anyone
 * now. How many went, or -errno. loader_gc() does it too.
 */
int loader_gc_ports(struct loader *l);

/* Events lost so far because the ring buffer was full, summed over CPUs. */
int loader_drops(struct loader *l, uint64_t *total);

/*
 * Each attached program's statistics, from its pinned link (loader_stats.c):
 * name without "ag_", run time and count (0 unless kernel.bpf_stats_enabled
 * is on, see loader_enable_stats()), and runs missed for recursion. Fills at
 * most max entries and returns how many.
 */
struct loader_prog_stat {
	char name[64];
	uint64_t run_time_ns;
	uint64_t run_cnt;
	uint64_t recursion_misses;
};
int loader_prog_stats(struct loader *l, struct loader_prog_stat *out, size_t max);
/*
 * Turns the kernel's run-time statistics of BPF programs on (BPF_ENABLE_STATS,
 * as kernel.bpf_stats_enabled=1 would) for as long as the returned fd stays
 * open; every BPF program then costs two clock reads per run.
 */
int loader_enable_stats(void);
/* Bytes waiting in the shared ring buffer (ag_events) and its size. */
int loader_ring_fill(struct loader *l, uint64_t *used, uint64_t *size);
/* Addresses learned from DNS answers held in ag_learned (expired ones until evicted). */
int loader_learned_count(struct loader *l);

/*
 * Helper and map failures the kernel met on confined tasks' paths (each one
 * denied or only recorded), per hook, summed over CPUs: counts[AG_HOOK_COUNT]
 * indexed by enum ag_hook (include/maps.h). loader_counters.c.
 */
int loader_errors(struct loader *l, uint64_t *counts);
/* The hook's name (its program's, without "ag_"); NULL for none. */
const char *loader_hook_name(unsigned int hook);

/*
 * Marks every task the policy of cgroup_id judges, every thread of them, as
 * judged under on_exec policies (policy_image.h), as its first execve in the
 * cgroup would: for tasks already running in a cgroup that gets such a
 * policy. Tasks that fork meanwhile are the caller's (daemon_arm.c freezes the
 * cgroup). -ENOMEM when a task could not be marked (after three walks);
 * -EBUSY when the loader lock stayed held (a frozen task may hold it).
 */
int loader_arm_cgroup(struct loader *l, uint64_t cgroup_id);

/* The id of a cgroup v2 directory (its inode number), as the kernel reports it. */
int loader_cgroup_id(const char *path, uint64_t *id);

/* Removes every pin: programs detach and policies stop once no process holds them. */
int loader_unpin(void);

/* A sentence for the loader's own errnos, strerror() for the rest. */
const char *loader_strerror(int err);

#endif /* AGENTGATE_LOADER_H */
