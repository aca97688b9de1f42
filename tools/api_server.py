#!/usr/bin/env python3
"""A small, real HTTP/1.1 JSON REST API, used to produce test traffic for
apiradar (see tools/make-capture.sh). Python 3 standard library only.

Every response body is a pure function of the request and --seed, so two
captures made with the same client arguments carry the same payloads (only
the Date header, TCP ports, sequence numbers and timings differ).

Endpoints
  GET    /health                        text/plain "ok"
  GET    /api/v1/users?page=&limit=     user list (JSON, ~1-3 KB)
  GET    /api/v1/users/me               the token's user (401 without Bearer)
  GET    /api/v1/users/{id}             one user (404 if unknown)
  PUT    /api/v1/users/{id}             update a user, echoes it (Bearer)
  GET    /api/v1/users/{id}/orders      the user's orders
  POST   /api/v1/orders                 create (JSON) -> 201 + Location
  GET    /api/v1/orders/{uuid}          one order (404 if unknown)
  DELETE /api/v1/orders/{uuid}          204 (404 if unknown)
  GET    /api/v2/products?category=&page=   product list
  POST   /api/v1/login                  {"username","password"} -> token
  GET    /api/v1/export                 NDJSON, Transfer-Encoding: chunked
  GET    /api/v1/admin/...              401 w/o Bearer, 403 non-admin, 200
  GET    /api/v1/users/{id}/payment     cards and payout account (Bearer)
  GET    /api/v1/preview?url=           link preview of a URL
  POST   /api/v1/webhooks               {"url","events"} -> 201 (Bearer)
  POST   /api/v1/orders/import          orders as XML -> 201
  HEAD   on any GET route               headers only, with Content-Length
Anything else: 404 JSON (405 JSON with Allow for a known path, wrong method).
Requests may carry a chunked body; "Expect: 100-continue" is answered with
"100 Continue" by http.server itself.

Weak spots, on purpose, so attack traffic (api_client.py --attacks) gets
the answers a real, somewhat careless service gives. Nothing here runs a
command, reads a file or opens a connection: every answer is made up, from
fixed texts and the request.
  - /api/v2/products builds its MySQL query from the parameters: a quote
    that breaks the syntax is a 500 leaking the database error, a UNION a
    column-count error, `' OR 'a'='a` returns every product, SLEEP(n)
    waits (at most 5 s); `q` is rendered as a template ({{7*7}} -> 49).
  - /api/v1/users?sort= goes to PostgreSQL the same way (psycopg2 errors).
  - /api/v1/login takes MongoDB-style operators ({"$ne": null}) as values.
  - /api/v1/users/{id}/payment returns full card numbers and the IBAN to
    any logged-in user (excessive data exposure and BOLA).
  - /api/v1/export?file= strips "../" once ("....//" gets through) and
    serves /etc/passwd; unknown /api/v1/admin sections with parameters
    crash with a Python traceback before the role check (debug mode).
  - /api/v1/preview and /api/v1/webhooks "fetch" any URL, the cloud
    metadata address included; /api/v1/orders/import (a Java service
    behind the same host) resolves external XML entities.
"""

import argparse
import hashlib
import json
import random
import re
import posixpath
import signal
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

# Namespace for all deterministic UUIDs (order ids).
NS = uuid.UUID("6f1c2a52-7d1e-4b7e-9a0c-8b8a2f0e5a11")

FIRST = ["Ada", "Alan", "Grace", "Linus", "Barbara", "Dennis", "Ken",
         "Margaret", "Edsger", "Frances", "John", "Radia", "Tim", "Hedy",
         "Donald", "Sophie", "Niklaus", "Karen", "Vint", "Shafi"]
LAST = ["Lovelace", "Turing", "Hopper", "Torvalds", "Liskov", "Ritchie",
        "Thompson", "Hamilton", "Dijkstra", "Allen", "McCarthy", "Perlman",
        "Berners-Lee", "Lamarr", "Knuth", "Wilson", "Wirth", "Jones", "Cerf",
        "Goldwasser"]
CITIES = ["Springfield", "Riverton", "Lakeside", "Fairview", "Greenville",
          "Madison", "Georgetown", "Franklin", "Clinton", "Salem"]
STREETS = ["Main St", "Oak Ave", "Pine Rd", "Maple Dr", "Cedar Ln",
           "Elm St", "Hill Rd", "Lake View", "Park Ave", "Birch Way"]
