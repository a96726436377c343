// SPDX-License-Identifier: GPL-2.0-only
/*
 * v4via6 sync: keeps the routes, neighbour and egress maps equal to the
 * kernel's IPv4 routes with IPv6 next hops, their neighbours and the attached
 * interfaces. One full dump at start (and after an overrun or a link going
 * down), then the notifications; sync_table.c decides what the maps hold.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <linux/rtnetlink.h>
#include <bpf/bpf.h>

#include "array_size.h"
#include "cmd.h"
#include "commands.h"
#include "common.h"
#include "lock.h"
#include "nl.h"
#include "nl_parse.h"
#include "sync_status.h"
#include "sync_table.h"

const char sync_usage[] =
	"Usage: v4via6 sync [--table ID] [--once] [--refresh SECONDS] [--rcvbuf BYTES]\n"
	"  Makes the routes map equal to the kernel's IPv4 routes with IPv6 next hops (table\n"
	"  ID, default main), the neighbour map to their IPv6 neighbours, and the egress map\n"
	"  to the attached interfaces' MAC and MTU; then follows the kernel until SIGINT or\n"
	"  SIGTERM. Prefixes routed otherwise get a kernel entry (the program passes them).\n"
	"  --once           reconcile once, print the counts, exit\n"
	"  --refresh SECS   how often next hops in use are refreshed (NTF_USE), default 3\n"
	"  --rcvbuf BYTES   notification socket buffer, default 32 MiB (tests make it small\n"
	"                   to force overruns)\n"
	"  SIGUSR1 logs the counts, SIGHUP forces a full resync. A restart reconciles in\n"
	"  place: routes that stay are never removed from the map.\n";

/*
 * Dumps in a row before giving the loop a turn (signals, notifications), and
 * how long until the next round: a resync is never given up.
 */
#define RESYNC_TRIES	10
#define RESYNC_RETRY_MS 100

struct syncer {
	struct v4via6_state st;
	struct fib24 fib; /* the routes map with its tbl24, mapped from st */
	__u32 routes_id; /* the routes map's id: tells a reloaded program */
	bool maps_gone;
	struct sync_table t;
	struct sync_run run;
	struct nl_sock req; /* dumps and NTF_USE */
	struct nl_sock ev; /* notifications */
	char pin_dir[PATH_MAX];
	const char *need_resync; /* why a full resync is due, or NULL */
	unsigned long nl_malformed; /* the sockets' malformed datagrams, counted in run.invalid */
};

/*
 * A message the kernel would never send (it comes from a datagram the kernel
 * sent, so the kernel or the socket is at fault): ignored, counted, and logged
 * for the first few and then every thousandth.
 */
static void invalid_msg(struct syncer *s, const struct nlmsghdr *nlh)
{
	s->run.invalid++;
	if (s->run.invalid <= 10 || s->run.invalid % 1000 == 0)
		pr_err("sync: ignoring an invalid netlink message (type %u, %lu so far): %s",
		       nlh->nlmsg_type, s->run.invalid, nl_parse_error);
}

/*
 * Takes the state lock for a batch of writes (lock.h), after the commands
 * already waiting for it; reads again the interfaces they may have attached
 * or detached meanwhile. Returns 0 or -errno (printed).
 */
static int batch_begin(struct syncer *s)
{
	int err = lock_take(s->pin_dir, true);

	if (err) {
		pr_err("sync: locking the state of %s: %s", s->pin_dir, strerror(-err));
		return err;
	}
	if (!s->maps_gone && !s->t.loading && sync_table_read_attached(&s->t))
		sync_table_reevaluate(&s->t);
	return 0;
}

static int on_msg(const struct nlmsghdr *nlh, void *arg)
{
	struct syncer *s = arg;
	union {
		struct nl_route r;
		struct nl_nhobj o;
		struct nl_neigh n;
		struct nl_link l;
	} m;
	int err = 0;

	/* a flood of notifications: a command that waits goes first, between two messages */
	if (lock_yield() > 0 && !s->maps_gone && sync_table_read_attached(&s->t))
		sync_table_reevaluate(&s->t);

	switch (nlh->nlmsg_type) {
	case RTM_NEWROUTE:
	case RTM_DELROUTE:
		err = nl_parse_route(nlh, &m.r);
		if (!err)
			sync_on_route(&s->t, &m.r, nlh->nlmsg_type == RTM_DELROUTE);
		break;
	case RTM_NEWNEXTHOP:
	case RTM_DELNEXTHOP:
		err = nl_parse_nexthop(nlh, &m.o);
		if (!err)
			sync_on_nexthop(&s->t, &m.o, nlh->nlmsg_type == RTM_DELNEXTHOP);
		break;
	case RTM_NEWNEIGH:
	case RTM_DELNEIGH:
		err = nl_parse_neigh(nlh, &m.n);
		if (!err)
			sync_on_neigh(&s->t, &m.n, nlh->nlmsg_type == RTM_DELNEIGH);
		break;
	case RTM_NEWLINK:
	case RTM_DELLINK:
		err = nl_parse_link(nlh, &m.l);
		if (!err && sync_on_link(&s->t, &m.l, nlh->nlmsg_type == RTM_DELLINK))
			s->need_resync = "resync after a link change";
		break;
	}
	if (err == -EINVAL)
		invalid_msg(s, nlh);
	return 0;
}

