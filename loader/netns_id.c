// SPDX-License-Identifier: GPL-2.0-only
/* Network namespace identity: inode and cookie (see netns_id.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "netns_id.h"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

/* The cookie of the namespace we are in: any socket's. */
static int cookie_here(__u64 *cookie)
{
	socklen_t len = sizeof(*cookie);
	int fd, err = 0;

	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, cookie, &len))
		err = -errno;
	close(fd);
	return err;
}

int netns_self(unsigned long *ino, __u64 *cookie)
{
	struct stat sb;

	if (stat("/proc/self/ns/net", &sb))
		return -errno;
	*ino = sb.st_ino;
	/* before Linux 5.14 there is no cookie: 0, and only the inode is compared */
	if (cookie_here(cookie))
		*cookie = 0;
	return 0;
}

/*
 * The cookie of the namespace at path: we step into it for a socket and back.
 * setns(CLONE_NEWNET) is allowed to a single-threaded process, which we are.
 */
static int cookie_of(const char *path, __u64 *cookie)
{
	int self, fd, err;

	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return -errno;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		close(self);
		return err;
	}
	err = setns(fd, CLONE_NEWNET) ? -errno : 0;
	close(fd);
	if (!err) {
		err = cookie_here(cookie);
		if (setns(self, CLONE_NEWNET)) {
			/* cannot happen (we were there a moment ago); never go on elsewhere */
			perror("v4via6: returning to our network namespace");
			abort();
		}
	}
	close(self);
	return err;
}

/* 1 when the namespace at path is the one asked for. */
static int matches(const char *path, unsigned long ino, __u64 cookie)
{
	struct stat sb;
	__u64 c;

	if (stat(path, &sb) || sb.st_ino != ino)
		return 0;
	if (!cookie)
		return 1;
	return !cookie_of(path, &c) && c == cookie;
}

/* Namespaces held by bind mounts (ip netns add, container runtimes): nsfs mounts. */
static int scan_mounts(unsigned long ino, __u64 cookie)
{
	char line[4096], mnt[PATH_MAX], *sep;
	int found = 0;
	FILE *f;

	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f)) {
		sep = strstr(line, " - nsfs ");
		if (!sep || sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1)
			continue;
		found = matches(mnt, ino, cookie);
	}
	fclose(f);
	return found;
}

/* Namespaces of processes, and namespace files processes hold open. */
static int scan_procs(unsigned long ino, __u64 cookie)
{
	char path[PATH_MAX], link[64], want[64];
	struct dirent *p, *fd;
	DIR *procs, *fds;
	int found = 0;

	snprintf(want, sizeof(want), "net:[%lu]", ino);
	procs = opendir("/proc");
	if (!procs)
		return 0;
	while (!found && (p = readdir(procs))) {
		if (p->d_name[0] < '0' || p->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/ns/net", p->d_name);
		found = matches(path, ino, cookie);
		snprintf(path, sizeof(path), "/proc/%s/fd", p->d_name);
		fds = found ? NULL : opendir(path);
		while (fds && !found && (fd = readdir(fds))) {
			ssize_t n;

			snprintf(path, sizeof(path), "/proc/%s/fd/%s", p->d_name, fd->d_name);
			n = readlink(path, link, sizeof(link) - 1);
			if (n <= 0)
				continue;
			link[n] = '\0';
			if (!strcmp(link, want))
				found = matches(path, ino, cookie);
		}
		if (fds)
			closedir(fds);
	}
	closedir(procs);
	return found;
}

int netns_alive(unsigned long ino, __u64 cookie)
{
	return scan_mounts(ino, cookie) || scan_procs(ino, cookie);
}