CATEGORIES = ["books", "games", "garden", "kitchen", "music", "office",
              "sports", "toys"]
ADJ = ["Compact", "Deluxe", "Eco", "Classic", "Smart", "Portable", "Pro",
       "Mini", "Heavy-duty", "Vintage"]
NOUN = ["Lamp", "Kettle", "Notebook", "Speaker", "Backpack", "Chair",
        "Puzzle", "Racket", "Planter", "Blender", "Keyboard", "Guitar"]

N_USERS = 50
N_PRODUCTS = 120

# Area codes for E.164 numbers in the 555-01XX range, which the North
# American numbering plan keeps for fiction: realistic, yet nobody's.
AREA_CODES = ["206", "212", "312", "415", "503", "512", "617", "646", "702", "720"]
# Card numbers published by card networks and payment processors for
# testing (all pass the Luhn check), and the example IBANs of the national
# registries (all pass the mod-97 check).
TEST_CARDS = [("visa", "4111111111111111"), ("mastercard", "5555555555554444"),
              ("visa", "4012888888881881"), ("amex", "378282246310005"),
              ("discover", "6011111111111117"), ("mastercard", "5105105105105100")]
TEST_IBANS = [("GB82WEST12345698765432", "WESTGB2L"), ("DE89370400440532013000", "COBADEFFXXX"),
              ("FR1420041010050500013M02606", "PSSTFRPPPAR"), ("NL91ABNA0417164300", "ABNANL2A")]

# What the vulnerable endpoints "read" from disk or from the network.
FAKE_FILES = {
    "/etc/passwd": "root:x:0:0:root:/root:/bin/bash\n"
                   "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
                   "bin:x:2:2:bin:/bin:/usr/sbin/nologin\n"
                   "sys:x:3:3:sys:/dev:/usr/sbin/nologin\n"
                   "www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n"
                   "shop:x:1000:1000:Shop API,,,:/srv/shop:/bin/bash\n",
}
FAKE_URLS = {
    "http://169.254.169.254/latest/meta-data/iam/": "info\nsecurity-credentials/\n",
    "http://169.254.169.254/latest/meta-data/iam/security-credentials/": "shop-api-prod\n",
    "http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token":
        '{"error": "Missing required header: Metadata-Flavor"}',
}
EXPORT_DIR = "/var/lib/shop/exports"
MYSQL_VERSION = "8.0.32"
PG_VERSION = ("PostgreSQL 13.11 (Debian 13.11-0+deb11u1) on x86_64-pc-linux-gnu, "
              "compiled by gcc (Debian 10.2.1-6) 10.2.1 20210110, 64-bit")
# Banners of the debug error pages only: normal answers keep the plain
# Server header of this script.
DEBUG_SERVER = "Werkzeug/2.0.3 Python/3.9.2"
JAVA_SERVER = "Apache-Coyote/1.1"


def token_for(seed, username):
    """The bearer token login hands out; a pure function of seed+user."""
    return hashlib.sha256(f"{seed}:{username}".encode()).hexdigest()[:40]


def password_for(username):
    """Every demo user's password (the client knows this rule too)."""
    return f"pw-{username}"


