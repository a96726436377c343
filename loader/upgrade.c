// SPDX-License-Identifier: GPL-2.0-only
/*
 * v4via6 upgrade: replace the loaded program with this build's on every
 * attached interface, without detaching (XDP_FLAGS_REPLACE: the kernel swaps
 * the program pointer, and each packet runs the old or the new program).
 *
 * Same map layout: the new program is loaded on the pinned maps (reused by
 * fd, which also avoids libbpf 1.1's refusal of a pinned devmap: the kernel
 * adds BPF_F_RDONLY_PROG to its flags), its pin replaces the old one, and
 * each interface moves to it. Both programs share the maps meanwhile.
 *
 * Another layout: new maps are made and pinned in a temporary directory next
 * to the pin dir, filled from the old ones (routes, neighbours, interfaces,
 * counters; tbl24, tbl8 and nexthops are rebuilt from the routes), the two
 * directories are swapped with one rename (RENAME_EXCHANGE), and each
 * interface moves to the new program. Until it has moved, an interface runs
 * the old program on the old maps, which hold the same routes.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "array_size.h"
#include "v4via6.h"
#include "cmd.h"
#include "commands.h"
#include "common.h"
#include "egress.h"
#include "fib24.h"
#include "iface.h"
#include "json.h"
#include "pindir.h"
#include "state.h"

const char upgrade_usage[] =
	"Usage: v4via6 upgrade\n"
	"  Replaces the loaded program with this build's on every attached interface,\n"
	"  atomically and without detaching: no packet is lost. The maps are kept; when\n"
	"  this build's map layout differs, new maps are built from the old ones (routes,\n"
	"  neighbours, interfaces, counters) and take their place.\n";

/* Pins of a new program are made under this name, then renamed over the program pin. */
#define PROG_PIN_NEW V4VIA6_PIN_PROG "~new"

/*
 * A test hook (tests/test-upgrade.sh): V4VIA6_TEST_KILL_AT=POINT kills the
 * process with SIGKILL at that point, as a crash or kill -9 there would, so
 * that the test can check that running upgrade again finishes the job.
 */
static void test_kill_point(const char *point)
{
	const char *at = getenv("V4VIA6_TEST_KILL_AT");

	if (at && !strcmp(at, point))
		raise(SIGKILL);
}

static int prog_info(int fd, struct bpf_prog_info *info)
{
	__u32 len = sizeof(*info);

	memset(info, 0, sizeof(*info));
	return bpf_obj_get_info_by_fd(fd, info, &len) ? -errno : 0;
}

static void tag_str(const struct bpf_prog_info *info, char *buf)
{
	int i;

	for (i = 0; i < BPF_TAG_SIZE; i++)
		sprintf(buf + 2 * i, "%02x", info->tag[i]);
}

/* Pins prog_fd as dir/prog, replacing the pin there in one rename: never no pin at all. */
static int repin_prog(const char *dir, int prog_fd)
{
	char tmp[PATH_MAX], path[PATH_MAX];

	pin_path(tmp, dir, PROG_PIN_NEW);
	pin_path(path, dir, V4VIA6_PIN_PROG);
	unlink(tmp);
	if (bpf_obj_pin(prog_fd, tmp))
		return -errno;
	if (rename(tmp, path)) {
		unlink(tmp);
		return -errno;
	}
	return 0;
}

/*
 * Gives each map of obj the pinned map of its name, when they are alike (type,
 * key, value, size, flags but the kernel's BPF_F_RDONLY_PROG). Returns 0 when
 * all are, 1 when one differs, is missing, or a pinned map has no counterpart
 * (the layout changed), or -errno.
 */
