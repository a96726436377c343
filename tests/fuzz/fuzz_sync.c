// SPDX-License-Identifier: GPL-2.0-only
/*
 * sync's table logic (sync_table.c) on arbitrary sequences of kernel events:
 * routes, nexthop objects, neighbours and links added, replaced and deleted,
 * interfaces attached and detached, in any order. The maps and fib24 are
 * faked here (arrays in memory, linked only into this fuzzer); the rest is
 * the real code.
 *
 * Invariant: after every sequence, the maps that the events built one at a
 * time equal the maps a fresh table builds from a full dump of the same
 * kernel state (what `sync` does at start and after a resync). A difference
 * means the incremental path and the dump disagree: XDP would forward
 * differently depending on the order in which the kernel told sync.
 */
#include <errno.h>
#include <arpa/inet.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <bpf/bpf.h>

#include "fuzz.h"
#include "egress.h"
#include "fib24.h"
#include "sync/sync_table.h"

/* --- fake maps: sorted arrays behind made-up fds ------------------------------------------ */

#define FMAP_MAX 512

struct fmap {
	int fd;
	size_t ksz, vsz, n;
	uint8_t key[FMAP_MAX][24], val[FMAP_MAX][24];
};

enum { ROUTES1 = 1001, NEIGHS1, EGRESS1, ROUTES2 = 2001, NEIGHS2, EGRESS2 };
static struct fmap maps[6];

static struct fmap *fmap_of(int fd)
{
	size_t i;

	for (i = 0; i < 6; i++)
		if (maps[i].fd == fd)
			return &maps[i];
	FUZZ_ASSERT(0, "fd %d is not a fake map", fd);
	return NULL;
}

/* The index of key, or where it would go (*found false). */
static size_t fmap_find(const struct fmap *m, const void *key, bool *found)
{
	size_t i;
	int c = 1;

	for (i = 0; i < m->n && (c = memcmp(m->key[i], key, m->ksz)) < 0; i++)
		;
	*found = i < m->n && !c;
	return i;
}

static int fail_errno(int err)
{
	errno = err;
	return -err;
}

/* the nexthop objects' fake map (below): a table of its own, its values 1 KiB */
enum { DEFS1 = 1100, DEFS2 = 2100 };
static int fdefs_lookup(int fd, const void *key, void *value);
static int fdefs_next(int fd, const void *key, void *next_key);

int bpf_map_lookup_elem(int fd, const void *key, void *value)
{
	struct fmap *m;

	if (fd == DEFS1 || fd == DEFS2)
		return fdefs_lookup(fd, key, value);
	m = fmap_of(fd);
	bool found;
	size_t i = fmap_find(m, key, &found);

	if (!found)
		return fail_errno(ENOENT);
	memcpy(value, m->val[i], m->vsz);
	return 0;
}

int bpf_map_update_elem(int fd, const void *key, const void *value, __u64 flags)
{
	struct fmap *m = fmap_of(fd);
	bool found;
	size_t i = fmap_find(m, key, &found);

	if (found && flags == BPF_NOEXIST)
		return fail_errno(EEXIST);
	if (!found && flags == BPF_EXIST)
		return fail_errno(ENOENT);
	if (!found) {
		if (m->n == FMAP_MAX)
			return fail_errno(E2BIG);
		memmove(m->key[i + 1], m->key[i], (m->n - i) * sizeof(m->key[0]));
		memmove(m->val[i + 1], m->val[i], (m->n - i) * sizeof(m->val[0]));
		m->n++;
		memcpy(m->key[i], key, m->ksz);
	}
	memcpy(m->val[i], value, m->vsz);
	return 0;
}

int bpf_map_delete_elem(int fd, const void *key)
{
	struct fmap *m = fmap_of(fd);
	bool found;
	size_t i = fmap_find(m, key, &found);

	if (!found)
		return fail_errno(ENOENT);
	memmove(m->key[i], m->key[i + 1], (m->n - i - 1) * sizeof(m->key[0]));
	memmove(m->val[i], m->val[i + 1], (m->n - i - 1) * sizeof(m->val[0]));
	m->n--;
	return 0;
}

