// SPDX-License-Identifier: GPL-2.0-only
/*
 * v4via6 apply FILE: make the whole state equal to a routing config file.
 * The file is checked whole first (config.c); then interfaces are attached,
 * routes and neighbours added or overwritten, the ones not in the file
 * removed, and interfaces not in the file detached, in that order, so that a
 * route never points at an interface that is not attached yet, and a prefix
 * that is in the state before and after never disappears in between (an
 * overwrite is one map update). Only what differs is written: the current
 * tables are dumped, sorted and merged with the file's, so a million routes
 * cost one pass rather than a million lookups.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "array_size.h"
#include "v4via6.h"
#include "cmd.h"
#include "commands.h"
#include "common.h"
#include "config.h"
#include "dump.h"
#include "fib24.h"
#include "iface.h"
#include "json.h"
#include "local.h"
#include "nhview.h"
#include "parse.h"

const char apply_usage[] =
	"Usage: v4via6 apply FILE\n"
	"  Makes the state equal to FILE (- reads standard input): one statement a line,\n"
	"    attach IFACE [mode native|skb]\n"
	"    route PREFIX via [inet6] IPV6 dev IFACE\n"
	"    route throw PREFIX\n"
	"    neigh IPV6 lladdr MAC dev IFACE\n"
	"    nexthop id ID via [inet6] IPV6 dev IFACE\n"
	"    nexthop id ID group ID[,WEIGHT]/ID[,WEIGHT]...\n"
	"    route PREFIX nhid ID\n"
	"    route PREFIX nexthop via [inet6] IPV6 dev IFACE [weight W] [nexthop ...]\n"
	"  with # comments; a multipath route's `nexthop` may go on the next lines,\n"
	"  indented, as ip route prints it. The whole file is checked first; a bad line\n"
	"  changes nothing. Interfaces, routes, neighbours and nexthop objects that are not\n"
	"  in FILE are removed.\n";

struct counts {
	size_t added, replaced, removed;
};

struct summary {
	struct counts routes, neighs, nhs;
	size_t attached, reattached, detached;
};

/* Attaches the file's interfaces; on failure, detaches the ones this run attached. */
static int attach_ifaces(struct v4via6_state *st, const struct config *cfg, struct summary *sum)
{
	bool *attached = calloc(cfg->n_ifaces ? cfg->n_ifaces : 1, sizeof(*attached));
	const struct config_iface *ifc;
	struct iface_query q;
	size_t i;
	int err = 0;

	if (!attached)
		return -ENOMEM;
	for (i = 0; i < cfg->n_ifaces && !err; i++) {
		ifc = &cfg->ifaces[i];
		err = iface_query(st, ifc->ifindex, &q);
		if (err) {
			pr_err("apply: %s: querying XDP: %s", ifc->name, strerror(-err));
			break;
		}
		/* the file asks for another mode than the one running: attach again */
		if (q.what == IFACE_XDP_OURS && ifc->mode != XDP_MODE_UNSPEC &&
		    ifc->mode != q.mode) {
			err = iface_detach(st, ifc->ifindex, 0);
			if (err)
				break;
			sum->reattached++;
		}
		err = iface_attach(st, ifc->ifindex, ifc->mode, &attached[i]);
		if (attached[i] && q.what != IFACE_XDP_OURS)
			sum->attached++;
	}
	if (err) {
		while (i-- > 0)
			if (attached[i])
				iface_detach(st, cfg->ifaces[i].ifindex, IFACE_UNDO);
	}
	free(attached);
	return err;
}

/* The object as the file has it and as the map has it are the same (members resolved apart). */
static bool def_same(const struct nh_def *a, const struct nh_def *b)
{
	bool group = a->flags & V4VIA6_NHDEF_GROUP;
	__u32 i;

	if (a->n != b->n || group != !!(b->flags & V4VIA6_NHDEF_GROUP) ||
	    (b->flags & V4VIA6_NHDEF_SYNC))
		return false;
	for (i = 0; i < a->n && i < V4VIA6_NHGRP_MAX_SIZE; i++) {
		if (a->m[i].weight != b->m[i].weight)
			return false;
		if (group ? a->m[i].id != b->m[i].id :
			    memcmp(&a->m[i].nh, &b->m[i].nh, sizeof(a->m[i].nh)))
			return false;
	}
	return true;
}

