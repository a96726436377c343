// SPDX-License-Identifier: GPL-2.0-only
/* sync's copy of the kernel's tables and its reconciliation with the maps; see sync_table.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h> /* before linux/if.h, which then leaves out what glibc defines */
#include <linux/if.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <bpf/bpf.h>

#include "dump.h"
#include "egress.h"
#include "parse.h"
#include "sync_table.h"

const char *const sync_reason_names[SR_COUNT] = {
	[SR_MIRRORED] = "mirrored",   [SR_IPV4_GATEWAY] = "ipv4_gateway",
	[SR_CONNECTED] = "connected", [SR_REJECT] = "blackhole",
	[SR_LOCAL] = "local",	      [SR_NOT_ATTACHED] = "not_attached",
	[SR_UNUSABLE] = "unusable",   [SR_UNSUPPORTED] = "unsupported",
	[SR_SHADOWED] = "shadowed",   [SR_OTHER_TABLE] = "other_table",
};

/*
 * One kernel route of a prefix: the prefix has one per (table, TOS, metric),
 * or several (aliases), in the kernel's order.
 */
struct variant {
	struct variant *next;
	uint32_t table;
	uint32_t priority;
	uint8_t tos;
	uint8_t type;
	uint32_t nhid;
	uint32_t mtu;
	uint32_t fingerprint; /* tells aliases apart (nl_route) */
	int nhops; /* inline next hops the kernel gave */
	enum sync_reason reason; /* why no inline hop is usable (when nusable is 0) */
	int nusable;
	/*
	 * The usable inline hops in the kernel's order: of a single-hop route,
	 * IPv6 and up; of a multipath route, all of them or none (every hop
	 * IPv6, without encapsulation; a hop whose link is down stays a member,
	 * fib24_link_set takes it out of the group), with their weights.
	 */
	struct nexthop *usable;
	uint32_t *weights;
};

struct prefix {
	struct htab_node node;
	struct route_key key;
	struct variant *variants;
	const struct variant *chosen; /* the route the kernel uses, NULL if none */
	enum sync_reason reason; /* what the map got for it */
	bool multipath_kernel; /* several next hops, left to the kernel */
	bool in_map;
	struct nexthop installed; /* the map's value when in_map */
	/* the next hops the value holds a neighbour reference on: itself, or an anonymous group's */
	struct nexthop *refs;
	int nrefs;
};

struct kneigh {
	struct htab_node node;
	struct nexthop key;
	uint16_t state;
	bool has_lladdr;
	uint8_t mac[6];
};

struct use {
	struct htab_node node;
	struct nexthop key;
	unsigned int refs;
	bool in_map;
	struct neigh installed;
};

struct kobj {
	struct htab_node node;
	uint32_t id;
	struct nl_nhobj o;
	/* ensure_object's answer in round gen (sync_table.round): once per change, not per route */
	unsigned long gen;
	enum sync_reason ensured;
};

/*
 * A nexthop object sync wrote into nh_defs, as it wrote it (a group's
 * members' next hops left zero: fib24 fills them), while something names it:
 * refs counts the routes whose value it is and the mirrored groups it is a
 * member of. Objects no route uses are not written: nh_defs and the group
 * slots are far smaller than what the kernel may hold.
 */
struct mobj {
	struct htab_node node;
	uint32_t id;
	struct nh_def def;
	unsigned int refs;
};

struct klink {
	struct htab_node node;
	uint32_t ifindex;
	struct nl_link l;
};

/* Neighbour states whose MAC the kernel itself would send to. */
#define NUD_USABLE (NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE | NUD_PERMANENT | NUD_NOARP)

static const char *fmt_nexthop(const struct nexthop *nh, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(AF_INET6, nh->addr, a, sizeof(a));
	snprintf(buf, len, "%s ifindex %u", a, nh->ifindex);
	return buf;
}

static void map_error(struct sync_table *t, const char *what, const char *key, int err)
{
	t->map_errors++;
	fprintf(stderr, "v4via6: sync: %s %s: %s\n", what, key, strerror(err));
}

void sync_table_init(struct sync_table *t, struct fib24 *fib, int neighs_fd, int egress_fd,
		     uint32_t table)
{
	memset(t, 0, sizeof(*t));
	t->fib = fib;
	t->neighs_fd = neighs_fd;
	t->egress_fd = egress_fd;
	t->table = table;
	t->round = 1; /* no object has an answer of round 1 yet (their gen is 0) */
	htab_init(&t->prefixes, sizeof(struct route_key), sizeof(struct prefix));
	htab_init(&t->nhobjs, sizeof(uint32_t), sizeof(struct kobj));
	htab_init(&t->neighs, sizeof(struct nexthop), sizeof(struct kneigh));
	htab_init(&t->uses, sizeof(struct nexthop), sizeof(struct use));
	htab_init(&t->links, sizeof(uint32_t), sizeof(struct klink));
	htab_init(&t->mirrored, sizeof(uint32_t), sizeof(struct mobj));
	htab_init(&t->warned, sizeof(struct route_key),
		  sizeof(struct htab_node) + sizeof(struct route_key));
	htab_init(&t->warned_ids, sizeof(uint32_t), sizeof(struct htab_node) + sizeof(uint32_t));
}

static void free_variants(struct prefix *p)
{
	struct variant *v, *next;

	for (v = p->variants; v; v = next) {
		next = v->next;
		free(v->usable);
		free(v->weights);
		free(v);
	}
	p->variants = NULL;
	p->chosen = NULL;
	free(p->refs);
	p->refs = NULL;
	p->nrefs = 0;
}

void sync_table_reset(struct sync_table *t)
{
	struct htab_iter it;
	struct prefix *p;

	htab_for_each(p, &t->prefixes, &it)
		free_variants(p);
	htab_clear(&t->prefixes);
	htab_clear(&t->nhobjs);
	htab_clear(&t->neighs);
	htab_clear(&t->uses);
	htab_clear(&t->links);
	htab_clear(&t->mirrored);
	t->loading = true;
}

void sync_table_free(struct sync_table *t)
{
	sync_table_reset(t);
	htab_clear(&t->warned);
	htab_clear(&t->warned_ids);
	t->loading = false;
}

