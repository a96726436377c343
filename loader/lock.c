// SPDX-License-Identifier: GPL-2.0-only
/*
 * The state lock (see lock.h).
 *
 * Open file description locks (F_OFD_SETLK) on two bytes of the lock file:
 * byte 0 is the lock itself; byte 1 is a queue that keeps sync from starving
 * the commands. Linux hands a released lock to whichever process asks first,
 * and sync, which takes it again batch after batch, would often be first. So
 * a command that has to wait holds the queue byte shared while it waits, and
 * sync takes the queue byte exclusively before the lock: it waits until the
 * commands that were already waiting have had their turn. OFD locks, like
 * flock, belong to the open file and go with the process; unlike flock, two
 * byte ranges of one file are independent locks.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "cmd.h"
#include "common.h"
#include "lock.h"

#define BYTE_LOCK  0
#define BYTE_QUEUE 1
/* An escaped name longer than this is shortened, with a hash of the whole path. */
#define NAME_KEEP 150
/* The pid of the holder, written at the start of the file, for the waiting message. */
#define PID_LEN 12

static struct {
	char pin_dir[PATH_MAX]; /* as the caller named it: nesting is a string compare */
	char path[PATH_MAX]; /* the lock file */
	int fd;
	int depth;
	struct timespec checked; /* lock_yield's last look for waiters */
} held = { .fd = -1 };

/*
 * Whether the command running writes a state: its command table entry says so
 * (cmd.h). The others read (show, stats, status, metrics, the exporter, which
 * runs for ever) or lock each batch of writes themselves (sync): a
 * long-running reader must never hold the lock.
 */
static bool command_writes;

void lock_note_command(bool writes)
{
	command_writes = writes;
}

/*
 * dir made absolute and normalized (no ".", "..", "//"), with the symlinks of
 * the part that exists resolved: the pin dir's one name, however it is spelt.
 */
static int canonical(const char *dir, char *out)
{
	char abs[PATH_MAX], head[PATH_MAX], real[PATH_MAX], *p, *q, *slash;
	size_t len = 0, tail;

	if (dir[0] != '/') {
		if (!getcwd(abs, sizeof(abs)))
			return -errno;
		len = strlen(abs);
	}
	if (len + 1 + strlen(dir) >= sizeof(abs))
		return -ENAMETOOLONG;
	snprintf(abs + len, sizeof(abs) - len, "/%s", dir);

	/* lexically: out gets one "/component" at a time */
	out[0] = '\0';
	len = 0;
	for (p = abs; *p;) {
		while (*p == '/')
			p++;
		q = strchrnul(p, '/');
		if (q - p == 2 && p[0] == '.' && p[1] == '.') {
			slash = strrchr(out, '/');
			len = slash ? (size_t)(slash - out) : 0;
			out[len] = '\0';
		} else if (q > p && !(q - p == 1 && p[0] == '.')) {
			len += snprintf(out + len, PATH_MAX - len, "/%.*s", (int)(q - p), p);
		}
		p = q;
	}
	if (!len)
		strcpy(out, "/");

	/* the longest part that exists, through realpath; the rest as it is */
	strcpy(head, out);
	for (;;) {
		if (realpath(head, real))
			break;
		slash = strrchr(head, '/');
		if (errno != ENOENT || !slash || slash == head)
			return 0; /* keep the lexical form */
		*slash = '\0';
	}
	tail = strlen(head);
	if (strlen(real) + strlen(out + tail) >= PATH_MAX)
		return -ENAMETOOLONG;
	memmove(out + strlen(real), out + tail, strlen(out + tail) + 1);
	memcpy(out, real, strlen(real));
	if (!strcmp(real, "/") && out[1] == '/')
		memmove(out, out + 1, strlen(out));
	return 0;
}