class Data:
    """Seeded, in-memory state shared by all handler threads."""

    def __init__(self, seed):
        self.seed = seed
        self.lock = threading.Lock()
        rnd = random.Random(seed)
        self.users = {}
        self.by_token = {}
        for uid in range(1, N_USERS + 1):
            first, last = rnd.choice(FIRST), rnd.choice(LAST)
            username = f"{first.lower()}.{last.lower()}{uid}"
            # Two draws, as when phones were written +1-555-NNN-NNNN, so the
            # rest of the data stays what it was.
            area, line = rnd.randint(100, 999), rnd.randint(1000, 9999)
            user = {
                "id": uid,
                "username": username,
                "name": f"{first} {last}",
                # Reserved example domain and 555-01XX numbers (E.164):
                # look like PII to a detector, belong to nobody.
                "email": f"{username}@example.com",
                "phone": f"+1{AREA_CODES[area % len(AREA_CODES)]}5550{100 + line % 100}",
                "role": "admin" if uid in (1, 2) else "customer",
                "address": {
                    "street": f"{rnd.randint(1, 999)} {rnd.choice(STREETS)}",
                    "city": rnd.choice(CITIES),
                    "zip": f"{rnd.randint(10000, 99999)}",
                    "country": "US",
                },
                "created_at": f"2024-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}"
                              f"T{rnd.randint(0, 23):02d}:{rnd.randint(0, 59):02d}:00Z",
                "active": rnd.random() > 0.1,
            }
            self.users[uid] = user
            self.by_token[token_for(seed, username)] = uid
        # Payment details, from an RNG of their own so the rest of the
        # data does not depend on them.
        prnd = random.Random(f"{seed}:payments")
        self.payments = {}
        for uid, user in self.users.items():
            brand, number = prnd.choice(TEST_CARDS)
            iban, bic = prnd.choice(TEST_IBANS)
            self.payments[uid] = {
                "card": {"brand": brand, "number": number,
                         "exp": f"{prnd.randint(1, 12):02d}/{prnd.randint(26, 30)}",
                         "holder": user["name"]},
                "payout": {"iban": iban, "bic": bic, "holder": user["name"]},
            }
        self.products = []
        for pid in range(1, N_PRODUCTS + 1):
            self.products.append({
                "id": pid,
                "sku": f"SKU-{rnd.randint(100000, 999999)}",
                "name": f"{rnd.choice(ADJ)} {rnd.choice(NOUN)}",
                "category": rnd.choice(CATEGORIES),
                "price": round(rnd.uniform(2, 500), 2),
                "currency": "USD",
                "stock": rnd.randint(0, 250),
                "rating": round(rnd.uniform(1, 5), 1),
            })
        # Seeded orders, three per user; POSTed ones are added at run time.
        self.orders = {}
        for uid in range(1, N_USERS + 1):
            for k in range(3):
                oid = str(uuid.uuid5(NS, f"{seed}:seed-order:{uid}:{k}"))
                items = [{"product_id": p["id"], "qty": rnd.randint(1, 4),
                          "unit_price": p["price"]}
                         for p in rnd.sample(self.products, rnd.randint(1, 3))]
                self.orders[oid] = {
                    "id": oid, "user_id": uid, "status": rnd.choice(
                        ["pending", "paid", "shipped", "delivered"]),
                    "items": items,
                    "total": round(sum(i["qty"] * i["unit_price"] for i in items), 2),
                    "currency": "USD",
                }


UUID_RE = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"

SQL_COMMENT_RE = re.compile(r"--[ \t-]|--$|#|/\*")
SQL_SLEEP_RE = re.compile(r"\b(?:pg_)?sleep\s*\(\s*(\d+)", re.I)
SQL_TAUTOLOGY_RE = re.compile(r"\bor\b\s*'?(\w+)'?\s*=\s*'?\1\b"
                              r"|\bor\s+not\s+(\d+)\s*=\s*(?!\2\b)\d+", re.I)
SQL_UNION_RE = re.compile(r"\bunion\b.*\bselect\b", re.I | re.S)


def mysql_outcome(value):
    """What MySQL makes of `... LIKE '%{value}%' ...`, the statement
    /api/v2/products builds: "ok" (no quote, or a valid statement that
    matches nothing), "all" (a tautology), "union" (a UNION with the wrong
    column count), "syntax" (broken quoting or a stacked statement), and
    the seconds a SLEEP() in a valid statement costs."""
    if "'" not in value:
        return "ok", 0
    m = SQL_COMMENT_RE.search(value)
    head = value[:m.start()] if m else value
    # The value sits between two quotes; a comment drops the closing one.
    if head.count("'") % 2 != (1 if m else 0) or ";" in head:
        return "syntax", 0
    if SQL_UNION_RE.search(head):
        return "union", 0
    sleep = SQL_SLEEP_RE.search(head)
    if sleep:
        return "ok", min(int(sleep.group(1)), 5)
    if SQL_TAUTOLOGY_RE.search(head):
        return "all", 0
    return "ok", 0


def mongo_match(cond, value):
    """MongoDB query semantics for one field: a plain value must be equal,
    an operator object ({"$ne": null}) is evaluated, which is what lets
    such objects through a login that passes request JSON to find_one()."""
    if not isinstance(cond, dict):
        return cond == value
    for op, arg in cond.items():
        if op == "$ne":
            ok = value != arg
        elif op == "$gt":
            ok = isinstance(arg, str) and value > arg
        elif op == "$in":
            ok = isinstance(arg, list) and value in arg
        elif op == "$exists":
            ok = bool(arg)
        elif op == "$regex":
            try:
                ok = isinstance(arg, str) and re.search(arg, value) is not None
            except re.error as e:
                raise ValueError(f"$regex: {e}") from None
        else:
            raise ValueError(f"unknown operator {op}")
        if not ok:
            return False
    return True


