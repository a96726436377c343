/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * How many entries a map holds, without reading them where the kernel can
 * tell: what metrics and stats -w need on every scrape, at a million routes.
 */
#ifndef V4VIA6_MAPCOUNT_H
#define V4VIA6_MAPCOUNT_H

#include <stdbool.h>
#include <stddef.h>

/*
 * The routes in an LPM trie. The kernel reports a trie's memory use (memlock
 * in fdinfo) as its entry count times a fixed entry size (trie_mem_usage,
 * kernel 6.4+): the size is measured once per process on a scratch trie with
 * the same key and value sizes, and the count is then one read of fdinfo.
 * Where that does not hold (an older kernel), the trie is walked key by key
 * (about 1 s at 1M routes) and *walked says so. 0 or -errno.
 */
int trie_count(int trie_fd, size_t *n, bool *walked);

/* The keys of a small map (neighbours, interfaces), walked. */
size_t keys_count(int fd, size_t key_size);

#endif /* V4VIA6_MAPCOUNT_H */
