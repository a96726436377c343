// SPDX-License-Identifier: GPL-2.0-only
/* v4via6 attach and detach. */
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "array_size.h"
#include "v4via6.h"
#include "cmd.h"
#include "commands.h"
#include "common.h"
#include "fib24.h"
#include "iface.h"
#include "local.h"
#include "parse.h"

const char attach_usage[] =
	"Usage: v4via6 attach IFACE... [--mode native|skb]\n"
	"  Loads the program if it is not loaded and attaches it to each IFACE, in native\n"
	"  (driver) mode unless --mode skb says otherwise. Already attached: nothing\n"
	"  changes but the interface's MAC and MTU, which are read again. All or nothing:\n"
	"  when one IFACE fails, the others attached by this command are detached again.\n";

const char detach_usage[] =
	"Usage: v4via6 detach IFACE... | --all\n"
	"  Detaches the program from each IFACE; routes via it stay (and go to the kernel).\n"
	"  --all detaches every interface and removes the program, maps and pins.\n";

/* Interface names to ifindexes, duplicates dropped; returns the count or -1 (printed). */
static int resolve_ifaces(int argc, char **argv, __u32 *out)
{
	char err[PARSE_ERR_LEN];
	int i, j, n = 0;
	__u32 idx;

	for (i = 0; i < argc; i++) {
		if (parse_ifname(argv[i], &idx, err, sizeof(err))) {
			pr_err("%s: %s", cmd_name(), err);
			return -1;
		}
		for (j = 0; j < n && out[j] != idx; j++)
			;
		if (j == n)
			out[n++] = idx;
	}
	return n;
}

/*
 * From the first attach on, the router's own addresses must reach the kernel,
 * whatever routes come later (a program just loaded has none yet).
 */
static int attach_local(const struct v4via6_state *st)
{
	struct fib24 fib;
	int err = fib24_open_state(&fib, st);

	if (err) {
		pr_err("attach: mapping the forwarding table: %s", strerror(-err));
		return EXIT_FAIL;
	}
	err = local_refresh(&fib, st->pin_dir);
	fib24_close(&fib);
	return err ? EXIT_FAIL : EXIT_OK;
}

int do_attach(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 },
	};
	enum xdp_attach_mode mode = XDP_MODE_UNSPEC;
	struct v4via6_state st;
	__u32 *idx = NULL;
	bool *attached = NULL;
	int c, i, n, rc = EXIT_FAIL;

	/* getopt wants a program name in argv[0]: our caller's argv[-1] is "attach" */
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc + 1, argv - 1, ":", opts, NULL)) != -1) {
		if (c == ':')
			return usage_error("--mode: missing argument");
		if (c != 'm')
			return usage_error("%s: unknown option", argv[optind - 2]);
		if (!parse_xdp_mode(optarg, &mode))
			return usage_error("--mode: native or skb");
	}
	argc -= optind - 1;
	argv += optind - 1;
	if (argc < 1)
		return usage_error("missing IFACE");

	idx = calloc(argc, sizeof(*idx));
	attached = calloc(argc, sizeof(*attached));
	if (!idx || !attached) {
		pr_err("attach: %s", strerror(ENOMEM));
		goto out_free;
	}
	n = resolve_ifaces(argc, argv, idx);
	if (n < 0)
		goto out_free;
	if (open_state(&st, true))
		goto out_free;
	for (i = 0; i < n; i++)
		if (iface_attach(&st, idx[i], mode, &attached[i]))
			break;
	if (i == n) {
		rc = attach_local(&st);
	} else {
		/* all or nothing: undo what this command attached */
		while (i-- > 0)
			if (attached[i])
				iface_detach(&st, idx[i], IFACE_UNDO);
		if (st.created) {
			state_close(&st);
			state_unpin(st.pin_dir);
		}
	}
	state_close(&st);
out_free:
	free(idx);
	free(attached);
	return rc;
}

/* detach --all: every interface, then the pins; nothing is left behind. */
static int detach_all(void)
{
	__u32 idx[V4VIA6_MAX_IFACES * 2];
	struct v4via6_state st;
	char dir[PATH_MAX];
	int i, n, err, rc = EXIT_OK;

	if (resolve_pin_dir(dir, sizeof(dir), false))
		return EXIT_FAIL;
	err = state_open_to_remove(&st, dir);
	if (err == -ESTALE)
		pr_err("detach: removing %s, left by a network namespace that no longer exists",
		       dir);
	if (err == -ENOENT || err == -EUCLEAN || err == -ESTALE) {
		/*
		 * Nothing loaded, an incomplete pin dir, or one left by a network
		 * namespace that is gone (and its interfaces with it): remove what
		 * is left; there is nothing to detach.
		 */
		err = state_unpin(dir);
		if (err && err != -ENOENT) {
			pr_err("detach: removing %s: %s", dir, strerror(-err));
			return EXIT_FAIL;
		}
		return EXIT_OK;
	}
	if (err) {
		pr_state_err(dir, err);
		return EXIT_FAIL;
	}
	n = iface_list(&st, idx, ARRAY_SIZE(idx));
	for (i = 0; i < n; i++) {
		err = iface_detach(&st, idx[i], IFACE_QUIET_MISSING);
		if (err && err != -ENOENT)
			rc = EXIT_FAIL;
	}
	state_close(&st);
	if (rc != EXIT_OK) {
		pr_err("detach: keeping the pins in %s: not every interface could be detached",
		       dir);
		return rc;
	}
	err = state_unpin(dir);
	if (err) {
		pr_err("detach: removing %s: %s", dir, strerror(-err));
		return EXIT_FAIL;
	}
	local_forget(dir);
	/*
	 * libxdp leaves an empty directory behind (/sys/fs/bpf/xdp, where it
	 * takes its lock) when it attaches: remove it if nobody else has put
	 * anything there, so that nothing of ours is left. rmdir refuses a
	 * directory that is not empty, and libxdp makes it again when needed.
	 */
	if (!getenv("LIBXDP_BPFFS"))
		rmdir("/sys/fs/bpf/xdp");
	return EXIT_OK;
}

int do_detach(int argc, char **argv)
{
	struct v4via6_state st;
	char err[PARSE_ERR_LEN];
	int i, rc = EXIT_OK;
	__u32 idx;

	if (!strcmp(argv[0], "--all") || !strcmp(argv[0], "all")) {
		if (argc > 1)
			return usage_error("--all takes no IFACE");
		return detach_all();
	}
	for (i = 0; i < argc; i++)
		if (argv[i][0] == '-')
			return usage_error("unknown option");
	if (open_state(&st, false))
		return EXIT_FAIL;
	for (i = 0; i < argc; i++) {
		if (parse_ifname(argv[i], &idx, err, sizeof(err))) {
			pr_err("detach: %s", err);
			rc = EXIT_FAIL;
			continue;
		}
		if (iface_detach(&st, idx, 0))
			rc = EXIT_FAIL;
	}
	state_close(&st);
	return rc;
}
