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

#include "maps.h"

struct v4via6_state {
	char pin_dir[PATH_MAX];
	int prog_fd; /* -1 until loaded */
	/* if_stats_fd is -1 in a pin dir pinned by a build without it: counters unavailable */
	V4VIA6_MAPS_MEMBER;
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

/* state_open without create for detach --all: a left-over pin dir gives -ESTALE, unreported. */
int state_open_to_remove(struct v4via6_state *st, const char *pin_dir);

/*
 * state_open for upgrade: a pin dir of another map layout is opened too (its
 * maps through the fds of the names this build knows), never created.
 */
int state_open_any_layout(struct v4via6_state *st, const char *pin_dir);

/*
 * Errors of state_open and state_find_bpffs that they have explained on
 * stderr themselves: the pin dir belongs to another network namespace
 * (-EXDEV) or to one that no longer exists (-ESTALE), a pin is missing or is
 * not what v4via6 pins there (-EUCLEAN), the maps are of another layout
 * (-EPROTO), the pin dir is not inside a bpffs (-EMEDIUMTYPE). Callers print
 * nothing more for these.
 */
static inline bool state_err_reported(int err)
{
	return err == -EXDEV || err == -EUCLEAN || err == -ESTALE || err == -EPROTO ||
	       err == -EMEDIUMTYPE;
}
void state_close(struct v4via6_state *st);

/* Removes every pin, every mark and the pin directory (detach --all). */
int state_unpin(const char *pin_dir);

/*
 * Test hooks, not documented for users: V4VIA6_BPF_OBJ names a BPF object to
 * load instead of the built-in one (tests/test-upgrade.sh loads another build
 * of the program through it), and V4VIA6_BPF_LAYOUT the map layout that object
 * has (honoured only with V4VIA6_BPF_OBJ).
 */
#define V4VIA6_ENV_BPF_OBJ    "V4VIA6_BPF_OBJ"
#define V4VIA6_ENV_BPF_LAYOUT "V4VIA6_BPF_LAYOUT"

/* The map layout this build loads and reads: V4VIA6_LAYOUT. */
unsigned int state_layout(void);
/* The layout of the maps in pin_dir: its "layout-N" mark, or 1 without one. */
unsigned int state_pinned_layout(const char *pin_dir);

/* Marks dir as this network namespace's pin dir, of map layout layout. 0 or -errno. */
int state_mark_pin_dir(const char *dir, unsigned int layout);

/* Opens (not loads) the program's BPF object: the built-in one or V4VIA6_BPF_OBJ. NULL + errno. */
struct bpf_object;
struct bpf_object *state_object_open(void);
/*
 * Pins a loaded object's maps (by name) and program (V4VIA6_PIN_PROG) into
 * dir, after giving its maps just made their flow hash seed (random). 0 or -errno.
 */
int state_pin_object(struct bpf_object *obj, const char *dir);

#endif /* V4VIA6_STATE_H */
