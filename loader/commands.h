/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The entry points of the v4via6 commands and their usage texts, for main.c's
 * command table. Each gets the arguments after its own name (argv[0] is the
 * first of them), already checked against the table's bounds, and returns the
 * exit status: 0 success, 1 failure, 2 bad usage.
 */
#ifndef V4VIA6_COMMANDS_H
#define V4VIA6_COMMANDS_H

int do_attach(int argc, char **argv); /* attach.c */
int do_detach(int argc, char **argv); /* attach.c */
int do_route(int argc, char **argv); /* route.c */
int do_neigh(int argc, char **argv); /* neigh.c */
int do_nexthop(int argc, char **argv); /* nexthop.c */
int do_apply(int argc, char **argv); /* apply.c */
int do_stats(int argc, char **argv); /* stats.c */
int do_status(int argc, char **argv); /* status.c */
int do_sync(int argc, char **argv); /* sync.c */
int do_metrics(int argc, char **argv); /* metrics.c */
int do_exporter(int argc, char **argv); /* exporter.c */
int do_upgrade(int argc, char **argv); /* upgrade.c */

extern const char attach_usage[], detach_usage[], route_usage[], neigh_usage[];
extern const char nexthop_usage[];
extern const char apply_usage[], stats_usage[], status_usage[], sync_usage[];
extern const char metrics_usage[], exporter_usage[], upgrade_usage[];

#endif /* V4VIA6_COMMANDS_H */
