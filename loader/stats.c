// SPDX-License-Identifier: GPL-2.0-only
/* v4via6 stats: not written yet. */
#include "commands.h"
#include "common.h"

int do_stats(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	pr_err("stats: not implemented yet");
	return EXIT_FAIL;
}