int bpf_map_get_next_key(int fd, const void *key, void *next_key)
{
	struct fmap *m;

	if (fd == DEFS1 || fd == DEFS2)
		return fdefs_next(fd, key, next_key);
	m = fmap_of(fd);
	bool found = false;
	size_t i = key ? fmap_find(m, key, &found) : 0;

	i += found;
	if (i >= m->n)
		return fail_errno(ENOENT);
	memcpy(next_key, m->key[i], m->ksz);
	return 0;
}

/* --- fake fib24: the trie only (tbl24 is fib24's business, tested by test_fib24) ---------- */

int fib24_lock(struct fib24 *f)
{
	return 0;
}

void fib24_unlock(struct fib24 *f)
{
}

int fib24_rebuild(struct fib24 *f)
{
	return 0;
}

int fib24_update(struct fib24 *f, const struct route_key *key, const struct nexthop *nh,
		 __u64 flags)
{
	struct route r = { .nh = *nh, .prefixlen = key->prefixlen };

	FUZZ_ASSERT(key->prefixlen <= 32 && !(ntohl(key->addr) &
					      ~(key->prefixlen ? ~0U << (32 - key->prefixlen) : 0)),
		    "a route key with host bits set");
	return bpf_map_update_elem(f->routes_fd, key, &r, flags);
}

int fib24_delete(struct fib24 *f, const struct route_key *key)
{
	return bpf_map_delete_elem(f->routes_fd, key);
}

/* the neighbour map alone: copying MACs into nexthop objects is fib24's (test_fib24) */
int fib24_neigh_update(struct fib24 *f, const struct nexthop *key, const struct neigh *val,
		       __u64 flags)
{
	return bpf_map_update_elem(f->neighs_fd, key, val, flags) ? -errno : 0;
}

int fib24_neigh_delete(struct fib24 *f, const struct nexthop *key)
{
	return bpf_map_delete_elem(f->neighs_fd, key) ? -errno : 0;
}

/*
 * --- fake nexthop objects: a table per world (by its routes fd); an anonymous
 * object's id comes from its members, so that the two worlds name one set of
 * next hops alike whatever the order they saw it in ---------------------------------------
 */
#define FDEF_MAX 128

struct fdefs {
	int n;
	struct nh_key key[FDEF_MAX];
	struct nh_def def[FDEF_MAX];
};
static struct fdefs fdefs[2];

static struct fdefs *fdefs_of(const struct fib24 *f)
{
	return &fdefs[f->routes_fd == ROUTES2];
}

static int fdef_find(const struct fdefs *d, const struct nh_key *k)
{
	int i;

	for (i = 0; i < d->n; i++)
		if (!memcmp(&d->key[i], k, sizeof(*k)))
			return i;
	return -1;
}

const char *fib24_nh_invalid(struct fib24 *f, __u32 id, const struct nh_def *def)
{
	struct fdefs *d = fdefs_of(f);
	struct nh_key k = { .kind = V4VIA6_NH_NAMED };
	__u32 i;
	int j;

	if (!id || !def->n || def->n > V4VIA6_NHGRP_MAX_SIZE)
		return "bad size or id";
	for (i = 0; i < def->n; i++) {
		if (!def->m[i].weight || def->m[i].weight > V4VIA6_NH_MAX_WEIGHT)
			return "bad weight";
		if (!(def->flags & V4VIA6_NHDEF_GROUP)) {
			if (def->n != 1 || !def->m[i].nh.ifindex ||
			    def->m[i].nh.ifindex == V4VIA6_IFINDEX_GROUP)
				return "bad next hop";
			continue;
		}
		k.id = def->m[i].id;
		j = fdef_find(d, &k);
		if (k.id == id || j < 0 || (d->def[j].flags & V4VIA6_NHDEF_GROUP))
			return "bad member";
	}
	return NULL;
}

