// SPDX-License-Identifier: GPL-2.0-only
/* sync's status file: written by `v4via6 sync`, read by `v4via6 status`; see sync_status.h. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "json.h"
#include "sync_status.h"

int sync_status_path(const char *pin_dir, char *buf, size_t len)
{
	char name[256];
	size_t i;

	/* the pin dir's path, made one file name: /sys/fs/bpf/v4via6 -> sys_fs_bpf_v4via6 */
	while (*pin_dir == '/')
		pin_dir++;
	if (snprintf(name, sizeof(name), "%s", pin_dir) >= (int)sizeof(name))
		return -ENAMETOOLONG;
	for (i = 0; name[i]; i++)
		if (name[i] == '/')
			name[i] = '_';
	if (snprintf(buf, len, "%s/%s.sync", SYNC_STATUS_DIR, name) >= (int)len)
		return -ENAMETOOLONG;
	return 0;
}

int sync_status_write(const char *pin_dir, const struct sync_run *run, const struct sync_counts *c)
{
	char path[512], tmp[520];
	FILE *f;
	int i;

	if (sync_status_path(pin_dir, path, sizeof(path)))
		return -ENAMETOOLONG;
	if (mkdir(SYNC_STATUS_DIR, 0755) && errno != EEXIST)
		return -errno;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return -errno;
	fprintf(f, "pid %d\ntable %u\nupdated %ld\nresyncs %lu\noverruns %lu\nlast_resync %ld\n",
		(int)getpid(), run->table, (long)time(NULL), run->resyncs, run->overruns,
		run->last_resync);
	fprintf(f, "dumps_interrupted %lu\ninvalid_msgs %lu\nforeign_msgs %lu\n",
		run->dumps_interrupted, run->invalid, run->foreign);
	fprintf(f, "lag_us_last %lu\nlag_us_max %lu\n", run->lag_us_last, run->lag_us_max);
	for (i = 0; i < SR_COUNT; i++)
		fprintf(f, "routes_%s %lu\n", sync_reason_names[i], c->routes[i]);
	fprintf(f, "multipath_kernel %lu\nnexthops %lu\nneighs_resolved %lu\nmap_errors %lu\n",
		c->multipath_kernel, c->nexthops, c->neighs_resolved, c->map_errors);
	fprintf(f, "groups %lu\nnhobjs %lu\nlinks_down %lu\nlink_downs %lu\n", c->groups, c->nhobjs,
		c->links_down, c->link_downs);
	/* rename: a reader sees the old file or the new one, never half of one */
	if (fclose(f) || rename(tmp, path)) {
		unlink(tmp);
		return -errno;
	}
	return 0;
}

void sync_status_remove(const char *pin_dir)
{
	char path[512];

	if (!sync_status_path(pin_dir, path, sizeof(path)))
		unlink(path);
}

#define MAX_FIELDS 32

struct field {
	char key[32];
	unsigned long val;
};

static int read_fields(const char *path, struct field *f, int max)
{
	FILE *in = fopen(path, "r");
	int n = 0;

	if (!in)
		return 0;
	while (n < max && fscanf(in, "%31s %lu", f[n].key, &f[n].val) == 2)
		n++;
	fclose(in);
	return n;
}

static unsigned long field(const struct field *f, int n, const char *key)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(f[i].key, key))
			return f[i].val;
	return 0;
}

bool sync_status_print(const char *pin_dir, bool json)
{
	struct field f[MAX_FIELDS];
	char path[512];
	bool running;
	pid_t pid;
	int n, i;

	n = sync_status_path(pin_dir, path, sizeof(path)) ? 0 : read_fields(path, f, MAX_FIELDS);
	pid = field(f, n, "pid");
	running = pid > 0 && (kill(pid, 0) == 0 || errno == EPERM);
	if (json) {
		json_key("sync");
		json_object_start();
		json_kv_bool("running", running);
		for (i = 0; running && i < n; i++)
			if (strcmp(f[i].key, "updated"))
				json_kv_uint(f[i].key, f[i].val);
		json_object_end();
		return running;
	}
	if (!running) {
		printf("sync: not running\n");
		return false;
	}
	printf("sync: running, pid %d, table %lu, %lu resyncs (%lu after overruns)\n", (int)pid,
	       field(f, n, "table"), field(f, n, "resyncs"), field(f, n, "overruns"));
	printf("  kernel routes:");
	for (i = 0; i < SR_COUNT; i++) {
		char key[48];

		snprintf(key, sizeof(key), "routes_%s", sync_reason_names[i]);
		printf(" %s %lu", sync_reason_names[i], field(f, n, key));
	}
	printf("\n  next hops in use %lu, with a MAC %lu; map errors %lu\n",
	       field(f, n, "nexthops"), field(f, n, "neighs_resolved"), field(f, n, "map_errors"));
	printf("  ECMP: prefixes through a group %lu, left to the kernel %lu; nexthop objects "
	       "mirrored %lu; attached links down %lu (went down %lu times)\n",
	       field(f, n, "groups"), field(f, n, "multipath_kernel"), field(f, n, "nhobjs"),
	       field(f, n, "links_down"), field(f, n, "link_downs"));
	printf("  netlink: dumps interrupted and redone %lu, invalid messages ignored %lu, "
	       "datagrams not from the kernel dropped %lu\n",
	       field(f, n, "dumps_interrupted"), field(f, n, "invalid_msgs"),
	       field(f, n, "foreign_msgs"));
	return true;
}

bool sync_status_fields(const char *pin_dir,
			void (*fn)(void *arg, const char *key, unsigned long val), void *arg)
{
	struct field f[MAX_FIELDS];
	char path[512];
	pid_t pid;
	int n, i;

	n = sync_status_path(pin_dir, path, sizeof(path)) ? 0 : read_fields(path, f, MAX_FIELDS);
	pid = field(f, n, "pid");
	if (pid <= 0 || (kill(pid, 0) && errno != EPERM))
		return false;
	for (i = 0; i < n; i++)
		fn(arg, f[i].key, f[i].val);
	return true;
}
