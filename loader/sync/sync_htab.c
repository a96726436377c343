// SPDX-License-Identifier: GPL-2.0-only
/* The hash table behind sync's in-memory tables; see sync_htab.h. */
#include <stdlib.h>
#include <string.h>

#include "sync_htab.h"

#define HTAB_MIN_BUCKETS 64

/* FNV-1a: keys are a few bytes of addresses and indexes; no adversary picks them. */
static uint32_t hash_key(const void *key, size_t len)
{
	const uint8_t *p = key;
	uint32_t h = 2166136261u;

	while (len--) {
		h ^= *p++;
		h *= 16777619u;
	}
	return h;
}

void htab_init(struct htab *t, size_t key_size, size_t entry_size)
{
	memset(t, 0, sizeof(*t));
	t->key_size = key_size;
	t->entry_size = entry_size;
}

void htab_clear(struct htab *t)
{
	struct htab_node *n, *next;
	size_t i;

	for (i = 0; i < t->nbuckets; i++) {
		for (n = t->buckets[i]; n; n = next) {
			next = n->next;
			free(n);
		}
	}
	free(t->buckets);
	t->buckets = NULL;
	t->nbuckets = 0;
	t->count = 0;
}

void *htab_find(const struct htab *t, const void *key)
{
	uint32_t h;
	struct htab_node *n;

	if (!t->nbuckets)
		return NULL;
	h = hash_key(key, t->key_size);
	for (n = t->buckets[h & (t->nbuckets - 1)]; n; n = n->next)
		if (n->hash == h && !memcmp(HTAB_KEY(n), key, t->key_size))
			return n;
	return NULL;
}

/* Doubles the buckets when the chains would grow past one entry on average. */
static int grow(struct htab *t)
{
	size_t nb = t->nbuckets ? t->nbuckets * 2 : HTAB_MIN_BUCKETS;
	struct htab_node **b, *n, *next;
	size_t i;

	b = calloc(nb, sizeof(*b));
	if (!b)
		return -1;
	for (i = 0; i < t->nbuckets; i++) {
		for (n = t->buckets[i]; n; n = next) {
			next = n->next;
			n->next = b[n->hash & (nb - 1)];
			b[n->hash & (nb - 1)] = n;
		}
	}
	free(t->buckets);
	t->buckets = b;
	t->nbuckets = nb;
	return 0;
}

void *htab_get(struct htab *t, const void *key, int *created)
{
	struct htab_node *n = htab_find(t, key);
	size_t i;

	*created = 0;
	if (n)
		return n;
	if (t->count >= t->nbuckets && grow(t))
		return NULL;
	n = calloc(1, t->entry_size);
	if (!n)
		return NULL;
	memcpy(HTAB_KEY(n), key, t->key_size);
	n->hash = hash_key(key, t->key_size);
	i = n->hash & (t->nbuckets - 1);
	n->next = t->buckets[i];
	t->buckets[i] = n;
	t->count++;
	*created = 1;
	return n;
}

void htab_del(struct htab *t, void *entry)
{
	struct htab_node *n = entry, **pp;

	for (pp = &t->buckets[n->hash & (t->nbuckets - 1)]; *pp; pp = &(*pp)->next) {
		if (*pp == n) {
			*pp = n->next;
			free(n);
			t->count--;
			return;
		}
	}
}

static void *advance(struct htab_iter *it)
{
	struct htab_node *n = it->next;

	while (!n && it->bucket < it->t->nbuckets)
		n = it->t->buckets[it->bucket++];
	it->next = n ? n->next : NULL;
	return n;
}

void *htab_first(const struct htab *t, struct htab_iter *it)
{
	it->t = t;
	it->bucket = 0;
	it->next = NULL;
	return advance(it);
}

void *htab_next(struct htab_iter *it)
{
	return advance(it);
}
