/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Small file helpers used across userspace: 0 (or a length) or a negative errno, no output. */
#ifndef AGENTGATE_UTIL_FILE_H
#define AGENTGATE_UTIL_FILE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Writes s to the existing file path (cgroup and proc knobs: no create, no truncate). */
int file_write_str(const char *path, const char *s);
/* Reads at most size (< 2 GiB) bytes from the start of path: the count, or -errno. */
int file_read_head(const char *path, char *buf, size_t size);

/*
 * Opens path for reading, never blocking (O_NONBLOCK stays set): a regular
 * file, or /dev/null when null_ok; else -EISDIR for a directory and
 * -EMEDIUMTYPE for a FIFO, socket or other device, which would block a
 * reader until written (or never end). The fd, or a negative errno.
 */
int file_open_regular(const char *path, int null_ok);
/* mkdir of p with exactly mode, whatever the umask: -EEXIST when p exists. */
int mkdir_new(const char *p, mode_t mode);
/*
 * mkdir -p of dir: missing parents get mode parents, dir itself mode last, whatever
 * the umask; directories that exist keep theirs.
 */
int mkdir_p(const char *dir, mode_t parents, mode_t last);
/* mkdir -p of the directory path is in (nothing for "name" or "/name"). */
int mkdir_parent(const char *path, mode_t parents, mode_t last);

/*
 * Replaces path with buf[0..len) whole or not at all: written to "PATH.tmp"
 * (created with mode, never through a symlink), synced, renamed over path,
 * the rename synced (file_sync_dir). 0 or a negative errno; the temporary
 * file is removed on failure.
 */
int file_replace(const char *path, const void *buf, size_t len, mode_t mode);
/* 1 when a and b (links followed) are one file, 0 when not or when either cannot be had. */
int file_same(const char *a, const char *b);
/* The directory holding path synced: a rename or unlink there outlives a power loss. */
int file_sync_dir(const char *path);

/* The target of the symbolic link path, NUL-terminated; returns its length, -ENAMETOOLONG when outsz cannot hold it. */
int link_read(const char *path, char *out, size_t outsz);
/*
 * The executable of process pid, "" when it cannot be read (the process
 * exited) or is no longer the file the kernel saw act (inode ino on the
 * device kdev, in the kernel's dev_t encoding; ino 0: not checked): for
 * records about pid, never naming another program.
 */
void proc_exe(unsigned int pid, uint64_t ino, uint32_t kdev, char *out, size_t outsz);
/* The cgroup v2 path of process pid, as /proc/PID/cgroup's "0::" line names it. */
int proc_cgroup(int pid, char *out, size_t outsz);
/* The same from a cgroup file open as fd, which it closes (-ENOENT: no "0::" line). */
int proc_cgroup_fd(int fd, char *out, size_t outsz);

#endif /* AGENTGATE_UTIL_FILE_H */
