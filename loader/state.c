// SPDX-License-Identifier: GPL-2.0-only
/*
 * The pinned state (see state.h): finding the pin dir of this network
 * namespace, making its bpffs visible, loading or reopening the program and
 * maps, and removing the pins.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "array_size.h"
#include "v4via6.h"
#include "v4via6.skel.h"
#include "log.h"
#include "state.h"

#define NETNS_RUN_DIR "/run/netns"

/* The pins in the pin dir, in the order state_open fills st. */
static const char *const map_pins[] = {
    V4VIA6_MAP_ROUTES, V4VIA6_MAP_NEIGHS, V4VIA6_MAP_EGRESS,   V4VIA6_MAP_TX_PORTS,
    V4VIA6_MAP_STATS,  V4VIA6_MAP_TBL24,  V4VIA6_MAP_NEXTHOPS,
};
#define N_MAPS ARRAY_SIZE(map_pins)

/* dir/name into buf (PATH_MAX); a name too long for it is an error, not a truncation. */
static int pin_path(char *buf, const char *dir, const char *name)
{
	size_t d = strlen(dir), n = strlen(name);

	if (d + 1 + n >= PATH_MAX)
		return -ENAMETOOLONG;
	memcpy(buf, dir, d);
	buf[d] = '/';
	memcpy(buf + d + 1, name, n + 1);
	return 0;
}

static int *map_fd_slot(struct v4via6_state *st, int i)
{
	int *slots[] = {&st->routes_fd, &st->neighs_fd, &st->egress_fd,	 &st->tx_ports_fd,
			&st->stats_fd,	&st->tbl24_fd,	&st->nexthops_fd};

	return slots[i];
}

