// SPDX-License-Identifier: GPL-2.0-only
/*
 * DIR-24-8 upkeep (see fib24.h): the classic incremental updates of tbl24.
 *
 * A route of length len <= 24 covers the 2^(24 - len) entries of its range;
 * an entry belongs to the longest route covering it, and records that
 * route's length, so that a shorter route written later leaves it alone and
 * the deletion of a route hands back exactly the entries it owned. A route
 * longer than /24 only counts itself in its /24's entry: the program then
 * asks the trie for every destination of that /24.
 *
 * Ordering, so that the program sees each route old or new, never a wrong
 * next hop: a nexthops slot is written before any entry points to it; an
 * added or replaced route goes into the trie first, then into tbl24 (until
 * then, tbl24 still gives the previous answer); a deleted route leaves tbl24
 * first (its entries fall back to the parent route, which the trie still
 * agrees with), then the trie. Every entry changes by one aligned 64-bit store.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/mman.h>
#include <bpf/bpf.h>

#include "dump.h"
#include "fib24.h"
#include "lock.h"

#define WIN_ENTRIES (1U << FIB24_WIN_SHIFT)
#define WIN_BYTES   ((size_t)WIN_ENTRIES * sizeof(__u64))
#define SLOTS_BYTES ((size_t)V4VIA6_MAX_NEXTHOPS * sizeof(struct nexthop_slot))
#define LONGER_ONE  (1ULL << V4VIA6_T24_LONGER_SHIFT)
#define LONGER_BITS (V4VIA6_T24_LONGER_MASK << V4VIA6_T24_LONGER_SHIFT)

static __u64 t24_entry(__u32 idx, __u32 len)
{
	return idx | (__u64)len << V4VIA6_T24_LEN_SHIFT | V4VIA6_T24_VALID;
}

/* Maps the windows holding entries first..first+n-1. 0 or -errno. */
static int t24_map(struct fib24 *f, __u32 first, __u32 n)
{
	__u32 w, last = (first + n - 1) >> FIB24_WIN_SHIFT;
	void *p;

	for (w = first >> FIB24_WIN_SHIFT; w <= last; w++) {
		if (f->win[w])
			continue;
		p = mmap(NULL, WIN_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, f->tbl24_fd,
			 (off_t)w * WIN_BYTES);
		if (p == MAP_FAILED)
			return -errno;
		f->win[w] = p;
	}
	return 0;
}

/* Entry i, in a window mapped by t24_map. */
static __u64 *t24(struct fib24 *f, __u32 i)
{
	return &f->win[i >> FIB24_WIN_SHIFT][i & (WIN_ENTRIES - 1)];
}

__u64 *fib24_entry(struct fib24 *f, __u32 i)
{
	return i < V4VIA6_TBL24_ENTRIES && !t24_map(f, i, 1) ? t24(f, i) : NULL;
}

/* One aligned store: the program reads the old or the new entry, never a mix. */
static void t24_store(struct fib24 *f, __u32 i, __u64 v)
{
	__atomic_store_n(t24(f, i), v, __ATOMIC_RELEASE);
}

/* First entry and number of entries of a prefix of length <= 24. */
static void t24_range(const struct route_key *key, __u32 *first, __u32 *n)
{
	__u32 len = key->prefixlen, addr = ntohl(key->addr);

	*first = (len ? addr & ~0U << (32 - len) : 0) >> 8;
	*n = 1U << (24 - len);
}

int fib24_open(struct fib24 *f, int routes_fd, int tbl24_fd, int nexthops_fd, const char *lock_dir)
{
	void *p;
	int err;

	memset(f, 0, sizeof(*f));
	f->routes_fd = routes_fd;
	f->tbl24_fd = tbl24_fd;
	f->nexthops_fd = nexthops_fd;
	f->lock_dir = lock_dir;
	p = mmap(NULL, SLOTS_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, nexthops_fd, 0);
	if (p == MAP_FAILED) {
		err = -errno;
		fib24_close(f);
		return err;
	}
	f->slots = p;
	return 0;
}

int fib24_open_state(struct fib24 *f, const struct v4via6_state *st)
{
	return fib24_open(f, st->routes_fd, st->tbl24_fd, st->nexthops_fd, st->pin_dir);
}

void fib24_close(struct fib24 *f)
{
	int w;

	for (w = 0; w < FIB24_WINDOWS; w++) {
		if (f->win[w])
			munmap(f->win[w], WIN_BYTES);
		f->win[w] = NULL;
	}
	if (f->slots)
		munmap(f->slots, SLOTS_BYTES);
	f->slots = NULL;
}

/* The command's state lock: when it holds it already, only counted, never a second lock. */
int fib24_lock(struct fib24 *f)
{
	return f->lock_dir ? lock_take(f->lock_dir, false) : 0;
}

