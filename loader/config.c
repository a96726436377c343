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
#include "parse.h"

#define MAX_TOKENS 16

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
	size_t cap_routes, cap_neighs, cap_ifaces;
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

static void read_route(struct reader *r, unsigned int line, int argc, char **argv)
{
	struct config *cfg = r->cfg;
	char err[PARSE_ERR_LEN];
	struct config_route *e;
	struct route_spec spec;
	unsigned int dev;

	if (parse_route_args(argc - 1, argv + 1, true, &spec, err, sizeof(err))) {
		problem(r, line, "%s", err);
		return;
	}
	if (spec.throw_) {
		dev = NO_DEV;
	} else if (dev_id(r, spec.dev, &dev)) {
		problem(r, line, "dev %s: not an interface name", spec.dev);
		return;
	}
	e = grow(cfg->routes, &r->cap_routes, cfg->n_routes, sizeof(*e), r);
	if (!e)
		return;
	cfg->routes = e;
	e += cfg->n_routes++;
	memset(e, 0, sizeof(*e));
	e->key = spec.key;
	memcpy(e->nh.addr, spec.via, sizeof(e->nh.addr));
	e->line = line;
	e->dev = dev;
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
	else
		problem(r, line, "%s: unknown statement (attach, route or neigh)", argv[0]);
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

/* Usable nexthops slots: slot 0 is never used (it holds the tables' state). */
#define MAX_SLOTS (V4VIA6_MAX_NEXTHOPS - 1)

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
 * The distinct next hops of the routes (each takes a nexthop object, a
 * nexthops slot), beyond the slots there are: the line that brings the first
 * one too many, or 0.
 */
static unsigned int slots_overflow(struct reader *r)
{
	const struct config *cfg = r->cfg;
	size_t i, n = cfg->n_routes;
	struct hop_line *h;

	if (n <= MAX_SLOTS)
		return 0;
	h = malloc(n * sizeof(*h));
	for (i = 0; h && i < n; i++) {
		h[i].nh = cfg->routes[i].nh;
		h[i].line = cfg->routes[i].line;
	}
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
			"too many distinct next hops: the nexthops map holds %u", MAX_SLOTS);
	line = blocks_overflow(r);
	if (line)
		problem(r, line,
			"too many /24s with routes longer than /24: the tbl8 pool holds %u blocks",
			V4VIA6_TBL8_GROUPS);
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
	free(idx);

	check_capacity(r);
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
		read_line(&r, ++line, text, len);
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

void config_free(struct config *cfg)
{
	free(cfg->ifaces);
	free(cfg->routes);
	free(cfg->neighs);
	memset(cfg, 0, sizeof(*cfg));
}