static int reuse_pinned(struct bpf_object *obj, const char *dir)
{
	struct bpf_map_info info;
	struct bpf_map *map;
	char path[PATH_MAX];
	int fd, n = 0, pinned = 0, err;
	__u32 len;
	struct dirent *de;
	struct stat sb;
	DIR *d;

	bpf_object__for_each_map(map, obj) {
		if (bpf_map__is_internal(map))
			continue;
		n++;
		pin_path(path, dir, bpf_map__name(map));
		fd = bpf_obj_get(path);
		if (fd < 0)
			return errno == ENOENT ? 1 : -errno;
		len = sizeof(info);
		memset(&info, 0, sizeof(info));
		err = bpf_obj_get_info_by_fd(fd, &info, &len) ? -errno : 0;
		if (!err &&
		    (info.type != bpf_map__type(map) || info.key_size != bpf_map__key_size(map) ||
		     info.value_size != bpf_map__value_size(map) ||
		     info.max_entries != bpf_map__max_entries(map) ||
		     (info.map_flags & ~BPF_F_RDONLY_PROG) != bpf_map__map_flags(map)))
			err = 1;
		if (!err)
			err = bpf_map__reuse_fd(map, fd);
		close(fd);
		if (err)
			return err;
	}
	/* a pinned map the new build no longer has: a layout change too */
	d = opendir(dir);
	while (d && (de = readdir(d))) {
		if (strchr(de->d_name, '~') || !strcmp(de->d_name, V4VIA6_PIN_PROG) ||
		    pin_path(path, dir, de->d_name) || stat(path, &sb) || S_ISDIR(sb.st_mode))
			continue;
		pinned++;
	}
	if (d)
		closedir(d);
	return pinned != n;
}

/* The XDP program on ifindex: its id and attach flags; 0 when none. */
static __u32 xdp_prog_on(__u32 ifindex, __u32 *flags)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, opts);

	if (bpf_xdp_query(ifindex, 0, &opts))
		return 0;
	if (opts.drv_prog_id) {
		*flags = XDP_FLAGS_DRV_MODE;
		return opts.drv_prog_id;
	}
	if (opts.skb_prog_id) {
		*flags = XDP_FLAGS_SKB_MODE;
		return opts.skb_prog_id;
	}
	return 0;
}

static bool is_v4via6_prog(__u32 id)
{
	struct bpf_prog_info info;
	int fd = bpf_prog_get_fd_by_id(id);
	bool yes;

	if (fd < 0)
		return false;
	yes = !prog_info(fd, &info) && !strcmp(info.name, V4VIA6_PROG_NAME);
	close(fd);
	return yes;
}

/* Swaps old_id for new_fd on ifindex, only if old_id is still the one there. */
static int replace_on(__u32 ifindex, __u32 flags, __u32 old_id, int new_fd)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts);
	int old_fd, err;

	old_fd = bpf_prog_get_fd_by_id(old_id);
	if (old_fd < 0)
		return -errno;
	opts.old_prog_fd = old_fd;
	err = bpf_xdp_attach(ifindex, new_fd, flags | XDP_FLAGS_REPLACE, &opts);
	close(old_fd);
	return err;
}

struct moved {
	__u32 ifindex, flags, old_id;
};

/*
 * Moves every interface of ifaces that runs a v4via6 program other than
 * new_fd's to new_fd. On a failure, moves back those it moved and returns
 * -errno; else the number moved. Interfaces running no v4via6 program are
 * reported and left alone.
 */
static int move_ifaces(const __u32 *ifaces, int n, int new_fd, char *names, size_t names_len)
{
	struct moved *done = calloc(n ? n : 1, sizeof(*done));
	__u32 new_id = prog_id_of(new_fd), id, flags = 0;
	char name[IF_NAMESIZE];
	int i, m = 0, err = 0;

	if (!done)
		return -ENOMEM;
	names[0] = '\0';
	for (i = 0; i < n && !err; i++) {
		id = xdp_prog_on(ifaces[i], &flags);
		ifname_of(ifaces[i], name);
		if (id == new_id)
			continue;
		if (!id || !is_v4via6_prog(id)) {
			pr_err("upgrade: %s: v4via6 does not run there (%s): left alone", name,
			       id ? "another XDP program" : "no XDP program");
			continue;
		}
		err = replace_on(ifaces[i], flags, id, new_fd);
		if (err) {
			pr_err("upgrade: %s: replacing program id %u: %s", name, id,
			       strerror(-err));
			break;
		}
		done[m++] = (struct moved){ ifaces[i], flags, id };
		test_kill_point("moved-1");
		if (strlen(names) + strlen(name) + 2 < names_len)
			strcat(strcat(names, " "), name);
	}
	if (err) {
		/* back to the old program where we moved: all or nothing */
		while (m-- > 0) {
			int old_fd = bpf_prog_get_fd_by_id(done[m].old_id);

			if (old_fd >= 0 &&
			    replace_on(done[m].ifindex, done[m].flags, new_id, old_fd))
				pr_err("upgrade: if%u: moving back to program id %u failed",
				       done[m].ifindex, done[m].old_id);
			if (old_fd >= 0)
				close(old_fd);
		}
	}
	free(done);
	return err ? err : m;
}