int fib24_nh_set(struct fib24 *f, __u32 id, const struct nh_def *def, __u64 flags)
{
	struct fdefs *d = fdefs_of(f);
	struct nh_key k = { .id = id, .kind = V4VIA6_NH_NAMED }, mk = k;
	struct nh_def nd = *def;
	int i = fdef_find(d, &k), j;
	__u32 m;

	if (fib24_nh_invalid(f, id, def))
		return -EINVAL;
	if ((i >= 0 && flags == BPF_NOEXIST) || (i < 0 && flags == BPF_EXIST))
		return i >= 0 ? -EEXIST : -ENOENT;
	if (i < 0 && d->n == FDEF_MAX)
		return -ENOSPC;
	for (m = 0; (nd.flags & V4VIA6_NHDEF_GROUP) && m < nd.n; m++) {
		mk.id = nd.m[m].id;
		j = fdef_find(d, &mk);
		nd.m[m].nh = d->def[j].m[0].nh;
	}
	if (i < 0)
		i = d->n++;
	d->key[i] = k;
	d->def[i] = nd;
	return 0;
}

/* Whether a route of the world's fake trie names object k. */
static bool fdef_routed(const struct fib24 *f, const struct nh_key *k)
{
	const struct fmap *m = fmap_of(f->routes_fd);
	const struct route *r;
	struct nh_key rk;
	size_t i;

	for (i = 0; i < m->n; i++) {
		r = (const struct route *)m->val[i];
		nh_key_of(&r->nh, &rk);
		if (nh_is_group(&r->nh) && !memcmp(&rk, k, sizeof(rk)))
			return true;
	}
	return false;
}

int fib24_nh_del(struct fib24 *f, __u32 id)
{
	struct fdefs *d = fdefs_of(f);
	struct nh_key k = { .id = id, .kind = V4VIA6_NH_NAMED };
	int i = fdef_find(d, &k), j;
	__u32 m;

	if (i < 0)
		return -ENOENT;
	for (j = 0; j < d->n; j++)
		for (m = 0; (d->def[j].flags & V4VIA6_NHDEF_GROUP) && m < d->def[j].n; m++)
			if (d->def[j].m[m].id == id)
				return -EBUSY;
	if (fdef_routed(f, &k))
		return -EBUSY;
	d->key[i] = d->key[d->n - 1];
	d->def[i] = d->def[--d->n];
	return 0;
}

/* sync reads back the objects it wrote (adopt_objects) through the map */
static int fdefs_lookup(int fd, const void *key, void *value)
{
	struct fdefs *d = &fdefs[fd == DEFS2];
	int i = fdef_find(d, key);

	if (i < 0)
		return fail_errno(ENOENT);
	memcpy(value, &d->def[i], sizeof(d->def[i]));
	return 0;
}

static int fdefs_next(int fd, const void *key, void *next_key)
{
	struct fdefs *d = &fdefs[fd == DEFS2];
	int i = key ? fdef_find(d, key) + 1 : 0;

	if (i >= d->n)
		return fail_errno(ENOENT);
	memcpy(next_key, &d->key[i], sizeof(d->key[i]));
	return 0;
}

int fib24_nh_get(struct fib24 *f, const struct nh_key *key, struct nh_def *def)
{
	struct fdefs *d = fdefs_of(f);
	int i = fdef_find(d, key);

	if (i < 0)
		return -ENOENT;
	*def = d->def[i];
	return 0;
}

