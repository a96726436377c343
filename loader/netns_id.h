/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Which network namespace a pin dir belongs to. A namespace's inode number is
 * reused once the namespace is gone (a new `ip netns add` of the same name often
 * gets the same one); its cookie (SO_NETNS_COOKIE, Linux 5.14) never is, for the
 * life of the kernel.
 */
#ifndef V4VIA6_NETNS_ID_H
#define V4VIA6_NETNS_ID_H

#include <linux/types.h>

/* This process's network namespace: its inode and cookie (0 before Linux 5.14). 0 or -errno. */
int netns_self(unsigned long *ino, __u64 *cookie);

/*
 * Whether a network namespace with inode ino (and cookie, when not 0) still
 * exists, as far as this process can find one: a process in it, an open file
 * of it, or a bind mount of it (ip netns add) in our mount namespace. Returns
 * 1 (found), 0 (none found) or -errno.
 */
int netns_alive(unsigned long ino, __u64 cookie);

#endif /* V4VIA6_NETNS_ID_H */
