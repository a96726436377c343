// SPDX-License-Identifier: GPL-2.0-only
/*
 * v4via6: the command that loads, attaches and configures the XDP fast path
 * for IPv4 routes with IPv6 next hops. Global options, then one command table.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "commands.h"
#include "common.h"

static const char usage[] =
	"Usage: v4via6 [-v] [-j] [--pin-dir DIR] COMMAND ...\n"
	"  attach IFACE... [--mode native|skb]     load the program, attach it to each IFACE\n"
	"  detach IFACE... | --all                 detach; --all also removes the pins\n"
	"  route add|replace PREFIX via [inet6] IPV6 dev IFACE | nhid ID\n"
	"  route add|replace PREFIX nexthop via [inet6] IPV6 dev IFACE [weight W] [nexthop ...]\n"
	"  route del PREFIX | show [PREFIX] | flush\n"
	"  neigh add|replace IPV6 lladdr MAC dev IFACE\n"
	"  neigh del IPV6 dev IFACE | show | flush\n"
	"  nexthop add|replace id ID via [inet6] IPV6 dev IFACE | group ID[,W]/ID[,W]...\n"
	"  nexthop del id ID\n"
	"  nexthop show [-s] [id ID | object N] [dev IFACE]  objects, groups and the slots in\n"
	"                                          use; -s: counters\n"
	"  apply FILE                              make the state equal to FILE (- = stdin)\n"
	"  stats [-w [SECONDS]]                    forwarding counters, summed over CPUs; -w: rates\n"
	"  status                                  interfaces, program, pin dir, counts\n"
	"  sync ...                                follow the kernel's routes\n"
	"  metrics                                 every counter and gauge, Prometheus text format\n"
	"  exporter [--listen ADDR:PORT]           serve them over HTTP at /metrics\n"
	"  upgrade                                 replace the loaded program by this build's\n"
	"Options:\n"
	"  -v, --verbose        libbpf's and libxdp's debug log\n"
	"  -j, --json           JSON on stdout: show, stats, status, apply, and errors\n"
	"  --pin-dir DIR        pin dir (default /sys/fs/bpf/v4via6, or v4via6-NS in netns NS)\n"
	"Commands and sub-commands may be shortened to an unambiguous prefix (v4via6 r sh).\n";

/* name, function, usage, min and max argument count, what the minimum names; writers */
static const struct cmd commands[] = {
	{ "attach", do_attach, attach_usage, 0, CMD_ANY, .writes = true },
	{ "detach", do_detach, detach_usage, 1, CMD_ANY, "IFACE or --all", .writes = true },
	{ "route", do_route, route_usage, .group = true },
	{ "neigh", do_neigh, neigh_usage, .group = true },
	{ "nexthop", do_nexthop, nexthop_usage, .group = true },
	{ "apply", do_apply, apply_usage, 1, 1, "FILE", .writes = true },
	{ "stats", do_stats, stats_usage, 0, CMD_ANY },
	{ "status", do_status, status_usage, 0, 0 },
	{ "sync", do_sync, sync_usage, 0, CMD_ANY },
	{ "metrics", do_metrics, metrics_usage, 0, 0 },
	{ "exporter", do_exporter, exporter_usage, 0, CMD_ANY },
	{ "upgrade", do_upgrade, upgrade_usage, 0, 0, .writes = true },
	{ NULL },
};

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "verbose", no_argument, NULL, 'v' },
		{ "json", no_argument, NULL, 'j' },
		{ "pin-dir", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	/*
	 * "+": options end at the command; the command's own options follow it.
	 * ":" and opterr = 0: getopt's own messages name argv[0] (a path), not
	 * "v4via6:", so the errors are said here, in the one style.
	 */
	opterr = 0;
	cmd_set_usage(usage);
	while ((c = getopt_long(argc, argv, "+:vjh", opts, NULL)) != -1) {
		switch (c) {
		case 'v':
			verbose = true;
			break;
		case 'j':
			json_output = true;
			break;
		case 'p':
			pin_dir_opt = optarg;
			break;
		case 'h':
			return print_help(usage);
		case ':':
			return usage_error("%s: missing argument", argv[optind - 1]);
		default: /* optopt is the bad letter of a short option, 0 for a long one */
			if (optopt)
				return usage_error("-%c: unknown option", optopt);
			return usage_error("%s: unknown option", argv[optind - 1]);
		}
	}
	setup_library_logging();
	return cmd_dispatch(commands, NULL, argc - optind, argv + optind, usage);
}
