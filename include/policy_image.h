/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The compiled policy image: the one format produced by userspace/compile and
 * consumed by both the kernel (bpf/) and `agentgate check` (through match.h).
 *
 * An image is a flat byte string, little-endian, cut into pages of AG_PAGE_SIZE
 * bytes. In the kernel each page is one element of an inner BPF array map, so
 * replacing a cgroup's policy is one update of the outer map (atomic). In
 * userspace the pages are simply contiguous in memory.
 *
 * Layout:
 *   struct ag_image_hdr                at offset 0
 *   for each class c with dfa[c].nstates != 0, at dfa[c].offset (4-aligned):
 *     __u8  classmap[256]               byte -> equivalence class
 *     __u16 accept[nstates]             AG_NO_MATCH or AG_ACCEPT(rule, allow)
 *     __u16 next[nstates * nclasses]    row-major transitions
 *     __u8  below[nstates]              AG_BELOW_* of what every input extending
 *                                       one that ends in this state decides
 *   State 0 is the dead state (every transition to 0, accept AG_NO_MATCH);
 *   state 1 is the start state. Tables never straddle assumptions about
 *   pages: readers fetch each u16 / u8 through the page accessor.
 *
 * Inputs matched by each class (the kernel and check build them identically):
 *   FILE_READ, FILE_WRITE  normalised absolute path ("/a/b", no "." "..", "//")
 *   EXEC                   "<resolved executable path> <argv1> <argv2> ..."
 *   NET_ADDR               16-byte IPv6 address (IPv4 as ::ffff:a.b.c.d), then
 *                          the port, 2 bytes big-endian: AG_NET_ADDR_LEN bytes
 *   NET_DOMAIN             lower-case domain name without trailing dot, a NUL, then
 *                          the port, 2 bytes big-endian (a connect to an address
 *                          learned from that name; see dfa_match.h ag_verdict_first)
 *   ENV                    one "NAME=value" string of an exec's environment; a match
 *                          (of any deny_env entry) forbids the exec
 * An input longer than AG_MAX_INPUT is never matched against the DFA: it is
 * decided by AG_RULE_OVERSIZED (deny), so no pattern can be dodged by padding.
 *
 * Change in step: AG_IMAGE_VERSION whenever this layout changes.
 */
#ifndef AGENTGATE_POLICY_IMAGE_H
#define AGENTGATE_POLICY_IMAGE_H

#ifdef __BPF__
/* vmlinux.h provides __u8.. */
#else
#include <linux/types.h>
#endif

#define AG_IMAGE_MAGIC 0x31504741u /* "AGP1" */
#define AG_IMAGE_VERSION 7u

#define AG_PAGE_SHIFT 16
#define AG_PAGE_SIZE (1u << AG_PAGE_SHIFT)
#define AG_IMAGE_MAX_PAGES 256u /* 16 MiB per policy */

#define AG_MAX_INPUT 4096u /* power of two: the kernel masks indexes with it */
#define AG_NET_ADDR_LEN 18u
#define AG_MAX_STATES 65535u /* u16 state ids; the compiler's budget is lower */

enum ag_class {
	AG_CLASS_FILE_READ = 0,
	AG_CLASS_FILE_WRITE = 1,
	AG_CLASS_EXEC = 2,
	AG_CLASS_NET_ADDR = 3,
	AG_CLASS_NET_DOMAIN = 4,
	AG_CLASS_ENV = 5, /* deny_env: not rules; accept values index policy->deny_env */
	/*
	 * listen: the local (address, port) a TCP socket listens on or a UDP socket
	 * binds to, as NET_ADDR's 18 bytes. No match denies, whatever the default.
	 */
	AG_CLASS_NET_LISTEN = 6,
	AG_CLASS_COUNT = 7,
};

