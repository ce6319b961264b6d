// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * agentgate's kernel side: BPF-LSM hooks deciding file_read / file_write
 * (file_open), shell_exec (bprm_check_security, re-checked at
 * bprm_committed_creds) and network (socket_connect) for tasks whose cgroup,
 * or the nearest ancestor of it, has a policy (include/maps.h).
 *
 * Every decision in a confined cgroup is sent as a struct ag_event; events the
 * ring buffer cannot take are counted per CPU in ag_drops.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "maps.h"
#include "event.h"
#include "img.h"

#define EPERM 1
#define ENOENT 2
#define E2BIG 7
#define EFAULT 14
#define EINVAL 22
#define SIGKILL 9
#define AF_UNSPEC 0
#define AF_INET 2
#define AF_INET6 10
#define FMODE_READ 0x1
#define FMODE_WRITE 0x2
#define FMODE_EXEC 0x20
#define __FMODE_EXEC 0x20 /* in f_flags */
#define O_CREAT 00000100
#define O_TRUNC 00001000
#define O_APPEND 00002000
#define AF_PACKET 17
#define CLONE_NEWNS 0x00020000ull
#define CLONE_NEWUSER 0x10000000ull
#define CLONE_INTO_CGROUP 0x200000000ull
#define CGROUP2_SUPER_MAGIC 0x63677270
#define BPF_FS_MAGIC 0xcafe4a11
#define ATTR_MODE 1u
#define ATTR_UID 2u
#define ATTR_GID 4u
#define ATTR_SIZE 8u
#define ATTR_ATIME 16u
#define ATTR_MTIME 32u
#define NR_EXECVE 59 /* x86_64 */
#define NR_EXECVEAT 322
#define FNV64_OFFSET 0xcbf29ce484222325ull
#define FNV64_PRIME 0x100000001b3ull

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct ag_inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_INNER_MAP); /* images differ in page count */
	__uint(max_entries, 1);
	__type(key, __u32);
	__uint(value_size, sizeof(struct ag_page)); /* clang 14 emits ag_page as FWD only */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, AG_MAX_POLICIES);
	__type(key, __u64);
	__array(values, struct ag_inner);
} ag_policies SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, AG_CACHE_ENTRIES);
	__type(key, __u64);
	__type(value, struct ag_cache_val);
} ag_cache SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ag_state);
} ag_state SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 21); /* the loader may resize before load */
} ag_events SEC(".maps");

/* A private stream for one policy's events (`agentgate exec` next to a daemon). */
struct ag_stream {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, AG_STREAM_BYTES);
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, AG_MAX_POLICIES);
	__type(key, __u64);
	__array(values, struct ag_stream);
} ag_streams SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} ag_drops SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, AG_MAX_PROTECTED);
	__type(key, struct ag_inode_key);
	__type(value, __u32);
} ag_protected SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, AG_MAX_POLICIES);
	__type(key, __u64);
	__type(value, struct ag_dns_proxy);
} ag_dns SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, AG_LEARNED_ENTRIES);
	__type(key, struct ag_learned_key);
	__type(value, struct ag_learned_val);
} ag_learned SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, AG_DNS_CLIENTS);
	__type(key, struct ag_dns_client_key);
	__type(value, struct ag_dns_client);
} ag_dns_clients SEC(".maps");

/* Where a redirected socket meant to send its DNS, to show in replies and getpeername. */
struct ag_dns_orig {
	__u32 addr[4]; /* IPv6, or ::ffff:IPv4, network order */
	__u32 port; /* network order, as in bpf_sock_addr */
	__u32 proxy_port; /* network order: the proxy port replies come from */
};

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct ag_dns_orig);
} ag_dns_orig SEC(".maps");

/* The task sending DNS from this local port, for the proxy's records (best effort). */
static __always_inline void ag_dns_note(__u16 family, __u16 proto, __u16 port)
{
	struct ag_dns_client_key k = { .family = family, .port = port, .proto = proto };
	struct ag_dns_client c = {};
	__u64 id = bpf_get_current_pid_tgid();

	c.cgroup_id = bpf_get_current_cgroup_id();
	c.pid = id >> 32;
	c.tid = (__u32)id;
	c.uid = (__u32)bpf_get_current_uid_gid();
	bpf_get_current_comm(c.comm, sizeof(c.comm));
	bpf_map_update_elem(&ag_dns_clients, &k, &c, BPF_ANY);
}

/*
 * Per-task scratch and exec state. Not per-CPU: sleepable programs can be
 * preempted (while faulting in user memory) and another task's program would
 * overwrite a per-CPU buffer in between.
 */
struct ag_task {
	__u64 exec_bprm; /* the bprm judged at bprm_check_security, 0 when none */
	__u64 exec_hash; /* FNV-1a of the judged " argv1 argv2 ..." */
	__u32 exec_argc;
	__u32 reserved;
	struct ag_event ev; /* ev.subject is where every input is built */
	__u8 slack[AG_MAX_INPUT + 8]; /* bounded writes may run past ev.subject */
	__u8 tmp[AG_MAX_INPUT];
	__u8 path[2 * AG_MAX_INPUT]; /* paths built leaf first, right-aligned at AG_MAX_INPUT */
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct ag_task);
} ag_tasks SEC(".maps");

struct ag_pol {
	__u64 cgroup_id;
	struct ag_img img;
	const struct ag_image_hdr *h;
};

static __always_inline void ag_count_drop(void)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&ag_drops, &zero);

	if (n)
		__sync_fetch_and_add(n, 1);
}

/*
 * The cgroup whose policy applies to the current task (itself or the nearest
 * ancestor with a policy), 0 when none. One lookup when nothing is installed,
 * one cache lookup for a cgroup seen since the last policy change.
 */
static __always_inline __u64 ag_policy_cgroup(void)
{
	struct ag_cache_val *cv, nv = {};
	struct ag_state *st;
	__u64 cg, id, gen;
	__u32 zero = 0;
	int i;

	st = bpf_map_lookup_elem(&ag_state, &zero);
	if (!st || !st->npolicies)
		return 0;
	gen = st->generation;
	cg = bpf_get_current_cgroup_id();
	cv = bpf_map_lookup_elem(&ag_cache, &cg);
	if (cv && cv->generation == gen)
		return cv->policy_cgroup_id;

	/*
	 * Root first, so the deepest cgroup with a policy is found last. No task
	 * pointer: the cgroup sock_addr programs share this walk.
	 */
	for (i = 0; i < AG_MAX_CGROUP_DEPTH; i++) {
		id = bpf_get_current_ancestor_cgroup_id(i);
		if (!id)
			break;
		if (bpf_map_lookup_elem(&ag_policies, &id))
			nv.policy_cgroup_id = id;
	}
	nv.generation = gen;
	bpf_map_update_elem(&ag_cache, &cg, &nv, BPF_ANY);
	return nv.policy_cgroup_id;
}

