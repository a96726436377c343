// SPDX-License-Identifier: GPL-2.0-only
/* Reading the nexthop objects, their counters and the tbl8 pool (see nhview.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "nhview.h"

/* Maps a whole array map read-only; *n its entries, *size the mapping's length. */
static const void *map_ro(int fd, __u32 value_size, __u32 *n, size_t *size)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	void *p;

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return NULL;
	if (info.value_size != value_size || !info.max_entries) {
		errno = EINVAL;
		return NULL;
	}
	*n = info.max_entries;
	*size = (size_t)info.max_entries * value_size;
	p = mmap(NULL, *size, PROT_READ, MAP_SHARED, fd, 0);
	return p == MAP_FAILED ? NULL : p;
}

int nh_view_open(struct nh_view *v, int nexthops_fd)
{
	memset(v, 0, sizeof(*v));
	v->slots = map_ro(nexthops_fd, sizeof(*v->slots), &v->n, &v->size);
	if (!v->slots) {
		memset(v, 0, sizeof(*v));
		return -errno;
	}
	return 0;
}

void nh_view_close(struct nh_view *v)
{
	if (v->slots && v->size)
		munmap((void *)v->slots, v->size);
	memset(v, 0, sizeof(*v));
}

static struct {
	__u32 id;
	struct nh_view v;
} cache;

void nh_view_release(void)
{
	nh_view_close(&cache.v);
	cache.id = 0;
}

int nh_view_cached(struct nh_view *v, int nexthops_fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	int err;

	if (bpf_obj_get_info_by_fd(nexthops_fd, &info, &len))
		return -errno;
	if (info.id != cache.id || !cache.v.slots) {
		nh_view_release();
		err = nh_view_open(&cache.v, nexthops_fd);
		if (err)
			return err;
		cache.id = info.id;
	}
	*v = cache.v;
	v->size = 0; /* not the caller's to unmap */
	return 0;
}

__u32 nh_view_list(const struct nh_view *v, __u32 *idx, __u32 max)
{
	__u32 i, n = 0;

	for (i = 1; i < v->n; i++) {
		if (!nh_in_use(v, i))
			continue;
		if (n < max)
			idx[n] = i;
		n++;
	}
	return n;
}

/*
 * Up to this many slots, one lookup each; above, one batch of the whole
 * array (65536 slots x CPUs x 16 bytes: 2 MiB on 2 CPUs). Measured on the
 * exporter here (2 CPUs, loaded): 100 objects cost 5 ms of CPU a scrape one
 * by one, 13 ms with the batch; 1,000 objects 14 and 15 ms.
 */
#define NH_STATS_PER_KEY_MAX 1024

static void sum_cpus(const struct nh_stats *v, int ncpus, struct nh_stats *out)
{
	int cpu;

	out->packets = out->bytes = 0;
	for (cpu = 0; cpu < ncpus; cpu++) {
		out->packets += v[cpu].packets;
		out->bytes += v[cpu].bytes;
	}
}

int nh_stats_read(int nh_stats_fd, const __u32 *idx, __u32 n, struct nh_stats *out)
{
	int ncpus = libbpf_num_possible_cpus();
	struct bpf_map_info info = {};
	__u32 len = sizeof(info), i, count, batch = 0, *keys = NULL;
	struct nh_stats *vals = NULL;
	int err = 0;

	/* struct nh_stats is 16 bytes: per-CPU values need no padding */
	if (ncpus < 1)
		return ncpus ? ncpus : -EINVAL;
	if (bpf_obj_get_info_by_fd(nh_stats_fd, &info, &len))
		return -errno;
	if (info.value_size != sizeof(struct nh_stats))
		return -EINVAL;
	if (n > NH_STATS_PER_KEY_MAX) {
		count = info.max_entries;
		vals = malloc((size_t)count * ncpus * sizeof(*vals));
		keys = malloc((size_t)count * sizeof(*keys));
		if (!vals || !keys) {
			err = -ENOMEM;
			goto out;
		}
		/* an array's batch comes back in key order, from key 0 */
		if ((!bpf_map_lookup_batch(nh_stats_fd, NULL, &batch, keys, vals, &count, NULL) ||
		     errno == ENOENT) &&
		    count == info.max_entries) {
			for (i = 0; i < n; i++)
				if (idx[i] < count)
					sum_cpus(vals + (size_t)idx[i] * ncpus, ncpus, &out[i]);
			goto out;
		}
		free(vals); /* no batch operations: one lookup per slot */
	}
	vals = malloc((size_t)ncpus * sizeof(*vals));
	if (!vals) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (bpf_map_lookup_elem(nh_stats_fd, &idx[i], vals)) {
			err = -errno;
			goto out;
		}
		sum_cpus(vals, ncpus, &out[i]);
	}