/*
 * -j: {"layout":{"from":1,"to":1},"old_id":702,"new_id":731,"moved":["r0","r1"]}
 * (old_id equals new_id when this build ran already).
 */
static void print_json(unsigned int from, unsigned int to, __u32 old_id, __u32 new_id,
		       const char *names)
{
	char buf[512], *tok, *save;

	json_object_start();
	json_key("layout");
	json_object_start();
	json_kv_uint("from", from);
	json_kv_uint("to", to);
	json_object_end();
	json_kv_uint("old_id", old_id);
	json_kv_uint("new_id", new_id);
	json_key("moved");
	json_array_start();
	snprintf(buf, sizeof(buf), "%s", names);
	for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		json_string(tok);
	json_array_end();
	json_object_end();
}

static int upgrade_same_layout(struct v4via6_state *st, struct bpf_object *obj)
{
	__u32 ifaces[V4VIA6_MAX_IFACES * 2];
	struct bpf_prog_info old_info, new_info;
	char old_tag[2 * BPF_TAG_SIZE + 1], new_tag[2 * BPF_TAG_SIZE + 1], names[512];
	struct bpf_program *prog;
	int err, n, moved, new_fd;

	err = bpf_object__load(obj);
	if (err) {
		pr_err("upgrade: loading the program: %s", strerror(-err));
		return EXIT_FAIL;
	}
	prog = bpf_object__find_program_by_name(obj, V4VIA6_PROG_NAME);
	if (!prog || prog_info(st->prog_fd, &old_info) ||
	    prog_info(bpf_program__fd(prog), &new_info)) {
		pr_err("upgrade: reading the programs: %s", strerror(prog ? errno : ENOENT));
		return EXIT_FAIL;
	}
	tag_str(&old_info, old_tag);
	tag_str(&new_info, new_tag);
	if (!memcmp(old_info.tag, new_info.tag, BPF_TAG_SIZE)) {
		/* this build runs already; finish an upgrade that was interrupted, if any */
		n = iface_list(st, ifaces, ARRAY_SIZE(ifaces));
		moved = move_ifaces(ifaces, n, st->prog_fd, names, sizeof(names));
		if (moved < 0)
			return EXIT_FAIL;
		if (json_output) {
			print_json(state_layout(), state_layout(), old_info.id, old_info.id,
				   moved ? names : "");
			return EXIT_OK;
		}
		printf("upgrade: program id %u (tag %s) is this build's already", old_info.id,
		       old_tag);
		if (moved)
			printf("; moved to it:%s", names);
		printf("\n");
		return EXIT_OK;
	}
	new_fd = bpf_program__fd(prog);
	/*
	 * The pin first: a command that attaches meanwhile attaches the new
	 * program, and an upgrade killed now is finished by running it again.
	 */
	err = repin_prog(st->pin_dir, new_fd);
	if (err) {
		pr_err("upgrade: pinning the new program: %s", strerror(-err));
		return EXIT_FAIL;
	}
	test_kill_point("pinned");
	/* listed after the pin moved: an interface attached meanwhile is in the list */
	n = iface_list(st, ifaces, ARRAY_SIZE(ifaces));
	moved = move_ifaces(ifaces, n, new_fd, names, sizeof(names));
	if (moved < 0) {
		if (repin_prog(st->pin_dir, st->prog_fd))
			pr_err("upgrade: the new program stays pinned; run v4via6 upgrade again");
		return EXIT_FAIL;
	}
	if (json_output) {
		print_json(state_layout(), state_layout(), old_info.id, new_info.id, names);
		return EXIT_OK;
	}
	printf("upgrade: program id %u (tag %s) replaced by id %u (tag %s) on %d interface%s%s%s; "
	       "maps kept\n",
	       old_info.id, old_tag, new_info.id, new_tag, moved, moved == 1 ? "" : "s",
	       moved ? ":" : "", names);
	return EXIT_OK;
}

