// SPDX-License-Identifier: GPL-2.0-only
/*
 * v4via6 stats -w [SECONDS]: every SECONDS, the rate per second of each
 * counter of struct fwd_stats, and of struct if_stats per ingress interface,
 * as `ip -s -s link` users would watch them. On a terminal each interval
 * clears the screen and redraws (like watch); otherwise each is a block of its
 * own, or with -j one JSON object on one line. The pins are opened anew each
 * interval: a program detached and attached again is followed, its counters
 * starting from zero (that interval shows no rates).
 */
#include <errno.h>
#include <net/if.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "v4via6.h"
#include "cmd.h"
#include "common.h"
#include "counters.h"
#include "dump.h"
#include "egress.h"
#include "iface.h"
#include "json.h"
#include "watch.h"

/* What one interval reads. */
struct snap {
	bool loaded;
	__u32 prog_id;
	struct counter_names gn; /* struct fwd_stats */
	__u64 g[COUNTERS_MAX];
	bool have_if; /* false with a program that predates if_stats */
	struct counter_names in; /* struct if_stats */
	__u64 *ifv; /* in.max_entries rows of in.n */
	bool *attached; /* per if_stats slot: an attached interface counts there */
	struct timespec at;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void snap_free(struct snap *s)
{
	free(s->ifv);
	free(s->attached);
	memset(s, 0, sizeof(*s));
}

static void read_attached(const struct v4via6_state *st, struct snap *s)
{
	__u32 ifindexes[V4VIA6_MAX_IFACES];
	int i, n = egress_list(st->egress_fd, ifindexes, V4VIA6_MAX_IFACES);

	for (i = 0; i < n; i++)
		s->attached[ifindexes[i] < s->in.max_entries ? ifindexes[i] :
							       V4VIA6_IFINDEX_OTHERS] = true;
}

/* Reads every counter now; s->loaded false when nothing (or nothing readable) is pinned. */
static void snap_take(const char *pin_dir, struct snap *s)
{
	struct v4via6_state st;

	snap_free(s);
	clock_gettime(CLOCK_MONOTONIC, &s->at);
	if (state_open(&st, pin_dir, false))
		return;
	s->prog_id = prog_id_of(st.prog_fd);
	s->loaded = !counters_names(st.stats_fd, &s->gn) &&
		    !counters_read(st.stats_fd, &s->gn, 1, s->g);
	if (s->loaded && st.if_stats_fd >= 0 && !counters_names(st.if_stats_fd, &s->in)) {
		s->ifv = calloc((size_t)s->in.max_entries * s->in.n, sizeof(*s->ifv));
		s->attached = calloc(s->in.max_entries, sizeof(*s->attached));
		s->have_if = s->ifv && s->attached &&
			     !counters_read(st.if_stats_fd, &s->in, s->in.max_entries, s->ifv);
		if (s->have_if)
			read_attached(&st, s);
	}
	state_close(&st);
}

static double seconds_between(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) + (b->tv_nsec - a->tv_nsec) / 1e9;
}

/* Counters only grow while the same program runs: the rate of counter i of row r. */
static double rate(const __u64 *prev, const __u64 *cur, size_t i, double secs)
{
	return cur[i] >= prev[i] ? (cur[i] - prev[i]) / secs : 0;
}

/* The if_stats slots to show: attached interfaces, and any slot that counted something. */
static bool slot_shown(const struct snap *s, __u32 k)
{
	int f;

	if (s->attached[k])
		return true;
	for (f = 0; f < s->in.n; f++)
		if (s->ifv[(size_t)k * s->in.n + f])
			return true;
	return false;
}

static const char *slot_name(__u32 k, char *buf)
{
	return k == V4VIA6_IFINDEX_OTHERS ? "other" : ifname_of(k, buf);
}

static void print_text(const struct snap *p, const struct snap *c, double every, double secs,
		       bool tty)
{
	char stamp[32], name[IF_NAMESIZE];
	time_t now = time(NULL);
	__u32 k;
	int i;

	strftime(stamp, sizeof(stamp), "%H:%M:%S", localtime(&now));
	if (tty)
		fputs("\033[H\033[2J", stdout);
	printf("v4via6 stats every %g s, at %s\n", every, stamp);
	if (!c->loaded) {
		printf("not loaded\n");
		return;
	}
	if (!p->loaded || p->prog_id != c->prog_id) {
		printf("program loaded again (id %u): rates from the next interval\n", c->prog_id);
		return;
	}
	printf("%-22s %14s %20s\n", "counter", "per second", "total");
	for (i = 0; i < c->gn.n; i++)
		printf("%-22s %14.1f %20llu\n", c->gn.name[i], rate(p->g, c->g, i, secs),
		       (unsigned long long)c->g[i]);
	if (!c->have_if || !p->have_if) {
		printf("per interface: unavailable (the loaded program predates if_stats)\n");
		return;
	}
	printf("\n%-16s %7s", "interface/s", "ifindex");
	for (i = 0; i < c->in.n; i++)
		printf(" %14s", c->in.name[i]);
	putchar('\n');
	for (k = 0; k < c->in.max_entries; k++) {
		if (!slot_shown(c, k))
			continue;
		printf("%-16s %7u", slot_name(k, name), k);
		for (i = 0; i < c->in.n; i++)
			printf(" %14.1f", rate(p->ifv + (size_t)k * p->in.n,
					       c->ifv + (size_t)k * c->in.n, i, secs));
		putchar('\n');
	}
}

