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
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "v4via6.h"
#include "v4via6.skel.h"
#include "log.h"
#include "netns_id.h"
#include "pindir.h"
#include "state.h"

#define NETNS_RUN_DIR "/run/netns"
/* Where bpffs is mounted by convention; the only place we mount one ourselves. */
#define V4VIA6_BPFFS_DEFAULT "/sys/fs/bpf"

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

/* The directory that holds the pin dir: the pin dir goes inside a bpffs, never on top of one. */
static void parent_of(const char *pin_dir, char *buf, size_t len)
{
	char *slash;

	snprintf(buf, len, "%s", pin_dir);
	slash = strrchr(buf, '/');
	if (slash && slash != buf)
		*slash = '\0';
	else if (slash)
		slash[1] = '\0';
	else
		snprintf(buf, len, ".");
}

/* The closest existing directory at or above path. */
static void existing_ancestor(const char *path, char *buf, size_t len)
{
	snprintf(buf, len, "%s", path);
	while (access(buf, F_OK) && strcmp(buf, "/") && strcmp(buf, "."))
		parent_of(buf, buf, len);
}

static bool is_empty_dir(const char *path)
{
	struct dirent *de;
	bool empty = true;
	DIR *d;

	d = opendir(path);
	if (!d)
		return false;
	while (empty && (de = readdir(d)))
		empty = !strcmp(de->d_name, ".") || !strcmp(de->d_name, "..");
	closedir(d);
	return empty;
}

