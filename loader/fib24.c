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
 *
 * Slot ownership: a slot's `used` counts the tbl24 entries that point to it,
 * plus the holds of the operation running (a slot handed to a route that is
 * not in tbl24 yet), so no slot is taken back while anything still needs it.
 * A slot whose count falls to 0 keeps its next hop (a packet that read the
 * old entry just before it changed still finds the right one) and is wiped
 * for another next hop only after an RCU grace period, when no program run
 * that could have read the old entry is left.
 *
 * Crash consistency: slot 0's `used` is the tables' state word. Every writer
 * sets it to FIB24_DIRTY before it changes the trie, tbl24 or a slot, and to
 * FIB24_CLEAN when they agree again. A writer killed in between (kill -9,
 * Ctrl-C, a crash) leaves FIB24_DIRTY in the map, which outlives it; whoever
 * takes the lock next finds it and rebuilds tbl24, the counts and the slots
 * from the trie, the source of truth, before doing anything else.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/membarrier.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <bpf/bpf.h>

#include "common.h"
#include "dump.h"
#include "fib24.h"
#include "lock.h"

#define WIN_ENTRIES (1U << FIB24_WIN_SHIFT)
#define WIN_BYTES   ((size_t)WIN_ENTRIES * sizeof(__u64))
#define SLOTS_BYTES ((size_t)V4VIA6_MAX_NEXTHOPS * sizeof(struct nexthop_slot))
#define LONGER_ONE  (1ULL << V4VIA6_T24_LONGER_SHIFT)
#define LONGER_BITS (V4VIA6_T24_LONGER_MASK << V4VIA6_T24_LONGER_SHIFT)
/* what says where an entry points: a valid entry's slot */
#define REF_BITS (V4VIA6_T24_VALID | V4VIA6_T24_NH_MASK)

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

/* One more reference (a tbl24 entry or a hold) on slot idx. */
static void ref_get(struct fib24 *f, __u32 idx)
{
	struct nexthop_slot *s = &f->slots[idx];

	if (!idx || idx >= V4VIA6_MAX_NEXTHOPS || (s->used & FIB24_SLOT_REFS) == FIB24_SLOT_REFS)
		f->broken = true;
	else
		s->used = FIB24_SLOT_ALLOCATED | ((s->used & FIB24_SLOT_REFS) + 1);
}

/* One reference less; at 0 the slot is released but keeps its next hop (see above). */
static void ref_put(struct fib24 *f, __u32 idx)
{
	struct nexthop_slot *s = &f->slots[idx];

	/* a count that would go below 0 was wrong already: the table is repaired */
	if (!idx || idx >= V4VIA6_MAX_NEXTHOPS || !(s->used & FIB24_SLOT_REFS))
		f->broken = true;
	else
		s->used--;
}

/*
 * One aligned store: the program reads the old or the new entry, never a mix.
 * The new slot counts the entry before it is visible, the old one after.
 */
static void t24_store(struct fib24 *f, __u32 i, __u64 v)
{
	__u64 old = *t24(f, i);
	bool moved = ((old ^ v) & REF_BITS) != 0;

	if (moved && (v & V4VIA6_T24_VALID))
		ref_get(f, V4VIA6_T24_NH(v));
	__atomic_store_n(t24(f, i), v, __ATOMIC_RELEASE);
	if (moved && (old & V4VIA6_T24_VALID))
		ref_put(f, V4VIA6_T24_NH(old));
}

/* First entry and number of entries of a prefix of length <= 24. */
static void t24_range(const struct route_key *key, __u32 *first, __u32 *n)
{
	__u32 len = key->prefixlen, addr = ntohl(key->addr);

	*first = (len ? addr & ~0U << (32 - len) : 0) >> 8;
	*n = 1U << (24 - len);
}

static void mark(struct fib24 *f, __u32 state)
{
	/* release: every store before a FIB24_CLEAN is visible before it */
	__atomic_store_n(&f->slots[0].used, state, __ATOMIC_RELEASE);
}

/* A writer starts: from here until op_end, a death leaves the state dirty. */
static void op_begin(struct fib24 *f)
{
	if (!f->op_depth++)
		mark(f, FIB24_DIRTY);
}