/* 0, -ENOENT when the policy was removed meanwhile, -EINVAL for a corrupt image. */
static __always_inline int ag_pol_get(__u64 cgroup_id, struct ag_pol *pol)
{
	const struct ag_image_hdr *h;
	struct ag_page *p0;
	__u32 zero = 0;
	void *inner;

	inner = bpf_map_lookup_elem(&ag_policies, &cgroup_id);
	if (!inner)
		return -ENOENT;
	p0 = bpf_map_lookup_elem(inner, &zero);
	if (!p0)
		return -EINVAL;
	h = (const void *)p0->b;
	if (h->magic != AG_IMAGE_MAGIC || h->version != AG_IMAGE_VERSION)
		return -EINVAL;
	pol->cgroup_id = cgroup_id;
	pol->img.inner = inner;
	pol->img.cur = p0;
	pol->img.cur_idx = 0;
	pol->h = h;
	return 0;
}

static __always_inline struct ag_task *ag_task_get(void)
{
	return bpf_task_storage_get(&ag_tasks, bpf_get_current_task_btf(), 0,
				    BPF_LOCAL_STORAGE_GET_F_CREATE);
}

/*
 * The reader is woken only once a batch waits (1/16 of the ring): a wake-up
 * per event costs every open an interrupt to another CPU. Readers also poll
 * every AG_EVENTS_POLL_MS (maps.h), so a lone record waits that long at most.
 */
static __always_inline __u64 ag_wakeup(void *rb)
{
	return bpf_ringbuf_query(rb, BPF_RB_AVAIL_DATA) >=
			       bpf_ringbuf_query(rb, BPF_RB_RING_SIZE) / 16 ?
		       BPF_RB_FORCE_WAKEUP :
		       BPF_RB_NO_WAKEUP;
}

/* Sends t->ev with the first len bytes of its subject (already in place). */
static __always_inline void ag_emit(struct ag_task *t, const struct ag_pol *pol, __u16 action,
				    struct ag_verdict v, __u32 len, __u16 flags, __u32 op)
{
	struct ag_event *ev = &t->ev;
	__u64 id = bpf_get_current_pid_tgid();
	void *stream;
	long err;

	if (len > AG_MAX_INPUT) {
		len = AG_MAX_INPUT;
		flags |= AG_EV_TRUNCATED;
	}
	ev->ts_boot_ns = bpf_ktime_get_boot_ns();
	ev->cgroup_id = bpf_get_current_cgroup_id();
	ev->policy_cgroup_id = pol->cgroup_id;
	__builtin_memcpy(ev->policy_sha256, pol->h->policy_sha256, sizeof(ev->policy_sha256));
	ev->pid = id >> 32;
	ev->tid = (__u32)id;
	ev->uid = (__u32)bpf_get_current_uid_gid();
	ev->version = AG_EVENT_VERSION;
	ev->action = action;
	ev->rule = v.rule;
	ev->decision = v.allow ? AG_DECISION_ALLOW : AG_DECISION_DENY;
	ev->mode = pol->h->mode;
	ev->flags = flags;
	if (action != AG_CLASS_NET_ADDR) {
		__builtin_memset(ev->addr, 0, sizeof(ev->addr));
		ev->port = 0;
	}
	bpf_get_current_comm(ev->comm, sizeof(ev->comm));
	ev->subject_len = len;
	ev->op = op;
	/* Clang folds the clamp above into flags only: hide len from it, mask for the verifier. */
	asm volatile("" : "+r"(len));
	len = AG_EVENT_HDR_SIZE + (len & (2 * AG_MAX_INPUT - 1));
	stream = bpf_map_lookup_elem(&ag_streams, &pol->cgroup_id);
	if (stream)
		err = bpf_ringbuf_output(stream, ev, len, ag_wakeup(stream));
	else
		err = bpf_ringbuf_output(&ag_events, ev, len, ag_wakeup(&ag_events));
	if (err)
		ag_count_drop();
}

/* Decides one class on t->ev.subject[0..len), records it, returns the hook's answer. */
static __always_inline int ag_decide(struct ag_task *t, const struct ag_pol *pol, __u16 cls,
				     __u32 len, __u16 flags)
{
	struct ag_verdict v =
		ag_match_bpf(&pol->img, pol->h, cls, (const __u8 *)t->ev.subject, len);

	ag_emit(t, pol, cls, v, len, flags, AG_OP_NONE);
	if (!v.allow && pol->h->mode == AG_MODE_ENFORCE)
		return -EPERM;
	return 0;
}

/* Fails closed: a confined task whose policy cannot be read is denied. */
static __always_inline int ag_setup(struct ag_pol *pol, struct ag_task **t)
{
	__u64 pcg = ag_policy_cgroup();
	int err;

	if (!pcg)
		return 1;
	err = ag_pol_get(pcg, pol);
	if (err == -ENOENT)
		return 1;
	if (err)
		return -EPERM;
	*t = ag_task_get();
	if (!*t) {
		ag_count_drop();
		return -EPERM;
	}
	return 0;
}

/*
 * Self-protection: refused for a confined task whatever the policy and its
 * mode say (include/event.h lists the operations); subject[0..len) is in place.
 */
static __always_inline int ag_refuse(struct ag_task *t, const struct ag_pol *pol, __u32 op,
				     __u32 len)
{
	struct ag_verdict v = { .rule = AG_RULE_PROTECTED, .allow = 0 };

	ag_emit(t, pol, AG_ACT_PROTECT, v, len, 0, op);
	return -EPERM;
}

/* For hooks that refuse every confined caller. */
static __always_inline int ag_refuse_confined(__u32 op)
{
	struct ag_task *t = NULL;
	struct ag_pol pol;
	int err;

	err = ag_setup(&pol, &t);
	if (err)
		return err > 0 ? 0 : err;
	return ag_refuse(t, &pol, op, 0);
}

static __always_inline int ag_inode_protected(struct inode *inode)
{
	struct ag_inode_key k;

	if (!inode)
		return 0;
	k.dev = BPF_CORE_READ(inode, i_sb, s_dev);
	k.ino = BPF_CORE_READ(inode, i_ino);
	return bpf_map_lookup_elem(&ag_protected, &k) != NULL;
}

/* The entry is one of agentgate's files, or an entry of one of its directories. */
static __always_inline int ag_dentry_protected(struct dentry *d)
{
	return ag_inode_protected(BPF_CORE_READ(d, d_inode)) ||
	       ag_inode_protected(BPF_CORE_READ(d, d_parent, d_inode));
}

/* Whether the cgroup (by its kernfs id) is cgid or below it. */
static __always_inline int ag_cgroup_within(struct cgroup *cg, __u64 cgid)
{
	struct cgroup_subsys_state *css;
	int i;

	for (i = 0; i < AG_MAX_CGROUP_DEPTH && cg; i++) {
		if (BPF_CORE_READ(cg, kn, id) == cgid)
			return 1;
		css = BPF_CORE_READ(cg, self.parent);
		cg = css ? (void *)css - bpf_core_field_offset(struct cgroup, self) : NULL;
	}
	return 0;
}

/* Whether a cgroupfs directory (a cgroup, its inode number the cgroup id) is cgid or below. */
static __always_inline int ag_cgroup_dir_within(struct dentry *d, __u64 cgid)
{
	struct dentry *parent;
	int i;

	for (i = 0; i < AG_MAX_CGROUP_DEPTH && d; i++) {
		if (BPF_CORE_READ(d, d_inode, i_ino) == cgid)
			return 1;
		parent = BPF_CORE_READ(d, d_parent);
		if (parent == d)
			break;
		d = parent;
	}
	return 0;
}