static bool is_attached(const struct sync_table *t, uint32_t ifindex)
{
	int lo = 0, hi = t->nattached;

	while (lo < hi) {
		int mid = (lo + hi) / 2;

		if (t->attached[mid] == ifindex)
			return true;
		if (t->attached[mid] < ifindex)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

bool sync_table_read_attached(struct sync_table *t)
{
	uint32_t keys[V4VIA6_MAX_IFACES];
	int n = egress_list(t->egress_fd, keys, V4VIA6_MAX_IFACES);

	if (n < 0)
		n = 0;
	if (n == t->nattached && !memcmp(keys, t->attached, n * sizeof(keys[0])))
		return false;
	memcpy(t->attached, keys, n * sizeof(keys[0]));
	t->nattached = n;
	return true;
}

/* ---- neighbours: the map's entry for a next hop in use follows the kernel's ---- */

static void sync_neigh(struct sync_table *t, struct use *u)
{
	const struct kneigh *kn = htab_find(&t->neighs, &u->key);
	struct neigh want = {};
	char buf[80];
	int err;

	if (kn && kn->has_lladdr && (kn->state & NUD_USABLE)) {
		memcpy(want.mac, kn->mac, sizeof(want.mac));
		if (u->in_map && !memcmp(&u->installed, &want, sizeof(want)))
			return;
		/* the map and every nexthop object of the next hop (fib24.h) */
		err = fib24_neigh_update(t->fib, &u->key, &want, BPF_ANY);
		if (err) {
			map_error(t, "neighbour update", fmt_nexthop(&u->key, buf, sizeof(buf)),
				  -err);
			return;
		}
		u->in_map = true;
		u->installed = want;
		t->changed = true;
	} else if (u->in_map) {
		err = fib24_neigh_delete(t->fib, &u->key);
		if (err && err != -ENOENT)
			map_error(t, "neighbour delete", fmt_nexthop(&u->key, buf, sizeof(buf)),
				  -err);
		u->in_map = false;
		t->changed = true;
	}
}

static void nexthop_ref(struct sync_table *t, const struct nexthop *nh)
{
	struct use *u;
	int created;

	u = htab_get(&t->uses, nh, &created);
	if (!u) {
		t->map_errors++;
		return;
	}
	u->refs++;
	if (created && !t->loading) {
		sync_neigh(t, u);
		if (t->on_new_nexthop)
			t->on_new_nexthop(t->arg, nh);
	}
}

static void nexthop_unref(struct sync_table *t, const struct nexthop *nh)
{
	struct use *u = htab_find(&t->uses, nh);
	char buf[80];
	int err;

	if (!u || --u->refs)
		return;
	err = u->in_map ? fib24_neigh_delete(t->fib, &u->key) : 0;
	if (err && err != -ENOENT)
		map_error(t, "neighbour delete", fmt_nexthop(&u->key, buf, sizeof(buf)), -err);
	htab_del(&t->uses, u);
}

/*
 * ---- links: an attached link down or without carrier leaves every group ----
 * fib24 keeps the links down (map links_down): a group made later leaves
 * their members out too.
 */

/* The kernel sends on it: up, carrier, and an operational state that is up (or unknown). */
static bool link_ok(uint32_t flags)
{
	const uint32_t need = IFF_UP | IFF_RUNNING | IFF_LOWER_UP;

	return (flags & need) == need;
}

static void link_set(struct sync_table *t, uint32_t ifindex, bool up, bool log)
{
	char name[IF_NAMESIZE] = "?", buf[16];
	int n = fib24_link_set(t->fib, ifindex, up);

	if (n < 0) {
		snprintf(buf, sizeof(buf), "ifindex %u", ifindex);
		map_error(t, up ? "link up in the groups of" : "link down in the groups of", buf,
			  -n);
		return;
	}
	if (n > 0)
		t->changed = true;
	if (log) {
		if_indextoname(ifindex, name);
		fprintf(stderr, "v4via6: sync: link %s (ifindex %u) %s: %d groups changed\n", name,
			ifindex, up ? "up" : "down or without carrier", n);
	}
}

/* ---- nexthop objects: the kernel's, mirrored into nh_defs while a route uses them ---- */

/* XDP sends the bare packet: a hop that encapsulates is the kernel's. */
static bool hop_ipv6(const struct nl_hop *h)
{
	return h->family == AF_INET6 && h->ifindex && !h->encap;
}

static bool hop_usable(const struct nl_hop *h)
{
	return hop_ipv6(h) && !(h->flags & (RTNH_F_DEAD | RTNH_F_LINKDOWN));
}

/* Why a hop that is not usable is not: its gateway family, an encapsulation, or a dead link. */
static enum sync_reason hop_reason(const struct nl_hop *h)
{
	if (h->encap)
		return SR_UNSUPPORTED;
	if (h->family == AF_INET)
		return SR_IPV4_GATEWAY;
	if (h->family == 0)
		return SR_CONNECTED;
	return SR_UNUSABLE;
}

/* Whether a single next hop object can be mirrored: SR_MIRRORED, or why not. */
static enum sync_reason single_reason(const struct sync_table *t, const struct kobj *k)
{
	if (k->o.blackhole)
		return SR_REJECT;
	if (k->o.fdb || k->o.ngroup) /* the kernel never nests groups */
		return SR_UNSUPPORTED;
	if (!hop_ipv6(&k->o.hop))
		return hop_reason(&k->o.hop);
	return is_attached(t, k->o.hop.ifindex) ? SR_MIRRORED : SR_NOT_ATTACHED;
}

/*
 * What nh_defs gets for the kernel's object id: SR_MIRRORED and def, or why
 * the routes through it are left to the kernel. A group's members must all
 * be mirrorable; one the kernel no longer has is left out (the kernel sends
 * the member's deletion before the group's update). A link's state does not
 * matter here: fib24_link_set takes its members out of the groups.
 */
static enum sync_reason object_def(const struct sync_table *t, uint32_t id, struct nh_def *def)
{
	const struct kobj *k = htab_find(&t->nhobjs, &id);
	const struct nl_nhobj *o;
	enum sync_reason why;
	int i, n = 0;

	if (def)
		memset(def, 0, sizeof(*def));
	if (!k)
		return SR_UNUSABLE;
	o = &k->o;
	if (!o->ngroup) {
		why = single_reason(t, k);
		if (why != SR_MIRRORED || !def)
			return why;
		def->n = 1;
		def->flags = V4VIA6_NHDEF_SYNC;
		def->m[0].nh.ifindex = o->hop.ifindex;
		memcpy(def->m[0].nh.addr, o->hop.addr, 16);
		def->m[0].weight = 1;
		return SR_MIRRORED;
	}
	if (o->ngroup > V4VIA6_NHGRP_MAX_SIZE)
		return SR_UNSUPPORTED;
	for (i = 0; i < o->ngroup; i++) {
		const struct kobj *m = htab_find(&t->nhobjs, &o->group[i]);

		if (!m)
			continue;
		why = single_reason(t, m);
		if (why != SR_MIRRORED)
			return why;
		if (o->weight[i] > V4VIA6_NH_MAX_WEIGHT)
			return SR_UNSUPPORTED; /* 65536: the kernel's largest, one above ours */
		if (def) {
			def->m[n].id = o->group[i];
			def->m[n].weight = o->weight[i];
		}
		n++;
	}
	if (!n)
		return SR_UNUSABLE;
	if (!def)
		return SR_MIRRORED;
	def->n = n;
	def->flags = V4VIA6_NHDEF_GROUP | V4VIA6_NHDEF_SYNC |
		     (o->resilient ? V4VIA6_NHDEF_RESILIENT : 0);
	return SR_MIRRORED;
}

/* Whether two defs say the same. */
static bool same_def(const struct nh_def *a, const struct nh_def *b)
{
	__u32 i;

	if (a->n != b->n || a->flags != b->flags)
		return false;
	for (i = 0; i < a->n && i < V4VIA6_NHGRP_MAX_SIZE; i++) {
		if (a->m[i].id != b->m[i].id || a->m[i].weight != b->m[i].weight)
			return false;
		if (!(a->flags & V4VIA6_NHDEF_GROUP) &&
		    memcmp(&a->m[i].nh, &b->m[i].nh, sizeof(a->m[i].nh)))
			return false;
	}
	return true;
}

/* A reference on a mirrored object: a route's value or a mirrored group naming it. */
static void obj_ref(struct sync_table *t, uint32_t id)
{
	struct mobj *m = htab_find(&t->mirrored, &id);

	if (m)
		m->refs++;
}

static void obj_unref(struct sync_table *t, uint32_t id)
{
	struct mobj *m = htab_find(&t->mirrored, &id);

	if (m && m->refs)
		m->refs--;
}

/* The references a def holds: a group on its members, one next hop on its neighbour. */
static void def_refs(struct sync_table *t, const struct nh_def *def, bool take)
{
	__u32 i;

	if (!(def->flags & V4VIA6_NHDEF_GROUP)) {
		if (take)
			nexthop_ref(t, &def->m[0].nh);
		else
			nexthop_unref(t, &def->m[0].nh);
		return;
	}
	for (i = 0; i < def->n && i < V4VIA6_NHGRP_MAX_SIZE; i++) {
		if (take)
			obj_ref(t, def->m[i].id);
		else
			obj_unref(t, def->m[i].id);
	}
}

/* The first few errors of nexthop objects, then every thousandth (a full nh_defs says it each time). */
static void object_error(struct sync_table *t, uint32_t id, const char *why)
{
	t->map_errors++;
	if (++t->object_errors <= 10 || t->object_errors % 1000 == 0)
		fprintf(stderr, "v4via6: sync: nexthop id %u: %s (%lu such errors)\n", id, why,
			t->object_errors);
}

/*
 * Makes nh_defs hold the kernel's object id as sync mirrors it (a group's
 * members first), written only when it differs: a change is a replace in
 * place, which rewrites the buckets of its group and of the groups it is a
 * member of, the routes untouched. SR_MIRRORED, or why it cannot be.
 */
static enum sync_reason write_object(struct sync_table *t, uint32_t id);

static enum sync_reason ensure_object(struct sync_table *t, uint32_t id)
{
	struct kobj *k = htab_find(&t->nhobjs, &id);

	if (!k)
		return SR_UNUSABLE;
	/* the kernel's objects do not change within a round: 1M routes through one, one check */
	if (k->gen != t->round) {
		k->ensured = write_object(t, id);
		k->gen = t->round;
	}
	return k->ensured;
}

static enum sync_reason write_object(struct sync_table *t, uint32_t id)
{
	struct mobj *m = htab_find(&t->mirrored, &id);
	enum sync_reason why;
	struct nh_def def;
	int created, err;
	__u32 i;

	why = object_def(t, id, &def);
	if (why != SR_MIRRORED)
		return why;
	if (m && same_def(&m->def, &def))
		return SR_MIRRORED;
	if (def.flags & V4VIA6_NHDEF_GROUP)
		for (i = 0; i < def.n; i++)
			if (ensure_object(t, def.m[i].id) != SR_MIRRORED)
				return SR_UNSUPPORTED; /* could not be written: said already */
	/* an object of the operator's (no SYNC flag) with the kernel's id is not overwritten */
	err = fib24_nh_set(t->fib, id, &def, m ? BPF_EXIST : BPF_NOEXIST);
	if (err == -EEXIST) {
		if (htab_get(&t->warned_ids, &id, &created) && created)
			fprintf(stderr,
				"v4via6: sync: warning: nexthop id %u is v4via6's own (nexthop add), "
				"not the kernel's: the kernel's routes through it are left to the "
				"kernel\n",
				id);
		return SR_UNSUPPORTED;
	}
	if (err) {
		const char *why = err == -EINVAL ? fib24_nh_invalid(t->fib, id, &def) : NULL;

		object_error(t, id, why ? why : strerror(-err));
		return SR_UNSUPPORTED;
	}
	/* the new references first: a neighbour entry both use is never deleted */
	def_refs(t, &def, true);
	if (!m) {
		m = htab_get(&t->mirrored, &id, &created);
		if (!m) {
			t->map_errors++;
			return SR_UNSUPPORTED;
		}
	} else {
		def_refs(t, &m->def, false);
	}
	m->def = def;
	t->changed = true;
	return SR_MIRRORED;
}

/* The mirrored groups that name id rewritten (a member gone, or changed). */
static void ensure_groups_of(struct sync_table *t, uint32_t id)
{
	struct htab_iter it;
	struct mobj *m;
	__u32 i;

	htab_for_each(m, &t->mirrored, &it) {
		if (!(m->def.flags & V4VIA6_NHDEF_GROUP))
			continue;
		for (i = 0; i < m->def.n && i < V4VIA6_NHGRP_MAX_SIZE; i++) {
			if (m->def.m[i].id == id) {
				/* no entry is added: the members are mirrored already */
				ensure_object(t, m->id);
				break;
			}
		}
	}
}

/*
 * Deletes the objects sync wrote that nothing names any more (no route, no
 * mirrored group), after the routes: groups first, then the next hops they
 * named.
 */
static void prune_objects(struct sync_table *t)
{
	struct htab_iter it;
	struct mobj *m;
	char buf[24];
	int pass, err;

	for (pass = 0; pass < 2; pass++) {
		htab_for_each(m, &t->mirrored, &it) {
			if (m->refs || !!(m->def.flags & V4VIA6_NHDEF_GROUP) == pass)
				continue;
			err = fib24_nh_del(t->fib, m->id);
			if (err && err != -ENOENT) {
				snprintf(buf, sizeof(buf), "id %u", m->id);
				map_error(t, "nexthop delete", buf, -err);
				continue;
			}
			def_refs(t, &m->def, false);
			htab_del(&t->mirrored, m);
			t->changed = true;
		}
	}
}

/* The objects sync wrote before (this run or an earlier one), as nh_defs holds them. */
static void adopt_objects(struct sync_table *t)
{
	struct nh_key key, next, *prev = NULL;
	struct htab_iter it;
	struct nh_def def;
	struct mobj *m;
	int created;
	__u32 i;

	htab_clear(&t->mirrored);
	if (t->fib->nh_defs_fd < 0)
		return;
	while (!bpf_map_get_next_key(t->fib->nh_defs_fd, prev, &next)) {
		key = next;
		prev = &key;
		if (key.kind != V4VIA6_NH_NAMED ||
		    bpf_map_lookup_elem(t->fib->nh_defs_fd, &key, &def) ||
		    !(def.flags & V4VIA6_NHDEF_SYNC))
			continue;
		m = htab_get(&t->mirrored, &key.id, &created);
		if (!m) {
			t->map_errors++;
			continue;
		}
		m->def = def;
	}
	/* fib24 fills a group's members' next hops: compared as sync writes them */
	htab_for_each(m, &t->mirrored, &it) {
		if (m->def.flags & V4VIA6_NHDEF_GROUP)
			for (i = 0; i < m->def.n && i < V4VIA6_NHGRP_MAX_SIZE; i++)
				memset(&m->def.m[i].nh, 0, sizeof(m->def.m[i].nh));
		def_refs(t, &m->def, true);
	}
}

/* The named object a map value names, 0 for none. */
static uint32_t value_object(const struct nexthop *val)
{
	struct nh_key key;

	if (!nh_is_group(val))
		return 0;
	nh_key_of(val, &key);
	return key.kind == V4VIA6_NH_NAMED ? key.id : 0;
}

/* ---- routes: which kernel route a prefix uses, and what the map gets for it ---- */

/* What the map gets for a prefix: a next hop, or the members of an anonymous group. */
struct want {
	struct nexthop nh; /* V4VIA6_IFINDEX_KERNEL unless a hop is picked */
	int n; /* members of an anonymous group, 0 for none */
	uint32_t nhid; /* the kernel's nexthop object it names, 0 for none */
	struct nh_member m[V4VIA6_NHGRP_MAX_SIZE];
};

/* A route through a nexthop object: the object, when it can be mirrored (written by sync_prefix). */
static enum sync_reason pick_nhobj(const struct sync_table *t, uint32_t id, struct want *w,
				   int *nhops)
{
	const struct kobj *k = htab_find(&t->nhobjs, &id);
	struct nh_key key = { .id = id, .kind = V4VIA6_NH_NAMED };
	enum sync_reason why;

	*nhops = 1;
	if (!k)
		return SR_UNUSABLE;
	if (k->o.ngroup)
		*nhops = k->o.ngroup;
	why = object_def(t, id, NULL);
	if (why != SR_MIRRORED)
		return why;
	w->nhid = id;
	nh_of_key(&key, &w->nh);
	return SR_MIRRORED;
}

static enum sync_reason evaluate(const struct sync_table *t, const struct variant *v,
				 struct want *w, int *nhops)
{
	int i;

	*nhops = v->nhops;
	switch (v->type) {
	case RTN_UNICAST:
		break;
	case RTN_BLACKHOLE:
	case RTN_UNREACHABLE:
	case RTN_PROHIBIT:
		return SR_REJECT;
	case RTN_LOCAL:
	case RTN_BROADCAST:
	case RTN_ANYCAST:
	case RTN_MULTICAST:
		return SR_LOCAL;
	default:
		return SR_UNUSABLE;
	}
	if (v->tos)
		return SR_UNUSABLE;
	/* the kernel forwards with a route's MTU (ip_dst_mtu_maybe_forward), XDP with the link's */
	if (v->mtu)
		return SR_UNSUPPORTED;
	if (v->nhid)
		return pick_nhobj(t, v->nhid, w, nhops);
	if (v->weights) {
		/* multipath: every hop on an attached interface, or the whole route to the kernel */
		for (i = 0; i < v->nusable; i++) {
			if (!is_attached(t, v->usable[i].ifindex))
				return SR_NOT_ATTACHED;
			w->m[i].nh = v->usable[i];
			w->m[i].weight = v->weights[i];
		}
		w->n = v->nusable;
		return v->nusable ? SR_MIRRORED : v->reason;
	}
	for (i = 0; i < v->nusable; i++) {
		if (is_attached(t, v->usable[i].ifindex)) {
			w->nh = v->usable[i];
			return SR_MIRRORED;
		}
	}
	return v->nusable ? SR_NOT_ATTACHED : v->reason;
}

/*
 * The route the kernel uses for this prefix: the local table first, then the
 * lowest metric, and of aliases the first (fib_table_lookup walks them in
 * order).
 */
static const struct variant *choose(const struct sync_table *t, const struct prefix *p)
{
	const struct variant *v, *best = NULL;

	/* the program passes loopback packets as martians: no entries needed */
	if (p->key.prefixlen >= 8 && (ntohl(p->key.addr) >> 24) == 127)
		return NULL;
	for (v = p->variants; v; v = v->next) {
		if (v->table == RT_TABLE_LOCAL && t->table != RT_TABLE_LOCAL)
			return v;
		if (v->table != t->table)
			continue;
		/* a TOS route applies to some packets only: the program cannot tell them apart */
		if (v->tos)
			return v;
		if (!best || v->priority < best->priority)
			best = v;
	}
	return best;
}

/*
 * Default routes the kernel chooses among by its neighbours' state: with two
 * or more unicast default routes of the same metric in the table, it takes
 * the first whose gateway it does not believe dead (fib_select_default, on
 * every lookup), not simply the first. XDP cannot follow that: such a default
 * is left to the kernel.
 */
static bool kernel_picks_default(const struct sync_table *t, const struct prefix *p,
				 const struct variant *best)
{
	const struct variant *v;
	int n = 0;

	if (p->key.prefixlen || best->type != RTN_UNICAST || best->table != t->table)
		return false;
	for (v = p->variants; v; v = v->next)
		n += v->table == t->table && v->priority == best->priority && !v->tos &&
		     v->type == RTN_UNICAST;
	return n > 1;
}

/* True the first time a prefix is seen multipath, over the whole run (resyncs included). */
static bool warn_once(struct sync_table *t, const struct route_key *key)
{
	int created = 0;

	return htab_get(&t->warned, key, &created) && created;
}

/* Holds neighbour references on refs (n of them) for p's value, and drops the old ones. */
static void set_refs(struct sync_table *t, struct prefix *p, const struct nexthop *refs, int n)
{
	struct nexthop *copy = NULL;
	int i;

	if (n) {
		copy = malloc(n * sizeof(*copy));
		if (!copy) {
			t->map_errors++;
			n = 0;
		} else {
			memcpy(copy, refs, n * sizeof(*copy));
		}
	}
	/* ref first: an unchanged neighbour entry is then never deleted */
	for (i = 0; i < n; i++)
		nexthop_ref(t, &copy[i]);
	for (i = 0; i < p->nrefs; i++)
		nexthop_unref(t, &p->refs[i]);
	free(p->refs);
	p->refs = copy;
	p->nrefs = n;
}

/* The next hops a map value needs neighbours for: itself, an anonymous group's members, or none. */
static int value_refs(struct sync_table *t, const struct nexthop *val, struct nexthop *out)
{
	struct nh_key key;
	struct nh_def def;
	__u32 i;

	if (val->ifindex == V4VIA6_IFINDEX_KERNEL)
		return 0;
	if (!nh_is_group(val)) {
		out[0] = *val;
		return 1;
	}
	nh_key_of(val, &key);
	/* a named object holds its own (write_object) */
	if (key.kind != V4VIA6_NH_ANON || fib24_nh_get(t->fib, &key, &def))
		return 0;
	for (i = 0; i < def.n && i < V4VIA6_NHGRP_MAX_SIZE; i++)
		out[i] = def.m[i].nh;
	return i;
}

/* Makes the map's entry for one prefix equal to the kernel's choice; may free p. */
static void sync_prefix(struct sync_table *t, struct prefix *p)
{
	struct nexthop refs[V4VIA6_NHGRP_MAX_SIZE];
	struct want want = {}; /* V4VIA6_IFINDEX_KERNEL unless a hop is picked */
	bool present;
	int nhops = 0, nrefs, err;
	char buf[64];

	p->chosen = choose(t, p);
	present = p->chosen != NULL;
	p->multipath_kernel = false;
	if (present && kernel_picks_default(t, p, p->chosen)) {
		p->reason = SR_UNSUPPORTED;
		if (!t->warned_defaults)
			fprintf(stderr, "v4via6: sync: warning: several default routes of one metric: "
					"the kernel chooses among them by its neighbours' state; left "
					"to the kernel\n");
		t->warned_defaults = true;
	} else if (present) {
		p->reason = evaluate(t, p->chosen, &want, &nhops);
		p->multipath_kernel = p->reason != SR_MIRRORED && nhops > 1;
	}
	if (p->multipath_kernel && warn_once(t, &p->key))
		fprintf(stderr,
			"v4via6: sync: warning: %s has %d next hops, not all of which XDP can take "
			"(%s): left to the kernel\n",
			format_prefix(&p->key, buf, sizeof(buf)), nhops,
			sync_reason_names[p->reason]);
	if (t->loading)
		return;

	if (present && want.nhid) {
		/* the object as the kernel has it now, written or rewritten in place if it differs */
		p->reason = ensure_object(t, want.nhid);
		if (p->reason != SR_MIRRORED)
			memset(&want.nh, 0, sizeof(want.nh));
	}
	if (present && want.n) {
		/* the anonymous group of these members, found or made */
		err = fib24_nh_anon(t->fib, want.m, want.n, &want.nh);
		if (err) {
			map_error(t, "ECMP group of", format_prefix(&p->key, buf, sizeof(buf)),
				  -err);
			memset(&want.nh, 0, sizeof(want.nh));
			want.nh.ifindex = V4VIA6_IFINDEX_KERNEL;
			p->reason = SR_UNSUPPORTED;
		}
	}
	if (present && !(p->in_map && !memcmp(&p->installed, &want.nh, sizeof(want.nh)))) {
		err = fib24_update(t->fib, &p->key, &want.nh, BPF_ANY);
		if (err) {
			map_error(t, "route update", format_prefix(&p->key, buf, sizeof(buf)),
				  -err);
		} else {
			nrefs = value_refs(t, &want.nh, refs);
			set_refs(t, p, refs, nrefs);
			obj_ref(t, value_object(&want.nh));
			if (p->in_map)
				obj_unref(t, value_object(&p->installed));
			p->in_map = true;
			p->installed = want.nh;
			t->changed = true;
		}
	} else if (!present && p->in_map) {
		err = fib24_delete(t->fib, &p->key);
		if (err && err != -ENOENT) {
			map_error(t, "route delete", format_prefix(&p->key, buf, sizeof(buf)),
				  -err);
			return;
		}
		set_refs(t, p, NULL, 0);
		obj_unref(t, value_object(&p->installed));
		p->in_map = false;
		t->changed = true;
	}
	if (!p->variants && !p->in_map) {
		free(p->refs);
		htab_del(&t->prefixes, p);
	}
}

/*
 * Keeps the route's usable inline hops; their attachment is checked when the
 * prefix is synced. A multipath route keeps all its hops, with their
 * weights, or none.
 */
static int set_usable(struct variant *v, const struct nl_route *r)
{
	int i, n = r->nhops;
	bool multi = n > 1;

	free(v->usable);
	free(v->weights);
	v->usable = NULL;
	v->weights = NULL;
	v->nusable = 0;
	v->reason = n ? hop_reason(&r->hops[0]) : SR_CONNECTED;
	if (n > NL_MAX_HOPS) {
		v->reason = SR_UNSUPPORTED; /* more than a group of ours holds */
		return 0;
	}
	for (i = 0; i < n; i++) {
		if (multi ? !hop_ipv6(&r->hops[i]) : !hop_usable(&r->hops[i])) {
			if (!multi)
				continue;
			v->reason = hop_reason(&r->hops[i]);
			free(v->usable);
			free(v->weights);
			v->usable = NULL;
			v->weights = NULL;
			v->nusable = 0;
			return 0;
		}
		if (!v->usable) {
			v->usable = calloc(n, sizeof(*v->usable));
			v->weights = multi ? calloc(n, sizeof(*v->weights)) : NULL;
			if (!v->usable || (multi && !v->weights))
				return -1;
		}
		v->usable[v->nusable].ifindex = r->hops[i].ifindex;
		memcpy(v->usable[v->nusable].addr, r->hops[i].addr, 16);
		if (multi)
			v->weights[v->nusable] = r->hops[i].weight ? r->hops[i].weight : 1;
		v->nusable++;
	}
	return 0;
}

static bool same_key(const struct variant *v, const struct nl_route *r)
{
	return v->table == r->table && v->tos == r->tos && v->priority == r->priority;
}

static int set_variant(struct variant *v, const struct nl_route *r)
{
	v->table = r->table;
	v->priority = r->priority;
	v->tos = r->tos;
	v->type = r->type;
	v->nhid = r->nhid;
	v->nhops = r->nhops;
	v->mtu = r->mtu;
	v->fingerprint = r->fingerprint;
	return set_usable(v, r);
}

static void free_variant(struct variant **pp)
{
	struct variant *v = *pp;

	*pp = v->next;
	free(v->usable);
	free(v->weights);
	free(v);
}

/*
 * Where the kernel puts a route among the aliases of its key (fib_table_insert):
 * NLM_F_REPLACE replaces the first, NLM_F_APPEND goes after the last, and
 * otherwise (`ip route add`, `prepend`) before the first; its notification
 * carries those flags. A dump lists them in order. A route equal to an alias
 * already held (the kernel refuses a duplicate) is a notification replayed
 * after a dump that saw it, or the kernel's update of a route whose nexthop
 * object changed: the alias stays where it is. A deletion names the alias it
 * removed; one already gone (replayed) changes nothing.
 */
void sync_on_route(struct sync_table *t, const struct nl_route *r, bool del)
{
	struct route_key key = { .prefixlen = r->dst_len, .addr = r->dst };
	struct variant *v, **pp, **first = NULL, **same = NULL, **last = NULL;
	struct prefix *p;
	int created;

	if (r->cloned)
		return;
	t->round++;
	if (del) {
		p = htab_find(&t->prefixes, &key);
		if (!p)
			return;
	} else {
		p = htab_get(&t->prefixes, &key, &created);
		if (!p) {
			t->map_errors++;
			return;
		}
	}
	for (pp = &p->variants; *pp; pp = &(*pp)->next) {
		if (!same_key(*pp, r))
			continue;
		if (!first)
			first = pp;
		if (!same && (*pp)->type == r->type && (*pp)->fingerprint == r->fingerprint)
			same = pp;
		last = pp;
	}
	if (del) {
		if (same)
			free_variant(same);
	} else if (same || (first && (r->nlflags & NLM_F_REPLACE))) {
		pp = same ? same : first;
		if (set_variant(*pp, r)) {
			t->map_errors++;
			free_variant(pp);
		}
	} else {
		v = calloc(1, sizeof(*v));
		if (!v || set_variant(v, r)) {
			free(v);
			t->map_errors++;
		} else {
			/* pp is the end of the list: a new key goes there */
			if (first && (t->loading || (r->nlflags & NLM_F_APPEND)))
				pp = &(*last)->next;
			else if (first)
				pp = first;
			v->next = *pp;
			*pp = v;
		}
	}
	sync_prefix(t, p);
}

/* Every prefix whose route goes through a nexthop object follows the object's change. */
/* A set of nexthop object ids, small: the object that changed and the groups naming it. */
struct id_set {
	uint32_t *ids;
	size_t n, cap;
	bool all; /* out of memory: stands for every id */
};

static void id_set_add(struct id_set *s, uint32_t id)
{
	uint32_t *more;

	if (s->all)
		return;
	if (s->n == s->cap) {
		more = realloc(s->ids, (s->cap ? 2 * s->cap : 16) * sizeof(*more));
		if (!more) {
			s->all = true;
			return;
		}
		s->ids = more;
		s->cap = s->cap ? 2 * s->cap : 16;
	}
	s->ids[s->n++] = id;
}

static bool id_set_has(const struct id_set *s, uint32_t id)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->ids[i] == id)
			return true;
	return s->all;
}