static int rebuild_locked(struct fib24 *f);

/*
 * The writer is done and the tables agree with the trie again: clean. When it
 * found them wrong on the way (a count that would wrap, a slot out of range),
 * they are rebuilt first. Returns 0 or the rebuild's -errno (then still dirty).
 */
static int op_end(struct fib24 *f)
{
	int err = 0;

	if (f->op_depth > 1) {
		f->op_depth--;
		return 0;
	}
	if (f->broken)
		err = rebuild_locked(f);
	f->op_depth--;
	if (!err)
		mark(f, FIB24_CLEAN);
	return err;
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
	/* left dirty by a writer that died (or never set): the lock repairs it */
	if (!fib24_clean(f)) {
		err = fib24_lock(f);
		if (err) {
			fib24_close(f);
			return err;
		}
		fib24_unlock(f);
	}
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

bool fib24_clean(const struct fib24 *f)
{
	return __atomic_load_n(&f->slots[0].used, __ATOMIC_ACQUIRE) == FIB24_CLEAN;
}

int fib24_tables_state(int nexthops_fd, const char *lock_dir)
{
	struct nexthop_slot s;
	__u32 zero = 0;
	int busy;

	if (bpf_map_lookup_elem(nexthops_fd, &zero, &s))
		return -errno;
	if (s.used != FIB24_DIRTY)
		return FIB24_STATE_CLEAN;
	/* dirty while a writer holds the lock: it is still writing, not dead */
	busy = lock_dir && lock_busy(lock_dir) > 0;
	return busy ? FIB24_STATE_WRITING : FIB24_STATE_DIRTY;
}

/*
 * Maps just created: no slot taken, no route. Their tbl24 is all zero then
 * (only a hand-written entry could differ, which route check finds), so they
 * are clean without the rebuild's pass over 2^24 entries (a second of CPU).
 */
static bool fresh(struct fib24 *f)
{
	struct route_key next;
	__u32 i;

	if (f->slots[0].used)
		return false;
	for (i = 1; i < V4VIA6_MAX_NEXTHOPS; i++)
		if (f->slots[i].used)
			return false;
	return bpf_map_get_next_key(f->routes_fd, NULL, &next) && errno == ENOENT;
}

/*
 * The first lock of a process repairs what a dead writer left: tbl24, the
 * longer-route counts and the slots, rebuilt from the trie.
 */
static int repair(struct fib24 *f)
{
	bool dirty = f->slots[0].used == FIB24_DIRTY;
	int err;

	if (fresh(f)) {
		mark(f, FIB24_CLEAN);
		return 0;
	}
	err = rebuild_locked(f);

	if (err)
		pr_err("repairing the /24 table from the routes: %s (v4via6 route check retries)",
		       strerror(-err));
	else if (dirty)
		pr_err("the /24 table was left dirty by an interrupted writer: rebuilt from the "
		       "routes");
	return err;
}

int fib24_lock(struct fib24 *f)
{
	int err;

	if (f->lock_depth++)
		return 0;
	/* the command's state lock: when it holds it already, only counted, never a second lock */
	err = f->lock_dir ? lock_take(f->lock_dir, false) : 0;
	if (err) {
		f->lock_depth--;
		return err;
	}
	if (f->slots && !fib24_clean(f)) {
		err = repair(f);
		if (err) {
			fib24_unlock(f);
			return err;
		}
	}
	return 0;
}

void fib24_unlock(struct fib24 *f)
{
	if (--f->lock_depth || !f->lock_dir)
		return;
	lock_release();
}

/*
 * Waits until every program run that started before has ended: XDP runs in
 * an RCU read-side section (softirq, bottom halves off), and
 * MEMBARRIER_CMD_GLOBAL is synchronize_rcu() in the kernel. Where membarrier
 * is refused (nohz_full), a sleep far longer than any program run.
 */
static void grace_period(void)
{
	if (syscall(__NR_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0) < 0)
		usleep(100000);
}

/*
 * Wipes the released slots (no entry, no hold) for other next hops, after a
 * grace period: no packet still holds an entry that pointed to them.
 * Returns how many it freed.
 */
static __u32 slots_reclaim(struct fib24 *f)
{
	__u32 i, n = 0;

	for (i = 1; i < V4VIA6_MAX_NEXTHOPS; i++)
		n += f->slots[i].used == FIB24_SLOT_ALLOCATED;
	if (!n)
		return 0;
	grace_period();
	for (i = 1; i < V4VIA6_MAX_NEXTHOPS; i++)
		if (f->slots[i].used == FIB24_SLOT_ALLOCATED)
			memset(&f->slots[i], 0, sizeof(f->slots[i]));
	return n;
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
 * The slot of a next hop, with a hold on it (slot_put drops it), allocated if
 * needed: linear probing from its hash over slots 1..max-1. A slot wiped by
 * slots_reclaim may end a probe early, and the next hop then gets a second
 * slot: harmless, both hold the same next hop. -ENOSPC when every slot is
 * held or referenced.
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
			if (s->used && !memcmp(&s->nh, nh, sizeof(*nh))) {
				ref_get(f, i);
				return i;
			}
			if (s->used)
				continue;
			s->nh = *nh;
			/* the slot is complete before any entry points to it */
			__atomic_thread_fence(__ATOMIC_RELEASE);
			s->used = FIB24_SLOT_ALLOCATED | 1;
			return i;
		}
		if (!slots_reclaim(f))
			break;
	}
	return -ENOSPC;
}

