// SPDX-License-Identifier: GPL-2.0-only
/* Local entries: the router's own and broadcast addresses in the routes map; see local.h. */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <bpf/bpf.h>

#include "cmd.h"
#include "common.h"
#include "config.h"
#include "local.h"
#include "sync/nl_parse.h"
#include "parse.h"
#include "sync/sync_status.h"

/* A dump the kernel flags inconsistent (the table changed meanwhile) is read again. */
#define DUMP_TRIES 5

static int set_add(struct local_set *ls, const struct route_key *key)
{
	struct route_key *k;
	size_t cap;

	if (ls->n == ls->cap) {
		cap = ls->cap ? ls->cap * 2 : 16;
		k = realloc(ls->keys, cap * sizeof(*k));
		if (!k)
			return -ENOMEM;
		ls->keys = k;
		ls->cap = cap;
	}
	ls->keys[ls->n++] = *key;
	return 0;
}

static int key_cmp(const void *a, const void *b)
{
	return route_key_cmp(a, b);
}

/* Sorts and drops duplicates (one address on two interfaces has two local routes). */
static void set_sort(struct local_set *ls)
{
	size_t i, j = 0;

	if (!ls->n)
		return;
	qsort(ls->keys, ls->n, sizeof(*ls->keys), key_cmp);
	for (i = 1; i < ls->n; i++)
		if (route_key_cmp(&ls->keys[i], &ls->keys[j]))
			ls->keys[++j] = ls->keys[i];
	ls->n = j + 1;
}

bool local_has(const struct local_set *ls, const struct route_key *key)
{
	return ls->n && bsearch(key, ls->keys, ls->n, sizeof(*ls->keys), key_cmp);
}

void local_free(struct local_set *ls)
{
	free(ls->keys);
	memset(ls, 0, sizeof(*ls));
}

static int on_route(const struct nlmsghdr *nlh, void *arg)
{
	struct route_key key;
	struct nl_route r;
	__u32 mask;

	if (nl_parse_route(nlh, &r) || r.cloned || r.table != RT_TABLE_LOCAL)
		return MNL_CB_OK;
	/* the types sync counts as local too, so that both make the same entries */
	if (r.type != RTN_LOCAL && r.type != RTN_BROADCAST && r.type != RTN_ANYCAST &&
	    r.type != RTN_MULTICAST)
		return MNL_CB_OK;
	if (r.dst_len >= 8 && (ntohl(r.dst) >> 24) == 127)
		return MNL_CB_OK;
	mask = r.dst_len ? ~0U << (32 - r.dst_len) : 0;
	key.prefixlen = r.dst_len;
	key.addr = htonl(ntohl(r.dst) & mask);
	if (set_add(arg, &key)) {
		errno = ENOMEM;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

/*
 * One dump of table 255 alone. nl_dump (sync's) asks for every IPv4 route of
 * every table: with a full Internet table in the kernel, that took 1.4 s per
 * command at 300,000 routes. With NETLINK_GET_STRICT_CHK (Linux 4.20) the
 * kernel honours rtm_table and dumps the local table only; an older kernel
 * ignores it and on_route() filters. Returns 0, -EINTR when the table changed
 * during the dump (libmnl's report of NLM_F_DUMP_INTR: dump again), or -errno.
 */
static int dump_local_table(struct local_set *ls)
{
	char req[MNL_SOCKET_BUFFER_SIZE];
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	unsigned int seq = time(NULL), portid;
	size_t buf_len = 64 * 1024;
	char *buf = malloc(buf_len);
	int one = 1, ret, err = 0;
	ssize_t n;

	nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!buf || !nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = buf ? -errno : -ENOMEM;
		goto out;
	}
	portid = mnl_socket_get_portid(nl);
	mnl_socket_setsockopt(nl, NETLINK_GET_STRICT_CHK, &one, sizeof(one));
	nlh = mnl_nlmsg_put_header(req);
	nlh->nlmsg_type = RTM_GETROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = AF_INET;
	rtm->rtm_table = RT_TABLE_LOCAL;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		err = -errno;
		goto out;
	}
	do {
		n = mnl_socket_recvfrom(nl, buf, buf_len);
		if (n < 0) {
			err = -errno;
			goto out;
		}
		ret = mnl_cb_run(buf, n, seq, portid, on_route, ls);
	} while (ret > MNL_CB_STOP);
	if (ret < 0)
		err = errno ? -errno : -EIO;
out:
	if (nl)
		mnl_socket_close(nl);
	free(buf);
	return err;
}