/* accept[] entries: bit 15 = allow, bits 0..14 = rule index (file order). */
#define AG_NO_MATCH 0xffffu
#define AG_ACCEPT(rule, allow) ((__u16)(((allow) ? 0x8000u : 0u) | ((rule)&0x7fffu)))
#define AG_ACCEPT_RULE(a) ((__u16)((a)&0x7fffu))
#define AG_ACCEPT_ALLOW(a) (((a)&0x8000u) != 0)
#define AG_MAX_RULES 0x7fffu

/*
 * below[] flags: every input that extends one ending in the state (the state
 * itself included) is allowed / denied by rules and default alike. A directory
 * rename moves everything beneath it from one name to another: it is decided
 * by these facts of "OLD/" and "NEW/" (ag_subtree_ok), not only by the two names.
 */
#define AG_BELOW_ALLOW 1u
#define AG_BELOW_DENY 2u

/* Rule numbers in decisions that are not rules of the policy. */
#define AG_RULE_DEFAULT 0xffffu /* no rule matched: the policy's default */
#define AG_RULE_OVERSIZED 0xfffeu /* input longer than AG_MAX_INPUT: denied */
#define AG_RULE_UNREADABLE 0xfffdu /* the kernel could not read the input (argv): denied */
#define AG_RULE_PROTECTED 0xfffcu /* self-protection (event.h), not a rule of the policy */
#define AG_RULE_ENV 0xfffbu /* exec with a deny_env variable; event op = 1 + its index */
#define AG_RULE_NO_PROXY 0xfffau /* DNS from a network namespace its proxy does not serve */
#define AG_RULE_SUBTREE 0xfff9u /* a directory rename that would move paths across rules */
#define AG_RULE_DNS_FULL 0xfff8u /* an allowed answer the proxy could not learn: refused */

/* A decision: what dfa_match.h returns (here so callers need not include the matcher). */
struct ag_verdict {
	__u16 rule; /* rule index, AG_RULE_DEFAULT or AG_RULE_OVERSIZED */
	__u8 allow;
};

/*
 * One action judged by two classes (a connect: by its address, and by the
 * name the address was learned from): the rule first in file order wins,
 * the default only when neither matched.
 */
static inline struct ag_verdict ag_verdict_first(struct ag_verdict a, struct ag_verdict b)
{
	return b.rule < a.rule ? b : a;
}

/*
 * A directory moved from the name whose "OLD/" state has below flags old_b to
 * one whose "NEW/" state has new_b changes no decision beneath it for the worse
 * when everything was allowed beneath the old name, or everything will be
 * denied beneath the new one. Anything else could move a denied file under an
 * allowed name (or back): the rename is refused (AG_RULE_SUBTREE).
 */
static inline int ag_subtree_ok(__u8 old_b, __u8 new_b)
{
	return (old_b & AG_BELOW_ALLOW) || (new_b & AG_BELOW_DENY);
}

enum ag_mode {
	AG_MODE_ENFORCE = 0,
	AG_MODE_SIMULATE = 1,
};

struct ag_dfa_hdr {
	__u32 offset; /* byte offset of classmap[]; 0 when the class has no rules */
	__u16 nstates;
	__u16 nclasses;
};

struct ag_image_hdr {
	__u32 magic;
	__u32 version;
	__u32 size; /* bytes in the whole image */
	__u8 mode; /* enum ag_mode */
	__u8 default_allow;
	__u16 nrules;
	/*
	 * Set by the installer, not the compiler: 1 = a task that came into the
	 * cgroup from outside (a container runtime's init) is judged from its
	 * first execve there on; its descendants from their birth. 0 = every task
	 * of the cgroup is judged at once. docs/containers.md.
	 */
	__u8 on_exec;
	__u8 reserved;
	/* Seconds an address learned from a DNS answer outlives its TTL (userspace's proxy). */
	__u16 dns_grace_s;
	/* Addresses learned from DNS answers it may hold at once (userspace's proxy). */
	__u16 dns_quota;
	__u16 reserved2;
	__u8 policy_sha256[32]; /* of the policy source, includes resolved */
	struct ag_dfa_hdr dfa[AG_CLASS_COUNT];
};

#endif /* AGENTGATE_POLICY_IMAGE_H */