/* Appends " <decimal>" to t->ev.subject[0..pos); returns the new length. */
static __always_inline __u32 ag_put_num(struct ag_task *t, __u32 pos, const char *word, __u64 v)
{
	char digits[20];
	int n = 0, i;

	for (i = 0; i < 8 && word[i]; i++)
		t->ev.subject[(pos++) & (AG_MAX_INPUT - 1)] = word[i];
	t->ev.subject[(pos++) & (AG_MAX_INPUT - 1)] = ' ';
	for (i = 0; i < 20; i++) {
		digits[i] = '0' + v % 10;
		v /= 10;
		n = i + 1;
		if (!v)
			break;
	}
	for (i = 19; i >= 0; i--)
		if (i < n)
			t->ev.subject[(pos++) & (AG_MAX_INPUT - 1)] = digits[i];
	return pos;
}

SEC("lsm.s/file_open")
int BPF_PROG(ag_file_open, struct file *file, int ret)
{
	struct ag_task *t = NULL;
	struct ag_pol pol;
	__u32 fmode, fflags;
	int rd, wr, err, len;

	if (ret)
		return ret;
	fmode = file->f_mode;
	fflags = file->f_flags;
	/*
	 * The open that executes a binary (and its ELF interpreter) is shell_exec's.
	 * 6.1 marks it in f_flags only; userspace cannot pass __FMODE_EXEC to open().
	 */
	if ((fmode & FMODE_EXEC) || (fflags & __FMODE_EXEC))
		return 0;
	err = ag_setup(&pol, &t);
	if (err)
		return err > 0 ? 0 : err;
	wr = (fmode & FMODE_WRITE) || (fflags & (O_TRUNC | O_APPEND | O_CREAT));
	/* An open for neither (O_ACCMODE 3, ioctl only) counts as a read. */
	rd = (fmode & FMODE_READ) || !(fmode & FMODE_WRITE);

	len = bpf_d_path((struct path *)&file->f_path, (char *)t->ev.subject, AG_MAX_INPUT);
	/* The only failure is a path too long for the buffer: oversized, denied. */
	len = len > 0 ? len - 1 : AG_MAX_INPUT + 1;
	if (ag_dentry_protected(BPF_CORE_READ(file, f_path.dentry)))
		return ag_refuse(t, &pol, AG_OP_AGENTGATE_FILE, len);
	/* cgroup.procs of a cgroup outside the confined ones is the way out of confinement. */
	if (wr && BPF_CORE_READ(file, f_inode, i_sb, s_magic) == CGROUP2_SUPER_MAGIC &&
	    !ag_cgroup_dir_within(BPF_CORE_READ(file, f_path.dentry, d_parent), pol.cgroup_id))
		return ag_refuse(t, &pol, AG_OP_CGROUP_WRITE, len);
	err = 0;
	if (rd)
		err = ag_decide(t, &pol, AG_CLASS_FILE_READ, len, 0);
	if (wr && ag_decide(t, &pol, AG_CLASS_FILE_WRITE, len, 0))
		err = -EPERM;
	return err;
}

/*
 * Path hooks (mknod, unlink, rename, ...) may not call bpf_d_path: their path
 * is rebuilt from the dentry chain, crossing mount points, up to the task's
 * root, the way d_path() walks it. Names are read under the hook's locks
 * (the parent directory's inode lock is held for the entry being changed).
 */
struct ag_pathwalk {
	struct ag_task *t;
	struct dentry *d;
	struct mount *m;
	struct dentry *mnt_root;
	struct dentry *root_d;
	struct mount *root_m;
	__u32 pos; /* t->path[pos..AG_MAX_INPUT) holds what was built so far */
	int done;
};

static __always_inline struct mount *ag_real_mount(const struct vfsmount *mnt)
{
	return (void *)mnt - bpf_core_field_offset(struct mount, mnt);
}

static long ag_pathwalk_step(__u32 i, void *arg)
{
	struct ag_pathwalk *c = arg;
	/* Locals: BPF_CORE_READ must relocate kernel structs only, not this context. */
	struct dentry *d = c->d, *parent;
	struct mount *m = c->m, *pm;
	const unsigned char *name;
	__u32 len;

	if (d == c->root_d && m == c->root_m) {
		c->done = 1;
		return 1;
	}
	if (d == c->mnt_root) {
		pm = BPF_CORE_READ(m, mnt_parent);
		if (pm == m) {
			c->done = 1; /* the root of the mount tree */
			return 1;
		}
		c->d = BPF_CORE_READ(m, mnt_mountpoint);
		c->m = pm;
		c->mnt_root = BPF_CORE_READ(pm, mnt.mnt_root);
		return 0;
	}
	parent = BPF_CORE_READ(d, d_parent);
	if (parent == d) {
		c->done = 1; /* disconnected: what d_path() prints too, from here */
		return 1;
	}
	len = BPF_CORE_READ(d, d_name.len);
	name = BPF_CORE_READ(d, d_name.name);
	if (len + 1 > c->pos)
		return 1; /* too long: not done */
	c->pos -= len;
	bpf_probe_read_kernel(&c->t->path[c->pos & (AG_MAX_INPUT - 1)], len & (AG_MAX_INPUT - 1),
			      name);
	c->pos--;
	c->t->path[c->pos & (AG_MAX_INPUT - 1)] = '/';
	c->d = parent;
	return 0;
}

/* The path of dentry on mnt into t->ev.subject; its length, AG_MAX_INPUT + 1 when too long. */
static __always_inline __u32 ag_path_of(struct ag_task *t, struct dentry *dentry,
					const struct vfsmount *mnt)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct ag_pathwalk c = {
		.t = t,
		.d = dentry,
		.m = ag_real_mount(mnt),
		.mnt_root = BPF_CORE_READ(mnt, mnt_root),
		.root_d = BPF_CORE_READ(task, fs, root.dentry),
		.root_m = ag_real_mount(BPF_CORE_READ(task, fs, root.mnt)),
		.pos = AG_MAX_INPUT,
	};
	__u32 len;

	bpf_loop(AG_MAX_INPUT, ag_pathwalk_step, &c, 0);
	if (!c.done)
		return AG_MAX_INPUT + 1;
	if (c.pos == AG_MAX_INPUT) {
		t->ev.subject[0] = '/';
		return 1;
	}
	len = AG_MAX_INPUT - c.pos;
	bpf_probe_read_kernel(t->ev.subject, len & (2 * AG_MAX_INPUT - 1),
			      &t->path[c.pos & (AG_MAX_INPUT - 1)]);
	return len;
}

