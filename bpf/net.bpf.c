// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * network: IPv4 and IPv6 destinations at socket_connect and socket_sendmsg
 * (judged by address, and by the name the address was learned from);
 * AF_UNIX peers as file_write of their path; raw and packet sockets refused.
 */
#include "lib/common.h"
#include "lib/path.h"

/*
 * A connect judged by its address (NET_ADDR on subject[0..18)) and, when the
 * address was learned from an allowed DNS answer, by that name and the port
 * (NET_DOMAIN): the rule first in file order wins. The name is read once, to
 * follow the address bytes in the event; the NUL and port the DFA wants go
 * right after it, past what the event sends.
 */
static __always_inline int ag_net_judge(struct ag_scratch *t, const struct ag_pol *pol)
{
	struct ag_learned_key k = { .cgroup_id = pol->cgroup_id };
	struct ag_event *ev = &t->ev;
	struct ag_learned_val *lv;
	struct ag_verdict v, vd;
	__u8 *name = (__u8 *)&ev->subject[AG_NET_ADDR_LEN];
	__u32 len = AG_NET_ADDR_LEN, n;

	v = ag_match_bpf(&pol->img, pol->h, AG_CLASS_NET_ADDR, (const __u8 *)ev->subject, len);
	__builtin_memcpy(k.addr, ev->addr, sizeof(k.addr));
	/* Not learned, or expired: the address alone decides. */
	lv = bpf_map_lookup_elem(&ag_learned, &k);
	if (lv && lv->expires_ns > bpf_ktime_get_boot_ns()) {
		n = lv->name_len;
		if (n > AG_DNS_NAME_MAX - 4)
			n = AG_DNS_NAME_MAX - 4;
		asm volatile("" : "+r"(n)); /* keep the masks below */
		n &= AG_DNS_NAME_MAX - 1;
		if (bpf_probe_read_kernel(name, n, lv->name)) {
			/* The name is lost: the address alone decides, the failure counted. */
			ag_count_error(pol->img.hook);
			goto emit;
		}
		name[n] = 0;
		name[(n + 1) & (AG_DNS_NAME_MAX - 1)] = ev->port >> 8;
		name[(n + 2) & (AG_DNS_NAME_MAX - 1)] = ev->port & 0xff;
		vd = ag_match_bpf(&pol->img, pol->h, AG_CLASS_NET_DOMAIN, name, n + 3);
		v = ag_verdict_first(v, vd);
		len += n;
	}
emit:
	ag_emit(t, pol, AG_CLASS_NET_ADDR, v, len, 0, AG_OP_NONE);
	if (!v.allow && pol->h->mode == AG_MODE_ENFORCE)
		return -EPERM;
	return 0;
}

/* The address and port in ev (zero when unknown) as the NET_ADDR subject. */
static __always_inline void ag_net_subject(struct ag_event *ev)
{
	__builtin_memcpy(ev->subject, ev->addr, 16);
	ev->subject[16] = ev->port >> 8;
	ev->subject[17] = ev->port & 0xff;
}

/*
 * Decides network on the IPv4/IPv6 sockaddr at address (kernel memory: the
 * syscall's copy) sent through sock. Other families: 0, AF_UNIX has hooks of
 * its own below, raw and packet sockets are refused at socket_create, and the
 * rest (netlink, vsock, ...) reach no network destination a policy names.
 */
/* ::, or ::ffff:0.0.0.0 (the form IPv4 addresses take in ev->addr). */
static __always_inline int ag_addr_unspecified(const __u8 a[16])
{
	int i, v4 = a[10] == 0xff && a[11] == 0xff;

	for (i = 0; i < 16; i++)
		if (a[i] && !(v4 && (i == 10 || i == 11)))
			return 0;
	return 1;
}

/*
 * A loopback address (127.0.0.0/8, ::1, ::ffff:127.0.0.0/104) and port of the
 * socket's network namespace that agentgate serves on (ag_protected_ports).
 */
static __always_inline int ag_port_protected(const struct ag_event *ev, struct socket *sock)
{
	struct ag_port_key k = { .port = ev->port };
	const __u8 *a = ev->addr;
	int i, v4 = a[10] == 0xff && a[11] == 0xff;

	for (i = 0; i < (v4 ? 10 : 15); i++)
		if (a[i])
			return 0;
	if (v4 ? a[12] != 127 : a[15] != 1)
		return 0;
	k.netns = ag_sk_netns(BPF_CORE_READ(sock, sk));
	return bpf_map_lookup_elem(&ag_protected_ports, &k) != NULL;
}

