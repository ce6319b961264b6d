// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The records the writer's callers append (docs/audit.md): decisions, with
 * the names of actions and self-protection operations, gaps, lifecycle
 * events. audit_writer.c chains, writes and seals them.
 */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include "audit_writer_int.h"

/* The fields every appended record starts with; seq is filled in when it is chained. */
static void head(struct audit_writer *w, struct audit_record *r, const char *type, const char *time)
{
	audit_rec_u64(r, "seq", 0);
	audit_rec_cstr(r, "type", type);
	audit_rec_cstr(r, "time", time);
	audit_rec_cstr(r, "host", w->host);
	audit_rec_cstr(r, "boot_id", w->boot_id);
}

#define AUDIT_A_NAME(e, s) [e] = s,
const char *const audit_action_names[AUDIT_A_COUNT] = { AUDIT_ACTIONS(AUDIT_A_NAME) };
#undef AUDIT_A_NAME

const char *audit_action_name(unsigned int cls)
{
	switch (cls) {
	case AG_CLASS_FILE_READ:
		return audit_action_names[AUDIT_A_FILE_READ];
	case AG_CLASS_FILE_WRITE:
		return audit_action_names[AUDIT_A_FILE_WRITE];
	case AG_CLASS_EXEC:
		return audit_action_names[AUDIT_A_SHELL_EXEC];
	case AG_CLASS_NET_ADDR:
	case AG_CLASS_NET_DOMAIN:
		return audit_action_names[AUDIT_A_NETWORK];
	case AG_CLASS_NET_LISTEN:
		return audit_action_names[AUDIT_A_LISTEN];
	case AG_ACT_PROTECT:
		return audit_action_names[AUDIT_A_PROTECT];
	default:
		return NULL;
	}
}

/* Self-protection operations (include/event.h): their names and why they are refused. */
static const char *const protect_ops[AG_OP_COUNT][2] = {
	[AG_OP_BPF] = { "bpf", "confined tasks may not use bpf()" },
	[AG_OP_PTRACE] = { "ptrace",
			   "confined tasks may not trace or read tasks outside their cgroup" },
	[AG_OP_SIGNAL] = { "signal", "confined tasks may not signal tasks outside their cgroup" },
	[AG_OP_CGROUP_WRITE] = { "cgroup_write",
				 "confined tasks may not change cgroups outside their own" },
	[AG_OP_CLONE_CGROUP] = { "clone_into_cgroup",
				 "confined tasks may not create tasks in another cgroup" },
	[AG_OP_NAMESPACE] = { "namespace",
			      "confined tasks may not create user or mount namespaces" },
	[AG_OP_MODULE] = { "kernel_load",
			   "confined tasks may not load kernel modules, kexec images or policies" },
	[AG_OP_MOUNT] = { "mount",
			  "confined tasks may not mount, unmount, freeze or shut down a filesystem, "
			  "or pivot_root" },
	[AG_OP_CHROOT] = { "chroot", "confined tasks may not change their root directory" },
	[AG_OP_IO_URING] = { "io_uring",
			     "confined tasks may not use io_uring SQPOLL or other credentials" },
	[AG_OP_RAW_SOCKET] = { "raw_socket", "confined tasks may not open raw or packet sockets" },
	[AG_OP_ANON_EXEC] = { "anon_exec",
			      "confined tasks may not execute unlinked or anonymous files" },
	[AG_OP_AGENTGATE_FILE] = { "agentgate_file",
				   "agentgate's own pins, keys, logs and policies are off limits" },
	[AG_OP_UNNAMED_WRITE] = { "unnamed_write",
				  "xattr and timestamp changes are judged on the root filesystem only" },
	[AG_OP_CAPABILITY] = { "capability",
			       "confined tasks may not use this capability (docs/enforcement.md)" },
	[AG_OP_DETACHED_MOUNT] = { "detached_mount",
				   "confined tasks may not open or execute files of detached mounts "
				   "(open_tree, fsmount) or of another mount namespace" },
	[AG_OP_SOURCE_ROUTE] = { "source_route",
				 "confined tasks may not set IP options or routing headers" },
	[AG_OP_SOCKET_FAMILY] = { "socket_family",
				  "confined tasks may use unix, netlink, TCP, UDP and ICMP sockets "
				  "only: no rule can judge the peers of others (vsock, SCTP, TIPC, ...)" },
	[AG_OP_AGENTGATE_PORT] = { "agentgate_port",
				   "agentgate's own loopback services (metrics, dashboard) are off "
				   "limits" },
	[AG_OP_WATCH] = { "watch",
			  "confined tasks may not watch a whole mount or filesystem, "
			  "nor hold up other tasks' file access (fanotify permission events)" },
	[AG_OP_TERMINAL] = { "terminal", "confined tasks may not type into a terminal, hang it up, "
					 "rebind its keys or take the console (TIOCSTI, ...)" },
	[AG_OP_SCHED] = { "sched", "confined tasks may not change the limits, priority or "
				   "scheduling of tasks outside their cgroup" },
	[AG_OP_KERNEL_SETTING] = { "kernel_setting",
				   "confined tasks may not write the kernel's settings (sysctls, "
				   "sysfs, sysrq-trigger, binfmt_misc, tracefs, ...)" },
	[AG_OP_HOST_IPC] = { "host_ipc",
			     "confined tasks may not use the SysV IPC objects of the host's IPC "
			     "namespace (shared memory, message queues, semaphores)" },
};