/* Datagrams the netlink sockets dropped unread, logged when their number grows. */
static void count_dropped(struct syncer *s)
{
	unsigned long foreign = s->req.foreign + s->ev.foreign;
	unsigned long malformed = s->req.malformed + s->ev.malformed;

	if (foreign > s->run.foreign)
		pr_err("sync: dropped %lu netlink datagrams not sent by the kernel (%lu so far)",
		       foreign - s->run.foreign, foreign);
	s->run.foreign = foreign;
	if (malformed > s->nl_malformed)
		pr_err("sync: dropped %lu netlink datagrams with a malformed length",
		       malformed - s->nl_malformed);
	s->run.invalid += malformed - s->nl_malformed;
	s->nl_malformed = malformed;
}

/* Dumps the kernel's tables into the copy; -EAGAIN when one changed during its dump. */
static int dump_all(struct syncer *s)
{
	static const struct {
		uint16_t type;
		uint8_t family;
		const char *what;
	} dumps[] = {
		/* links and nexthop objects first: routes refer to them */
		{ RTM_GETLINK, AF_UNSPEC, "links" },
		{ RTM_GETNEXTHOP, AF_UNSPEC, "nexthop objects" },
		{ RTM_GETNEIGH, AF_INET6, "IPv6 neighbours" },
		{ RTM_GETROUTE, AF_INET, "IPv4 routes" },
	};
	unsigned int i;
	int err;

	for (i = 0; i < ARRAY_SIZE(dumps); i++) {
		err = nl_dump(&s->req, dumps[i].type, dumps[i].family, on_msg, s);
		/* a kernel without nexthop objects answers EINVAL or EOPNOTSUPP: none to follow */
		if (dumps[i].type == RTM_GETNEXTHOP && (err == -EINVAL || err == -EOPNOTSUPP))
			err = 0;
		if (err) {
			if (err != -EAGAIN)
				pr_err("sync: dumping %s: %s", dumps[i].what, strerror(-err));
			return err;
		}
	}
	return 0;
}

static void log_counts(struct syncer *s, const char *when)
{
	struct sync_counts c;
	int i;

	sync_table_counts(&s->t, &c);
	fprintf(stderr, "v4via6: sync: %s: table %u:", when, s->run.table);
	for (i = 0; i < SR_COUNT; i++)
		fprintf(stderr, " %s %lu", sync_reason_names[i], c.routes[i]);
	fprintf(stderr,
		"; next hops %lu (%lu with a MAC); ECMP groups %lu, left to the kernel %lu, "
		"nexthop objects %lu, links down %lu; map errors %lu; dumps interrupted "
		"%lu; invalid messages %lu; foreign datagrams %lu\n",
		c.nexthops, c.neighs_resolved, c.groups, c.multipath_kernel, c.nhobjs, c.links_down,
		c.map_errors, s->run.dumps_interrupted, s->run.invalid, s->run.foreign);
}

static unsigned long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000UL + ts.tv_nsec / 1000;
}

/* A batch of notifications is in the maps, lag microseconds after it could be read. */
static void note_lag(struct syncer *s, unsigned long lag)
{
	s->run.lag_us_last = lag;
	if (lag > s->run.lag_us_max)
		s->run.lag_us_max = lag;
	s->t.changed = true; /* the status file shows it at the next tick */
}

static void write_status(struct syncer *s)
{
	struct sync_counts c;
	int err;

	sync_table_counts(&s->t, &c);
	err = sync_status_write(s->pin_dir, &s->run, &c);
	if (err)
		pr_err("sync: writing the status file: %s", strerror(-err));
}

/*
 * Forgets the copy, dumps everything again and makes the maps equal to it in
 * place. While the dumps run the maps are not touched: traffic goes on with
 * what they hold.
 */
