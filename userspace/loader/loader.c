// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Load or adopt agentgate's pinned BPF state; install and remove policies. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "loader.h"
#include "loader_int.h"
#include "maps.h"
#include "loader_state.h"
#include "util/cgroup.h"

#define DEFAULT_RINGBUF (2u << 20)

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

static int pin_path(const char *kind, const char *name, char *path, size_t size)
{
	size_t n = strlen(LOADER_NAME_PREFIX);
	int len;

	if (!strncmp(name, LOADER_NAME_PREFIX, n))
		name += n;
	len = snprintf(path, size, AG_PIN_DIR "/%s%s", kind, name);
	return len < 0 || (size_t)len >= size ? -ENAMETOOLONG : 0;
}

int loader_map_pin(const struct bpf_map *map, char *path, size_t size)
{
	return pin_path("", bpf_map__name(map), path, size);
}

int loader_link_pin(const struct bpf_program *prog, char *path, size_t size)
{
	return pin_path(LOADER_LINK_PREFIX, bpf_program__name(prog), path, size);
}

int loader_lock(struct loader *l)
{
	return flock(l->lock_fd, LOCK_EX) ? -errno : 0;
}

int loader_lock_wait(struct loader *l, int ms)
{
	for (;; ms -= 10) {
		if (!flock(l->lock_fd, LOCK_EX | LOCK_NB))
			return 0;
		if (errno != EWOULDBLOCK && errno != EINTR)
			return -errno;
		if (ms <= 0)
			return -EBUSY;
		usleep(10000);
	}
}

void loader_unlock(struct loader *l)
{
	flock(l->lock_fd, LOCK_UN);
}

int loader_state_read(struct loader *l, struct ag_state *st)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(FD(l, state), &zero, st) ? -errno : 0;
}

int loader_state_write(struct loader *l, const struct ag_state *st)
{
	__u32 zero = 0;

	return bpf_map_update_elem(FD(l, state), &zero, st, BPF_ANY) ? -errno : 0;
}

int loader_protect_changed(struct loader *l)
{
	struct ag_state st;
	int err = loader_state_read(l, &st);

	if (err)
		return err;
	st.protect_gen++;
	return loader_state_write(l, &st);
}

