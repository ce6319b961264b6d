// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Load or adopt agentgate's pinned BPF state; install and remove policies. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "loader.h"
#include "maps.h"
#include "agentgate.skel.h"

#define PIN(name) AG_PIN_DIR "/" name
#define DEFAULT_RINGBUF (2u << 20)

/* Pinned maps; "state" is pinned last, so its presence means a complete set. */
static const char *const map_pins[] = { "policies", "cache",	   "events",	"streams",
					"drops",    "errors",	   "protected", "dns",
					"learned",  "dns_clients", "state" };
enum {
	M_POLICIES,
	M_CACHE,
	M_EVENTS,
	M_STREAMS,
	M_DROPS,
	M_ERRORS,
	M_PROTECTED,
	M_DNS,
	M_LEARNED,
	M_DNS_CLIENTS,
	M_STATE,
	M_COUNT
};
/*
 * "link_NAME" pins the link of program ag_NAME: the LSM programs, then the
 * cgroup programs steering DNS (docs/network.md), attached to the cgroup root.
 */
static const char *const link_pins[] = {
	"link_file_open",
	"link_bprm_check",
	"link_bprm_committed",
	"link_socket_connect",
	"link_path_mknod",
	"link_path_mkdir",
	"link_path_unlink",
	"link_path_rmdir",
	"link_path_symlink",
	"link_path_link",
	"link_path_rename",
	"link_path_truncate",
	"link_path_chmod",
	"link_path_chown",
	"link_bpf",
	"link_ptrace_access_check",
	"link_task_kill",
	"link_task_alloc",
	"link_userns_create",
	"link_kernel_read_file",
	"link_kernel_load_data",
	"link_sb_mount",
	"link_sb_umount",
	"link_sb_pivotroot",
	"link_move_mount",
	"link_path_chroot",
	"link_uring_sqpoll",
	"link_uring_override_creds",
	"link_socket_create",
	"link_socket_sendmsg",
	"link_unix_stream_connect",
	"link_unix_may_send",
	"link_inode_setxattr",
	"link_inode_removexattr",
	"link_inode_setattr",
	"link_dns_connect4",
	"link_dns_connect6",
	"link_dns_sendmsg4",
	"link_dns_sendmsg6",
	"link_dns_recvmsg4",
	"link_dns_recvmsg6",
	"link_dns_getpeername4",
	"link_dns_getpeername6",
};
#define LINK_COUNT (sizeof(link_pins) / sizeof(link_pins[0]))
#define CGROUP_ROOT "/sys/fs/cgroup"

struct loader {
	int lock_fd;
	int fds[M_COUNT];
	struct ring_buffer *rb;
	uint64_t stream_cgroup; /* the private stream this loader created, 0 for none */
	int stream_fd;
	loader_event_fn fn;
	void *fn_ctx;
};

static int verbose_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return vfprintf(stderr, fmt, ap);
}

static int quiet_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return 0;
}

/* FNV-1a over the embedded BPF object: pins of another build are refused. */
static uint64_t object_hash(void)
{
	const unsigned char *p;
	uint64_t h = 0xcbf29ce484222325ull;
	size_t n, i;

	p = agentgate_bpf__elf_bytes(&n);
	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h ^ AG_MAPS_VERSION;
}

static int lock(struct loader *l)
{
	return flock(l->lock_fd, LOCK_EX) ? -errno : 0;
}

static void unlock(struct loader *l)
{
	flock(l->lock_fd, LOCK_UN);
}

static int read_state(struct loader *l, struct ag_state *st)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(l->fds[M_STATE], &zero, st) ? -errno : 0;
}

static int write_state(struct loader *l, const struct ag_state *st)
{
	__u32 zero = 0;

	return bpf_map_update_elem(l->fds[M_STATE], &zero, st, BPF_ANY) ? -errno : 0;
}