static __always_inline int ag_net_decide(__u32 hook, __u64 pcg, __u64 cg, struct socket *sock,
					 struct sockaddr *address)
{
	struct sockaddr_in6 sa = {};
	int unjudgeable = 0;
	__u16 sfam;
	struct ag_scratch *t __ag_scratch = NULL;
	struct ag_pol pol;
	struct ag_event *ev;
	long rerr;
	__u16 proto;
	int err, site;

	rerr = bpf_probe_read_kernel(&sa, sizeof(sa.sin6_family), address);
	sfam = BPF_CORE_READ(sock, sk, __sk_common.skc_family);
	if (!rerr && sa.sin6_family != AF_INET && sa.sin6_family != AF_INET6) {
		if (sfam != AF_INET && sfam != AF_INET6)
			return 0; /* another family: see above */
		/*
		 * An inet socket is judged by its own family. AF_UNSPEC dissolves a
		 * connect and means "the connected peer" to udpv6_sendmsg (judged at
		 * its connect), but udp_sendmsg sends to its sin_addr: judged as
		 * AF_INET. Other families the inet code refuses: refused here too.
		 */
		if (sa.sin6_family != AF_UNSPEC)
			unjudgeable = 1;
		else if (hook != AG_HOOK_SOCKET_SENDMSG || sfam != AF_INET)
			return 0;
		sa.sin6_family = AF_INET;
	}
	err = ag_setup_in(&pol, &t, hook, 0, pcg, cg);
	if (err)
		return err > 0 ? 0 : err;
	ev = &t->ev;
	__builtin_memset(ev->addr, 0, sizeof(ev->addr));
	ev->port = 0;
	if (!rerr && sa.sin6_family == AF_INET) {
		struct sockaddr_in sin = {};

		rerr = bpf_probe_read_kernel(&sin, sizeof(sin), address);
		ev->addr[10] = 0xff;
		ev->addr[11] = 0xff;
		__builtin_memcpy(&ev->addr[12], &sin.sin_addr.s_addr, 4);
		ev->port = bpf_ntohs(sin.sin_port);
	} else if (!rerr) {
		rerr = bpf_probe_read_kernel(&sa, sizeof(sa), address);
		__builtin_memcpy(ev->addr, &sa.sin6_addr, 16);
		ev->port = bpf_ntohs(sa.sin6_port);
	}
	if (rerr || unjudgeable) {
		__builtin_memset(ev->addr, 0, sizeof(ev->addr));
		ev->port = 0;
		ag_net_subject(ev);
		return ag_unreadable(t, &pol, AG_CLASS_NET_ADDR, AG_NET_ADDR_LEN);
	}
	/*
	 * 0.0.0.0 and :: reach this host's loopback: judged as 127.0.0.1 and ::1; ::
	 * as 127.0.0.1 from an IPv6 socket bound to a v4-mapped address, where
	 * tcp_v6_connect and udpv6_sendmsg send it. An unreadable bound address is
	 * unreadable input: denied.
	 */
	if (ag_addr_unspecified(ev->addr)) {
		if (ev->addr[11] != 0xff) {
			struct sock *sk = BPF_CORE_READ(sock, sk);
			__u32 src[4];

			if (!sk || bpf_core_read(src, sizeof(src), &sk->__sk_common.skc_v6_rcv_saddr)) {
				ag_net_subject(ev);
				return ag_unreadable(t, &pol, AG_CLASS_NET_ADDR, AG_NET_ADDR_LEN);
			}
			if (!src[0] && !src[1] && src[2] == bpf_htonl(0xffff))
				ev->addr[10] = ev->addr[11] = 0xff;
		}
		if (ev->addr[11] == 0xff)
			ev->addr[12] = 127;
		ev->addr[15] = 1;
	}
	/* agentgate's own loopback services (metrics, dashboard): refused whatever the policy. */
	if (ag_port_protected(ev, sock))
		return ag_refuse(t, &pol, AG_OP_AGENTGATE_PORT, 0);
	/*
	 * DNS over UDP or TCP goes to this policy's proxy (the cgroup programs
	 * in dns.bpf.c redirect it, after this hook): the proxy judges the name.
	 */
	proto = BPF_CORE_READ(sock, sk, sk_protocol);
	if (ev->port == AG_DNS_PORT && (proto == IPPROTO_UDP || proto == IPPROTO_TCP)) {
		site = ag_dns_site(pol.cgroup_id, ag_sk_netns(BPF_CORE_READ(sock, sk)));
		if (site == AG_DNS_SERVED)
			return 0;
		/*
		 * A namespace the proxy has no sockets in yet: the lookup would go
		 * nowhere. Refused and recorded, in simulate mode too (there is no
		 * one to answer); the record tells the proxy's owner to serve it.
		 */
		if (site == AG_DNS_UNSERVED) {
			ag_net_subject(ev);
			ag_emit(t, &pol, AG_CLASS_NET_ADDR,
				(struct ag_verdict){ .rule = AG_RULE_NO_PROXY, .allow = 0 },
				AG_NET_ADDR_LEN, 0, AG_OP_NONE);
			return -EPERM;
		}
	}
	ag_net_subject(ev);
	return ag_net_judge(t, &pol);
}

