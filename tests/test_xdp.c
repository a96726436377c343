// SPDX-License-Identifier: GPL-2.0-only
/*
 * Packet-level unit tests of the XDP program: crafted frames run through the
 * real program in the kernel (BPF_PROG_TEST_RUN), in a network namespace of
 * the test's own with real devices, kernel routes and IPv6 neighbours. Each
 * case checks the verdict, the whole output frame byte for byte against a
 * frame built here, and that exactly the right counters moved. A randomized
 * test then checks the program against a reference classifier written here.
 *
 *   test_xdp            run the tests (root); one PASS/FAIL line per test
 *   test_xdp --seed N   the randomized test with seed N (default: fixed)
 *   test_xdp --frames N the randomized test with N frames (default 300,000)
 *   test_xdp --bench    print the program's cost per frame (not a test)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "v4via6.skel.h"
#include "xdp_frame.h"
#include "xdp_world.h"
#include "xdp_run.h"
#include "xdp_fuzz.h"
#include "xdp_bench.h"

struct xdp_case {
	const char *name;
	struct frame_spec spec;
	size_t outcome; /* OUT(counter): fwd_packets or the pass_* reason */
	uint8_t dmac[ETH_ALEN]; /* forwarded: the next hop's MAC */
	enum iface_id via; /* forwarded: the egress, whose MAC becomes the source */
	bool fib; /* forwarded with the kernel's MAC */
	bool with_default; /* the default route is installed during the case */
	const char *ingress; /* NULL: in0 */
};

#define FWD(mac, iface) .outcome = OUT(fwd_packets), .dmac = MAC(mac), .via = (iface)
#define PASSED(reason)	.outcome = OUT(reason)