const char *audit_protect_op(unsigned int op)
{
	return op < AG_OP_COUNT && protect_ops[op][0] ? protect_ops[op][0] : "unknown";
}

const char *audit_protect_reason(unsigned int op)
{
	return op < AG_OP_COUNT && protect_ops[op][1] ? protect_ops[op][1] : "";
}

static const char listen_loopback_reason[] = "no listen rule matched: loopback is allowed";
static const char listen_default_reason[] =
	"no listen rule matched: only loopback is allowed without one";
static const char no_proxy_reason[] =
	"the DNS proxy has no sockets in this network namespace yet: lookup refused "
	"(served from the next lookup on, unless the namespace has no network)";

static const char dns_full_reason[] =
	"agentgate's table of addresses learned from DNS answers is full: the answer could "
	"not be learned, so the lookup is refused (docs/network.md, dns_quota)";

static const char subtree_reason[] =
	"a rename or link would move files between rules: allowed only when everything "
	"beneath the old name is allowed, or everything beneath the new name denied";

/* v's first max bytes (NULL: ""), cut at a character's start so UTF-8 stays UTF-8. */
static void str_cut(struct audit_record *r, const char *key, const char *v, size_t max)
{
	size_t n;

	if (!v)
		v = "";
	n = max == SIZE_MAX ? strlen(v) : strnlen(v, max + 1);

	if (n > max)
		for (n = max; n && ((unsigned char)v[n] & 0xc0) == 0x80; n--)
			;
	audit_rec_str(r, key, v, n);
}

static void opt_str_cut(struct audit_record *r, const char *key, const char *v, size_t max)
{
	if (v && *v)
		str_cut(r, key, v, max);
}

/*
 * ev->addr (IPv6, or IPv4 as ::ffff:a.b.c.d) and ev->port as the ip and port
 * fields; ip is the caller's: the record points to it until it is appended.
 */
/*
 * A path subject's bytes up to its first NUL: no path has one, and a path the
 * kernel could not build (too long, unreadable) starts with one, the rest of
 * its buffer an earlier decision's bytes (bpf/lib/path.h).
 */
static size_t path_len(const struct ag_event *ev)
{
	return strnlen(ev->subject, ev->subject_len);
}

static void addr_fields(struct audit_record *r, const struct ag_event *ev,
			char ip[INET6_ADDRSTRLEN])
{
	static const unsigned char mapped[12] = { [10] = 0xff, [11] = 0xff };

	if (!memcmp(ev->addr, mapped, sizeof(mapped)))
		inet_ntop(AF_INET, ev->addr + 12, ip, INET6_ADDRSTRLEN);
	else
		inet_ntop(AF_INET6, ev->addr, ip, INET6_ADDRSTRLEN);
	audit_rec_cstr(r, "ip", ip);
	audit_rec_u64(r, "port", ev->port);
}

static void container_fields(struct audit_record *r, const struct audit_container *c, size_t max)
{
	opt_str_cut(r, "container", c->id, max);
	opt_str_cut(r, "engine", c->engine, max);
	opt_str_cut(r, "container_name", c->name, max);
	opt_str_cut(r, "image", c->image, max);
	opt_str_cut(r, "pod", c->pod, max);
	opt_str_cut(r, "namespace", c->pod_namespace, max);
}

/*
 * The context's strings cut to max bytes each (SIZE_MAX: whole). The kernel's
 * subject is at most AG_MAX_INPUT bytes, but the cgroup's path, the executable's
 * and a container's names can each be as long again (an agent names its child
 * cgroups and its programs), and an escape makes six bytes of one.
 */