SEC("lsm/socket_connect")
int BPF_PROG(ag_socket_connect, struct socket *sock, struct sockaddr *address, int addrlen, int ret)
{
	__u64 cg = 0, pcg;

	if (ret)
		return ret;
	/* Every connect of the host passes here: an unconfined one reads nothing more. */
	pcg = ag_policy_cgroup(AG_HOOK_SOCKET_CONNECT, &cg);
	if (!pcg)
		return 0;
	return ag_net_decide(AG_HOOK_SOCKET_CONNECT, pcg, cg, sock, address);
}

/*
 * A destination given with the data: UDP sendto/sendmsg on an unconnected
 * socket, TCP Fast Open (MSG_FASTOPEN connects without connect()).
 */
/* Ancillary data walked per message at most; more is judged as a source route (refused). */
#define AG_MAX_CMSGS 16

struct ag_cmsg {
	__u64 len; /* size_t cmsg_len */
	int level;
	int type;
};

/*
 * Whether msg's ancillary data sets IPv4 options (IP_RETOPTS, source routes
 * included) or an IPv6 routing header: the sendmsg form of the socket options
 * ag_socket_setsockopt refuses. sendmsg copied the data into the kernel
 * before this hook (msg_control_is_user says otherwise where it did not).
 * Unreadable data, or more than AG_MAX_CMSGS entries, count as routing.
 */
static __always_inline int ag_cmsg_routes(struct msghdr *msg)
{
	__u64 total = BPF_CORE_READ(msg, msg_controllen), off = 0;
	void *ctl = BPF_CORE_READ(msg, msg_control);
	int user = 0, i;
	struct ag_cmsg c;
	long err;

	if (!total || !ctl)
		return 0;
	if (bpf_core_field_exists(msg->msg_control_is_user))
		user = BPF_CORE_READ_BITFIELD_PROBED(msg, msg_control_is_user);
	for (i = 0; i < AG_MAX_CMSGS; i++) {
		if (off + sizeof(c) > total)
			return 0;
		err = user ? bpf_probe_read_user(&c, sizeof(c), ctl + off) :
			     bpf_probe_read_kernel(&c, sizeof(c), ctl + off);
		if (err || c.len < sizeof(c))
			return err ? 1 : 0; /* a malformed header: the kernel refuses it */
		if ((c.level == IPPROTO_IP && (c.type == 4 /* IP_OPTIONS */ ||
					       c.type == 7 /* IP_RETOPTS */)) ||
		    (c.level == IPPROTO_IPV6 && (c.type == 57 /* IPV6_RTHDR */ ||
						 c.type == 5 /* IPV6_2292RTHDR */)))
			return 1;
		off += (c.len + 7) & ~7ull; /* CMSG_ALIGN */
	}
	return off < total;
}