out:
	free(vals);
	free(keys);
	return err;
}

static int u32_cmp(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

int nh_defs_ids(int nh_defs_fd, __u32 kind, __u32 **ids, __u32 *n)
{
	struct nh_key key, next, *prev = NULL;
	__u32 cap = 0, *p;

	*ids = NULL;
	*n = 0;
	if (nh_defs_fd < 0)
		return 0; /* a pin dir of a build without objects: none */
	while (!bpf_map_get_next_key(nh_defs_fd, prev, &next)) {
		key = next;
		prev = &key;
		if (key.kind != kind)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			p = realloc(*ids, cap * sizeof(*p));
			if (!p) {
				free(*ids);
				*ids = NULL;
				return -ENOMEM;
			}
			*ids = p;
		}
		(*ids)[(*n)++] = key.id;
	}
	if (errno != ENOENT) {
		free(*ids);
		*ids = NULL;
		return -errno;
	}
	if (*n)
		qsort(*ids, *n, sizeof(**ids), u32_cmp);
	return 0;
}

bool nh_link_down(int links_down_fd, __u32 ifindex)
{
	__u32 v;

	return links_down_fd >= 0 && !bpf_map_lookup_elem(links_down_fd, &ifindex, &v) && v;
}

__u32 nh_group_naming(int nh_defs_fd, __u32 id)
{
	struct nh_key key, next, *prev = NULL;
	struct nh_def def;
	__u32 i, found = 0;

	if (nh_defs_fd < 0)
		return 0;
	while (!found && !bpf_map_get_next_key(nh_defs_fd, prev, &next)) {
		key = next;
		prev = &key;
		if (key.kind != V4VIA6_NH_NAMED || bpf_map_lookup_elem(nh_defs_fd, &key, &def) ||
		    !(def.flags & V4VIA6_NHDEF_GROUP))
			continue;
		for (i = 0; i < def.n && i < V4VIA6_NHGRP_MAX_SIZE; i++)
			if (def.m[i].id == id)
				found = key.id;
	}
	return found;
}

/* qsort has no argument for the view: the one being sorted */
static const struct nh_view *sort_view;

static int slot_nh_cmp(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;
	int c = memcmp(&sort_view->slots[x].nh, &sort_view->slots[y].nh, sizeof(struct nexthop));

	return c ? c : (x < y ? -1 : x > y);
}

void nh_view_sort_by_nh(const struct nh_view *v, __u32 *idx, __u32 n)
{
	sort_view = v;
	if (n)
		qsort(idx, n, sizeof(*idx), slot_nh_cmp);
	sort_view = NULL;
}

__u32 nh_view_find(const struct nh_view *v, const __u32 *idx, __u32 n, const struct nexthop *nh,
		   __u32 *first)
{
	__u32 lo = 0, hi = n, k;

	while (lo < hi) {
		__u32 mid = lo + (hi - lo) / 2;

		if (memcmp(&v->slots[idx[mid]].nh, nh, sizeof(*nh)) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*first = lo;
	for (k = lo; k < n && !memcmp(&v->slots[idx[k]].nh, nh, sizeof(*nh)); k++)
		;
	return k - lo;
}

int tbl8_blocks_used(int owners_fd, __u32 *used, __u32 *total)
{
	const __u64 *owners;
	size_t size;
	__u32 g;

	owners = map_ro(owners_fd, sizeof(*owners), total, &size);
	if (!owners)
		return -errno;
	*used = 0;
	for (g = 0; g < *total; g++)
		*used += (owners[g] & FIB24_GROUP_USED) != 0;
	munmap((void *)owners, size);
	return 0;
}

void pool_counts_read(int nexthops_fd, int owners_fd, struct pool_counts *c)
{
	__u32 used, total;
	struct nh_view v;

	c->nh = c->nh_limit = c->t8_used = c->t8_total = -1;
	if (!nh_view_open(&v, nexthops_fd)) {
		c->nh = nh_view_list(&v, NULL, 0);
		c->nh_limit = v.n - 1; /* slot 0 is never a next hop */
		nh_view_close(&v);
	}
	if (!tbl8_blocks_used(owners_fd, &used, &total)) {
		c->t8_used = used;
		c->t8_total = total;
	}
}