static int append_decision(struct audit_writer *w, const struct ag_event *ev,
			   const struct audit_context *ctx, size_t max)
{
	static const char *const flag_names[] = { "", "truncated", "argv_race",
						  "truncated,argv_race" };
	struct audit_record r;
	char time[32], first[32], ip[INET6_ADDRSTRLEN] = "";
	const char *action;

	audit_rec_init(&r);
	audit_time_format((int64_t)ev->ts_boot_ns + w->boot_to_real, time);
	if (!w->policy_hex[0] || memcmp(w->policy_sha, ev->policy_sha256, 32)) {
		memcpy(w->policy_sha, ev->policy_sha256, 32);
		audit_hex(ev->policy_sha256, 32, w->policy_hex);
	}
	head(w, &r, "decision", time);
	str_cut(&r, "agent", ctx->agent, max);
	if (ctx->container)
		container_fields(&r, ctx->container, max);
	audit_rec_u64(&r, "cgroup_id", ev->cgroup_id);
	audit_rec_u64(&r, "pid", ev->pid);
	audit_rec_u64(&r, "tid", ev->tid);
	audit_rec_u64(&r, "uid", ev->uid);
	audit_rec_str(&r, "comm", ev->comm, strnlen(ev->comm, AG_COMM_LEN));
	str_cut(&r, "exe", ctx->exe, max);
	action = audit_action_name(ev->action);
	audit_rec_cstr(&r, "action", action ? action : "unknown");
	if (ev->action == AG_ACT_PROTECT)
		audit_rec_cstr(&r, "op", audit_protect_op(ev->op));
	switch (ev->action) {
	case AG_ACT_PROTECT:
		if (ev->op == AG_OP_AGENTGATE_PORT)
			addr_fields(&r, ev, ip);
		else if (ev->subject_len && (ev->subject[0] == '/' || !ev->subject[0]))
			audit_rec_str(&r, "path", ev->subject, path_len(ev));
		else if (ev->subject_len)
			audit_rec_str(&r, "command", ev->subject, ev->subject_len);
		break;
	case AG_CLASS_FILE_READ:
	case AG_CLASS_FILE_WRITE:
		audit_rec_str(&r, "path", ev->subject, path_len(ev));
		break;
	case AG_CLASS_EXEC:
		audit_rec_str(&r, "command", ev->subject, ev->subject_len);
		break;
	case AG_CLASS_NET_DOMAIN:
		audit_rec_str(&r, "domain", ev->subject, ev->subject_len);
		break;
	case AG_CLASS_NET_ADDR:
	case AG_CLASS_NET_LISTEN:
		/* An address learned from a name: the name follows the 18 bytes matched. */
		if (ev->subject_len > AG_NET_ADDR_LEN)
			audit_rec_str(&r, "domain", ev->subject + AG_NET_ADDR_LEN,
				      ev->subject_len - AG_NET_ADDR_LEN);
		addr_fields(&r, ev, ip);
		break;
	}
	audit_rec_cstr(&r, "flags", flag_names[ev->flags & 3]);
	/* Folded decisions (include/maps.h): how many, the first at "first", the last at "time". */
	if (ev->flags & AG_EV_REPEAT) {
		audit_time_format((int64_t)ev->first_ns + w->boot_to_real, first);
		audit_rec_u64(&r, "count", ev->count);
		audit_rec_cstr(&r, "first", first);
	}
	audit_rec_cstr(&r, "decision", ev->decision == AG_DECISION_ALLOW ? "ALLOW" : "DENY");
	audit_rec_cstr(&r, "mode", ev->mode == AG_MODE_SIMULATE ? "simulate" : "enforce");
	switch (ev->rule) {
	case AG_RULE_DEFAULT:
		audit_rec_cstr(&r, "rule", "default");
		break;
	case AG_RULE_OVERSIZED:
		audit_rec_cstr(&r, "rule", "oversized");
		break;
	case AG_RULE_UNREADABLE:
		audit_rec_cstr(&r, "rule", "unreadable");
		break;
	case AG_RULE_PROTECTED:
		audit_rec_cstr(&r, "rule", "protected");
		break;
	case AG_RULE_ENV:
		audit_rec_cstr(&r, "rule", "env");
		break;
	case AG_RULE_NO_PROXY:
		audit_rec_cstr(&r, "rule", "no_dns_proxy");
		break;
	case AG_RULE_SUBTREE:
		audit_rec_cstr(&r, "rule", "rename_subtree");
		break;
	case AG_RULE_DNS_FULL:
		audit_rec_cstr(&r, "rule", "dns_full");
		break;
	default:
		audit_rec_u64(&r, "rule", ev->rule);
	}
	audit_rec_cstr(&r, "reason",
		       ev->action == AG_ACT_PROTECT ? audit_protect_reason(ev->op) :
		       ev->rule == AG_RULE_NO_PROXY ? no_proxy_reason :
		       ev->rule == AG_RULE_SUBTREE  ? subtree_reason :
		       ev->rule == AG_RULE_DNS_FULL ? dns_full_reason :
		       ev->action == AG_CLASS_NET_LISTEN && ev->rule == AG_RULE_DEFAULT ?
						      (ev->decision == AG_DECISION_ALLOW ?
							       listen_loopback_reason :
							       listen_default_reason) :
		       ctx->reason		    ? ctx->reason :
						      "");
	audit_rec_cstr(&r, "policy", ctx->policy);
	audit_rec_cstr(&r, "policy_sha256", w->policy_hex);
	audit_rec_cstr(&r, "prev", "");
	return audit_writer_append(w, &r);
}

