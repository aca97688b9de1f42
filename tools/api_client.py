#!/usr/bin/env python3
"""Deterministic HTTP/1.1 API client for tools/api_server.py (stdlib only).

It opens --connections keep-alive connections and sends
--requests-per-connection requests on each: GET/POST/PUT/DELETE/HEAD, JSON
bodies of ~600 bytes on POST/PUT, Bearer tokens obtained through
/api/v1/login on some connections, query strings, 401/403/404 cases, a
chunked response (/api/v1/export), one chunked request body, and, on an
extra connection of its own sent as raw bytes, one POST with
"Expect: 100-continue".

What it sends is a function of --seed alone (given the server's seed), so
two runs produce the same requests. At the end it writes a JSON summary
(stdout, or --summary FILE) of every request, per connection and in order,
with the connection's local port, so a test can compare what apiradar saw
with what really happened:

  {"server": "10.77.0.2:8080", "seed": 1,
   "connections": [{"index": 0, "local_ip": "...", "local_port": 41234,
                    "kind": "keepalive", "host": "...",
                    "requests": [{"method": "GET", "path": "/api/v1/users?page=1",
                                  "status": 200, "host": "...",
                                  "req_body_len": 0, "resp_body_len": 1834,
                                  "local_port": 41234, ...}, ...]}, ...],
   "totals": {"connections": 21, "requests": 201, "by_method": {...},
              "by_status": {...}}}
"""

import argparse
import http.client
import json
import random
import socket
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

USER_AGENTS = [
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0 Safari/537.36",
    "okhttp/4.12.0",
    "python-requests/2.31.0",
    "MyShopApp/3.2.1 (iPhone; iOS 17.4; Scale/3.00)",
    "curl/8.5.0",
    "Go-http-client/1.1",
]
CATEGORIES = ["books", "games", "garden", "kitchen", "music", "office",
              "sports", "toys"]
FILLER = ("Please leave the parcel at the back door if nobody answers. "
          "Gift wrap the second item and do not include the invoice. ")
N_USERS = 50  # the server's user ids are 1..50


