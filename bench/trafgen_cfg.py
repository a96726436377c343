# SPDX-License-Identifier: GPL-2.0-only
"""Writes a trafgen packet file: FRAMES whole 64-byte IPv4/UDP frames (60 bytes
without the FCS, checksums computed here, TTL 64) whose destinations are spread
over the first COUNT routes of a routegen table, chosen as progcost chooses them:
one in LONG_EVERY to a route longer than /24 where the table has one. It says
on stderr how many go through a tbl8 block ("tbl8 K of FRAMES"). trafgen sends
them in turn; static frames cost the generator less than trafgen's per-packet
checksum functions, so its ceiling stays high.

usage: trafgen_cfg.py ROUTES COUNT FRAMES DST_MAC SRC_MAC > FILE
"""
import ipaddress
import struct
import sys

LONG_EVERY = 20  # bench/mix.h's BENCH_LONG_EVERY


def mix(x):
    """progcost.c's mix(): the host bits of frame f's destination."""
    m = 0xFFFFFFFF
    x ^= x >> 16
    x = (x * 0x7FEB352D) & m
    x ^= x >> 15
    x = (x * 0x846CA68B) & m
    x ^= x >> 16
    return x


def frame_route(routes, f, frames):
    """progcost.c's frame_route(): the index of frame f's route."""
    n = len(routes)
    i = f * n // frames
    want_long = f % LONG_EVERY == LONG_EVERY - 1
    for k in range(n):
        j = (i + k) % n if want_long else (i + n - k) % n
        if (routes[j].prefixlen > 24) == want_long:
            return j
    return i


def csum(data):
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def frame(dst_mac, src_mac, daddr, sport):
    saddr = ipaddress.IPv4Address("192.0.2.1").packed
    payload = bytes(18)
    ulen = 8 + len(payload)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + ulen, 0, 0, 64, 17, 0, saddr, daddr)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    pseudo = saddr + daddr + struct.pack("!BBH", 0, 17, ulen)
    udp = struct.pack("!HHHH", sport, 9, ulen, 0) + payload
    uc = csum(pseudo + udp) or 0xFFFF
    udp = udp[:6] + struct.pack("!H", uc) + udp[8:]
    eth = bytes.fromhex(dst_mac.replace(":", "")) + bytes.fromhex(src_mac.replace(":", ""))
    return eth + b"\x08\x00" + ip + udp


def main():
    if len(sys.argv) != 6:
        sys.exit(__doc__.split("\n\n")[1])
    path, count, frames, dst_mac, src_mac = sys.argv[1:]
    count, frames = int(count), int(frames)
    routes = []
    with open(path) as f:
        for line in f:
            if len(routes) == count:
                break
            routes.append(ipaddress.IPv4Network(line.split()[0]))
    # the /24s that hold longer routes: the lookups that go on to a tbl8 block
    with_long = {int(r.network_address) >> 8 for r in routes if r.prefixlen > 24}
    tbl8 = 0
    out = sys.stdout
    for i in range(frames):
        net = routes[frame_route(routes, i, frames)]
        host = 0
        if net.prefixlen < 32:
            host = mix(i + 1) & (0xFFFFFFFF >> net.prefixlen) or 1
        daddr = (int(net.network_address) | host).to_bytes(4, "big")
        tbl8 += int.from_bytes(daddr, "big") >> 8 in with_long
        data = frame(dst_mac, src_mac, daddr, 1024 + i % 60000)
        out.write("{ " + ", ".join("0x%02x" % b for b in data) + " }\n")
    print("tbl8 %d of %d" % (tbl8, frames), file=sys.stderr)


main()