/*
 * The routes through object id, or through a group that names it in the
 * kernel or as mirrored, follow its change (written again only where their
 * value changes: a route by id keeps naming its object).
 */
static void resync_nhid_routes(struct sync_table *t, uint32_t id)
{
	struct id_set aff = {};
	struct htab_iter it;
	struct prefix *p;
	struct kobj *k;
	struct mobj *m;
	__u32 j;

	id_set_add(&aff, id);
	htab_for_each(k, &t->nhobjs, &it)
		for (j = 0; j < (__u32)k->o.ngroup && j < NL_MAX_HOPS; j++)
			if (k->o.group[j] == id)
				id_set_add(&aff, k->id);
	htab_for_each(m, &t->mirrored, &it)
		if (m->def.flags & V4VIA6_NHDEF_GROUP)
			for (j = 0; j < m->def.n && j < V4VIA6_NHGRP_MAX_SIZE; j++)
				if (m->def.m[j].id == id)
					id_set_add(&aff, m->id);
	htab_for_each(p, &t->prefixes, &it)
		if (p->chosen && p->chosen->nhid && id_set_has(&aff, p->chosen->nhid))
			sync_prefix(t, p);
	free(aff.ids);
}

static void drop_nhid_routes(struct sync_table *t, uint32_t id)
{
	struct variant *v, **pp;
	struct htab_iter it;
	struct prefix *p;

	htab_for_each(p, &t->prefixes, &it) {
		bool dropped = false;

		for (pp = &p->variants; (v = *pp);) {
			if (v->nhid != id) {
				pp = &v->next;
				continue;
			}
			*pp = v->next;
			free(v->usable);
			free(v->weights);
			free(v);
			dropped = true;
		}
		if (dropped && !t->loading)
			sync_prefix(t, p);
	}
}

