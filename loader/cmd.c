// SPDX-License-Identifier: GPL-2.0-only
/* Command tables matched by unambiguous prefix, and their chores (see cmd.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "common.h"
#include "lock.h"

static char cur_name[64]; /* "route add"; empty before a command is picked */
static const char *cur_usage; /* the usage of the table or entry running */

const char *cmd_name(void)
{
	return cur_name[0] ? cur_name : "v4via6";
}

/* "help", "--help" or "-h". */
static bool is_help(const char *arg)
{
	return !strcmp(arg, "help") || !strcmp(arg, "--help") || !strcmp(arg, "-h");
}

/* True when the arguments ask for help: argv[0] is "help", or any is "--help" or "-h". */
static bool wants_help(int argc, char **argv)
{
	int i;

	if (argc >= 1 && !strcmp(argv[0], "help"))
		return true;
	for (i = 0; i < argc; i++)
		if (strcmp(argv[i], "help") && is_help(argv[i]))
			return true;
	return false;
}

void cmd_set_usage(const char *usage)
{
	cur_usage = usage;
}

int print_help(const char *usage)
{
	fputs(usage, stdout);
	return EXIT_OK;
}

int usage_error(const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (cur_name[0])
		pr_err("%s: %s", cur_name, why);
	else
		pr_err("%s", why);
	if (!json_output && cur_usage) /* a script's log needs the error, not the manual */
		fputs(cur_usage, stderr);
	return EXIT_USAGE;
}

/* Names the entry c of cmds (by its first alias) in cmd_name(), then runs it. */
static int run(const struct cmd *cmds, const struct cmd *c, int argc, char **argv)
{
	const struct cmd *first = cmds;
	size_t n = strlen(cur_name);

	while (first->fn != c->fn)
		first++;
	snprintf(cur_name + n, sizeof(cur_name) - n, "%s%s", n ? " " : "", first->name);
	cur_usage = c->usage;
	if (c->group)
		return c->fn(argc, argv);
	lock_note_command(c->writes);
	if (wants_help(argc, argv))
		return print_help(c->usage);
	if (argc < c->min_args)
		return usage_error("missing %s", c->args);
	if (argc > c->max_args)
		return usage_error("too many arguments");
	return c->fn(argc, argv);
}

int cmd_dispatch(const struct cmd *cmds, const char *dflt, int argc, char **argv, const char *usage)
{
	const struct cmd *c, *found = NULL, *match = NULL;
	size_t n;

	cur_usage = usage;
	if (argc < 1) {
		for (c = cmds; dflt && c->name && !found; c++)
			if (!strcmp(c->name, dflt))
				found = c;
		if (!found)
			return usage_error("missing command");
		return run(cmds, found, 0, argv);
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
		if (match && match->fn != c->fn)
			return usage_error("%s: ambiguous (%s or %s?)", argv[0], match->name,
					   c->name);
		if (!match)
			match = c;
	}
	if (!found)
		found = match;
	if (!found)
		return usage_error("%s: unknown command", argv[0]);
	return run(cmds, found, argc - 1, argv + 1);
}