int local_read(struct local_set *ls)
{
	int err, tries;

	memset(ls, 0, sizeof(*ls));
	for (tries = 0; tries < DUMP_TRIES; tries++) {
		ls->n = 0;
		err = dump_local_table(ls);
		if (err != -EINTR)
			break;
	}
	if (err) {
		local_free(ls);
		return err;
	}
	set_sort(ls);
	ls->read = true;
	return 0;
}

/* The list of the keys written: /run/v4via6/PIN.local, named like sync's status file. */
static int list_path(const char *pin_dir, char *buf, size_t len)
{
	char *dot;
	int err = sync_status_path(pin_dir, buf, len - sizeof(".local"));

	if (err)
		return err;
	dot = strrchr(buf, '.');
	strcpy(dot ? dot : buf + strlen(buf), ".local");
	return 0;
}

/* Adds the keys of the list file to ls; a missing file is an empty list. */
static int list_read(const char *path, struct local_set *ls)
{
	char line[128], err[PARSE_ERR_LEN];
	struct route_key key;
	FILE *f;
	int rc = 0;

	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	while (!rc && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (!parse_prefix(line, &key, err, sizeof(err)))
			rc = set_add(ls, &key);
	}
	fclose(f);
	return rc;
}

/* Replaces the list file, whole or not at all. */
static int list_write(const char *path, const struct route_key *keys, size_t n)
{
	char tmp[PATH_MAX + 8], pfx[ADDR_STR_LEN];
	FILE *f;
	size_t i;

	if (mkdir(SYNC_STATUS_DIR, 0755) && errno != EEXIST)
		return -errno;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	for (i = 0; i < n; i++) {
		format_prefix(&keys[i], pfx, sizeof(pfx));
		fprintf(f, "%s\n", pfx);
	}
	if (fclose(f) || rename(tmp, path)) {
		unlink(tmp);
		return -errno;
	}
	return 0;
}

void local_forget(const char *pin_dir)
{
	char path[PATH_MAX];

	if (!list_path(pin_dir, path, sizeof(path)))
		unlink(path);
}

/* The route at exactly this prefix (a trie lookup is a longest-prefix match). */
static bool exact(struct fib24 *fib, const struct route_key *key, struct route *r)
{
	return !bpf_map_lookup_elem(fib->routes_fd, key, r) && r->prefixlen == key->prefixlen;
}

/* Gives one local prefix its entry, unless a throw is there already. */
static int ensure_entry(struct fib24 *fib, const struct route_key *key)
{
	char pfx[ADDR_STR_LEN], via[ADDR_STR_LEN], dev[IF_NAMESIZE];
	struct route r, val = { .prefixlen = key->prefixlen, .flags = V4VIA6_ROUTE_LOCAL };
	int err;

	format_prefix(key, pfx, sizeof(pfx));
	if (exact(fib, key, &r)) {
		if (route_is_local(&r) || r.nh.ifindex == V4VIA6_IFINDEX_KERNEL)
			return 0;
		format_ipv6(r.nh.addr, via, sizeof(via));
		if (r.nh.ifindex == V4VIA6_IFINDEX_GROUP) { /* by nexthop id, or multipath */
			struct nh_key k;

			memcpy(&k, r.nh.addr, sizeof(k));
			snprintf(via, sizeof(via),
				 k.kind == V4VIA6_NH_NAMED ? "nhid %u" :
							     "with next hops of its own",
				 k.id);
		} else {
			snprintf(via + strlen(via), sizeof(via) - strlen(via), " dev %s",
				 ifname_of(r.nh.ifindex, dev));
		}
		fprintf(stderr,
			"v4via6: %s: warning: %s is a local address of this router: its route %s%s "
			"gives way to a local entry (the kernel delivers its packets)\n",
			cmd_name(), pfx, r.nh.ifindex == V4VIA6_IFINDEX_GROUP ? "" : "via inet6 ",
			via);
	}
	/* through fib24, which keeps tbl24 right; then the flag, on the same throw value */
	err = fib24_update(fib, key, &val.nh, BPF_ANY);
	if (!err && bpf_map_update_elem(fib->routes_fd, key, &val, BPF_EXIST))
		err = -errno;
	if (err)
		pr_err("%s: local entry %s: %s", cmd_name(), pfx, strerror(-err));
	return err;
}