void fib24_unlock(struct fib24 *f)
{
	if (f->lock_dir)
		lock_release();
}

/* Frees the slots no entry of tbl24 (nor of a table being rebuilt) points to. */
static void slots_gc(struct fib24 *f)
{
	__u64 *seen = calloc(V4VIA6_MAX_NEXTHOPS / 64, sizeof(__u64));
	__u32 i, idx;

	if (!seen || t24_map(f, 0, V4VIA6_TBL24_ENTRIES)) {
		free(seen); /* nothing freed: slot_get then says ENOSPC */
		return;
	}
	for (i = 0; i < V4VIA6_TBL24_ENTRIES; i++) {
		if (*t24(f, i) & V4VIA6_T24_VALID) {
			idx = V4VIA6_T24_NH(*t24(f, i)) % V4VIA6_MAX_NEXTHOPS;
			seen[idx / 64] |= 1ULL << idx % 64;
		}
		if (f->pending && (f->pending[i] & V4VIA6_T24_VALID)) {
			idx = V4VIA6_T24_NH(f->pending[i]) % V4VIA6_MAX_NEXTHOPS;
			seen[idx / 64] |= 1ULL << idx % 64;
		}
	}
	/*
	 * A packet that read an entry just before it changed may still read
	 * the slot: then it sees ifindex 0 and goes to the kernel (pass_throw),
	 * a safe answer. GC runs only when all 65535 slots are taken.
	 */
	for (i = 1; i < V4VIA6_MAX_NEXTHOPS; i++)
		if (f->slots[i].used && !(seen[i / 64] & 1ULL << i % 64))
			memset(&f->slots[i], 0, sizeof(f->slots[i]));
	free(seen);
}

static __u32 nexthop_hash(const struct nexthop *nh)
{
	const unsigned char *p = (const unsigned char *)nh;
	__u32 h = 2166136261U; /* FNV-1a */
	size_t i;

	for (i = 0; i < sizeof(*nh); i++)
		h = (h ^ p[i]) * 16777619U;
	return h;
}

/*
 * The slot of a next hop, allocated if needed: linear probing from its hash
 * over slots 1..max-1. A slot freed by GC may end a probe early, and the next
 * hop then gets a second slot: harmless, both hold the same next hop.
 */
static int slot_get(struct fib24 *f, const struct nexthop *nh)
{
	const __u32 n = V4VIA6_MAX_NEXTHOPS - 1;
	__u32 start = nexthop_hash(nh) % n, k, i;
	struct nexthop_slot *s;
	int pass;

	for (pass = 0; pass < 2; pass++) {
		for (k = 0; k < n; k++) {
			i = (start + k) % n + 1;
			s = &f->slots[i];
			if (s->used && !memcmp(&s->nh, nh, sizeof(*nh)))
				return i;
			if (s->used)
				continue;
			s->nh = *nh;
			s->used = 1;
			/* the slot is complete before any entry points to it */
			__atomic_thread_fence(__ATOMIC_RELEASE);
			return i;
		}
		slots_gc(f);
	}
	return -ENOSPC;
}

/* The trie's route of exactly this prefix; false when there is none. */
static bool route_exact(struct fib24 *f, const struct route_key *key, struct route *r)
{
	/* a lookup is a longest match: the value says which length matched */
	return !bpf_map_lookup_elem(f->routes_fd, key, r) && r->prefixlen == key->prefixlen;
}

/* Maps the windows of key's range (len <= 24) or entry (len > 24). */
static int t24_map_key(struct fib24 *f, const struct route_key *key)
{
	__u32 first, n;

	if (key->prefixlen > 24)
		return t24_map(f, ntohl(key->addr) >> 8, 1);
	t24_range(key, &first, &n);
	return t24_map(f, first, n);
}

/* The entries of key's range that no longer route owns get (idx, len). */
static void t24_cover(struct fib24 *f, const struct route_key *key, __u32 idx)
{
	__u32 first, n, i, len = key->prefixlen;
	__u64 e;

	t24_range(key, &first, &n);
	for (i = first; i < first + n; i++) {
		e = *t24(f, i);
		if (!(e & V4VIA6_T24_VALID) || V4VIA6_T24_LEN(e) <= len)
			t24_store(f, i, t24_entry(idx, len) | (e & LONGER_BITS));
	}
}

/* The entries of key's range that key's route owns get repl (a parent's entry, or 0). */
static void t24_uncover(struct fib24 *f, const struct route_key *key, __u64 repl)
{
	__u32 first, n, i, len = key->prefixlen;
	__u64 e;

	t24_range(key, &first, &n);
	for (i = first; i < first + n; i++) {
		e = *t24(f, i);
		if ((e & V4VIA6_T24_VALID) && V4VIA6_T24_LEN(e) == len)
			t24_store(f, i, repl | (e & LONGER_BITS));
	}
}

