// SPDX-License-Identifier: GPL-2.0-only
/*
 * The config file reader (config.c) on arbitrary files. Round trip: a file
 * that reads, written back as statements (routes as `route show` prints
 * them) and read again, gives the same config. Interface names resolve in
 * the fuzzer's own network namespace: `lo` is the one a seed can count on.
 */
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "config.h"
#include "parse.h"

static int fd = -1;
static char path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	/* a file in memory, read by config_read through its /proc path */
	fd = memfd_create("v4via6-fuzz-config", 0);
	if (fd < 0) {
		perror("memfd_create");
		exit(1);
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return 0;
}

static int load(const void *text, size_t size, struct config *cfg)
{
	if (ftruncate(fd, 0) || pwrite(fd, text, size, 0) != (ssize_t)size)
		abort();
	return config_read(path, cfg);
}

static const char *iface_of(const struct config *cfg, __u32 ifindex)
{
	size_t i;

	for (i = 0; i < cfg->n_ifaces; i++)
		if (cfg->ifaces[i].ifindex == ifindex)
			return cfg->ifaces[i].name;
	FUZZ_ASSERT(0, "ifindex %u has no attach line", ifindex);
	return NULL;
}

/* The config as a file: what config_read must read back to the same config. */
static char *format_config(const struct config *cfg, size_t *size)
{
	char pfx[ADDR_STR_LEN], addr[ADDR_STR_LEN], mac[MAC_STR_LEN];
	char *buf = NULL;
	FILE *f = open_memstream(&buf, size);
	size_t i;

	for (i = 0; i < cfg->n_ifaces; i++)
		fprintf(f, "attach %s%s\n", cfg->ifaces[i].name,
			cfg->ifaces[i].mode == XDP_MODE_SKB    ? " mode skb" :
			cfg->ifaces[i].mode == XDP_MODE_NATIVE ? " mode native" :
								 "");
	for (i = 0; i < cfg->n_routes; i++) {
		const struct config_route *r = &cfg->routes[i];

		format_prefix(&r->key, pfx, sizeof(pfx));
		if (r->nh.ifindex == V4VIA6_IFINDEX_KERNEL) {
			fprintf(f, "route throw %s\n", pfx);
			continue;
		}
		format_ipv6(r->nh.addr, addr, sizeof(addr));
		fprintf(f, "route %s via inet6 %s dev %s\n", pfx, addr,
			iface_of(cfg, r->nh.ifindex));
	}
	for (i = 0; i < cfg->n_neighs; i++) {
		const struct config_neigh *n = &cfg->neighs[i];

		format_ipv6(n->key.addr, addr, sizeof(addr));
		format_mac(n->val.mac, mac, sizeof(mac));
		fprintf(f, "neigh %s lladdr %s dev %s\n", addr, mac, iface_of(cfg, n->key.ifindex));
	}
	fclose(f);
	return buf;
}

static void same_config(const struct config *a, const struct config *b)
{
	size_t i;

	FUZZ_ASSERT(a->n_ifaces == b->n_ifaces && a->n_routes == b->n_routes &&
			    a->n_neighs == b->n_neighs,
		    "counts %zu/%zu/%zu, read back %zu/%zu/%zu", a->n_ifaces, a->n_routes,
		    a->n_neighs, b->n_ifaces, b->n_routes, b->n_neighs);
	for (i = 0; i < a->n_ifaces; i++)
		FUZZ_ASSERT(!strcmp(a->ifaces[i].name, b->ifaces[i].name) &&
				    a->ifaces[i].ifindex == b->ifaces[i].ifindex &&
				    a->ifaces[i].mode == b->ifaces[i].mode,
			    "attach %zu", i);
	for (i = 0; i < a->n_routes; i++)
		FUZZ_ASSERT(!memcmp(&a->routes[i].key, &b->routes[i].key,
				    sizeof(a->routes[i].key)) &&
				    !memcmp(&a->routes[i].nh, &b->routes[i].nh,
					    sizeof(a->routes[i].nh)),
			    "route %zu", i);
	for (i = 0; i < a->n_neighs; i++)
		FUZZ_ASSERT(!memcmp(&a->neighs[i].key, &b->neighs[i].key,
				    sizeof(a->neighs[i].key)) &&
				    !memcmp(&a->neighs[i].val, &b->neighs[i].val,
					    sizeof(a->neighs[i].val)),
			    "neigh %zu", i);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config cfg, again;
	size_t i, len;
	char *text;
	int rc;

	rc = load(data, size, &cfg);
	FUZZ_ASSERT(rc == 0 || rc == -EINVAL, "config_read returned %d", rc);
	if (rc)
		return 0;
	/* sorted, as apply's merge needs */
	for (i = 1; i < cfg.n_routes; i++)
		FUZZ_ASSERT(route_key_cmp(&cfg.routes[i - 1].key, &cfg.routes[i].key) < 0,
			    "routes not sorted or duplicate at %zu", i);
	/* nexthop objects and routes through them are not written back (test_parse covers them) */
	for (i = 0; i < cfg.n_routes; i++)
		if (cfg.routes[i].nh.ifindex == V4VIA6_IFINDEX_GROUP)
			break;
	if (cfg.n_nhs || i < cfg.n_routes) {
		config_free(&cfg);
		return 0;
	}
	text = format_config(&cfg, &len);
	rc = load(text, len, &again);
	FUZZ_ASSERT(rc == 0, "the config written back does not read (%d):\n%s", rc, text);
	same_config(&cfg, &again);
	config_free(&again);
	config_free(&cfg);
	free(text);
	return 0;
}