void sync_on_nexthop(struct sync_table *t, const struct nl_nhobj *o, bool del)
{
	struct kobj *k;
	int created;

	t->round++;
	if (del) {
		k = htab_find(&t->nhobjs, &o->id);
		if (k)
			htab_del(&t->nhobjs, k);
		/* the kernel deletes the routes using the object, without a notification */
		drop_nhid_routes(t, o->id);
	} else {
		k = htab_get(&t->nhobjs, &o->id, &created);
		if (!k) {
			t->map_errors++;
			return;
		}
		k->o = *o;
	}
	if (t->loading)
		return;
	/*
	 * A mirrored object replaced in place, the groups naming it rewritten
	 * (a member gone or changed), then the routes, then what they no
	 * longer name. An object no route uses is not written.
	 */
	if (htab_find(&t->mirrored, &o->id))
		ensure_object(t, o->id);
	ensure_groups_of(t, o->id);
	resync_nhid_routes(t, o->id);
	prune_objects(t);
}

void sync_on_neigh(struct sync_table *t, const struct nl_neigh *n, bool del)
{
	struct nexthop key = { .ifindex = n->ifindex };
	struct kneigh *kn;
	struct use *u;
	int created;

	memcpy(key.addr, n->addr, 16);
	if (del) {
		kn = htab_find(&t->neighs, &key);
		if (kn)
			htab_del(&t->neighs, kn);
	} else {
		kn = htab_get(&t->neighs, &key, &created);
		if (!kn) {
			t->map_errors++;
			return;
		}
		kn->state = n->state;
		kn->has_lladdr = n->has_lladdr;
		memcpy(kn->mac, n->lladdr, sizeof(kn->mac));
	}
	if (t->loading)
		return;
	u = htab_find(&t->uses, &key);
	if (u)
		sync_neigh(t, u);
}