/* A write-like change of the entry dentry on mnt: decided as file_write of its path. */
static __always_inline int ag_write_op(struct dentry *dentry, const struct vfsmount *mnt)
{
	struct ag_task *t = NULL;
	struct ag_pol pol;
	int err;

	err = ag_setup(&pol, &t);
	if (err)
		return err > 0 ? 0 : err;
	/* Pinned programs and maps: removing them would end enforcement. */
	if (BPF_CORE_READ(dentry, d_sb, s_magic) == BPF_FS_MAGIC || ag_dentry_protected(dentry))
		return ag_refuse(t, &pol, AG_OP_AGENTGATE_FILE, ag_path_of(t, dentry, mnt));
	return ag_decide(t, &pol, AG_CLASS_FILE_WRITE, ag_path_of(t, dentry, mnt), 0);
}

/* Also the creation by open(O_CREAT), which file_open only sees once the file exists. */
SEC("lsm/path_mknod")
int BPF_PROG(ag_path_mknod, const struct path *dir, struct dentry *dentry, umode_t mode,
	     unsigned int dev, int ret)
{
	if (ret)
		return ret;
	return ag_write_op(dentry, dir->mnt);
}

SEC("lsm/path_mkdir")
int BPF_PROG(ag_path_mkdir, const struct path *dir, struct dentry *dentry, umode_t mode, int ret)
{
	if (ret)
		return ret;
	return ag_write_op(dentry, dir->mnt);
}

SEC("lsm/path_unlink")
int BPF_PROG(ag_path_unlink, const struct path *dir, struct dentry *dentry, int ret)
{
	if (ret)
		return ret;
	return ag_write_op(dentry, dir->mnt);
}

SEC("lsm/path_rmdir")
int BPF_PROG(ag_path_rmdir, const struct path *dir, struct dentry *dentry, int ret)
{
	if (ret)
		return ret;
	return ag_write_op(dentry, dir->mnt);
}

SEC("lsm/path_symlink")
int BPF_PROG(ag_path_symlink, const struct path *dir, struct dentry *dentry, const char *old_name,
	     int ret)
{
	if (ret)
		return ret;
	return ag_write_op(dentry, dir->mnt);
}

/* A hard link writes both names: whoever may write the link may write the file. */
SEC("lsm/path_link")
int BPF_PROG(ag_path_link, struct dentry *old_dentry, const struct path *new_dir,
	     struct dentry *new_dentry, int ret)
{
	if (ret)
		return ret;
	ret = ag_write_op(old_dentry, new_dir->mnt); /* links never cross mounts */
	if (ret)
		return ret;
	return ag_write_op(new_dentry, new_dir->mnt);
}

/* Both ends; RENAME_EXCHANGE is the same pair of writes. */
SEC("lsm/path_rename")
int BPF_PROG(ag_path_rename, const struct path *old_dir, struct dentry *old_dentry,
	     const struct path *new_dir, struct dentry *new_dentry, unsigned int flags, int ret)
{
	if (ret)
		return ret;
	ret = ag_write_op(old_dentry, old_dir->mnt);
	if (ret)
		return ret;
	return ag_write_op(new_dentry, new_dir->mnt);
}

SEC("lsm/path_truncate")
int BPF_PROG(ag_path_truncate, const struct path *path, int ret)
{
	if (ret)
		return ret;
	return ag_write_op(path->dentry, path->mnt);
}

SEC("lsm/path_chmod")
int BPF_PROG(ag_path_chmod, const struct path *path, umode_t mode, int ret)
{
	if (ret)
		return ret;
	return ag_write_op(path->dentry, path->mnt);
}

SEC("lsm/path_chown")
int BPF_PROG(ag_path_chown, const struct path *path, __u32 uid, __u32 gid,
	     int ret) /* kuid_t, kgid_t */
{
	if (ret)
		return ret;
	return ag_write_op(path->dentry, path->mnt);
}

/*
 * xattr and timestamp changes reach only the inode hooks, which carry no
 * mount. On the task's root filesystem the path is rebuilt from the root
 * mount and decided as file_write; elsewhere it cannot be named: refused.
 */
static __always_inline int ag_inode_write_op(struct dentry *dentry)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct vfsmount *root = BPF_CORE_READ(task, fs, root.mnt);
	struct ag_task *t = NULL;
	struct ag_pol pol;
	int err;

	if (BPF_CORE_READ(dentry, d_sb) == BPF_CORE_READ(root, mnt_sb))
		return ag_write_op(dentry, root);
	err = ag_setup(&pol, &t);
	if (err)
		return err > 0 ? 0 : err;
	return ag_refuse(t, &pol, AG_OP_UNNAMED_WRITE, 0);
}

SEC("lsm/inode_setxattr")
int BPF_PROG(ag_inode_setxattr, void *idmap, struct dentry *dentry, const char *name,
	     const void *value, size_t size, int flags, int ret)
{
	if (ret)
		return ret;
	return ag_inode_write_op(dentry);
}

SEC("lsm/inode_removexattr")
int BPF_PROG(ag_inode_removexattr, void *idmap, struct dentry *dentry, const char *name, int ret)
{
	if (ret)
		return ret;
	return ag_inode_write_op(dentry);
}

/* utimes and friends; mode, owner and size changes were decided by the path hooks. */
SEC("lsm/inode_setattr")
int BPF_PROG(ag_inode_setattr)
{
	struct dentry *dentry;
	struct iattr *attr;
	unsigned int valid;
	__u64 ret;

	/*
	 * 6.3 added the idmap argument in front. Constant offsets in asm: the
	 * verifier refuses ctx reads at an offset clang would compute.
	 */
	if (bpf_core_type_exists(struct mnt_idmap)) {
		asm volatile("%0 = *(u64 *)(%1 + 8)" : "=r"(dentry) : "r"(ctx));
		asm volatile("%0 = *(u64 *)(%1 + 16)" : "=r"(attr) : "r"(ctx));
		asm volatile("%0 = *(u64 *)(%1 + 24)" : "=r"(ret) : "r"(ctx));
	} else {
		asm volatile("%0 = *(u64 *)(%1 + 0)" : "=r"(dentry) : "r"(ctx));
		asm volatile("%0 = *(u64 *)(%1 + 8)" : "=r"(attr) : "r"(ctx));
		asm volatile("%0 = *(u64 *)(%1 + 16)" : "=r"(ret) : "r"(ctx));
	}
	if ((int)ret) /* an int in a 64-bit slot */
		return (int)ret;
	valid = BPF_CORE_READ(attr, ia_valid);
	if ((valid & (ATTR_MODE | ATTR_UID | ATTR_GID | ATTR_SIZE)) ||
	    !(valid & (ATTR_ATIME | ATTR_MTIME)))
		return 0;
	return ag_inode_write_op(dentry);
}

/* Faults in up to three pages at a user address so a non-faulting read can succeed. */
static __always_inline void ag_fault_in(__u64 uaddr)
{
	__u8 b;
	int i;

	for (i = 0; i < 3; i++)
		bpf_copy_from_user(&b, 1, (void *)((uaddr & ~4095ull) + 4096ull * i));
}

/*
 * Appends " " + the user string at uaddr to t->ev.subject[0..pos); returns
 * the new length, -E2BIG past AG_MAX_INPUT, or -EFAULT.
 */
