// SPDX-License-Identifier: GPL-2.0-only
/* The egress array: which interfaces are attached, their MAC and MTU (egress.h). */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <bpf/bpf.h>

#include "egress.h"

int egress_get(int fd, __u32 ifindex, struct egress *eg)
{
	if (ifindex >= V4VIA6_MAX_PORT_IFINDEX)
		return -ENOENT;
	if (bpf_map_lookup_elem(fd, &ifindex, eg))
		return -errno;
	return eg->mtu ? 0 : -ENOENT;
}

int egress_set(int fd, __u32 ifindex, const struct egress *eg)
{
	if (ifindex >= V4VIA6_MAX_PORT_IFINDEX)
		return -ERANGE;
	return bpf_map_update_elem(fd, &ifindex, eg, BPF_ANY) ? -errno : 0;
}

int egress_clear(int fd, __u32 ifindex)
{
	struct egress none = {};

	return egress_set(fd, ifindex, &none);
}

int egress_list(int fd, __u32 *ifindexes, int max)
{
	/* an array map lays its values out 8-byte aligned */
	const size_t stride = (sizeof(struct egress) + 7) & ~(size_t)7;
	const size_t len = stride * V4VIA6_MAX_PORT_IFINDEX;
	const struct egress *eg;
	const char *p;
	__u32 i;
	int n = 0;

	/* through mmap: 65536 lookups would cost a syscall each */
	p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	for (i = 1; i < V4VIA6_MAX_PORT_IFINDEX && n < max; i++) {
		eg = (const struct egress *)(p + i * stride);
		if (eg->mtu)
			ifindexes[n++] = i;
	}
	munmap((void *)p, len);
	return n;
}