/* The egress entry of an attached interface follows the interface's MAC and MTU. */
static void sync_egress(struct sync_table *t, const struct nl_link *l)
{
	struct egress cur, want;
	char buf[16];

	if (egress_get(t->egress_fd, l->ifindex, &cur))
		return; /* not attached */
	want = cur;
	if (l->has_addr)
		memcpy(want.mac, l->addr, sizeof(want.mac));
	if (l->mtu)
		want.mtu = l->mtu;
	if (!memcmp(&want, &cur, sizeof(want)))
		return;
	/* never re-create an entry that a detach just removed: the state lock is held */
	if (egress_set(t->egress_fd, l->ifindex, &want)) {
		snprintf(buf, sizeof(buf), "ifindex %u", l->ifindex);
		map_error(t, "egress update", buf, errno);
		return;
	}
	t->changed = true;
}

bool sync_on_link(struct sync_table *t, const struct nl_link *l, bool del)
{
	const uint32_t running = IFF_UP | IFF_RUNNING | IFF_LOWER_UP;
	struct klink *k = htab_find(&t->links, &l->ifindex);
	bool went_down = false, was_ok = k ? link_ok(k->l.flags) : true;
	int created;

	if (del) {
		went_down = k != NULL;
		if (k)
			htab_del(&t->links, k);
		if (went_down && was_ok && !t->loading && is_attached(t, l->ifindex)) {
			t->link_downs++;
			link_set(t, l->ifindex, false, true);
		}
		return went_down && !t->loading;
	}
	/* down: routes flushed; carrier: next hops flagged linkdown or back; all silently */
	if (k && (k->l.flags & running) != (l->flags & running))
		went_down = true;
	k = htab_get(&t->links, &l->ifindex, &created);
	if (!k) {
		t->map_errors++;
		return false;
	}
	k->l = *l;
	if (t->loading)
		return false;
	if (is_attached(t, l->ifindex)) {
		/* the groups first: the one write that moves the flows (prefix-independent) */
		if (was_ok != link_ok(l->flags)) {
			t->link_downs += was_ok;
			link_set(t, l->ifindex, !was_ok, true);
		}
		sync_egress(t, l);
	}
	return went_down;
}