/* clang-format off */
static const struct xdp_case cases[] = {
	/* routes */
	{"route_32", FRAME_SPEC(.daddr = "10.1.1.1"), FWD(0x0a, IF_OUT)},
	{"route_24", FRAME_SPEC(.daddr = "10.2.2.77"), FWD(0x0a, IF_OUT)},
	{"route_24_first", FRAME_SPEC(.daddr = "10.2.2.0"), FWD(0x0a, IF_OUT)},
	{"route_24_last", FRAME_SPEC(.daddr = "10.2.2.255"), FWD(0x0a, IF_OUT)},
	{"route_default", FRAME_SPEC(.daddr = "30.0.0.1"), FWD(0xd0, IF_ALT), .with_default = true},
	{"route_global_nexthop", FRAME_SPEC(.daddr = "10.50.1.2"), FWD(0xdb, IF_ALT)},
	{"lpm_32_wins", FRAME_SPEC(.daddr = "20.1.2.3"), FWD(0x32, IF_OUT)},
	{"lpm_24_wins", FRAME_SPEC(.daddr = "20.1.2.4"), FWD(0x24, IF_OUT)},
	{"lpm_16_wins", FRAME_SPEC(.daddr = "20.1.3.1"), FWD(0x16, IF_ALT)},
	{"lpm_8_wins", FRAME_SPEC(.daddr = "20.2.0.1"), FWD(0x08, IF_OUT)},
	{"lpm_32_over_default", FRAME_SPEC(.daddr = "20.1.2.3"), FWD(0x32, IF_OUT),
	 .with_default = true},
	{"no_route", FRAME_SPEC(.daddr = "30.0.0.1"), PASSED(pass_no_route)},
	{"no_route_next_to_24", FRAME_SPEC(.daddr = "10.2.3.0"), PASSED(pass_no_route)},
	{"no_route_next_to_32", FRAME_SPEC(.daddr = "10.1.1.2"), PASSED(pass_no_route)},

	/* TTL; the checksum must carry right when the TTL byte's change wraps it */
	{"ttl_64", FRAME_SPEC(.ttl = 64), FWD(0x0a, IF_OUT)},
	{"ttl_2", FRAME_SPEC(.ttl = 2), FWD(0x0a, IF_OUT)},
	{"ttl_1", FRAME_SPEC(.ttl = 1), PASSED(pass_ttl)},
	{"ttl_0", FRAME_SPEC(.ttl = 0), PASSED(pass_ttl)},
	{"ttl_255", FRAME_SPEC(.ttl = 255), FWD(0x0a, IF_OUT)},
	{"ttl_1_no_route", FRAME_SPEC(.ttl = 1, .daddr = "30.0.0.1"), PASSED(pass_no_route)},
	{"csum_0000", FRAME_SPEC(.ttl = 255, .want_check = 0x0000), FWD(0x0a, IF_OUT)},
	{"csum_0001", FRAME_SPEC(.ttl = 255, .want_check = 0x0001), FWD(0x0a, IF_OUT)},
	{"csum_00ff", FRAME_SPEC(.ttl = 255, .want_check = 0x00ff), FWD(0x0a, IF_OUT)},
	{"csum_feff", FRAME_SPEC(.ttl = 255, .want_check = 0xfeff), FWD(0x0a, IF_OUT)},
	{"csum_ff00", FRAME_SPEC(.ttl = 255, .want_check = 0xff00), FWD(0x0a, IF_OUT)},
	{"csum_fffe", FRAME_SPEC(.ttl = 255, .want_check = 0xfffe), FWD(0x0a, IF_OUT)},
	{"csum_ff00_ttl_2", FRAME_SPEC(.ttl = 2, .want_check = 0xff00), FWD(0x0a, IF_OUT)},
	/* 0xffff is the other zero of one's complement: a valid header may carry it for 0x0000 */
	{"csum_ffff_for_0000", FRAME_SPEC(.want_check = 0x0000, .check = 0xffff),
	 FWD(0x0a, IF_OUT)},

	/* malformed headers */
	{"bad_csum", FRAME_SPEC(.want_check = 0x1234, .check = 0x1235), PASSED(pass_bad_csum)},
	{"bad_csum_zero", FRAME_SPEC(.want_check = 0x1234, .check = 0), PASSED(pass_bad_csum)},
	{"bad_csum_ffff", FRAME_SPEC(.want_check = 0x1234, .check = 0xffff),
	 PASSED(pass_bad_csum)},
	{"version_6", FRAME_SPEC(.version = 6), PASSED(pass_bad_header)},
	{"version_0", FRAME_SPEC(.version = 0), PASSED(pass_bad_header)},
	{"ihl_4", FRAME_SPEC(.ihl = 4), PASSED(pass_bad_header)},
	{"ihl_0", FRAME_SPEC(.ihl = 0), PASSED(pass_bad_header)},
	{"tot_len_frame_plus_1", FRAME_SPEC(.tot_len = 20 + 32 + 1), PASSED(pass_bad_header)},
	{"tot_len_65535", FRAME_SPEC(.tot_len = 65535), PASSED(pass_bad_header)},
	{"tot_len_19", FRAME_SPEC(.tot_len = 19), PASSED(pass_bad_header)},
	{"tot_len_0", FRAME_SPEC(.tot_len = 0), PASSED(pass_bad_header)},
	{"tot_len_20", FRAME_SPEC(.tot_len = 20, .pad = 6), FWD(0x0a, IF_OUT)},
	{"header_only_34_bytes", FRAME_SPEC(.payload = 0), FWD(0x0a, IF_OUT)},
	{"padding_kept", FRAME_SPEC(.payload = 8, .pad = 18), FWD(0x0a, IF_OUT)},
	{"padding_kept_long", FRAME_SPEC(.payload = 100, .pad = 333), FWD(0x0a, IF_OUT)},
	{"options_ihl_6", FRAME_SPEC(.ihl = 6), PASSED(pass_options)},
	{"options_ihl_15", FRAME_SPEC(.ihl = 15), PASSED(pass_options)},

	/* fragments are forwarded as they are */
	{"frag_first", FRAME_SPEC(.frag_off = 0x2000), FWD(0x0a, IF_OUT)},
	{"frag_middle", FRAME_SPEC(.frag_off = 0x2000 | 185), FWD(0x0a, IF_OUT)},
	{"frag_last", FRAME_SPEC(.frag_off = 370), FWD(0x0a, IF_OUT)},
	{"df_set", FRAME_SPEC(.frag_off = 0x4000), FWD(0x0a, IF_OUT)},
	{"df_clear", FRAME_SPEC(.frag_off = 0), FWD(0x0a, IF_OUT)},

	/* egress MTU (the egress map's): larger frames go to the kernel for ICMP or fragmentation */
	{"mtu_exact", FRAME_SPEC(.payload = W_MTU - 20), FWD(0x0a, IF_OUT)},
	{"mtu_plus_1", FRAME_SPEC(.payload = W_MTU - 19), PASSED(pass_mtu)},
	/* what follows the IPv4 packet goes out too: the whole frame must fit */
	{"mtu_exact_with_padding", FRAME_SPEC(.payload = W_MTU - 30, .pad = 10), FWD(0x0a, IF_OUT)},
	{"mtu_plus_1_with_padding", FRAME_SPEC(.payload = W_MTU - 30, .pad = 11), PASSED(pass_mtu)},
	{"mtu_plus_1_df", FRAME_SPEC(.payload = W_MTU - 19, .frag_off = 0x4000), PASSED(pass_mtu)},
	{"mtu_exact_fib", FRAME_SPEC(.daddr = "10.20.0.1", .payload = W_MTU - 20),
	 FWD(0x0b, IF_OUT), .fib = true},
	{"mtu_plus_1_fib", FRAME_SPEC(.daddr = "10.20.0.1", .payload = W_MTU - 19),
	 PASSED(pass_mtu)},

	/* next hop MAC: neighbour map, else the kernel's, when the kernel routes the same way */
	{"neigh_map", FRAME_SPEC(.daddr = "10.1.1.1"), FWD(0x0a, IF_OUT)},
	{"neigh_fib", FRAME_SPEC(.daddr = "10.20.0.1"), FWD(0x0b, IF_OUT), .fib = true},
	{"neigh_fib_ttl_2", FRAME_SPEC(.daddr = "10.20.0.1", .ttl = 2), FWD(0x0b, IF_OUT),
	 .fib = true},
	{"neigh_fib_other_gateway", FRAME_SPEC(.daddr = "10.20.0.2"), PASSED(pass_no_neigh)},
	{"neigh_fib_other_iface", FRAME_SPEC(.daddr = "10.20.0.3"), PASSED(pass_no_neigh)},
	{"neigh_fib_no_kernel_neigh", FRAME_SPEC(.daddr = "10.20.0.4"), PASSED(pass_no_neigh)},
	{"neigh_fib_no_kernel_route", FRAME_SPEC(.daddr = "10.20.0.5"), PASSED(pass_no_neigh)},
	{"neigh_fib_kernel_stale", FRAME_SPEC(.daddr = "10.20.0.6"), FWD(0x0f, IF_OUT), .fib = true},
	{"neigh_key_has_ifindex", FRAME_SPEC(.daddr = "10.40.0.1"), PASSED(pass_no_neigh)},
	{"egress_not_in_tx_ports", FRAME_SPEC(.daddr = "10.30.0.1"), PASSED(pass_no_egress)},
	{"egress_unknown", FRAME_SPEC(.daddr = "10.30.0.2"), PASSED(pass_no_egress)},
	/* V4VIA6_IFINDEX_KERNEL: a prefix the kernel routes otherwise, inside a wider one of ours */
	{"route_to_kernel", FRAME_SPEC(.daddr = "10.60.0.9"), PASSED(pass_throw)},
	{"route_to_kernel_in_16", FRAME_SPEC(.daddr = "20.1.9.1"), PASSED(pass_throw)},
	{"route_to_kernel_over_default", FRAME_SPEC(.daddr = "10.60.0.9"), PASSED(pass_throw),
	 .with_default = true},

	/* not for the fast path */
	{"ipv6", FRAME_SPEC(.ethertype = ETH_P_IPV6), PASSED(pass_not_ipv4)},
	{"arp", FRAME_SPEC(.ethertype = ETH_P_ARP), PASSED(pass_not_ipv4)},
	{"vlan_8021q", FRAME_SPEC(.vlan_tpid = ETH_P_8021Q), PASSED(pass_vlan)},
	{"vlan_8021ad", FRAME_SPEC(.vlan_tpid = ETH_P_8021AD), PASSED(pass_vlan)},
	{"l2_multicast", FRAME_SPEC(.dmac = {0x01, 0x00, 0x5e, 0x01, 0x01, 0x01}),
	 PASSED(pass_l2_multicast)},
	{"l2_broadcast", FRAME_SPEC(.dmac = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff}),
	 PASSED(pass_l2_multicast)},
	/* unicast for another host (veth, promiscuous NIC): the kernel drops it, so must we */
	{"l2_other_host", FRAME_SPEC(.dmac = {0x02, 0x00, 0x00, 0x00, 0x00, 0x77}),
	 PASSED(pass_l2_other_host)},
	{"l2_other_host_last_byte", FRAME_SPEC(.dmac = {0x02, 0x00, 0x00, 0x00, 0x00, 0x00}),
	 PASSED(pass_l2_other_host)},
	{"l2_other_host_first_byte", FRAME_SPEC(.dmac = {0x00, 0x00, 0x00, 0x00, 0x00, 0x01}),
	 PASSED(pass_l2_other_host)},
	{"l2_other_host_alt_ingress", FRAME_SPEC(), PASSED(pass_l2_other_host), .ingress = "alt0"},
	{"l2_alt_ingress_own_mac", FRAME_SPEC(.dmac = {0x02, 0x00, 0x00, 0x00, 0x02, 0x00}),
	 FWD(0x0a, IF_OUT), .ingress = "alt0"},
	/* an ingress with no egress entry has no MAC to compare with */
	{"l2_ingress_unknown", FRAME_SPEC(.dmac = {0x02, 0x00, 0x00, 0x00, 0x00, 0x77}),
	 FWD(0x0a, IF_OUT), .ingress = "hold0"},

	/* martians, with a default route so that only the martian check can stop them */
	{"dst_multicast", FRAME_SPEC(.daddr = "224.0.0.5"), PASSED(pass_martian), .with_default = true},
	{"dst_multicast_last", FRAME_SPEC(.daddr = "239.255.255.255"), PASSED(pass_martian),
	 .with_default = true},
	{"dst_broadcast", FRAME_SPEC(.daddr = "255.255.255.255"), PASSED(pass_martian),
	 .with_default = true},
	{"dst_loopback", FRAME_SPEC(.daddr = "127.0.0.1"), PASSED(pass_martian), .with_default = true},
	{"dst_loopback_last", FRAME_SPEC(.daddr = "127.255.255.255"), PASSED(pass_martian),
	 .with_default = true},
	{"dst_zero_net", FRAME_SPEC(.daddr = "0.1.2.3"), PASSED(pass_martian), .with_default = true},
	{"src_loopback", FRAME_SPEC(.saddr = "127.0.0.1"), PASSED(pass_martian), .with_default = true},
	{"src_multicast", FRAME_SPEC(.saddr = "224.0.0.1"), PASSED(pass_martian), .with_default = true},
	{"src_broadcast", FRAME_SPEC(.saddr = "255.255.255.255"), PASSED(pass_martian),
	 .with_default = true},
	{"src_zero", FRAME_SPEC(.saddr = "0.0.0.0"), PASSED(pass_martian), .with_default = true},
	{"dst_223_not_martian", FRAME_SPEC(.daddr = "223.255.255.255"), FWD(0xd0, IF_ALT),
	 .with_default = true},
	/* RFC 3927 2.7: link-local is never forwarded; 240/4 is reserved (RFC 1112 4) */
	{"dst_link_local", FRAME_SPEC(.daddr = "169.254.1.1"), PASSED(pass_martian),
	 .with_default = true},
	{"dst_link_local_first", FRAME_SPEC(.daddr = "169.254.0.0"), PASSED(pass_martian),
	 .with_default = true},
	{"dst_link_local_last", FRAME_SPEC(.daddr = "169.254.255.255"), PASSED(pass_martian),
	 .with_default = true},
	{"dst_169_253_not_martian", FRAME_SPEC(.daddr = "169.253.255.255"), FWD(0xd0, IF_ALT),
	 .with_default = true},
	{"dst_169_255_not_martian", FRAME_SPEC(.daddr = "169.255.0.0"), FWD(0xd0, IF_ALT),
	 .with_default = true},
	{"dst_class_e", FRAME_SPEC(.daddr = "240.0.0.0"), PASSED(pass_martian),
	 .with_default = true},
	{"dst_class_e_inside", FRAME_SPEC(.daddr = "250.1.2.3"), PASSED(pass_martian),
	 .with_default = true},
	{"dst_class_e_last", FRAME_SPEC(.daddr = "255.255.255.254"), PASSED(pass_martian),
	 .with_default = true},
	{"src_link_local", FRAME_SPEC(.saddr = "169.254.0.0"), PASSED(pass_martian),
	 .with_default = true},
	{"src_link_local_last", FRAME_SPEC(.saddr = "169.254.255.255"), PASSED(pass_martian),
	 .with_default = true},
	{"src_169_253_not_martian", FRAME_SPEC(.saddr = "169.253.255.255"), FWD(0x0a, IF_OUT)},
	{"src_169_255_not_martian", FRAME_SPEC(.saddr = "169.255.0.0"), FWD(0x0a, IF_OUT)},
	{"src_class_e", FRAME_SPEC(.saddr = "240.0.0.0"), PASSED(pass_martian),
	 .with_default = true},
	{"src_class_e_last", FRAME_SPEC(.saddr = "255.255.255.254"), PASSED(pass_martian),
	 .with_default = true},
	{"src_multicast_last", FRAME_SPEC(.saddr = "239.255.255.255"), PASSED(pass_martian),
	 .with_default = true},
	{"dst_128_not_martian", FRAME_SPEC(.daddr = "128.0.0.1"), FWD(0xd0, IF_ALT),
	 .with_default = true},
};
/* clang-format on */

