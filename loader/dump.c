// SPDX-License-Identifier: GPL-2.0-only
/* Reading whole maps (see dump.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "dump.h"
#include "parse.h"

int route_entry_cmp(const void *a, const void *b)
{
	return route_key_cmp(&((const struct route_entry *)a)->key,
			     &((const struct route_entry *)b)->key);
}

int neigh_entry_cmp(const void *a, const void *b)
{
	return neigh_key_cmp(&((const struct neigh_entry *)a)->key,
			     &((const struct neigh_entry *)b)->key);
}

/* Grows *buf (of *cap elements of size) to hold one more than n. */
static int grow(void **buf, size_t *cap, size_t n, size_t size)
{
	void *p;

	if (n < *cap)
		return 0;
	*cap = *cap ? *cap * 2 : 1024;
	p = realloc(*buf, *cap * size);
	if (!p)
		return -ENOMEM;
	*buf = p;
	return 0;
}

/*
 * Reads the map a batch at a time (BPF_MAP_LOOKUP_BATCH: a million routes in
 * a few hundred syscalls rather than two million). A kernel or map type
 * without batch support gives -EINVAL or -ENOTSUPP: the caller walks the keys.
 */
#define BATCH		8192
#define ENOTSUPP_KERNEL 524

static int dump_batch(int fd, size_t key_size, size_t entry_size, void **out, size_t *n)
{
	size_t val_size = entry_size - key_size, cap = 0, cnt = 0, i;
	char token[64]; /* the kernel's cursor: a key for the LPM trie, a bucket for a hash */
	char *keys = NULL, *vals = NULL, *e;
	void *buf = NULL, *in = NULL;
	__u32 count;
	int err, rc;

	keys = malloc(BATCH * key_size);
	vals = malloc(BATCH * val_size);
	if (!keys || !vals) {
		err = -ENOMEM;
		goto fail;
	}
	do {
		count = BATCH;
		rc = bpf_map_lookup_batch(fd, in, token, keys, vals, &count, NULL);
		err = rc ? -errno : 0;
		if (err && err != -ENOENT)
			goto fail;
		while (cap < cnt + count) {
			err = grow(&buf, &cap, cap, entry_size);
			if (err)
				goto fail;
		}
		for (i = 0; i < count; i++) {
			e = (char *)buf + (cnt + i) * entry_size;
			memcpy(e, keys + i * key_size, key_size);
			memcpy(e + key_size, vals + i * val_size, val_size);
		}
		cnt += count;
		in = token;
	} while (!rc);
	free(keys);
	free(vals);
	*out = buf;
	*n = cnt;
	return 0;
fail:
	free(keys);
	free(vals);
	free(buf);
	return err;
}

/*
 * Walks the keys with get_next_key and reads each value. An entry deleted
 * between the two calls (by a concurrent command) is skipped.
 */
static int dump_walk(int fd, size_t key_size, size_t entry_size, void **out, size_t *n)
{
	char key[sizeof(struct nexthop)], next[sizeof(struct nexthop)];
	size_t cap = 0, cnt = 0;
	void *buf = NULL, *prev = NULL;
	char *e;
	int err;

	while (!bpf_map_get_next_key(fd, prev, next)) {
		memcpy(key, next, key_size);
		prev = key;
		err = grow(&buf, &cap, cnt, entry_size);
		if (err)
			goto fail;
		e = (char *)buf + cnt * entry_size;
		memcpy(e, key, key_size);
		if (bpf_map_lookup_elem(fd, key, e + key_size))
			continue;
		cnt++;
	}
	if (errno != ENOENT) {
		err = -errno;
		goto fail;
	}
	*out = buf;
	*n = cnt;
	return 0;
fail:
	free(buf);
	return err;
}

static int dump(int fd, size_t key_size, size_t entry_size, void **out, size_t *n)
{
	int err = dump_batch(fd, key_size, entry_size, out, n);

	/* ENOSPC: a hash bucket larger than a batch; rare, and walking handles it */
	if (err == -EINVAL || err == -ENOTSUPP_KERNEL || err == -EOPNOTSUPP || err == -ENOSPC)
		err = dump_walk(fd, key_size, entry_size, out, n);
	/* never NULL: callers pass the array to qsort, and qsort(NULL, 0) is undefined */
	if (!err && !*out) {
		*out = malloc(entry_size);
		if (!*out)
			err = -ENOMEM;
	}
	return err;
}

int route_dump(int routes_fd, struct route_entry **out, size_t *n)
{
	int err;

	err = dump(routes_fd, sizeof(struct route_key), sizeof(struct route_entry), (void **)out,
		   n);
	if (!err && *n) /* an empty map gives NULL: qsort(NULL, 0) is undefined */
		qsort(*out, *n, sizeof(**out), route_entry_cmp);
	return err;
}

int neigh_dump(int neighs_fd, struct neigh_entry **out, size_t *n)
{
	int err;

	err = dump(neighs_fd, sizeof(struct nexthop), sizeof(struct neigh_entry), (void **)out, n);
	if (!err && *n)
		qsort(*out, *n, sizeof(**out), neigh_entry_cmp);
	return err;
}

size_t map_count(int fd, size_t key_size)
{
	char key[sizeof(struct nexthop)], next[sizeof(struct nexthop)];
	void *prev = NULL;
	size_t n = 0;

	while (!bpf_map_get_next_key(fd, prev, next)) {
		memcpy(key, next, key_size);
		prev = key;
		n++;
	}
	return n;
}

int cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

int map_keys_u32(int fd, __u32 *keys, int max)
{
	__u32 key, next;
	void *prev = NULL;
	int n = 0;

	while (n < max && !bpf_map_get_next_key(fd, prev, &next)) {
		keys[n++] = next;
		key = next;
		prev = &key;
	}
	qsort(keys, n, sizeof(*keys), cmp_u32);
	return n;
}
