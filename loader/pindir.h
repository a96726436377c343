/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The pin directory as a whole: it appears complete or not at all. A load
 * pins everything into a temporary directory next to the pin dir (the same
 * bpffs) and renames it into place, so a reader sees either no pin dir or a
 * whole one. The temporary directory is flock'ed by its maker for its whole
 * life: one that can be locked by someone else belongs to a load that was
 * killed, and the next load removes it.
 *
 * Marks are empty directories in the pin dir (bpffs holds only directories
 * and BPF objects, and refuses names with a dot): "layout-N", "netns-INODE",
 * "netcookie-COOKIE".
 */
#ifndef V4VIA6_PINDIR_H
#define V4VIA6_PINDIR_H

#include <limits.h>
#include <stdbool.h>

/* After the pin dir's own name: "<pin dir>~tmp-<pid>-<n>". */
#define PINDIR_TMP_INFIX "~tmp-"

struct pindir_tmp {
	char path[PATH_MAX];
	int fd; /* the directory, flock'ed; -1 when closed */
};

/* dir/name into buf (PATH_MAX); -ENAMETOOLONG rather than a truncation. */
int pin_path(char *buf, const char *dir, const char *name);

/* Makes and locks a new temporary directory next to pin_dir. 0 or -errno. */
int pindir_tmp_make(struct pindir_tmp *t, const char *pin_dir);

/*
 * Renames the temporary directory to pin_dir, unless pin_dir exists: then
 * -EEXIST, and nothing changed. On success the lock is released.
 */
int pindir_tmp_publish(struct pindir_tmp *t, const char *pin_dir);

/*
 * Swaps the temporary directory and pin_dir atomically (RENAME_EXCHANGE):
 * pin_dir then holds what t held, and t->path the old pin dir.
 */
int pindir_tmp_exchange(struct pindir_tmp *t, const char *pin_dir);

/* Removes what t->path holds (its pins) and the directory, and drops the lock. */
void pindir_tmp_drop(struct pindir_tmp *t);

/* Removes the temporary directories of killed loads next to pin_dir. */
void pindir_clean_leftovers(const char *pin_dir);

/*
 * Removes every entry of dir (pins, and mark directories, which are empty)
 * and dir itself. A dir that is already gone is not an error. 0 or -errno.
 */
int pindir_remove(const char *dir);

/* Makes the mark dir/"<prefix><value>". 0 or -errno. */
int pindir_mark(const char *dir, const char *prefix, unsigned long long value);

/*
 * Reads the marks "<prefix><value>" of dir: returns how many there are (0
 * when none, or when dir cannot be read), the largest value in *max and,
 * when there is exactly one, that one.
 */
int pindir_read_mark(const char *dir, const char *prefix, unsigned long long *max);

#endif /* V4VIA6_PINDIR_H */