static bool is_mountpoint(const char *path)
{
	char up[PATH_MAX + 4];
	struct stat a, b;

	snprintf(up, sizeof(up), "%s/..", path);
	return !stat(path, &a) && !stat(up, &b) && a.st_dev != b.st_dev;
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

/*
 * The pin dir goes inside a bpffs (its temporary twin is made next to it and
 * renamed into place, which needs the same filesystem). A bpffs is mounted by
 * us only at V4VIA6_BPFFS_DEFAULT, where the kernel provides an empty
 * directory for it, and only when that directory is empty: mounting anywhere
 * else would hide what the directory holds (--pin-dir /etc/v4via6 would hide
 * /etc from every process).
 */
int state_find_bpffs(const char *pin_dir, bool mount_if_missing)
{
	char parent[PATH_MAX], dir[PATH_MAX];
	int err;

	parent_of(pin_dir, parent, sizeof(parent));
	existing_ancestor(parent, dir, sizeof(dir));
	if (is_bpffs(dir))
		return 0;
	err = join_parent_mount_ns();
	if (err)
		return err;
	existing_ancestor(parent, dir, sizeof(dir));
	if (is_bpffs(dir) || !mount_if_missing)
		return 0;
	/* nobody mounted bpffs yet (README "Running in network namespaces"): mount it here */
	if (!strcmp(dir, V4VIA6_BPFFS_DEFAULT) && !is_mountpoint(dir) && is_empty_dir(dir)) {
		if (mount("bpf", dir, "bpf", 0, "mode=0700"))
			return -errno;
		return 0;
	}
	/* only --pin-dir names a directory elsewhere than V4VIA6_BPFFS_DEFAULT */
	pr_err("%s%s: %s is not on a bpffs (the pin dir goes inside one: mount -t bpf bpf DIR on "
	       "an empty DIR, or use a directory under " V4VIA6_BPFFS_DEFAULT ")",
	       strcmp(dir, V4VIA6_BPFFS_DEFAULT) ? "--pin-dir " : "", pin_dir, dir);
	return -EMEDIUMTYPE;
}

static void state_init(struct v4via6_state *st, const char *pin_dir)
{
	snprintf(st->pin_dir, sizeof(st->pin_dir), "%s", pin_dir);
	st->prog_fd = -1;
	st->created = false;
	maps_init(&st->maps);
}

/*
 * ifindexes are per network namespace, so a pin dir must not serve two: the
 * maps would send one namespace's routes to the other's interfaces. The pin
 * dir records the namespace that loaded it with two marks: "netns-<inode>"
 * (older loaders wrote only this one) and "netcookie-<cookie>". Inodes are
 * reused once a namespace is gone, cookies never: a new namespace of the same
 * name may get the old one's inode, never its cookie.
 */
#define NETNS_MARK  "netns-"
#define COOKIE_MARK "netcookie-"
#define LAYOUT_MARK "layout-"

int state_mark_pin_dir(const char *dir, unsigned int layout)
{
	unsigned long ino;
	__u64 cookie;
	int err;

	err = netns_self(&ino, &cookie);
	if (!err)
		err = pindir_mark(dir, NETNS_MARK, ino);
	if (!err && cookie)
		err = pindir_mark(dir, COOKIE_MARK, cookie);
	if (!err)
		err = pindir_mark(dir, LAYOUT_MARK, layout);
	return err;
}

/* How to remove a pin dir: the command, with --pin-dir unless it is this namespace's default. */
static void fix_command(const char *pin_dir, char *buf, size_t len)
{
	char dflt[PATH_MAX];

	if (!state_default_pin_dir(dflt, sizeof(dflt)) && !strcmp(dflt, pin_dir))
		snprintf(buf, len, "v4via6 detach --all");
	else
		snprintf(buf, len, "v4via6 --pin-dir %s detach --all", pin_dir);
}

/*
 * 0 when the pin dir is this namespace's (or too old to say), -EXDEV when a
 * namespace that still exists made it, -ESTALE when the one that made it is
 * gone (its interfaces with it): what is pinned is left over.
 */
static int check_netns(const char *pin_dir, bool add_cookie, bool quiet_stale)
{
	unsigned long long ino_mark, cookie_mark;
	char fix[PATH_MAX + 64];
	unsigned long ino;
	int n_ino, n_cookie;
	__u64 cookie;

	if (netns_self(&ino, &cookie))
		return 0;
	n_ino = pindir_read_mark(pin_dir, NETNS_MARK, &ino_mark);
	n_cookie = pindir_read_mark(pin_dir, COOKIE_MARK, &cookie_mark);
	if (n_cookie == 1 && cookie_mark == cookie)
		return 0;
	if (!cookie) /* a kernel without cookies: the inode is all we can compare */
		n_cookie = 0;
	if (!n_cookie && (!n_ino || (n_ino == 1 && ino_mark == ino))) {
		/* an older loader's pin dir: the inode is all it says */
		if (add_cookie && n_ino && cookie)
			pindir_mark(pin_dir, COOKIE_MARK, cookie);
		return 0;
	}
	if (n_ino == 1 && n_cookie <= 1 && netns_alive(ino_mark, n_cookie ? cookie_mark : 0) > 0) {
		pr_err("%s: made in another network namespace (net:[%llu], this is net:[%lu]): "
		       "each namespace needs its own --pin-dir",
		       pin_dir, ino_mark, ino);
		return -EXDEV;
	}
	if (quiet_stale)
		return -ESTALE;
	fix_command(pin_dir, fix, sizeof(fix));
	if (n_cookie == 1)
		pr_err("%s: left by a network namespace that no longer exists (net cookie %llu; "
		       "this one is %llu): its routes name interfaces that are gone; remove it "
		       "with: %s",
		       pin_dir, cookie_mark, (unsigned long long)cookie, fix);
	else
		pr_err("%s: left by a network namespace that no longer exists (net:[%llu]): its "
		       "routes name interfaces that are gone; remove it with: %s",
		       pin_dir, ino_mark, fix);
	return -ESTALE;
}

unsigned int state_layout(void)
{
	const char *obj = getenv(V4VIA6_ENV_BPF_OBJ), *layout = getenv(V4VIA6_ENV_BPF_LAYOUT);

	/* tests load a build of another layout through these; see upgrade.c */
	if (obj && *obj && layout && atoi(layout) > 0)
		return atoi(layout);
	return V4VIA6_LAYOUT;
}

unsigned int state_pinned_layout(const char *pin_dir)
{
	unsigned long long layout;

	/* a pin dir without the mark was made before layouts were numbered: layout 1 */
	if (!pindir_read_mark(pin_dir, LAYOUT_MARK, &layout))
		return 1;
	return layout > 0 && layout < 1000000 ? (unsigned int)layout : 1000000;
}

/* -EPROTO when the maps in pin_dir are of a layout this build does not read. */
static int check_layout(const char *pin_dir)
{
	unsigned int pinned = state_pinned_layout(pin_dir), ours = state_layout();

	if (pinned == ours)
		return 0;
	if (pinned > ours)
		pr_err("%s: map layout %u, made by a newer v4via6 (this one knows layout %u): "
		       "use that v4via6 (its detach --all removes the state)",
		       pin_dir, pinned, ours);
	else
		pr_err("%s: map layout %u, made by an older v4via6 (this one uses layout %u): "
		       "v4via6 upgrade moves the state to it",
		       pin_dir, pinned, ours);
	return -EPROTO;
}

void state_close(struct v4via6_state *st)
{
	if (st->prog_fd >= 0)
		close(st->prog_fd);
	st->prog_fd = -1;
	maps_close(&st->maps);
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

static bool pin_exists(const char *pin_dir, const char *name)
{
	char path[PATH_MAX];

	return !pin_path(path, pin_dir, name) && !access(path, F_OK);
}

/*
 * Opens the program and map pins. With older (upgrade, on a pin dir of an
 * older layout), a map that layout did not have is left at -1: upgrade makes
 * it new, and copies only the maps both layouts have (carry_over).
 */
static int open_pinned(struct v4via6_state *st, bool older)
{
	int i, fd;

	st->created = false;
	fd = open_pin(st->pin_dir, V4VIA6_PIN_PROG, true);
	if (fd < 0)
		return -EUCLEAN;
	st->prog_fd = fd;
	for (i = 0; i < v4via6_n_maps; i++) {
		/* a pin dir of an older build, still running, may lack it (if_stats): not an error */
		if ((older || (v4via6_map_defs[i].flags & MAP_OPTIONAL)) &&
		    !pin_exists(st->pin_dir, v4via6_map_defs[i].name))
			continue;
		fd = open_pin(st->pin_dir, v4via6_map_defs[i].name, false);
		if (fd < 0) {
			state_close(st);
			return -EUCLEAN;
		}
		*maps_fd(&st->maps, i) = fd;
	}
	return 0;
}

struct bpf_object *state_object_open(void)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = "v4via6_bpf");
	const char *path = getenv(V4VIA6_ENV_BPF_OBJ);
	const void *bytes;
	size_t size;

	/* a test's build of the program (another layout, other instructions) */
	if (path && *path)
		return bpf_object__open_file(path, NULL);
	bytes = v4via6_bpf__elf_bytes(&size);
	return bpf_object__open_mem(bytes, size, &opts);
}