/* FNV-1a, 64 bits: names the lock of a pin dir too long to spell out. */
static unsigned long long hash64(const char *s)
{
	unsigned long long h = 14695981039346656037ULL;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

/*
 * LOCK_RUN_DIR/<pin dir>.lock, the pin dir's "/" written "_" (and "_", "%"
 * and the bytes that are not plain written %XX): /sys/fs/bpf/v4via6-r1 has
 * sys_fs_bpf_v4via6-r1.lock, and no two pin dirs share a name.
 */
static int lock_path(const char *pin_dir, char *buf, size_t size)
{
	char dir[PATH_MAX], name[NAME_KEEP + 4];
	const char *s;
	size_t n = 0;
	int err;

	err = canonical(pin_dir, dir);
	if (err)
		return err;
	for (s = dir[1] ? dir + 1 : dir; *s && n < NAME_KEEP; s++) {
		unsigned char c = *s;

		if (c == '/')
			name[n++] = '_';
		else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			 (c >= '0' && c <= '9') || strchr(".-+,=@:", c))
			name[n++] = c;
		else
			n += snprintf(name + n, sizeof(name) - n, "%%%02X", c);
	}
	name[n] = '\0';
	if (*s)
		n = snprintf(buf, size, "%s/%s-%016llx.lock", LOCK_RUN_DIR, name, hash64(dir));
	else
		n = snprintf(buf, size, "%s/%s.lock", LOCK_RUN_DIR, name);
	return n >= size ? -ENAMETOOLONG : 0;
}

/* Locks (F_WRLCK, F_RDLCK) or unlocks (F_UNLCK) one byte; -EAGAIN when held by another. */
static int byte_lock(int fd, int byte, short type, bool wait)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = byte, .l_len = 1 };

	while (fcntl(fd, wait ? F_OFD_SETLKW : F_OFD_SETLK, &fl)) {
		if (errno == EACCES)
			return -EAGAIN;
		if (errno != EINTR || !wait)
			return -errno;
	}
	return 0;
}

static long ms_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t->tv_sec) * 1000 + (now.tv_nsec - t->tv_nsec) / 1000000;
}

static int holder_pid(int fd)
{
	char buf[PID_LEN + 1];
	ssize_t n = pread(fd, buf, PID_LEN, 0);

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return atoi(buf);
}

struct waiting {
	const char *pin_dir;
	struct timespec since;
	bool said;
};

/* Takes one byte, waiting as long as it takes; says so on stderr after a second. */
static int wait_byte(int fd, int byte, short type, struct waiting *w)
{
	struct timespec delay = { 0, 1000000 };
	char who[32] = "";
	int err, pid;

	while (!w->said) {
		err = byte_lock(fd, byte, type, false);
		if (err != -EAGAIN)
			return err;
		if (ms_since(&w->since) >= 1000) {
			pid = holder_pid(fd);
			if (pid > 0)
				snprintf(who, sizeof(who), " (pid %d)", pid);
			pr_err("waiting for another v4via6 command%s holding the lock of %s...",
			       who, w->pin_dir);
			w->said = true;
			break;
		}
		nanosleep(&delay, NULL);
		if (delay.tv_nsec < 16000000)
			delay.tv_nsec *= 2;
	}
	return byte_lock(fd, byte, type, true);
}

/* Takes the lock byte of fd: at once when it is free, else in the queue. */
static int acquire(int fd, const char *pin_dir, bool yield)
{
	struct waiting w = { .pin_dir = pin_dir };
	int err;

	if (!yield) {
		err = byte_lock(fd, BYTE_LOCK, F_WRLCK, false);
		if (err != -EAGAIN)
			return err;
	}
	clock_gettime(CLOCK_MONOTONIC, &w.since);
	/* commands share the queue while they wait; sync waits until it is empty */
	err = wait_byte(fd, BYTE_QUEUE, yield ? F_WRLCK : F_RDLCK, &w);
	if (err)
		return err;
	err = wait_byte(fd, BYTE_LOCK, F_WRLCK, &w);
	byte_lock(fd, BYTE_QUEUE, F_UNLCK, false);
	return err;
}