int fib24_nh_anon(struct fib24 *f, const struct nh_member *m, __u32 n, struct nexthop *nh)
{
	struct fdefs *d = fdefs_of(f);
	struct nh_key k = { .id = 2166136261U, .kind = V4VIA6_NH_ANON };
	struct nh_def def = { .n = n };
	__u32 i;
	size_t b;

	if (!n || n > V4VIA6_NHGRP_MAX_SIZE)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (!m[i].weight || m[i].weight > V4VIA6_NH_MAX_WEIGHT)
			return -EINVAL;
		def.m[i].nh = m[i].nh;
		def.m[i].weight = m[i].weight;
		for (b = 0; b < sizeof(def.m[i].nh); b++) /* FNV-1a over the members */
			k.id = (k.id ^ ((const __u8 *)&def.m[i].nh)[b]) * 16777619U;
		k.id = (k.id ^ m[i].weight) * 16777619U;
	}
	if (fdef_find(d, &k) < 0) {
		if (d->n == FDEF_MAX)
			return -ENOSPC;
		d->key[d->n] = k;
		d->def[d->n++] = def;
	}
	nh_of_key(&k, nh);
	return 0;
}

/* links: fib24's own business (test_nhgrp); nothing the maps compared here hold */
int fib24_link_set(struct fib24 *f, __u32 ifindex, bool up)
{
	return 0;
}

/* --- fake egress array: a fake map whose keys are the attached interfaces ------------------ */

int egress_get(int fd, __u32 ifindex, struct egress *eg)
{
	return bpf_map_lookup_elem(fd, &ifindex, eg) ? -errno : 0;
}

int egress_set(int fd, __u32 ifindex, const struct egress *eg)
{
	return bpf_map_update_elem(fd, &ifindex, eg, BPF_ANY) ? -errno : 0;
}

int egress_list(int fd, __u32 *ifindexes, int max)
{
	__u32 key, next, *prev = NULL;
	int n = 0;

	/* the fake map keeps its keys sorted: ascending, as the real list is */
	while (n < max && !bpf_map_get_next_key(fd, prev, &next)) {
		ifindexes[n++] = next;
		key = next;
		prev = &key;
	}
	return n;
}

/* --- the kernel's state, as the events left it ------------------------------------------- */

#define MAX_ROUTES 64
#define MAX_OBJS   8
#define MAX_NEIGHS 16
#define N_IFACES   4

static struct kernel {
	struct nl_route routes[MAX_ROUTES];
	int n_routes;
	struct nl_nhobj objs[MAX_OBJS];
	int n_objs;
	struct nl_neigh neighs[MAX_NEIGHS];
	int n_neighs;
	struct nl_link links[N_IFACES];
	bool has_link[N_IFACES];
} k;

/* The bytes of the input, read as needed; 0 once they run out. */
struct input {
	const uint8_t *p;
	size_t left;
};

static uint8_t next(struct input *in)
{
	if (!in->left)
		return 0;
	in->left--;
	return *in->p++;
}

static bool same_route_key(const struct nl_route *a, const struct nl_route *b)
{
	return a->table == b->table && a->dst == b->dst && a->dst_len == b->dst_len &&
	       a->tos == b->tos && a->priority == b->priority;
}

/*
 * What nl_parse_route's fingerprint stands for: what the kernel compares to
 * tell aliases apart (fib_table_insert's match on type and fib_info), without
 * the hop flags that change on their own; a route through a nexthop object is
 * that object whatever it holds now.
 */
static uint32_t fingerprint_of(const struct nl_route *r)
{
	uint32_t h = 2166136261u;
	int i;

	h = (h ^ r->type) * 16777619u;
	h = (h ^ r->mtu) * 16777619u; /* in RTA_METRICS */
	if (r->nhid)
		return (h ^ r->nhid) * 16777619u;
	h = (h ^ r->multipath) * 16777619u;
	for (i = 0; i < r->nhops; i++) {
		const uint8_t *a = r->hops[i].addr;
		size_t j;

		h = (h ^ (uint32_t)r->hops[i].ifindex) * 16777619u;
		h = (h ^ r->hops[i].family) * 16777619u;
		for (j = 0; j < sizeof(r->hops[i].addr); j++)
			h = (h ^ a[j]) * 16777619u;
	}
	return h;
}

