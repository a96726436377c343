// SPDX-License-Identifier: GPL-2.0-only
/*
 * Nexthop objects by id and their groups (fib24.h): the nh_defs map, the
 * source of truth of the groups, and what changes when one changes.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <bpf/bpf.h>

#include "dump.h"

#include "fib24_int.h"

void nh_of_key(const struct nh_key *key, struct nexthop *nh)
{
	memset(nh, 0, sizeof(*nh));
	nh->ifindex = V4VIA6_IFINDEX_GROUP;
	memcpy(nh->addr, key, sizeof(*key));
}

bool nh_is_group(const struct nexthop *nh)
{
	return nh->ifindex == V4VIA6_IFINDEX_GROUP;
}

void nh_key_of(const struct nexthop *nh, struct nh_key *key)
{
	memcpy(key, nh->addr, sizeof(*key));
}

static char why[160];

static const char *say(const char *fmt, __u32 a, __u32 b)
{
	snprintf(why, sizeof(why), fmt, a, b);
	return why;
}

static int def_get(struct fib24 *f, __u32 id, __u32 kind, struct nh_def *d)
{
	struct nh_key k = { .id = id, .kind = kind };

	return bpf_map_lookup_elem(f->nh_defs_fd, &k, d) ? -errno : 0;
}

/* The group (named) that has id as a member, 0 when none. */
static __u32 group_of(struct fib24 *f, __u32 id)
{
	struct nh_key k, *prev = NULL;
	struct nh_def d;
	__u32 i;

	while (!bpf_map_get_next_key(f->nh_defs_fd, prev, &k)) {
		prev = &k;
		if (k.kind != V4VIA6_NH_NAMED || !(bpf_map_lookup_elem(f->nh_defs_fd, &k, &d) == 0) ||
		    !(d.flags & V4VIA6_NHDEF_GROUP))
			continue;
		for (i = 0; i < d.n && i < V4VIA6_NHGRP_MAX_SIZE; i++)
			if (d.m[i].id == id)
				return k.id;
	}
	return 0;
}

/* What is wrong with the members' weights and next hops (inline or anonymous: m[].nh). */
static const char *members_invalid(const struct nh_def *def, bool by_id)
{
	__u32 i;

	if (!def->n)
		return say("no next hop", 0, 0);
	if (def->n > V4VIA6_NHGRP_MAX_SIZE)
		return say("%u next hops: at most %u in a group", def->n, V4VIA6_NHGRP_MAX_SIZE);
	for (i = 0; i < def->n; i++) {
		if (!def->m[i].weight || def->m[i].weight > V4VIA6_NH_MAX_WEIGHT)
			return say("weight %u: must be 1..%u", def->m[i].weight,
				   V4VIA6_NH_MAX_WEIGHT);
		if (by_id)
			continue;
		if (def->m[i].nh.ifindex == V4VIA6_IFINDEX_KERNEL ||
		    def->m[i].nh.ifindex == V4VIA6_IFINDEX_GROUP)
			return say("next hop %u: no interface", i + 1, 0);
	}
	return NULL;
}

const char *fib24_nh_invalid(struct fib24 *f, __u32 id, const struct nh_def *def)
{
	struct nh_def m;
	const char *bad;
	__u32 i, j, g;

	if (!id)
		return say("id 0: nexthop ids are 1..%u", UINT32_MAX, 0);
	if (!(def->flags & V4VIA6_NHDEF_GROUP)) {
		if (def->n != 1)
			return say("one next hop (via), not %u", def->n, 0);
		bad = members_invalid(def, false);
		if (bad)
			return bad;
		return NULL;
	}
	bad = members_invalid(def, true);
	if (bad)
		return bad;
	for (i = 0; i < def->n; i++) {
		if (def->m[i].id == id)
			return say("group %u names itself", id, 0);
		for (j = 0; j < i; j++)
			if (def->m[j].id == def->m[i].id)
				return say("nexthop id %u is twice in the group", def->m[i].id, 0);
		if (def_get(f, def->m[i].id, V4VIA6_NH_NAMED, &m))
			return say("nexthop id %u: no such nexthop object", def->m[i].id, 0);
		if (m.flags & V4VIA6_NHDEF_GROUP)
			return say("nexthop id %u is a group: a group's members are single next hops",
				   def->m[i].id, 0);
	}
	/* a member of a group stays a single next hop */
	if (!def_get(f, id, V4VIA6_NH_NAMED, &m) && m.groups) {
		g = group_of(f, id);
		return say("nexthop id %u is a member of group %u: it cannot become a group", id, g);
	}
	return NULL;
}

bool defs_any(struct fib24 *f)
{
	struct nh_key k;

	return f->nh_defs_fd >= 0 && !bpf_map_get_next_key(f->nh_defs_fd, NULL, &k);
}