SEC("lsm/socket_sendmsg")
int BPF_PROG(ag_socket_sendmsg, struct socket *sock, struct msghdr *msg, int size, int ret)
{
	struct ag_dns_orig *o;
	struct sockaddr *name;
	struct sock *sk;
	__u64 cg = 0, pcg;

	if (ret)
		return ret;
	/*
	 * Every send of the host passes here (write() on a socket too): an
	 * unconfined one reads nothing more. Only a confined task's connect or
	 * send is redirected to the DNS proxy (dns.bpf.c); an unconfined task
	 * handed such a socket is not noted, so the proxy's record of its lookup
	 * names the socket's last confined sender, or no one (the name is still
	 * judged by the socket's policy).
	 */
	pcg = ag_policy_cgroup(AG_HOOK_SOCKET_SENDMSG, &cg);
	if (!pcg)
		return 0;
	/* A socket redirected to the DNS proxy, now bound: note who sends (connected UDP, TCP). */
	sk = sock->sk;
	o = sk ? bpf_sk_storage_get(&ag_dns_orig, sk, 0, 0) : NULL;
	if (o)
		ag_dns_note(AG_HOOK_SOCKET_SENDMSG, o->pcg, ag_sk_netns(sk), sk->__sk_common.skc_family,
			    sk->sk_protocol,
			    sk->__sk_common.skc_num);
	if (ag_cmsg_routes(msg))
		return ag_refuse_confined(AG_HOOK_SOCKET_SENDMSG, AG_OP_SOURCE_ROUTE);
	name = BPF_CORE_READ(msg, msg_name);
	/* No destination with the data: a connected socket, judged at its connect. */
	if (!name || BPF_CORE_READ(msg, msg_namelen) < (int)sizeof(short))
		return 0;
	return ag_net_decide(AG_HOOK_SOCKET_SENDMSG, pcg, cg, sock, name);
}

/*
 * IPv4 options (loose/strict source routes) and IPv6 routing headers make an
 * allowed destination the first hop to any other: refused to confined tasks,
 * as socket options here, as sendmsg ancillary data in ag_cmsg_routes.
 */
SEC("lsm/socket_setsockopt")
int BPF_PROG(ag_socket_setsockopt, struct socket *sock, int level, int optname, int ret)
{
	if (ret)
		return ret;
	/* IPV6_2292PKTOPTIONS: sticky options given as ancillary data, a routing header among them. */
	if (!((level == IPPROTO_IP && optname == 4 /* IP_OPTIONS */) ||
	      (level == IPPROTO_IPV6 &&
	       (optname == 57 /* IPV6_RTHDR */ || optname == 5 /* IPV6_2292RTHDR */ ||
		optname == 6 /* IPV6_2292PKTOPTIONS */))))
		return 0; /* not a routing option */
	return ag_refuse_confined(AG_HOOK_SOCKET_SETSOCKOPT, AG_OP_SOURCE_ROUTE);
}

/*
 * Inbound: the local address and port a confined task serves on, judged by
 * the policy's listen rules (ag_listen_verdict: loopback allowed, anything
 * else only by a rule). addr is IPv6 or ::ffff:IPv4, port host order;
 * unreadable: they could not be read (judged as "::" port 0, counted).
 */
static __always_inline int ag_listen_decide(__u32 hook, const __u8 *addr, __u16 port,
					    int unreadable)
{
	struct ag_scratch *t __ag_scratch = NULL;
	struct ag_verdict v;
	struct ag_pol pol;
	int err;

	err = ag_setup(&pol, &t, hook);
	if (err)
		return err > 0 ? 0 : err;
	if (unreadable)
		ag_count_error(hook);
	__builtin_memcpy(t->ev.addr, addr, 16);
	t->ev.port = port;
	ag_net_subject(&t->ev);
	v = ag_match_bpf(&pol.img, pol.h, AG_CLASS_NET_LISTEN, (const __u8 *)t->ev.subject,
			 AG_NET_ADDR_LEN);
	v = ag_listen_verdict(v, t->ev.addr);
	ag_emit(t, &pol, AG_CLASS_NET_LISTEN, v, AG_NET_ADDR_LEN, 0, AG_OP_NONE);
	return !v.allow && pol.h->mode == AG_MODE_ENFORCE ? -EPERM : 0;
}