static int full_resync(struct syncer *s)
{
	int tries, err = -EAGAIN;

	s->run.resyncs++;
	for (tries = 0; tries < RESYNC_TRIES && err == -EAGAIN; tries++) {
		sync_table_reset(&s->t);
		sync_table_read_attached(&s->t);
		err = dump_all(s);
		if (err == -EAGAIN)
			s->run.dumps_interrupted++;
	}
	count_dropped(s);
	if (err) {
		/* the caller tries again a little later: the maps keep what they hold meanwhile */
		if (err == -EAGAIN)
			pr_err("sync: the kernel's tables kept changing during %d dumps; trying "
			       "again",
			       RESYNC_TRIES);
		return err;
	}
	/* the dumps ran unlocked (they write nothing); the reconciliation is one batch */
	err = lock_take(s->pin_dir, true);
	if (err) {
		pr_err("sync: locking the state of %s: %s", s->pin_dir, strerror(-err));
		return err;
	}
	sync_table_read_attached(&s->t);
	sync_table_apply(&s->t);
	lock_release();
	s->need_resync = NULL;
	s->run.last_resync = time(NULL);
	return 0;
}

static void refresh_one(void *arg, const struct nexthop *nh)
{
	struct syncer *s = arg;
	int err;

	/*
	 * NTF_USE on a PERMANENT entry strips PERMANENT and resolves it again
	 * (INCOMPLETE, then FAILED if nobody answers): the kernel's static entries
	 * need no refresh and must not be touched.
	 */
	if (sync_neigh_static(&s->t, nh))
		return;
	err = nl_neigh_use(&s->req, nh->ifindex, nh->addr);

	/* the interface may be going away; the next dump says so */
	if (err && verbose)
		pr_err("sync: refreshing a neighbour on ifindex %u: %s", nh->ifindex,
		       strerror(-err));
}

static __u32 map_id(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	return fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len) ? info.id : 0;
}

/* The id of the routes map pinned now, 0 when there is none. */
static __u32 pinned_routes_id(const char *pin_dir)
{
	char path[PATH_MAX + 16];
	__u32 id;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", pin_dir, V4VIA6_MAP_ROUTES);
	fd = bpf_obj_get(path);
	id = map_id(fd);
	if (fd >= 0)
		close(fd);
	return id;
}

/*
 * `detach --all` removes the pins (and, with the last reference but ours,
 * the program): the maps sync writes then serve nothing. Notices it, waits
 * for the next attach, and then follows the new maps with a full resync.
 */
static void check_state(struct syncer *s)
{
	__u32 id = pinned_routes_id(s->pin_dir);

	if (id == s->routes_id)
		return;
	if (!id) {
		if (!s->maps_gone)
			pr_err("sync: nothing pinned in %s any more (detach --all?); waiting for "
			       "v4via6 attach",
			       s->pin_dir);
		s->maps_gone = true;
		return;
	}
	fib24_close(&s->fib);
	state_close(&s->st);
	if (state_open(&s->st, s->pin_dir, false)) {
		s->routes_id = 0;
		return; /* being loaded right now: the next tick tries again */
	}
	if (fib24_open_state(&s->fib, &s->st)) {
		state_close(&s->st);
		s->routes_id = 0;
		return;
	}
	s->t.neighs_fd = s->st.neighs_fd;
	s->t.egress_fd = s->st.egress_fd;
	s->routes_id = map_id(s->st.routes_fd);
	s->maps_gone = false;
	s->need_resync = "resync: the program was loaded again";
}

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 0);
	return errno || end == s || *end || *out > max ? -1 : 0;
}

