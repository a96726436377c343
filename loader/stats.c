// SPDX-License-Identifier: GPL-2.0-only
/*
 * v4via6 stats: the forwarding counters summed over CPUs. Their names and
 * offsets come from the stats map's BTF, so struct fwd_stats in
 * include/v4via6.h stays the one place that names them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "v4via6.h"
#include "cmd.h"
#include "commands.h"
#include "common.h"
#include "counters.h"
#include "json.h"
#include "watch.h"

const char stats_usage[] =
	"Usage: v4via6 stats [-w [SECONDS] [-c COUNT]]\n"
	"  The forwarding counters (struct fwd_stats), summed over CPUs.\n"
	"  -w, --watch [SECONDS]  every SECONDS (default 1), the rate per second of each counter,\n"
	"                         globally and per ingress interface, until SIGINT: redrawn in\n"
	"                         place on a terminal, one block (with -j one JSON object, one\n"
	"                         line) per interval otherwise\n"
	"  -c, --count COUNT      with -w: stop after COUNT intervals\n";

int do_stats(int argc, char **argv)
{
	struct counter_names cn;
	struct v4via6_state st;
	__u64 sum[COUNTERS_MAX];
	int i, err;

	for (i = 0; i < argc; i++)
		if (!strcmp(argv[i], "-w") || !strcmp(argv[i], "--watch"))
			return stats_watch(argc, argv);
	/* without -w, stats takes no argument: the table cannot bound an option's */
	if (argc)
		return usage_error("too many arguments");
	if (open_state(&st, false))
		return EXIT_FAIL;
	err = counters_names(st.stats_fd, &cn);
	if (err) {
		pr_err("stats: reading the counters' BTF: %s", strerror(-err));
		goto out;
	}
	err = counters_read(st.stats_fd, &cn, 1, sum);
	if (err) {
		pr_err("stats: reading counters: %s", strerror(-err));
		goto out;
	}
	if (json_output)
		json_object_start();
	for (i = 0; i < cn.n; i++) {
		if (json_output)
			json_kv_uint(cn.name[i], sum[i]);
		else
			printf("%s %llu\n", cn.name[i], (unsigned long long)sum[i]);
	}
	if (json_output)
		json_object_end();
out:
	state_close(&st);
	return err ? EXIT_FAIL : EXIT_OK;
}
