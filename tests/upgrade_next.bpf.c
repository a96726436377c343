// SPDX-License-Identifier: GPL-2.0-only
/*
 * The v4via6 program built with the next map layout (this build's plus one),
 * for tests/test-upgrade.sh: an extra map, so that `v4via6 upgrade` must build
 * new maps from the pinned ones and swap them in. Loaded by the test through
 * V4VIA6_BPF_OBJ, with V4VIA6_BPF_LAYOUT set to this build's layout plus one.
 */
#include "v4via6.h"
enum { UPGRADE_NEXT_LAYOUT = V4VIA6_LAYOUT + 1 };
#undef V4VIA6_LAYOUT
#define V4VIA6_LAYOUT UPGRADE_NEXT_LAYOUT
#include "v4via6.bpf.c"

/* Unused by the program; its presence is the layout change. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} upgrade_test SEC(".maps");
