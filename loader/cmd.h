/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Command tables: a command or sub-command is picked by its name or by an
 * unambiguous prefix of it, as bpftool and ip do (`v4via6 r sh`). The table
 * does the chores every command shares: --help, argument counts, and the
 * command's name in front of its errors.
 */
#ifndef V4VIA6_CMD_H
#define V4VIA6_CMD_H

#include <limits.h>
#include <stdbool.h>

#define CMD_ANY INT_MAX /* max_args of a command that counts its own arguments */

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage; /* printed on stdout by --help, on stderr after a usage error */
	int min_args; /* fewer: "missing <args>" */
	int max_args; /* more: "too many arguments" */
	const char *args; /* what min_args names in "missing ...": "FILE" */
	bool group; /* fn dispatches sub-commands, which do the chores themselves */
	bool writes; /* writes the state: holds its lock for the whole command (lock.h) */
};

/*
 * Runs the entry of cmds (ended by a NULL name) that argv[0] names, with the
 * arguments after it; no argument runs the entry named dflt, or is a usage
 * error when dflt is NULL. "help", "--help" and "-h" in argv[0] print usage on
 * stdout (exit 0). An unknown or ambiguous name is a usage error (exit 2).
 * Before running an entry that is not a group, answers "help", "--help" or
 * "-h" anywhere in its arguments with its usage, and checks its argument
 * count; the entry's name (an alias's first name: "route del" for "route
 * delete") is added to cmd_name() for the command's errors, and whether it
 * writes is told to lock_command().
 */
int cmd_dispatch(const struct cmd *cmds, const char *dflt, int argc, char **argv,
		 const char *usage);

/* The command running: "route add", or "v4via6" before one is picked. */
const char *cmd_name(void);

/* The usage that usage_error prints before cmd_dispatch picks one: main's own. */
void cmd_set_usage(const char *usage);

/* Prints usage on stdout, returns 0: the answer to --help. */
int print_help(const char *usage);

/*
 * Prints "v4via6: <command>: <why>" and the running command's usage (not
 * under -j) on stderr, returns 2.
 */
int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* V4VIA6_CMD_H */