/* ---- a full reconciliation, after a dump ---- */

/* Keys to delete once an iteration over a map is over (deleting the current key restarts it). */
struct key_list {
	void *keys;
	size_t n, cap, size;
};

static void key_list_add(struct sync_table *t, struct key_list *l, const void *key)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		void *k = realloc(l->keys, cap * l->size);

		if (!k) {
			t->map_errors++;
			return;
		}
		l->keys = k;
		l->cap = cap;
	}
	memcpy((char *)l->keys + l->n++ * l->size, key, l->size);
}

/* Takes what the routes map holds as installed; deletes the keys the kernel has not. */
static void adopt_routes(struct sync_table *t)
{
	struct key_list dead = { .size = sizeof(struct route_key) };
	struct route_key key, next, *prev = NULL, *k;
	struct nexthop val, refs[V4VIA6_NHGRP_MAX_SIZE];
	struct route r;
	struct prefix *p;
	char buf[64];
	size_t i;
	int err;

	while (!bpf_map_get_next_key(t->fib->routes_fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(t->fib->routes_fd, &key, &r))
			continue;
		val = r.nh;
		p = htab_find(&t->prefixes, &key);
		if (!p) {
			key_list_add(t, &dead, &key);
			continue;
		}
		p->in_map = true;
		p->installed = val;
		set_refs(t, p, refs, value_refs(t, &val, refs));
		obj_ref(t, value_object(&val));
	}
	for (i = 0, k = dead.keys; i < dead.n; i++, k++) {
		err = fib24_delete(t->fib, k);
		if (err && err != -ENOENT)
			map_error(t, "route delete", format_prefix(k, buf, sizeof(buf)), -err);
		else
			t->changed = true;
	}
	free(dead.keys);
}