/* Runs one frame and checks verdict, output frame and counters; prints the test's line. */
static bool check_frame(const struct world *w, const char *name, const struct frame *in,
			__u32 ingress, size_t outcome, const uint8_t *dmac, enum iface_id via,
			bool fib)
{
	struct fwd_stats want;
	struct xdp_result r;
	struct frame expected;
	struct tlog l;
	int err;

	tlog_begin(&l);
	err = xdp_run(w, in, ingress, &r);
	if (err) {
		tlog_fail(&l, "BPF_PROG_TEST_RUN: %s", strerror(-err));
		return tlog_end(&l, name);
	}
	if (outcome == OUT(fwd_packets))
		frame_forwarded(&expected, in, dmac, w_ifaces[via].mac);
	else
		expected = *in;
	expect_verdict(&l, r.verdict, outcome == OUT(fwd_packets) ? XDP_REDIRECT : XDP_PASS);
	expect_frame(&l, &r.out, &expected);
	stats_expected(&want, in->len, outcome, fib);
	expect_stats(&l, &r.delta, &want);
	return tlog_end(&l, name);
}

static int run_cases(const struct world *w)
{
	struct frame f;
	char name[64];
	int failed = 0, err;
	size_t i, len;
	__u32 ingress;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct xdp_case *c = &cases[i];

		if (c->with_default && (err = w_route_set(w, &w_default, true))) {
			printf("FAIL xdp/%s: adding the default route: %s\n", c->name,
			       strerror(-err));
			failed++;
			continue;
		}
		frame_build(&f, &c->spec);
		ingress = c->ingress ? if_nametoindex(c->ingress) : (__u32)w_ifindex(IF_IN);
		failed +=
			!check_frame(w, c->name, &f, ingress, c->outcome, c->dmac, c->via, c->fib);
		if (c->with_default && (err = w_route_set(w, &w_default, false))) {
			printf("FAIL xdp/%s: removing the default route: %s\n", c->name,
			       strerror(-err));
			failed++;
		}
	}

	/*
	 * Every length short of Ethernet + IPv4 header, cut from a frame that is
	 * otherwise valid (below 14 bytes, see xdp_run()).
	 */
	for (len = 0; len < ETH_HLEN + 20; len++) {
		struct frame_spec s = FRAME_SPEC(.cut = len);

		frame_build(&f, &s);
		snprintf(name, sizeof(name), "truncated_%zu", len);
		failed += !check_frame(w, name, &f, w_ifindex(IF_IN), OUT(pass_truncated), NULL,
				       IF_OUT, false);
	}
	return failed;
}