int state_default_pin_dir(char *buf, size_t len)
{
	struct stat self, other;
	char path[PATH_MAX];
	struct dirent *de;
	const char *name = NULL;
	DIR *dir;
	int n;

	if (stat("/proc/self/ns/net", &self))
		return -errno;
	/* as `ip netns identify` does: the named namespace whose nsfs file is ours */
	dir = opendir(NETNS_RUN_DIR);
	while (dir && (de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		if (pin_path(path, NETNS_RUN_DIR, de->d_name))
			continue;
		if (!stat(path, &other) && other.st_dev == self.st_dev &&
		    other.st_ino == self.st_ino) {
			name = de->d_name;
			break;
		}
	}
	if (name)
		n = snprintf(buf, len, "%s-%s", V4VIA6_PIN_DIR_DEFAULT, name);
	else
		n = snprintf(buf, len, "%s", V4VIA6_PIN_DIR_DEFAULT);
	if (dir)
		closedir(dir);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static bool is_bpffs(const char *path)
{
	struct statfs sfs;

	return !statfs(path, &sfs) && sfs.f_type == BPF_FS_MAGIC;
}

/* The directory that should be (on) a bpffs: the pin dir itself if it exists, else its parent. */
static void bpffs_dir(const char *pin_dir, char *buf, size_t len)
{
	char *slash;

	snprintf(buf, len, "%s", pin_dir);
	if (!access(buf, F_OK))
		return;
	slash = strrchr(buf, '/');
	if (slash && slash != buf)
		*slash = '\0';
	else if (slash)
		slash[1] = '\0';
}

static int mkdir_p(const char *path)
{
	char buf[PATH_MAX], *p;

	snprintf(buf, sizeof(buf), "%s", path);
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

/*
 * `ip netns exec NS cmd` unshares the mount namespace and mounts a fresh sysfs
 * before it execs cmd (or forks a child that does, in -batch mode): there,
 * /sys/fs/bpf is an empty, unmounted directory, and whatever we pinned would
 * vanish with our mount namespace when we exit, so the next command would find
 * nothing. The signature of that situation is a pin dir that is not on a bpffs
 * while our parent (the shell, or ip itself in -batch mode) lives in another
 * mount namespace. We then join the parent's mount namespace, where the
 * bpffs the user sees is mounted. Only mounts change: the network namespace,
 * and so every ifindex we resolve, stays the one ip netns exec chose. We are
 * single-threaded here, as setns(CLONE_NEWNS) requires. setns also moves our
 * root and working directory to the new namespace's root, so the working
 * directory is restored by name (relative FILE arguments keep working).
 */
static int join_parent_mount_ns(void)
{
	char self[64], parent[64], path[64], cwd[PATH_MAX];
	ssize_t n;
	int fd, err = 0;

	n = readlink("/proc/self/ns/mnt", self, sizeof(self) - 1);
	if (n < 0)
		return -errno;
	self[n] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)getppid());
	n = readlink(path, parent, sizeof(parent) - 1);
	if (n < 0)
		return 0; /* cannot tell: stay where we are */
	parent[n] = '\0';
	if (!strcmp(self, parent))
		return 0;

	if (!getcwd(cwd, sizeof(cwd)))
		cwd[0] = '\0';
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (setns(fd, CLONE_NEWNS))
		err = -errno;
	close(fd);
	if (!err && cwd[0] && chdir(cwd))
		err = 0; /* the directory does not exist there: stay at / */
	return err;
}

int state_prepare_bpffs(const char *pin_dir)
{
	return state_find_bpffs(pin_dir, true);
}

int state_find_bpffs(const char *pin_dir, bool mount_if_missing)
{
	char dir[PATH_MAX];
	int err;

	bpffs_dir(pin_dir, dir, sizeof(dir));
	if (is_bpffs(dir))
		return 0;
	err = join_parent_mount_ns();
	if (err)
		return err;
	bpffs_dir(pin_dir, dir, sizeof(dir));
	if (is_bpffs(dir) || !mount_if_missing)
		return 0;
	/*
	 * a machine where nobody mounted bpffs yet (README "Running in network
	 * namespaces"): mount it where the pins go
	 */
	err = mkdir_p(dir);
	if (err)
		return err;
	if (mount("bpf", dir, "bpf", 0, "mode=0700"))
		return -errno;
	return 0;
}

static void state_init(struct v4via6_state *st, const char *pin_dir)
{
	int i;

	snprintf(st->pin_dir, sizeof(st->pin_dir), "%s", pin_dir);
	st->prog_fd = -1;
	st->created = false;
	for (i = 0; i < (int)ARRAY_SIZE(map_pins); i++)
		*map_fd_slot(st, i) = -1;
}

/*
 * ifindexes are per network namespace, so a pin dir must not serve two: the
 * maps would send one namespace's routes to the other's interfaces. The pin
 * dir records the namespace that loaded it as an empty directory
 * "netns-<inode>" (bpffs holds only directories and BPF objects, and refuses
 * names with a dot), and a
 * command from another namespace is refused. A pin dir without the mark
 * (made by an older loader) is not checked.
 */
#define NETNS_MARK "netns-"

static int netns_inode(unsigned long *ino)
{
	struct stat sb;

	if (stat("/proc/self/ns/net", &sb))
		return -errno;
	*ino = sb.st_ino;
	return 0;
}

static int mark_netns(const char *pin_dir)
{
	char name[64], path[PATH_MAX];
	unsigned long ino = 0;
	int err;

	err = netns_inode(&ino);
	if (err)
		return err;
	snprintf(name, sizeof(name), NETNS_MARK "%lu", ino);
	err = pin_path(path, pin_dir, name);
	if (!err && mkdir(path, 0700) && errno != EEXIST)
		err = -errno;
	return err;
}

/* 0 when the pin dir is ours (or unmarked), -EXDEV when another namespace made it. */
static int check_netns(const char *pin_dir)
{
	unsigned long ino = 0, theirs;
	struct dirent *de;
	int err = 0;
	DIR *dir;

	if (netns_inode(&ino))
		return 0;
	dir = opendir(pin_dir);
	if (!dir)
		return 0;
	while ((de = readdir(dir))) {
		if (strncmp(de->d_name, NETNS_MARK, strlen(NETNS_MARK)) ||
		    sscanf(de->d_name + strlen(NETNS_MARK), "%lu", &theirs) != 1)
			continue;
		if (theirs != ino) {
			pr_err("%s: made in another network namespace (net:[%lu], this is "
			       "net:[%lu]): each namespace needs its own --pin-dir",
			       pin_dir, theirs, ino);
			err = -EXDEV;
		}
	}
	closedir(dir);
	return err;
}

/* Removes the namespace marks (state_unpin). */
static int unmark_netns(const char *pin_dir)
{
	char path[PATH_MAX];
	struct dirent *de;
	int err = 0;
	DIR *dir;

	dir = opendir(pin_dir);
	if (!dir)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(dir))) {
		if (strncmp(de->d_name, NETNS_MARK, strlen(NETNS_MARK)))
			continue;
		if (!pin_path(path, pin_dir, de->d_name) && rmdir(path) && !err)
			err = -errno;
	}
	closedir(dir);
	return err;
}

