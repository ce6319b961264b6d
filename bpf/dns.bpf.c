// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * DNS steering: UDP and TCP to port 53 from a confined task go to the proxy
 * sockets of its policy in its network namespace (ag_dns), whatever resolver
 * the task chose; replies and getpeername() show the resolver it chose.
 * Attached to the cgroup root.
 * Returning 0 refuses the connect or send (EPERM): a policy with no proxy
 * has no DNS at all.
 */
#include "lib/common.h"

enum { AG_DNS_LEAVE, AG_DNS_REDIRECT, AG_DNS_REFUSE };

static __always_inline int ag_dns_target(struct bpf_sock_addr *ctx, struct ag_dns_proxy **px,
					 struct ag_dns_orig **o)
{
	struct ag_dns_key k;
	__u64 pcg;

	if (ctx->user_port != bpf_htons(AG_DNS_PORT) ||
	    (ctx->protocol != IPPROTO_UDP && ctx->protocol != IPPROTO_TCP))
		return AG_DNS_LEAVE;
	pcg = ag_policy_cgroup(AG_HOOK_DNS, NULL);
	if (!pcg)
		return AG_DNS_LEAVE;
	/* No proxy sockets in this namespace (socket_connect/sendmsg recorded why): refused. */
	k.cgroup_id = pcg;
	k.netns = bpf_get_netns_cookie(ctx);
	*px = bpf_map_lookup_elem(&ag_dns, &k);
	if (!*px)
		return AG_DNS_REFUSE;
	*o = bpf_sk_storage_get(&ag_dns_orig, ctx->sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (!*o) {
		ag_count_error(AG_HOOK_DNS); /* could not be redirected: refused */
		return AG_DNS_REFUSE;
	}
	(*o)->pcg = pcg;
	return AG_DNS_REDIRECT;
}

/*
 * An unconnected send is bound by now; a connect usually is not (its sends
 * are noted at socket_sendmsg once it is).
 */
static __always_inline void ag_dns_note_bound(struct bpf_sock_addr *ctx, __u64 pcg)
{
	struct bpf_sock *sk = ctx->sk;

	if (sk && sk->src_port)
		ag_dns_note(AG_HOOK_DNS, pcg, bpf_get_netns_cookie(ctx), sk->family, sk->protocol,
			    sk->src_port);
}

static __always_inline int ag_dns_redirect4(struct bpf_sock_addr *ctx)
{
	struct ag_dns_proxy *px = NULL;
	struct ag_dns_orig *o = NULL;
	int r = ag_dns_target(ctx, &px, &o);

	if (r != AG_DNS_REDIRECT || !px || !o)
		return r == AG_DNS_REFUSE ? 0 : 1;
	o->addr[0] = o->addr[1] = 0;
	o->addr[2] = bpf_htonl(0xffff);
	o->addr[3] = ctx->user_ip4;
	o->port = ctx->user_port;
	o->proxy_port = bpf_htons(px->port4);
	ctx->user_ip4 = bpf_htonl(0x7f000001);
	ctx->user_port = bpf_htons(px->port4);
	ag_dns_note_bound(ctx, o->pcg);
	return 1;
}

static __always_inline int ag_dns_redirect6(struct bpf_sock_addr *ctx)
{
	struct ag_dns_proxy *px = NULL;
	struct ag_dns_orig *o = NULL;
	int r = ag_dns_target(ctx, &px, &o), mapped;

	if (r != AG_DNS_REDIRECT || !px || !o)
		return r == AG_DNS_REFUSE ? 0 : 1;
	o->addr[0] = ctx->user_ip6[0];
	o->addr[1] = ctx->user_ip6[1];
	o->addr[2] = ctx->user_ip6[2];
	o->addr[3] = ctx->user_ip6[3];
	o->port = ctx->user_port;
	mapped = !o->addr[0] && !o->addr[1] && o->addr[2] == bpf_htonl(0xffff);
	/* A v4-mapped resolver stays IPv4 (the socket may be dual-stack only). */
	o->proxy_port = bpf_htons(mapped ? px->port4 : px->port6);
	ctx->user_ip6[0] = 0;
	ctx->user_ip6[1] = 0;
	ctx->user_ip6[2] = mapped ? bpf_htonl(0xffff) : 0;
	ctx->user_ip6[3] = mapped ? bpf_htonl(0x7f000001) : bpf_htonl(1);
	ctx->user_port = o->proxy_port;
	ag_dns_note_bound(ctx, o->pcg);
	return 1;
}

/*
 * A reply from, or the peer being, the proxy is shown as the resolver the task
 * chose. No storage: the socket was never redirected, nothing to restore.
 */
static __always_inline int ag_dns_restore4(struct bpf_sock_addr *ctx)
{
	struct ag_dns_orig *o = bpf_sk_storage_get(&ag_dns_orig, ctx->sk, 0, 0);

	if (o && ctx->user_ip4 == bpf_htonl(0x7f000001) && ctx->user_port == o->proxy_port &&
	    !o->addr[0] && !o->addr[1] && o->addr[2] == bpf_htonl(0xffff)) {
		ctx->user_ip4 = o->addr[3];
		ctx->user_port = o->port;
	}
	return 1;
}

static __always_inline int ag_dns_restore6(struct bpf_sock_addr *ctx)
{
	struct ag_dns_orig *o = bpf_sk_storage_get(&ag_dns_orig, ctx->sk, 0, 0);
	__u32 a2, a3;

	if (!o || ctx->user_port != o->proxy_port || ctx->user_ip6[0] || ctx->user_ip6[1])
		return 1;
	a2 = ctx->user_ip6[2];
	a3 = ctx->user_ip6[3];
	if ((a2 == 0 && a3 == bpf_htonl(1)) ||
	    (a2 == bpf_htonl(0xffff) && a3 == bpf_htonl(0x7f000001))) {
		ctx->user_ip6[0] = o->addr[0];
		ctx->user_ip6[1] = o->addr[1];
		ctx->user_ip6[2] = o->addr[2];
		ctx->user_ip6[3] = o->addr[3];
		ctx->user_port = o->port;
	}
	return 1;
}

/* One program per attach type; redirects on the way out, restores on the way in. */
#define AG_DNS_PROG(name, sec, fn)                   \
	SEC(sec) int name(struct bpf_sock_addr *ctx) \
	{                                            \
		return fn(ctx);                      \
	}

AG_DNS_PROG(ag_dns_connect4, "cgroup/connect4", ag_dns_redirect4)
AG_DNS_PROG(ag_dns_connect6, "cgroup/connect6", ag_dns_redirect6)
AG_DNS_PROG(ag_dns_sendmsg4, "cgroup/sendmsg4", ag_dns_redirect4)
AG_DNS_PROG(ag_dns_sendmsg6, "cgroup/sendmsg6", ag_dns_redirect6)
AG_DNS_PROG(ag_dns_recvmsg4, "cgroup/recvmsg4", ag_dns_restore4)
AG_DNS_PROG(ag_dns_recvmsg6, "cgroup/recvmsg6", ag_dns_restore6)
AG_DNS_PROG(ag_dns_getpeername4, "cgroup/getpeername4", ag_dns_restore4)
AG_DNS_PROG(ag_dns_getpeername6, "cgroup/getpeername6", ag_dns_restore6)
