// SPDX-License-Identifier: GPL-2.0-only
/* The pin directory made whole or not at all (see pindir.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "pindir.h"

int pin_path(char *buf, const char *dir, const char *name)
{
	size_t d = strlen(dir), n = strlen(name);

	if (d + 1 + n >= PATH_MAX)
		return -ENAMETOOLONG;
	memcpy(buf, dir, d);
	buf[d] = '/';
	memcpy(buf + d + 1, name, n + 1);
	return 0;
}

/* True when fd is still the directory at path (not renamed away, not removed). */
static bool still_at(int fd, const char *path)
{
	struct stat a, b;

	return !fstat(fd, &a) && !stat(path, &b) && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int pindir_tmp_make(struct pindir_tmp *t, const char *pin_dir)
{
	struct timespec ts;
	int n, tries, err = -EEXIST;

	t->fd = -1;
	for (tries = 0; tries < 10; tries++) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		n = snprintf(t->path, sizeof(t->path), "%s" PINDIR_TMP_INFIX "%d-%ld", pin_dir,
			     (int)getpid(), ts.tv_nsec);
		if (n < 0 || n >= (int)sizeof(t->path))
			return -ENAMETOOLONG;
		if (mkdir(t->path, 0700)) {
			err = -errno;
			if (err == -EEXIST)
				continue;
			break;
		}
		/*
		 * A cleaner may take the directory for a dead load's in the
		 * moment between mkdir and flock, and remove it: try again.
		 */
		t->fd = open(t->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (t->fd < 0) {
			err = -errno;
			if (err == -ENOENT)
				continue;
			rmdir(t->path);
			break;
		}
		if (!flock(t->fd, LOCK_EX) && still_at(t->fd, t->path))
			return 0;
		close(t->fd);
		t->fd = -1;
		err = -EAGAIN;
	}
	t->path[0] = '\0'; /* not ours: pindir_tmp_drop must not touch it */
	return err;
}

static int rename2(const char *from, const char *to, unsigned int flags)
{
	return renameat2(AT_FDCWD, from, AT_FDCWD, to, flags) ? -errno : 0;
}

int pindir_tmp_publish(struct pindir_tmp *t, const char *pin_dir)
{
	int err = rename2(t->path, pin_dir, RENAME_NOREPLACE);

	if (err == -ENOTEMPTY)
		err = -EEXIST;
	if (!err) {
		close(t->fd);
		t->fd = -1;
		t->path[0] = '\0';
	}
	return err;
}

int pindir_tmp_exchange(struct pindir_tmp *t, const char *pin_dir)
{
	return rename2(t->path, pin_dir, RENAME_EXCHANGE);
}

void pindir_tmp_drop(struct pindir_tmp *t)
{
	if (t->path[0])
		pindir_remove(t->path);
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
	t->path[0] = '\0';
}

int pindir_remove(const char *dir)
{
	char path[PATH_MAX];
	struct dirent *de;
	int err = 0;
	DIR *d;

	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (pin_path(path, dir, de->d_name))
			continue;
		/* pins are files, marks are empty directories */
		if (unlink(path) && errno != ENOENT && rmdir(path) && errno != ENOENT && !err)
			err = -errno;
	}
	closedir(d);
	if (rmdir(dir) && errno != ENOENT && !err)
		err = -errno;
	return err;
}

void pindir_clean_leftovers(const char *pin_dir)
{
	char parent[PATH_MAX], prefix[NAME_MAX + 16], path[PATH_MAX];
	const char *base;
	struct dirent *de;
	DIR *d;
	int fd;

	base = strrchr(pin_dir, '/');
	if (!base || snprintf(parent, sizeof(parent), "%.*s", (int)(base - pin_dir), pin_dir) >=
			     (int)sizeof(parent))
		return;
	if (!parent[0])
		strcpy(parent, "/");
	snprintf(prefix, sizeof(prefix), "%s" PINDIR_TMP_INFIX, base + 1);
	d = opendir(parent);
	while (d && (de = readdir(d))) {
		if (strncmp(de->d_name, prefix, strlen(prefix)) ||
		    pin_path(path, parent, de->d_name))
			continue;
		fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			continue;
		/*
		 * Locked: its load is running. Lockable and still there: its
		 * load died (a published or dropped one is no longer at path).
		 */
		if (!flock(fd, LOCK_EX | LOCK_NB) && still_at(fd, path))
			pindir_remove(path);
		close(fd);
	}
	if (d)
		closedir(d);
}

int pindir_mark(const char *dir, const char *prefix, unsigned long long value)
{
	char name[64], path[PATH_MAX];
	int err;

	snprintf(name, sizeof(name), "%s%llu", prefix, value);
	err = pin_path(path, dir, name);
	if (!err && mkdir(path, 0700) && errno != EEXIST)
		err = -errno;
	return err;
}

int pindir_read_mark(const char *dir, const char *prefix, unsigned long long *max)
{
	unsigned long long v;
	struct dirent *de;
	size_t len = strlen(prefix);
	char *end;
	int n = 0;
	DIR *d;

	*max = 0;
	d = opendir(dir);
	while (d && (de = readdir(d))) {
		if (strncmp(de->d_name, prefix, len) || !de->d_name[len])
			continue;
		errno = 0;
		v = strtoull(de->d_name + len, &end, 10);
		if (*end || errno)
			continue;
		if (!n++ || v > *max)
			*max = v;
	}
	if (d)
		closedir(d);
	return n;
}