void state_close(struct v4via6_state *st)
{
	int i;

	if (st->prog_fd >= 0)
		close(st->prog_fd);
	st->prog_fd = -1;
	for (i = 0; i < (int)ARRAY_SIZE(map_pins); i++) {
		if (*map_fd_slot(st, i) >= 0)
			close(*map_fd_slot(st, i));
		*map_fd_slot(st, i) = -1;
	}
}

/* Opens one pin and checks that it is what we pinned there, not something else. */
static int open_pin(const char *pin_dir, const char *name, bool is_prog)
{
	struct bpf_prog_info pinfo = {};
	struct bpf_map_info minfo = {};
	__u32 len;
	char path[PATH_MAX];
	int fd, err;

	pin_path(path, pin_dir, name);
	fd = bpf_obj_get(path);
	if (fd < 0) {
		err = -errno;
		if (err == -ENOENT)
			pr_err("%s: missing (the pin dir is incomplete; v4via6 detach --all "
			       "removes what is left)",
			       path);
		else
			pr_err("%s: %s", path, strerror(-err));
		return err;
	}
	if (is_prog) {
		len = sizeof(pinfo);
		err = bpf_obj_get_info_by_fd(fd, &pinfo, &len);
		if (!err &&
		    (pinfo.type != BPF_PROG_TYPE_XDP || strcmp(pinfo.name, V4VIA6_PROG_NAME)))
			err = -EINVAL;
	} else {
		len = sizeof(minfo);
		err = bpf_obj_get_info_by_fd(fd, &minfo, &len);
		if (!err && strcmp(minfo.name, name))
			err = -EINVAL;
	}
	if (err) {
		if (err == -EINVAL)
			pr_err("%s: not a v4via6 %s (the pin dir holds something else)", path,
			       is_prog ? "program" : "map");
		else
			pr_err("%s: %s", path, strerror(-err));
		close(fd);
		return err;
	}
	return fd;
}

static int open_pinned(struct v4via6_state *st)
{
	int i, fd;

	st->created = false;
	fd = open_pin(st->pin_dir, V4VIA6_PIN_PROG, true);
	if (fd < 0)
		return -EUCLEAN;
	st->prog_fd = fd;
	for (i = 0; i < (int)ARRAY_SIZE(map_pins); i++) {
		fd = open_pin(st->pin_dir, map_pins[i], false);
		if (fd < 0) {
			state_close(st);
			return -EUCLEAN;
		}
		*map_fd_slot(st, i) = fd;
	}
	return 0;
}

/*
 * Loads the program with each map's pin path set: libbpf reuses a map that is
 * already pinned there (after a half-done earlier load) and pins the others.
 * The program is pinned last, so its pin means "everything is there".
 */
