// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Small file helpers: writing a knob, mkdir -p, reading links. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include "file.h"

int file_write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) < 0)
		err = -errno;
	close(fd);
	return err;
}

int file_read_head(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size);
	if (n < 0)
		n = -errno;
	close(fd);
	return (int)n;
}

int file_open_regular(const char *path, int null_ok)
{
	struct stat st;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		err = -errno;
		close(fd);
		return err;
	}
	if (S_ISREG(st.st_mode) || (null_ok && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3)))
		return fd;
	close(fd);
	return S_ISDIR(st.st_mode) ? -EISDIR : -EMEDIUMTYPE;
}

/*
 * The caller's umask would otherwise narrow mode (a 077 one made the ask
 * socket's directory unreachable to agents of other users). The mode is set
 * through the new directory's own fd, never through a link put in its place;
 * a directory that could not be given its mode is removed again.
 */
int mkdir_new(const char *p, mode_t mode)
{
	int fd, err = 0;

	if (mkdir(p, mode))
		return -errno;
	fd = open(p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno; /* not ours any more: a link or file in its place */
	if (fchmod(fd, mode)) {
		err = -errno;
		rmdir(p);
	}
	close(fd);
	return err;
}

/* One directory of mkdir_p: made with its mode, or left as it is when it exists. */
static int mkdir_mode(const char *p, mode_t mode)
{
	int err = mkdir_new(p, mode);

	return err == -EEXIST ? 0 : err;
}

int mkdir_p(const char *dir, mode_t parents, mode_t last)
{
	char p[PATH_MAX];
	size_t i;
	int err;

	if (snprintf(p, sizeof(p), "%s", dir) >= (int)sizeof(p))
		return -ENAMETOOLONG;
	for (i = 1; p[i]; i++) {
		if (p[i] != '/')
			continue;
		p[i] = '\0';
		err = mkdir_mode(p, parents);
		if (err)
			return err;
		p[i] = '/';
	}
	return mkdir_mode(p, last);
}

int mkdir_parent(const char *path, mode_t parents, mode_t last)
{
	char dir[PATH_MAX], *slash;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	return mkdir_p(dir, parents, last);
}

int link_read(const char *path, char *out, size_t outsz)
{
	ssize_t n = readlink(path, out, outsz - 1);

	if (n < 0)
		return -errno;
	if ((size_t)n == outsz - 1)
		return -ENAMETOOLONG; /* readlink cuts without saying so */
	out[n] = '\0';
	return (int)n;
}

void proc_exe(unsigned int pid, uint64_t ino, uint32_t kdev, char *out, size_t outsz)
{
	char link[64];
	struct stat sb;

	snprintf(link, sizeof(link), "/proc/%u/exe", pid);
	out[0] = '\0';
	/* The kernel's dev_t: major in the top 12 bits, minor in the low 20. */
	if (ino && (stat(link, &sb) || sb.st_ino != ino ||
		    sb.st_dev != makedev(kdev >> 20, kdev & 0xfffff)))
		return; /* another program by now (pid reused, or exec'd): not named */
	if (link_read(link, out, outsz) < 0)
		out[0] = '\0';
}

int proc_cgroup_fd(int fd, char *out, size_t outsz)
{
	char line[PATH_MAX + 8];
	int err = -ENOENT;
	FILE *f = fdopen(fd, "re");

	if (!f) {
		err = -errno;
		close(fd);
		return err;
	}
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3))
			continue;
		line[strcspn(line, "\n")] = '\0';
		err = snprintf(out, outsz, "%s", line + 3) < (int)outsz ? 0 : -ENAMETOOLONG;
		break;
	}
	fclose(f);
	return err;
}

int proc_cgroup(int pid, char *out, size_t outsz)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : proc_cgroup_fd(fd, out, outsz);
}

int file_same(const char *a, const char *b)
{
	struct stat sa, sb;

	return !stat(a, &sa) && !stat(b, &sb) && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

int file_sync_dir(const char *path)
{
	char dir[4096], *slash;
	int fd, err = 0;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	slash = strrchr(dir, '/');
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else
		slash[slash == dir] = '\0'; /* "/x": the root itself */
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd))
		err = -errno;
	close(fd);
	return err;
}

int file_replace(const char *path, const void *buf, size_t len, mode_t mode)
{
	char tmp[4096];
	int fd, err = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	errno = 0;
	if (write(fd, buf, len) != (ssize_t)len || fsync(fd))
		err = errno ? -errno : -EIO;
	close(fd);
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err ? err : file_sync_dir(path);
}
