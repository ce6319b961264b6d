// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * What the kernel keeps out of confined tasks' reach (agentgate's own files,
 * by inode; its loopback ports) and which tasks it judges under on_exec
 * policies (ag_armed).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/sysmacros.h>
#include <bpf/bpf.h>
#include "loader_int.h"
#include "loader_state.h"
#include "util/path_walk.h"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

/*
 * The caller may have frozen tasks that hold the lock (an `agentgate exec` of
 * the cgroup mid-install): waited for this long, not for ever.
 */
#define ARM_LOCK_WAIT_MS 5000
/* A task the walk could not mark (memory, or its storage busy on that CPU): walked again. */
#define ARM_WALKS 3

int loader_arm_cgroup(struct loader *l, uint64_t cgroup_id)
{
	struct ag_state st;
	size_t failed = 0;
	int err, err2, i;

	err = loader_lock_wait(l, ARM_LOCK_WAIT_MS);
	if (err)
		return err;
	err = loader_state_read(l, &st);
	if (err)
		goto out;
	st.arm_cgroup_id = cgroup_id;
	err = loader_state_write(l, &st);
	for (i = 0; !err && i < ARM_WALKS && (!i || failed); i++)
		err = loader_iter_run(l->arm_iter_fd, &failed);
	/* Cleared whatever happened: a later walk (none runs but here) must arm nothing. */
	st.arm_cgroup_id = 0;
	err2 = loader_state_write(l, &st);
	if (!err)
		err = err2 ? err2 : failed ? -ENOMEM : 0;
out:
	loader_unlock(l);
	return err;
}

/* The id of the mount fd's file is on (its fdinfo's mnt_id). */
static int fd_mnt_id(int fd, int *id)
{
	char path[64], line[256];
	int err = -ENOENT;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "mnt_id: %d", id) == 1) {
			err = 0;
			break;
		}
	fclose(f);
	return err;
}

/* path's inode as the kernel names it (a symbolic link's own). */
static int inode_key(const char *path, struct ag_inode_key *k)
{
	unsigned int maj, min;
	struct stat sb;
	int fd, id, err;

	fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = fstat(fd, &sb) ? -errno : 0;
	if (!err) {
		maj = major(sb.st_dev);
		min = minor(sb.st_dev);
		/*
		 * The kernel compares the superblock's s_dev, which mountinfo shows;
		 * stat's st_dev is the same but on btrfs (a subvolume's device).
		 */
		if (!fd_mnt_id(fd, &id))
			loader_mountinfo_dev("/proc/self/mountinfo", id, &maj, &min);
		/* The kernel's internal dev_t, as sb->s_dev holds it. */
		k->dev = ((uint64_t)maj << 20) | min;
		k->ino = sb.st_ino;
	}
	close(fd);
	return err;
}

/* The entry of k; 0 when there is none. The caller holds the loader lock. */
static __u32 protect_get(struct loader *l, const struct ag_inode_key *k)
{
	__u32 v;

	return bpf_map_lookup_elem(FD(l, protected), k, &v) ? 0 : v;
}

/* The entry of k becomes v; 0 removes it. */
static int protect_put(struct loader *l, const struct ag_inode_key *k, __u32 v)
{
	if (v)
		return bpf_map_update_elem(FD(l, protected), k, &v, BPF_ANY) ? -errno : 0;
	return bpf_map_delete_elem(FD(l, protected), k) && errno != ENOENT ? -errno : 0;
}

/*
 * The entry of k goes from was to v. Memoized opens skip the lookup of whether a
 * file is marked (bpf/lib/memo.h), so the generation moves when an inode becomes
 * marked or unmarked, not when only its count changes: an exec sharing a policy
 * file with another then leaves every memo standing. A generation that could not
 * move takes the entry back to was, since no later count change would move it.
 * The caller holds the loader lock.
 */
static int protect_store(struct loader *l, const struct ag_inode_key *k, __u32 was, __u32 v)
{
	int err = protect_put(l, k, v);

	/* Only file_open memoizes, and it sees a directory that is only above as unmarked. */
	if (err || !(was & ~AG_PROTECT_ABOVE) == !(v & ~AG_PROTECT_ABOVE))
		return err;
	err = loader_protect_changed(l);
	if (err)
		protect_put(l, k, was);
	return err;
}