static void note_holder(void)
{
	char buf[PID_LEN + 1];

	snprintf(buf, sizeof(buf), "%-*d\n", PID_LEN - 1, (int)getpid());
	if (pwrite(held.fd, buf, PID_LEN, 0) < 0)
		; /* only the waiting message needs it */
	clock_gettime(CLOCK_MONOTONIC, &held.checked);
}

/* fd is still the file at path: detach --all did not remove it while we waited. */
static bool still_there(int fd, const char *path)
{
	struct stat a, b;

	return !fstat(fd, &a) && !stat(path, &b) && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int lock_take(const char *pin_dir, bool yield)
{
	char path[PATH_MAX];
	int fd, err;

	if (held.fd >= 0) {
		if (!strcmp(held.pin_dir, pin_dir)) {
			held.depth++;
			return 0;
		}
		err = lock_path(pin_dir, path, sizeof(path));
		if (err)
			return err;
		if (strcmp(held.path, path))
			return -EDEADLK;
		held.depth++;
		return 0;
	}
	if (strlen(pin_dir) >= sizeof(held.pin_dir))
		return -ENAMETOOLONG;
	err = lock_path(pin_dir, path, sizeof(path));
	if (err)
		return err;
	if (mkdir(LOCK_RUN_DIR, 0755) && errno != EEXIST)
		return -errno;
	for (;;) {
		/* 0600: a user who cannot write the state cannot hold its lock either */
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0)
			return -errno;
		err = acquire(fd, pin_dir, yield);
		if (err) {
			close(fd);
			return err;
		}
		if (still_there(fd, path))
			break;
		close(fd);
	}
	held.fd = fd;
	held.depth = 1;
	strcpy(held.pin_dir, pin_dir);
	strcpy(held.path, path);
	note_holder();
	return 0;
}

void lock_release(void)
{
	if (held.fd < 0 || --held.depth)
		return;
	byte_lock(held.fd, BYTE_LOCK, F_UNLCK, false);
	close(held.fd);
	held.fd = -1;
}

int lock_busy(const char *pin_dir)
{
	struct flock fl = {
		.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = BYTE_LOCK, .l_len = 1
	};
	char path[PATH_MAX];
	int fd, err;

	err = lock_path(pin_dir, path, sizeof(path));
	if (err)
		return err;
	if (held.fd >= 0 && !strcmp(held.path, path))
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	err = fcntl(fd, F_OFD_GETLK, &fl) ? -errno : fl.l_type != F_UNLCK;
	close(fd);
	return err;
}

int lock_yield(void)
{
	char pin_dir[PATH_MAX];

	/* only between whole batches: an inner holder (fib24) is mid-change */
	if (held.fd < 0 || held.depth != 1 || ms_since(&held.checked) < 1)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &held.checked);
	/* the queue byte is free when no command waits */
	if (!byte_lock(held.fd, BYTE_QUEUE, F_WRLCK, false)) {
		byte_lock(held.fd, BYTE_QUEUE, F_UNLCK, false);
		return 0;
	}
	strcpy(pin_dir, held.pin_dir);
	lock_release();
	return lock_take(pin_dir, true) ?: 1;
}

/*
 * At the end of a writing command, still holding the lock: when there is no
 * state (detach --all removed it, or there was none), the lock file goes too,
 * so that nothing is left. Commands waiting for it notice (still_there).
 */
static void remove_if_stateless(void)
{
	struct stat st;

	if (held.fd >= 0 && stat(held.pin_dir, &st) && errno == ENOENT)
		unlink(held.path);
}

int lock_command(const char *pin_dir)
{
	int err;

	if (!command_writes)
		return 0;
	err = lock_take(pin_dir, false);
	if (err)
		pr_err("%s: locking the state of %s (%s): %s", cmd_name(), pin_dir, LOCK_RUN_DIR,
		       strerror(-err));
	else
		atexit(remove_if_stateless);
	return err;
}
