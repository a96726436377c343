/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What every command shares: the global options, the error style (log.h) and
 * opening the pinned state. Kept out of main.c because tests and benchmarks
 * link every loader object except main.o.
 */
#ifndef V4VIA6_COMMON_H
#define V4VIA6_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "log.h"
#include "state.h"

/* Exit statuses of every command. */
#define EXIT_OK	   0
#define EXIT_FAIL  1
#define EXIT_USAGE 2

extern const char *pin_dir_opt; /* --pin-dir, or NULL for the default */

/*
 * The pin dir to use (--pin-dir or the per-namespace default), with its bpffs
 * made visible (state_find_bpffs; mounted if missing only with create). A
 * writing command takes the pin dir's state lock here (lock.h) first.
 * Errors are printed with cmd_name() in front; the first is "needs root" when the
 * process lacks CAP_BPF or CAP_NET_ADMIN (-EPERM): every command that reaches
 * the kernel's state starts here.
 */
int resolve_pin_dir(char *buf, size_t len, bool create);

/*
 * resolve_pin_dir + state_open. Without create, a state that is not there is
 * reported as "<command>: not loaded (...)". Returns 0 or -errno.
 */
int open_state(struct v4via6_state *st, bool create);
/* fib24_open_state, saying what failed. Returns 0 or -errno. */
struct fib24;
int open_fib(const struct v4via6_state *st, struct fib24 *fib);
/* open_state (not creating), then open_fib; on failure (-1) nothing is left open. */
int open_state_fib(struct v4via6_state *st, struct fib24 *fib);
/*
 * open_state for a command that only reads: tables a dead writer left dirty
 * are repaired first (fib24_open), so what it shows is what the program does.
 */
int open_state_repaired(struct v4via6_state *st);

/*
 * Says why state_open(dir) failed with err, unless state_open said so itself;
 * EACCES and EPERM (a pin dir that only root may read) name root.
 */
void pr_state_err(const char *dir, int err);

/* The name of ifindex, or "if<N>" when it no longer exists. */
const char *ifname_of(__u32 ifindex, char *buf);
/* The same, remembered for the life of the process: for printing a million routes. */
const char *ifname_cached(__u32 ifindex, char *buf);

#endif /* V4VIA6_COMMON_H */