static void slot_put(struct fib24 *f, int idx)
{
	if (idx > 0)
		ref_put(f, idx);
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

/*
 * One route longer than /24 more or less in its /24's count. A count that
 * would wrap (0 - 1 after a crash or a hand-written entry, or past the
 * field) is left alone: it was wrong, and the table is rebuilt at op_end.
 */
static void t24_longer(struct fib24 *f, const struct route_key *key, int delta)
{
	__u32 i = ntohl(key->addr) >> 8, c = V4VIA6_T24_LONGER(*t24(f, i));

	if ((delta > 0 && c == V4VIA6_T24_LONGER_MASK) || (delta < 0 && !c)) {
		f->broken = true;
		return;
	}
	t24_store(f, i, delta > 0 ? *t24(f, i) + LONGER_ONE : *t24(f, i) - LONGER_ONE);
}

int fib24_update(struct fib24 *f, const struct route_key *key, const struct nexthop *nh,
		 __u64 flags)
{
	struct route val = { .nh = *nh, .prefixlen = key->prefixlen }, old;
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
	op_begin(f);
	if (key->prefixlen <= 24)
		idx = slot_get(f, nh);
	else
		existed = route_exact(f, key, &old);
	if (idx < 0)
		err = idx;
	else if (bpf_map_update_elem(f->routes_fd, key, &val, flags))
		err = -errno; /* nothing changed */
	else if (key->prefixlen <= 24)
		t24_cover(f, key, idx);
	else if (!existed)
		t24_longer(f, key, 1);
	slot_put(f, idx);
	err = op_end(f) ?: err;
out:
	fib24_unlock(f);
	return err;
}

/*
 * Writes keys[0..n-1], whose slots (idx, holds) or existence (for > /24) are
 * known: all into the trie, then all into tbl24. Until its entries change, a
 * route of /24 or shorter is still the old one for the program, and a longer
 * one is not asked for (its /24's count has not moved yet). Drops the holds.
 * *done: how many went in whole.
 */
static int batch_write(struct fib24 *f, const struct route_key *keys, const struct route *vals,
		       const int *idx, size_t n, size_t *done)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts, .elem_flags = BPF_ANY);
	__u32 count = n;
	size_t i;
	int err = 0;

	if (n && bpf_map_update_batch(f->routes_fd, keys, vals, &count, &opts))
		err = -errno;
	if (count > n)
		count = 0;
	for (i = 0; i < count; i++) {
		if (keys[i].prefixlen <= 24)
			t24_cover(f, &keys[i], idx[i]);
		else if (!idx[i])
			t24_longer(f, &keys[i], 1);
	}
	for (i = 0; i < n; i++)
		if (keys[i].prefixlen <= 24)
			slot_put(f, idx[i]);
	*done = count;
	return err;
}