static __always_inline long ag_append_arg(struct ag_task *t, __u32 pos, __u64 uaddr)
{
	long n;

	if (pos >= AG_MAX_INPUT)
		return -E2BIG;
	t->ev.subject[pos & (AG_MAX_INPUT - 1)] = ' ';
	pos++;
	if (pos > AG_MAX_INPUT)
		return -E2BIG;
	/* Two spare bytes: a string that does not fit is seen as longer. */
	n = bpf_probe_read_user_str(&t->ev.subject[pos], AG_MAX_INPUT + 2 - pos, (void *)uaddr);
	if (n < 0) {
		ag_fault_in(uaddr);
		n = bpf_probe_read_user_str(&t->ev.subject[pos], AG_MAX_INPUT + 2 - pos,
					    (void *)uaddr);
	}
	if (n <= 0)
		return -EFAULT;
	if (pos + (n - 1) > AG_MAX_INPUT)
		return -E2BIG;
	return pos + (n - 1);
}

struct ag_argv_ctx {
	struct ag_task *t;
	__u64 uaddr; /* check: the caller's argv[]; commit: the next string */
	__u32 pos;
	__u32 skip; /* commit: leading strings not part of the judged argv */
	long err;
};

/* bprm_check_security: argv[i] from the caller's pointer array, i >= 1. */
static long ag_argv_step(__u32 i, void *arg)
{
	struct ag_argv_ctx *c = arg;
	__u64 p = 0;
	long r;

	if (i == 0)
		return 0;
	if (bpf_copy_from_user(&p, sizeof(p), (void *)(c->uaddr + 8ull * i)) || !p) {
		c->err = -EFAULT;
		return 1;
	}
	r = ag_append_arg(c->t, c->pos, p);
	if (r < 0) {
		c->err = r;
		return 1;
	}
	c->pos = r;
	return 0;
}

/* bprm_committed_creds: the strings the kernel copied, back to back from bprm->p. */
static long ag_commit_step(__u32 i, void *arg)
{
	struct ag_argv_ctx *c = arg;
	long r;

	if (i < c->skip) {
		r = bpf_probe_read_user_str(c->t->tmp, AG_MAX_INPUT, (void *)c->uaddr);
		if (r <= 0 || r >= AG_MAX_INPUT) {
			c->err = -EFAULT;
			return 1;
		}
		c->uaddr += r;
		return 0;
	}
	r = ag_append_arg(c->t, c->pos, c->uaddr);
	if (r < 0) {
		c->err = r;
		return 1;
	}
	c->uaddr += r - c->pos; /* the string and its NUL (r - pos - 1 + 1) */
	c->pos = r;
	return 0;
}

struct ag_hash_ctx {
	const __u8 *buf; /* readable for AG_MAX_INPUT bytes */
	__u32 start, end;
	__u64 h;
};

static long ag_hash_step(__u32 i, void *arg)
{
	struct ag_hash_ctx *c = arg;
	__u32 j = c->start + i;

	if (j >= c->end)
		return 1;
	c->h = (c->h ^ c->buf[j & (AG_MAX_INPUT - 1)]) * FNV64_PRIME;
	return 0;
}

static __always_inline __u64 ag_hash(const __u8 *buf, __u32 start, __u32 end)
{
	struct ag_hash_ctx c = { .buf = buf, .start = start, .end = end, .h = FNV64_OFFSET };

	bpf_loop(AG_MAX_INPUT, ag_hash_step, &c, 0);
	return c.h;
}

/*
 * deny_env: each "NAME=value" string of the exec's environment through the
 * ENV DFA. At check time from the caller's envp[] (racy, like argv), at
 * commit from the new image's copy, strings back to back after the argv.
 */
struct ag_env_ctx {
	struct ag_task *t;
	const struct ag_pol *pol;
	__u64 uaddr; /* check: the caller's envp[]; commit: the next string */
	int commit;
	__u32 hit; /* 1 + the deny_env entry matched; 0: none */
	long err;
};

static long ag_env_step(__u32 i, void *arg)
{
	struct ag_env_ctx *c = arg;
	struct ag_verdict v;
	__u64 p = c->uaddr;
	long n;
	int k;

	if (!c->commit &&
	    (bpf_copy_from_user(&p, sizeof(p), (void *)(c->uaddr + 8ull * i)) || !p)) {
		c->err = -EFAULT;
		return 1;
	}
	n = bpf_probe_read_user_str(c->t->tmp, AG_MAX_INPUT, (void *)p);
	if (n < 0 && !c->commit) {
		ag_fault_in(p);
		n = bpf_probe_read_user_str(c->t->tmp, AG_MAX_INPUT, (void *)p);
	}
	if (n <= 0) {
		c->err = -EFAULT;
		return 1;
	}
	/* The name is in the first bytes: a long value is matched truncated (patterns end in *). */
	v = ag_match_bpf(&c->pol->img, c->pol->h, AG_CLASS_ENV, c->t->tmp, n - 1);
	if (v.rule != AG_RULE_DEFAULT) {
		c->hit = v.rule + 1;
		return 1;
	}
	if (!c->commit)
		return 0;
	/* Past this string: at most MAX_ARG_STRLEN (32 pages) in AG_MAX_INPUT - 1 steps. */
	for (k = 0; k < 34 && n == AG_MAX_INPUT; k++) {
		p += AG_MAX_INPUT - 1;
		n = bpf_probe_read_user_str(c->t->tmp, AG_MAX_INPUT, (void *)p);
		if (n <= 0) {
			c->err = -EFAULT;
			return 1;
		}
	}
	c->uaddr = p + n;
	return 0;
}

/* 0: no deny_env variable; 1 + its index; -EFAULT when the environment cannot be read. */
static __always_inline long ag_env_check(struct ag_task *t, const struct ag_pol *pol, __u64 uaddr,
					 __u32 envc, int commit)
{
	struct ag_env_ctx c = { .t = t, .pol = pol, .uaddr = uaddr, .commit = commit };

	if (pol->h->dfa[AG_CLASS_ENV].nstates < 2 || !envc)
		return 0;
	if (!uaddr)
		return -EFAULT;
	bpf_loop(envc, ag_env_step, &c, 0);
	return c.err ? c.err : c.hit;
}

