#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Writes a deterministic capture of the HttpParams payloads as API requests.

Each data row i (0-based, in CSV order) of the payload CSV (columns payload,
length, attack_type, label) becomes two HTTP/1.1 requests to shop.example,
each answered by `200 OK` with the body {"ok":true}:

  q: GET /p/<i>/q/search?q=<payload percent-encoded, quote(v, safe='')>
  j: POST /p/<i>/j/items  with  {"name": <json.dumps(payload)>, "qty": 1}

The detection checker (test/integration/detect_quality.py) finds the row and
the placement of an alert again from the URL prefix /p/<i>/<q|j>/, so the
capture needs no side channel; the manifest written with --manifest gives
each row's class and payload so that the checker needs no CSV either.

Requests go out on keep-alive connections of 10 requests (5 rows, each row's
q then j), from many client addresses and ports to one server, 10.1.0.1:80.
Every connection has a three-way handshake, segments of at most 1460 bytes
with ACKs and correct sequence numbers, and a FIN from each side. The
connections overlap in time and their packets are written in time order.

Ethernet/IPv4/TCP, pcap (microseconds, LINKTYPE_ETHERNET), with IPv4 and
TCP checksums. Python standard library only; the same arguments give the
same bytes.
"""

import argparse
import csv
import heapq
import json
import random
import struct
import sys
import urllib.parse

MSS = 1460
BASE_TS_US = 1_700_000_000 * 1_000_000
SERVER = ("10.1.0.1", 80)
HOST = "shop.example"
AGENT = "Mozilla/5.0 (X11; Linux x86_64) Firefox/118.0"
ROWS_PER_CONN = 5  # two requests each: 10 per connection
RESPONSE_BODY = b'{"ok":true}'
CLASSES = ("norm", "sqli", "xss", "path-traversal", "cmdi")

FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10


def ip_bytes(s):
    return bytes(int(x) for x in s.split("."))


def fold(s):
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def checksum(data):
    if len(data) & 1:
        data += b"\x00"
    return (~fold(sum(struct.unpack("!%dH" % (len(data) // 2), data)))) & 0xFFFF


class Endpoint:
    def __init__(self, mac, ip, port, isn):
        self.mac = mac
        self.ip = ip
        self.port = port
        self.seq = isn
        self.ip_id = isn & 0xFFFF


def frame(src, dst, flags, payload, ack, opts=b""):
    thl = 20 + len(opts)
    tcp = bytearray(struct.pack("!HHIIBBHHH", src.port, dst.port, src.seq & 0xFFFFFFFF,
                                ack & 0xFFFFFFFF, (thl // 4) << 4, flags, 65535, 0, 0) + opts)
    pseudo = struct.pack("!4s4sBBH", src.ip, dst.ip, 0, 6, thl + len(payload))
    struct.pack_into("!H", tcp, 16, checksum(pseudo + bytes(tcp) + payload))
    tot = 20 + thl + len(payload)
    src.ip_id = (src.ip_id + 1) & 0xFFFF
    ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, tot, src.ip_id, 0x4000, 64, 6, 0,
                               src.ip, dst.ip))
    struct.pack_into("!H", ip, 10, checksum(bytes(ip)))
    eth = dst.mac + src.mac + b"\x08\x00"
    return eth + bytes(ip) + bytes(tcp) + payload


def query_request(i, value):
    lines = [
        "GET /p/%d/q/search?q=%s HTTP/1.1" % (i, urllib.parse.quote(value, safe="")),
        "Host: " + HOST,
        "User-Agent: " + AGENT,
        "Accept: application/json",
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def json_request(i, value):
    body = ('{"name": %s, "qty": 1}' % json.dumps(value)).encode()
    lines = [
        "POST /p/%d/j/items HTTP/1.1" % i,
        "Host: " + HOST,
        "User-Agent: " + AGENT,
        "Accept: application/json",
        "Content-Type: application/json",
        "Content-Length: %d" % len(body),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def response():
    lines = [
        "HTTP/1.1 200 OK",
        "Content-Type: application/json",
        "Content-Length: %d" % len(RESPONSE_BODY),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + RESPONSE_BODY


def connection(idx, rng, t0, rows):
    """Yields (ts_us, frame) of one connection carrying @rows, in time order."""
    cip = "10.2.%d.%d" % (idx // 250 % 256, 1 + idx % 250)
    c = Endpoint(b"\x02\x00" + struct.pack("!I", idx), ip_bytes(cip),
                 1024 + rng.randint(0, 60000), rng.getrandbits(32))
    s = Endpoint(b"\x02\xff\x00\x00\x00\x01", ip_bytes(SERVER[0]), SERVER[1],
                 rng.getrandbits(32))
    rtt = rng.randint(200, 2000)  # us, as seen from a tap near the server
    t = t0

    mss_opt = struct.pack("!BBH", 2, 4, MSS)
    yield t, frame(c, s, SYN, b"", 0, mss_opt)
    c.seq += 1
    t += rtt
    yield t, frame(s, c, SYN | ACK, b"", c.seq, mss_opt)
    s.seq += 1
    t += rtt
    yield t, frame(c, s, ACK, b"", s.seq)

    def send(a, b, data, t):
        """Segments @data from a to b; b ACKs every second segment and the last."""
        out = []
        n = 0
        for pos in range(0, len(data), MSS):
            seg = data[pos:pos + MSS]
            last = pos + MSS >= len(data)
            out.append((t, frame(a, b, ACK | (PSH if last else 0), seg, b.seq)))
            a.seq += len(seg)
            t += rng.randint(5, 40)
            n += 1
            if n % 2 == 0 or last:
                out.append((t, frame(b, a, ACK, b"", a.seq)))
                t += rng.randint(5, 40)
        return out, t

    for i, value in rows:
        for req in (query_request(i, value), json_request(i, value)):
            t += rng.randint(500, 5000)  # think time
            pkts, t = send(c, s, req, t)
            yield from pkts
            t += rng.randint(200, 2000)  # service time
            pkts, t = send(s, c, response(), t)
            yield from pkts
    t += rng.randint(1000, 5000)
    yield t, frame(c, s, FIN | ACK, b"", s.seq)
    c.seq += 1
    t += rtt
    yield t, frame(s, c, FIN | ACK, b"", c.seq)
    s.seq += 1
    t += rtt
    yield t, frame(c, s, ACK, b"", s.seq)


def select_rows(path, classes, limit):
    """Returns [(row, class, payload)] of the CSV rows whose class is in
    @classes; when more than @limit, @limit of them spread evenly (the k-th
    kept is selected[k * n // limit]), so a small subset keeps the mix."""
    with open(path, newline="", encoding="utf-8") as f:
        rd = csv.DictReader(f)
        missing = {"payload", "attack_type"} - set(rd.fieldnames or ())
        if missing:
            sys.exit("%s: no column %s" % (path, ", ".join(sorted(missing))))
        rows = [(i, r["attack_type"], r["payload"]) for i, r in enumerate(rd)]
    for i, c, _ in rows:
        if c not in CLASSES:
            sys.exit("%s: data row %d: unknown attack_type %r" % (path, i, c))
    sel = [r for r in rows if classes is None or r[1] in classes]
    if limit is not None and len(sel) > limit:
        n = len(sel)
        sel = [sel[k * n // limit] for k in range(limit)]
    return sel


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--csv", required=True, help="payload CSV (HttpParams layout)")
    ap.add_argument("--out", required=True, help="pcap to write")
    ap.add_argument("--manifest", help="also write [{row, class, payload}] here (JSON)")
    ap.add_argument("--limit", type=int, help="at most N rows, spread evenly over the file")
    ap.add_argument("--classes", help="comma-separated classes to keep (default: all)")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    classes = None
    if a.classes:
        classes = set(c.strip() for c in a.classes.split(",") if c.strip())
        unknown = classes - set(CLASSES)
        if unknown:
            ap.error("unknown class %s (known: %s)" % (", ".join(sorted(unknown)),
                                                       ", ".join(CLASSES)))
    if a.limit is not None and a.limit < 1:
        ap.error("--limit must be at least 1")

    sel = select_rows(a.csv, classes, a.limit)
    if not sel:
        sys.exit("no rows selected")

    master = random.Random(a.seed)
    gens = []
    n_conn = (len(sel) + ROWS_PER_CONN - 1) // ROWS_PER_CONN
    for k in range(n_conn):
        chunk = [(i, v) for i, _, v in sel[k * ROWS_PER_CONN:(k + 1) * ROWS_PER_CONN]]
        rng = random.Random(master.getrandbits(64))
        # a new connection every 2 ms on average: a few dozen open at once
        t0 = BASE_TS_US + k * 2000 + master.randint(0, 1999)
        g = connection(k, rng, t0, chunk)
        first = next(g)
        gens.append((first[0], k, first[1], g))
    heapq.heapify(gens)

    n = 0
    with open(a.out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        while gens:
            ts, k, fr, g = gens[0]
            f.write(struct.pack("<IIII", ts // 1_000_000, ts % 1_000_000, len(fr), len(fr)))
            f.write(fr)
            n += 1
            nxt = next(g, None)
            if nxt is None:
                heapq.heappop(gens)
            else:
                # a connection's own packets never go back in time
                heapq.heapreplace(gens, (max(nxt[0], ts), k, nxt[1], g))

    if a.manifest:
        with open(a.manifest, "w") as f:
            # one row per line: diffable, and grep finds a row
            f.write("[\n" + ",\n".join(json.dumps({"row": i, "class": c, "payload": v})
                                         for i, c, v in sel) + "\n]\n")
    print("%s: %d rows, %d requests on %d connections, %d frames" %
          (a.out, len(sel), 2 * len(sel), n_conn, n), file=sys.stderr)


if __name__ == "__main__":
    main()
