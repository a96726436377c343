// SPDX-License-Identifier: GPL-2.0-only
/*
 * DIR-24-8 upkeep (see fib24.h): the classic incremental updates of tbl24
 * and tbl8, one route at a time.
 *
 * An entry belongs to the longest route covering it, and records that
 * route's length, so that a shorter route written later leaves it alone and
 * the deletion of a route hands back exactly the entries it owned. A route of
 * length len <= 24 covers 2^(24 - len) tbl24 entries, and inside those that
 * point to a tbl8 block, the block's entries. A route longer than /24 covers
 * entries of its /24's block, which its /24 gets first: a copy of the /24's
 * entry in all 256 entries, then tbl24 points to it (the same answers, so the
 * switch is invisible). When the last route longer than /24 of a /24 goes,
 * its entries are equal again: tbl24 gets that entry back and the block is
 * released.
 *
 * Ordering, so that the program sees each route old or new, never a wrong
 * next hop: a slot (nexthop object) and a block are complete before any entry
 * points to them; an added or replaced route goes into the trie first, then
 * into the tables (until then, they still give the previous answer); a
 * deleted route leaves the tables first (its entries fall back to the parent
 * route, which the trie still agrees with), then the trie. Every entry
 * changes by one aligned 32-bit store. A released slot or block is reused
 * only after an RCU grace period (nhobj.c, group_alloc).
 *
 * Crash consistency: slot 0's `used` is the tables' state word. Every writer
 * sets it to FIB24_DIRTY before it changes the trie, the neighbour map, the
 * tables or a slot, and to FIB24_CLEAN when they agree again. A writer killed
 * in between (kill -9, Ctrl-C, a crash) leaves FIB24_DIRTY in the map, which
 * outlives it; whoever takes the lock next finds it and rebuilds the tables
 * from the trie and the neighbour map, the source of truth, before doing
 * anything else (fib24_whole.c).
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

#include "array_size.h"
#include "common.h"
#include "dump.h"
#include "fib24_int.h"
#include "lock.h"

#define SLOTS_BYTES	((size_t)V4VIA6_MAX_NEXTHOPS * sizeof(struct nexthop_slot))
#define GROUPS_BYTES	((size_t)V4VIA6_MAX_NHGRPS * sizeof(struct nh_group))
#define OWNERS_BYTES(f) ((size_t)(f)->ngroups * sizeof(__u64))

/* Maps window w of a table of total entries (the last may be shorter). */
static int win_map(__u32 **win, int fd, __u32 w, __u64 total)
{
	__u64 off = (__u64)w * WIN_ENTRIES;
	size_t len = WIN_BYTES;
	void *p;

	if (win[w])
		return 0;
	if (off >= total)
		return -ERANGE;
	if (total - off < WIN_ENTRIES)
		len = (total - off) * sizeof(__u32);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, off * sizeof(__u32));
	if (p == MAP_FAILED)
		return -errno;
	win[w] = p;
	return 0;
}

int t24_map(struct fib24 *f, __u32 first, __u32 n)
{
	__u32 w, last = (first + n - 1) >> FIB24_WIN_SHIFT;
	int err;

	for (w = first >> FIB24_WIN_SHIFT; w <= last; w++) {
		err = win_map(f->win, f->tbl24_fd, w, V4VIA6_TBL24_ENTRIES);
		if (err)
			return err;
	}
	return 0;
}

static __u64 t8_total(const struct fib24 *f)
{
	return (__u64)f->ngroups * BLOCK;
}

int t8_map(struct fib24 *f, __u32 g)
{
	if (g >= f->ngroups)
		return -ERANGE;
	/* a block never straddles two windows: 128 blocks a window */
	return win_map(f->win8, f->tbl8_fd, g * BLOCK >> FIB24_WIN_SHIFT, t8_total(f));
}

int t8_map_all(struct fib24 *f)
{
	__u32 w;
	int err;

	for (w = 0; (__u64)w * WIN_ENTRIES < t8_total(f); w++) {
		err = win_map(f->win8, f->tbl8_fd, w, t8_total(f));
		if (err)
			return err;
	}
	return 0;
}

__u32 *fib24_entry(struct fib24 *f, __u32 i)
{
	return i < V4VIA6_TBL24_ENTRIES && !t24_map(f, i, 1) ? t24(f, i) : NULL;
}

__u32 *fib24_block(struct fib24 *f, __u32 g)
{
	return !t8_map(f, g) ? t8(f, g) : NULL;
}