static int libbpf_warnings(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

static int libbpf_silent(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return 0;
}

/*
 * Where unaligned access is slow (arm32, mips...), the verifier refuses
 * misaligned packet access, as BPF_F_STRICT_ALIGNMENT makes it do here: frame
 * data is only 2-byte aligned, so a 4-byte load of a MAC must fail this test.
 */
static bool check_strict_alignment(void)
{
	static char log[1 << 20];
	struct v4via6_bpf *skel;
	struct tlog l;
	char *tail;
	int err;

	tlog_begin(&l);
	skel = v4via6_bpf__open();
	if (!skel) {
		tlog_fail(&l, "opening the program: %s", strerror(errno));
		return tlog_end(&l, "load_strict_alignment");
	}
	bpf_program__set_flags(skel->progs.v4via6_xdp,
			       bpf_program__flags(skel->progs.v4via6_xdp) | BPF_F_STRICT_ALIGNMENT);
	bpf_program__set_log_buf(skel->progs.v4via6_xdp, log, sizeof(log));
	libbpf_set_print(libbpf_silent);
	err = v4via6_bpf__load(skel);
	libbpf_set_print(libbpf_warnings);
	if (err) {
		/* the verifier's last lines say which access */
		tail = log + strlen(log);
		for (int n = 0; tail > log && n < 4; n += *--tail == '\n')
			;
		tlog_fail(&l, "load with BPF_F_STRICT_ALIGNMENT: actual %s != expected success",
			  strerror(-err));
		for (char *line = strtok(tail, "\n"); line; line = strtok(NULL, "\n"))
			fprintf(l.more, "    verifier: %s\n", line);
	}
	v4via6_bpf__destroy(skel);
	return tlog_end(&l, "load_strict_alignment");
}

static int world_load(struct v4via6_bpf **skel, struct world *w)
{
	static struct fib24 fib;

	if (world_load_skel(skel, w, &fib))
		return -1;
	return world_hold_prog(w->prog_fd, "hold0");
}

int main(int argc, char **argv)
{
	unsigned long long seed = FUZZ_DEFAULT_SEED;
	struct v4via6_bpf *skel = NULL;
	bool bench = false;
	struct world w;
	int failed = 0, i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--bench")) {
			bench = true;
		} else if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
			seed = strtoull(argv[++i], NULL, 0);
		} else if (!strcmp(argv[i], "--frames") && i + 1 < argc) {
			fuzz_frames = strtoull(argv[++i], NULL, 0);
		} else {
			fprintf(stderr, "usage: %s [--seed N] [--frames N] [--bench]\n", argv[0]);
			return 2;
		}
	}
	libbpf_set_print(libbpf_warnings);
	check_suite = "xdp";
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (world_build_netns() || world_load(&skel, &w) || world_fill_maps(&w)) {
		printf("FAIL xdp/setup: could not build the test's namespace and maps (see above)\n");
		v4via6_bpf__destroy(skel);
		return 1;
	}
	if (bench) {
		bench_run(&w);
	} else {
		failed += !check_strict_alignment();
		failed += run_cases(&w);
		failed += !fuzz_run(&w, seed);
	}
	v4via6_bpf__destroy(skel);
	return failed ? 1 : 0;
}