/* Deletes the entry at key if it is a local entry; 0 when there is none. */
static int drop_entry(struct fib24 *fib, const struct route_key *key)
{
	char pfx[ADDR_STR_LEN];
	struct route r;
	int err;

	if (!exact(fib, key, &r) || !route_is_local(&r))
		return 0;
	err = fib24_delete(fib, key);
	if (!err || err == -ENOENT)
		return 0;
	format_prefix(key, pfx, sizeof(pfx));
	pr_err("%s: removing the local entry %s: %s", cmd_name(), pfx, strerror(-err));
	return err;
}

int local_update(struct fib24 *fib, const char *pin_dir, const struct local_set *ls,
		 const struct route_entry *seen, size_t n_seen)
{
	struct local_set old = {}, keep = {};
	char path[PATH_MAX] = "";
	size_t i;
	int err, e, lerr; /* lerr: the list file's error, which only warns */

	err = fib24_lock(fib);
	if (err) {
		pr_err("%s: locking %s: %s", cmd_name(), pin_dir, strerror(-err));
		return err;
	}
	lerr = list_path(pin_dir, path, sizeof(path));
	if (!lerr)
		lerr = list_read(path, &old);
	for (i = 0; !err && i < n_seen; i++)
		if (route_is_local(&seen[i].val))
			err = set_add(&old, &seen[i].key);
	if (err)
		goto out;
	set_sort(&old);

	/* keys to be written are listed first: a writer killed half-way leaves no stray entry */
	for (i = 0; i < ls->n && local_has(&old, &ls->keys[i]); i++)
		;
	if (!lerr && i < ls->n) {
		for (i = 0; !lerr && i < old.n; i++)
			lerr = set_add(&keep, &old.keys[i]);
		for (i = 0; !lerr && i < ls->n; i++)
			lerr = set_add(&keep, &ls->keys[i]);
		if (!lerr)
			lerr = list_write(path, keep.keys, keep.n);
		local_free(&keep);
	}
	for (i = 0; i < ls->n; i++) {
		e = ensure_entry(fib, &ls->keys[i]);
		err = err ?: e;
	}

	/* entries of addresses gone; what cannot be deleted stays listed, for the next run */
	for (i = 0; !lerr && i < ls->n; i++)
		lerr = set_add(&keep, &ls->keys[i]);
	for (i = 0; i < old.n; i++) {
		if (local_has(ls, &old.keys[i]))
			continue;
		e = drop_entry(fib, &old.keys[i]);
		if (e && set_add(&keep, &old.keys[i]))
			lerr = lerr ?: -ENOMEM;
		err = err ?: e;
	}
	if (!lerr &&
	    (old.n != keep.n || (old.n && memcmp(old.keys, keep.keys, old.n * sizeof(*old.keys)))))
		lerr = list_write(path, keep.keys, keep.n);
	if (lerr)
		fprintf(stderr,
			"v4via6: %s: warning: %s: %s (local entries of removed addresses are then "
			"found only by apply and route check)\n",
			cmd_name(), path, strerror(-lerr));
out:
	if (err == -ENOMEM)
		pr_err("%s: %s", cmd_name(), strerror(ENOMEM));
	local_free(&old);
	local_free(&keep);
	fib24_unlock(fib);
	return err;
}