/*
 * The entry of k under owner's mark: AG_PROTECT_DAEMON (set once) or an exec's
 * (counted); above: its AG_PROTECT_ABOVE part instead. add < 0 takes the mark
 * back, but a daemon's above a file: another daemon mark may share the
 * directory, and the daemon's marks outlive it anyway.
 */
static int protect_update(struct loader *l, const struct ag_inode_key *k, __u32 owner, int add,
			  bool above)
{
	__u32 was, v, count = above ? AG_PROTECT_ABOVE_COUNT : AG_PROTECT_COUNT;
	__u32 one = above ? AG_PROTECT_ABOVE_ONE : 1;
	int err;

	err = loader_lock(l);
	if (err)
		return err;
	was = protect_get(l, k);
	/* An inode reused since it was an ask socket must not stay reachable. */
	v = was & ~AG_PROTECT_ASK;
	if (owner == AG_PROTECT_DAEMON) {
		if (add > 0)
			v |= above ? AG_PROTECT_ABOVE_DAEMON : AG_PROTECT_DAEMON;
		else if (!above)
			v &= ~AG_PROTECT_DAEMON;
	} else if (add > 0) {
		if ((v & count) == count)
			err = -EOVERFLOW;
		else
			v += one;
	} else if (v & count) {
		v -= one;
	}
	if (!err)
		err = protect_store(l, k, was, v);
	loader_unlock(l);
	return err;
}

static __u32 owner_of(const struct loader_marked *rec)
{
	return rec->daemon ? AG_PROTECT_DAEMON : 1;
}

/* Marks path's inode (a symbolic link's own) and notes it in rec. */
static int mark(struct loader *l, struct loader_marked *rec, const char *path, bool above)
{
	struct ag_inode_key k;
	struct loader_mark *m;
	int err;

	err = inode_key(path, &k);
	if (err)
		return err;
	if (rec->n == rec->cap) {
		m = reallocarray(rec->m, rec->cap ? 2 * rec->cap : 16, sizeof(*m));
		if (!m)
			return -ENOMEM;
		rec->m = m;
		rec->cap = rec->cap ? 2 * rec->cap : 16;
	}
	err = protect_update(l, &k, owner_of(rec), 1, above);
	if (!err)
		rec->m[rec->n++] = (struct loader_mark){ .key = k, .above = above };
	return err;
}

/* Takes back rec's marks, newest first. Returns the first error. */
static int unmark(struct loader *l, struct loader_marked *rec)
{
	int err = 0, e;

	while (rec->n) {
		rec->n--;
		e = protect_update(l, &rec->m[rec->n].key, owner_of(rec), -1, rec->m[rec->n].above);
		err = err ? err : e;
	}
	return err;
}

struct mark_walk {
	struct loader *l;
	struct loader_marked *rec;
};

/*
 * What path_walk() met: a link on the way or a directory ".." left is marked as
 * above a file, the last link or the file as agentgate's; then the directories
 * above it up to the root's entries (include/maps.h).
 */
static int mark_entry(void *ctx, const char *entry, bool link, bool last)
{
	struct mark_walk *w = ctx;
	char d[PATH_MAX];
	int err;

	err = mark(w->l, w->rec, entry, !last);
	snprintf(d, sizeof(d), "%s", entry);
	for (path_strip_last(d); !err && d[0]; path_strip_last(d))
		err = mark(w->l, w->rec, d, true);
	return err;
}

static void marked_free(struct loader_marked *rec)
{
	free(rec->path);
	free(rec->m);
}