/* TCP (and any inet stream) listen(): the address and port it is bound to by now. */
SEC("lsm/socket_listen")
int BPF_PROG(ag_socket_listen, struct socket *sock, int backlog, int ret)
{
	struct sock *sk = sock->sk;
	__u8 a[16] = {};
	__u16 fam;
	__u32 v4;

	if (ret || !sk)
		return ret;
	fam = sk->__sk_common.skc_family;
	if (fam == AF_INET) {
		v4 = sk->__sk_common.skc_rcv_saddr;
		a[10] = a[11] = 0xff;
		__builtin_memcpy(&a[12], &v4, 4);
	} else if (fam == AF_INET6) {
		BPF_CORE_READ_INTO(&a, sk, __sk_common.skc_v6_rcv_saddr);
	} else {
		return 0; /* AF_UNIX listeners are reached through their path: file_write */
	}
	return ag_listen_decide(AG_HOOK_SOCKET_LISTEN, a, sk->__sk_common.skc_num, 0);
}

/*
 * A UDP socket bound to a port of its choosing serves whoever sends to it.
 * Port 0 (the kernel picks one: a client) is not serving.
 *
 * What the inet code takes as an address, not only its usual spelling:
 * inet_bind maps family AF_UNSPEC with INADDR_ANY to AF_INET (a bind to every
 * address), and inet6_bind takes the 24 bytes of RFC 2133 (no sin6_scope_id).
 * Left unjudged, either was a server on every address with no listen rule.
 */
#define AG_SIN6_LEN_RFC2133 24

SEC("lsm/socket_bind")
int BPF_PROG(ag_socket_bind, struct socket *sock, struct sockaddr *address, int addrlen, int ret)
{
	struct sockaddr_in6 sa = {};
	struct sockaddr_in sin;
	struct sock *sk;
	__u8 a[16] = {};
	__u16 sfam = 0;
	long rerr;

	if (ret || sock->type != 2 /* SOCK_DGRAM */)
		return ret;
	sk = sock->sk;
	if (sk)
		sfam = sk->__sk_common.skc_family;
	/* Kernel memory (the syscall's copy): a failed read is judged as "::", port 0. */
	rerr = bpf_probe_read_kernel(&sa.sin6_family, sizeof(sa.sin6_family), address);
	if (!rerr && (sa.sin6_family == AF_INET || (sa.sin6_family == AF_UNSPEC && sfam == AF_INET)) &&
	    addrlen >= (int)sizeof(sin)) {
		rerr = bpf_probe_read_kernel(&sin, sizeof(sin), address);
		if (!rerr && !sin.sin_port)
			return 0;
		if (!rerr) {
			a[10] = a[11] = 0xff;
			__builtin_memcpy(&a[12], &sin.sin_addr.s_addr, 4);
			return ag_listen_decide(AG_HOOK_SOCKET_BIND, a, bpf_ntohs(sin.sin_port), 0);
		}
	} else if (!rerr && sa.sin6_family == AF_INET6 && addrlen >= AG_SIN6_LEN_RFC2133) {
		/* The syscall's copy is a sockaddr_storage: the scope id read past a short one is not used. */
		rerr = bpf_probe_read_kernel(&sa, sizeof(sa), address);
		if (!rerr && !sa.sin6_port)
			return 0;
		if (!rerr) {
			__builtin_memcpy(a, &sa.sin6_addr, 16);
			return ag_listen_decide(AG_HOOK_SOCKET_BIND, a, bpf_ntohs(sa.sin6_port), 0);
		}
	} else if (!rerr) {
		return 0; /* a length the inet code refuses, or another family: no bind */
	}
	return ag_listen_decide(AG_HOOK_SOCKET_BIND, a, 0, 1);
}

/*
 * AF_UNIX: reaching a socket is writing to it (a docker socket is a root shell):
 * file_write of the path the peer is bound to, "@name" for abstract names.
 */
