// SPDX-License-Identifier: GPL-2.0-only
/*
 * v4via6 stats: the forwarding counters summed over CPUs. Their names and
 * offsets come from the stats map's BTF, so struct fwd_stats in
 * include/v4via6.h stays the one place that names them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "v4via6.h"
#include "cmd.h"
#include "commands.h"
#include "common.h"
#include "json.h"

const char stats_usage[] =
    "Usage: v4via6 stats\n"
    "  The forwarding counters (struct fwd_stats), summed over CPUs.\n";

/* The value type of the map, with typedefs and qualifiers removed. */
static const struct btf_type *value_type(int map_fd, struct btf **btf, __u32 *value_size)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	const struct btf_type *t;
	int id;

	if (bpf_obj_get_info_by_fd(map_fd, &info, &len))
		return NULL;
	if (!info.btf_id || !info.btf_value_type_id) {
		errno = ENODATA;
		return NULL;
	}
	*btf = btf__load_from_kernel_by_id(info.btf_id);
	if (!*btf)
		return NULL;
	*value_size = info.value_size;
	id = btf__resolve_type(*btf, info.btf_value_type_id);
	t = id < 0 ? NULL : btf__type_by_id(*btf, id);
	if (!t || !btf_is_struct(t)) {
		btf__free(*btf);
		*btf = NULL;
		errno = EINVAL;
		return NULL;
	}
	return t;
}

int do_stats(int argc, char **argv)
{
	const struct btf_member *m;
	const struct btf_type *t;
	struct v4via6_state st;
	struct btf *btf = NULL;
	__u32 key = V4VIA6_STATS_KEY, value_size = 0, stride;
	unsigned long long sum;
	int ncpus, i, cpu, rc = EXIT_FAIL;
	char *values = NULL;
	__u32 off;

	if (open_state(&st, false))
		return EXIT_FAIL;
	t = value_type(st.stats_fd, &btf, &value_size);
	if (!t) {
		pr_err("stats: reading the counters' BTF: %s", strerror(errno));
		goto out;
	}
	ncpus = libbpf_num_possible_cpus();
	if (ncpus < 1) {
		pr_err("stats: counting CPUs: %s", strerror(-ncpus));
		goto out;
	}
	/* a per-CPU lookup returns one value per possible CPU, each 8-byte aligned */
	stride = (value_size + 7) & ~7U;
	values = calloc(ncpus, stride);
	if (!values) {
		pr_err("stats: %s", strerror(ENOMEM));
		goto out;
	}
	if (bpf_map_lookup_elem(st.stats_fd, &key, values)) {
		pr_err("stats: reading counters: %s", strerror(errno));
		goto out;
	}
	if (json_output)
		json_object_start();
	m = btf_members(t);
	for (i = 0; i < btf_vlen(t); i++, m++) {
		off = btf_member_bit_offset(t, i) / 8;
		/* every member of struct fwd_stats is a __u64 counter */
		if (btf__resolve_size(btf, m->type) != sizeof(__u64) || off + 8 > value_size)
			continue;
		sum = 0;
		for (cpu = 0; cpu < ncpus; cpu++) {
			__u64 v;

			memcpy(&v, values + (size_t)cpu * stride + off, sizeof(v));
			sum += v;
		}
		if (json_output)
			json_kv_uint(btf__name_by_offset(btf, m->name_off), sum);
		else
			printf("%s %llu\n", btf__name_by_offset(btf, m->name_off), sum);
	}
	if (json_output)
		json_object_end();
	rc = EXIT_OK;
out:
	free(values);
	btf__free(btf);
	state_close(&st);
	return rc;
}