static void t24_longer(struct fib24 *f, const struct route_key *key, int delta)
{
	__u32 i = ntohl(key->addr) >> 8;

	t24_store(f, i, delta > 0 ? *t24(f, i) + LONGER_ONE : *t24(f, i) - LONGER_ONE);
}

int fib24_update(struct fib24 *f, const struct route_key *key, const struct nexthop *nh,
		 __u64 flags)
{
	struct route val = {.nh = *nh, .prefixlen = key->prefixlen}, old;
	bool existed = false;
	int idx = 0, err;

	if (key->prefixlen > 32)
		return -EINVAL;
	err = fib24_lock(f);
	if (err)
		return err;
	err = t24_map_key(f, key);
	if (err)
		goto out;
	if (key->prefixlen <= 24) {
		idx = slot_get(f, nh);
		if (idx < 0) {
			err = idx;
			goto out;
		}
	} else {
		existed = route_exact(f, key, &old);
	}
	if (bpf_map_update_elem(f->routes_fd, key, &val, flags)) {
		err = -errno;
		goto out;
	}
	if (key->prefixlen <= 24)
		t24_cover(f, key, idx);
	else if (!existed)
		t24_longer(f, key, 1);
out:
	fib24_unlock(f);
	return err;
}

int fib24_update_batch(struct fib24 *f, const struct route_key *keys, const struct nexthop *nhs,
		       size_t n, size_t *done)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts, .elem_flags = BPF_ANY);
	struct route *vals = calloc(n ? n : 1, sizeof(*vals)), old;
	int *idx = calloc(n ? n : 1, sizeof(*idx)); /* a slot; for > /24: 1 if it existed */
	size_t i, todo;
	__u32 count;
	int err;

	*done = 0;
	if (!vals || !idx) {
		free(vals);
		free(idx);
		return -ENOMEM;
	}
	err = fib24_lock(f);
	if (err)
		goto out;
	for (i = 0; i < n; i++) {
		vals[i].nh = nhs[i];
		vals[i].prefixlen = keys[i].prefixlen;
		err = keys[i].prefixlen > 32 ? -EINVAL : t24_map_key(f, &keys[i]);
		if (err)
			break;
		if (keys[i].prefixlen > 24) {
			idx[i] = route_exact(f, &keys[i], &old);
			continue;
		}
		idx[i] = slot_get(f, &nhs[i]);
		if (idx[i] < 0) {
			err = idx[i];
			break;
		}
	}
	todo = i; /* on error, what precedes the bad route still goes in */
	/*
	 * All into the trie, then all into tbl24: until its entries change, a
	 * route of /24 or shorter is still the old one for the program, and a
	 * longer one is not asked for (its /24's count has not moved yet).
	 */
	count = todo;
	if (todo && bpf_map_update_batch(f->routes_fd, keys, vals, &count, &opts) && !err)
		err = -errno;
	for (i = 0; i < count; i++) {
		if (keys[i].prefixlen <= 24)
			t24_cover(f, &keys[i], idx[i]);
		else if (!idx[i])
			t24_longer(f, &keys[i], 1);
	}
	*done = count;
	fib24_unlock(f);
out:
	free(vals);
	free(idx);
	return err;
}

int fib24_delete(struct fib24 *f, const struct route_key *key)
{
	struct route self, parent;
	struct route_key pk;
	__u64 repl = 0;
	int idx, err = 0;

	if (key->prefixlen > 32)
		return -EINVAL;
	err = fib24_lock(f);
	if (err)
		return err;
	if (!route_exact(f, key, &self)) {
		err = -ENOENT;
		goto out;
	}
	err = t24_map_key(f, key);
	if (err)
		goto out;
	if (key->prefixlen > 24) {
		/* tbl24 still counts it: its /24 keeps asking the trie, which drops it at once */
		if (bpf_map_delete_elem(f->routes_fd, key))
			err = -errno;
		else
			t24_longer(f, key, -1);
		goto out;
	}
	/* the parent: the longest route strictly shorter that covers the prefix */
	pk = *key;
	pk.prefixlen--; /* a lookup matches at most prefixlen bits */
	if (key->prefixlen && !bpf_map_lookup_elem(f->routes_fd, &pk, &parent)) {
		idx = slot_get(f, &parent.nh);
		if (idx < 0) {
			err = idx;
			goto out;
		}
		repl = t24_entry(idx, parent.prefixlen);
	}
	t24_uncover(f, key, repl);
	if (bpf_map_delete_elem(f->routes_fd, key)) {
		err = -errno;
		/* still in the trie: give its entries back */
		idx = slot_get(f, &self.nh);
		if (idx >= 0)
			t24_cover(f, key, idx);
	}
out:
	fib24_unlock(f);
	return err;
}

/*
 * For the operations on the whole table (flush, rebuild, check): takes the
 * lock, reads every route and maps all of tbl24. On error nothing is held.
 */