/* Copies every entry of from into to (same key and value sizes). */
static int copy_map(int from, int to, const char *name)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	void *key, *next, *val, *tmp;
	size_t vsize;
	int err = 0, ncpus;

	if (bpf_obj_get_info_by_fd(from, &info, &len))
		return -errno;
	vsize = info.value_size;
	if (info.type == BPF_MAP_TYPE_PERCPU_ARRAY || info.type == BPF_MAP_TYPE_PERCPU_HASH) {
		ncpus = libbpf_num_possible_cpus();
		if (ncpus < 0)
			return ncpus;
		vsize = ((vsize + 7) & ~7UL) * ncpus;
	}
	key = calloc(1, info.key_size);
	next = calloc(1, info.key_size);
	val = calloc(1, vsize);
	if (!key || !next || !val) {
		err = -ENOMEM;
		goto out;
	}
	for (tmp = NULL; !bpf_map_get_next_key(from, tmp, next); tmp = key) {
		if (!bpf_map_lookup_elem(from, next, val)) {
			/* a devmap entry reads back a program id where a write takes an fd */
			if ((info.type == BPF_MAP_TYPE_DEVMAP_HASH ||
			     info.type == BPF_MAP_TYPE_DEVMAP) &&
			    vsize > sizeof(__u32))
				memset((char *)val + sizeof(__u32), 0, vsize - sizeof(__u32));
			if (bpf_map_update_elem(to, next, val, BPF_ANY)) {
				err = -errno;
				pr_err("upgrade: copying %s: %s", name, strerror(-err));
				break;
			}
		}
		memcpy(key, next, info.key_size);
	}
out:
	free(key);
	free(next);
	free(val);
	return err;
}

static int map_sizes(int fd, __u32 *key, __u32 *value)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	*key = info.key_size;
	*value = info.value_size;
	return 0;
}

/*
 * The counters (stats): the old program counts on the old map until its last
 * interface has moved, seconds after the other maps are copied (tbl24 and
 * tbl8 are rebuilt meanwhile). So they are copied last before the swap, and
 * what the old program counted after that is added once every interface has
 * moved. A packet that the new program counts on a CPU between our read and
 * our write of that CPU's counters is lost from them: a window of
 * microseconds, where copying them first lost seconds of traffic.
 */
struct stats_carry {
	int old_fd, new_fd; /* -1 when not carried (counters of another shape restart) */
	size_t words; /* the __u64 words of every CPU's value */
	__u64 *at_copy, *now;
};

static int stats_copy(struct stats_carry *sc, __u32 value_size)
{
	const __u32 key = V4VIA6_STATS_KEY;
	int ncpus = libbpf_num_possible_cpus();

	if (ncpus < 0)
		return ncpus;
	sc->words = (size_t)ncpus * ((value_size + 7) / 8);
	sc->at_copy = calloc(sc->words, sizeof(__u64));
	sc->now = calloc(sc->words, sizeof(__u64));
	if (!sc->at_copy || !sc->now)
		return -ENOMEM;
	if (bpf_map_lookup_elem(sc->old_fd, &key, sc->at_copy) ||
	    bpf_map_update_elem(sc->new_fd, &key, sc->at_copy, BPF_ANY)) {
		pr_err("upgrade: copying %s: %s", V4VIA6_MAP_STATS, strerror(errno));
		return -errno;
	}
	return 0;
}

/* Adds to the new counters what the old program counted since stats_copy. */
static void stats_fold(struct stats_carry *sc)
{
	const __u32 key = V4VIA6_STATS_KEY;
	size_t i;

	if (sc->old_fd < 0 || !sc->now)
		return;
	if (bpf_map_lookup_elem(sc->old_fd, &key, sc->now)) {
		pr_err("upgrade: reading the old %s: %s (counted since the copy: lost)",
		       V4VIA6_MAP_STATS, strerror(errno));
		return;
	}
	for (i = 0; i < sc->words; i++)
		sc->now[i] -= sc->at_copy[i];
	if (bpf_map_lookup_elem(sc->new_fd, &key, sc->at_copy))
		return;
	for (i = 0; i < sc->words; i++)
		sc->at_copy[i] += sc->now[i];
	if (bpf_map_update_elem(sc->new_fd, &key, sc->at_copy, BPF_ANY))
		pr_err("upgrade: adding to the new %s: %s", V4VIA6_MAP_STATS, strerror(errno));
}

static void stats_carry_free(struct stats_carry *sc)
{
	if (sc->old_fd >= 0)
		close(sc->old_fd);
	free(sc->at_copy);
	free(sc->now);
	*sc = (struct stats_carry){ .old_fd = -1, .new_fd = -1 };
}