/* Removes the kernel's route i, keeping the others in order (aliases stay in the kernel's order). */
static void kroute_remove(int i)
{
	memmove(&k.routes[i], &k.routes[i + 1], (k.n_routes - i - 1) * sizeof(k.routes[0]));
	k.n_routes--;
}

static void kroute_insert(int i, const struct nl_route *r)
{
	memmove(&k.routes[i + 1], &k.routes[i], (k.n_routes - i) * sizeof(k.routes[0]));
	k.routes[i] = *r;
	k.n_routes++;
}

/*
 * A route request, done to the kernel's state the way fib_table_insert and
 * fib_table_delete do it. mode: 0 replace, 1 add (EXCL), 2 prepend, 3 append;
 * for a deletion, even modes name the route exactly, odd ones only its key
 * (`ip route del PREFIX`: the first alias goes). Returns false when the kernel
 * refuses or changes nothing (no notification); else *r is the notification.
 */
static bool kroute_request(struct nl_route *r, int mode, bool del)
{
	int i, first = -1, last = -1, match = -1;

	for (i = 0; i < k.n_routes; i++) {
		if (!same_route_key(&k.routes[i], r))
			continue;
		if (first < 0)
			first = i;
		if (match < 0 && k.routes[i].type == r->type &&
		    k.routes[i].fingerprint == r->fingerprint)
			match = i;
		last = i;
	}
	if (del) {
		i = (mode & 1) ? first : match;
		if (i < 0)
			return false;
		*r = k.routes[i]; /* the notification names the alias deleted */
		kroute_remove(i);
		return true;
	}
	/* the kernel refuses a route naming an object it does not have (ENOENT) */
	if (r->nhid) {
		for (i = 0; i < k.n_objs && k.objs[i].id != r->nhid; i++)
			;
		if (i == k.n_objs)
			return false;
	}
	if (match >= 0) {
		/*
		 * The kernel refuses a duplicate (EEXIST, or nothing for a replace);
		 * what it does send for an existing alias is its own update of it
		 * (a nexthop object changed: fib_info_notify_update, NLM_F_REPLACE).
		 * The hop flags here are that update's.
		 */
		r->nlflags = NLM_F_REPLACE;
		k.routes[match] = *r;
		return true;
	}
	if (first < 0) {
		if (k.n_routes == MAX_ROUTES)
			return false;
		r->nlflags = NLM_F_CREATE | NLM_F_EXCL;
		kroute_insert(k.n_routes, r);
		return true;
	}
	switch (mode) {
	case 0:
		r->nlflags = NLM_F_REPLACE;
		k.routes[first] = *r;
		return true;
	case 1:
		return false; /* EEXIST */
	default:
		if (k.n_routes == MAX_ROUTES)
			return false;
		r->nlflags = NLM_F_CREATE | (mode == 3 ? NLM_F_APPEND : 0);
		kroute_insert(mode == 3 ? last + 1 : first, r);
		return true;
	}
}

static void hop_of(struct input *in, struct nl_hop *h)
{
	uint8_t b = next(in);

	h->ifindex = 1 + (b & 3);
	h->flags = (b & 4) ? RTNH_F_DEAD : (b & 8) ? RTNH_F_LINKDOWN : 0;
	h->family = (b & 0x30) == 0x30 ? AF_INET : (b & 0x30) == 0x20 ? 0 : AF_INET6;
	memset(h->addr, 0, sizeof(h->addr));
	if (h->family == AF_INET6) {
		h->addr[0] = 0xfe, h->addr[1] = 0x80;
		h->addr[15] = 1 + (b >> 6);
	} else if (h->family == AF_INET) {
		h->addr[0] = 192, h->addr[3] = 1 + (b >> 6);
	}
}

