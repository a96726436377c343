// SPDX-License-Identifier: GPL-2.0-only
/*
 * audit_fib24 PIN_DIR: checks every one of the 2^24 tbl24 entries of a pinned
 * state against the routes trie, without loader/fib24.c: the trie dumped key
 * by key, the routes of /24 or shorter painted shortest first into a plain
 * array (each /24 gets its longest covering route), the routes longer than
 * /24 counted per /24; then each entry's valid bit, prefix length, next hop
 * (read through its nexthops slot) and longer-route count compared with that.
 * Prints "audit: N routes, M /24 entries differ" and the first few; exits 0
 * when none differ and the state word (slot 0) is not dirty, 1 otherwise, 2 on
 * error. Used by test-crash.sh.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/mman.h>
#include <bpf/bpf.h>

#include "v4via6.h"
#include "fib24.h" /* the state word's values only */

struct rt {
	struct route_key key;
	struct nexthop nh;
};

static int open_pin(const char *dir, const char *name)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = bpf_obj_get(path);
	if (fd < 0)
		fprintf(stderr, "audit: %s: %s\n", path, strerror(errno));
	return fd;
}

#define BATCH 8192

/* Every route of the trie: by BPF_MAP_LOOKUP_BATCH, or key by key where the kernel has no batch. */
static struct rt *dump_trie(int fd, size_t *n)
{
	static struct route_key keys[BATCH];
	static struct route vals[BATCH];
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	struct route_key key, next, in, out;
	size_t cap = 1 << 16;
	struct rt *r = malloc(cap * sizeof(*r));
	struct route val;
	bool first = true;
	void *prev = NULL;
	__u32 count, i;
	int err;

	*n = 0;
	for (;;) {
		count = BATCH;
		err = bpf_map_lookup_batch(fd, first ? NULL : &in, &out, keys, vals, &count, &opts);
		if (err && errno != ENOENT)
			break;
		for (i = 0; r && i < count; i++) {
			if (*n == cap) {
				cap *= 2;
				r = realloc(r, cap * sizeof(*r));
				if (!r)
					return NULL;
			}
			r[*n].key = keys[i];
			r[(*n)++].nh = vals[i].nh;
		}
		if (err || !r)
			return r; /* ENOENT: that was the last batch */
		in = out;
		first = false;
	}
	if (!first) {
		fprintf(stderr, "audit: batch lookup failed: %s\n", strerror(errno));
		free(r);
		return NULL;
	}
	while (r && !bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		/* a lookup is a longest match: it returns this key's own value */
		if (bpf_map_lookup_elem(fd, &key, &val) || val.prefixlen != key.prefixlen) {
			fprintf(stderr, "audit: lookup of a dumped key failed\n");
			free(r);
			return NULL;
		}
		if (*n == cap) {
			cap *= 2;
			r = realloc(r, cap * sizeof(*r));
			if (!r)
				break;
		}
		r[*n].key = key;
		r[(*n)++].nh = val.nh;
	}
	return r;
}

static int by_len(const void *a, const void *b)
{
	const struct rt *x = a, *y = b;

	return (x->key.prefixlen > y->key.prefixlen) - (x->key.prefixlen < y->key.prefixlen);
}

static void report(unsigned long *bad, __u32 j, const char *what)
{
	if ((*bad)++ < 10)
		printf("  %u.%u.%u.0/24: %s\n", j >> 16, (j >> 8) & 255, j & 255, what);
}

int main(int argc, char **argv)
{
	size_t tbl_bytes = (size_t)V4VIA6_TBL24_ENTRIES * sizeof(__u64);
	size_t slot_bytes = (size_t)V4VIA6_MAX_NEXTHOPS * sizeof(struct nexthop_slot);
	int routes_fd, tbl24_fd, nexthops_fd;
	const struct nexthop_slot *slots;
	unsigned long bad = 0;
	__u32 *owner, j, first, cnt, k;
	__u16 *longer;
	const __u64 *tbl;
	struct rt *r;
	size_t n, i;
	__u64 e;

	if (argc != 2) {
		fprintf(stderr, "usage: audit_fib24 PIN_DIR\n");
		return 2;
	}
	routes_fd = open_pin(argv[1], V4VIA6_MAP_ROUTES);
	tbl24_fd = open_pin(argv[1], V4VIA6_MAP_TBL24);
	nexthops_fd = open_pin(argv[1], V4VIA6_MAP_NEXTHOPS);
	if (routes_fd < 0 || tbl24_fd < 0 || nexthops_fd < 0)
		return 2;
	tbl = mmap(NULL, tbl_bytes, PROT_READ, MAP_SHARED, tbl24_fd, 0);
	slots = mmap(NULL, slot_bytes, PROT_READ, MAP_SHARED, nexthops_fd, 0);
	owner = calloc(V4VIA6_TBL24_ENTRIES, sizeof(*owner)); /* route index + 1, 0: none */
	longer = calloc(V4VIA6_TBL24_ENTRIES, sizeof(*longer));
	r = dump_trie(routes_fd, &n);
	if (tbl == MAP_FAILED || slots == MAP_FAILED || !owner || !longer || !r) {
		fprintf(stderr, "audit: mapping or reading the maps failed: %s\n", strerror(errno));
		return 2;
	}
	qsort(r, n, sizeof(*r), by_len);
	for (i = 0; i < n; i++) {
		__u32 len = r[i].key.prefixlen, addr = ntohl(r[i].key.addr);

		if (len > 24) {
			longer[addr >> 8]++;
			continue;
		}
		first = (len ? addr & ~0U << (32 - len) : 0) >> 8;
		cnt = 1U << (24 - len);
		for (j = first; j < first + cnt; j++)
			owner[j] = i + 1;
	}
	for (j = 0; j < V4VIA6_TBL24_ENTRIES; j++) {
		e = tbl[j];
		if (V4VIA6_T24_LONGER(e) != longer[j])
			report(&bad, j, "count of longer routes differs");
		else if (!owner[j] && (e & V4VIA6_T24_VALID))
			report(&bad, j, "valid, but no route covers it");
		else if (!owner[j])
			continue;
		else if (!(e & V4VIA6_T24_VALID))
			report(&bad, j, "not valid, but a route covers it");
		else if (V4VIA6_T24_LEN(e) != r[owner[j] - 1].key.prefixlen)
			report(&bad, j, "prefix length differs");
		else if ((k = V4VIA6_T24_NH(e)) == 0 || k >= V4VIA6_MAX_NEXTHOPS)
			report(&bad, j, "next-hop slot out of range");
		else if (memcmp(&slots[k].nh, &r[owner[j] - 1].nh, sizeof(struct nexthop)))
			report(&bad, j, "next hop differs");
	}
	printf("audit: %zu routes, %lu /24 entries differ%s\n", n, bad,
	       slots[0].used == FIB24_DIRTY ? "; the tables are marked dirty" : "");
	return bad || slots[0].used == FIB24_DIRTY ? 1 : 0;
}
