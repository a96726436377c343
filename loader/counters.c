// SPDX-License-Identifier: GPL-2.0-only
/* Per-CPU counter maps summed over CPUs, named by their BTF (see counters.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "counters.h"

int counters_names(int map_fd, struct counter_names *cn)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info), off;
	const struct btf_member *m;
	const struct btf_type *t;
	struct btf *btf;
	int id, i, err = 0;

	memset(cn, 0, sizeof(*cn));
	if (bpf_obj_get_info_by_fd(map_fd, &info, &len))
		return -errno;
	if (!info.btf_id || !info.btf_value_type_id)
		return -ENODATA;
	btf = btf__load_from_kernel_by_id(info.btf_id);
	if (!btf)
		return -errno;
	id = btf__resolve_type(btf, info.btf_value_type_id);
	t = id < 0 ? NULL : btf__type_by_id(btf, id);
	if (!t || !btf_is_struct(t)) {
		err = -EINVAL;
		goto out;
	}
	cn->value_size = info.value_size;
	cn->max_entries = info.max_entries;
	m = btf_members(t);
	for (i = 0; i < btf_vlen(t) && cn->n < COUNTERS_MAX; i++, m++) {
		off = btf_member_bit_offset(t, i) / 8;
		/* every member of the counter structs is a __u64 counter */
		if (btf__resolve_size(btf, m->type) != sizeof(__u64) || off + 8 > info.value_size)
			continue;
		snprintf(cn->name[cn->n], COUNTER_NAME_SIZE, "%s",
			 btf__name_by_offset(btf, m->name_off));
		cn->off[cn->n++] = off;
	}
out:
	btf__free(btf);
	return err;
}

/* Adds the per-CPU values of one key (ncpus values of stride bytes) into out[cn->n]. */
static void sum_cpus(const struct counter_names *cn, const char *values, int ncpus, size_t stride,
		     __u64 *out)
{
	int cpu, i;
	__u64 v;

	for (i = 0; i < cn->n; i++) {
		out[i] = 0;
		for (cpu = 0; cpu < ncpus; cpu++) {
			memcpy(&v, values + (size_t)cpu * stride + cn->off[i], sizeof(v));
			out[i] += v;
		}
	}
}

int counters_read(int map_fd, const struct counter_names *cn, __u32 nkeys, __u64 *out)
{
	/* a per-CPU lookup returns one value per possible CPU, each 8-byte aligned */
	size_t stride = (cn->value_size + 7) & ~7UL, per_key;
	int ncpus = libbpf_num_possible_cpus();
	__u32 *keys = NULL, key, count, batch = 0;
	char *values = NULL;
	int err = 0;

	if (ncpus < 1)
		return ncpus ? ncpus : -EINVAL;
	per_key = stride * ncpus;
	values = malloc(per_key * (nkeys ? nkeys : 1));
	keys = malloc(sizeof(*keys) * (nkeys ? nkeys : 1));
	if (!values || !keys) {
		err = -ENOMEM;
		goto out;
	}
	/* an array's batch comes back in key order, from key 0 */
	count = nkeys;
	if (nkeys > 1 &&
	    (!bpf_map_lookup_batch(map_fd, NULL, &batch, keys, values, &count, NULL) ||
	     errno == ENOENT) && /* ENOENT: the batch reached the end of the map */
	    count == nkeys) {
		for (key = 0; key < nkeys; key++)
			sum_cpus(cn, values + key * per_key, ncpus, stride, out + key * cn->n);
		goto out;
	}
	/* no batch ops (or a short batch): one lookup per key */
	for (key = 0; key < nkeys; key++) {
		if (bpf_map_lookup_elem(map_fd, &key, values)) {
			err = -errno;
			goto out;
		}
		sum_cpus(cn, values, ncpus, stride, out + key * cn->n);
	}
out:
	free(values);
	free(keys);
	return err;
}
