// SPDX-License-Identifier: GPL-2.0-only
/* Placeholder for `v4via6 sync`: the sync engineer replaces this file. */
#include "commands.h"
#include "common.h"

int do_sync(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	pr_err("sync: not implemented yet");
	return EXIT_FAIL;
}
