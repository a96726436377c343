// SPDX-License-Identifier: GPL-2.0-only
/* v4via6 apply: not written yet. */
#include "commands.h"
#include "common.h"

int do_apply(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	pr_err("apply: not implemented yet");
	return EXIT_FAIL;
}