/* Fills the new maps (in dir, loaded as obj) from the pinned ones in old_dir. */
static int carry_over(struct bpf_object *obj, const char *old_dir, unsigned int from,
		      unsigned int to, struct stats_carry *sc)
{
	__u32 ok, ov, nk, nv, stats_size = 0;
	struct v4via6_maps maps;
	struct bpf_map *map;
	char path[PATH_MAX];
	const char *name;
	struct fib24 f;
	int i, fd, err = 0;

	/* the maps carried over (MAP_CARRIED in maps.h); those MAP_REBUILT come from routes */
	for (i = 0; i < v4via6_n_maps && !err; i++) {
		name = v4via6_map_defs[i].name;
		if (!(v4via6_map_defs[i].flags & MAP_CARRIED))
			continue;
		map = bpf_object__find_map_by_name(obj, name);
		pin_path(path, old_dir, name);
		fd = bpf_obj_get(path);
		/* a map the old layout did not have yet (hash_seed: the new one's random seed stays) */
		if (map && fd < 0 && errno == ENOENT && (v4via6_map_defs[i].flags & MAP_OPTIONAL))
			continue;
		if (!map || fd < 0) {
			pr_err("upgrade: map %s: %s in layout %u", name, map ? "missing" : "gone",
			       map ? from : to);
			err = -ENOENT;
		} else {
			ok = ov = 0;
			err = map_sizes(fd, &ok, &ov);
			nk = bpf_map__key_size(map);
			nv = bpf_map__value_size(map);
			if (err) {
				pr_err("upgrade: map %s: %s", name, strerror(-err));
			} else if (ok != nk || ov != nv) {
				/* (counters of another shape just start again from zero) */
				if (strcmp(name, V4VIA6_MAP_STATS)) {
					pr_err("upgrade: map %s: this build cannot convert it from "
					       "layout %u to %u (key %u -> %u bytes, value %u -> %u "
					       "bytes)",
					       name, from, to, ok, nk, ov, nv);
					err = -EPROTO;
				}
			} else if (!strcmp(name, V4VIA6_MAP_STATS)) {
				/* copied last (stats_copy): the old program counts on */
				sc->old_fd = fd;
				sc->new_fd = bpf_map__fd(map);
				stats_size = nv;
				fd = -1;
			} else {
				err = copy_map(fd, bpf_map__fd(map), name);
			}
		}
		if (fd >= 0)
			close(fd);
	}
	if (err)
		return err;
	err = maps_from_object(&maps, obj);
	if (err)
		return err;
	/* the new maps are ours alone until the swap: no lock */
	err = fib24_open(&f, &maps, NULL);
	if (err)
		return err;
	err = fib24_rebuild(&f);
	fib24_close(&f);
	if (err)
		pr_err("upgrade: rebuilding the forwarding table: %s", strerror(-err));
	if (!err && sc->old_fd >= 0)
		err = stats_copy(sc, stats_size);
	return err;
}