static __always_inline int ag_unix_decide(__u32 hook, struct sock *other)
{
	struct unix_address *addr;
	struct unix_sock *u;
	struct ag_scratch *t __ag_scratch = NULL;
	struct dentry *dentry;
	struct ag_pol pol;
	int err, len;

	err = ag_setup(&pol, &t, hook);
	if (err)
		return err > 0 ? 0 : err;
	/* A BTF pointer, for direct loads. These hooks see unix sockets only: never NULL. */
	u = other ? bpf_skc_to_unix_sock(other) : NULL;
	if (!u)
		return ag_unreadable(t, &pol, AG_CLASS_FILE_WRITE, 0);
	dentry = u->path.dentry;
	/* The daemon's control socket would let the agent unassign its own policy. */
	if (dentry && ag_dentry_protected(dentry))
		return ag_refuse(t, &pol, AG_OP_AGENTGATE_FILE,
				 ag_path_of(t, &pol, dentry, BPF_CORE_READ(u, path.mnt)));
	if (dentry)
		return ag_decide(t, &pol, AG_CLASS_FILE_WRITE,
				 ag_path_of(t, &pol, dentry, BPF_CORE_READ(u, path.mnt)), 0);
	addr = BPF_CORE_READ(u, addr);
	if (!addr)
		return 0; /* unbound: a socketpair or an autobind peer, nothing to name */
	/* addr->len counts sun_family and the leading NUL of an abstract name. */
	len = BPF_CORE_READ(addr, len) - (int)sizeof(__u16) - 1;
	if (len < 0 || len > AG_MAX_INPUT - 1)
		return ag_decide(t, &pol, AG_CLASS_FILE_WRITE, AG_MAX_INPUT + 1, 0);
	t->ev.subject[0] = '@';
	asm volatile("" : "+r"(len)); /* keep the mask below: clang drops it after the check */
	if (bpf_probe_read_kernel(&t->ev.subject[1], len & (AG_MAX_INPUT - 1),
				  (void *)addr->name[0].sun_path + 1))
		return ag_unreadable(t, &pol, AG_CLASS_FILE_WRITE, 1);
	return ag_decide(t, &pol, AG_CLASS_FILE_WRITE, len + 1, 0);
}

SEC("lsm/unix_stream_connect")
int BPF_PROG(ag_unix_stream_connect, struct sock *sock, struct sock *other, struct sock *newsk,
	     int ret)
{
	if (ret)
		return ret;
	return ag_unix_decide(AG_HOOK_UNIX_STREAM_CONNECT, other);
}

SEC("lsm/unix_may_send")
int BPF_PROG(ag_unix_may_send, struct socket *sock, struct socket *other, int ret)
{
	if (ret)
		return ret;
	return ag_unix_decide(AG_HOOK_UNIX_MAY_SEND, other->sk);
}

/* Raw and packet sockets send without connect(): no policy could see their peers. */
SEC("lsm/socket_create")
int BPF_PROG(ag_socket_create, int family, int type, int protocol, int kern, int ret)
{
	if (ret || kern)
		return ret; /* kern: a socket the kernel makes for itself */
	type &= 0xf; /* without SOCK_NONBLOCK, SOCK_CLOEXEC */
	if (type == SOCK_RAW || family == AF_PACKET)
		return ag_refuse_confined(AG_HOOK_SOCKET_CREATE, AG_OP_RAW_SOCKET);
	/*
	 * Families whose peers the connect and sendmsg hooks cannot judge (vsock,
	 * TIPC, RDS, SMC, Bluetooth, CAN, XDP, ...).
	 */
	if (family != AF_UNIX && family != AF_INET && family != AF_INET6 && family != AF_NETLINK)
		return ag_refuse_confined(AG_HOOK_SOCKET_CREATE, AG_OP_SOCKET_FAMILY);
	/*
	 * On inet, the protocols the connect, send and bind hooks read as TCP, UDP or
	 * ICMP (ping sockets), MPTCP and UDP-Lite alike: not SCTP (connectx and
	 * multi-address sends bypass socket_connect; SOCK_SEQPACKET on inet is SCTP),
	 * DCCP, nor L2TP over IP, whose address has no port, so its bind to every
	 * address would pass as a client's.
	 */
	if ((family == AF_INET || family == AF_INET6) &&
	    ((type != SOCK_STREAM && type != SOCK_DGRAM) ||
	     (protocol && protocol != IPPROTO_TCP && protocol != IPPROTO_UDP &&
	      protocol != IPPROTO_UDPLITE && protocol != IPPROTO_ICMP &&
	      protocol != 58 /* IPPROTO_ICMPV6 */ && protocol != IPPROTO_MPTCP)))
		return ag_refuse_confined(AG_HOOK_SOCKET_CREATE, AG_OP_SOCKET_FAMILY);
	return 0; /* unix, netlink, TCP, UDP, ICMP: judged where they reach a peer */
}