/*
 * A decision whose line would pass the readers' limit is written again with its
 * context's strings cut (AUDIT_CONTEXT_CUT): never lost, its cgroup id whole.
 */
int audit_append_decision(struct audit_writer *w, const struct ag_event *ev, size_t size,
			  const struct audit_context *ctx)
{
	int err;

	if (size < AG_EVENT_HDR_SIZE || ev->subject_len > AG_MAX_INPUT ||
	    size < AG_EVENT_HDR_SIZE + ev->subject_len)
		return -EINVAL;
	err = append_decision(w, ev, ctx, SIZE_MAX);
	return err == -EMSGSIZE ? append_decision(w, ev, ctx, AUDIT_CONTEXT_CUT) : err;
}

int audit_append_ask(struct audit_writer *w, const struct audit_ask *a)
{
	struct audit_record r = { 0 };
	char time[32], sha[65];

	audit_now_str(time);
	audit_hex(a->policy_sha256, 32, sha);
	head(w, &r, "ask", time);
	audit_rec_cstr(&r, "agent", a->agent);
	audit_rec_u64(&r, "cgroup_id", a->cgroup_id);
	audit_rec_u64(&r, "pid", a->pid);
	opt_str_cut(&r, "asked_as", a->asked_as, AUDIT_ASK_AS_MAX);
	audit_rec_cstr(&r, "action", a->action);
	opt_str_cut(&r, "path", a->path, AUDIT_ASK_OBJECT_MAX);
	opt_str_cut(&r, "command", a->command, AUDIT_ASK_OBJECT_MAX);
	opt_str_cut(&r, "domain", a->domain, AUDIT_ASK_OBJECT_MAX);
	opt_str_cut(&r, "ip", a->ip, AUDIT_ASK_OBJECT_MAX);
	if (a->port >= 0)
		audit_rec_u64(&r, "port", (uint64_t)a->port);
	audit_rec_cstr(&r, "decision", a->allow ? "ALLOW" : "DENY");
	audit_rec_cstr(&r, "mode", a->simulate ? "simulate" : "enforce");
	if (a->rule >= 0)
		audit_rec_u64(&r, "rule", (uint64_t)a->rule);
	else
		audit_rec_cstr(&r, "rule", a->rule_name);
	audit_rec_cstr(&r, "reason", a->reason);
	audit_rec_cstr(&r, "policy", a->policy);
	audit_rec_cstr(&r, "policy_sha256", sha);
	if (a->count > 1)
		audit_rec_u64(&r, "count", a->count);
	audit_rec_cstr(&r, "prev", "");
	return audit_writer_append(w, &r);
}

int audit_append_gap(struct audit_writer *w, uint64_t lost)
{
	struct audit_record r = { 0 };
	char time[32];

	audit_now_str(time);
	head(w, &r, "gap", time);
	audit_rec_u64(&r, "lost", lost);
	audit_rec_cstr(&r, "prev", "");
	return audit_writer_append(w, &r);
}

int audit_append_lifecycle(struct audit_writer *w, const char *what, const char *detail)
{
	struct audit_record r = { 0 };
	char time[32];

	audit_now_str(time);
	head(w, &r, "lifecycle", time);
	audit_rec_cstr(&r, "what", what);
	audit_rec_cstr(&r, "detail", detail);
	audit_rec_cstr(&r, "prev", "");
	return audit_writer_append(w, &r);
}
