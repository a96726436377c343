/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What `v4via6 sync` tells the other commands. A running sync keeps a small
 * status file (SYNC_STATUS_DIR, one per pin dir) with its pid and its counts
 * of the kernel's routes by what became of them; `v4via6 status` reads it with
 * sync_status_print(). The file is rewritten at most once a second, at each
 * full resync and on SIGUSR1 (which also logs the counts), and removed when
 * sync exits; a file whose pid is gone reads as "not running".
 */
#ifndef V4VIA6_SYNC_STATUS_H
#define V4VIA6_SYNC_STATUS_H

#include <stdbool.h>
#include <stddef.h>

#include "sync_table.h"

#define SYNC_STATUS_DIR "/run/v4via6"

/* What sync writes in its status file besides the table's counts. */
struct sync_run {
	unsigned int table;
	unsigned long resyncs; /* full dumps: the first one, overruns, links down, SIGHUP */
	unsigned long overruns; /* ENOBUFS on the notification socket */
	long last_resync; /* time() at the end of the last full resync */
	/* dumps the kernel flagged NLM_F_DUMP_INTR (they are redone) */
	unsigned long dumps_interrupted;
	unsigned long invalid; /* messages ignored as malformed (only a forger sends them) */
	unsigned long foreign; /* datagrams dropped: not sent by the kernel */
	/*
	 * Lag: from the moment notifications are there to read until the maps
	 * hold what they say (the wait for the state lock included), of the
	 * last batch and the largest since sync started, in microseconds.
	 */
	unsigned long lag_us_last;
	unsigned long lag_us_max;
};

/* The status file of the sync that serves pin_dir. 0 or -ENAMETOOLONG. */
int sync_status_path(const char *pin_dir, char *buf, size_t len);
int sync_status_write(const char *pin_dir, const struct sync_run *run, const struct sync_counts *c);
void sync_status_remove(const char *pin_dir);
/*
 * For `v4via6 status`: whether a sync serves pin_dir, and its counts. Prints
 * text on stdout; with json, adds a "sync" member to the object the caller
 * has open (json.h). Returns true when a sync process is running.
 */
bool sync_status_print(const char *pin_dir, bool json);
/*
 * For metrics: when a sync serves pin_dir, calls fn with each field of its
 * status file (pid, table, resyncs, overruns, routes_<reason>, ...). Returns
 * true when a sync process is running.
 */
bool sync_status_fields(const char *pin_dir,
			void (*fn)(void *arg, const char *key, unsigned long val), void *arg);

#endif /* V4VIA6_SYNC_STATUS_H */