int local_begin(struct fib24 *fib, struct local_set *ls)
{
	int err = fib24_lock(fib);

	memset(ls, 0, sizeof(*ls));
	if (err) {
		pr_err("%s: locking the routes: %s", cmd_name(), strerror(-err));
		return err;
	}
	err = local_read(ls);
	if (err) {
		pr_err("%s: reading the kernel's local table: %s", cmd_name(), strerror(-err));
		fib24_unlock(fib);
	}
	return err;
}

int local_end(struct fib24 *fib, const char *pin_dir, struct local_set *ls, int err)
{
	int e = local_update(fib, pin_dir, ls, NULL, 0);

	fib24_unlock(fib);
	local_free(ls);
	return err ?: e;
}

int local_before(struct fib24 *fib, const struct route_key *key, struct local_set *ls)
{
	int err = fib24_lock(fib);

	memset(ls, 0, sizeof(*ls));
	if (err) {
		pr_err("%s: locking the routes: %s", cmd_name(), strerror(-err));
		return err;
	}
	if (!local_entry_at(fib, key))
		return 0;
	err = local_read(ls);
	if (err) {
		pr_err("%s: reading the kernel's local table: %s", cmd_name(), strerror(-err));
		fib24_unlock(fib);
	}
	return err;
}

int local_after(struct fib24 *fib, const char *pin_dir, struct local_set *ls)
{
	int err = ls->read ? 0 : local_read(ls);

	if (err) {
		pr_err("%s: reading the kernel's local table: %s", cmd_name(), strerror(-err));
		fib24_unlock(fib);
		return err;
	}
	return local_end(fib, pin_dir, ls, 0);
}

int local_refresh(struct fib24 *fib, const char *pin_dir)
{
	struct local_set ls;
	int err = local_begin(fib, &ls);

	return err ?: local_end(fib, pin_dir, &ls, 0);
}

bool local_entry_at(struct fib24 *fib, const struct route_key *key)
{
	struct route r;

	return exact(fib, key, &r) && route_is_local(&r);
}

bool local_refuses(const struct local_set *ls, const struct route_key *key,
		   const struct nexthop *nh)
{
	char pfx[ADDR_STR_LEN];

	if (nh->ifindex == V4VIA6_IFINDEX_KERNEL || !local_has(ls, key))
		return false;
	format_prefix(key, pfx, sizeof(pfx));
	pr_err("%s: %s: a local address of this router: the kernel delivers its packets, XDP must "
	       "not forward them (v4via6 route show local)",
	       cmd_name(), pfx);
	return true;
}

void local_skip_config(const struct local_set *ls, struct config *cfg, const char *path)
{
	char pfx[ADDR_STR_LEN];
	size_t i, j = 0;

	for (i = 0; i < cfg->n_routes; i++) {
		const struct config_route *r = &cfg->routes[i];

		if (r->nh.ifindex == V4VIA6_IFINDEX_KERNEL || !local_has(ls, &r->key)) {
			cfg->routes[j++] = *r;
			continue;
		}
		format_prefix(&r->key, pfx, sizeof(pfx));
		fprintf(stderr,
			"%s:%u: warning: %s is a local address of this router: the kernel delivers "
			"its packets; route not installed\n",
			strcmp(path, "-") ? path : "<stdin>", r->line, pfx);
	}
	cfg->n_routes = j;
}

size_t local_split(struct fib24 *fib, const struct local_set *ls, struct route_entry *e, size_t n)
{
	size_t i, j = 0;

	for (i = 0; i < n; i++) {
		if (!route_is_local(&e[i].val))
			e[j++] = e[i];
		else if (!local_has(ls, &e[i].key))
			drop_entry(fib, &e[i].key);
	}
	return j;
}