static void adopt_neighs(struct sync_table *t)
{
	struct key_list dead = { .size = sizeof(struct nexthop) };
	struct nexthop key, next, *prev = NULL, *k;
	struct neigh val;
	struct use *u;
	char buf[80];
	size_t i;
	int err;

	while (!bpf_map_get_next_key(t->neighs_fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(t->neighs_fd, &key, &val))
			continue;
		u = htab_find(&t->uses, &key);
		if (!u) {
			key_list_add(t, &dead, &key);
			continue;
		}
		u->in_map = true;
		u->installed = val;
	}
	for (i = 0, k = dead.keys; i < dead.n; i++, k++) {
		err = fib24_neigh_delete(t->fib, k);
		if (err && err != -ENOENT)
			map_error(t, "neighbour delete", fmt_nexthop(k, buf, sizeof(buf)), -err);
		else
			t->changed = true;
	}
	free(dead.keys);
}

void sync_table_apply(struct sync_table *t)
{
	struct htab_iter it;
	struct klink *k;
	struct prefix *p;
	struct use *u;

	int err;

	t->round++;
	/* the routes stay still for others (route add) until tbl24 is rebuilt */
	err = fib24_lock(t->fib);
	/* the uses the map holds now, then the differences */
	adopt_objects(t);
	adopt_routes(t);
	adopt_neighs(t);
	t->loading = false;
	/* each route writes the object it names first (sync_prefix); unused ones deleted after */
	htab_for_each(p, &t->prefixes, &it)
		sync_prefix(t, p);
	prune_objects(t);
	if (!err) {
		err = fib24_rebuild(t->fib);
		if (err)
			map_error(t, "rebuilding", "the forwarding table", -err);
		fib24_unlock(t->fib);
	}
	htab_for_each(u, &t->uses, &it)
		sync_neigh(t, u);
	htab_for_each(k, &t->links, &it)
		if (is_attached(t, k->ifindex))
			sync_egress(t, &k->l);
	/* each attached link's state into the groups: as the kernel has it now, whatever was before */
	htab_for_each(k, &t->links, &it)
		if (is_attached(t, k->ifindex))
			link_set(t, k->ifindex, link_ok(k->l.flags), !link_ok(k->l.flags));
	t->changed = true;
}

