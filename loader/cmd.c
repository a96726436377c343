// SPDX-License-Identifier: GPL-2.0-only
/* Command tables matched by unambiguous prefix (see cmd.h). */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "common.h"
#include "lock.h"

bool wants_help(int argc, char **argv)
{
	int i;

	if (argc >= 1 && !strcmp(argv[0], "help"))
		return true;
	for (i = 0; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return true;
	return false;
}

int print_help(const char *usage)
{
	fputs(usage, stdout);
	return EXIT_OK;
}

int usage_error(const char *what, const char *why, const char *usage)
{
	if (what)
		pr_err("%s: %s", what, why);
	else
		pr_err("%s", why);
	if (!json_output) /* a script's log needs the error, not the manual */
		fputs(usage, stderr);
	return EXIT_USAGE;
}

int cmd_dispatch(const char *what, const struct cmd *cmds, int (*dflt)(int, char **), int argc,
		 char **argv, const char *usage)
{
	const struct cmd *c, *found = NULL, *match = NULL;
	char why[256];
	size_t n;

	if (argc < 1) {
		if (dflt) {
			lock_note_command(what, NULL);
			return dflt(0, argv);
		}
		return usage_error(what, "missing command", usage);
	}
	if (is_help(argv[0]))
		return print_help(usage);
	n = strlen(argv[0]);
	for (c = cmds; c->name && !found; c++)
		if (!strcmp(c->name, argv[0]))
			found = c;
	for (c = cmds; c->name && n && !found; c++) {
		if (strncmp(c->name, argv[0], n))
			continue;
		/* aliases (del, delete) share a function and are not ambiguous */
		if (match && match->fn != c->fn) {
			snprintf(why, sizeof(why), "%s: ambiguous (%s or %s?)", argv[0],
				 match->name, c->name);
			return usage_error(what, why, usage);
		}
		if (!match)
			match = c;
	}
	if (!found)
		found = match;
	if (!found) {
		snprintf(why, sizeof(why), "%s: unknown command", argv[0]);
		return usage_error(what, why, usage);
	}
	lock_note_command(what, found->name);
	return found->fn(argc - 1, argv + 1);
}