SEC("lsm.s/bprm_check_security")
int BPF_PROG(ag_bprm_check, struct linux_binprm *bprm, int ret)
{
	struct ag_argv_ctx c = {};
	struct ag_task *t = NULL;
	struct pt_regs *regs;
	struct ag_verdict v;
	struct ag_pol pol;
	__u32 argc, exe_len;
	__u64 nr, uargv, uenvp;
	__u16 flags = 0;
	long env = 0;
	int err, len;

	if (ret)
		return ret;
	/*
	 * binfmt_script and binfmt_misc re-enter with bprm->file = the interpreter
	 * after changing bprm->interp: only the pass for what the caller ran is
	 * judged, so an allowed script's interpreter is not denied separately.
	 */
	if (bprm->interp != bprm->filename)
		return 0;
	err = ag_setup(&pol, &t);
	if (err)
		return err > 0 ? 0 : err;
	t->exec_bprm = 0;

	len = bpf_d_path((struct path *)&bprm->file->f_path, (char *)t->ev.subject, AG_MAX_INPUT);
	if (len <= 0)
		return ag_decide(t, &pol, AG_CLASS_EXEC, AG_MAX_INPUT + 1, 0);
	exe_len = len - 1;
	/*
	 * memfd, O_TMPFILE and deleted files have no name a rule could mean
	 * (d_path says "/memfd:x (deleted)"): refused, whatever the policy.
	 */
	if (!BPF_CORE_READ(bprm, file, f_path.dentry, d_hash.pprev) ||
	    !BPF_CORE_READ(bprm, file, f_inode, __i_nlink))
		return ag_refuse(t, &pol, AG_OP_ANON_EXEC, exe_len);
	argc = bprm->argc;

	regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	nr = BPF_CORE_READ(regs, orig_ax);
	if (nr == NR_EXECVE) {
		uargv = BPF_CORE_READ(regs, si);
		uenvp = BPF_CORE_READ(regs, dx);
	} else if (nr == NR_EXECVEAT) {
		uargv = BPF_CORE_READ(regs, dx);
		uenvp = BPF_CORE_READ(regs, r10);
	} else {
		uargv = uenvp = 0; /* compat or in-kernel exec: argv unknown */
	}

	c.t = t;
	c.uaddr = uargv;
	c.pos = exe_len;
	if (argc > AG_MAX_INPUT + 1) {
		c.err = -E2BIG;
	} else if (!uargv && argc > 1) {
		c.err = -EFAULT;
	} else if (uargv) {
		bpf_loop(argc, ag_argv_step, &c, 0);
		/*
		 * The caller's array must end where the kernel's count says; an
		 * empty argv is counted as one "" by the kernel.
		 */
		if (!c.err && argc) {
			__u64 p0 = 1, p = 1;

			if (bpf_copy_from_user(&p0, sizeof(p0), (void *)uargv) ||
			    bpf_copy_from_user(&p, sizeof(p), (void *)(uargv + 8ull * argc)))
				c.err = -EFAULT;
			else if (p && !(argc == 1 && !p0))
				c.err = -EFAULT;
		}
	}
	if (c.err == -E2BIG)
		return ag_decide(t, &pol, AG_CLASS_EXEC, AG_MAX_INPUT + 1, 0);
	if (c.err) {
		/* argv unreadable: fail closed, whatever the policy would say */
		struct ag_verdict v = { .rule = AG_RULE_UNREADABLE, .allow = 0 };

		ag_emit(t, &pol, AG_CLASS_EXEC, v, c.pos, flags, AG_OP_NONE);
		return -EPERM;
	}
	v = ag_match_bpf(&pol.img, pol.h, AG_CLASS_EXEC, (const __u8 *)t->ev.subject, c.pos);
	if (v.allow) {
		env = ag_env_check(t, &pol, uenvp, bprm->envc, 0);
		if (env) {
			v.rule = env < 0 ? AG_RULE_UNREADABLE : AG_RULE_ENV;
			v.allow = 0;
		}
	}
	ag_emit(t, &pol, AG_CLASS_EXEC, v, c.pos, flags, env > 0 ? env : AG_OP_NONE);
	err = !v.allow && pol.h->mode == AG_MODE_ENFORCE ? -EPERM : 0;
	if (v.allow || pol.h->mode != AG_MODE_ENFORCE) {
		t->exec_hash = ag_hash((const __u8 *)t->ev.subject, exe_len, c.pos);
		t->exec_argc = argc;
		t->exec_bprm = (__u64)bprm;
	}
	return err;
}

/*
 * The argv judged above was read from the caller's memory, which its other
 * threads may have rewritten after the kernel copied it. Here the new image's
 * copy is in place: rebuild the same string from it and kill on a mismatch.
 */
SEC("lsm.s/bprm_committed_creds")
int BPF_PROG(ag_bprm_committed, struct linux_binprm *bprm)
{
	struct ag_argv_ctx c = {};
	struct ag_verdict v = { .rule = AG_RULE_DEFAULT, .allow = 0 };
	struct ag_task *t;
	struct ag_pol pol;
	__u32 argc, judged, exe_len;
	long env = 0;
	int len;

	t = bpf_task_storage_get(&ag_tasks, bpf_get_current_task_btf(), 0, 0);
	if (!t || t->exec_bprm != (__u64)bprm)
		return 0;
	t->exec_bprm = 0;
	if (ag_pol_get(ag_policy_cgroup(), &pol))
		return 0;

	len = bpf_d_path((struct path *)&bprm->file->f_path, (char *)t->ev.subject, AG_MAX_INPUT);
	exe_len = len > 0 ? len - 1 : 0;
	argc = bprm->argc;
	judged = t->exec_argc > 1 ? t->exec_argc - 1 : 0;
	c.t = t;
	c.uaddr = bprm->p;
	c.pos = exe_len;
	/* A script's interpreter and its arguments come first; the judged args last. */
	if (argc < judged || argc > AG_MAX_INPUT + 8) {
		c.err = -EFAULT;
	} else {
		c.skip = argc - judged;
		bpf_loop(argc, ag_commit_step, &c, 0);
	}
	if (!c.err && ag_hash((const __u8 *)t->ev.subject, exe_len, c.pos) == t->exec_hash) {
		/* The environment the new program really got: the strings after the argv. */
		env = ag_env_check(t, &pol, c.uaddr, bprm->envc, 1);
		if (!env)
			return 0;
		v.rule = env < 0 ? AG_RULE_UNREADABLE : AG_RULE_ENV;
	}
	if (pol.h->mode == AG_MODE_ENFORCE)
		bpf_send_signal(SIGKILL);
	ag_emit(t, &pol, AG_CLASS_EXEC, v, c.pos, AG_EV_ARGV_RACE, env > 0 ? env : AG_OP_NONE);
	return 0;
}

/*
 * A connect judged by its address (NET_ADDR on subject[0..18)) and, when the
 * address was learned from an allowed DNS answer, by that name and the port
 * (NET_DOMAIN): the rule first in file order wins. The name is read once, to
 * follow the address bytes in the event; the NUL and port the DFA wants go
 * right after it, past what the event sends.
 */
static __always_inline int ag_net_judge(struct ag_task *t, const struct ag_pol *pol)
{
	struct ag_learned_key k = { .cgroup_id = pol->cgroup_id };
	struct ag_event *ev = &t->ev;
	struct ag_learned_val *lv;
	struct ag_verdict v, vd;
	__u8 *name = (__u8 *)&ev->subject[AG_NET_ADDR_LEN];
	__u32 len = AG_NET_ADDR_LEN, n;

	v = ag_match_bpf(&pol->img, pol->h, AG_CLASS_NET_ADDR, (const __u8 *)ev->subject, len);
	__builtin_memcpy(k.addr, ev->addr, sizeof(k.addr));
	lv = bpf_map_lookup_elem(&ag_learned, &k);
	if (lv && lv->expires_ns > bpf_ktime_get_boot_ns()) {
		n = lv->name_len;
		if (n > AG_DNS_NAME_MAX - 4)
			n = AG_DNS_NAME_MAX - 4;
		asm volatile("" : "+r"(n)); /* keep the masks below */
		n &= AG_DNS_NAME_MAX - 1;
		bpf_probe_read_kernel(name, n, lv->name);
		name[n] = 0;
		name[(n + 1) & (AG_DNS_NAME_MAX - 1)] = ev->port >> 8;
		name[(n + 2) & (AG_DNS_NAME_MAX - 1)] = ev->port & 0xff;
		vd = ag_match_bpf(&pol->img, pol->h, AG_CLASS_NET_DOMAIN, name, n + 3);
		v = ag_verdict_first(v, vd);
		len += n;
	}
	ag_emit(t, pol, AG_CLASS_NET_ADDR, v, len, 0, AG_OP_NONE);
	if (!v.allow && pol->h->mode == AG_MODE_ENFORCE)
		return -EPERM;
	return 0;
}