static int ensure_bpffs(void)
{
	struct statfs fs;

	if (statfs("/sys/fs/bpf", &fs))
		return -errno;
	if (fs.f_type != BPF_FS_MAGIC && mount("bpf", "/sys/fs/bpf", "bpf", 0, NULL))
		return -errno;
	if (mkdir(AG_PIN_DIR, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

static void unpin_all(void)
{
	char path[256];
	size_t i;

	for (i = 0; i < LINK_COUNT; i++) {
		snprintf(path, sizeof(path), AG_PIN_DIR "/%s", link_pins[i]);
		unlink(path);
	}
	for (i = 0; i < M_COUNT; i++) {
		snprintf(path, sizeof(path), AG_PIN_DIR "/%s", map_pins[i]);
		unlink(path);
	}
}

int loader_unpin(void)
{
	unpin_all();
	if (rmdir(AG_PIN_DIR) && errno != ENOENT)
		return -errno;
	return 0;
}

static int count_policies(int fd, uint64_t *ids, size_t max)
{
	uint64_t key, next;
	int n = 0, err;
	void *prev = NULL;

	while (!(err = bpf_map_get_next_key(fd, prev, &next))) {
		if (ids && (size_t)n < max)
			ids[n] = next;
		n++;
		key = next;
		prev = &key;
	}
	return errno == ENOENT ? n : -errno;
}

static int adopt(struct loader *l)
{
	struct ag_state st;
	char path[256];
	size_t i;
	int fd, n, err;

	for (i = 0; i < M_COUNT; i++) {
		snprintf(path, sizeof(path), AG_PIN_DIR "/%s", map_pins[i]);
		l->fds[i] = bpf_obj_get(path);
		if (l->fds[i] < 0)
			return -errno;
	}
	for (i = 0; i < LINK_COUNT; i++) {
		snprintf(path, sizeof(path), AG_PIN_DIR "/%s", link_pins[i]);
		fd = bpf_obj_get(path);
		if (fd < 0)
			return -errno;
		close(fd);
	}
	err = read_state(l, &st);
	if (err)
		return err;
	if (st.maps_version != AG_MAPS_VERSION || st.object_hash != object_hash())
		return -EPROTO;
	/* A process killed between two steps of an install leaves the count high: fix it. */
	n = count_policies(l->fds[M_POLICIES], NULL, 0);
	if (n < 0)
		return n;
	if (st.npolicies != (uint64_t)n) {
		st.npolicies = n;
		st.generation++;
		return write_state(l, &st);
	}
	return 0;
}

static int load_and_pin(struct loader *l, const struct loader_opts *opts)
{
	struct agentgate_bpf *skel;
	struct bpf_link *links[LINK_COUNT] = {};
	struct bpf_program *progs[LINK_COUNT];
	struct bpf_map *maps[M_COUNT];
	struct ag_state st = {};
	char path[256];
	size_t i;
	int err, cg_fd = -1;

	skel = agentgate_bpf__open();
	if (!skel)
		return -errno;
	err = bpf_map__set_max_entries(skel->maps.ag_events, opts && opts->ringbuf_bytes ?
								     opts->ringbuf_bytes :
								     DEFAULT_RINGBUF);
	if (err)
		goto cleanup;
	err = agentgate_bpf__load(skel);
	if (err)
		goto cleanup;
	for (i = 0; i < LINK_COUNT; i++) {
		snprintf(path, sizeof(path), "ag_%s", link_pins[i] + strlen("link_"));
		progs[i] = bpf_object__find_program_by_name(skel->obj, path);
		if (!progs[i]) {
			err = -ENOENT;
			goto cleanup;
		}
	}
	maps[M_POLICIES] = skel->maps.ag_policies;
	maps[M_CACHE] = skel->maps.ag_cache;
	maps[M_EVENTS] = skel->maps.ag_events;
	maps[M_STREAMS] = skel->maps.ag_streams;
	maps[M_DROPS] = skel->maps.ag_drops;
	maps[M_ERRORS] = skel->maps.ag_errors;
	maps[M_PROTECTED] = skel->maps.ag_protected;
	maps[M_DNS] = skel->maps.ag_dns;
	maps[M_LEARNED] = skel->maps.ag_learned;
	maps[M_DNS_CLIENTS] = skel->maps.ag_dns_clients;
	maps[M_STATE] = skel->maps.ag_state;

	st.maps_version = AG_MAPS_VERSION;
	st.object_hash = object_hash();
	err = bpf_map_update_elem(bpf_map__fd(maps[M_STATE]), &(__u32){ 0 }, &st, BPF_ANY);
	if (err)
		goto cleanup;
	for (i = 0; i < M_COUNT - 1; i++) {
		snprintf(path, sizeof(path), AG_PIN_DIR "/%s", map_pins[i]);
		err = bpf_map__pin(maps[i], path);
		if (err)
			goto cleanup;
	}
	cg_fd = open(CGROUP_ROOT, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg_fd < 0) {
		err = -errno;
		goto cleanup;
	}
	for (i = 0; i < LINK_COUNT; i++) {
		links[i] = bpf_program__type(progs[i]) == BPF_PROG_TYPE_CGROUP_SOCK_ADDR ?
				   bpf_program__attach_cgroup(progs[i], cg_fd) :
				   bpf_program__attach(progs[i]);
		if (!links[i]) {
			err = -errno;
			goto cleanup;
		}
		snprintf(path, sizeof(path), AG_PIN_DIR "/%s", link_pins[i]);
		err = bpf_link__pin(links[i], path);
		if (err)
			goto cleanup;
	}
	err = bpf_map__pin(maps[M_STATE], PIN("state"));
	if (err)
		goto cleanup;
	for (i = 0; i < M_COUNT; i++) {
		l->fds[i] = dup(bpf_map__fd(maps[i]));
		if (l->fds[i] < 0) {
			err = -errno;
			goto cleanup;
		}
	}
cleanup:
	if (err) {
		unpin_all();
		rmdir(AG_PIN_DIR);
	}
	for (i = 0; i < LINK_COUNT; i++)
		bpf_link__destroy(links[i]);
	if (cg_fd >= 0)
		close(cg_fd);
	agentgate_bpf__destroy(skel);
	return err;
}

int loader_open(struct loader **out, const struct loader_opts *opts)
{
	struct loader *l;
	struct stat sb;
	size_t i;
	int err;

	libbpf_set_print(opts && opts->verbose ? verbose_print : quiet_print);
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	for (i = 0; i < M_COUNT; i++)
		l->fds[i] = -1;
	l->lock_fd = open(AG_LOCK_FILE, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (l->lock_fd < 0) {
		err = -errno;
		goto fail;
	}
	err = lock(l);
	if (err)
		goto fail;
	err = ensure_bpffs();
	if (!err) {
		if (!stat(PIN("state"), &sb)) {
			err = adopt(l);
		} else {
			unpin_all(); /* leftovers of a load that died half-way */
			err = load_and_pin(l, opts);
		}
	}
	unlock(l);
	if (err)
		goto fail;
	*out = l;
	return 0;
fail:
	loader_close(l);
	return err;
}

void loader_close(struct loader *l)
{
	size_t i;

	if (!l)
		return;
	ring_buffer__free(l->rb);
	if (l->stream_cgroup) {
		bpf_map_delete_elem(l->fds[M_STREAMS], &l->stream_cgroup);
		close(l->stream_fd);
	}
	for (i = 0; i < M_COUNT; i++)
		if (l->fds[i] >= 0)
			close(l->fds[i]);
	if (l->lock_fd >= 0)
		close(l->lock_fd);
	free(l);
}

static int check_image(const struct ag_image *img)
{
	const struct ag_image_hdr *h = (const void *)img->data;

	if (!img->data || img->size < sizeof(*h) ||
	    img->size > (size_t)AG_IMAGE_MAX_PAGES * AG_PAGE_SIZE)
		return -EINVAL;
	if (h->magic != AG_IMAGE_MAGIC || h->version != AG_IMAGE_VERSION || h->size != img->size)
		return -EINVAL;
	return 0;
}

/* A frozen inner map holding the image, one page per element. */
static int image_map(const struct ag_image *img)
{
	LIBBPF_OPTS(bpf_map_create_opts, mo, .map_flags = BPF_F_INNER_MAP);
	__u32 pages = (img->size + AG_PAGE_SIZE - 1) / AG_PAGE_SIZE, i;
	unsigned char *page;
	size_t n;
	int fd, err = 0;

	page = malloc(AG_PAGE_SIZE);
	if (!page)
		return -ENOMEM;
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "ag_image", sizeof(__u32), AG_PAGE_SIZE, pages,
			    &mo);
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	for (i = 0; i < pages; i++) {
		n = img->size - (size_t)i * AG_PAGE_SIZE;
		n = n < AG_PAGE_SIZE ? n : AG_PAGE_SIZE;
		memset(page, 0, AG_PAGE_SIZE);
		memcpy(page, img->data + (size_t)i * AG_PAGE_SIZE, n);
		if (bpf_map_update_elem(fd, &i, page, BPF_ANY)) {
			err = -errno;
			goto out;
		}
	}
	/* No writes from userspace either once installed. */
	if (bpf_map_freeze(fd))
		err = -errno;
out:
	free(page);
	if (err && fd >= 0)
		close(fd);
	return err ? err : fd;
}

int loader_install(struct loader *l, uint64_t cgroup_id, const struct ag_image *img)
{
	struct ag_state st;
	__u32 inner_id;
	int fd, err, exists;

	err = check_image(img);
	if (err)
		return err;
	fd = image_map(img);
	if (fd < 0)
		return fd;
	err = lock(l);
	if (err)
		goto out;
	err = read_state(l, &st);
	if (err)
		goto unlock;
	exists = !bpf_map_lookup_elem(l->fds[M_POLICIES], &cgroup_id, &inner_id);
	if (!exists) {
		/* Count first: a count too high only costs lookups, too low would skip checks. */
		st.npolicies++;
		err = write_state(l, &st);
		if (err)
			goto unlock;
	}
	if (bpf_map_update_elem(l->fds[M_POLICIES], &cgroup_id, &fd, BPF_ANY)) {
		err = -errno;
		goto unlock;
	}
	st.generation++;
	err = write_state(l, &st);
unlock:
	unlock(l);
out:
	close(fd);
	return err;
}

int loader_remove(struct loader *l, uint64_t cgroup_id)
{
	struct ag_state st;
	int err;

	err = lock(l);
	if (err)
		return err;
	if (bpf_map_delete_elem(l->fds[M_POLICIES], &cgroup_id)) {
		err = -errno;
		goto unlock;
	}
	bpf_map_delete_elem(l->fds[M_STREAMS], &cgroup_id); /* most policies have none */
	loader_dns_unregister(l, cgroup_id);
	loader_forget(l, cgroup_id);
	err = read_state(l, &st);
	if (err)
		goto unlock;
	if (st.npolicies)
		st.npolicies--;
	st.generation++;
	err = write_state(l, &st);
unlock:
	unlock(l);
	return err;
}

/* Whether the cgroup with this id still exists: its id is its kernfs file handle. */
static int cgroup_alive(int root_fd, uint64_t id)
{
	struct {
		struct file_handle fh;
		uint64_t id;
	} h = { .fh = { .handle_bytes = sizeof(uint64_t), .handle_type = 0xfe /* FILEID_KERNFS */ },
		.id = id };
	int fd;

	fd = open_by_handle_at(root_fd, &h.fh, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		close(fd);
		return 1;
	}
	return errno == ESTALE || errno == ENOENT ? 0 : -errno;
}

int loader_gc(struct loader *l, const char *cgroup_root)
{
	uint64_t ids[AG_MAX_POLICIES];
	int root_fd, n, i, alive, removed = 0, err = 0;

	root_fd = open(cgroup_root ? cgroup_root : "/sys/fs/cgroup",
		       O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0)
		return -errno;
	n = count_policies(l->fds[M_POLICIES], ids, AG_MAX_POLICIES);
	for (i = 0; i < n && i < (int)AG_MAX_POLICIES; i++) {
		alive = cgroup_alive(root_fd, ids[i]);
		if (alive < 0) {
			err = alive;
			break;
		}
		if (!alive && !loader_remove(l, ids[i]))
			removed++;
	}
	close(root_fd);
	if (n < 0)
		return n;
	return err ? err : removed;
}

int loader_dns_register(struct loader *l, uint64_t cgroup_id, uint16_t port4, uint16_t port6)
{
	struct ag_dns_proxy px = { .port4 = port4, .port6 = port6 };

	return bpf_map_update_elem(l->fds[M_DNS], &cgroup_id, &px, BPF_ANY) ? -errno : 0;
}

int loader_dns_unregister(struct loader *l, uint64_t cgroup_id)
{
	return bpf_map_delete_elem(l->fds[M_DNS], &cgroup_id) ? -errno : 0;
}

int loader_learn(struct loader *l, uint64_t cgroup_id, const uint8_t addr[16], const char *name,
		 size_t name_len, uint64_t expires_ns)
{
	struct ag_learned_key k = { .cgroup_id = cgroup_id };
	struct ag_learned_val v = { .expires_ns = expires_ns };

	if (name_len >= AG_DNS_NAME_MAX)
		return -ENAMETOOLONG;
	memcpy(k.addr, addr, sizeof(k.addr));
	memcpy(v.name, name, name_len);
	v.name_len = (__u32)name_len;
	return bpf_map_update_elem(l->fds[M_LEARNED], &k, &v, BPF_ANY) ? -errno : 0;
}

int loader_dns_client(struct loader *l, int family, int proto, uint16_t port,
		      struct ag_dns_client *out)
{
	struct ag_dns_client_key k = { .family = (__u16)family,
				       .port = port,
				       .proto = (__u16)proto };

	return bpf_map_lookup_elem(l->fds[M_DNS_CLIENTS], &k, out) ? -errno : 0;
}

int loader_forget(struct loader *l, uint64_t cgroup_id)
{
	struct ag_learned_key key, next;
	void *prev = NULL;
	int n = 0;

	/* Deleting the key just visited would restart the walk: delete one step behind. */
	while (!bpf_map_get_next_key(l->fds[M_LEARNED], prev, &next)) {
		if (prev && key.cgroup_id == cgroup_id &&
		    !bpf_map_delete_elem(l->fds[M_LEARNED], &key))
			n++;
		key = next;
		prev = &key;
	}
	if (prev && key.cgroup_id == cgroup_id && !bpf_map_delete_elem(l->fds[M_LEARNED], &key))
		n++;
	return n;
}

int loader_policies(struct loader *l, uint64_t *ids, size_t max)
{
	return count_policies(l->fds[M_POLICIES], ids, max);
}

static int on_record(void *ctx, void *data, size_t size)
{
	struct loader *l = ctx;
	const struct ag_event *ev = data;

	if (size < AG_EVENT_HDR_SIZE || ev->subject_len > AG_MAX_INPUT ||
	    AG_EVENT_HDR_SIZE + ev->subject_len > size)
		return 0; /* not a record this build understands */
	return l->fn(l->fn_ctx, ev, size);
}

int loader_subscribe(struct loader *l, uint64_t cgroup_id, loader_event_fn fn, void *ctx)
{
	int fd;

	if (l->rb)
		return -EBUSY;
	fd = l->fds[M_EVENTS];
	if (cgroup_id) {
		fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "ag_stream", 0, 0, AG_STREAM_BYTES, NULL);
		if (fd < 0)
			return -errno;
		if (bpf_map_update_elem(l->fds[M_STREAMS], &cgroup_id, &fd, BPF_ANY)) {
			close(fd);
			return -errno;
		}
		l->stream_cgroup = cgroup_id;
		l->stream_fd = fd;
	}
	l->fn = fn;
	l->fn_ctx = ctx;
	l->rb = ring_buffer__new(fd, on_record, l, NULL);
	return l->rb ? 0 : -errno;
}

int loader_poll(struct loader *l, int timeout_ms)
{
	int n, m;

	if (!l->rb)
		return -EINVAL;
	n = ring_buffer__poll(l->rb, timeout_ms);
	if (n < 0)
		return n == -EINTR ? 0 : n;
	/* Records written without a wake-up (bpf/: only batches wake) are not signalled. */
	m = ring_buffer__consume(l->rb);
	return m < 0 ? m : n + m;
}

int loader_events_fd(struct loader *l)
{
	return l->rb ? ring_buffer__epoll_fd(l->rb) : -EINVAL;
}

int loader_drops(struct loader *l, uint64_t *total)
{
	int ncpu = libbpf_num_possible_cpus(), i;
	__u32 zero = 0;
	uint64_t *v;

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	v = calloc(ncpu, sizeof(*v));
	if (!v)
		return -ENOMEM;
	if (bpf_map_lookup_elem(l->fds[M_DROPS], &zero, v)) {
		free(v);
		return -errno;
	}
	*total = 0;
	for (i = 0; i < ncpu; i++)
		*total += v[i];
	free(v);
	return 0;
}

int loader_errors_fd(struct loader *l)
{
	return l->fds[M_ERRORS];
}

int loader_cgroup_id(const char *path, uint64_t *id)
{
	struct statfs fs;
	struct stat sb;

	if (statfs(path, &fs))
		return -errno;
	if (fs.f_type != CGROUP2_SUPER_MAGIC)
		return -ENOTDIR;
	if (stat(path, &sb))
		return -errno;
	*id = sb.st_ino;
	return 0;
}

const char *loader_strerror(int err)
{
	switch (err) {
	case -EPROTO:
		return "the pinned state under " AG_PIN_DIR " comes from another agentgate build "
		       "(remove it once nothing needs its policies, or reboot)";
	case -ENOTDIR:
		return "not a cgroup v2 directory";
	default:
		return strerror(-err);
	}
}

static int inode_key(const char *path, struct ag_inode_key *k)
{
	struct stat sb;

	if (stat(path, &sb))
		return -errno;
	/* The kernel's internal dev_t, as sb->s_dev holds it. */
	k->dev = ((uint64_t)major(sb.st_dev) << 20) | minor(sb.st_dev);
	k->ino = sb.st_ino;
	return 0;
}

/* owner: AG_PROTECT_DAEMON (set once) or 1 (one more exec); add < 0 takes it back. */
static int protect_update(struct loader *l, const char *path, __u32 owner, int add)
{
	struct ag_inode_key k;
	__u32 v = 0;
	int err;

	err = inode_key(path, &k);
	if (err)
		return err;
	err = lock(l);
	if (err)
		return err;
	if (bpf_map_lookup_elem(l->fds[M_PROTECTED], &k, &v))
		v = 0;
	if (owner == AG_PROTECT_DAEMON)
		v = add > 0 ? v | owner : v & ~owner;
	else if (add > 0)
		v++;
	else if (v & ~AG_PROTECT_DAEMON)
		v--;
	if (v)
		err = bpf_map_update_elem(l->fds[M_PROTECTED], &k, &v, BPF_ANY) ? -errno : 0;
	else
		err = bpf_map_delete_elem(l->fds[M_PROTECTED], &k) && errno != ENOENT ? -errno : 0;
	unlock(l);
	return err;
}

int loader_protect(struct loader *l, const char *path, bool daemon)
{
	return protect_update(l, path, daemon ? AG_PROTECT_DAEMON : 1, 1);
}

int loader_unprotect(struct loader *l, const char *path, bool daemon)
{
	return protect_update(l, path, daemon ? AG_PROTECT_DAEMON : 1, -1);
}