def flask_traceback(func, lines, error):
    """The text a Flask app in debug mode answers with when `func` raises."""
    site = "/srv/shop/venv/lib/python3.9/site-packages/flask/app.py"
    out = ["Traceback (most recent call last):",
           f'  File "{site}", line 2073, in wsgi_app',
           "    response = self.full_dispatch_request()",
           f'  File "{site}", line 1518, in full_dispatch_request',
           "    rv = self.handle_user_exception(e)",
           f'  File "{site}", line 1516, in full_dispatch_request',
           "    rv = self.dispatch_request()",
           f'  File "{site}", line 1502, in dispatch_request',
           "    return self.ensure_sync(self.view_functions[rule.endpoint])(**req.view_args)",
           f'  File "/srv/shop/shop/api/admin.py", line 88, in {func}']
    return "\n".join(out + lines + [error]) + "\n"


def java_trace():
    """What a Spring service whose XML parser resolves external entities
    answers when an entity's host does not answer."""
    return "\n".join([
        "java.net.ConnectException: Connection timed out (Connection timed out)",
        "\tat java.base/java.net.PlainSocketImpl.socketConnect(Native Method)",
        "\tat java.base/java.net.AbstractPlainSocketImpl.doConnect"
        "(AbstractPlainSocketImpl.java:412)",
        "\tat java.base/java.net.Socket.connect(Socket.java:609)",
        "\tat java.base/sun.net.www.http.HttpClient.openServer(HttpClient.java:474)",
        "\tat java.base/sun.net.www.protocol.http.HttpURLConnection.getInputStream0"
        "(HttpURLConnection.java:1592)",
        "\tat java.xml/com.sun.org.apache.xerces.internal.impl.XMLEntityManager.setupCurrentEntity"
        "(XMLEntityManager.java:623)",
        "\tat java.xml/com.sun.org.apache.xerces.internal.impl.XMLEntityManager.startEntity"
        "(XMLEntityManager.java:1304)",
        "\tat java.xml/javax.xml.parsers.DocumentBuilder.parse(DocumentBuilder.java:122)",
        "\tat com.example.shop.imports.OrderImportController.importXml"
        "(OrderImportController.java:57)",
        "\tat org.springframework.web.servlet.FrameworkServlet.service(FrameworkServlet.java:883)",
        "\tat org.apache.catalina.core.ApplicationFilterChain.internalDoFilter"
        "(ApplicationFilterChain.java:227)",
    ]) + "\n"


