/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Local entries: the router's own and broadcast addresses in the routes map.
 *
 * The kernel delivers a packet locally when its destination matches a route
 * of its local table (table 255: a `local` route for each of the router's
 * IPv4 addresses, a `broadcast` route for each subnet's broadcast address),
 * whatever its other tables say. v4via6's routes know nothing of that: a
 * `route add default ...` would forward the router's own traffic in XDP. So
 * every command that writes routes or attaches first reads the kernel's local
 * table and gives each such prefix an entry that sends it to the kernel: a
 * throw route flagged V4VIA6_ROUTE_LOCAL (a "local entry"), unless a throw is
 * there already (the operator's, or sync's, which mirrors the local table
 * itself). A route with a next hop at that exact prefix gives way to the local
 * entry, with a warning: the kernel would deliver those packets anyway.
 *
 * Local entries of addresses that are gone are deleted at the next refresh. A
 * full map scan would find them, but costs seconds at a million routes, which
 * `route add` must not pay; so the keys written are also listed in a small
 * file next to sync's status (/run/v4via6/PIN.local), and apply and route
 * check, which read every route anyway, catch what that list missed.
 */
#ifndef V4VIA6_LOCAL_H
#define V4VIA6_LOCAL_H

#include <stdbool.h>
#include <stddef.h>

#include "v4via6.h"
#include "dump.h"
#include "fib24.h"

/* The prefixes the kernel delivers locally, sorted by route_key_cmp. */
struct local_set {
	struct route_key *keys;
	size_t n, cap;
	bool read; /* filled from the kernel (local_read) */
};

static inline bool route_is_local(const struct route *r)
{
	return r->flags & V4VIA6_ROUTE_LOCAL;
}

/*
 * Reads the kernel's local table (IPv4 `local` and `broadcast` routes, table
 * 255) over rtnetlink; loopback (127/8) is left out: the program passes it as
 * a martian. Returns 0 or -errno.
 */
int local_read(struct local_set *ls);
void local_free(struct local_set *ls);
bool local_has(const struct local_set *ls, const struct route_key *key);

/*
 * Takes the writers' lock (fib24_lock) and reads the local table: what a
 * command that writes routes does first. Prints its errors with cmd_name() in
 * front. Returns 0 or -errno (nothing held then).
 */
int local_begin(struct fib24 *fib, struct local_set *ls);

/*
 * Makes the map's local entries equal to ls (see above). seen, when not NULL,
 * is a dump of the whole map taken under the same lock: its local entries are
 * checked too, not only those of the list file. Warnings and errors go to
 * stderr with cmd_name() in front. Returns 0 or -errno.
 */
int local_update(struct fib24 *fib, const char *pin_dir, const struct local_set *ls,
		 const struct route_entry *seen, size_t n_seen);

/* local_update, then releases the lock and frees ls. Returns err, or local_update's error. */
int local_end(struct fib24 *fib, const char *pin_dir, struct local_set *ls, int err);

/*
 * For route add|replace|del of one prefix: takes the writers' lock and, only
 * when a local entry is at key, reads the local table at once, to tell whether
 * that address is still the router's. Otherwise local_after() reads it after
 * the route is written: a route change never waits for the dump, which walks
 * the kernel's whole FIB while its local and main tables are merged (no ip
 * rules): 70 ms at 300,000 kernel routes here. Returns 0 or -errno (printed;
 * nothing held then).
 */
int local_before(struct fib24 *fib, const struct route_key *key, struct local_set *ls);
/* Reads the local table if local_before did not, then as local_end. */
int local_after(struct fib24 *fib, const char *pin_dir, struct local_set *ls);

/* local_begin + local_end, for commands that only need the entries right (attach). */
int local_refresh(struct fib24 *fib, const char *pin_dir);

/* True when the entry at exactly this prefix is a local entry. */
bool local_entry_at(struct fib24 *fib, const struct route_key *key);

/* detach --all: the list of local entries goes with the pins. */
void local_forget(const char *pin_dir);

/*
 * True, with an error printed, when a route with a next hop is asked for at a
 * local prefix: the kernel delivers its packets, so XDP must not forward them.
 */
bool local_refuses(const struct local_set *ls, const struct route_key *key,
		   const struct nexthop *nh);

/*
 * apply: drops the file's routes with a next hop at a local prefix, each with
 * a warning "PATH:LINE: ..." (the file stays valid: an address may come and go).
 */
struct config;
void local_skip_config(const struct local_set *ls, struct config *cfg, const char *path);

/*
 * Drops the local entries from a sorted dump (kept sorted); returns the new
 * count. Those whose prefix is no longer in ls are deleted from the map.
 */
size_t local_split(struct fib24 *fib, const struct local_set *ls, struct route_entry *e, size_t n);

#endif /* V4VIA6_LOCAL_H */
