// SPDX-License-Identifier: GPL-2.0-only
/* Global options, error printing and opening the state: shared by all commands. */
#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "common.h"

bool verbose;
bool json_output;
const char *pin_dir_opt;

void pr_err(const char *fmt, ...)
{
	va_list ap;

	fputs("v4via6: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static bool libbpf_silenced;

void quiet_libbpf(bool quiet)
{
	libbpf_silenced = quiet;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if ((level == LIBBPF_DEBUG || libbpf_silenced) && !verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static int libxdp_print(enum libxdp_print_level level, const char *fmt, va_list ap)
{
	/*
	 * libxdp 1.3.1 warns on every attach that its dispatcher cannot load on
	 * this kernel, then attaches the program alone, which is what we want:
	 * its messages are noise unless asked for.
	 */
	if (!verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void setup_library_logging(void)
{
	libbpf_set_print(libbpf_print);
	libxdp_set_print(libxdp_print);
}

int resolve_pin_dir(const char *what, char *buf, size_t len, bool create)
{
	int err;

	if (pin_dir_opt) {
		if (!*pin_dir_opt) {
			pr_err("%s: --pin-dir: empty", what);
			return -EINVAL;
		}
		if (strlen(pin_dir_opt) >= len) {
			pr_err("%s: pin dir %s: %s", what, pin_dir_opt, strerror(ENAMETOOLONG));
			return -ENAMETOOLONG;
		}
		strcpy(buf, pin_dir_opt);
		/* a trailing slash would make the parent computation wrong */
		while (strlen(buf) > 1 && buf[strlen(buf) - 1] == '/')
			buf[strlen(buf) - 1] = '\0';
	} else {
		err = state_default_pin_dir(buf, len);
		if (err) {
			pr_err("%s: finding the pin dir: %s", what, strerror(-err));
			return err;
		}
	}
	err = state_find_bpffs(buf, create);
	if (err && !state_err_reported(err))
		pr_err("%s: bpffs for %s: %s", what, buf, strerror(-err));
	return err;
}

int open_state(const char *what, struct v4via6_state *st, bool create)
{
	char dir[PATH_MAX];
	int err;

	err = resolve_pin_dir(what, dir, sizeof(dir), create);
	if (err)
		return err;
	err = state_open(st, dir, create);
	if (err == -ENOENT && !create)
		pr_err("%s: not loaded (nothing pinned in %s; v4via6 attach IFACE first)", what,
		       dir);
	else if (err && !state_err_reported(err))
		pr_err("%s: %s: %s", what, dir, strerror(-err));
	return err;
}

/*
 * if_indextoname costs a socket and an ioctl: route show prints a million
 * lines over a handful of interfaces, so the names are remembered for the
 * life of the process. Only for short commands: a long-running one (sync)
 * would keep a renamed interface's old name.
 */
#define IFNAME_CACHE 64

const char *ifname_of(__u32 ifindex, char *buf)
{
	if (!if_indextoname(ifindex, buf))
		snprintf(buf, IF_NAMESIZE, "if%u", ifindex);
	return buf;
}

const char *ifname_cached(__u32 ifindex, char *buf)
{
	static struct {
		__u32 ifindex;
		char name[IF_NAMESIZE];
	} cache[IFNAME_CACHE];
	static int used;
	int i;

	for (i = 0; i < used; i++) {
		if (cache[i].ifindex == ifindex) {
			memcpy(buf, cache[i].name, IF_NAMESIZE);
			return buf;
		}
	}
	ifname_of(ifindex, buf);
	if (used < IFNAME_CACHE) {
		cache[used].ifindex = ifindex;
		memcpy(cache[used++].name, buf, IF_NAMESIZE);
	}
	return buf;
}

bool is_help(const char *arg)
{
	return !strcmp(arg, "help") || !strcmp(arg, "--help") || !strcmp(arg, "-h");
}