static void route_of(struct input *in, struct nl_route *r)
{
	static const uint8_t lens[8] = { 0, 8, 16, 22, 24, 25, 32, 24 };
	static const uint8_t types[8] = {
		RTN_UNICAST, RTN_UNICAST,   RTN_UNICAST,   RTN_UNICAST,
		RTN_LOCAL,   RTN_BROADCAST, RTN_BLACKHOLE, RTN_UNREACHABLE
	};
	uint8_t a = next(in), b = next(in), c = next(in);
	uint32_t dst =
		htonl(0x0a000000 | (uint32_t)(a & 3) << 16 | (uint32_t)(b & 3) << 8 | (c & 0x80));
	int i;

	memset(r, 0, sizeof(*r));
	r->dst_len = lens[(a >> 2) & 7];
	r->dst = r->dst_len ? dst & htonl(~0U << (32 - r->dst_len)) : 0;
	r->table = (a & 0x20) ? ((a & 0x40) ? 255 : 100) : 254;
	r->priority = (b >> 2) & 3;
	r->tos = (b & 0x10) ? 4 : 0;
	r->type = types[(b >> 5) & 7];
	r->mtu = (a & 0x80) ? 1400 : 0; /* `ip route ... mtu 1400`: the kernel's to forward */
	if (c & 0x40) {
		r->nhid = 1 + (c & 3);
	}
	r->nhops = (c & 0x20) ? 2 + ((c >> 2) & 1) : (c & 0x10) ? 0 : 1;
	r->multipath = r->nhops > 1;
	for (i = 0; i < r->nhops; i++)
		hop_of(in, &r->hops[i]);
	r->fingerprint = fingerprint_of(r);
}

static int kobj_find(uint32_t id)
{
	int i;

	for (i = 0; i < k.n_objs && k.objs[i].id != id; i++)
		;
	return i < k.n_objs ? i : -1;
}

/* Whether o is a member of a group of the kernel's. */
static bool kobj_in_group(uint32_t id)
{
	int i, m;

	for (i = 0; i < k.n_objs; i++)
		for (m = 0; m < k.objs[i].ngroup; m++)
			if (k.objs[i].group[m] == id)
				return true;
	return false;
}

/*
 * What the kernel accepts (net/ipv4/nexthop.c): a group's members exist, are
 * not groups, not itself, each once; an object in a group stays of its kind.
 * (The kernel also lets a member be deleted, shrinking its groups: not
 * generated here, sync resyncs on it like on a link change.)
 */
static bool kobj_allowed(const struct nl_nhobj *o, bool del)
{
	int i, j, m;

	if (del)
		return !kobj_in_group(o->id);
	i = kobj_find(o->id);
	if (i >= 0 && kobj_in_group(o->id) && (o->ngroup > 0) != (k.objs[i].ngroup > 0))
		return false;
	for (m = 0; m < o->ngroup; m++) {
		j = kobj_find(o->group[m]);
		if (o->group[m] == o->id || j < 0 || k.objs[j].ngroup)
			return false;
		for (j = 0; j < m; j++)
			if (o->group[j] == o->group[m])
				return false;
	}
	return true;
}

static void nhobj_of(struct input *in, struct nl_nhobj *o)
{
	uint8_t a = next(in);
	int i;

	memset(o, 0, sizeof(*o));
	o->id = 1 + (a & 3);
	o->family = AF_INET6;
	if (a & 4) {
		o->family = 0;
		o->ngroup = 1 + ((a >> 3) & 3);
		for (i = 0; i < o->ngroup; i++) {
			uint8_t b = next(in);

			o->group[i] = 1 + (b & 3);
			o->weight[i] = 1 + (b >> 2); /* as nl_parse gives it: the kernel's + 1 */
		}
	} else if (a & 8) {
		o->blackhole = true;
	} else {
		hop_of(in, &o->hop);
		o->family = o->hop.family == AF_INET ? AF_INET : AF_INET6;
	}
}