bool defs_has(struct fib24 *f, const struct nexthop *nh)
{
	struct nh_key k;
	struct nh_def d;

	nh_key_of(nh, &k);
	return !bpf_map_lookup_elem(f->nh_defs_fd, &k, &d);
}

void def_routes_adj(struct fib24 *f, const struct nexthop *nh, int delta)
{
	struct nh_key k;
	struct nh_def d;

	if (!nh_is_group(nh) || !delta)
		return;
	nh_key_of(nh, &k);
	if (bpf_map_lookup_elem(f->nh_defs_fd, &k, &d) || (long long)d.routes + delta < 0) {
		f->broken = true; /* recounted by the rebuild */
		return;
	}
	d.routes += delta;
	if (!d.routes && k.kind == V4VIA6_NH_ANON) {
		bpf_map_delete_elem(f->nh_defs_fd, &k);
		grp_changed(f, &k, true);
		return;
	}
	if (bpf_map_update_elem(f->nh_defs_fd, &k, &d, BPF_EXIST))
		f->broken = true;
}

void tally_add(struct fib24 *f, struct def_tally *t, const struct nexthop *nh, int delta)
{
	struct nh_key k;
	int i;

	if (!nh_is_group(nh))
		return;
	nh_key_of(nh, &k);
	for (i = 0; i < t->n; i++)
		if (!memcmp(&t->key[i], &k, sizeof(k))) {
			t->delta[i] += delta;
			return;
		}
	if (t->n == DEF_TALLY_MAX) {
		def_routes_adj(f, nh, delta); /* more objects than a batch usually names */
		return;
	}
	t->key[t->n] = k;
	t->delta[t->n++] = delta;
}

void tally_flush(struct fib24 *f, struct def_tally *t)
{
	struct nexthop nh;
	int i;

	for (i = 0; i < t->n; i++) {
		nh_of_key(&t->key[i], &nh);
		def_routes_adj(f, &nh, t->delta[i]);
	}
	t->n = 0;
}

void def_gc(struct fib24 *f, const struct nexthop *nh)
{
	struct nh_key k;
	struct nh_def d;

	if (!nh_is_group(nh))
		return;
	nh_key_of(nh, &k);
	if (k.kind != V4VIA6_NH_ANON || bpf_map_lookup_elem(f->nh_defs_fd, &k, &d) || d.routes)
		return;
	bpf_map_delete_elem(f->nh_defs_fd, &k);
	grp_changed(f, &k, true);
}

static int cmp_key(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct nh_key));
}

long defs_recount(struct fib24 *f, const struct route_entry *routes, size_t n, bool fix)
{
	struct nh_key *keys = NULL, *k, *prev = NULL, cur;
	__u32 *cnt = NULL, *gcnt = NULL, nk = 0, cap = 0, i, j;
	struct nh_def d;
	long bad = 0;
	size_t r;

	while (!bpf_map_get_next_key(f->nh_defs_fd, prev, &cur)) {
		if (nk == cap) {
			cap = cap ? cap * 2 : 64;
			k = realloc(keys, cap * sizeof(*keys));
			if (!k) {
				free(keys);
				return -ENOMEM;
			}
			keys = k;
		}
		keys[nk++] = cur;
		prev = &keys[nk - 1];
	}
	cnt = calloc(nk ? nk : 1, sizeof(*cnt));
	gcnt = calloc(nk ? nk : 1, sizeof(*gcnt));
	if (!cnt || !gcnt) {
		free(keys);
		free(cnt);
		free(gcnt);
		return -ENOMEM;
	}
	if (nk)
		qsort(keys, nk, sizeof(*keys), cmp_key);
	/* the groups naming each object */
	for (i = 0; i < nk; i++) {
		if (keys[i].kind != V4VIA6_NH_NAMED ||
		    bpf_map_lookup_elem(f->nh_defs_fd, &keys[i], &d) ||
		    !(d.flags & V4VIA6_NHDEF_GROUP))
			continue;
		for (j = 0; j < d.n && j < V4VIA6_NHGRP_MAX_SIZE; j++) {
			cur.id = d.m[j].id;
			cur.kind = V4VIA6_NH_NAMED;
			k = bsearch(&cur, keys, nk, sizeof(*keys), cmp_key);
			if (k)
				gcnt[k - keys]++;
		}
	}
	for (r = 0; r < n; r++) {
		if (!nh_is_group(&routes[r].nh))
			continue;
		nh_key_of(&routes[r].nh, &cur);
		k = nk ? bsearch(&cur, keys, nk, sizeof(*keys), cmp_key) : NULL;
		if (k)
			cnt[k - keys]++;
		else
			bad++; /* a route naming no object: the tables pass it to the kernel */
	}
	for (i = 0; i < nk; i++) {
		if (bpf_map_lookup_elem(f->nh_defs_fd, &keys[i], &d))
			continue;
		if (d.routes == cnt[i] && d.groups == gcnt[i] &&
		    (cnt[i] || keys[i].kind != V4VIA6_NH_ANON))
			continue;
		bad++;
		if (!fix)
			continue;
		if (!cnt[i] && keys[i].kind == V4VIA6_NH_ANON) {
			bpf_map_delete_elem(f->nh_defs_fd, &keys[i]);
			grp_changed(f, &keys[i], true);
		} else {
			d.routes = cnt[i];
			d.groups = gcnt[i];
			bpf_map_update_elem(f->nh_defs_fd, &keys[i], &d, BPF_EXIST);
		}
	}
	free(keys);
	free(cnt);
	free(gcnt);
	return bad;
}