static int upgrade_new_layout(struct v4via6_state *st, unsigned int from, unsigned int to)
{
	__u32 ifaces[V4VIA6_MAX_IFACES * 2];
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct pindir_tmp tmp = { .fd = -1 };
	struct stats_carry sc = { .old_fd = -1, .new_fd = -1 };
	char names[512];
	int err, n, moved = 0, lock_fd, rc = EXIT_FAIL;
	bool swapped = false;

	/* writers of the pinned maps (route, apply, sync) wait meanwhile: nothing is lost */
	lock_fd = open(st->pin_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (lock_fd < 0 || flock(lock_fd, LOCK_EX)) {
		pr_err("upgrade: locking %s: %s", st->pin_dir, strerror(errno));
		goto out;
	}
	obj = state_object_open();
	if (!obj) {
		pr_err("upgrade: opening the program: %s", strerror(errno));
		goto out;
	}
	pindir_clean_leftovers(st->pin_dir);
	err = pindir_tmp_make(&tmp, st->pin_dir);
	if (!err)
		err = state_mark_pin_dir(tmp.path, to);
	if (!err)
		err = bpf_object__load(obj);
	if (!err)
		err = state_pin_object(obj, tmp.path);
	if (err) {
		pr_err("upgrade: loading layout %u in %s: %s", to, tmp.path, strerror(-err));
		goto out_obj;
	}
	err = carry_over(obj, st->pin_dir, from, to, &sc);
	if (err)
		goto out_obj;
	prog = bpf_object__find_program_by_name(obj, V4VIA6_PROG_NAME);
	if (!prog) {
		pr_err("upgrade: no program %s in the object", V4VIA6_PROG_NAME);
		goto out_obj;
	}
	/*
	 * The interfaces from the new egress map, the copy of the old one: an
	 * older layout's egress may be of another type (layout 1: a hash).
	 */
	n = egress_list(bpf_map__fd(bpf_object__find_map_by_name(obj, V4VIA6_MAP_EGRESS)), ifaces,
			ARRAY_SIZE(ifaces));
	if (n < 0) {
		pr_err("upgrade: listing the interfaces: %s", strerror(-n));
		goto out_obj;
	}
	test_kill_point("copied");
	/* from here on, commands find the new maps */
	err = pindir_tmp_exchange(&tmp, st->pin_dir);
	if (err) {
		pr_err("upgrade: swapping %s and %s: %s", tmp.path, st->pin_dir, strerror(-err));
		goto out_obj;
	}
	swapped = true;
	test_kill_point("swapped");
	moved = move_ifaces(ifaces, n, bpf_program__fd(prog), names, sizeof(names));
	if (moved < 0) {
		/* every interface is back on the old program: put its pin dir back */
		if (pindir_tmp_exchange(&tmp, st->pin_dir))
			pr_err("upgrade: %s holds the new layout, the interfaces run the old one: "
			       "run v4via6 upgrade again",
			       st->pin_dir);
		goto out_obj;
	}
	stats_fold(&sc);
	rc = EXIT_OK;
	if (json_output) {
		print_json(from, to, prog_id_of(st->prog_fd), prog_id_of(bpf_program__fd(prog)),
			   names);
		goto out_obj;
	}
	printf("upgrade: map layout %u -> %u: routes, neighbours and interfaces carried over; "
	       "program id %u replaced by id %u on %d interface%s%s%s\n",
	       from, to, prog_id_of(st->prog_fd), prog_id_of(bpf_program__fd(prog)), moved,
	       moved == 1 ? "" : "s", moved ? ":" : "", names);
	rc = EXIT_OK;
out_obj:
	(void)swapped;
	/* tmp now holds the old maps after a swap, the new ones otherwise: either goes */
	pindir_tmp_drop(&tmp);
	stats_carry_free(&sc);
	bpf_object__close(obj);
out:
	if (lock_fd >= 0)
		close(lock_fd);
	return rc;
}

int do_upgrade(int argc, char **argv)
{
	struct v4via6_state st;
	struct bpf_object *obj;
	char dir[PATH_MAX];
	unsigned int pinned, ours;
	int err, rc;

	if (resolve_pin_dir(dir, sizeof(dir), false))
		return EXIT_FAIL;
	err = state_open_any_layout(&st, dir);
	if (err == -ENOENT)
		pr_err("upgrade: not loaded (nothing pinned in %s; v4via6 attach IFACE loads this "
		       "build)",
		       dir);
	else if (err)
		pr_state_err(dir, err);
	if (err)
		return EXIT_FAIL;
	/* what an upgrade or a load killed half-way left next to the pin dir */
	pindir_clean_leftovers(dir);
	pinned = state_pinned_layout(dir);
	ours = state_layout();
	if (pinned > ours) {
		pr_err("upgrade: %s: map layout %u, made by a newer v4via6 (this one knows layout "
		       "%u): a downgrade is not supported",
		       dir, pinned, ours);
		state_close(&st);
		return EXIT_FAIL;
	}
	obj = state_object_open();
	if (!obj) {
		pr_err("upgrade: opening the program: %s", strerror(errno));
		state_close(&st);
		return EXIT_FAIL;
	}
	err = pinned == ours ? reuse_pinned(obj, dir) : 1;
	if (err < 0) {
		pr_err("upgrade: reusing the pinned maps: %s", strerror(-err));
		rc = EXIT_FAIL;
	} else if (!err) {
		rc = upgrade_same_layout(&st, obj);
	} else {
		rc = upgrade_new_layout(&st, pinned, ours);
	}
	bpf_object__close(obj);
	state_close(&st);
	return rc;
}