int fib24_update_batch(struct fib24 *f, const struct route_key *keys, const struct nexthop *nhs,
		       size_t n, size_t *done)
{
	struct route *vals = calloc(n ? n : 1, sizeof(*vals)), old;
	int *idx = calloc(n ? n : 1, sizeof(*idx)); /* a slot; for > /24: 1 if it existed */
	size_t i, start = 0, wrote;
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
	op_begin(f);
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
		if (idx[i] == -ENOSPC && i > start) {
			/*
			 * Every slot is taken, most by the routes this batch
			 * replaces: write what is ready, which releases them,
			 * and go on with the slots slot_get then reclaims.
			 */
			err = batch_write(f, keys + start, vals + start, idx + start, i - start,
					  &wrote);
			*done += wrote;
			start = i;
			if (err)
				break;
			idx[i] = slot_get(f, &nhs[i]);
		}
		if (idx[i] < 0) {
			err = idx[i];
			break;
		}
	}
	/* on error, what precedes the bad route still goes in */
	if (i > start) {
		int e = batch_write(f, keys + start, vals + start, idx + start, i - start, &wrote);

		*done += wrote;
		err = err ?: e;
	}
	err = op_end(f) ?: err;
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
	int idx = 0, err = 0;

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
	op_begin(f);
	if (key->prefixlen > 24) {
		/* tbl24 still counts it: its /24 keeps asking the trie, which drops it at once */
		if (bpf_map_delete_elem(f->routes_fd, key))
			err = -errno;
		else
			t24_longer(f, key, -1);
		goto end;
	}
	/* the parent: the longest route strictly shorter that covers the prefix */
	pk = *key;
	pk.prefixlen--; /* a lookup matches at most prefixlen bits */
	if (key->prefixlen && !bpf_map_lookup_elem(f->routes_fd, &pk, &parent)) {
		idx = slot_get(f, &parent.nh);
		if (idx < 0) {
			err = idx;
			goto end;
		}
		repl = t24_entry(idx, parent.prefixlen);
	}
	t24_uncover(f, key, repl);
	slot_put(f, idx);
	if (bpf_map_delete_elem(f->routes_fd, key)) {
		err = -errno;
		/* still in the trie: give its entries back */
		idx = slot_get(f, &self.nh);
		if (idx >= 0)
			t24_cover(f, key, idx);
		else
			f->broken = true;
		slot_put(f, idx);
	}
end:
	err = op_end(f) ?: err;
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
	op_begin(f);
	for (j = 0; j < V4VIA6_TBL24_ENTRIES; j++)
		if (*t24(f, j))
			t24_store(f, j, 0);
	for (i = 0; i < n; i++) {
		if (bpf_map_delete_elem(f->routes_fd, &routes[i].key) && errno != ENOENT) {
			err = -errno;
			break;
		}
	}
	if (err) { /* some routes are left: tbl24 must show them again */
		f->broken = true;
	} else {
		/* no entry points to a slot any more */
		grace_period();
		memset(&f->slots[1], 0, SLOTS_BYTES - sizeof(f->slots[0]));
		f->broken = false;
	}
	err = op_end(f) ?: err;
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
 * The table the trie's routes make, into t (zeroed), with indexes into routes
 * (sorted here) as next hops. Shortest first, so that a longer route
 * overwrites the entries it owns.
 */
static void t24_compute(struct route_entry *routes, size_t n, __u64 *t)
{
	__u32 first, cnt, j;
	size_t i;

	if (n)
		qsort(routes, n, sizeof(*routes), cmp_len);
	for (i = 0; i < n; i++) {
		const struct route_key *k = &routes[i].key;

		if (k->prefixlen > 24) {
			/* at most 510 fit: the trie holds distinct prefixes */
			t[ntohl(k->addr) >> 8] += LONGER_ONE;
			continue;
		}
		t24_range(k, &first, &cnt);
		for (j = first; j < first + cnt; j++)
			t[j] = t24_entry(i, k->prefixlen) | (t[j] & LONGER_BITS);
	}
}

