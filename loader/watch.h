/* SPDX-License-Identifier: GPL-2.0-only */
/* v4via6 stats -w: the counters' rates per second, redrawn every interval (watch.c). */
#ifndef V4VIA6_WATCH_H
#define V4VIA6_WATCH_H

/* stats with -w/--watch among argv (the arguments after "stats"); returns the exit status. */
int stats_watch(int argc, char **argv);

#endif /* V4VIA6_WATCH_H */