static void neigh_of(struct input *in, struct nl_neigh *n)
{
	static const uint16_t states[4] = { NUD_REACHABLE, NUD_STALE, NUD_FAILED, NUD_PERMANENT };
	uint8_t a = next(in);

	memset(n, 0, sizeof(*n));
	n->family = AF_INET6;
	n->ifindex = 1 + (a & 3);
	n->addr[0] = 0xfe, n->addr[1] = 0x80, n->addr[15] = 1 + ((a >> 2) & 3);
	n->state = states[(a >> 4) & 3];
	n->has_lladdr = !(a & 0x40);
	if (n->has_lladdr)
		memcpy(n->lladdr, (uint8_t[]){ 2, 0, 0, 0, (a >> 7) + 1, n->addr[15] }, 6);
}

static void link_of(struct input *in, struct nl_link *l)
{
	uint8_t a = next(in);

	memset(l, 0, sizeof(*l));
	l->ifindex = 1 + (a & 3);
	l->flags = ((a & 4) ? IFF_UP : 0) | ((a & 8) ? IFF_RUNNING : 0);
	l->mtu = (a & 0x10) ? 1400 : 1500;
	l->has_addr = true;
	memcpy(l->addr, (uint8_t[]){ 2, 0, 0, 0, 1, l->ifindex }, 6);
}

/* --- one table, its maps, and a full dump into it ----------------------------------------- */

struct world {
	struct fib24 fib;
	struct sync_table t;
};

static void world_init(struct world *w, int routes_fd, int neighs_fd, int egress_fd)
{
	memset(&w->fib, 0, sizeof(w->fib));
	w->fib.routes_fd = routes_fd;
	w->fib.neighs_fd = neighs_fd;
	/* the objects: the fake table above, of the world of the routes fd */
	w->fib.nh_defs_fd = routes_fd == ROUTES1 ? DEFS1 : DEFS2;
	w->fib.links_down_fd = -1;
	sync_table_init(&w->t, &w->fib, neighs_fd, egress_fd, RT_TABLE_MAIN);
}

/* What sync does at start and after a resync: forget, dump everything, reconcile. */
static void full_dump(struct world *w)
{
	int i;

	sync_table_reset(&w->t);
	sync_table_read_attached(&w->t);
	for (i = 0; i < N_IFACES; i++)
		if (k.has_link[i])
			sync_on_link(&w->t, &k.links[i], false);
	for (i = 0; i < k.n_objs; i++)
		sync_on_nexthop(&w->t, &k.objs[i], false);
	for (i = 0; i < k.n_neighs; i++)
		sync_on_neigh(&w->t, &k.neighs[i], false);
	for (i = 0; i < k.n_routes; i++) {
		struct nl_route r = k.routes[i];

		r.nlflags = NLM_F_MULTI; /* a dump's message: no REPLACE, no APPEND */
		sync_on_route(&w->t, &r, false);
	}
	sync_table_apply(&w->t);
}

static void fmap_init(struct fmap *m, int fd, size_t ksz, size_t vsz)
{
	memset(m, 0, sizeof(*m));
	m->fd = fd, m->ksz = ksz, m->vsz = vsz;
}

static void dump_map(const struct fmap *m, const char *what)
{
	size_t i, j;

	fprintf(fuzz_err, "%s (%zu):\n", what, m->n);
	for (i = 0; i < m->n; i++) {
		fprintf(fuzz_err, "  ");
		for (j = 0; j < m->ksz; j++)
			fprintf(fuzz_err, "%02x", m->key[i][j]);
		fprintf(fuzz_err, " -> ");
		for (j = 0; j < m->vsz; j++)
			fprintf(fuzz_err, "%02x", m->val[i][j]);
		fprintf(fuzz_err, "\n");
	}
}