static void print_json(const struct snap *p, const struct snap *c, double secs)
{
	char name[IF_NAMESIZE];
	bool rates = p->loaded && c->loaded && p->prog_id == c->prog_id;
	__u32 k;
	int i;

	json_object_start();
	json_kv_uint("time", time(NULL));
	json_kv_double("interval", secs);
	json_kv_bool("loaded", c->loaded);
	if (rates) {
		json_key("rates");
		json_object_start();
		for (i = 0; i < c->gn.n; i++)
			json_kv_double(c->gn.name[i], rate(p->g, c->g, i, secs));
		json_object_end();
	}
	if (rates && c->have_if && p->have_if) {
		json_key("interfaces");
		json_array_start();
		for (k = 0; k < c->in.max_entries; k++) {
			if (!slot_shown(c, k))
				continue;
			json_object_start();
			json_kv_string("ifname", slot_name(k, name));
			json_kv_uint("ifindex", k);
			for (i = 0; i < c->in.n; i++)
				json_kv_double(c->in.name[i],
					       rate(p->ifv + (size_t)k * p->in.n,
						    c->ifv + (size_t)k * c->in.n, i, secs));
			json_object_end();
		}
		json_array_end();
	}
	json_object_end();
}

/* -w [SECONDS] and -c COUNT, in any order. */
static int parse_args(int argc, char **argv, double *secs, long *count)
{
	char *end;
	int i;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "-w") || !strcmp(argv[i], "--watch")) {
			/* SECONDS is optional: a following number is it */
			if (i + 1 < argc && argv[i + 1][0] != '-') {
				errno = 0;
				*secs = strtod(argv[++i], &end);
				if (*end || errno || !(*secs >= 0.1 && *secs <= 3600))
					return usage_error(
						"-w %s: not a number of seconds (0.1 to 3600)",
						argv[i]);
			}
		} else if (!strcmp(argv[i], "-c") || !strcmp(argv[i], "--count")) {
			if (++i >= argc)
				return usage_error("-c: missing COUNT");
			errno = 0;
			*count = strtol(argv[i], &end, 10);
			if (*end || errno || *count < 1)
				return usage_error("-c %s: not a positive number", argv[i]);
		} else {
			return usage_error("%s: unknown argument", argv[i]);
		}
	}
	return 0;
}

int stats_watch(int argc, char **argv)
{
	struct snap a = { 0 }, b = { 0 }, *prev = &a, *cur = &b, *t;
	struct sigaction sa = { .sa_handler = on_signal };
	struct timespec next;
	char dir[PATH_MAX];
	double secs = 1;
	long count = -1, n;
	bool tty = isatty(STDOUT_FILENO) && !json_output;
	int rc;

	rc = parse_args(argc, argv, &secs, &count);
	if (rc)
		return rc;
	if (resolve_pin_dir(dir, sizeof(dir), false))
		return EXIT_FAIL;
	/* no SA_RESTART: the sleep ends at once on SIGINT */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	snap_take(dir, prev);
	if (!prev->loaded)
		pr_err("stats: not loaded (nothing pinned in %s): waiting for v4via6 attach", dir);
	next = prev->at;
	for (n = 0; !stop && (count < 0 || n < count); n++) {
		/* absolute deadlines: the intervals do not drift by the time each one takes */
		next.tv_sec += (time_t)secs;
		next.tv_nsec += (long)((secs - (time_t)secs) * 1e9);
		if (next.tv_nsec >= 1000000000L) {
			next.tv_sec++;
			next.tv_nsec -= 1000000000L;
		}
		while (!stop &&
		       clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR)
			;
		if (stop)
			break;
		snap_take(dir, cur);
		if (json_output)
			print_json(prev, cur, seconds_between(&prev->at, &cur->at));
		else
			print_text(prev, cur, secs, seconds_between(&prev->at, &cur->at), tty);
		if (!tty && !json_output && (count < 0 || n + 1 < count))
			putchar('\n');
		fflush(stdout);
		t = prev;
		prev = cur;
		cur = t;
	}
	snap_free(&a);
	snap_free(&b);
	return EXIT_OK;
}