int loader_memo_on(struct loader *l)
{
	struct ag_state st;
	int err = loader_state_read(l, &st);

	return err ? err : st.rename_lock && st.mount_lock;
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

/* Removes the pins of obj's programs and maps, whichever exist. */
static void unpin_all(struct bpf_object *obj)
{
	struct bpf_program *prog;
	struct bpf_map *map;
	char path[PATH_MAX];

	bpf_object__for_each_program(prog, obj)
		if (!loader_link_pin(prog, path, sizeof(path)))
			unlink(path);
	bpf_object__for_each_map(map, obj)
		if (!loader_map_pin(map, path, sizeof(path)))
			unlink(path);
}

int loader_unpin(void)
{
	struct agentgate_bpf *skel;

	skel = agentgate_bpf__open();
	if (!skel)
		return -errno;
	unpin_all(skel->obj);
	agentgate_bpf__destroy(skel);
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

/*
 * Fails closed: every program of obj that is not exempt must have its link pinned, or
 * a hook would go unenforced. -ENOLINK names that case.
 */
static int check_links(struct bpf_object *obj)
{
	struct bpf_program *prog;
	char path[PATH_MAX];
	int fd, err;

	bpf_object__for_each_program(prog, obj) {
		switch (loader_attach_plan(prog)) {
		case LOADER_ATTACH_EXEMPT:
		case LOADER_ATTACH_ABSENT:
			continue;
		case LOADER_ATTACH_NONE:
			return -ENOLINK;
		default:
			break;
		}
		err = loader_link_pin(prog, path, sizeof(path));
		if (err)
			return err;
		fd = bpf_obj_get(path);
		if (fd < 0)
			return errno == ENOENT ? -ENOLINK : -errno;
		close(fd);
	}
	return 0;
}

/*
 * The kernel's rename_lock and mount_lock from /proc/kallsyms into st; false when
 * it shows no addresses (kptr_restrict, no CAP_SYSLOG): then file opens are not
 * memoized, which is only slower.
 */
static bool read_seqlocks(struct ag_state *st)
{
	static const char *const names[] = { "rename_lock", "mount_lock" };
	__u64 locks[2];

	if (loader_ksyms("/proc/kallsyms", names, locks, 2))
		return false;
	st->rename_lock = locks[0];
	st->mount_lock = locks[1];
	return true;
}

/* The opened object's map takes its fd from the map's pin. */
static int adopt_map(struct bpf_map *map)
{
	char path[PATH_MAX];
	int fd, err;

	err = loader_map_pin(map, path, sizeof(path));
	if (err)
		return err;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	err = bpf_map__reuse_fd(map, fd);
	close(fd);
	return err;
}

static int adopt(struct loader *l)
{
	struct bpf_map *map, *state = l->skel->maps.ag_state;
	struct ag_state st;
	bool fix = false, memo;
	int n, err;

	/* State first: pins of another build are refused before their maps are looked at. */
	err = adopt_map(state);
	if (!err)
		err = loader_state_read(l, &st);
	if (err)
		return err;
	if (st.maps_version != AG_MAPS_VERSION || st.object_hash != object_hash())
		return -EPROTO;
	bpf_object__for_each_map(map, l->skel->obj) {
		if (map == state)
			continue;
		err = adopt_map(map);
		if (err)
			return err;
	}
	err = check_links(l->skel->obj);
	if (err)
		return err;
	/* A process killed between two steps of an install leaves the count high: fix it. */
	n = count_policies(FD(l, policies), NULL, 0);
	if (n < 0)
		return n;
	if (st.npolicies != (uint64_t)n) {
		st.npolicies = n;
		st.generation++;
		fix = true;
	}
	/*
	 * Pins loaded by a process that could not read the addresses (no CAP_SYSLOG,
	 * kptr_restrict then) have no memo; a process that can read them turns it on.
	 * The programs read each address as one aligned word, and a zero one is off.
	 * Only speed is at stake: a failed write leaves the memo off, not an error.
	 */
	memo = (!st.rename_lock || !st.mount_lock) && read_seqlocks(&st);
	if (fix || memo) {
		err = loader_state_write(l, &st);
		if (err && fix)
			return err;
	}
	return 0;
}

static int pin_map(struct bpf_map *map)
{
	char path[PATH_MAX];
	int err;

	err = loader_map_pin(map, path, sizeof(path));
	return err ? err : bpf_map__pin(map, path);
}

/* Attaches prog as its plan says and pins the link; the pin keeps it attached. */
static int attach_and_pin(struct bpf_program *prog, int cg_fd)
{
	struct bpf_link *link;
	char path[PATH_MAX];
	int err;

	err = loader_link_pin(prog, path, sizeof(path));
	if (err)
		return err;
	switch (loader_attach_plan(prog)) {
	case LOADER_ATTACH_EXEMPT:
	case LOADER_ATTACH_ABSENT:
		return 0;
	case LOADER_ATTACH_AUTO:
		link = bpf_program__attach(prog);
		break;
	case LOADER_ATTACH_ITER:
		link = bpf_program__attach_iter(prog, NULL);
		break;
	case LOADER_ATTACH_CGROUP:
		link = bpf_program__attach_cgroup(prog, cg_fd);
		break;
	default:
		return -ENOLINK;
	}
	if (!link)
		return -errno;
	err = bpf_link__pin(link, path);
	bpf_link__destroy(link);
	return err;
}

/* "state" is pinned last, so its presence means a complete set. */
static int load_and_pin(struct loader *l, const struct loader_opts *opts)
{
	struct bpf_map *map, *state = l->skel->maps.ag_state;
	struct ag_state st = { .maps_version = AG_MAPS_VERSION, .object_hash = object_hash() };
	struct bpf_program *prog;
	int err, cg_fd = -1;

	st.fold_ms = !opts || !opts->fold_ms ? AG_FOLD_MS_DEFAULT :
		     opts->fold_ms < 0	     ? 0 :
					       (__u32)opts->fold_ms;
	/* The fold key's secret: an agent that could guess it could hide records (maps.h). */
	if (getrandom(st.fold_key, sizeof(st.fold_key), 0) != sizeof(st.fold_key))
		return -EIO;
	read_seqlocks(&st);

	err = bpf_map__set_max_entries(l->skel->maps.ag_events, opts && opts->ringbuf_bytes ?
									opts->ringbuf_bytes :
									DEFAULT_RINGBUF);
	if (!err)
		err = agentgate_bpf__load(l->skel);
	if (!err)
		err = loader_state_write(l, &st);
	if (err)
		goto cleanup;
	bpf_object__for_each_map(map, l->skel->obj) {
		if (map == state)
			continue;
		err = pin_map(map);
		if (err)
			goto cleanup;
	}
	cg_fd = open(CGROUP_ROOT, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg_fd < 0) {
		err = -errno;
		goto cleanup;
	}
	bpf_object__for_each_program(prog, l->skel->obj) {
		err = attach_and_pin(prog, cg_fd);
		if (err)
			goto cleanup;
	}
	err = check_links(l->skel->obj);
	if (!err)
		err = pin_map(state);
cleanup:
	if (err) {
		unpin_all(l->skel->obj);
		rmdir(AG_PIN_DIR);
	}
	if (cg_fd >= 0)
		close(cg_fd);
	return err;
}

int loader_open(struct loader **out, const struct loader_opts *opts)
{
	struct loader *l;
	struct stat sb;
	int err;

	libbpf_set_print(opts && opts->verbose ? verbose_print : quiet_print);
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	pthread_mutex_init(&l->learn_lock, NULL);
	pthread_mutex_init(&l->seen_lock, NULL);
	l->iter_fd = -1;
	l->arm_iter_fd = -1;
	l->lock_fd = open(AG_LOCK_FILE, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (l->lock_fd < 0) {
		err = -errno;
		goto fail;
	}
	l->skel = agentgate_bpf__open();
	if (!l->skel) {
		err = -errno;
		goto fail;
	}
	err = loader_skip_absent(l->skel->obj);
	if (!err)
		err = loader_lock(l);
	if (err)
		goto fail;
	err = ensure_bpffs();
	if (!err) {
		if (!stat(AG_PIN_DIR "/state", &sb)) {
			err = adopt(l);
		} else {
			unpin_all(l->skel->obj); /* leftovers of a load that died half-way */
			err = load_and_pin(l, opts);
		}
	}
	loader_unlock(l);
	if (!err)
		err = loader_iters_open(l);
	/* A confined root agent holding the lock would stall every install and removal. */
	if (!err)
		err = loader_protect(l, AG_LOCK_FILE, true);
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
	if (!l)
		return;
	ring_buffer__free(l->rb);
	if (l->stream_cgroup) {
		bpf_map_delete_elem(FD(l, streams), &l->stream_cgroup);
		close(l->stream_fd);
	}
	if (l->iter_fd >= 0)
		close(l->iter_fd);
	if (l->arm_iter_fd >= 0)
		close(l->arm_iter_fd);
	agentgate_bpf__destroy(l->skel);
	if (l->lock_fd >= 0)
		close(l->lock_fd);
	pthread_mutex_destroy(&l->learn_lock);
	pthread_mutex_destroy(&l->seen_lock);
	free(l->seen);
	loader_marks_free(l);
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
	err = loader_lock(l);
	if (err)
		goto out;
	err = loader_state_read(l, &st);
	if (err)
		goto unlock;
	exists = !bpf_map_lookup_elem(FD(l, policies), &cgroup_id, &inner_id);
	if (!exists) {
		/* Count first: a count too high only costs lookups, too low would skip checks. */
		st.npolicies++;
		err = loader_state_write(l, &st);
		if (err)
			goto unlock;
	}
	if (bpf_map_update_elem(FD(l, policies), &cgroup_id, &fd, BPF_ANY)) {
		err = -errno;
		goto unlock;
	}
	st.generation++;
	err = loader_state_write(l, &st);
unlock:
	loader_unlock(l);
out:
	close(fd);
	return err;
}

int loader_remove(struct loader *l, uint64_t cgroup_id)
{
	struct ag_state st;
	int err;

	err = loader_lock(l);
	if (err)
		return err;
	if (bpf_map_delete_elem(FD(l, policies), &cgroup_id)) {
		err = -errno;
		goto unlock;
	}
	bpf_map_delete_elem(FD(l, streams), &cgroup_id); /* most policies have none */
	/*
	 * The new generation before the cleanup below (a walk of ag_learned can be long):
	 * until it is written, the programs' caches still name this cgroup for its tasks,
	 * whose policy is now gone, and they would pass as unconfined rather than fall
	 * to an ancestor's policy.
	 */
	err = loader_state_read(l, &st);
	if (!err) {
		if (st.npolicies)
			st.npolicies--;
		st.generation++;
		err = loader_state_write(l, &st);
	}
	loader_dns_unregister(l, cgroup_id, LOADER_DNS_ALL);
	loader_forget(l, cgroup_id);
unlock:
	loader_unlock(l);
	return err;
}

/* Whether the cgroup with this id still exists: its id is its kernfs file handle. */
static int cgroup_alive(int root_fd, uint64_t id)
{
	int fd = cgroup_open_by_id(root_fd, id);

	if (fd >= 0) {
		close(fd);
		return 1;
	}
	return fd == -ESTALE ? 0 : fd;
}

static int cmp_id(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The ids still alive among ids[0..n), sorted: marked in one walk of the cgroup tree. */
struct gc_walk {
	uint64_t *ids;
	int n;
	unsigned char *alive;
};

static int gc_seen(void *ctx, uint64_t id)
{
	struct gc_walk *w = ctx;
	uint64_t *hit = bsearch(&id, w->ids, w->n, sizeof(*w->ids), cmp_id);

	if (hit)
		w->alive[hit - w->ids] = 1;
	return 0;
}

int loader_gc(struct loader *l, const char *cgroup_root)
{
	const char *root = cgroup_root ? cgroup_root : "/sys/fs/cgroup";
	uint64_t ids[AG_MAX_POLICIES];
	unsigned char alive[AG_MAX_POLICIES] = {};
	struct gc_walk w = { ids, 0, alive };
	int root_fd, n, i, u, removed = 0, err = 0;

	root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0)
		return -errno;
	n = count_policies(FD(l, policies), ids, AG_MAX_POLICIES);
	w.n = n < (int)AG_MAX_POLICIES ? n : (int)AG_MAX_POLICIES;
	for (i = 0; i < w.n; i++) {
		err = cgroup_alive(root_fd, ids[i]);
		if (err < 0)
			break;
		alive[i] = err;
		err = 0;
	}
	close(root_fd);
	/*
	 * open_by_handle_at needs CAP_DAC_READ_SEARCH, which a daemon may lack (a
	 * container that does not grant it): then the ids the tree holds are alive.
	 */
	if (err == -EPERM) {
		memset(alive, 0, sizeof(alive));
		qsort(ids, w.n, sizeof(*ids), cmp_id);
		/*
		 * One of each: a key deleted while count_policies walked restarts the
		 * kernel's walk, and a second copy bsearch never marks would look gone.
		 */
		for (i = 1, u = w.n > 0; i < w.n; i++)
			if (ids[i] != ids[u - 1])
				ids[u++] = ids[i];
		w.n = u;
		err = cgroup_ids(root, gc_seen, &w);
	}
	for (i = 0; !err && i < w.n; i++)
		if (!alive[i] && !loader_remove(l, ids[i]))
			removed++;
	i = loader_gc_ports(l);
	if (n < 0)
		return n;
	if (!err && i < 0)
		err = i;
	return err ? err : removed;
}

int loader_policies(struct loader *l, uint64_t *ids, size_t max)
{
	return count_policies(FD(l, policies), ids, max);
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
	fd = FD(l, events);
	if (cgroup_id) {
		fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "ag_stream", 0, 0, AG_STREAM_BYTES, NULL);
		if (fd < 0)
			return -errno;
		if (bpf_map_update_elem(FD(l, streams), &cgroup_id, &fd, BPF_ANY)) {
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
	/*
	 * Counts of folded decisions wait in the tasks until a reader asks for them.
	 * A failed flush only delays them: the next one, a task's next decision or
	 * its exit sends them.
	 */
	if (loader_fold_due(l))
		loader_fold_flush(l);
	/* Records written without a wake-up (bpf/: only batches wake) are not signalled. */
	m = ring_buffer__consume(l->rb);
	return m < 0 ? m : n + m;
}

int loader_events_fd(struct loader *l)
{
	return l->rb ? ring_buffer__epoll_fd(l->rb) : -EINVAL;
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
	case -ENOLINK:
		return "a program of the BPF object has no link under " AG_PIN_DIR " (the loader "
		       "cannot attach its type, or its pin was removed): refusing to run with a "
		       "hook unenforced";
	default:
		return strerror(-err);
	}
}
