/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A small chained hash table with fixed-size keys, for sync's in-memory copy of
 * the kernel's tables (routes by prefix, nexthop objects by id, neighbours and
 * next hops in use by (ifindex, IPv6 address), links by ifindex). Entries are
 * the caller's structs; each begins with a struct htab_node, and its key sits
 * right after it, so that one allocation holds node, key and value.
 */
#ifndef V4VIA6_SYNC_HTAB_H
#define V4VIA6_SYNC_HTAB_H

#include <stddef.h>
#include <stdint.h>

struct htab_node {
	struct htab_node *next;
	uint32_t hash;
};

struct htab {
	struct htab_node **buckets;
	size_t nbuckets; /* a power of two */
	size_t count;
	size_t key_size;
	size_t entry_size; /* struct htab_node, then the key, then the value */
};

/* Key of an entry: the bytes right after its node. */
#define HTAB_KEY(e) ((void *)((struct htab_node *)(e) + 1))

void htab_init(struct htab *t, size_t key_size, size_t entry_size);
/* Frees every entry and the buckets; the table stays usable (empty). */
void htab_clear(struct htab *t);
void *htab_find(const struct htab *t, const void *key);
/*
 * The entry with this key, created zeroed (key copied) when missing; *created
 * says which. NULL only when out of memory.
 */
void *htab_get(struct htab *t, const void *key, int *created);
void htab_del(struct htab *t, void *entry);

/*
 * Iteration. The entry returned may be deleted before asking for the next one;
 * no other entry may be added or deleted until the iteration ends.
 */
struct htab_iter {
	const struct htab *t;
	size_t bucket;
	struct htab_node *next;
};
void *htab_first(const struct htab *t, struct htab_iter *it);
void *htab_next(struct htab_iter *it);

#define htab_for_each(e, t, it) for ((e) = htab_first((t), (it)); (e); (e) = htab_next(it))

#endif /* V4VIA6_SYNC_HTAB_H */