/* Writes one of the file's objects when it differs from the map's. */
static int put_nh(struct fib24 *fib, const struct config *cfg, const struct config_nh *e,
		  struct counts *c)
{
	struct nh_key k = { .id = e->id, .kind = V4VIA6_NH_NAMED };
	struct nh_def want, cur;
	const char *why;
	bool exists;
	int err;

	config_nh_def(cfg, e, &want);
	exists = !fib24_nh_get(fib, &k, &cur);
	if (exists && def_same(&want, &cur))
		return 0;
	err = fib24_nh_set(fib, e->id, &want, BPF_ANY);
	if (err) {
		why = err == -EINVAL ? fib24_nh_invalid(fib, e->id, &want) : NULL;
		pr_err("apply: nexthop id %u (line %u): %s", e->id, e->line,
		       why ? why : strerror(-err));
		return err;
	}
	if (exists)
		c->replaced++;
	else
		c->added++;
	return 0;
}

/* The file's object of id (cfg->nhs is sorted by id), or NULL. */
static const struct config_nh *file_nh(const struct config *cfg, __u32 id)
{
	size_t lo = 0, hi = cfg->n_nhs, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (cfg->nhs[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < cfg->n_nhs && cfg->nhs[lo].id == id ? &cfg->nhs[lo] : NULL;
}

/*
 * An object of one next hop that the file makes a group must first leave
 * the groups that have it as a member (groups do not nest): those groups
 * are written first (early[], by index in cfg->nhs), with the file's members,
 * which cannot name it. A group the file does not have keeps it until after
 * the routes: said as FILE:LINE before anything is written. 0 or -EINVAL.
 */
static int plan_groups(struct fib24 *fib, const struct config *cfg, const char *file, bool *early)
{
	struct nh_key k = { .kind = V4VIA6_NH_NAMED }, gk, *prev;
	const struct config_nh *g;
	struct nh_def cur, d;
	size_t j;
	__u32 i;
	int err = 0;

	for (j = 0; j < cfg->n_nhs; j++) {
		k.id = cfg->nhs[j].id;
		if (!(cfg->nhs[j].flags & V4VIA6_NHDEF_GROUP) || fib24_nh_get(fib, &k, &cur) ||
		    (cur.flags & V4VIA6_NHDEF_GROUP))
			continue;
		/* a single next hop becoming a group: the groups naming it */
		for (prev = NULL; !bpf_map_get_next_key(fib->nh_defs_fd, prev, &gk); prev = &gk) {
			if (gk.kind != V4VIA6_NH_NAMED || fib24_nh_get(fib, &gk, &d) ||
			    !(d.flags & V4VIA6_NHDEF_GROUP))
				continue;
			for (i = 0; i < d.n && i < V4VIA6_NHGRP_MAX_SIZE && d.m[i].id != k.id; i++)
				;
			if (i == d.n || i == V4VIA6_NHGRP_MAX_SIZE)
				continue;
			g = file_nh(cfg, gk.id);
			if (g) {
				early[g - cfg->nhs] = true;
				continue;
			}
			pr_err_line("%s:%u: nexthop id %u: a member of group %u, which the file "
				    "removes only after the routes: apply a file without group %u "
				    "first",
				    strcmp(file, "-") ? file : "<stdin>", cfg->nhs[j].line, k.id,
				    gk.id, gk.id);
			err = -EINVAL;
		}
	}
	return err;
}

/*
 * The file's nexthop objects, one next hop first (groups name them), then
 * groups; the ids of the map's named objects the file no longer has into
 * *gone (removed after the routes that may use them).
 */
static int update_nhs(struct fib24 *fib, const struct config *cfg, const char *file,
		      struct counts *c, __u32 **gone, __u32 *n_gone)
{
	bool *early = calloc(cfg->n_nhs ? cfg->n_nhs : 1, sizeof(*early));
	__u32 *ids = NULL, n = 0, i, k = 0;
	size_t j;
	int pass, err;

	if (!early)
		return -ENOMEM;
	err = plan_groups(fib, cfg, file, early);
	/* singles; groups that must let go of a member first; the other groups */
	for (pass = 0; !err && pass < 3; pass++)
		for (j = 0; !err && j < cfg->n_nhs; j++) {
			bool group = cfg->nhs[j].flags & V4VIA6_NHDEF_GROUP;

			if (pass != (!group ? 0 : early[j] ? 1 : 2))
				continue;
			err = put_nh(fib, cfg, &cfg->nhs[j], c);
		}
	free(early);
	if (err)
		return err;
	err = nh_defs_ids(fib->nh_defs_fd, V4VIA6_NH_NAMED, &ids, &n);
	if (err) {
		pr_err("apply: reading nexthop objects: %s", strerror(-err));
		return err;
	}
	/* both sorted by id */
	for (i = 0, j = 0; i < n; i++) {
		while (j < cfg->n_nhs && cfg->nhs[j].id < ids[i])
			j++;
		if (j == cfg->n_nhs || cfg->nhs[j].id != ids[i])
			ids[k++] = ids[i];
	}
	*gone = ids;
	*n_gone = k;
	return 0;
}

/* The objects of the file's multipath routes: each route's next hop names its own. */
static int resolve_anon(struct fib24 *fib, struct config *cfg)
{
	struct nh_member m[V4VIA6_NHGRP_MAX_SIZE], last[V4VIA6_NHGRP_MAX_SIZE];
	struct nexthop nh = {};
	char pfx[ADDR_STR_LEN];
	__u32 i, n_last = 0;
	size_t r;
	int err;

	for (r = 0; r < cfg->n_routes; r++) {
		struct config_route *e = &cfg->routes[r];

		if (!e->n_hops)
			continue;
		for (i = 0; i < e->n_hops && i < V4VIA6_NHGRP_MAX_SIZE; i++)
			m[i] = cfg->hops[e->first_hop + i].m;
		/* routes of one set of next hops often follow each other: one lookup */
		if (e->n_hops != n_last || memcmp(m, last, e->n_hops * sizeof(*m))) {
			err = fib24_nh_anon(fib, m, e->n_hops, &nh);
			if (err) {
				format_prefix(&e->key, pfx, sizeof(pfx));
				pr_err("apply: route %s (line %u): its next hops: %s", pfx, e->line,
				       strerror(-err));
				return err;
			}
			memcpy(last, m, e->n_hops * sizeof(*m));
			n_last = e->n_hops;
		}
		e->nh = nh;
	}
	return 0;
}

/* The named objects the file no longer has: groups first (they name the others). */
static int remove_nhs(struct fib24 *fib, const __u32 *ids, __u32 n, struct counts *c)
{
	struct nh_key k = { .kind = V4VIA6_NH_NAMED };
	struct nh_def d;
	__u32 i;
	int pass, err;

	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < n; i++) {
			k.id = ids[i];
			if (fib24_nh_get(fib, &k, &d))
				continue;
			if (!!(d.flags & V4VIA6_NHDEF_GROUP) != (pass == 0))
				continue;
			err = fib24_nh_del(fib, ids[i]);
			if (err == -ENOENT)
				continue;
			if (err) {
				pr_err("apply: removing nexthop id %u: %s%s", ids[i],
				       strerror(-err),
				       err == -EBUSY ? " (a route or group not in the file names "
						       "it)" :
						       "");
				return err;
			}
			c->removed++;
		}
	return 0;
}

/*
 * Adds and overwrites the file's routes, and lists the current ones that are
 * not in the file into *gone (deleted later, after the neighbours are in).
 */
static int update_routes(const struct v4via6_state *st, struct fib24 *fib, const struct config *cfg,
			 const struct local_set *ls, struct counts *c, struct route_entry **gone,
			 size_t *n_gone)
{
	struct route_entry *cur = NULL;
	size_t n_cur = 0, i = 0, j = 0, n_put = 0, done;
	struct route_key *keys = NULL;
	struct nexthop *nhs = NULL;
	char pfx[ADDR_STR_LEN];
	int err, cmp;

	err = route_dump(st->routes_fd, &cur, &n_cur);
	if (err) {
		pr_err("apply: reading routes: %s", strerror(-err));
		return err;
	}
	/* local entries are not the file's business */
	n_cur = local_split(fib, ls, cur, n_cur);
	/* what to write, collected for one batch */
	keys = calloc(cfg->n_routes + 1, sizeof(*keys));
	nhs = calloc(cfg->n_routes + 1, sizeof(*nhs));
	if (!keys || !nhs) {
		err = -ENOMEM;
		pr_err("apply: %s", strerror(-err));
		goto out;
	}
	*n_gone = 0;
	while (i < cfg->n_routes || j < n_cur) {
		if (i == cfg->n_routes)
			cmp = 1;
		else if (j == n_cur)
			cmp = -1;
		else
			cmp = route_key_cmp(&cfg->routes[i].key, &cur[j].key);
		if (cmp > 0) {
			/* not in the file: compacted to the front of cur, deleted later */
			cur[(*n_gone)++] = cur[j++];
			continue;
		}
		if (cmp == 0 && !memcmp(&cfg->routes[i].nh, &cur[j].nh, sizeof(cur[j].nh))) {
			i++, j++;
			continue;
		}
		keys[n_put] = cfg->routes[i].key;
		nhs[n_put++] = cfg->routes[i].nh;
		if (cmp == 0)
			c->replaced++, j++;
		else
			c->added++;
		i++;
	}
	err = fib24_update_batch(fib, keys, nhs, n_put, &done);
	if (err) {
		format_prefix(&keys[done], pfx, sizeof(pfx));
		pr_err("apply: route %s: %s", pfx, strerror(-err));
	}
out:
	free(keys);
	free(nhs);
	if (err) {
		free(cur);
		return err;
	}
	*gone = cur;
	return 0;
}

/*
 * When the file's new neighbours and the current ones it drops do not fit in
 * the map together, deletes the dropped ones first (their routes go to the
 * kernel for the moment, which resolves the MAC itself) rather than fail
 * halfway with E2BIG. Leaves cur holding only the neighbours still there.
 */
static int make_room(const struct v4via6_state *st, const struct config *cfg,
		     struct neigh_entry *cur, size_t *n_cur, struct counts *c)
{
	size_t i = 0, j = 0, added = 0, kept = 0;
	int cmp, err;

	for (; i < cfg->n_neighs || j < *n_cur;) {
		cmp = i == cfg->n_neighs ? 1 :
		      j == *n_cur	 ? -1 :
					   neigh_key_cmp(&cfg->neighs[i].key, &cur[j].key);
		added += cmp < 0;
		i += cmp <= 0;
		j += cmp >= 0;
	}
	if (*n_cur + added <= V4VIA6_MAX_NEIGHS)
		return 0;
	for (i = 0, j = 0; j < *n_cur;) {
		cmp = i == cfg->n_neighs ? 1 : neigh_key_cmp(&cfg->neighs[i].key, &cur[j].key);
		if (cmp < 0) {
			i++;
			continue;
		}
		if (cmp == 0) {
			cur[kept++] = cur[j++];
			i++;
			continue;
		}
		if (bpf_map_delete_elem(st->neighs_fd, &cur[j].key) && errno != ENOENT) {
			err = -errno;
			pr_err("apply: removing a neighbour: %s", strerror(-err));
			return err;
		}
		c->removed++;
		j++;
	}
	*n_cur = kept;
	return 0;
}

static int update_neighs(const struct v4via6_state *st, const struct config *cfg, struct counts *c,
			 struct neigh_entry **gone, size_t *n_gone)
{
	struct neigh_entry *cur = NULL;
	size_t n_cur = 0, i = 0, j = 0;
	char addr[ADDR_STR_LEN];
	int err, cmp;

	err = neigh_dump(st->neighs_fd, &cur, &n_cur);
	if (err) {
		pr_err("apply: reading neighbours: %s", strerror(-err));
		return err;
	}
	err = make_room(st, cfg, cur, &n_cur, c);
	if (err) {
		free(cur);
		return err;
	}
	*n_gone = 0;
	while (i < cfg->n_neighs || j < n_cur) {
		if (i == cfg->n_neighs)
			cmp = 1;
		else if (j == n_cur)
			cmp = -1;
		else
			cmp = neigh_key_cmp(&cfg->neighs[i].key, &cur[j].key);
		if (cmp > 0) {
			cur[(*n_gone)++] = cur[j++];
			continue;
		}
		if (cmp == 0 && !memcmp(cfg->neighs[i].val.mac, cur[j].val.mac, 6)) {
			i++, j++;
			continue;
		}
		if (bpf_map_update_elem(st->neighs_fd, &cfg->neighs[i].key, &cfg->neighs[i].val,
					BPF_ANY)) {
			err = -errno;
			format_ipv6(cfg->neighs[i].key.addr, addr, sizeof(addr));
			pr_err("apply: neigh %s: %s", addr, strerror(-err));
			free(cur);
			return err;
		}
		if (cmp == 0)
			c->replaced++, j++;
		else
			c->added++;
		i++;
	}
	*gone = cur;
	return 0;
}

static int detach_others(struct v4via6_state *st, const struct config *cfg, struct summary *sum)
{
	static __u32 idx[V4VIA6_MAX_IFACES * 2];
	int i, n, err = 0;
	size_t k;

	n = iface_list(st, idx, ARRAY_SIZE(idx));
	for (i = 0; i < n; i++) {
		for (k = 0; k < cfg->n_ifaces && cfg->ifaces[k].ifindex != idx[i]; k++)
			;
		if (k < cfg->n_ifaces)
			continue;
		if (iface_detach(st, idx[i], IFACE_QUIET_MISSING))
			err = -EIO;
		else
			sum->detached++;
	}
	return err;
}

static void json_counts(const char *key, const struct counts *c)
{
	json_key(key);
	json_object_start();
	json_kv_uint("added", c->added);
	json_kv_uint("replaced", c->replaced);
	json_kv_uint("removed", c->removed);
	json_object_end();
}

/*
 * What changed, also after a failure half-way. Under -j an object, left open
 * when the command failed: its errors are written into it at exit (log.c).
 */
static void print_summary(const struct summary *s, bool failed)
{
	if (json_output) {
		json_object_start();
		json_counts("routes", &s->routes);
		json_counts("neighbours", &s->neighs);
		json_counts("nexthops", &s->nhs);
		json_key("interfaces");
		json_object_start();
		json_kv_uint("attached", s->attached);
		json_kv_uint("reattached", s->reattached);
		json_kv_uint("detached", s->detached);
		json_object_end();
		if (!failed)
			json_object_end();
		return;
	}
	if (!s->routes.added && !s->routes.replaced && !s->routes.removed && !s->neighs.added &&
	    !s->neighs.replaced && !s->neighs.removed && !s->attached && !s->reattached &&
	    !s->detached && !s->nhs.added && !s->nhs.replaced && !s->nhs.removed) {
		printf("apply: no changes\n");
		return;
	}
	printf("apply: %zu route%s added, %zu replaced, %zu removed; "
	       "%zu neighbour%s added, %zu replaced, %zu removed; "
	       "%zu interface%s attached, %zu detached",
	       s->routes.added, s->routes.added == 1 ? "" : "s", s->routes.replaced,
	       s->routes.removed, s->neighs.added, s->neighs.added == 1 ? "" : "s",
	       s->neighs.replaced, s->neighs.removed, s->attached, s->attached == 1 ? "" : "s",
	       s->detached);
	if (s->reattached)
		printf(", %zu attached again in another mode", s->reattached);
	/* said only when there are any: a file without objects reads as before */
	if (s->nhs.added || s->nhs.replaced || s->nhs.removed)
		printf("; %zu nexthop object%s added, %zu replaced, %zu removed", s->nhs.added,
		       s->nhs.added == 1 ? "" : "s", s->nhs.replaced, s->nhs.removed);
	printf("\n");
}

/* What the file no longer has goes: routes (leaving the tables first), then neighbours. */
static int remove_old(const struct v4via6_state *st, struct fib24 *fib, struct summary *sum,
		      const struct route_entry *routes, size_t n_routes,
		      const struct neigh_entry *neighs, size_t n_neighs)
{
	size_t i;
	int err = 0;

	for (i = 0; !err && i < n_routes; i++) {
		err = fib24_delete(fib, &routes[i].key);
		if (err == -ENOENT)
			err = 0;
		if (err)
			pr_err("apply: removing a route: %s", strerror(-err));
		else
			sum->routes.removed++;
	}
	for (i = 0; !err && i < n_neighs; i++) {
		if (bpf_map_delete_elem(st->neighs_fd, &neighs[i].key) && errno != ENOENT) {
			err = -errno;
			pr_err("apply: removing a neighbour: %s", strerror(-err));
		} else {
			sum->neighs.removed++;
		}
	}
	return err;
}

/*
 * The routes and neighbours of the file into the maps and the forwarding
 * table, under the state lock, the router's own addresses first.
 */
static int write_tables(struct v4via6_state *st, struct config *cfg, const char *file,
			struct summary *sum)
{
	struct route_entry *old_routes = NULL;
	struct neigh_entry *old_neighs = NULL;
	size_t n_old_routes = 0, n_old_neighs = 0;
	__u32 *old_nhs = NULL, n_old_nhs = 0;
	bool local_held, neighs_held;
	struct local_set ls;
	struct fib24 fib;
	int err;

	err = fib24_open_state(&fib, st);
	if (err) {
		pr_err("apply: mapping the forwarding table: %s", strerror(-err));
		return err;
	}
	/* other writers (sync, route add) wait until the routes are all written */
	err = fib24_lock(&fib);
	if (err) {
		pr_err("apply: locking %s: %s", st->pin_dir, strerror(-err));
		fib24_close(&fib);
		return err;
	}
	/* the router's own addresses first: the file's routes must not capture them */
	err = local_begin(&fib, &ls);
	local_held = !err;
	if (!err)
		err = local_update(&fib, st->pin_dir, &ls, NULL, 0);
	if (!err) {
		local_skip_config(&ls, cfg, file);
		/* objects before the routes that name them */
		err = update_nhs(&fib, cfg, file, &sum->nhs, &old_nhs, &n_old_nhs);
	}
	if (!err)
		err = resolve_anon(&fib, cfg);
	if (!err)
		err = update_routes(st, &fib, cfg, &ls, &sum->routes, &old_routes, &n_old_routes);
	/* the neighbour map's writes, then every nexthop object's MAC, as one change */
	neighs_held = !err && !fib24_write_begin(&fib);
	if (!err && !neighs_held)
		err = -ENOLCK;
	if (!err)
		err = update_neighs(st, cfg, &sum->neighs, &old_neighs, &n_old_neighs);
	if (!err)
		err = remove_old(st, &fib, sum, old_routes, n_old_routes, old_neighs, n_old_neighs);
	/* after the routes that named them */
	if (!err)
		err = remove_nhs(&fib, old_nhs, n_old_nhs, &sum->nhs);
	if (neighs_held && fib24_write_end(&fib) && !err) {
		pr_err("apply: the nexthop objects' MACs: repair failed");
		err = -EIO;
	}
	/* a throw removed at a local prefix gives way to a local entry */
	if (local_held)
		err = local_end(&fib, st->pin_dir, &ls, err);
	fib24_unlock(&fib);
	fib24_close(&fib);
	free(old_routes);
	free(old_neighs);
	free(old_nhs);
	return err;
}

int do_apply(int argc, char **argv)
{
	struct summary sum = {};
	struct v4via6_state st;
	struct config cfg;
	char dir[PATH_MAX];
	int err, rc = EXIT_FAIL;

	/*
	 * The file first: it is opened before state_prepare_bpffs may switch
	 * mount namespace, and a bad file must change nothing.
	 */
	if (config_read(argv[0], &cfg))
		return EXIT_FAIL;

	if (resolve_pin_dir(dir, sizeof(dir), cfg.n_ifaces > 0))
		goto out_cfg;
	err = state_open(&st, dir, cfg.n_ifaces > 0);
	if (err == -ENOENT) {
		/* nothing loaded and nothing to attach: already equal */
		print_summary(&sum, false);
		rc = EXIT_OK;
		goto out_cfg;
	}
	if (err) {
		pr_state_err(dir, err);
		goto out_cfg;
	}

	err = attach_ifaces(&st, &cfg, &sum);
	if (err) {
		if (st.created) {
			state_close(&st);
			state_unpin(dir);
		}
		goto out_state;
	}
	err = write_tables(&st, &cfg, argv[0], &sum);
	if (!err)
		err = detach_others(&st, &cfg, &sum);
	print_summary(&sum, err != 0);
	if (!err)
		rc = EXIT_OK;
out_state:
	state_close(&st);
out_cfg:
	config_free(&cfg);
	return rc;
}