int loader_protect(struct loader *l, const char *path, bool daemon)
{
	struct loader_marked rec = { .daemon = daemon }, *grown;
	size_t i;
	int err;

	rec.path = strdup(path);
	if (!rec.path)
		return -ENOMEM;
	grown = reallocarray(l->marked, l->nmarked + 1, sizeof(*grown));
	if (!grown) {
		free(rec.path);
		return -ENOMEM;
	}
	l->marked = grown;
	err = path_walk(path, mark_entry, &(struct mark_walk){ .l = l, .rec = &rec });
	/* An exec's marks this call took are taken back if one fails; a daemon's stay. */
	if (err) {
		if (!daemon)
			unmark(l, &rec);
		marked_free(&rec);
		return err;
	}
	/* A daemon's marks are bits, set again: its newest walk of a path replaces the last. */
	for (i = 0; daemon && i < l->nmarked; i++)
		if (l->marked[i].daemon && !strcmp(l->marked[i].path, path)) {
			marked_free(&l->marked[i]);
			l->marked[i] = rec;
			return 0;
		}
	l->marked[l->nmarked++] = rec;
	return 0;
}

int loader_unprotect(struct loader *l, const char *path, bool daemon)
{
	size_t i = l->nmarked;
	int err;

	while (i && (l->marked[i - 1].daemon != daemon || strcmp(l->marked[i - 1].path, path)))
		i--;
	if (!i)
		return -ENOENT;
	err = unmark(l, &l->marked[i - 1]);
	marked_free(&l->marked[i - 1]);
	memmove(&l->marked[i - 1], &l->marked[i], (l->nmarked - i) * sizeof(*l->marked));
	l->nmarked--;
	return err;
}

void loader_marks_free(struct loader *l)
{
	while (l->nmarked)
		marked_free(&l->marked[--l->nmarked]);
	free(l->marked);
	l->marked = NULL;
}

int loader_protect_ask(struct loader *l, const char *path, bool add)
{
	struct ag_inode_key k;
	__u32 was;
	int err;

	err = inode_key(path, &k);
	if (err)
		return err;
	err = loader_lock(l);
	if (err)
		return err;
	was = protect_get(l, &k);
	/* The socket was bound by its owner just now: a fresh inode, its entry replaced whole. */
	err = protect_store(l, &k, was, add ? AG_PROTECT_ASK : 0);
	loader_unlock(l);
	return err;
}

int loader_ask_peer(struct loader *l, int sock_fd, struct ag_ask_peer *peer)
{
	/* Socket storage maps take the socket's descriptor as the key from userspace. */
	return bpf_map_lookup_elem(FD(l, ask_peers), &sock_fd, peer) ? -errno : 0;
}

/* The caller's network namespace as the kernel names it (net_cookie), through a socket of it. */
static int netns_cookie(__u64 *out)
{
	socklen_t len = sizeof(*out);
	int fd, err = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, out, &len))
		err = -errno;
	close(fd);
	return err;
}

int loader_protect_port(struct loader *l, uint16_t port, bool on)
{
	struct ag_port_key k = { .port = port };
	__u32 owner = (__u32)getpid();
	int err;

	err = netns_cookie(&k.netns);
	if (err)
		return err;
	err = loader_lock(l);
	if (err)
		return err;
	if (on && bpf_map_update_elem(FD(l, protected_ports), &k, &owner, BPF_ANY))
		err = errno == E2BIG ? -ENOSPC : -errno;
	else if (!on && bpf_map_delete_elem(FD(l, protected_ports), &k) && errno != ENOENT)
		err = -errno;
	loader_unlock(l);
	return err;
}

/* Whether the mark of key k (visited one step behind the walk) is an exited process's: removed. */
static int drop_orphan(struct loader *l, const struct ag_port_key *k)
{
	__u32 pid;

	if (bpf_map_lookup_elem(FD(l, protected_ports), k, &pid) || !pid)
		return 0;
	if (!kill((pid_t)pid, 0) || errno != ESRCH)
		return 0; /* alive (EPERM: alive, another user's) */
	return !bpf_map_delete_elem(FD(l, protected_ports), k);
}

int loader_gc_ports(struct loader *l)
{
	struct ag_port_key key, next;
	void *prev = NULL;
	int n = 0, err;

	err = loader_lock(l);
	if (err)
		return err;
	while (!bpf_map_get_next_key(FD(l, protected_ports), prev, &next)) {
		if (prev)
			n += drop_orphan(l, &key);
		key = next;
		prev = &key;
	}
	err = errno == ENOENT ? 0 : -errno;
	if (prev)
		n += drop_orphan(l, &key);
	loader_unlock(l);
	return err ? err : n;
}