static bool same_map(const struct fmap *a, const struct fmap *b)
{
	size_t i;

	if (a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++)
		if (memcmp(a->key[i], b->key[i], a->ksz) || memcmp(a->val[i], b->val[i], a->vsz))
			return false;
	return true;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	struct world w1, w2;
	struct nl_route r;
	struct nl_nhobj o;
	struct nl_neigh n;
	struct nl_link l;
	struct egress eg = {};
	uint32_t ifindex;
	bool del;
	int i, steps = 0;

	memset(&k, 0, sizeof(k));
	memset(fdefs, 0, sizeof(fdefs));
	fmap_init(&maps[0], ROUTES1, sizeof(struct route_key), sizeof(struct route));
	fmap_init(&maps[1], NEIGHS1, sizeof(struct nexthop), sizeof(struct neigh));
	fmap_init(&maps[2], EGRESS1, sizeof(uint32_t), sizeof(struct egress));
	world_init(&w1, ROUTES1, NEIGHS1, EGRESS1);
	full_dump(&w1);

	while (in.left && steps++ < 200) {
		uint8_t op = next(&in);

		del = op & 0x80;
		switch (op & 7) {
		case 0:
		case 1:
			route_of(&in, &r);
			if (kroute_request(&r, (op >> 3) & 3, del))
				sync_on_route(&w1.t, &r, del);
			break;
		case 2:
			nhobj_of(&in, &o);
			if (!kobj_allowed(&o, del))
				break;
			for (i = 0; i < k.n_objs && k.objs[i].id != o.id; i++)
				;
			if (del && i < k.n_objs) {
				k.objs[i] = k.objs[--k.n_objs];
				/* the kernel deletes the routes through it (and says nothing) */
				for (i = 0; i < k.n_routes;)
					if (k.routes[i].nhid == o.id)
						kroute_remove(i);
					else
						i++;
			} else if (!del && i < MAX_OBJS)
				k.objs[i == k.n_objs ? k.n_objs++ : i] = o;
			else
				break;
			sync_on_nexthop(&w1.t, &o, del);
			break;
		case 3:
			neigh_of(&in, &n);
			for (i = 0; i < k.n_neighs && (k.neighs[i].ifindex != n.ifindex ||
						       memcmp(k.neighs[i].addr, n.addr, 16));
			     i++)
				;
			if (del && i < k.n_neighs)
				k.neighs[i] = k.neighs[--k.n_neighs];
			else if (!del && i < MAX_NEIGHS)
				k.neighs[i == k.n_neighs ? k.n_neighs++ : i] = n;
			else
				break;
			sync_on_neigh(&w1.t, &n, del);
			break;
		case 4:
			link_of(&in, &l);
			k.has_link[l.ifindex - 1] = !del;
			k.links[l.ifindex - 1] = l;
			/* the kernel flushed routes without telling: sync dumps again */
			if (sync_on_link(&w1.t, &l, del))
				full_dump(&w1);
			break;
		case 5:
			/* attach or detach: the egress map's keys, as attach.c writes them */
			ifindex = 1 + (next(&in) & 3);
			if (del)
				bpf_map_delete_elem(EGRESS1, &ifindex);
			else
				bpf_map_update_elem(EGRESS1, &ifindex, &eg, BPF_ANY);
			if (sync_table_read_attached(&w1.t))
				sync_table_reevaluate(&w1.t);
			break;
		default:
			full_dump(&w1);
		}
	}

	/* the same kernel state, dumped whole into a fresh table with the same attachments */
	fmap_init(&maps[3], ROUTES2, sizeof(struct route_key), sizeof(struct route));
	fmap_init(&maps[4], NEIGHS2, sizeof(struct nexthop), sizeof(struct neigh));
	maps[5] = maps[2];
	maps[5].fd = EGRESS2;
	world_init(&w2, ROUTES2, NEIGHS2, EGRESS2);
	full_dump(&w2);
	if (!same_map(&maps[0], &maps[3]) || !same_map(&maps[1], &maps[4])) {
		dump_map(&maps[0], "routes, event by event");
		dump_map(&maps[3], "routes, from a full dump");
		dump_map(&maps[1], "neighs, event by event");
		dump_map(&maps[4], "neighs, from a full dump");
		FUZZ_ASSERT(0, "the maps differ");
	}
	sync_table_free(&w1.t);
	sync_table_free(&w2.t);
	return 0;
}