/*
 * The flow hash's seed of maps just made: random per router, so that two
 * routers in a row do not send the same flows to the same member (ECMP
 * polarisation). Carried over by upgrades.
 */
static int seed_hash(struct bpf_object *obj)
{
	struct bpf_map *map = bpf_object__find_map_by_name(obj, V4VIA6_MAP_HASH_SEED);
	__u32 zero = 0, seed;

	if (!map) /* an older layout's object (V4VIA6_BPF_OBJ): no ECMP */
		return 0;
	if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		return -errno;
	return bpf_map_update_elem(bpf_map__fd(map), &zero, &seed, BPF_ANY) ? -errno : 0;
}

int state_pin_object(struct bpf_object *obj, const char *dir)
{
	struct bpf_program *prog;
	struct bpf_map *map;
	char path[PATH_MAX];
	int err;

	err = seed_hash(obj);
	if (err)
		return err;
	bpf_object__for_each_map(map, obj) {
		if (bpf_map__is_internal(map))
			continue; /* .rodata and the like: the program's own */
		err = pin_path(path, dir, bpf_map__name(map));
		if (!err && bpf_obj_pin(bpf_map__fd(map), path))
			err = -errno;
		if (err)
			return err;
	}
	prog = bpf_object__find_program_by_name(obj, V4VIA6_PROG_NAME);
	if (!prog)
		return -ENOENT;
	err = pin_path(path, dir, V4VIA6_PIN_PROG);
	if (!err && bpf_obj_pin(bpf_program__fd(prog), path))
		err = -errno;
	return err;
}

/*
 * Loads the program and its maps and pins them in a temporary directory next
 * to the pin dir, which is then renamed into place: a reader sees no pin dir
 * or a whole one, whatever is killed when. When another command published
 * its pin dir first (a concurrent first attach), that one is used and ours
 * thrown away. Returns 0 (*lost false: st is ours, or true: st is theirs
 * not yet opened) or -errno.
 */