/* A group's members' next hops, from their objects (fib24_nh_invalid checked they exist). */
static void resolve(struct fib24 *f, struct nh_def *d)
{
	struct nh_def m;
	__u32 i;

	if (!(d->flags & V4VIA6_NHDEF_GROUP))
		return;
	for (i = 0; i < d->n; i++)
		if (!def_get(f, d->m[i].id, V4VIA6_NH_NAMED, &m))
			d->m[i].nh = m.m[0].nh;
}

/* Object id (one next hop) changed: every group with it as member follows. */
static void member_changed(struct fib24 *f, __u32 id, const struct nexthop *nh)
{
	struct nh_key k, *prev = NULL;
	struct nh_def d;
	__u32 i;
	bool hit;

	while (!bpf_map_get_next_key(f->nh_defs_fd, prev, &k)) {
		prev = &k;
		if (k.kind != V4VIA6_NH_NAMED || bpf_map_lookup_elem(f->nh_defs_fd, &k, &d) ||
		    !(d.flags & V4VIA6_NHDEF_GROUP))
			continue;
		for (hit = false, i = 0; i < d.n && i < V4VIA6_NHGRP_MAX_SIZE; i++)
			if (d.m[i].id == id && memcmp(&d.m[i].nh, nh, sizeof(*nh))) {
				d.m[i].nh = *nh;
				hit = true;
			}
		if (hit && !bpf_map_update_elem(f->nh_defs_fd, &k, &d, BPF_EXIST))
			grp_changed(f, &k, false);
	}
}

/* Each member of group d (its ids) is named by one group more (delta 1) or less (-1). */
static void members_count(struct fib24 *f, const struct nh_def *d, int delta)
{
	struct nh_key k = { .kind = V4VIA6_NH_NAMED };
	struct nh_def m;
	__u32 i;

	if (!(d->flags & V4VIA6_NHDEF_GROUP))
		return;
	for (i = 0; i < d->n && i < V4VIA6_NHGRP_MAX_SIZE; i++) {
		k.id = d->m[i].id;
		if (bpf_map_lookup_elem(f->nh_defs_fd, &k, &m) || (long long)m.groups + delta < 0) {
			f->broken = true; /* recounted by the rebuild */
			continue;
		}
		m.groups += delta;
		if (bpf_map_update_elem(f->nh_defs_fd, &k, &m, BPF_EXIST))
			f->broken = true;
	}
}

int fib24_nh_set(struct fib24 *f, __u32 id, const struct nh_def *def, __u64 flags)
{
	struct nh_key k = { .id = id, .kind = V4VIA6_NH_NAMED };
	struct nh_def old, nd = *def;
	bool exists;
	int err;

	err = fib24_lock(f);
	if (err)
		return err;
	if (fib24_nh_invalid(f, id, def)) {
		err = -EINVAL;
		goto out;
	}
	exists = !bpf_map_lookup_elem(f->nh_defs_fd, &k, &old);
	if (exists && flags == BPF_NOEXIST) {
		err = -EEXIST;
		goto out;
	}
	if (!exists && flags == BPF_EXIST) {
		err = -ENOENT;
		goto out;
	}
	nd.routes = exists ? old.routes : 0;
	nd.groups = exists ? old.groups : 0;
	resolve(f, &nd);
	op_begin(f);
	/* the members' counts first: a member named by a group is never deleted */
	members_count(f, &nd, 1);
	if (bpf_map_update_elem(f->nh_defs_fd, &k, &nd, BPF_ANY)) {
		err = -errno;
		members_count(f, &nd, -1);
	} else {
		if (exists)
			members_count(f, &old, -1);
		grp_changed(f, &k, false);
		/* the groups naming it follow (a new one is in none: no scan of every object) */
		if (!(nd.flags & V4VIA6_NHDEF_GROUP) && nd.groups &&
		    memcmp(&old.m[0].nh, &nd.m[0].nh, sizeof(nd.m[0].nh)))
			member_changed(f, id, &nd.m[0].nh);
	}
	err = op_end(f) ?: err;
out:
	fib24_unlock(f);
	return err;
}

