// SPDX-License-Identifier: GPL-2.0-only
/* Map entry counts from cheap sources (see mapcount.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "v4via6.h"
#include "mapcount.h"

/* The map's memlock line in /proc/self/fdinfo: its memory use as the kernel reports it. */
static long long memlock_of(int fd)
{
	char path[64], line[128];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %lld", &v) == 1)
			break;
	fclose(f);
	return v;
}

/*
 * A scratch trie with the routes map's key and value sizes: its memlock empty
 * (base) and with one entry (base + entry). -1 each when the kernel's figure
 * does not move with the entries.
 */
static void calibrate(__u32 key_size, __u32 value_size, long long *base, long long *entry)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_NO_PREALLOC);
	char key[64] = { 0 }, value[256] = { 0 };
	long long m0, m1;
	int fd;

	*base = *entry = -1;
	if (key_size > sizeof(key) || value_size > sizeof(value) || key_size < 5)
		return;
	fd = bpf_map_create(BPF_MAP_TYPE_LPM_TRIE, "v4via6_calib", key_size, value_size, 2, &opts);
	if (fd < 0)
		return;
	m0 = memlock_of(fd);
	memcpy(key, &(__u32){ 8 }, sizeof(__u32)); /* an LPM key starts with its prefixlen */
	if (!bpf_map_update_elem(fd, key, value, BPF_ANY)) {
		m1 = memlock_of(fd);
		if (m0 >= 0 && m1 > m0) {
			*base = m0;
			*entry = m1 - m0;
		}
	}
	close(fd);
}

int trie_count(int trie_fd, size_t *n, bool *walked)
{
	static long long base = -2, entry = -2;
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	long long m;

	*walked = false;
	if (bpf_obj_get_info_by_fd(trie_fd, &info, &len))
		return -errno;
	if (entry == -2)
		calibrate(info.key_size, info.value_size, &base, &entry);
	m = memlock_of(trie_fd);
	if (entry > 0 && m >= base && (m - base) % entry == 0 &&
	    (m - base) / entry <= info.max_entries) {
		*n = (m - base) / entry;
		return 0;
	}
	*walked = true;
	*n = keys_count(trie_fd, info.key_size);
	return 0;
}

size_t keys_count(int fd, size_t key_size)
{
	char key[64], next[64];
	void *prev = NULL;
	size_t n = 0;

	if (key_size > sizeof(key))
		return 0;
	while (!bpf_map_get_next_key(fd, prev, next)) {
		memcpy(key, next, key_size);
		prev = key;
		n++;
	}
	return n;
}