def fake_fetch(url):
    """What the service's URL fetcher (link previews, webhook tests) gets
    back: canned answers for the cloud metadata service, refusals for
    loopback, nothing for the rest. Nothing is really fetched."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return None
    if url in FAKE_URLS:
        return {"status": 200, "content_type": "text/plain", "body": FAKE_URLS[url]}
    host = (parts.hostname or "").lower()
    if host in ("localhost", "0.0.0.0", "::1") or host.startswith("127."):
        return {"status": 502, "error": f"connection refused: {host}:{parts.port or 80}"}
    return {"status": 504, "error": f"timed out: {host}"}


class Handler(BaseHTTPRequestHandler):
    # HTTP/1.1: keep-alive by default, and Expect: 100-continue honoured.
    protocol_version = "HTTP/1.1"
    server_version = "apiradar-demo/1.0"
    sys_version = ""
    data = None  # set in main()
    quiet = False
    banner = None  # this response's Server header, when not the default

    def version_string(self):
        return self.banner or super().version_string()

    def log_message(self, fmt, *args):
        if not self.quiet:
            sys.stderr.write("%s - %s\n" % (self.address_string(), fmt % args))

    # ---- request body -------------------------------------------------
    def read_body(self):
        """Read the whole request body (Content-Length or chunked) so the
        connection stays in sync for the next request, whatever the route."""
        te = self.headers.get("Transfer-Encoding", "")
        if "chunked" in te.lower():
            out = bytearray()
            while True:
                line = self.rfile.readline(1024)
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    # trailers, up to the empty line
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass
                    return bytes(out)
                out += self.rfile.read(size)
                self.rfile.readline(8)  # CRLF after the chunk
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    # ---- responses ----------------------------------------------------
    def send_bytes(self, status, body, ctype, extra=None):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        if status not in (204, 304):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD" and status not in (204, 304):
            self.wfile.write(body)

    def send_json(self, status, obj, extra=None):
        body = json.dumps(obj).encode() + b"\n"
        self.send_bytes(status, body, "application/json; charset=utf-8", extra)

    def error(self, status, code, message, extra=None):
        self.send_json(status, {"error": {"code": code, "message": message,
                                          "status": status,
                                          "path": self.path}}, extra)

    def send_chunked(self, pieces):
        """Transfer-Encoding: chunked, framed by hand, one chunk per piece."""
        self.send_response(200)
        self.send_header("Content-Type", "application/x-ndjson")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        if self.command == "HEAD":
            return
        for p in pieces:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(p), p))
        self.wfile.write(b"0\r\n\r\n")

    def bearer_user(self):
        """The user id of a valid Bearer token, None if absent/invalid."""
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Bearer "):
            return None
        return self.data.by_token.get(auth[7:].strip())

    # ---- routing ------------------------------------------------------
    def do_GET(self):
        self.route("GET")

    def do_HEAD(self):
        self.route("HEAD")

    def do_POST(self):
        self.route("POST")

    def do_PUT(self):
        self.route("PUT")

    def do_DELETE(self):
        self.route("DELETE")

    def do_PATCH(self):
        self.route("PATCH")

    def route(self, method):
        self.banner = None
        body = self.read_body()
        url = urlsplit(self.path)
        path = url.path
        q = {k: v[-1] for k, v in parse_qs(url.query).items()}
        m = method if method != "HEAD" else "GET"
        table = [
            (r"/health", {"GET": self.h_health}),
            (r"/api/v1/login", {"POST": self.h_login}),
            (r"/api/v1/users", {"GET": self.h_users}),
            (r"/api/v1/users/me", {"GET": self.h_me}),
            (r"/api/v1/users/(\d+)", {"GET": self.h_user, "PUT": self.h_user_put}),
            (r"/api/v1/users/(\d+)/orders", {"GET": self.h_user_orders}),
            (r"/api/v1/users/(\d+)/payment", {"GET": self.h_payment}),
            (r"/api/v1/orders", {"POST": self.h_order_post}),
            (r"/api/v1/orders/import", {"POST": self.h_import}),
            (r"/api/v1/preview", {"GET": self.h_preview}),
            (r"/api/v1/webhooks", {"POST": self.h_webhook}),
            (r"/api/v1/orders/(" + UUID_RE + ")",
             {"GET": self.h_order, "DELETE": self.h_order_delete}),
            (r"/api/v2/products", {"GET": self.h_products}),
            (r"/api/v1/export", {"GET": self.h_export}),
            (r"/api/v1/admin(/.*)?", {"GET": self.h_admin, "POST": self.h_admin}),
        ]
        for pattern, methods in table:
            mo = re.fullmatch(pattern, path)
            if not mo:
                continue
            fn = methods.get(m)
            if fn is None:
                allow = ", ".join(sorted(methods) + (["HEAD"] if "GET" in methods else []))
                return self.error(405, "method_not_allowed",
                                  f"{method} not allowed here", {"Allow": allow})
            try:
                return fn(q, body, *mo.groups())
            except (ValueError, KeyError, TypeError) as e:
                return self.error(400, "bad_request", f"invalid request: {e}")
        return self.error(404, "not_found", "no such resource")

    # ---- handlers -----------------------------------------------------
    def h_health(self, q, body):
        self.send_bytes(200, b"ok\n", "text/plain; charset=utf-8")

    def h_login(self, q, body):
        req = json.loads(body or b"{}")
        if not isinstance(req, dict):
            raise ValueError("expected a JSON object")
        # The request's values go into the user query as they are, so an
        # operator object matches users it should not (NoSQL injection).
        user = next((u for u in self.data.users.values()
                     if mongo_match(req.get("username"), u["username"])
                     and mongo_match(req.get("password"), password_for(u["username"]))),
                    None)
        if user is None:
            return self.error(401, "invalid_credentials", "bad username or password",
                              {"WWW-Authenticate": 'Bearer realm="api"'})
        self.send_json(200, {"token": token_for(self.data.seed, user["username"]),
                             "token_type": "Bearer", "expires_in": 3600,
                             "user_id": user["id"]})

    def h_users(self, q, body):
        page, limit = int(q.get("page", 1)), min(int(q.get("limit", 8)), 50)
        ids = sorted(self.data.users)
        sort = q.get("sort", "id")
        if sort in ("name", "created_at"):
            ids.sort(key=lambda i: self.data.users[i][sort])
        elif sort != "id":
            # ORDER BY {sort}, pasted into the statement as it came.
            err = self.pg_error(sort)
            if err:
                return self.error(500, "internal_error", err)
        chunk = ids[(page - 1) * limit: page * limit]
        self.send_json(200, {"page": page, "limit": limit, "total": len(ids),
                             "items": [self.data.users[i] for i in chunk]})

    def h_me(self, q, body):
        uid = self.bearer_user()
        if uid is None:
            return self.error(401, "unauthorized", "bearer token required",
                              {"WWW-Authenticate": 'Bearer realm="api"'})
        self.send_json(200, self.profile(uid))

    def h_user(self, q, body, uid):
        user = self.data.users.get(int(uid))
        if user is None:
            return self.error(404, "not_found", f"user {uid} not found")
        self.send_json(200, self.profile(int(uid)))

    def profile(self, uid):
        """One user as the profile views show it: with the default card
        masked as PCI DSS allows (first six and last four digits)."""
        num = self.data.payments[uid]["card"]["number"]
        return dict(self.data.users[uid],
                    default_card=num[:6] + "*" * (len(num) - 10) + num[-4:])

    def h_payment(self, q, body, uid):
        # Any logged-in user may read any user's payment details, and the
        # full card number travels next to the last four digits the app
        # shows: excessive data exposure.
        if self.bearer_user() is None:
            return self.error(401, "unauthorized", "bearer token required",
                              {"WWW-Authenticate": 'Bearer realm="api"'})
        if int(uid) not in self.data.users:
            return self.error(404, "not_found", f"user {uid} not found")
        pay = self.data.payments[int(uid)]
        card = pay["card"]
        self.send_json(200, {"user_id": int(uid),
                             "cards": [{"id": "card_1", "brand": card["brand"],
                                        "last4": card["number"][-4:],
                                        "number": card["number"], "exp": card["exp"],
                                        "holder": card["holder"], "default": True}],
                             "payout_account": dict(pay["payout"])})

    def h_user_put(self, q, body, uid):
        if self.bearer_user() is None:
            return self.error(401, "unauthorized", "bearer token required",
                              {"WWW-Authenticate": 'Bearer realm="api"'})
        user = self.data.users.get(int(uid))
        if user is None:
            return self.error(404, "not_found", f"user {uid} not found")
        patch = json.loads(body or b"{}")
        # Echo the merged record without storing it: responses stay a pure
        # function of the request, whatever order connections run in.
        merged = dict(user)
        merged.update({k: v for k, v in patch.items() if k not in ("id", "role")})
        self.send_json(200, merged)

    def h_user_orders(self, q, body, uid):
        if int(uid) not in self.data.users:
            return self.error(404, "not_found", f"user {uid} not found")
        with self.data.lock:
            orders = [o for o in self.data.orders.values() if o["user_id"] == int(uid)]
        self.send_json(200, {"user_id": int(uid), "items": orders, "total": len(orders)})

    def h_order_post(self, q, body):
        req = json.loads(body)
        items = req["items"]
        # Id from the body: deterministic, and distinct per distinct order.
        oid = str(uuid.uuid5(NS, f"{self.data.seed}:{hashlib.sha256(body).hexdigest()}"))
        order = {"id": oid, "user_id": self.bearer_user() or req.get("user_id"),
                 "status": "pending", "items": items,
                 "total": round(sum(i["qty"] * i["unit_price"] for i in items), 2),
                 "currency": req.get("currency", "USD"),
                 "shipping": req.get("shipping")}
        with self.data.lock:
            self.data.orders[oid] = order
        self.send_json(201, order, {"Location": f"/api/v1/orders/{oid}"})

    def h_order(self, q, body, oid):
        with self.data.lock:
            order = self.data.orders.get(oid.lower())
        if order is None:
            return self.error(404, "not_found", f"order {oid} not found")
        self.send_json(200, order)

    def h_order_delete(self, q, body, oid):
        with self.data.lock:
            order = self.data.orders.pop(oid.lower(), None)
        if order is None:
            return self.error(404, "not_found", f"order {oid} not found")
        self.send_response(204)
        self.end_headers()

    def h_products(self, q, body):
        cat = q.get("category")
        page, limit = int(q.get("page", 1)), min(int(q.get("limit", 10)), 50)
        # The statement is built with the parameters pasted in (see
        # mysql_outcome); the first one that changes it decides.
        outcome, delay = "ok", 0
        for name in ("q", "category", "sort", "order"):
            outcome, delay = mysql_outcome(q.get(name, ""))
            if outcome != "ok" or delay:
                break
        if outcome == "syntax":
            v = q[name]
            near = (v[v.index("'") + 1:] + "%' ORDER BY id LIMIT 10")[:80]
            return self.error(500, "internal_error",
                              "pymysql.err.ProgrammingError: (1064, \"You have an error in your "
                              "SQL syntax; check the manual that corresponds to your MySQL "
                              f"server version for the right syntax to use near '{near}' at "
                              "line 1\")")
        if outcome == "union":
            return self.error(500, "internal_error",
                              "pymysql.err.OperationalError: (1222, 'The used SELECT "
                              "statements have a different number of columns')")
        time.sleep(delay)
        if outcome == "all":
            items = self.data.products
            page, limit = 1, len(items)
        elif "'" in "".join(q.values()):
            items = []  # valid, but nothing is named like that
        else:
            items = [p for p in self.data.products if cat is None or p["category"] == cat]
        out = {"category": cat, "page": page, "limit": limit}
        if "q" in q:
            # Search: the query is echoed through a template engine, so
            # {{7*7}} comes back as 49 (template injection).
            needle = q["q"].lower()
            if outcome == "ok" and "'" not in needle:
                items = [p for p in items if needle in p["name"].lower()]
            out["query"] = re.sub(r"\{\{\s*(\d+)\s*\*\s*(\d+)\s*\}\}",
                                  lambda m: str(int(m.group(1)) * int(m.group(2))), q["q"])
        out.update({"total": len(items), "items": items[(page - 1) * limit: page * limit]})
        self.send_json(200, out)

    def pg_error(self, sort):
        """The psycopg2 error ORDER BY {sort} raises, None when the statement
        runs (after a pg_sleep(), if it asks for one)."""
        if sort.count("'") % 2:
            rest = sort[sort.index("'"):]
            return ("psycopg2.errors.SyntaxError: unterminated quoted string at or near "
                    f"\"{rest}\"\nLINE 1: SELECT * FROM users ORDER BY {sort} LIMIT 8\n")
        if re.search(r"\bcast\s*\(.*\bversion\s*\(\s*\)", sort, re.I | re.S):
            return ("psycopg2.errors.InvalidTextRepresentation: invalid input syntax for type "
                    f"integer: \"{PG_VERSION}\"")
        sleep = SQL_SLEEP_RE.search(sort)
        if sleep:
            time.sleep(min(int(sleep.group(1)), 5))
            return None
        return f"psycopg2.errors.UndefinedColumn: column \"{sort}\" does not exist"

    def h_export(self, q, body):
        if "file" in q:
            return self.export_file(q["file"])
        if q.get("format", "ndjson") != "ndjson":
            return self.error(400, "bad_request", f"unsupported format: {q['format']}")
        # One chunk per user record, a realistic streaming export.
        n = min(int(q.get("limit", 12)), N_USERS)
        pieces = [json.dumps({"id": u["id"], "email": u["email"], "name": u["name"],
                              "city": u["address"]["city"]}).encode() + b"\n"
                  for u in list(self.data.users.values())[:n]]
        self.send_chunked(pieces)

    def export_file(self, name):
        """A past export, by file name. "../" is stripped once, which
        "....//" survives (path traversal)."""
        path = posixpath.normpath(posixpath.join(EXPORT_DIR, name.replace("../", "")))
        if path in FAKE_FILES:
            return self.send_bytes(200, FAKE_FILES[path].encode(), "text/plain; charset=utf-8")
        return self.error(404, "not_found",
                          f"[Errno 2] No such file or directory: '{path}'")

    def h_admin(self, q, body, rest=None):
        section = (rest or "/").lstrip("/") or "index"
        if section not in ("index", "stats", "users") and q:
            return self.admin_crash(section, q)
        uid = self.bearer_user()
        if uid is None:
            return self.error(401, "unauthorized", "bearer token required",
                              {"WWW-Authenticate": 'Bearer realm="admin"'})
        if self.data.users[uid]["role"] != "admin":
            return self.error(403, "forbidden", "admin role required")
        with self.data.lock:
            n_orders = len(self.data.orders)
        self.send_json(200, {"section": section,
                             "users": len(self.data.users), "orders": n_orders,
                             "products": len(self.data.products)})

    def admin_crash(self, section, q):
        """Sections still in development read their parameters before the
        role check and fail with the debug traceback."""
        if section == "diagnostics" and "host" in q:
            cmd = f"ping -c 1 {q['host']}"
            text = flask_traceback("diagnostics", [
                "    out = subprocess.check_output(cmd, shell=True, timeout=5)",
                '  File "/usr/lib/python3.9/subprocess.py", line 424, in check_output',
                "    return run(*popenargs, stdout=PIPE, timeout=timeout, check=True,",
                '  File "/usr/lib/python3.9/subprocess.py", line 528, in run',
                "    raise CalledProcessError(retcode, process.args,"],
                f"subprocess.CalledProcessError: Command '{cmd}' returned non-zero "
                "exit status 2.")
        elif section == "backup" and "file" in q:
            text = flask_traceback("backup", [
                "    with open(os.path.join(BACKUP_DIR, name), 'rb') as f:"],
                "PermissionError: [Errno 13] Permission denied: "
                f"'{posixpath.join('/var/backups/shop', q['file'])}'")
        else:
            text = flask_traceback(section.replace("/", "_"), [
                "    handler = SECTIONS[section]"], f"KeyError: '{section}'")
        self.banner = DEBUG_SERVER
        self.send_bytes(500, text.encode(), "text/plain; charset=utf-8")

    def h_preview(self, q, body):
        # Link previews for order notes: the server fetches whatever URL
        # it is given (server-side request forgery).
        if "url" not in q:
            return self.error(400, "bad_request", "url is required")
        got = fake_fetch(q["url"])
        if got is None:
            return self.error(422, "unsupported_url", f"cannot fetch {q['url']}")
        self.send_json(200, {"url": q["url"], "fetched": got})

    def h_webhook(self, q, body):
        if self.bearer_user() is None:
            return self.error(401, "unauthorized", "bearer token required",
                              {"WWW-Authenticate": 'Bearer realm="api"'})
        req = json.loads(body or b"{}")
        url = req["url"]
        # A test delivery goes out at once, and its answer comes back.
        got = fake_fetch(url)
        if got is None:
            return self.error(422, "unsupported_url", f"cannot deliver to {url}")
        hook = str(uuid.uuid5(NS, f"{self.data.seed}:webhook:{url}"))
        self.send_json(201, {"id": hook, "url": url, "events": req.get("events", []),
                             "test_delivery": got},
                       {"Location": f"/api/v1/webhooks/{hook}"})

    def h_import(self, q, body):
        # Served by a Java service behind the same host, whose XML parser
        # resolves external entities (XXE).
        self.banner = JAVA_SERVER
        if "xml" not in self.headers.get("Content-Type", ""):
            return self.error(415, "unsupported_media_type", "send application/xml")
        text = body.decode("utf-8", "replace")
        entities = dict(re.findall(r'<!ENTITY\s+(\w+)\s+SYSTEM\s+"([^"]*)"', text))
        remote = re.findall(r'<!(?:ENTITY\s+%\s*\w+|DOCTYPE\s+\w+)\s+SYSTEM\s+"([^"]*)"', text)
        remote += [u for u in entities.values() if not u.startswith("file:")]
        if remote:
            return self.send_bytes(500, java_trace().encode(), "text/plain;charset=UTF-8")

        def expand(m):
            uri = entities.get(m.group(1), "")
            return FAKE_FILES.get(uri[len("file://"):], "") if uri.startswith("file://") else ""
        orders = []
        for o in re.findall(r"<order>(.*?)</order>", text, re.S):
            fields = dict(re.findall(r"<(\w+)>([^<]*)</\1>", o))
            orders.append({"sku": fields.get("sku"), "qty": int(fields.get("qty", 1)),
                           "note": re.sub(r"&(\w+);", expand, fields.get("note", ""))})
        self.send_json(201, {"imported": len(orders), "orders": orders})


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8080)
    ap.add_argument("--seed", type=int, default=7, help="data seed")
    ap.add_argument("--quiet", action="store_true", help="no access log")
    args = ap.parse_args()
    Handler.data = Data(args.seed)
    Handler.quiet = args.quiet
    ThreadingHTTPServer.allow_reuse_address = True
    ThreadingHTTPServer.daemon_threads = True
    srv = ThreadingHTTPServer((args.host, args.port), Handler)

    # Stop cleanly on SIGTERM and SIGINT. SIGINT is set explicitly: a
    # background job of a non-interactive shell inherits it as ignored.
    def stop(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"api_server: listening on {args.host}:{args.port}", file=sys.stderr, flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        srv.server_close()


if __name__ == "__main__":
    main()