/*
 * Decides network on the IPv4/IPv6 sockaddr at address (kernel memory) sent
 * through sock; other families: 0.
 */
static __always_inline int ag_net_decide(struct socket *sock, struct sockaddr *address)
{
	struct sockaddr_in6 sa = {};
	struct ag_task *t = NULL;
	struct ag_pol pol;
	struct ag_event *ev;
	__u16 proto;
	int err;

	bpf_probe_read_kernel(&sa, sizeof(sa.sin6_family), address);
	if (sa.sin6_family != AF_INET && sa.sin6_family != AF_INET6)
		return 0;
	err = ag_setup(&pol, &t);
	if (err)
		return err > 0 ? 0 : err;
	ev = &t->ev;
	__builtin_memset(ev->addr, 0, sizeof(ev->addr));
	if (sa.sin6_family == AF_INET) {
		struct sockaddr_in sin = {};

		bpf_probe_read_kernel(&sin, sizeof(sin), address);
		ev->addr[10] = 0xff;
		ev->addr[11] = 0xff;
		__builtin_memcpy(&ev->addr[12], &sin.sin_addr.s_addr, 4);
		ev->port = bpf_ntohs(sin.sin_port);
	} else {
		bpf_probe_read_kernel(&sa, sizeof(sa), address);
		__builtin_memcpy(ev->addr, &sa.sin6_addr, 16);
		ev->port = bpf_ntohs(sa.sin6_port);
	}
	/*
	 * DNS over UDP or TCP goes to this policy's proxy (the cgroup programs
	 * below redirect it, after this hook): the proxy judges the name.
	 */
	proto = BPF_CORE_READ(sock, sk, sk_protocol);
	if (ev->port == AG_DNS_PORT && (proto == IPPROTO_UDP || proto == IPPROTO_TCP) &&
	    bpf_map_lookup_elem(&ag_dns, &pol.cgroup_id))
		return 0;
	__builtin_memcpy(ev->subject, ev->addr, 16);
	ev->subject[16] = ev->port >> 8;
	ev->subject[17] = ev->port & 0xff;
	return ag_net_judge(t, &pol);
}

SEC("lsm/socket_connect")
int BPF_PROG(ag_socket_connect, struct socket *sock, struct sockaddr *address, int addrlen, int ret)
{
	if (ret)
		return ret;
	return ag_net_decide(sock, address);
}

/*
 * A destination given with the data: UDP sendto/sendmsg on an unconnected
 * socket, TCP Fast Open (MSG_FASTOPEN connects without connect()).
 */
SEC("lsm/socket_sendmsg")
int BPF_PROG(ag_socket_sendmsg, struct socket *sock, struct msghdr *msg, int size, int ret)
{
	struct sockaddr *name;
	struct sock *sk;

	if (ret)
		return ret;
	/* A socket redirected to the DNS proxy, now bound: note who sends (connected UDP, TCP). */
	sk = sock->sk;
	if (sk && bpf_sk_storage_get(&ag_dns_orig, sk, 0, 0))
		ag_dns_note(sk->__sk_common.skc_family, sk->sk_protocol, sk->__sk_common.skc_num);
	name = BPF_CORE_READ(msg, msg_name);
	if (!name || BPF_CORE_READ(msg, msg_namelen) < (int)sizeof(short))
		return 0;
	return ag_net_decide(sock, name);
}

/*
 * AF_UNIX: reaching a socket is writing to it (a docker socket is a root shell):
 * file_write of the path the peer is bound to, "@name" for abstract names.
 */
static __always_inline int ag_unix_decide(struct sock *other)
{
	struct unix_sock *u = (void *)other;
	struct unix_address *addr;
	struct ag_task *t = NULL;
	struct dentry *dentry;
	struct ag_pol pol;
	int err, len;

	err = ag_setup(&pol, &t);
	if (err)
		return err > 0 ? 0 : err;
	dentry = BPF_CORE_READ(u, path.dentry);
	/* The daemon's control socket would let the agent unassign its own policy. */
	if (dentry && ag_dentry_protected(dentry))
		return ag_refuse(t, &pol, AG_OP_AGENTGATE_FILE,
				 ag_path_of(t, dentry, BPF_CORE_READ(u, path.mnt)));
	if (dentry)
		return ag_decide(t, &pol, AG_CLASS_FILE_WRITE,
				 ag_path_of(t, dentry, BPF_CORE_READ(u, path.mnt)), 0);
	addr = BPF_CORE_READ(u, addr);
	if (!addr)
		return 0; /* unbound: a socketpair or an autobind peer, nothing to name */
	/* addr->len counts sun_family and the leading NUL of an abstract name. */
	len = BPF_CORE_READ(addr, len) - (int)sizeof(__u16) - 1;
	if (len < 0 || len > AG_MAX_INPUT - 1)
		return ag_decide(t, &pol, AG_CLASS_FILE_WRITE, AG_MAX_INPUT + 1, 0);
	t->ev.subject[0] = '@';
	asm volatile("" : "+r"(len)); /* keep the mask below: clang drops it after the check */
	bpf_probe_read_kernel(&t->ev.subject[1], len & (AG_MAX_INPUT - 1),
			      (void *)addr->name[0].sun_path + 1);
	return ag_decide(t, &pol, AG_CLASS_FILE_WRITE, len + 1, 0);
}

SEC("lsm/unix_stream_connect")
int BPF_PROG(ag_unix_stream_connect, struct sock *sock, struct sock *other, struct sock *newsk,
	     int ret)
{
	if (ret)
		return ret;
	return ag_unix_decide(other);
}

SEC("lsm/unix_may_send")
int BPF_PROG(ag_unix_may_send, struct socket *sock, struct socket *other, int ret)
{
	if (ret)
		return ret;
	return ag_unix_decide(BPF_CORE_READ(other, sk));
}

SEC("lsm/bpf")
int BPF_PROG(ag_bpf, int cmd, union bpf_attr *attr, unsigned int size, int ret)
{
	if (ret)
		return ret;
	return ag_refuse_confined(AG_OP_BPF);
}

/* Refuses op on task p unless p is confined by the caller's policy too; sig >= 0 is named. */
static __always_inline int ag_refuse_outside(struct task_struct *p, __u32 op, long sig)
{
	struct ag_task *t = NULL;
	struct ag_pol pol;
	__u32 len;
	int err;

	err = ag_setup(&pol, &t);
	if (err)
		return err > 0 ? 0 : err;
	if (ag_cgroup_within(BPF_CORE_READ(p, cgroups, dfl_cgrp), pol.cgroup_id))
		return 0;
	len = ag_put_num(t, 0, "pid", BPF_CORE_READ(p, tgid));
	if (sig >= 0)
		len = ag_put_num(t, len, " signal", sig);
	return ag_refuse(t, &pol, op, len);
}