static int load_and_publish(struct v4via6_state *st, bool *lost)
{
	struct bpf_object *obj = NULL;
	struct pindir_tmp tmp;
	int err;

	*lost = false;
	pindir_clean_leftovers(st->pin_dir);
	err = pindir_tmp_make(&tmp, st->pin_dir);
	if (err)
		return err;
	err = state_mark_pin_dir(tmp.path, state_layout());
	if (err)
		goto out;
	obj = state_object_open();
	if (!obj) {
		err = -errno;
		goto out;
	}
	err = bpf_object__load(obj);
	if (err)
		goto out;
	err = state_pin_object(obj, tmp.path);
	if (err)
		goto out;
	err = pindir_tmp_publish(&tmp, st->pin_dir);
	if (err == -EEXIST) {
		*lost = true;
		err = 0;
	}
out:
	bpf_object__close(obj);
	pindir_tmp_drop(&tmp); /* nothing left to drop once published */
	return err;
}

/* mkdir -p of the pin dir's parent, inside the bpffs that state_find_bpffs found. */
static int make_parent(const char *pin_dir)
{
	char buf[PATH_MAX], *p;

	parent_of(pin_dir, buf, sizeof(buf));
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
 * A pin dir without its program pin: only an older loader killed half-way
 * made those (ours appear whole). Nothing could use its maps (commands need
 * the program pin), so it is moved aside and removed; if a whole one took its
 * place meanwhile, that is kept.
 */
static int remove_incomplete(const char *pin_dir)
{
	struct pindir_tmp aside;
	char path[PATH_MAX];
	int err;

	err = pindir_tmp_make(&aside, pin_dir);
	if (err)
		return err;
	rmdir(aside.path); /* renamed onto: it must not exist */
	if (rename(pin_dir, aside.path)) {
		err = errno == ENOENT ? 0 : -errno;
	} else {
		pin_path(path, aside.path, V4VIA6_PIN_PROG);
		/* published between our look and the move: put it back */
		if (!access(path, F_OK) &&
		    !renameat2(AT_FDCWD, aside.path, AT_FDCWD, pin_dir, RENAME_NOREPLACE))
			aside.path[0] = '\0';
	}
	pindir_tmp_drop(&aside);
	return err;
}

static int state_open_flags(struct v4via6_state *st, const char *pin_dir, bool create,
			    bool any_layout, bool quiet_stale)
{
	char path[PATH_MAX];
	struct stat sb;
	bool lost, older;
	int err, tries;

	state_init(st, pin_dir);
	/* room for every "pin_dir/name" below, so that none of them is truncated */
	if (strlen(pin_dir) + 64 >= PATH_MAX)
		return -ENAMETOOLONG;
	pin_path(path, pin_dir, V4VIA6_PIN_PROG);
	for (tries = 0; tries < 3; tries++) {
		if (stat(pin_dir, &sb)) {
			if (errno != ENOENT)
				return -errno;
			if (!create)
				return -ENOENT;
		} else if (!S_ISDIR(sb.st_mode)) {
			return -ENOTDIR;
		} else {
			err = check_netns(pin_dir, create, quiet_stale);
			if (err)
				return err;
			if (!access(path, F_OK)) {
				if (!any_layout && check_layout(pin_dir))
					return -EPROTO;
				older = any_layout && state_pinned_layout(pin_dir) < state_layout();
				return open_pinned(st, older);
			}
			if (errno != ENOENT) /* EACCES is not "nothing there" */
				return -errno;
			if (!create)
				return -ENOENT;
			err = remove_incomplete(pin_dir);
			if (err)
				return err;
		}
		err = make_parent(pin_dir);
		if (!err)
			err = load_and_publish(st, &lost);
		if (err)
			return err;
		if (!lost) {
			err = open_pinned(st, false);
			st->created = !err;
			return err;
		}
		/* another command's pin dir came first: open it as if it had always been there */
	}
	return -EAGAIN;
}

int state_open(struct v4via6_state *st, const char *pin_dir, bool create)
{
	return state_open_flags(st, pin_dir, create, false, false);
}

int state_open_to_remove(struct v4via6_state *st, const char *pin_dir)
{
	return state_open_flags(st, pin_dir, false, false, true);
}

int state_open_any_layout(struct v4via6_state *st, const char *pin_dir)
{
	return state_open_flags(st, pin_dir, false, true, false);
}

int state_unpin(const char *pin_dir)
{
	if (strlen(pin_dir) + 64 >= PATH_MAX)
		return -ENAMETOOLONG;
	pindir_clean_leftovers(pin_dir);
	/* everything in it is ours: pins, marks, what a newer layout added */
	return pindir_remove(pin_dir);
}
