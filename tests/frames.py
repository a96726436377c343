# SPDX-License-Identifier: GPL-2.0-only
"""Crafted IPv4 frames for the integration tests, and a byte-for-byte check of
what came out of the router. Run with /usr/bin/python3 (Debian's scapy).

  frames.py list                                      case names and expected outcome
  frames.py send IFACE SMAC DMAC SRC DST [CASE...]    send the cases (all by default)
  frames.py check PCAP SMAC DMAC SRC DST [CASE...]    the forwarded cases in PCAP must equal
                                                      the sent frames with new MACs, TTL - 1
                                                      and a checksum recomputed here

The expected frame is built from the sent one by scapy, independently of the
XDP program's incremental checksum update: a wrong TTL, MAC, checksum or a
changed payload byte is a mismatch. Each case carries its name in the payload,
so frames are matched by content, not by order.
"""
import sys

from scapy.all import ICMP, IP, UDP, Dot1Q, Ether, Raw, rdpcap, sendp, checksum  # noqa: E402


def tagged(name, size=0):
    tag = ("v4via6-case-%s;" % name).encode()
    return tag + bytes((i * 7) & 0xFF for i in range(max(0, size - len(tag))))


def checksum_in(pkt, lo, hi):
    """pkt with an IP id that puts its header checksum in [lo, hi]: the edges of
    the incremental update (RFC 1624), where the carry must be folded back.
    The id is one 16-bit word of the header, so the checksum is ~(sum + id)."""
    pkt[IP].id, pkt[IP].chksum = 0, 0
    hdr = bytes(pkt)[:20]
    base = sum(int.from_bytes(hdr[i:i + 2], "big") for i in range(0, 20, 2))
    for ip_id in range(65536):
        s = base + ip_id
        while s > 0xFFFF:
            s = (s & 0xFFFF) + (s >> 16)
        if lo <= (~s & 0xFFFF) <= hi:
            pkt[IP].id = ip_id
            del pkt[IP].chksum
            return pkt
    raise RuntimeError("no id gives a checksum in [%#x, %#x]" % (lo, hi))


# name -> (outcome, builder(src, dst)[, destination MAC]). outcome is the fwd_stats counter
# that must move by one: fwd_packets when XDP forwards, a pass_* counter when the kernel gets
# it. The destination MAC, when given, replaces the router's.
CASES = {
    "echo-ttl64": ("fwd_packets", lambda s, d: IP(src=s, dst=d, ttl=64) / ICMP(id=1, seq=1)
                   / Raw(tagged("echo-ttl64", 56))),
    "ttl2": ("fwd_packets", lambda s, d: IP(src=s, dst=d, ttl=2) / ICMP(id=1, seq=2)
             / Raw(tagged("ttl2", 56))),
    "ttl255-tos-df": ("fwd_packets", lambda s, d: IP(src=s, dst=d, ttl=255, tos=0xB8,
                                                    flags="DF", id=0xFFFF)
                      / ICMP(id=1, seq=3) / Raw(tagged("ttl255-tos-df", 100))),
    "udp-1400": ("fwd_packets", lambda s, d: IP(src=s, dst=d, ttl=30, id=4242)
                 / UDP(sport=4000, dport=9) / Raw(tagged("udp-1400", 1400))),
    "csum-high": ("fwd_packets", lambda s, d: checksum_in(
        IP(src=s, dst=d, ttl=64) / ICMP(id=1, seq=4) / Raw(tagged("csum-high")), 0xFF00, 0xFFFF)),
    "csum-low": ("fwd_packets", lambda s, d: checksum_in(
        IP(src=s, dst=d, ttl=64) / ICMP(id=1, seq=5) / Raw(tagged("csum-low")), 0x0000, 0x00FF)),
    "short-ttl1": ("pass_ttl", lambda s, d: IP(src=s, dst=d, ttl=1) / ICMP(id=1, seq=6)
                   / Raw(tagged("short-ttl1"))),
    "options": ("pass_options", lambda s, d: IP(src=s, dst=d, ttl=64,
                                               options=[b"\x94\x04\x00\x00"])  # router alert
                / ICMP(id=1, seq=7) / Raw(tagged("options"))),
    "bad-csum": ("pass_bad_csum", lambda s, d: IP(src=s, dst=d, ttl=64, chksum=0x1234)
                 / ICMP(id=1, seq=8) / Raw(tagged("bad-csum"))),
    # 10.0.99.1: a destination with no route in v4via6 (nor in the kernel, which drops it)
    "no-route": ("pass_no_route", lambda s, d: IP(src=s, dst="10.0.99.1", ttl=64)
                 / ICMP(id=1, seq=9) / Raw(tagged("no-route"))),
    "martian-src": ("pass_martian", lambda s, d: IP(src="127.0.0.1", dst=d, ttl=64)
                    / ICMP(id=1, seq=10) / Raw(tagged("martian-src"))),
    # RFC 3927 2.7 and reserved 240/4: left to the kernel even without a route (it has none
    # for them, so neither is forwarded by anyone)
    "martian-link-local": ("pass_martian", lambda s, d: IP(src=s, dst="169.254.1.1", ttl=64)
                           / ICMP(id=1, seq=14) / Raw(tagged("martian-link-local"))),
    "martian-class-e": ("pass_martian", lambda s, d: IP(src=s, dst="240.0.0.1", ttl=64)
                        / ICMP(id=1, seq=15) / Raw(tagged("martian-class-e"))),
    # total length says 1000, the frame carries less
    "long-tot-len": ("pass_bad_header", lambda s, d: IP(src=s, dst=d, ttl=64, len=1000)
                     / ICMP(id=1, seq=11) / Raw(tagged("long-tot-len"))),
    # Ethernet type IPv4, but only 10 bytes of IPv4 header
    "truncated": ("pass_truncated", lambda s, d: Raw(bytes(IP(src=s, dst=d))[:10])),
    "vlan": ("pass_vlan", lambda s, d: Dot1Q(vlan=5) / IP(src=s, dst=d, ttl=64)
             / ICMP(id=1, seq=12) / Raw(tagged("vlan")), None),
    "l2-broadcast": ("pass_l2_multicast", lambda s, d: IP(src=s, dst=d, ttl=64)
                     / ICMP(id=1, seq=13) / Raw(tagged("l2-broadcast")), "ff:ff:ff:ff:ff:ff"),
}


