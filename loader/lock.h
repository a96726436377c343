/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The state lock: one per pin dir, taken by every command that writes that
 * state (apply, attach, detach, route and neigh changes, route check) for the
 * whole command, and by sync for each batch of writes. Two writers then never
 * interleave: two applies end as one of them ran after the other, whatever
 * their timing. Readers (show, stats, status) take no lock.
 *
 * The lock is a lock file under LOCK_RUN_DIR named after the pin dir, not the
 * pin dir itself: it must exist before the first attach makes the pin dir and
 * after detach --all removes it, and /run is the same in `ip netns exec` as
 * outside. A killed holder releases it with its last file descriptor.
 */
#ifndef V4VIA6_LOCK_H
#define V4VIA6_LOCK_H

#include <stdbool.h>

#define LOCK_RUN_DIR "/run/v4via6"

/*
 * Called by the dispatcher before a command runs: whether it writes (the
 * `writes` of its command table entry, cmd.h), so whether lock_command()
 * locks. A new writing command says so in its table entry.
 */
void lock_note_command(bool writes);

/*
 * Takes the state lock of pin_dir when the command running writes (see
 * lock_note_command), until the process exits; at exit, when pin_dir is not
 * there (detach --all, or nothing was ever loaded), removes the lock file, so
 * that nothing is left behind. Errors are printed with cmd_name() in front.
 * Returns 0 or -errno.
 */
int lock_command(const char *pin_dir);

/*
 * Takes the state lock of pin_dir, waiting for its holder (with a message on
 * stderr after a second). Nests: a process that holds it already only counts.
 * One pin dir per process: another one gives -EDEADLK. With yield (sync's
 * batches), lets the commands already waiting go first. Returns 0 or -errno.
 */
int lock_take(const char *pin_dir, bool yield);
/* Undoes one lock_take; the last releases the lock. */
void lock_release(void);

/*
 * For readers (status): 1 when another process holds the state lock of
 * pin_dir (a writer is at work), 0 when nobody does (or only this process),
 * or -errno. Takes nothing, waits for nothing.
 */
int lock_busy(const char *pin_dir);

/*
 * For a holder that writes for long (sync draining a flood of notifications):
 * when a command waits for the lock, lets it run, and takes the lock again.
 * Cheap when nobody waits. Returns 1 when others ran (what they changed must
 * be read again), 0 when nobody waited, or -errno (the lock is then not held).
 */
int lock_yield(void);

#endif /* V4VIA6_LOCK_H */