void sync_table_reevaluate(struct sync_table *t)
{
	struct htab_iter it;
	struct klink *k;
	struct prefix *p;

	t->round++; /* an object's interface attached or detached */
	htab_for_each(p, &t->prefixes, &it)
		sync_prefix(t, p);
	prune_objects(t);
	/* a newly attached interface gets its current MAC and MTU, and its state in the groups */
	htab_for_each(k, &t->links, &it) {
		if (!is_attached(t, k->ifindex))
			continue;
		sync_egress(t, &k->l);
		if (!link_ok(k->l.flags))
			link_set(t, k->ifindex, false, false);
	}
}

void sync_table_counts(const struct sync_table *t, struct sync_counts *c)
{
	const struct klink *k;
	const struct variant *v;
	const struct prefix *p;
	const struct use *u;
	struct htab_iter it;

	memset(c, 0, sizeof(*c));
	htab_for_each(p, &t->prefixes, &it) {
		for (v = p->variants; v; v = v->next) {
			if (v == p->chosen)
				c->routes[p->reason]++;
			else if (v->table == RT_TABLE_LOCAL)
				c->routes[SR_LOCAL]++;
			else if (v->table != t->table)
				c->routes[SR_OTHER_TABLE]++;
			else
				c->routes[SR_SHADOWED]++;
		}
		c->multipath_kernel += p->multipath_kernel;
		c->groups += p->in_map && nh_is_group(&p->installed);
	}
	htab_for_each(k, &t->links, &it)
		c->links_down += !link_ok(k->l.flags) && is_attached(t, k->ifindex);
	c->nhobjs = t->mirrored.count;
	htab_for_each(u, &t->uses, &it) {
		c->nexthops++;
		c->neighs_resolved += u->in_map;
	}
	c->map_errors = t->map_errors;
	c->link_downs = t->link_downs;
}

void sync_for_each_nexthop(struct sync_table *t, void (*fn)(void *arg, const struct nexthop *nh),
			   void *arg)
{
	struct htab_iter it;
	struct use *u;

	htab_for_each(u, &t->uses, &it)
		fn(arg, &u->key);
}

bool sync_neigh_static(struct sync_table *t, const struct nexthop *nh)
{
	const struct kneigh *kn = htab_find(&t->neighs, nh);

	return kn && (kn->state & (NUD_PERMANENT | NUD_NOARP));
}