void e_store(struct fib24 *f, __u32 *p, __u32 v)
{
	__u32 old = *p;
	bool moved = e_leaf(old) != e_leaf(v) || (e_leaf(v) && V4VIA6_E_NH(old) != V4VIA6_E_NH(v));

	if (moved && e_leaf(v))
		ref_get(f, V4VIA6_E_NH(v));
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
	if (moved && e_leaf(old))
		ref_put(f, V4VIA6_E_NH(old));
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

void op_begin(struct fib24 *f)
{
	if (!f->op_depth++)
		mark(f, FIB24_DIRTY);
}

/*
 * The writer is done and the tables agree with the trie again: clean. When it
 * found them wrong on the way (a count that would wrap, a slot out of range),
 * they are rebuilt first. Returns 0 or the rebuild's -errno (then still dirty).
 */
int op_end(struct fib24 *f)
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

static int map_entries(int fd, __u32 *n)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	*n = info.max_entries;
	return 0;
}

int fib24_open(struct fib24 *f, const struct v4via6_maps *m, const char *lock_dir)
{
	void *p;
	int err;

	memset(f, 0, sizeof(*f));
	f->routes_fd = m->routes_fd;
	f->tbl24_fd = m->tbl24_fd;
	f->tbl8_fd = m->tbl8_fd;
	f->owners_fd = m->tbl8_owners_fd;
	f->nexthops_fd = m->nexthops_fd;
	f->neighs_fd = m->neighs_fd;
	f->nh_stats_fd = m->nh_stats_fd;
	f->nh_groups_fd = m->nh_groups_fd;
	f->nh_defs_fd = m->nh_defs_fd;
	f->links_down_fd = m->links_down_fd;
	f->lock_dir = lock_dir;
	err = map_entries(f->tbl8_fd, &f->ngroups);
	if (!err && f->ngroups > V4VIA6_TBL8_GROUPS)
		err = -E2BIG;
	if (err)
		return err;
	p = mmap(NULL, SLOTS_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, f->nexthops_fd, 0);
	if (p == MAP_FAILED)
		goto fail;
	f->slots = p;
	p = mmap(NULL, GROUPS_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, f->nh_groups_fd, 0);
	if (p == MAP_FAILED)
		goto fail;
	f->nhg = p;
	p = mmap(NULL, OWNERS_BYTES(f), PROT_READ | PROT_WRITE, MAP_SHARED, f->owners_fd, 0);
	if (p == MAP_FAILED)
		goto fail;
	f->owners = p;
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
fail:
	err = -errno;
	fib24_close(f);
	return err;
}

int fib24_open_state(struct fib24 *f, const struct v4via6_state *st)
{
	return fib24_open(f, &st->maps, st->pin_dir);
}

static void unmap_wins(__u32 **win, int n, __u64 total)
{
	__u64 off;
	int w;

	for (w = 0; w < n; w++) {
		if (!win[w])
			continue;
		off = (__u64)w * WIN_ENTRIES;
		munmap(win[w],
		       total - off < WIN_ENTRIES ? (total - off) * sizeof(__u32) : WIN_BYTES);
		win[w] = NULL;
	}
}

void fib24_close(struct fib24 *f)
{
	unmap_wins(f->win, FIB24_WINDOWS, V4VIA6_TBL24_ENTRIES);
	unmap_wins(f->win8, ARRAY_SIZE(f->win8), t8_total(f));
	if (f->slots)
		munmap(f->slots, SLOTS_BYTES);
	f->slots = NULL;
	if (f->nhg)
		munmap(f->nhg, GROUPS_BYTES);
	f->nhg = NULL;
	if (f->owners)
		munmap(f->owners, OWNERS_BYTES(f));
	f->owners = NULL;
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
 * Maps just created: no slot taken, no block, no route. Their tables are all
 * zero then (only a hand-written entry could differ, which route check
 * finds), so they are clean without the rebuild's pass over 2^24 entries.
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
	for (i = 0; i < f->ngroups; i++)
		if (f->owners[i])
			return false;
	return bpf_map_get_next_key(f->routes_fd, NULL, &next) && errno == ENOENT;
}

/* The first lock of a process repairs what a dead writer left (fib24_whole.c). */
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
		pr_err("repairing the forwarding table from the routes: %s (v4via6 route check "
		       "retries)",
		       strerror(-err));
	else if (dirty)
		pr_err("the forwarding table was left dirty by an interrupted writer: rebuilt from "
		       "the routes");
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

