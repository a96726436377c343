# SPDX-License-Identifier: GPL-2.0-only
"""A layout-1 pin dir as the layout-1 loader (commit 2a843ab) left it after
`attach IFACE...`, `route add PREFIX via inet6 LL dev IFACE` and
`neigh add LL lladdr MAC dev IFACE`, for tests/test-upgrade.sh. Run inside the
router's network namespace (nsenter --net, keeping the caller's mounts), with
/usr/bin/python3:

  state.py PIN_DIR OBJ IFACE,... [route PREFIX LL IFACE]... [neigh LL MAC IFACE]...

What 2a843ab's state.c, iface.c and fib24.c wrote, by the frozen include/v4via6.h
(tests/layout1/v4via6.h):
- the pin dir: the marks "layout-1", "netns-<inode>" and "netcookie-<cookie>"
  (empty directories), the maps pinned by name and the program as "prog";
- attach: egress[ifindex] = {MAC, MTU} (a hash), tx_ports[ifindex] = {ifindex}
  (a DEVMAP_HASH), then the program attached in native mode;
- routes: the LPM trie {prefixlen, addr} -> {ifindex, next hop, prefixlen, 0};
  tbl24 (one __u64 per /24): the nexthops slot and length of the longest route
  of /24 or shorter covering it, V4VIA6_T24_VALID, and the count of routes
  longer than /24 inside it; nexthops: one slot per next hop with its
  reference count (FIB24_SLOT_ALLOCATED | refs), slot 0 the state word
  FIB24_CLEAN. The loader chose slots by a hash; which slot a next hop gets
  does not matter to the program (nor to the upgrade, which rebuilds them);
- neighs: {ifindex, next hop} -> {MAC, 0}.
Only what the upgrade test uses: no throw routes, no local entries (the
seed's router has no IPv4 address, so the layout-1 loader wrote none).
"""
import ipaddress
import json
import os
import socket
import struct
import subprocess
import sys

SO_NETNS_COOKIE = 71
T24_LEN_SHIFT, T24_VALID, T24_LONGER_SHIFT = 32, 1 << 38, 39
SLOT_ALLOCATED, FIB24_CLEAN = 1 << 31, 0x636C6E31


def link(name):
    out = subprocess.run(["ip", "-j", "link", "show", "dev", name], check=True,
                         capture_output=True, text=True).stdout
    d = json.loads(out)[0]
    return d["ifindex"], bytes.fromhex(d["address"].replace(":", "")), d["mtu"]


def hexb(b):
    return " ".join("%02x" % x for x in b)


def nexthop(ifindex, ll):
    return struct.pack("<I", ifindex) + socket.inet_pton(socket.AF_INET6, ll)


def main(argv):
    pin_dir, obj, ifaces, rest = argv[0], argv[1], argv[2].split(","), argv[3:]
    routes, neighs = [], []
    while rest:
        if rest[0] == "route":
            routes.append((ipaddress.ip_network(rest[1]), rest[2], rest[3]))
            rest = rest[4:]
        elif rest[0] == "neigh":
            neighs.append((rest[1], bytes.fromhex(rest[2].replace(":", "")), rest[3]))
            rest = rest[4:]
        else:
            sys.exit("state.py: %s: not route or neigh" % rest[0])

    # the pin dir, its marks, the maps and the program
    os.mkdir(pin_dir, 0o700)
    st = os.stat("/proc/self/ns/net")
    cookie = struct.unpack("<Q", socket.socket().getsockopt(socket.SOL_SOCKET,
                                                            SO_NETNS_COOKIE, 8))[0]
    for mark in ("netns-%d" % st.st_ino, "netcookie-%d" % cookie, "layout-1"):
        os.mkdir(os.path.join(pin_dir, mark), 0o700)
    subprocess.run(["bpftool", "prog", "load", obj, os.path.join(pin_dir, "prog"), "type", "xdp",
                    "pinmaps", pin_dir], check=True)

    cmds = []

    def update(m, key, value):
        cmds.append("map update pinned %s key hex %s value hex %s" %
                    (os.path.join(pin_dir, m), hexb(key), hexb(value)))

    for name in ifaces:
        ifindex, mac, mtu = link(name)
        update("egress", struct.pack("<I", ifindex), mac + b"\0\0" + struct.pack("<I", mtu))
        update("tx_ports", struct.pack("<I", ifindex), struct.pack("<II", ifindex, 0))

    slots, refs, t24 = {}, {}, {}
    for net, ll, dev in routes:
        nh = nexthop(link(dev)[0], ll)
        addr = int(net.network_address)
        update("routes", struct.pack("<I", net.prefixlen) + net.network_address.packed,
               nh + struct.pack("<HH", net.prefixlen, 0))
        if net.prefixlen > 24:
            t24.setdefault(addr >> 8, [None, 0])[1] += 1
            continue
        slots.setdefault(nh, len(slots) + 1)
        for i in range(addr >> 8, (addr >> 8) + (1 << (24 - net.prefixlen))):
            e = t24.setdefault(i, [None, 0])
            if e[0] is None or e[0][1] < net.prefixlen:
                e[0] = (nh, net.prefixlen)
    for i, (best, longer) in sorted(t24.items()):
        v = longer << T24_LONGER_SHIFT
        if best:
            v |= slots[best[0]] | best[1] << T24_LEN_SHIFT | T24_VALID
            refs[best[0]] = refs.get(best[0], 0) + 1
        update("tbl24", struct.pack("<I", i), struct.pack("<Q", v))
    update("nexthops", struct.pack("<I", 0), bytes(20) + struct.pack("<I", FIB24_CLEAN))
    for nh, k in slots.items():
        if refs.get(nh):  # a next hop that no /24 ends up using: its slot is free again
            update("nexthops", struct.pack("<I", k),
                   nh + struct.pack("<I", SLOT_ALLOCATED | refs[nh]))

    for ll, mac, dev in neighs:
        update("neighs", nexthop(link(dev)[0], ll), mac + b"\0\0")

    subprocess.run(["bpftool", "batch", "file", "-"], input="\n".join(cmds) + "\n", text=True,
                   check=True, stdout=subprocess.DEVNULL)
    for name in ifaces:
        subprocess.run(["ip", "link", "set", "dev", name, "xdpdrv", "pinned",
                        os.path.join(pin_dir, "prog")], check=True)


if __name__ == "__main__":
    main(sys.argv[1:])
