// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reading and checking the routing config file (see config.h). Built for a
 * million route lines: one pass over the file, interface names kept in hash
 * tables (a file may name as many devices as it has lines), duplicates found
 * by sorting rather than by searching.
 */
#include <limits.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "common.h"
#include "config.h"
#include "nhkey.h"
#include "parse.h"

/* A multipath route of 32 next hops, each "nexthop via inet6 A dev X weight W linkdown" */
#define MAX_TOKENS (2 + 9 * V4VIA6_NHGRP_MAX_SIZE)

static void nhid_nexthop(__u32 id, struct nexthop *nh)
{
	struct nh_key k = { .id = id, .kind = V4VIA6_NH_NAMED };

	nh_of_key(&k, nh);
}

static bool by_id(const struct config_route *e)
{
	return nh_is_group(&e->nh) && !e->n_hops;
}

static __u32 nhid_of(const struct config_route *e)
{
	struct nh_key k;

	nh_key_of(&e->nh, &k);
	return k.id;
}

/* The device of a throw route, which names none. */
#define NO_DEV UINT_MAX

/*
 * Names to indexes (into the device list or cfg->ifaces): open addressing,
 * at most half full, so every lookup is O(1) and a file of n names costs n.
 */
struct name_index {
	unsigned int *slot; /* index + 1; 0: empty */
	size_t mask; /* capacity - 1, a power of two */
	size_t n;
};

/* A problem found on a line; all are printed at the end, in line order. */
struct problem {
	unsigned int line;
	unsigned int seq; /* keeps several problems of one line in the order found */
	char *msg;
};

/* The state of one read: what config_read fills, and what it reports. */
struct reader {
	const char *path;
	struct config *cfg;
	size_t cap_routes, cap_neighs, cap_ifaces, cap_nhs, cap_hops;
	/* device names used by route and neigh lines, and the line of first use */
	char (*devs)[IF_NAMESIZE];
	size_t n_devs, cap_devs;
	unsigned int last_dev; /* most lines name the device of the line before */
	struct name_index dev_index, iface_index;
	struct problem *problems;
	size_t n_problems, cap_problems;
	bool out_of_memory;
};