/* How many valid entries of tbl24 point to each slot, into refs (zeroed). */
static void t24_count_refs(struct fib24 *f, __u32 *refs)
{
	__u32 j;
	__u64 e;

	for (j = 0; j < V4VIA6_TBL24_ENTRIES; j++) {
		e = *t24(f, j);
		if ((e & V4VIA6_T24_VALID) && V4VIA6_T24_NH(e) < V4VIA6_MAX_NEXTHOPS)
			refs[V4VIA6_T24_NH(e)]++;
	}
}

/*
 * Recomputes tbl24 and the slots from the trie, under the lock: the slots'
 * counts from what tbl24 holds now, then each entry that differs from what
 * the trie says, by the same stores as every writer (so, in an order that
 * is safe for the program), with a slot for each route that owns an entry.
 */
static int rebuild_locked(struct fib24 *f)
{
	struct route_entry *routes = NULL;
	__u32 *refs = NULL, j;
	int *slot = NULL, r;
	size_t n = 0, i;
	__u64 *t = NULL, want;
	int err;

	err = lock_whole(f, &routes, &n);
	if (err)
		return err;
	op_begin(f);
	t = calloc(V4VIA6_TBL24_ENTRIES, sizeof(*t));
	refs = calloc(V4VIA6_MAX_NEXTHOPS, sizeof(*refs));
	slot = malloc((n ? n : 1) * sizeof(*slot));
	if (!t || !refs || !slot) {
		err = -ENOMEM;
		goto out;
	}
	t24_count_refs(f, refs);
	for (j = 1; j < V4VIA6_MAX_NEXTHOPS; j++) {
		if (refs[j])
			f->slots[j].used = FIB24_SLOT_ALLOCATED | refs[j];
		else if (f->slots[j].used) /* released: wiped after a grace period */
			f->slots[j].used = FIB24_SLOT_ALLOCATED;
	}
	t24_compute(routes, n, t);
	for (i = 0; i < n; i++)
		slot[i] = 0;
	for (j = 0; j < V4VIA6_TBL24_ENTRIES; j++) {
		want = t[j];
		if (want & V4VIA6_T24_VALID) {
			i = V4VIA6_T24_NH(want);
			if (!slot[i]) {
				r = slot_get(f, &routes[i].nh);
				if (r < 0) {
					err = r;
					break;
				}
				slot[i] = r;
			}
			want = t24_entry(slot[i], V4VIA6_T24_LEN(want)) | (want & LONGER_BITS);
		}
		if (*t24(f, j) != want)
			t24_store(f, j, want);
	}
	for (i = 0; i < n; i++)
		slot_put(f, slot[i]);
out:
	/* counted from scratch: whatever was wrong before is right now */
	f->broken = !!err;
	if (err)
		f->op_depth--; /* stays dirty */
	else
		err = op_end(f);
	free(t);
	free(refs);
	free(slot);
	free(routes);
	fib24_unlock(f);
	return err;
}

int fib24_rebuild(struct fib24 *f)
{
	return rebuild_locked(f);
}

long fib24_check(struct fib24 *f)
{
	struct route_entry *routes = NULL;
	const struct nexthop_slot *s;
	__u64 *t = NULL, e, want;
	__u32 *refs = NULL, j;
	size_t n = 0;
	long bad = 0;
	int err;

	err = lock_whole(f, &routes, &n);
	if (err)
		return err;
	t = calloc(V4VIA6_TBL24_ENTRIES, sizeof(*t));
	refs = calloc(V4VIA6_MAX_NEXTHOPS, sizeof(*refs));
	if (!t || !refs)
		err = -ENOMEM;
	else
		t24_compute(routes, n, t);
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
	/* a slot whose count is wrong would be freed too early, or never */
	if (!err) {
		t24_count_refs(f, refs);
		for (j = 1; j < V4VIA6_MAX_NEXTHOPS; j++)
			if (refs[j] && f->slots[j].used != (FIB24_SLOT_ALLOCATED | refs[j]))
				bad++;
			else if (!refs[j] && (f->slots[j].used & FIB24_SLOT_REFS))
				bad++;
	}
	free(t);
	free(refs);
	free(routes);
	fib24_unlock(f);
	return err ? err : bad;
}