def build(name, smac, dmac, src, dst):
    case = CASES[name]
    dmac = case[2] if len(case) > 2 and case[2] else dmac
    l3 = case[1](src, dst)
    # type given for frames whose payload scapy cannot name (the truncated header)
    return Ether(src=smac, dst=dmac, type=0x8100 if l3.haslayer(Dot1Q) else 0x0800) / l3


def expected(sent, smac, dmac):
    """What a router must send: new MACs, TTL - 1, header checksum recomputed, nothing else."""
    frame = Ether(bytes(sent))
    frame[Ether].src, frame[Ether].dst = smac, dmac
    frame[IP].ttl -= 1
    del frame[IP].chksum
    return bytes(frame)


def main(argv):
    if len(argv) >= 2 and argv[1] == "list":
        for name, case in CASES.items():
            print(name, case[0])
        return 0
    if len(argv) < 7 or argv[1] not in ("send", "check"):
        print(__doc__, file=sys.stderr)
        return 2
    cmd, where, smac, dmac, src, dst = argv[1:7]
    names = argv[7:] or list(CASES)
    if cmd == "send":
        frames = [build(n, smac, dmac, src, dst) for n in names]
        sendp(frames, iface=where, verbose=False)
        return 0

    # check: the sender's MACs are irrelevant; the frame out of the router has smac/dmac
    got = {}
    for pkt in rdpcap(where):
        raw = bytes(pkt)
        for n in names:
            if ("v4via6-case-%s;" % n).encode() in raw:
                got.setdefault(n, []).append(raw)
    bad = 0
    for n in names:
        if CASES[n][0] != "fwd_packets":
            continue
        want = expected(build(n, "00:00:00:00:00:00", "00:00:00:00:00:00", src, dst), smac, dmac)
        frames = got.get(n, [])
        if not frames:
            print("%s: not received" % n)
            bad += 1
        elif want not in frames:
            f = Ether(frames[0])
            print("%s: received frame differs from the expected one" % n)
            print("  got:  %s ttl=%d chksum=%#06x len=%d %s" % (
                f.summary(), f[IP].ttl, f[IP].chksum, len(frames[0]), frames[0][:34].hex()))
            print("  want: %s ttl=%d len=%d %s" % (
                Ether(want).summary(), Ether(want)[IP].ttl, len(want), want[:34].hex()))
            bad += 1
        else:
            ip = bytes(Ether(want)[IP])[:20]
            assert checksum(ip) == 0  # the expected header is itself right
            print("%s: ok (ttl %d, chksum %#06x)" % (n, Ether(want)[IP].ttl,
                                                    Ether(want)[IP].chksum))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
