/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The loader's view of v4via6's state: the loaded program and its maps, found
 * through the pins under the pin directory. Every command is a separate
 * process; the state lives in the kernel and the pins, nowhere else.
 */
#ifndef V4VIA6_STATE_H
#define V4VIA6_STATE_H

#include <limits.h>
#include <errno.h>
#include <stdbool.h>

struct v4via6_state {
	char pin_dir[PATH_MAX];
	int prog_fd; /* -1 until loaded */
	int routes_fd;
	int neighs_fd;
	int egress_fd;
	int tx_ports_fd;
	int stats_fd;
	int tbl24_fd;
	int nexthops_fd;
	int if_stats_fd; /* -1 in a pin dir pinned by a build without it: counters unavailable */
	bool created; /* state_open loaded and pinned the program just now */
};

/*
 * The pin directory to use when --pin-dir is not given: V4VIA6_PIN_DIR_DEFAULT
 * in a network namespace without a name, V4VIA6_PIN_DIR_DEFAULT "-" NAME in
 * the namespace /run/netns/NAME (ifindexes are per namespace, so is the state).
 * Writes into buf; returns 0 or -errno.
 */
int state_default_pin_dir(char *buf, size_t len);

/*
 * Makes sure the bpffs holding pin_dir is mounted where every later command
 * will see it (see state.c for `ip netns exec`), mounting it if needed.
 */
int state_prepare_bpffs(const char *pin_dir);

/*
 * The same, but mounting bpffs only with mount_if_missing: commands that only
 * read (show, stats, status) join the right mount namespace and mount nothing.
 */
int state_find_bpffs(const char *pin_dir, bool mount_if_missing);

/*
 * Opens the state pinned in pin_dir. With create, loads the program and pins
 * it and its maps when they are not there yet. Without create, a missing pin
 * dir gives -ENOENT (and an error message naming it). Returns 0 or -errno; on
 * error nothing is left open.
 */
int state_open(struct v4via6_state *st, const char *pin_dir, bool create);

/*
 * Errors of state_open that it has explained on stderr itself: the pin dir
 * belongs to another network namespace (-EXDEV), or a pin is missing or is not
 * what v4via6 pins there (-EUCLEAN). Callers print nothing more for these.
 */
static inline bool state_err_reported(int err)
{
	return err == -EXDEV || err == -EUCLEAN;
}
void state_close(struct v4via6_state *st);

/* Removes every pin and the pin directory (detach --all). */
int state_unpin(const char *pin_dir);

#endif /* V4VIA6_STATE_H */