static int load_and_pin(struct v4via6_state *st)
{
	struct bpf_map *maps[N_MAPS];
	struct v4via6_bpf *skel = NULL;
	char path[PATH_MAX];
	bool made_dir;
	int i, err;

	made_dir = !mkdir(st->pin_dir, 0700);
	if (!made_dir && errno != EEXIST)
		return -errno;
	err = mark_netns(st->pin_dir);
	if (err)
		goto out;
	skel = v4via6_bpf__open();
	if (!skel) {
		err = -errno;
		goto out;
	}
	maps[0] = skel->maps.routes;
	maps[1] = skel->maps.neighs;
	maps[2] = skel->maps.egress;
	maps[3] = skel->maps.tx_ports;
	maps[4] = skel->maps.stats;
	maps[5] = skel->maps.tbl24;
	maps[6] = skel->maps.nexthops;
	for (i = 0; i < (int)N_MAPS; i++) {
		pin_path(path, st->pin_dir, map_pins[i]);
		err = bpf_map__set_pin_path(maps[i], path);
		if (err)
			goto out;
	}
	err = v4via6_bpf__load(skel);
	if (err)
		goto out;
	pin_path(path, st->pin_dir, V4VIA6_PIN_PROG);
	err = bpf_program__pin(skel->progs.v4via6_xdp, path);
	if (err)
		goto out;
	/* the skeleton's fds go with it; the state keeps its own */
	st->prog_fd = dup(bpf_program__fd(skel->progs.v4via6_xdp));
	for (i = 0; i < (int)N_MAPS; i++)
		*map_fd_slot(st, i) = dup(bpf_map__fd(maps[i]));
	err = 0;
	for (i = 0; i < (int)N_MAPS; i++)
		if (*map_fd_slot(st, i) < 0)
			err = -errno;
	if (st->prog_fd < 0 || err) {
		err = -EMFILE;
		state_close(st);
	}
	st->created = !err;
out:
	v4via6_bpf__destroy(skel);
	/* leave nothing behind: libbpf has already unpinned the maps it pinned */
	if (err && made_dir) {
		unmark_netns(st->pin_dir);
		rmdir(st->pin_dir);
	}
	return err;
}

int state_open(struct v4via6_state *st, const char *pin_dir, bool create)
{
	char path[PATH_MAX];
	struct stat sb;
	int err, i;

	state_init(st, pin_dir);
	/* room for every "pin_dir/name" below, so that none of them is truncated */
	if (strlen(pin_dir) + 32 >= PATH_MAX)
		return -ENAMETOOLONG;
	if (stat(pin_dir, &sb)) {
		if (errno != ENOENT)
			return -errno;
		if (!create)
			return -ENOENT;
	} else if (!S_ISDIR(sb.st_mode)) {
		return -ENOTDIR;
	} else if (check_netns(pin_dir)) {
		return -EXDEV;
	}
	pin_path(path, pin_dir, V4VIA6_PIN_PROG);
	if (!access(path, F_OK))
		return open_pinned(st);
	if (errno != ENOENT) /* EACCES is not "nothing there" */
		return -errno;
	if (!create)
		return -ENOENT;
	err = load_and_pin(st);
	/*
	 * Another command is loading at the same moment and pinned first: use
	 * its state once its program pin (the last one made) is there.
	 */
	for (i = 0; err == -EEXIST && i < 100; i++) {
		if (!access(path, F_OK))
			return open_pinned(st);
		usleep(10000);
	}
	return err;
}

int state_unpin(const char *pin_dir)
{
	char path[PATH_MAX];
	int i, err = 0;

	if (strlen(pin_dir) + 32 >= PATH_MAX)
		return -ENAMETOOLONG;
	pin_path(path, pin_dir, V4VIA6_PIN_PROG);
	if (unlink(path) && errno != ENOENT)
		err = -errno;
	for (i = 0; i < (int)ARRAY_SIZE(map_pins); i++) {
		pin_path(path, pin_dir, map_pins[i]);
		if (unlink(path) && errno != ENOENT && !err)
			err = -errno;
	}
	i = unmark_netns(pin_dir);
	if (i && !err)
		err = i;
	if (rmdir(pin_dir) && errno != ENOENT && !err)
		err = -errno;
	return err;
}