int fib24_nh_del(struct fib24 *f, __u32 id)
{
	struct nh_key k = { .id = id, .kind = V4VIA6_NH_NAMED };
	struct nh_def d;
	int err;

	err = fib24_lock(f);
	if (err)
		return err;
	if (bpf_map_lookup_elem(f->nh_defs_fd, &k, &d))
		err = -ENOENT;
	else if (d.routes || d.groups)
		err = -EBUSY;
	if (!err) {
		op_begin(f);
		if (bpf_map_delete_elem(f->nh_defs_fd, &k)) {
			err = -errno;
		} else {
			members_count(f, &d, -1);
			grp_changed(f, &k, true);
		}
		err = op_end(f) ?: err;
	}
	fib24_unlock(f);
	return err;
}

int fib24_nh_get(struct fib24 *f, const struct nh_key *key, struct nh_def *def)
{
	return bpf_map_lookup_elem(f->nh_defs_fd, key, def) ? -errno : 0;
}

static bool same_members(const struct nh_def *d, const struct nh_member *m, __u32 n)
{
	__u32 i;

	if (d->n != n)
		return false;
	for (i = 0; i < n; i++)
		if (d->m[i].weight != m[i].weight || memcmp(&d->m[i].nh, &m[i].nh, sizeof(m[i].nh)))
			return false;
	return true;
}

int fib24_nh_anon(struct fib24 *f, const struct nh_member *m, __u32 n, struct nexthop *nh)
{
	struct nh_key k, *prev = NULL, found = { 0 };
	struct nh_def d = { .n = n };
	__u32 i, top = 0;
	int err;

	if (!n || n > V4VIA6_NHGRP_MAX_SIZE)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		d.m[i].nh = m[i].nh;
		d.m[i].weight = m[i].weight;
	}
	if (members_invalid(&d, false))
		return -EINVAL;
	err = fib24_lock(f);
	if (err)
		return err;
	while (!bpf_map_get_next_key(f->nh_defs_fd, prev, &k)) {
		struct nh_def x;

		prev = &k;
		if (k.kind != V4VIA6_NH_ANON)
			continue;
		if (k.id > top)
			top = k.id;
		if (!bpf_map_lookup_elem(f->nh_defs_fd, &k, &x) && same_members(&x, m, n))
			found = k;
	}
	if (!found.id) {
		/* a new id, above every other: a retired one's slot may not be wiped yet */
		found.id = top + 1;
		found.kind = V4VIA6_NH_ANON;
		op_begin(f);
		if (!found.id)
			err = -ENOSPC;
		else if (bpf_map_update_elem(f->nh_defs_fd, &found, &d, BPF_NOEXIST))
			err = errno == E2BIG ? -ENOSPC : -errno;
		err = op_end(f) ?: err;
	}
	if (!err)
		nh_of_key(&found, nh);
	fib24_unlock(f);
	return err;
}

int fib24_link_set(struct fib24 *f, __u32 ifindex, bool up)
{
	struct nh_key k;
	struct nh_def d;
	__u32 g, i, one = 1;
	int err, n = 0;

	err = fib24_lock(f);
	if (err)
		return err;
	if (link_down(f, ifindex) == !up) {
		fib24_unlock(f);
		return 0;
	}
	op_begin(f);
	if (up ? bpf_map_delete_elem(f->links_down_fd, &ifindex) :
		 bpf_map_update_elem(f->links_down_fd, &ifindex, &one, BPF_ANY))
		err = -errno;
	/* every group with a member on the link: its buckets, once */
	for (g = 1; g < V4VIA6_MAX_NHGRPS && !err; g++) {
		/* released ones too: slot_get may take them back as they are */
		if (!f->slots[g].used || !nh_is_group(&f->slots[g].nh))
			continue;
		nh_key_of(&f->slots[g].nh, &k);
		if (bpf_map_lookup_elem(f->nh_defs_fd, &k, &d))
			continue;
		for (i = 0; i < d.n && i < V4VIA6_NHGRP_MAX_SIZE; i++)
			if (d.m[i].nh.ifindex == ifindex)
				break;
		if (i == d.n || i == V4VIA6_NHGRP_MAX_SIZE)
			continue;
		if (grp_refresh(f, g) < 0)
			f->broken = true;
		n++;
	}
	err = op_end(f) ?: err;
	fib24_unlock(f);
	return err ?: n;
}

__u32 fib24_nh_slot(struct fib24 *f, const struct nh_key *key)
{
	return grp_find(f, key);
}