static void problem(struct reader *r, unsigned int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void *grow(void *buf, size_t *cap, size_t n, size_t size, struct reader *r)
{
	void *p;

	if (n < *cap)
		return buf;
	p = realloc(buf, (*cap ? *cap * 2 : 256) * size);
	if (!p) {
		r->out_of_memory = true;
		return NULL;
	}
	*cap = *cap ? *cap * 2 : 256;
	return p;
}

static void problem(struct reader *r, unsigned int line, const char *fmt, ...)
{
	struct problem *p;
	va_list ap;
	char *msg;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	p = grow(r->problems, &r->cap_problems, r->n_problems, sizeof(*p), r);
	if (n < 0 || !p) {
		r->out_of_memory = true;
		if (n >= 0)
			free(msg);
		return;
	}
	r->problems = p;
	p[r->n_problems].line = line;
	p[r->n_problems].seq = r->n_problems;
	p[r->n_problems].msg = msg;
	r->n_problems++;
}

/* FNV-1a */
static size_t name_hash(const char *s)
{
	size_t h = 2166136261u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

/*
 * The slot of name in idx: the one holding it, or the empty one where it
 * belongs. names(i) gives the name of index i.
 */
static unsigned int *name_slot(const struct name_index *idx, const char *name,
			       const char *(*names)(const struct reader *, unsigned int),
			       const struct reader *r)
{
	size_t i = name_hash(name) & idx->mask;

	while (idx->slot[i] && strcmp(names(r, idx->slot[i] - 1), name))
		i = (i + 1) & idx->mask;
	return &idx->slot[i];
}

static int name_add(struct name_index *idx, unsigned int *slot, unsigned int id,
		    const char *(*names)(const struct reader *, unsigned int),
		    const struct reader *r)
{
	struct name_index big;
	size_t i;

	*slot = id + 1;
	if (++idx->n * 2 <= idx->mask + 1)
		return 0;
	big.mask = idx->mask * 2 + 1;
	big.n = idx->n;
	big.slot = calloc(big.mask + 1, sizeof(*big.slot));
	if (!big.slot)
		return -ENOMEM;
	for (i = 0; i <= idx->mask; i++)
		if (idx->slot[i])
			*name_slot(&big, names(r, idx->slot[i] - 1), names, r) = idx->slot[i];
	free(idx->slot);
	*idx = big;
	return 0;
}

static int name_index_init(struct name_index *idx)
{
	idx->mask = 255;
	idx->n = 0;
	idx->slot = calloc(idx->mask + 1, sizeof(*idx->slot));
	return idx->slot ? 0 : -ENOMEM;
}

static const char *dev_name(const struct reader *r, unsigned int i)
{
	return r->devs[i];
}

static const char *iface_name(const struct reader *r, unsigned int i)
{
	return r->cfg->ifaces[i].name;
}

/* The index of a device name used by a route or neigh line. */
static int dev_id(struct reader *r, const char *name, unsigned int *id)
{
	unsigned int *slot;
	void *p;

	if (strlen(name) >= IF_NAMESIZE)
		return -ENAMETOOLONG;
	if (r->last_dev < r->n_devs && !strcmp(r->devs[r->last_dev], name)) {
		*id = r->last_dev;
		return 0;
	}
	slot = name_slot(&r->dev_index, name, dev_name, r);
	if (*slot) {
		*id = r->last_dev = *slot - 1;
		return 0;
	}
	p = grow(r->devs, &r->cap_devs, r->n_devs, sizeof(*r->devs), r);
	if (!p)
		return -ENOMEM;
	r->devs = p;
	strcpy(r->devs[r->n_devs++], name);
	*id = r->last_dev = r->n_devs - 1;
	/* slot is stale after this: the index may grow */
	if (name_add(&r->dev_index, slot, *id, dev_name, r)) {
		r->out_of_memory = true;
		return -ENOMEM;
	}
	return 0;
}

static void read_attach(struct reader *r, unsigned int line, int argc, char **argv)
{
	struct config *cfg = r->cfg;
	enum xdp_attach_mode mode = XDP_MODE_UNSPEC;
	char err[PARSE_ERR_LEN];
	struct config_iface *ifc;
	unsigned int *slot;
	__u32 ifindex;

	if (argc != 2 && argc != 4) {
		problem(r, line, "expected \"attach IFACE [mode native|skb]\"");
		return;
	}
	if (argc == 4 && (strcmp(argv[2], "mode") || !parse_xdp_mode(argv[3], &mode))) {
		problem(r, line, "expected \"attach IFACE [mode native|skb]\"");
		return;
	}
	slot = name_slot(&r->iface_index, argv[1], iface_name, r);
	if (*slot) {
		problem(r, line, "duplicate attach %s (first on line %u)", argv[1],
			cfg->ifaces[*slot - 1].line);
		return;
	}
	if (parse_ifname(argv[1], &ifindex, err, sizeof(err))) {
		problem(r, line, "%s", err);
		return;
	}
	ifc = grow(cfg->ifaces, &r->cap_ifaces, cfg->n_ifaces, sizeof(*ifc), r);
	if (!ifc)
		return;
	cfg->ifaces = ifc;
	ifc += cfg->n_ifaces++;
	snprintf(ifc->name, sizeof(ifc->name), "%s", argv[1]);
	ifc->ifindex = ifindex;
	ifc->mode = mode;
	ifc->line = line;
	if (name_add(&r->iface_index, slot, cfg->n_ifaces - 1, iface_name, r))
		r->out_of_memory = true;
}

/* Appends n next hops or members to cfg->hops; returns the first's index, or -1. */
static long add_hops(struct reader *r, __u32 n)
{
	struct config *cfg = r->cfg;
	struct config_hop *h;
	__u32 i;

	for (i = 0; i < n; i++) {
		h = grow(cfg->hops, &r->cap_hops, cfg->n_hops + i, sizeof(*h), r);
		if (!h)
			return -1;
		cfg->hops = h;
	}
	memset(cfg->hops + cfg->n_hops, 0, n * sizeof(*cfg->hops));
	cfg->n_hops += n;
	return (long)(cfg->n_hops - n);
}

static void read_route(struct reader *r, unsigned int line, int argc, char **argv)
{
	struct config *cfg = r->cfg;
	char err[PARSE_ERR_LEN];
	struct config_route *e;
	struct config_hop *h;
	static struct route_spec spec; /* 1 KiB: once, not on the stack of every line */
	unsigned int dev = NO_DEV, hdev[V4VIA6_NHGRP_MAX_SIZE];
	long first = 0;
	__u32 i;

	if (parse_route_args(argc - 1, argv + 1, true, &spec, err, sizeof(err))) {
		problem(r, line, "%s", err);
		return;
	}
	for (i = 0; i < spec.n_hops; i++) {
		if (dev_id(r, spec.hops[i].dev, &hdev[i])) {
			problem(r, line, "dev %s: not an interface name", spec.hops[i].dev);
			return;
		}
	}
	if (!spec.throw_ && !spec.nhid && !spec.n_hops && dev_id(r, spec.dev, &dev)) {
		problem(r, line, "dev %s: not an interface name", spec.dev);
		return;
	}
	if (spec.n_hops && (first = add_hops(r, spec.n_hops)) < 0)
		return;
	for (i = 0; i < spec.n_hops; i++) {
		h = &cfg->hops[first + i];
		memcpy(h->m.nh.addr, spec.hops[i].via, sizeof(h->m.nh.addr));
		h->m.weight = spec.hops[i].weight;
		h->dev = hdev[i];
	}
	e = grow(cfg->routes, &r->cap_routes, cfg->n_routes, sizeof(*e), r);
	if (!e)
		return;
	cfg->routes = e;
	e += cfg->n_routes++;
	memset(e, 0, sizeof(*e));
	e->key = spec.key;
	e->line = line;
	e->dev = dev;
	if (spec.nhid) {
		nhid_nexthop(spec.nhid, &e->nh);
	} else if (spec.n_hops) {
		e->nh.ifindex = V4VIA6_IFINDEX_GROUP; /* its object is made by apply */
		e->first_hop = first;
		e->n_hops = spec.n_hops;
	} else {
		memcpy(e->nh.addr, spec.via, sizeof(e->nh.addr));
	}
}

static void read_nexthop(struct reader *r, unsigned int line, int argc, char **argv)
{
	struct config *cfg = r->cfg;
	static struct nexthop_spec spec;
	char err[PARSE_ERR_LEN];
	struct config_nh *e;
	struct config_hop *h;
	unsigned int dev = NO_DEV;
	long first;
	__u32 i;

	if (parse_nexthop_args(argc - 1, argv + 1, &spec, err, sizeof(err))) {
		problem(r, line, "%s", err);
		return;
	}
	if (!spec.group && dev_id(r, spec.dev, &dev)) {
		problem(r, line, "dev %s: not an interface name", spec.dev);
		return;
	}
	first = add_hops(r, spec.group ? spec.n : 1);
	if (first < 0)
		return;
	h = &cfg->hops[first];
	if (spec.group) {
		for (i = 0; i < spec.n; i++) {
			h[i].m.id = spec.member[i];
			h[i].m.weight = spec.weight[i];
			h[i].dev = NO_DEV;
		}
	} else {
		memcpy(h->m.nh.addr, spec.via, sizeof(h->m.nh.addr));
		h->m.weight = 1;
		h->dev = dev;
	}
	e = grow(cfg->nhs, &r->cap_nhs, cfg->n_nhs, sizeof(*e), r);
	if (!e)
		return;
	cfg->nhs = e;
	e += cfg->n_nhs++;
	e->id = spec.id;
	e->flags = spec.group ? V4VIA6_NHDEF_GROUP : 0;
	e->first_hop = first;
	e->n_hops = spec.group ? spec.n : 1;
	e->line = line;
}

static void read_neigh(struct reader *r, unsigned int line, int argc, char **argv)
{
	struct config *cfg = r->cfg;
	char err[PARSE_ERR_LEN];
	struct config_neigh *e;
	struct neigh_spec spec;
	unsigned int dev;

	if (parse_neigh_args(argc - 1, argv + 1, true, &spec, err, sizeof(err))) {
		problem(r, line, "%s", err);
		return;
	}
	if (dev_id(r, spec.dev, &dev)) {
		problem(r, line, "dev %s: not an interface name", spec.dev);
		return;
	}
	e = grow(cfg->neighs, &r->cap_neighs, cfg->n_neighs, sizeof(*e), r);
	if (!e)
		return;
	cfg->neighs = e;
	e += cfg->n_neighs++;
	memset(e, 0, sizeof(*e));
	memcpy(e->key.addr, spec.addr, sizeof(e->key.addr));
	memcpy(e->val.mac, spec.mac, sizeof(e->val.mac));
	e->line = line;
	e->dev = dev;
}

static void read_line(struct reader *r, unsigned int line, char *text, size_t len)
{
	char *argv[MAX_TOKENS + 1], *save = NULL, *tok, *hash;
	int argc = 0;

	/* the string functions below would end the line there, silently */
	if (strlen(text) != len) {
		problem(r, line, "NUL byte");
		return;
	}
	hash = strchr(text, '#');
	if (hash)
		*hash = '\0';
	for (tok = strtok_r(text, " \t\r\n", &save); tok; tok = strtok_r(NULL, " \t\r\n", &save)) {
		if (argc == MAX_TOKENS) {
			problem(r, line, "too many words");
			return;
		}
		argv[argc++] = tok;
	}
	if (!argc)
		return;
	argv[argc] = NULL;
	if (!strcmp(argv[0], "route"))
		read_route(r, line, argc, argv);
	else if (!strcmp(argv[0], "neigh"))
		read_neigh(r, line, argc, argv);
	else if (!strcmp(argv[0], "attach"))
		read_attach(r, line, argc, argv);
	else if (!strcmp(argv[0], "nexthop"))
		read_nexthop(r, line, argc, argv);
	else
		problem(r, line, "%s: unknown statement (attach, route, neigh or nexthop)",
			argv[0]);
}

/* The ifindex of each device name used, from its attach line (0: none). */
static __u32 *resolve_devs(struct reader *r)
{
	__u32 *idx = calloc(r->n_devs ? r->n_devs : 1, sizeof(*idx));
	unsigned int *slot;
	size_t i;

	if (!idx) {
		r->out_of_memory = true;
		return NULL;
	}
	for (i = 0; i < r->n_devs; i++) {
		slot = name_slot(&r->iface_index, r->devs[i], iface_name, r);
		if (*slot)
			idx[i] = r->cfg->ifaces[*slot - 1].ifindex;
	}
	return idx;
}

static int route_line_cmp(const void *a, const void *b)
{
	const struct config_route *x = a, *y = b;
	int c = route_key_cmp(&x->key, &y->key);

	return c ? c : (x->line < y->line ? -1 : x->line > y->line);
}

static int neigh_line_cmp(const void *a, const void *b)
{
	const struct config_neigh *x = a, *y = b;
	int c = neigh_key_cmp(&x->key, &y->key);

	return c ? c : (x->line < y->line ? -1 : x->line > y->line);
}

/* nexthops slots for next hops: slot 0 holds the tables' state, slots 1..4095 are groups'. */
#define MAX_SLOTS (V4VIA6_MAX_NEXTHOPS - V4VIA6_MAX_NHGRPS)

struct hop_line {
	struct nexthop nh;
	unsigned int line;
};

static int hop_line_cmp(const void *a, const void *b)
{
	const struct hop_line *x = a, *y = b;
	int c = memcmp(&x->nh, &y->nh, sizeof(x->nh));

	return c ? c : (x->line < y->line ? -1 : x->line > y->line);
}

static int uint_cmp(const void *a, const void *b)
{
	unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;

	return x < y ? -1 : x > y;
}

/*
 * Of the n keys in h (sorted here), the line that brings the (limit + 1)th
 * distinct one, by order in the file, or 0 when they fit. Frees h.
 */
static unsigned int distinct_over(struct reader *r, struct hop_line *h, size_t n, size_t limit)
{
	unsigned int *first = NULL, line = 0;
	size_t i, k = 0;

	if (!h) {
		r->out_of_memory = true;
		return 0;
	}
	qsort(h, n, sizeof(*h), hop_line_cmp);
	first = malloc((n ? n : 1) * sizeof(*first));
	if (!first) {
		r->out_of_memory = true;
		free(h);
		return 0;
	}
	/* the line where each key first appears */
	for (i = 0; i < n; i++)
		if (!i || memcmp(&h[i].nh, &h[i - 1].nh, sizeof(h[i].nh)))
			first[k++] = h[i].line;
	if (k > limit) {
		qsort(first, k, sizeof(*first), uint_cmp);
		line = first[limit];
	}
	free(first);
	free(h);
	return line;
}

/*
 * The distinct next hops of the routes, of the multipath routes and of the
 * nexthop objects (each takes a nexthop object, a nexthops slot; a group
 * takes a group slot, counted apart), beyond the slots there are: the line
 * that brings the first one too many, or 0.
 */
static unsigned int slots_overflow(struct reader *r)
{
	const struct config *cfg = r->cfg;
	size_t i, j, n = 0, max = cfg->n_routes + cfg->n_hops;
	struct hop_line *h;

	if (max <= MAX_SLOTS)
		return 0;
	h = malloc(max * sizeof(*h));
	for (i = 0; h && i < cfg->n_routes; i++) {
		const struct config_route *e = &cfg->routes[i];

		for (j = e->first_hop; j < e->first_hop + e->n_hops; j++)
			h[n++] = (struct hop_line){ cfg->hops[j].m.nh, e->line };
		if (!nh_is_group(&e->nh))
			h[n++] = (struct hop_line){ e->nh, e->line };
	}
	for (i = 0; h && i < cfg->n_nhs; i++)
		if (!(cfg->nhs[i].flags & V4VIA6_NHDEF_GROUP))
			h[n++] = (struct hop_line){ cfg->hops[cfg->nhs[i].first_hop].m.nh,
						    cfg->nhs[i].line };
	return distinct_over(r, h, n, MAX_SLOTS);
}

/*
 * The /24s that hold routes longer than /24 (each takes a tbl8 block), beyond
 * the blocks there are: the line that brings the first one too many, or 0.
 */
static unsigned int blocks_overflow(struct reader *r)
{
	const struct config *cfg = r->cfg;
	struct hop_line *h;
	size_t i, n = 0;

	for (i = 0; i < cfg->n_routes; i++)
		n += cfg->routes[i].key.prefixlen > 24;
	if (n <= V4VIA6_TBL8_GROUPS)
		return 0;
	/* the /24 in place of a next hop: the same sort finds the distinct ones */
	h = calloc(n, sizeof(*h));
	for (i = 0, n = 0; h && i < cfg->n_routes; i++) {
		if (cfg->routes[i].key.prefixlen <= 24)
			continue;
		h[n].nh.ifindex = ntohl(cfg->routes[i].key.addr) >> 8;
		h[n++].line = cfg->routes[i].line;
	}
	return distinct_over(r, h, n, V4VIA6_TBL8_GROUPS);
}

/*
 * The map sizes, checked before anything changes: a file that does not fit
 * would otherwise fail halfway through apply (E2BIG from the kernel), with
 * part of it written. Called with the lists still in file order.
 */
static void check_capacity(struct reader *r)
{
	const struct config *cfg = r->cfg;
	unsigned int line;

	if (cfg->n_ifaces > V4VIA6_MAX_IFACES)
		problem(r, cfg->ifaces[V4VIA6_MAX_IFACES].line,
			"too many interfaces: XDP attaches to at most %u", V4VIA6_MAX_IFACES);
	if (cfg->n_routes > V4VIA6_MAX_ROUTES)
		problem(r, cfg->routes[V4VIA6_MAX_ROUTES].line,
			"too many routes: the routes map holds %u", V4VIA6_MAX_ROUTES);
	if (cfg->n_neighs > V4VIA6_MAX_NEIGHS)
		problem(r, cfg->neighs[V4VIA6_MAX_NEIGHS].line,
			"too many neighbours: the neighs map holds %u", V4VIA6_MAX_NEIGHS);
	line = slots_overflow(r);
	if (line)
		problem(r, line,
			"too many distinct next hops: the nexthops map holds %u (and %u groups)",
			MAX_SLOTS, V4VIA6_MAX_NHGRPS - 1);
	line = blocks_overflow(r);
	if (line)
		problem(r, line,
			"too many /24s with routes longer than /24: the tbl8 pool holds %u blocks",
			V4VIA6_TBL8_GROUPS);
}

static int nh_line_cmp(const void *a, const void *b)
{
	const struct config_nh *x = a, *y = b;

	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

static const struct config_nh *find_nh(const struct config *cfg, __u32 id)
{
	struct config_nh want = { .id = id };
	size_t lo = 0, hi = cfg->n_nhs, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (cfg->nhs[mid].id < want.id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < cfg->n_nhs && cfg->nhs[lo].id == id ? &cfg->nhs[lo] : NULL;
}

/* The next hops of a multipath route as one key: a 128-bit hash of them (for counting). */
static void hops_key(const struct config *cfg, const struct config_route *e, struct nexthop *nh)
{
	const unsigned char *p = (const unsigned char *)&cfg->hops[e->first_hop];
	__u64 h1 = 14695981039346656037ULL, h2 = 1099511628211ULL * 31;
	size_t i, n = e->n_hops * sizeof(*cfg->hops);

	for (i = 0; i < n; i++) {
		h1 = (h1 ^ p[i]) * 1099511628211ULL;
		h2 = (h2 ^ p[i]) * 0x100000001b3ULL + 7;
	}
	nh->ifindex = V4VIA6_IFINDEX_GROUP - 1; /* never a nhid route's */
	memcpy(nh->addr, &h1, 8);
	memcpy(nh->addr + 8, &h2, 8);
}

/*
 * The nexthop objects: the maps' sizes (with the lists in file order), ids
 * named twice, groups naming an object the file does not have or a group,
 * routes naming one it does not have.
 */
static void check_nhs(struct reader *r)
{
	struct config *cfg = r->cfg;
	const struct config_nh *m;
	struct hop_line *h;
	size_t i, j, n;
	unsigned int line;

	if (cfg->n_nhs > V4VIA6_MAX_NH_DEFS)
		problem(r, cfg->nhs[V4VIA6_MAX_NH_DEFS].line,
			"too many nexthop objects: the nh_defs map holds %u", V4VIA6_MAX_NH_DEFS);
	/* every object a route names takes a group slot: distinct nhids and hop lists */
	for (i = n = 0; i < cfg->n_routes; i++)
		n += cfg->routes[i].nh.ifindex == V4VIA6_IFINDEX_GROUP;
	if (n > V4VIA6_MAX_NHGRPS - 1) {
		h = malloc(n * sizeof(*h));
		for (i = n = 0; h && i < cfg->n_routes; i++) {
			if (cfg->routes[i].nh.ifindex != V4VIA6_IFINDEX_GROUP)
				continue;
			if (cfg->routes[i].n_hops)
				hops_key(cfg, &cfg->routes[i], &h[n].nh);
			else
				h[n].nh = cfg->routes[i].nh;
			h[n++].line = cfg->routes[i].line;
		}
		line = distinct_over(r, h, n, V4VIA6_MAX_NHGRPS - 1);
		if (line)
			problem(r, line,
				"too many nexthop objects used by routes (nhid, or next hops of "
				"their own): the nh_groups map holds %u",
				V4VIA6_MAX_NHGRPS - 1);
	}
	if (cfg->n_nhs)
		qsort(cfg->nhs, cfg->n_nhs, sizeof(*cfg->nhs), nh_line_cmp);
	for (i = 1; i < cfg->n_nhs; i++) {
		if (cfg->nhs[i].id != cfg->nhs[i - 1].id)
			continue;
		problem(r, cfg->nhs[i].line, "duplicate nexthop id %u (first on line %u)",
			cfg->nhs[i].id, cfg->nhs[i - 1].line);
		cfg->nhs[i].line = cfg->nhs[i - 1].line;
	}
	for (i = 0; i < cfg->n_nhs; i++) {
		if (!(cfg->nhs[i].flags & V4VIA6_NHDEF_GROUP))
			continue;
		for (j = 0; j < cfg->nhs[i].n_hops; j++) {
			__u32 id = cfg->hops[cfg->nhs[i].first_hop + j].m.id;

			m = find_nh(cfg, id);
			if (!m)
				problem(r, cfg->nhs[i].line,
					"group: member %u: no \"nexthop id %u\" line", id, id);
			else if (m->flags & V4VIA6_NHDEF_GROUP)
				problem(r, cfg->nhs[i].line,
					"group: member %u is a group (groups do not nest)", id);
		}
	}
	for (i = 0; i < cfg->n_routes; i++) {
		if (!by_id(&cfg->routes[i]) || find_nh(cfg, nhid_of(&cfg->routes[i])))
			continue;
		problem(r, cfg->routes[i].line, "nhid %u: no \"nexthop id %u\" line",
			nhid_of(&cfg->routes[i]), nhid_of(&cfg->routes[i]));
	}
}

/* The interfaces of the next hops of multipath routes and objects, from their attach lines. */
static void resolve_hops(struct reader *r, const __u32 *idx)
{
	struct config *cfg = r->cfg;
	struct config_hop *h;
	size_t i, j;

	for (i = 0; i < cfg->n_routes; i++) {
		for (j = 0; j < cfg->routes[i].n_hops; j++) {
			h = &cfg->hops[cfg->routes[i].first_hop + j];
			h->m.nh.ifindex = idx[h->dev];
			if (!idx[h->dev])
				problem(r, cfg->routes[i].line, "dev %s: no \"attach %s\" line",
					r->devs[h->dev], r->devs[h->dev]);
		}
	}
	for (i = 0; i < cfg->n_nhs; i++) {
		h = &cfg->hops[cfg->nhs[i].first_hop];
		if (cfg->nhs[i].flags & V4VIA6_NHDEF_GROUP)
			continue;
		h->m.nh.ifindex = idx[h->dev];
		if (!idx[h->dev])
			problem(r, cfg->nhs[i].line, "dev %s: no \"attach %s\" line",
				r->devs[h->dev], r->devs[h->dev]);
	}
}

/* Interfaces named without an attach line; duplicates (found by sorting). */
static void check_whole(struct reader *r)
{
	struct config *cfg = r->cfg;
	char s[ADDR_STR_LEN];
	__u32 *idx;
	size_t i;

	idx = resolve_devs(r);
	if (!idx)
		return;
	for (i = 0; i < cfg->n_routes; i++) {
		if (cfg->routes[i].dev == NO_DEV) /* throw: V4VIA6_IFINDEX_KERNEL */
			continue;
		cfg->routes[i].nh.ifindex = idx[cfg->routes[i].dev];
		if (!idx[cfg->routes[i].dev])
			problem(r, cfg->routes[i].line, "dev %s: no \"attach %s\" line",
				r->devs[cfg->routes[i].dev], r->devs[cfg->routes[i].dev]);
	}
	for (i = 0; i < cfg->n_neighs; i++) {
		cfg->neighs[i].key.ifindex = idx[cfg->neighs[i].dev];
		if (!idx[cfg->neighs[i].dev])
			problem(r, cfg->neighs[i].line, "dev %s: no \"attach %s\" line",
				r->devs[cfg->neighs[i].dev], r->devs[cfg->neighs[i].dev]);
	}
	resolve_hops(r, idx);
	free(idx);

	check_capacity(r);
	check_nhs(r);
	if (cfg->n_routes) /* qsort(NULL, 0) is undefined */
		qsort(cfg->routes, cfg->n_routes, sizeof(*cfg->routes), route_line_cmp);
	for (i = 1; i < cfg->n_routes; i++) {
		if (route_key_cmp(&cfg->routes[i].key, &cfg->routes[i - 1].key))
			continue;
		format_prefix(&cfg->routes[i].key, s, sizeof(s));
		problem(r, cfg->routes[i].line, "duplicate route %s (first on line %u)", s,
			cfg->routes[i - 1].line);
		/* a third copy names the first line too */
		cfg->routes[i].line = cfg->routes[i - 1].line;
	}
	if (cfg->n_neighs)
		qsort(cfg->neighs, cfg->n_neighs, sizeof(*cfg->neighs), neigh_line_cmp);
	for (i = 1; i < cfg->n_neighs; i++) {
		/* unresolved devices all have ifindex 0: already reported */
		if (!cfg->neighs[i].key.ifindex ||
		    neigh_key_cmp(&cfg->neighs[i].key, &cfg->neighs[i - 1].key))
			continue;
		format_ipv6(cfg->neighs[i].key.addr, s, sizeof(s));
		problem(r, cfg->neighs[i].line, "duplicate neigh %s dev %s (first on line %u)", s,
			r->devs[cfg->neighs[i].dev], cfg->neighs[i - 1].line);
		cfg->neighs[i].line = cfg->neighs[i - 1].line;
	}
}

/*
 * A statement, kept until the next line says whether it goes on: a route
 * whose next hops follow on lines that begin with white space and "nexthop",
 * as `ip route` prints a multipath route.
 */
struct pending {
	char *text;
	size_t len, cap;
	unsigned int line; /* 0: none */
	bool route; /* its first word is "route" */
};

/* The first word of text, and where it ends. */
static const char *first_word(const char *text, size_t *n)
{
	const char *p = text + strspn(text, " \t\r\n");

	*n = strcspn(p, " \t\r\n#");
	return p;
}

/* An indented line whose first word is "nexthop" (not an object's "nexthop id"). */
static bool is_continuation(const char *text)
{
	const char *w, *next;
	size_t n, m;

	if (text[0] != ' ' && text[0] != '\t')
		return false;
	w = first_word(text, &n);
	if (n != 7 || strncmp(w, "nexthop", 7))
		return false;
	next = first_word(w + n, &m);
	return !(m == 2 && !strncmp(next, "id", 2));
}

static void pending_flush(struct reader *r, struct pending *p)
{
	if (p->line)
		read_line(r, p->line, p->text, p->len);
	p->line = 0;
	p->len = 0;
}

/* Appends len bytes of text (a line, its newline made a space). */
static bool pending_add(struct reader *r, struct pending *p, const char *text, size_t len)
{
	char *t;

	if (p->len + len + 2 > p->cap) {
		t = realloc(p->text, p->len + len + 256);
		if (!t) {
			r->out_of_memory = true;
			return false;
		}
		p->text = t;
		p->cap = p->len + len + 256;
	}
	memcpy(p->text + p->len, text, len);
	p->len += len;
	if (p->len && p->text[p->len - 1] == '\n')
		p->text[p->len - 1] = ' ';
	p->text[p->len] = '\0';
	return true;
}

/* One line of the file: a statement, or the next hops of the route before it. */
static void take_line(struct reader *r, struct pending *p, unsigned int line, char *text,
		      size_t len)
{
	const char *w;
	size_t n;

	if (is_continuation(text)) {
		if (p->line && p->route) {
			pending_add(r, p, text, len);
			return;
		}
		pending_flush(r, p);
		problem(r, line, "nexthop: an indented next hop with no route line before it");
		return;
	}
	pending_flush(r, p);
	w = first_word(text, &n);
	/* only a route can go on: anything else is read at once, not copied */
	if (n != 5 || strncmp(w, "route", 5)) {
		read_line(r, line, text, len);
		return;
	}
	if (pending_add(r, p, text, len)) {
		p->line = line;
		p->route = true;
	}
}

static int problem_cmp(const void *a, const void *b)
{
	const struct problem *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

int config_read(const char *path, struct config *cfg)
{
	struct reader r = { .path = path, .cfg = cfg };
	struct pending pend = {};
	unsigned int line = 0;
	char *text = NULL;
	size_t cap = 0, i;
	ssize_t len;
	FILE *f;
	int err = 0;

	memset(cfg, 0, sizeof(*cfg));
	if (name_index_init(&r.dev_index) || name_index_init(&r.iface_index)) {
		err = -ENOMEM;
		pr_err("apply: %s: %s", path, strerror(-err));
		goto out_index;
	}
	f = strcmp(path, "-") ? fopen(path, "re") : stdin;
	if (!f) {
		err = -errno;
		pr_err("apply: %s: %s", path, strerror(-err));
		goto out_index;
	}
	errno = 0;
	while ((len = getline(&text, &cap, f)) >= 0 && !r.out_of_memory)
		take_line(&r, &pend, ++line, text, len);
	if (!r.out_of_memory)
		pending_flush(&r, &pend);
	free(pend.text);
	if (ferror(f))
		err = errno ? -errno : -EIO;
	free(text);
	if (f != stdin)
		fclose(f);
	if (!err && !r.out_of_memory)
		check_whole(&r);

	if (r.out_of_memory)
		err = -ENOMEM;
	if (err) {
		pr_err("apply: %s: %s", path, strerror(-err));
	} else if (r.n_problems) {
		qsort(r.problems, r.n_problems, sizeof(*r.problems), problem_cmp);
		for (i = 0; i < r.n_problems; i++)
			pr_err_line("%s:%u: %s", strcmp(path, "-") ? path : "<stdin>",
				    r.problems[i].line, r.problems[i].msg);
		err = -EINVAL;
	}
	for (i = 0; i < r.n_problems; i++)
		free(r.problems[i].msg);
	free(r.problems);
	free(r.devs);
out_index:
	free(r.dev_index.slot);
	free(r.iface_index.slot);
	if (err)
		config_free(cfg);
	return err;
}

void config_nh_def(const struct config *cfg, const struct config_nh *e, struct nh_def *def)
{
	__u32 i;

	memset(def, 0, sizeof(*def));
	def->n = e->n_hops;
	def->flags = e->flags;
	for (i = 0; i < e->n_hops && i < V4VIA6_NHGRP_MAX_SIZE; i++)
		def->m[i] = cfg->hops[e->first_hop + i].m;
}

void config_free(struct config *cfg)
{
	free(cfg->ifaces);
	free(cfg->routes);
	free(cfg->neighs);
	free(cfg->nhs);
	free(cfg->hops);
	memset(cfg, 0, sizeof(*cfg));
}
