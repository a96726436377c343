// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reading and checking the routing config file (see config.h). Built for a
 * million route lines: one pass over the file, interface names resolved once
 * per name, duplicates found by sorting rather than by searching.
 */
#include <limits.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "config.h"
#include "parse.h"

#define MAX_TOKENS 16

/* The device of a throw route, which names none. */
#define NO_DEV UINT_MAX

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

/* The index of a device name used by a route or neigh line. */
static int dev_id(struct reader *r, const char *name, unsigned int *id)
{
	void *p;
	size_t i;

	if (strlen(name) >= IF_NAMESIZE)
		return -ENAMETOOLONG;
	if (r->last_dev < r->n_devs && !strcmp(r->devs[r->last_dev], name)) {
		*id = r->last_dev;
		return 0;
	}
	for (i = 0; i < r->n_devs; i++)
		if (!strcmp(r->devs[i], name))
			break;
	if (i == r->n_devs) {
		p = grow(r->devs, &r->cap_devs, r->n_devs, sizeof(*r->devs), r);
		if (!p)
			return -ENOMEM;
		r->devs = p;
		strcpy(r->devs[r->n_devs++], name);
	}
	*id = r->last_dev = i;
	return 0;
}

static void read_attach(struct reader *r, unsigned int line, int argc, char **argv)
{
	struct config *cfg = r->cfg;
	enum xdp_attach_mode mode = XDP_MODE_UNSPEC;
	char err[PARSE_ERR_LEN];
	struct config_iface *ifc;
	__u32 ifindex;
	size_t i;

	if (argc != 2 && argc != 4) {
		problem(r, line, "expected \"attach IFACE [mode native|skb]\"");
		return;
	}
	if (argc == 4 && (strcmp(argv[2], "mode") || !parse_xdp_mode(argv[3], &mode))) {
		problem(r, line, "expected \"attach IFACE [mode native|skb]\"");
		return;
	}
	for (i = 0; i < cfg->n_ifaces; i++) {
		if (!strcmp(cfg->ifaces[i].name, argv[1])) {
			problem(r, line, "duplicate attach %s (first on line %u)", argv[1],
				cfg->ifaces[i].line);
			return;
		}
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

static void read_line(struct reader *r, unsigned int line, char *text)
{
	char *argv[MAX_TOKENS + 1], *save = NULL, *tok, *hash;
	int argc = 0;

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
	size_t i, j;

	if (!idx) {
		r->out_of_memory = true;
		return NULL;
	}
	for (i = 0; i < r->n_devs; i++)
		for (j = 0; j < r->cfg->n_ifaces; j++)
			if (!strcmp(r->devs[i], r->cfg->ifaces[j].name))
				idx[i] = r->cfg->ifaces[j].ifindex;
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
	struct reader r = {.path = path, .cfg = cfg};
	unsigned int line = 0;
	char *text = NULL;
	size_t cap = 0, i;
	FILE *f;
	int err = 0;

	memset(cfg, 0, sizeof(*cfg));
	f = strcmp(path, "-") ? fopen(path, "re") : stdin;
	if (!f) {
		err = -errno;
		pr_err("apply: %s: %s", path, strerror(-err));
		return err;
	}
	errno = 0;
	while (getline(&text, &cap, f) >= 0 && !r.out_of_memory)
		read_line(&r, ++line, text);
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
