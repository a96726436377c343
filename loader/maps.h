/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The program's maps, named once. Each line of V4VIA6_MAPS is a map of
 * bpf/maps.h by its C name, which is also its name in the kernel and its
 * pin's name in the pin dir; state, upgrade, the tests and the benchmarks go
 * over this table, so a new map is one line in bpf/maps.h and one here.
 */
#ifndef V4VIA6_MAPS_H
#define V4VIA6_MAPS_H

/* What upgrade and state_open do with a map (flags of V4VIA6_MAPS). */
#define MAP_CARRIED  0x1 /* upgrade copies it into a new layout's maps */
#define MAP_REBUILT  0x2 /* upgrade rebuilds it from routes (loader/fib24.c) */
#define MAP_OPTIONAL 0x4 /* a pin dir of an older build, still running, may lack it; carried if there */

/* X(name, flags), in the order state_open opens the pins. */
#define V4VIA6_MAPS(X)           \
	X(routes, MAP_CARRIED)   \
	X(neighs, MAP_CARRIED)   \
	X(egress, MAP_CARRIED)   \
	X(tx_ports, MAP_CARRIED) \
	X(stats, MAP_CARRIED)    \
	X(tbl24, MAP_REBUILT)    \
	X(tbl8, MAP_REBUILT)     \
	X(tbl8_owners, MAP_REBUILT) \
	X(nexthops, MAP_REBUILT) \
	X(if_stats, MAP_OPTIONAL) /* counters per interface start from zero after an upgrade */ \
	X(nh_stats, 0) /* per nexthop object: start from zero, as the objects are rebuilt */ \
	X(nh_groups, MAP_REBUILT) \
	X(hash_seed, MAP_CARRIED | MAP_OPTIONAL) /* random, set at creation (state.c) */ \
	X(nh_defs, MAP_CARRIED | MAP_OPTIONAL) \
	X(links_down, MAP_CARRIED | MAP_OPTIONAL)

#define V4VIA6_MAP_FD_FIELD(name, flags) int name##_fd;

/* One fd per map, -1 where not open. */
struct v4via6_maps {
	V4VIA6_MAPS(V4VIA6_MAP_FD_FIELD)
};

/*
 * The maps as a member of a struct: s.maps for what goes over every map, and
 * the same fds by name (s.routes_fd) for what uses one.
 */
#define V4VIA6_MAPS_MEMBER                               \
	union {                                          \
		struct v4via6_maps maps;                 \
		struct {                                 \
			V4VIA6_MAPS(V4VIA6_MAP_FD_FIELD) \
		};                                       \
	}

struct v4via6_map_def {
	const char *name;
	unsigned int flags;
};

/* V4VIA6_MAPS as data: v4via6_map_defs[i] is the map of maps_fd(m, i). */
extern const struct v4via6_map_def v4via6_map_defs[];
extern const int v4via6_n_maps;

/* The fd of map i of m. */
int *maps_fd(struct v4via6_maps *m, int i);
/* Every fd -1. */
void maps_init(struct v4via6_maps *m);
/* Closes what is open; every fd -1. */
void maps_close(struct v4via6_maps *m);

/*
 * The fds of a loaded object's maps (not dup'ed: the object owns them).
 * -ENOENT, naming the map, when one is missing.
 */
struct bpf_object;
int maps_from_object(struct v4via6_maps *m, struct bpf_object *obj);

#endif /* V4VIA6_MAPS_H */