class Conn:
    """One keep-alive connection and the state its requests build up."""

    def __init__(self, args, index, rnd):
        self.args = args
        self.index = index
        self.rnd = rnd
        self.hosts = args.host_header or []
        self.host_header = (self.hosts[index % len(self.hosts)] if self.hosts
                            else f"{args.host}:{args.port}")
        self.ua = USER_AGENTS[rnd.randrange(len(USER_AGENTS))]
        self.uid = rnd.randint(1, N_USERS)
        self.username = None
        self.token = None
        self.created = []  # order ids this connection created
        self.seen_orders = []  # order ids read from the user's order list
        self.http = http.client.HTTPConnection(args.host, args.port,
                                               timeout=args.timeout)
        self.records = []
        self.local = None

    # ---- transport ------------------------------------------------------
    def send(self, method, path, body=None, auth=False, extra=None,
             chunked=False):
        headers = {"User-Agent": self.ua, "Accept": "application/json"}
        if self.hosts:
            headers["Host"] = self.host_header
        if auth and self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        raw = b""
        if body is not None:
            raw = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        headers.update(extra or {})
        if chunked:
            # http.client frames an iterable body as chunks when told to.
            pieces = [raw[i:i + 200] for i in range(0, len(raw), 200)]
            self.http.request(method, path, body=iter(pieces), headers=headers,
                              encode_chunked=True)
        else:
            self.http.request(method, path, body=raw if body is not None else None,
                              headers=headers)
        if self.local is None:
            self.local = self.http.sock.getsockname()
        resp = self.http.getresponse()
        data = resp.read()
        port = self.http.sock.getsockname()[1] if self.http.sock else None
        rec = {"method": method, "path": path, "status": resp.status,
               "host": self.host_header, "req_body_len": len(raw),
               "resp_body_len": len(data), "local_port": port or self.local[1]}
        if chunked:
            rec["req_chunked"] = True
        if "chunked" in (resp.getheader("Transfer-Encoding") or "").lower():
            rec["resp_chunked"] = True
        if "Authorization" in headers:
            rec["auth"] = "bearer"
        self.records.append(rec)
        if resp.will_close:
            # The server closed; http.client would reconnect silently on a
            # new port: note it so the summary stays truthful.
            rec["server_closed"] = True
        try:
            return resp, json.loads(data) if data and resp.getheader(
                "Content-Type", "").startswith("application/json") else None
        except ValueError:
            return resp, None

    # ---- request bodies -------------------------------------------------
    def order_body(self):
        r = self.rnd
        items = [{"product_id": r.randint(1, 120), "qty": r.randint(1, 4),
                  "unit_price": round(r.uniform(2, 300), 2)}
                 for _ in range(r.randint(2, 4))]
        body = {"user_id": self.uid, "currency": "USD", "items": items,
                "shipping": {"name": f"Customer {self.uid}",
                             "street": f"{r.randint(1, 999)} Market St",
                             "city": "Springfield", "zip": f"{r.randint(10000, 99999)}",
                             "country": "US", "phone": f"+1-555-{r.randint(100, 999)}-"
                                                       f"{r.randint(1000, 9999)}"},
                "client_ref": str(uuid.UUID(int=r.getrandbits(128), version=4)),
                "note": ""}
        return self.pad(body, 560 + r.randint(0, 80))

    def user_patch(self):
        r = self.rnd
        body = {"name": f"Updated Name {r.randint(1, 999)}",
                "phone": f"+1-555-{r.randint(100, 999)}-{r.randint(1000, 9999)}",
                "address": {"street": f"{r.randint(1, 999)} Harbor Rd",
                            "city": "Lakeside", "zip": f"{r.randint(10000, 99999)}",
                            "country": "US"},
                "preferences": {"newsletter": r.random() < 0.5,
                                "language": r.choice(["en", "de", "fr", "es"]),
                                "theme": r.choice(["light", "dark"])},
                "bio": ""}
        return self.pad(body, 560 + r.randint(0, 80), key="bio")

    @staticmethod
    def pad(body, target, key="note"):
        """Fill one text field so the JSON is about `target` bytes."""
        n = target - len(json.dumps(body))
        body[key] = (FILLER * (n // len(FILLER) + 1))[:max(n, 0)]
        return body

    # ---- the request mix --------------------------------------------------
    def login(self, wrong_first=False):
        resp, user = self.send("GET", f"/api/v1/users/{self.uid}")
        self.username = user["username"] if user else f"user{self.uid}"
        if wrong_first:
            self.send("POST", "/api/v1/login",
                      {"username": self.username, "password": "letmein"})
        resp, tok = self.send("POST", "/api/v1/login",
                              {"username": self.username,
                               "password": f"pw-{self.username}"})
        if resp.status == 200 and tok:
            self.token = tok["token"]

    def one(self):
        """One request chosen by weight from the mix."""
        r = self.rnd
        actions = [
            (10, self.a_list_users), (10, self.a_get_user), (6, self.a_me),
            (5, self.a_put_user), (8, self.a_user_orders), (10, self.a_post_order),
            (8, self.a_get_order), (5, self.a_delete_order), (12, self.a_products),
            (3, self.a_export), (4, self.a_admin), (3, self.a_health),
            (3, self.a_unknown),
        ]
        total = sum(w for w, _ in actions)
        x = r.uniform(0, total)
        for w, fn in actions:
            x -= w
            if x <= 0:
                return fn()
        return actions[-1][1]()

    def a_list_users(self):
        r = self.rnd
        self.send("GET", f"/api/v1/users?page={r.randint(1, 6)}&limit={r.choice([5, 8, 10])}",
                  auth=True)

    def a_get_user(self):
        # Ids up to 60: some hit 404; with a token, this is the kind of
        # walk over other users' ids a BOLA detector should notice.
        self.send("GET", f"/api/v1/users/{self.rnd.randint(1, 60)}", auth=True)

    def a_me(self):
        self.send("GET", "/api/v1/users/me", auth=True)

    def a_put_user(self):
        self.send("PUT", f"/api/v1/users/{self.uid}", self.user_patch(), auth=True)

    def a_user_orders(self):
        resp, body = self.send("GET", f"/api/v1/users/{self.uid}/orders", auth=True)
        if body:
            self.seen_orders = [o["id"] for o in body.get("items", [])]

    def a_post_order(self, chunked=False):
        resp, body = self.send("POST", "/api/v1/orders", self.order_body(),
                               auth=True, chunked=chunked)
        loc = resp.getheader("Location")
        if resp.status == 201 and loc:
            self.created.append(loc.rsplit("/", 1)[1])

    def a_get_order(self):
        pool = self.created + self.seen_orders
        oid = (self.rnd.choice(pool) if pool and self.rnd.random() < 0.85
               else str(uuid.UUID(int=self.rnd.getrandbits(128), version=4)))
        self.send("GET", f"/api/v1/orders/{oid}", auth=True)

    def a_delete_order(self):
        if self.created and self.rnd.random() < 0.8:
            oid = self.created.pop(0)
        else:
            oid = str(uuid.UUID(int=self.rnd.getrandbits(128), version=4))
        self.send("DELETE", f"/api/v1/orders/{oid}", auth=True)

    def a_products(self):
        r = self.rnd
        q = f"category={r.choice(CATEGORIES)}&page={r.randint(1, 2)}"
        if r.random() < 0.3:
            q += "&sort=price&order=desc"
        self.send("GET", f"/api/v2/products?{q}")

    def a_export(self):
        self.send("GET", f"/api/v1/export?format=ndjson&limit={self.rnd.randint(5, 15)}",
                  auth=True)

    def a_admin(self):
        self.send("GET", self.rnd.choice(["/api/v1/admin/stats", "/api/v1/admin/users"]),
                  auth=True)

    def a_health(self):
        self.send("GET", "/health", extra={"Accept": "text/plain"})

    def a_unknown(self):
        self.send("GET", self.rnd.choice(["/api/v1/does-not-exist", "/api/v3/users",
                                          "/favicon.ico", "/api/v1/users/abc"]))

    def a_head(self):
        self.send("HEAD", "/api/v1/users?page=1&limit=5")

    # ---- a whole connection ---------------------------------------------
    def run(self, m):
        r = self.rnd
        plan = []  # callables, m of them in the end
        kind = r.random()
        if kind < 0.65 and m >= 3:
            wrong = r.random() < 0.2 and m >= 4
            plan.append(lambda: self.login(wrong_first=wrong))
            used = 3 if wrong else 2  # login() sends 2 (or 3) requests
        else:
            used = 0
        # Fixed extras, so every run has them: a HEAD on connection 0 and
        # a chunked request body on connection 1.
        if self.index == 0 and m - used >= 1:
            plan.append(self.a_head)
            used += 1
        if self.index == 1 and m - used >= 1:
            plan.append(lambda: self.a_post_order(chunked=True))
            used += 1
        while used < m:
            plan.append(self.one)
            used += 1
        for step in plan:
            step()
            if self.args.think_ms:
                time.sleep(self.args.think_ms / 1000.0)
        self.http.close()
        return {"index": self.index, "kind": "keepalive",
                "local_ip": self.local[0] if self.local else None,
                "local_port": self.local[1] if self.local else None,
                "host": self.host_header, "user_agent": self.ua,
                "requests": self.records}


def expect_continue(args, index, rnd):
    """One POST with Expect: 100-continue on a connection of its own, as raw
    bytes: http.client would send the body without waiting for the 100."""
    host = args.host_header[0] if args.host_header else f"{args.host}:{args.port}"
    body = json.dumps({"user_id": 1, "currency": "USD",
                       "items": [{"product_id": 7, "qty": 2, "unit_price": 19.99}],
                       "client_ref": str(uuid.UUID(int=rnd.getrandbits(128), version=4)),
                       "note": (FILLER * 6)[:420]}).encode()
    sock = socket.create_connection((args.host, args.port), timeout=args.timeout)
    local = sock.getsockname()
    head = (f"POST /api/v1/orders HTTP/1.1\r\nHost: {host}\r\n"
            f"User-Agent: curl/8.5.0\r\nAccept: application/json\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            f"Expect: 100-continue\r\n\r\n").encode()
    sock.sendall(head)
    interim = b""
    while b"\r\n\r\n" not in interim:
        chunk = sock.recv(1024)
        if not chunk:
            break
        interim += chunk
    interim_status = int(interim.split(b" ", 2)[1]) if interim.startswith(b"HTTP/") else None
    sock.sendall(body)
    resp = http.client.HTTPResponse(sock, method="POST")
    resp.begin()
    data = resp.read()
    sock.close()
    rec = {"method": "POST", "path": "/api/v1/orders", "status": resp.status,
           "host": host, "req_body_len": len(body), "resp_body_len": len(data),
           "local_port": local[1], "expect_100": True,
           "interim_status": interim_status}
    return {"index": index, "kind": "expect-100-continue", "local_ip": local[0],
            "local_port": local[1], "host": host, "user_agent": "curl/8.5.0",
            "requests": [rec]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--host", default="127.0.0.1", help="server address")
    ap.add_argument("--port", type=int, default=8080)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--connections", type=int, default=5)
    ap.add_argument("--requests-per-connection", type=int, default=10)
    ap.add_argument("--parallel", type=int, default=1,
                    help="connections open at once (1: one after the other)")
    ap.add_argument("--host-header", action="append",
                    help="Host header value (repeat: connection i uses the "
                         "i-th modulo the count); default host:port")
    ap.add_argument("--no-expect", action="store_true",
                    help="skip the extra Expect: 100-continue connection")
    ap.add_argument("--think-ms", type=float, default=0,
                    help="pause between requests on a connection")
    ap.add_argument("--timeout", type=float, default=10)
    ap.add_argument("--summary", help="write the JSON summary here, not stdout")
    args = ap.parse_args()

    n, m = args.connections, args.requests_per_connection
    # Each connection has its own RNG, so its requests do not depend on how
    # connections interleave when --parallel > 1.
    conns = [Conn(args, i, random.Random(f"{args.seed}:{i}")) for i in range(n)]
    if args.parallel > 1:
        with ThreadPoolExecutor(args.parallel) as ex:
            results = list(ex.map(lambda c: c.run(m), conns))
    else:
        results = [c.run(m) for c in conns]
    if not args.no_expect:
        results.append(expect_continue(args, n, random.Random(f"{args.seed}:expect")))

    by_method, by_status = {}, {}
    for c in results:
        for rq in c["requests"]:
            by_method[rq["method"]] = by_method.get(rq["method"], 0) + 1
            by_status[str(rq["status"])] = by_status.get(str(rq["status"]), 0) + 1
    summary = {"server": f"{args.host}:{args.port}", "seed": args.seed,
               "connections": results,
               "totals": {"connections": len(results),
                          "requests": sum(len(c["requests"]) for c in results),
                          "by_method": dict(sorted(by_method.items())),
                          "by_status": dict(sorted(by_status.items()))}}
    text = json.dumps(summary, indent=1) + "\n"
    if args.summary:
        with open(args.summary, "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
