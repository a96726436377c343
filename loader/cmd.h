/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Command tables: a command or sub-command is picked by its name or by an
 * unambiguous prefix of it, as bpftool and ip do (`v4via6 r sh`).
 */
#ifndef V4VIA6_CMD_H
#define V4VIA6_CMD_H

#include <stdbool.h>

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
};

/*
 * Runs the entry of cmds (ended by a NULL name) that argv[0] names, with the
 * arguments after it. "help", "--help" and "-h" print usage on stdout (exit 0);
 * no argument runs dflt, or is a usage error when dflt is NULL; an unknown or
 * ambiguous name is a usage error (exit 2) with usage on stderr.
 */
int cmd_dispatch(const char *what, const struct cmd *cmds, int (*dflt)(int, char **), int argc,
		 char **argv, const char *usage);

/* True when the arguments ask for help: argv[0] is "help", or any is "--help" or "-h". */
bool wants_help(int argc, char **argv);

/* Prints usage on stdout, returns 0: the answer to --help. */
int print_help(const char *usage);

/* Prints "v4via6: <what>: <why>" and usage (not under -j) on stderr, returns 2. */
int usage_error(const char *what, const char *why, const char *usage);

#endif /* V4VIA6_CMD_H */
