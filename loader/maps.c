// SPDX-License-Identifier: GPL-2.0-only
/* The table of the program's maps (see maps.h) as data, and the loops over it. */
#include <errno.h>
#include <stddef.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "array_size.h"
#include "log.h"
#include "maps.h"

#define MAP_DEF(name, flags) { #name, flags },
const struct v4via6_map_def v4via6_map_defs[] = { V4VIA6_MAPS(MAP_DEF) };
#undef MAP_DEF

const int v4via6_n_maps = ARRAY_SIZE(v4via6_map_defs);

#define MAP_OFFSET(name, flags) offsetof(struct v4via6_maps, name##_fd),
static const size_t map_offsets[] = { V4VIA6_MAPS(MAP_OFFSET) };
#undef MAP_OFFSET

int *maps_fd(struct v4via6_maps *m, int i)
{
	return (int *)((char *)m + map_offsets[i]);
}

void maps_init(struct v4via6_maps *m)
{
	int i;

	for (i = 0; i < v4via6_n_maps; i++)
		*maps_fd(m, i) = -1;
}

void maps_close(struct v4via6_maps *m)
{
	int i;

	for (i = 0; i < v4via6_n_maps; i++) {
		if (*maps_fd(m, i) >= 0)
			close(*maps_fd(m, i));
		*maps_fd(m, i) = -1;
	}
}

int maps_from_object(struct v4via6_maps *m, struct bpf_object *obj)
{
	struct bpf_map *map;
	int i;

	for (i = 0; i < v4via6_n_maps; i++) {
		map = bpf_object__find_map_by_name(obj, v4via6_map_defs[i].name);
		if (!map) {
			pr_err("map %s: not in the BPF object", v4via6_map_defs[i].name);
			return -ENOENT;
		}
		*maps_fd(m, i) = bpf_map__fd(map);
	}
	return 0;
}