/* Blocks the signals the loop reads through a signalfd. */
static int signal_fd(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -1;
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

static int timer_fd(void)
{
	struct itimerspec its = { .it_interval = { 1, 0 }, .it_value = { 1, 0 } };
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);

	if (fd >= 0 && timerfd_settime(fd, 0, &its, NULL)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Follows the kernel until SIGINT or SIGTERM. */
static int follow(struct syncer *s, unsigned long refresh)
{
	struct pollfd fds[3];
	unsigned long ticks = 0;
	uint64_t expirations;
	struct signalfd_siginfo si;
	int err, rc = EXIT_OK;

	fds[0].fd = nl_fd(&s->ev);
	fds[1].fd = signal_fd();
	fds[2].fd = timer_fd();
	if (fds[1].fd < 0 || fds[2].fd < 0) {
		pr_err("sync: signalfd/timerfd: %s", strerror(errno));
		return EXIT_FAIL;
	}
	fds[0].events = fds[1].events = fds[2].events = POLLIN;
	write_status(s);
	for (;;) {
		/* a resync that could not finish is tried again soon */
		if (poll(fds, 3, s->need_resync ? RESYNC_RETRY_MS : -1) < 0) {
			if (errno == EINTR)
				continue;
			pr_err("sync: poll: %s", strerror(errno));
			rc = EXIT_FAIL;
			break;
		}
		if (fds[0].revents) {
			unsigned long t0 = now_us();

			err = batch_begin(s);
			if (err) {
				rc = EXIT_FAIL;
				break;
			}
			err = nl_drain(&s->ev, on_msg, s);
			count_dropped(s);
			lock_release();
			note_lag(s, now_us() - t0);
			if (err == -ENOBUFS) {
				/* notifications were lost: only a full dump tells what changed */
				s->run.overruns++;
				s->need_resync = "resync after an overrun";
			} else if (err) {
				pr_err("sync: reading notifications: %s", strerror(-err));
				rc = EXIT_FAIL;
				break;
			}
		}
		if (fds[1].revents && read(fds[1].fd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo == SIGINT || si.ssi_signo == SIGTERM)
				break;
			if (si.ssi_signo == SIGHUP)
				s->need_resync = "resync on SIGHUP";
			if (si.ssi_signo == SIGUSR1) {
				log_counts(s, "counts");
				write_status(s);
			}
		}
		if (fds[2].revents && read(fds[2].fd, &expirations, sizeof(expirations)) > 0) {
			ticks++;
			/* attach and detach send no netlink event: batch_begin reads egress */
			if (batch_begin(s)) {
				rc = EXIT_FAIL;
				break;
			}
			check_state(s);
			if (!s->maps_gone && sync_table_read_attached(&s->t))
				sync_table_reevaluate(&s->t);
			lock_release();
			if (ticks % refresh == 0)
				sync_for_each_nexthop(&s->t, refresh_one, s);
			if (s->t.changed) {
				write_status(s);
				s->t.changed = false;
			}
		}
		if (s->need_resync) {
			const char *why = s->need_resync;

			err = full_resync(s);
			if (err == -EAGAIN)
				continue;
			if (err) {
				rc = EXIT_FAIL;
				break;
			}
			log_counts(s, why);
			write_status(s);
			s->t.changed = false;
		}
	}
	close(fds[1].fd);
	close(fds[2].fd);
	return rc;
}

int do_sync(int argc, char **argv)
{
	unsigned long table = RT_TABLE_MAIN, refresh = 3, rcvbuf = 32 << 20, v;
	struct syncer *s;
	bool once = false;
	int i, rc = EXIT_FAIL, err;

	for (i = 0; i < argc; i++) {
		unsigned long *dst, max = 1UL << 30;

		if (!strcmp(argv[i], "--once")) {
			once = true;
			continue;
		}
		if (!strcmp(argv[i], "--table")) {
			dst = &table;
			max = 0xffffffffUL;
		} else if (!strcmp(argv[i], "--refresh")) {
			dst = &refresh;
		} else if (!strcmp(argv[i], "--rcvbuf")) {
			dst = &rcvbuf;
		} else {
			return usage_error("unknown argument");
		}
		if (++i >= argc)
			return usage_error("option needs a value");
		if (parse_uint(argv[i], max, &v) || !v)
			return usage_error("bad number");
		*dst = v;
	}

	s = calloc(1, sizeof(*s));
	if (!s)
		return EXIT_FAIL;
	if (open_state(&s->st, false))
		goto out_free;
	err = fib24_open_state(&s->fib, &s->st);
	if (err) {
		pr_err("sync: mapping the forwarding table: %s", strerror(-err));
		state_close(&s->st);
		goto out_free;
	}
	snprintf(s->pin_dir, sizeof(s->pin_dir), "%s", s->st.pin_dir);
	s->routes_id = map_id(s->st.routes_fd);
	sync_table_init(&s->t, &s->fib, s->st.neighs_fd, s->st.egress_fd, table);
	s->t.on_new_nexthop = refresh_one;
	s->t.arg = s;
	s->run.table = table;

	err = nl_open(&s->req);
	/* subscribe before the first dump: a change made meanwhile is then not missed */
	if (!err && !once)
		err = nl_open_events(&s->ev, rcvbuf);
	if (err) {
		pr_err("sync: netlink socket: %s", strerror(-err));
		goto out;
	}
	err = full_resync(s);
	/* the kernel's tables keep changing: --once waits, the loop retries */
	while (err == -EAGAIN && once) {
		usleep(RESYNC_RETRY_MS * 1000);
		err = full_resync(s);
	}
	if (err == -EAGAIN)
		s->need_resync = "resync: the first dumps were interrupted";
	else if (err)
		goto out;
	if (once) {
		log_counts(s, "reconciled");
		rc = EXIT_OK;
		goto out;
	}
	log_counts(s, "started");
	rc = follow(s, refresh);
	sync_status_remove(s->pin_dir);
out:
	nl_close(&s->ev);
	nl_close(&s->req);
	sync_table_free(&s->t);
	fib24_close(&s->fib);
	state_close(&s->st);
out_free:
	free(s);
	return rc;
}