int fib24_write_begin(struct fib24 *f)
{
	int err = fib24_lock(f);

	if (!err)
		op_begin(f);
	return err;
}

int fib24_write_end(struct fib24 *f)
{
	int err;

	slots_mac_sync(f, NULL);
	err = op_end(f);
	fib24_unlock(f);
	return err;
}

/*
 * Waits until every program run that started before has ended: XDP runs in
 * an RCU read-side section (softirq, bottom halves off), and
 * MEMBARRIER_CMD_GLOBAL is synchronize_rcu() in the kernel. Where membarrier
 * is refused (nohz_full), a sleep far longer than any program run.
 */
void grace_period(void)
{
	if (syscall(__NR_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0) < 0)
		usleep(100000);
}

/* Wipes the released blocks after a grace period. Returns how many. */
static __u32 groups_reclaim(struct fib24 *f)
{
	__u32 g, n = 0;

	for (g = 0; g < f->ngroups; g++)
		n += f->owners[g] == FIB24_GROUP_RELEASED;
	if (!n)
		return 0;
	grace_period();
	for (g = 0; g < f->ngroups; g++) {
		if (f->owners[g] != FIB24_GROUP_RELEASED || t8_map(f, g))
			continue;
		/* their references were given back at release */
		memset(t8(f, g), 0, BLOCK * sizeof(__u32));
		f->owners[g] = FIB24_GROUP_FREE;
	}
	return n;
}

int group_alloc(struct fib24 *f, __u32 i24)
{
	__u32 g, k;
	int pass, err;

	for (pass = 0; pass < 2; pass++) {
		/* from where the last one was found: a batch of new blocks takes them in order */
		for (k = 0; k < f->ngroups; k++) {
			g = (f->group_hint + k) % f->ngroups;
			if (f->owners[g] != FIB24_GROUP_FREE)
				continue;
			f->group_hint = g + 1;
			err = t8_map(f, g);
			if (err)
				return err;
			/* unreachable, and zero but for a hand-written entry: no reference to give back */
			memset(t8(f, g), 0, BLOCK * sizeof(__u32));
			f->owners[g] = FIB24_GROUP_USED | i24;
			return g;
		}
		if (!groups_reclaim(f))
			break;
	}
	return -ENOSPC;
}

void group_release(struct fib24 *f, __u32 g)
{
	__u32 j, *b;

	if (g >= f->ngroups || t8_map(f, g))
		return;
	b = t8(f, g);
	/* the entries stay as they are for a packet still reading them */
	for (j = 0; j < BLOCK; j++)
		if (e_leaf(b[j]))
			ref_put(f, V4VIA6_E_NH(b[j]));
	f->owners[g] = FIB24_GROUP_RELEASED;
}

int group_get(struct fib24 *f, __u32 i24)
{
	__u32 e = *t24(f, i24), j, *b;
	int g;

	if (e & V4VIA6_T24_TBL8)
		return t8_map(f, V4VIA6_E_GROUP(e));
	g = group_alloc(f, i24);
	if (g < 0)
		return g;
	b = t8(f, g);
	for (j = 0; j < BLOCK; j++)
		e_store(f, &b[j], e);
	/* the block is complete before tbl24 points to it */
	e_store(f, t24(f, i24), V4VIA6_T24_TBL8 | g);
	return 0;
}

void group_try_collapse(struct fib24 *f, __u32 i24)
{
	__u32 e = *t24(f, i24), j, g, *b;

	if (!(e & V4VIA6_T24_TBL8))
		return;
	g = V4VIA6_E_GROUP(e);
	if (t8_map(f, g)) {
		f->broken = true;
		return;
	}
	b = t8(f, g);
	for (j = 0; j < BLOCK; j++) {
		if (e_leaf(b[j]) && V4VIA6_E_LEN(b[j]) > 24)
			return;
		/* with no longer route, every entry is the /24's */
		if (b[j] != b[0]) {
			f->broken = true;
			return;
		}
	}
	e_store(f, t24(f, i24), b[0]);
	group_release(f, g);
}

/* The entries a route of len owns or may take: those of key's range. */
typedef void (*entry_fn)(struct fib24 *f, __u32 *p, __u32 len, __u32 v);

static void cover_one(struct fib24 *f, __u32 *p, __u32 len, __u32 v)
{
	if (!(*p & V4VIA6_E_VALID) || V4VIA6_E_LEN(*p) <= len)
		e_store(f, p, v);
}