/* ptrace, process_vm_readv/writev, /proc/PID/mem and the like, of tasks outside. */
SEC("lsm/ptrace_access_check")
int BPF_PROG(ag_ptrace_access_check, struct task_struct *child, unsigned int mode, int ret)
{
	if (ret)
		return ret;
	return ag_refuse_outside(child, AG_OP_PTRACE, -1);
}

/* Signals to tasks outside the confined cgroups (the daemon, agentgate exec, the host). */
SEC("lsm/task_kill")
int BPF_PROG(ag_task_kill, struct task_struct *p, struct kernel_siginfo *info, int sig,
	     const struct cred *cred, int ret)
{
	if (ret)
		return ret;
	return ag_refuse_outside(p, AG_OP_SIGNAL, sig);
}

/* clone() into another cgroup or into new user/mount namespaces. */
SEC("lsm/task_alloc")
int BPF_PROG(ag_task_alloc, struct task_struct *task, unsigned long clone_flags, int ret)
{
	if (ret)
		return ret;
	if (clone_flags & CLONE_INTO_CGROUP)
		return ag_refuse_confined(AG_OP_CLONE_CGROUP);
	if (clone_flags & (CLONE_NEWUSER | CLONE_NEWNS))
		return ag_refuse_confined(AG_OP_NAMESPACE);
	return 0;
}

/* unshare(CLONE_NEWUSER) too. */
SEC("lsm/userns_create")
int BPF_PROG(ag_userns_create, const struct cred *cred, int ret)
{
	if (ret)
		return ret;
	return ag_refuse_confined(AG_OP_NAMESPACE);
}

SEC("lsm/kernel_read_file")
int BPF_PROG(ag_kernel_read_file, struct file *file, enum kernel_read_file_id id, bool contents,
	     int ret)
{
	if (ret)
		return ret;
	return id == READING_FIRMWARE ? 0 : ag_refuse_confined(AG_OP_MODULE);
}

SEC("lsm/kernel_load_data")
int BPF_PROG(ag_kernel_load_data, enum kernel_load_data_id id, bool contents, int ret)
{
	if (ret)
		return ret;
	return id == LOADING_FIRMWARE ? 0 : ag_refuse_confined(AG_OP_MODULE);
}

/* Mounts would let a confined task give paths another meaning (bind mounts over rules). */
static __always_inline int ag_refuse_path(__u32 op, struct dentry *dentry,
					  const struct vfsmount *mnt)
{
	struct ag_task *t = NULL;
	struct ag_pol pol;
	int err;

	err = ag_setup(&pol, &t);
	if (err)
		return err > 0 ? 0 : err;
	return ag_refuse(t, &pol, op, ag_path_of(t, dentry, mnt));
}

SEC("lsm/sb_mount")
int BPF_PROG(ag_sb_mount, const char *dev_name, const struct path *path, const char *type,
	     unsigned long flags, void *data, int ret)
{
	if (ret)
		return ret;
	return ag_refuse_path(AG_OP_MOUNT, path->dentry, path->mnt);
}

SEC("lsm/sb_umount")
int BPF_PROG(ag_sb_umount, struct vfsmount *mnt, int flags, int ret)
{
	if (ret)
		return ret;
	return ag_refuse_path(AG_OP_MOUNT, mnt->mnt_root, mnt);
}

SEC("lsm/sb_pivotroot")
int BPF_PROG(ag_sb_pivotroot, const struct path *old_path, const struct path *new_path, int ret)
{
	if (ret)
		return ret;
	return ag_refuse_path(AG_OP_MOUNT, new_path->dentry, new_path->mnt);
}

SEC("lsm/move_mount")
int BPF_PROG(ag_move_mount, const struct path *from_path, const struct path *to_path, int ret)
{
	if (ret)
		return ret;
	return ag_refuse_path(AG_OP_MOUNT, to_path->dentry, to_path->mnt);
}

/* Paths are judged from the task's root: a new root would rename everything. */
SEC("lsm/path_chroot")
int BPF_PROG(ag_path_chroot, const struct path *path, int ret)
{
	if (ret)
		return ret;
	return ag_refuse_path(AG_OP_CHROOT, path->dentry, path->mnt);
}

/* A kernel thread submitting for the task, or another task's credentials. */
SEC("lsm/uring_sqpoll")
int BPF_PROG(ag_uring_sqpoll, int ret)
{
	if (ret)
		return ret;
	return ag_refuse_confined(AG_OP_IO_URING);
}

SEC("lsm/uring_override_creds")
int BPF_PROG(ag_uring_override_creds, const struct cred *new, int ret)
{
	if (ret)
		return ret;
	return ag_refuse_confined(AG_OP_IO_URING);
}

/* Raw and packet sockets send without connect(): no policy could see their peers. */
SEC("lsm/socket_create")
int BPF_PROG(ag_socket_create, int family, int type, int protocol, int kern, int ret)
{
	if (ret || kern)
		return ret;
	if ((type & 0xf) == SOCK_RAW || family == AF_PACKET)
		return ag_refuse_confined(AG_OP_RAW_SOCKET);
	return 0;
}

/*
 * DNS steering: UDP and TCP to port 53 from a confined task go to the proxy
 * of its policy (ag_dns), whatever resolver the task chose; replies and
 * getpeername() show the resolver it chose. Attached to the cgroup root.
 * Returning 0 refuses the connect or send (EPERM): a policy with no proxy
 * has no DNS at all.
 */
enum { AG_DNS_LEAVE, AG_DNS_REDIRECT, AG_DNS_REFUSE };

static __always_inline int ag_dns_target(struct bpf_sock_addr *ctx, struct ag_dns_proxy **px,
					 struct ag_dns_orig **o)
{
	__u64 pcg;

	if (ctx->user_port != bpf_htons(AG_DNS_PORT) ||
	    (ctx->protocol != IPPROTO_UDP && ctx->protocol != IPPROTO_TCP))
		return AG_DNS_LEAVE;
	pcg = ag_policy_cgroup();
	if (!pcg)
		return AG_DNS_LEAVE;
	*px = bpf_map_lookup_elem(&ag_dns, &pcg);
	if (!*px)
		return AG_DNS_REFUSE;
	*o = bpf_sk_storage_get(&ag_dns_orig, ctx->sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	return *o ? AG_DNS_REDIRECT : AG_DNS_REFUSE;
}

/*
 * An unconnected send is bound by now; a connect usually is not (its sends
 * are noted at socket_sendmsg once it is).
 */
static __always_inline void ag_dns_note_bound(struct bpf_sock_addr *ctx)
{
	struct bpf_sock *sk = ctx->sk;

	if (sk && sk->src_port)
		ag_dns_note(sk->family, sk->protocol, sk->src_port);
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
	ag_dns_note_bound(ctx);
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
	ag_dns_note_bound(ctx);
	return 1;
}

/* A reply from, or the peer being, the proxy is shown as the resolver the task chose. */
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