static int lock_whole(struct fib24 *f, struct route_entry **routes, size_t *n)
{
	int err = fib24_lock(f);

	if (err)
		return err;
	*routes = NULL;
	*n = 0;
	err = route_dump(f->routes_fd, routes, n);
	if (!err)
		err = t24_map(f, 0, V4VIA6_TBL24_ENTRIES);
	if (err) {
		free(*routes);
		*routes = NULL;
		fib24_unlock(f);
	}
	return err;
}

int fib24_flush(struct fib24 *f)
{
	struct route_entry *routes = NULL;
	size_t n = 0, i;
	__u32 j;
	int err;

	err = lock_whole(f, &routes, &n);
	if (err)
		return err;
	for (j = 0; j < V4VIA6_TBL24_ENTRIES; j++)
		if (*t24(f, j))
			t24_store(f, j, 0);
	for (i = 0; i < n; i++) {
		if (bpf_map_delete_elem(f->routes_fd, &routes[i].key) && errno != ENOENT) {
			err = -errno;
			break;
		}
	}
	memset(f->slots, 0, SLOTS_BYTES);
	if (err) /* some routes are left: tbl24 must show them again */
		err = fib24_rebuild(f) ?: err;
	free(routes);
	fib24_unlock(f);
	return err;
}

static int cmp_len(const void *a, const void *b)
{
	const struct route_entry *x = a, *y = b;

	return x->key.prefixlen < y->key.prefixlen ? -1 : x->key.prefixlen > y->key.prefixlen;
}

/*
 * The table the trie's routes make, into t (zeroed). Shortest first, so that a
 * longer route overwrites the entries it owns. With slots, next-hop indexes
 * are nexthops slots (allocated as needed); without, indexes into routes.
 */
static int t24_compute(struct fib24 *f, struct route_entry *routes, size_t n, __u64 *t, bool slots)
{
	__u32 first, cnt, j;
	size_t i;
	int idx;

	qsort(routes, n, sizeof(*routes), cmp_len);
	for (i = 0; i < n; i++) {
		const struct route_key *k = &routes[i].key;

		if (k->prefixlen > 24) {
			t[ntohl(k->addr) >> 8] += LONGER_ONE;
			continue;
		}
		idx = i;
		if (slots) {
			idx = slot_get(f, &routes[i].nh);
			if (idx < 0)
				return idx;
		}
		t24_range(k, &first, &cnt);
		for (j = first; j < first + cnt; j++)
			t[j] = t24_entry(idx, k->prefixlen) | (t[j] & LONGER_BITS);
	}
	return 0;
}

int fib24_rebuild(struct fib24 *f)
{
	struct route_entry *routes = NULL;
	__u64 *t = NULL;
	size_t n = 0;
	__u32 j;
	int err;

	err = lock_whole(f, &routes, &n);
	if (err)
		return err;
	t = calloc(V4VIA6_TBL24_ENTRIES, sizeof(*t));
	if (!t) {
		err = -ENOMEM;
		goto out;
	}
	f->pending = t;
	err = t24_compute(f, routes, n, t, true);
	f->pending = NULL;
	if (err)
		goto out;
	for (j = 0; j < V4VIA6_TBL24_ENTRIES; j++)
		if (*t24(f, j) != t[j])
			t24_store(f, j, t[j]);
out:
	free(t);
	free(routes);
	fib24_unlock(f);
	return err;
}

long fib24_check(struct fib24 *f)
{
	struct route_entry *routes = NULL;
	const struct nexthop_slot *s;
	__u64 *t = NULL, e, want;
	size_t n = 0;
	long bad = 0;
	__u32 j;
	int err;

	err = lock_whole(f, &routes, &n);
	if (err)
		return err;
	t = calloc(V4VIA6_TBL24_ENTRIES, sizeof(*t));
	err = t ? t24_compute(f, routes, n, t, false) : -ENOMEM;
	for (j = 0; !err && j < V4VIA6_TBL24_ENTRIES; j++) {
		e = *t24(f, j);
		want = t[j];
		if ((e & ~V4VIA6_T24_NH_MASK) != (want & ~V4VIA6_T24_NH_MASK)) {
			bad++;
			continue;
		}
		if (!(want & V4VIA6_T24_VALID))
			continue;
		s = &f->slots[V4VIA6_T24_NH(e) % V4VIA6_MAX_NEXTHOPS];
		if (!V4VIA6_T24_NH(e) || V4VIA6_T24_NH(e) >= V4VIA6_MAX_NEXTHOPS || !s->used ||
		    memcmp(&s->nh, &routes[V4VIA6_T24_NH(want)].nh, sizeof(s->nh)))
			bad++;
	}
	free(t);
	free(routes);
	fib24_unlock(f);
	return err ? err : bad;
}