static void uncover_one(struct fib24 *f, __u32 *p, __u32 len, __u32 v)
{
	if (e_leaf(*p) && V4VIA6_E_LEN(*p) == len)
		e_store(f, p, v);
}

/*
 * fn on every entry of key's range: tbl24 entries, and the entries of the
 * blocks they point to (len <= 24); entries of its /24's block (len > 24,
 * which group_get made).
 */
static void for_range(struct fib24 *f, const struct route_key *key, entry_fn fn, __u32 v)
{
	__u32 first, n, i, j, e, len = key->prefixlen, addr = ntohl(key->addr);

	if (len > 24) {
		e = *t24(f, addr >> 8);
		if (!(e & V4VIA6_T24_TBL8) || t8_map(f, V4VIA6_E_GROUP(e))) {
			f->broken = true;
			return;
		}
		first = addr & 0xff & ~0U << (32 - len);
		for (j = first; j < first + (1U << (32 - len)); j++)
			fn(f, &t8(f, V4VIA6_E_GROUP(e))[j], len, v);
		return;
	}
	t24_range(key, &first, &n);
	for (i = first; i < first + n; i++) {
		e = *t24(f, i);
		if (!(e & V4VIA6_T24_TBL8)) {
			fn(f, t24(f, i), len, v);
			continue;
		}
		if (t8_map(f, V4VIA6_E_GROUP(e))) {
			f->broken = true;
			continue;
		}
		for (j = 0; j < BLOCK; j++)
			fn(f, &t8(f, V4VIA6_E_GROUP(e))[j], len, v);
	}
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

/*
 * What a route needs before it goes into the trie: longer than /24, its /24's
 * block, then its slot (with a hold). The block first: a route refused for
 * want of one takes nothing, not even a slot that would stay behind,
 * released; a block made for a route refused for want of a slot goes back.
 * Returns the slot or -errno (then nothing is held).
 */
static int prepare(struct fib24 *f, const struct route_key *key, const struct nexthop *nh)
{
	__u32 i24 = ntohl(key->addr) >> 8;
	int idx, err;

	if (key->prefixlen > 32)
		return -EINVAL;
	/* a route by nexthop id names an object that exists (a group slot only has one that does) */
	if (nh_is_group(nh) && slot_find(f, nh) < 0 && !defs_has(f, nh))
		return -ENOENT;
	err = t24_map_key(f, key);
	if (!err && key->prefixlen > 24)
		err = group_get(f, i24);
	if (err)
		return err;
	idx = slot_get(f, nh);
	if (idx < 0 && key->prefixlen > 24)
		group_try_collapse(f, i24);
	return idx;
}

int fib24_update(struct fib24 *f, const struct route_key *key, const struct nexthop *nh,
		 __u64 flags)
{
	struct route val = { .nh = *nh, .prefixlen = key->prefixlen }, old;
	bool had;
	int idx, err;

	if (key->prefixlen > 32)
		return -EINVAL;
	err = fib24_lock(f);
	if (err)
		return err;
	op_begin(f);
	idx = prepare(f, key, nh);
	/* the route it replaces: a nexthop object's count of routes */
	had = idx >= 0 && defs_any(f) && route_exact(f, key, &old);
	if (idx < 0) {
		err = idx;
	} else if (bpf_map_update_elem(f->routes_fd, key, &val, flags)) {
		err = -errno; /* nothing changed: a block made for it goes back */
		if (key->prefixlen > 24)
			group_try_collapse(f, ntohl(key->addr) >> 8);
	} else {
		for_range(f, key, cover_one, e_make(idx, key->prefixlen));
		def_routes_adj(f, nh, 1);
		if (had)
			def_routes_adj(f, &old.nh, -1);
	}
	slot_put(f, idx);
	if (err)
		def_gc(f, nh); /* a multipath route's new object, now of no route */
	err = op_end(f) ?: err;
	fib24_unlock(f);
	return err;
}

/*
 * Writes keys[0..n-1], whose slots are held: all into the trie, then all
 * into the tables. Until its entries change, a route is still the old one
 * for the program. Drops the holds. *done: how many went in whole.
 */
static int batch_write(struct fib24 *f, const struct route_key *keys, const struct route *vals,
		       const struct route *olds, const bool *had, const int *idx, size_t n,
		       size_t *done)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts, .elem_flags = BPF_ANY);
	struct def_tally tally = { .n = 0 };
	__u32 count = n;
	size_t i;
	int err = 0;

	if (n && bpf_map_update_batch(f->routes_fd, keys, vals, &count, &opts))
		err = -errno;
	if (count > n)
		count = 0;
	for (i = 0; i < count; i++) {
		for_range(f, &keys[i], cover_one, e_make(idx[i], keys[i].prefixlen));
		tally_add(f, &tally, &vals[i].nh, 1);
		if (had[i])
			tally_add(f, &tally, &olds[i].nh, -1);
	}
	tally_flush(f, &tally);
	for (i = 0; i < n; i++) {
		/* blocks made for routes that did not go in go back */
		if (i >= count && keys[i].prefixlen > 24)
			group_try_collapse(f, ntohl(keys[i].addr) >> 8);
		slot_put(f, idx[i]);
		if (i >= count)
			def_gc(f, &vals[i].nh);
	}
	*done = count;
	return err;
}

