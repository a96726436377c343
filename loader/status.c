// SPDX-License-Identifier: GPL-2.0-only
/* v4via6 status: not written yet. */
#include "commands.h"
#include "common.h"

int do_status(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	pr_err("status: not implemented yet");
	return EXIT_FAIL;
}
