#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Writes a deterministic synthetic capture of keep-alive JSON API traffic.

N TCP connections from many client addresses and ports to a few servers,
each: three-way handshake, M request/response exchanges (POST/PUT with
~600-byte JSON bodies, GETs with query strings; responses of 1-3 KB JSON,
with Content-Length or, one time in eight, chunked), segmented at MSS 1460
with ACKs, then FIN from both sides. Connections overlap in time, and the
packets of all of them are written in timestamp order, as a tap would see
them.

Ethernet/IPv4/TCP, pcap (microseconds, LINKTYPE_ETHERNET). IPv4 header
checksums are computed; TCP checksums are left at zero.

Python standard library only; the same arguments give the same bytes.
"""

import argparse
import heapq
import random
import struct
import sys

MSS = 1460
BASE_TS_US = 1_700_000_000 * 1_000_000

SERVERS = [
    ("10.10.0.10", 8080),
    ("10.10.0.11", 8080),
    ("10.10.0.12", 80),
    ("10.10.0.13", 80),
]
HOSTS = ["api.example.com", "payments.example.com", "orders.example.net", "users.internal"]
RESOURCES = ["users", "orders", "payments", "carts", "products", "sessions", "invoices"]
AGENTS = [
    "okhttp/4.12.0",
    "python-requests/2.31.0",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0",
    "Go-http-client/1.1",
    "axios/1.6.2",
]
WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel",
         "india", "juliet", "kilo", "lima", "mike", "november", "oscar", "papa"]


def ip_bytes(s):
    return bytes(int(x) for x in s.split("."))


def ip_checksum(hdr):
    s = 0
    for i in range(0, len(hdr), 2):
        s += (hdr[i] << 8) | hdr[i + 1]
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


class Endpoint:
    def __init__(self, mac, ip, port, isn):
        self.mac = mac
        self.ip = ip
        self.port = port
        self.seq = isn
        self.ip_id = isn & 0xFFFF


def frame(src, dst, flags, payload, ack, opts=b""):
    thl = 20 + len(opts)
    tcp = struct.pack("!HHIIBBHHH", src.port, dst.port, src.seq & 0xFFFFFFFF,
                      ack & 0xFFFFFFFF, (thl // 4) << 4, flags, 65535, 0, 0) + opts
    tot = 20 + thl + len(payload)
    src.ip_id = (src.ip_id + 1) & 0xFFFF
    ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, tot, src.ip_id, 0x4000, 64, 6, 0,
                               src.ip, dst.ip))
    struct.pack_into("!H", ip, 10, ip_checksum(ip))
    eth = dst.mac + src.mac + b"\x08\x00"
    return eth + bytes(ip) + tcp + payload


FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10


def json_obj(rng, target):
    """A JSON object of roughly @target bytes."""
    parts = []
    size = 2
    i = 0
    while size < target:
        k = "%s_%d" % (rng.choice(WORDS), i)
        r = rng.random()
        if r < 0.4:
            v = '"%s"' % " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 4)))
        elif r < 0.7:
            v = str(rng.randint(0, 10**9))
        elif r < 0.8:
            v = rng.choice(["true", "false", "null"])
        else:
            v = "[%s]" % ",".join(str(rng.randint(0, 9999)) for _ in range(rng.randint(1, 6)))
        p = '"%s":%s' % (k, v)
        parts.append(p)
        size += len(p) + 1
        i += 1
    return ("{" + ",".join(parts) + "}").encode()


def make_request(rng, host, agent, token):
    res = rng.choice(RESOURCES)
    rid = rng.randint(1, 10**7)
    common = [
        "Host: %s" % host,
        "User-Agent: %s" % agent,
        "Accept: application/json",
        "Accept-Encoding: gzip, deflate",
        "Authorization: Bearer %s" % token,
        "X-Request-Id: %032x" % rng.getrandbits(128),
        "Connection: keep-alive",
    ]
    if rng.random() < 0.45:
        q = "limit=%d&offset=%d&sort=%s&fields=id,name,%s" % (
            rng.choice([10, 20, 50, 100]), rng.randint(0, 5000), rng.choice(WORDS),
            rng.choice(WORDS))
        lines = ["GET /api/v2/%s/%d?%s HTTP/1.1" % (res, rid, q)] + common + [
            "Accept-Language: en-US,en;q=0.9",
            "Cache-Control: no-cache",
            "Cookie: session=%024x; region=eu-west-1" % rng.getrandbits(96),
        ]
        return ("\r\n".join(lines) + "\r\n\r\n").encode()
    method = "POST" if rng.random() < 0.7 else "PUT"
    body = json_obj(rng, rng.randint(520, 680))
    path = "/api/v2/%s" % res if method == "POST" else "/api/v2/%s/%d" % (res, rid)
    lines = ["%s %s HTTP/1.1" % (method, path)] + common + [
        "Content-Type: application/json",
        "Content-Length: %d" % len(body),
        "Cookie: session=%024x" % rng.getrandbits(96),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def make_response(rng):
    status = rng.choices([(200, "OK"), (201, "Created"), (404, "Not Found"),
                          (400, "Bad Request")], weights=[80, 10, 6, 4])[0]
    body = json_obj(rng, rng.randint(1000, 3000))
    lines = [
        "HTTP/1.1 %d %s" % status,
        "Date: Tue, 14 Nov 2023 22:13:20 GMT",
        "Server: nginx/1.24.0",
        "Content-Type: application/json; charset=utf-8",
        "Connection: keep-alive",
        "Cache-Control: no-store",
        "X-Request-Id: %032x" % rng.getrandbits(128),
        "Strict-Transport-Security: max-age=31536000",
    ]
    if rng.random() < 0.125:
        lines.append("Transfer-Encoding: chunked")
        out = []
        pos = 0
        while pos < len(body):
            n = min(len(body) - pos, rng.choice([512, 1024, 2048]))
            out.append(b"%x\r\n" % n + body[pos:pos + n] + b"\r\n")
            pos += n
        out.append(b"0\r\n\r\n")
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + b"".join(out)
    lines.append("Content-Length: %d" % len(body))
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def connection(idx, rng, t0, n_req):
    """Yields (ts_us, frame) of one connection, in time order."""
    cip = "172.%d.%d.%d" % (16 + (idx >> 16) % 16, (idx >> 8) & 0xFF, 1 + (idx & 0xFF) % 254)
    sip, sport = SERVERS[idx % len(SERVERS)]
    host = HOSTS[idx % len(HOSTS)]
    c = Endpoint(b"\x02\x00" + struct.pack("!I", idx), ip_bytes(cip),
                 1024 + rng.randint(0, 60000), rng.getrandbits(32))
    s = Endpoint(b"\x02\xff\x00\x00\x00\x01", ip_bytes(sip), sport, rng.getrandbits(32))
    agent = rng.choice(AGENTS)
    token = "%048x" % rng.getrandbits(192)
    rtt = rng.randint(200, 2000)  # us, as seen from the tap near the server
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

    for _ in range(n_req):
        t += rng.randint(2000, 40000)  # think time
        pkts, t = send(c, s, make_request(rng, host, agent, token), t)
        yield from pkts
        t += rng.randint(300, 5000)  # service time
        pkts, t = send(s, c, make_response(rng), t)
        yield from pkts
    t += rng.randint(1000, 20000)
    yield t, frame(c, s, FIN | ACK, b"", s.seq)
    c.seq += 1
    t += rtt
    yield t, frame(s, c, FIN | ACK, b"", c.seq)
    s.seq += 1
    t += rtt
    yield t, frame(c, s, ACK, b"", s.seq)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--flows", type=int, default=2000)
    ap.add_argument("--requests", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--window", type=float, default=0.0,
                    help="seconds over which connections start (default: flows/1000)")
    a = ap.parse_args()
    window_us = int((a.window or a.flows / 1000.0) * 1e6)

    master = random.Random(a.seed)
    gens = []
    for i in range(a.flows):
        rng = random.Random(master.getrandbits(64))
        t0 = BASE_TS_US + master.randint(0, window_us)
        g = connection(i, rng, t0, a.requests)
        first = next(g)
        # (ts, tie-breaker, frame, generator): heap-merge keeps time order
        gens.append((first[0], i, first[1], g))
    heapq.heapify(gens)

    n = 0
    with open(a.out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        while gens:
            ts, i, fr, g = gens[0]
            f.write(struct.pack("<IIII", ts // 1_000_000, ts % 1_000_000, len(fr), len(fr)))
            f.write(fr)
            n += 1
            nxt = next(g, None)
            if nxt is None:
                heapq.heappop(gens)
            else:
                # a connection's own packets never go back in time
                heapq.heapreplace(gens, (max(nxt[0], ts), i, nxt[1], g))
    print("%s: %d flows x %d requests, %d frames" % (a.out, a.flows, a.requests, n),
          file=sys.stderr)


if __name__ == "__main__":
    main()
