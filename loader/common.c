// SPDX-License-Identifier: GPL-2.0-only
/* Global options and opening the state: shared by all commands. */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

#include "cmd.h"
#include "common.h"
#include "fib24.h"
#include "lock.h"

const char *pin_dir_opt;

static bool has_cap(const struct __user_cap_data_struct *caps, int cap)
{
	return caps[CAP_TO_INDEX(cap)].effective & CAP_TO_MASK(cap);
}

/*
 * Every command that reaches the state needs the kernel's BPF and network
 * privileges: bpf() on the maps and the program (kernels refuse it to other
 * users by default: kernel.unprivileged_bpf_disabled), XDP attach, and the
 * pin dir, which root made 0700.
 * Checked here, before anything is tried, so that a user who is not root gets
 * one clear line rather than whatever the first call says (EPERM, EACCES, a
 * missing pin dir that is only unreadable, libbpf's own lines). CAP_SYS_ADMIN
 * stands for CAP_BPF, as the kernel allows (bpf_capable()).
 */
static int check_privileges(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct caps[_LINUX_CAPABILITY_U32S_3] = {};

	if (syscall(SYS_capget, &hdr, caps))
		return 0; /* cannot tell: let the kernel say */
	if (has_cap(caps, CAP_NET_ADMIN) &&
	    (has_cap(caps, CAP_BPF) || has_cap(caps, CAP_SYS_ADMIN)))
		return 0;
	pr_err("%s: needs root (CAP_BPF and CAP_NET_ADMIN)", cmd_name());
	return -EPERM;
}

void pr_state_err(const char *dir, int err)
{
	const char *what = cmd_name();

	if (err == -EACCES || err == -EPERM)
		pr_err("%s: %s: %s (run as root)", what, dir, strerror(-err));
	else if (!state_err_reported(err))
		pr_err("%s: %s: %s", what, dir, strerror(-err));
}

int resolve_pin_dir(char *buf, size_t len, bool create)
{
	const char *what = cmd_name();
	int err;

	err = check_privileges();
	if (err)
		return err;
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
	/* a writing command holds its state's lock from here to its end; before any mount */
	err = lock_command(buf);
	if (err)
		return err;
	err = state_find_bpffs(buf, create);
	if (err && !state_err_reported(err))
		pr_err("%s: bpffs for %s: %s", what, buf, strerror(-err));
	return err;
}

int open_state(struct v4via6_state *st, bool create)
{
	char dir[PATH_MAX];
	int err;

	err = resolve_pin_dir(dir, sizeof(dir), create);
	if (err)
		return err;
	err = state_open(st, dir, create);
	if (err == -ENOENT && !create)
		pr_err("%s: not loaded (nothing pinned in %s; v4via6 attach IFACE first)",
		       cmd_name(), dir);
	else if (err)
		pr_state_err(dir, err);
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

int open_fib(const struct v4via6_state *st, struct fib24 *fib)
{
	int err = fib24_open_state(fib, st);

	if (err)
		pr_err("%s: mapping the forwarding table: %s", cmd_name(), strerror(-err));
	return err;
}

int open_state_fib(struct v4via6_state *st, struct fib24 *fib)
{
	if (open_state(st, false))
		return -1;
	if (open_fib(st, fib)) {
		state_close(st);
		return -1;
	}
	return 0;
}

int open_state_repaired(struct v4via6_state *st)
{
	struct fib24 fib;

	if (open_state_fib(st, &fib))
		return -1;
	fib24_close(&fib);
	return 0;
}