int fib24_update_batch(struct fib24 *f, const struct route_key *keys, const struct nexthop *nhs,
		       size_t n, size_t *done)
{
	struct route *vals = calloc(n ? n : 1, sizeof(*vals)), *olds = NULL;
	int *idx = calloc(n ? n : 1, sizeof(*idx));
	bool *had = calloc(n ? n : 1, sizeof(*had)), defs;
	size_t i, start = 0, wrote;
	int err;

	*done = 0;
	if (!vals || !idx || !had) {
		err = -ENOMEM;
		goto out;
	}
	err = fib24_lock(f);
	if (err)
		goto out;
	/* routes by nexthop id may be replaced: their objects count routes */
	defs = defs_any(f);
	olds = defs ? calloc(n ? n : 1, sizeof(*olds)) : NULL;
	if (defs && !olds) {
		err = -ENOMEM;
		fib24_unlock(f);
		goto out;
	}
	op_begin(f);
	for (i = 0; i < n; i++) {
		vals[i].nh = nhs[i];
		vals[i].prefixlen = keys[i].prefixlen;
		had[i] = defs && route_exact(f, &keys[i], &olds[i]);
		idx[i] = prepare(f, &keys[i], &nhs[i]);
		if (idx[i] == -ENOSPC && i > start) {
			/*
			 * Every slot or block is taken, many by the routes
			 * this batch replaces: write what is ready, which
			 * releases them, and go on with what prepare then
			 * reclaims.
			 */
			err = batch_write(f, keys + start, vals + start, olds ? olds + start : NULL,
					  had + start, idx + start, i - start, &wrote);
			*done += wrote;
			start = i;
			if (err)
				break;
			idx[i] = prepare(f, &keys[i], &nhs[i]);
		}
		if (idx[i] < 0) {
			err = idx[i];
			break;
		}
	}
	/* on error, what precedes the bad route still goes in */
	if (i > start) {
		int e = batch_write(f, keys + start, vals + start, olds ? olds + start : NULL,
				    had + start, idx + start, i - start, &wrote);

		*done += wrote;
		err = err ?: e;
	}
	err = op_end(f) ?: err;
	fib24_unlock(f);
out:
	free(vals);
	free(idx);
	free(had);
	free(olds);
	return err;
}

int fib24_delete(struct fib24 *f, const struct route_key *key)
{
	struct route self, parent;
	struct route_key pk;
	__u32 repl = 0;
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
	/* the parent: the longest route strictly shorter that covers the prefix */
	pk = *key;
	pk.prefixlen--; /* a lookup matches at most prefixlen bits */
	if (key->prefixlen && !bpf_map_lookup_elem(f->routes_fd, &pk, &parent)) {
		idx = slot_get(f, &parent.nh);
		if (idx < 0) {
			err = idx;
			goto end;
		}
		repl = e_make(idx, parent.prefixlen);
	}
	for_range(f, key, uncover_one, repl);
	slot_put(f, idx);
	if (bpf_map_delete_elem(f->routes_fd, key)) {
		err = -errno;
		/* still in the trie: give its entries back */
		idx = slot_get(f, &self.nh);
		if (idx >= 0)
			for_range(f, key, cover_one, e_make(idx, key->prefixlen));
		else
			f->broken = true;
		slot_put(f, idx);
	} else {
		if (key->prefixlen > 24)
			group_try_collapse(f, ntohl(key->addr) >> 8);
		def_routes_adj(f, &self.nh, -1);
	}
end:
	err = op_end(f) ?: err;
out:
	fib24_unlock(f);
	return err;
}
