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
  HEAD   on any GET route               headers only, with Content-Length
Anything else: 404 JSON (405 JSON with Allow for a known path, wrong method).
Requests may carry a chunked body; "Expect: 100-continue" is answered with
"100 Continue" by http.server itself.
"""

import argparse
import hashlib
import json
import random
import re
import signal
import sys
import threading
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
            user = {
                "id": uid,
                "username": username,
                "name": f"{first} {last}",
                # Reserved example domain and 555 numbers: look like PII
                # to a detector, belong to nobody.
                "email": f"{username}@example.com",
                "phone": f"+1-555-{rnd.randint(100, 999)}-{rnd.randint(1000, 9999)}",
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


class Handler(BaseHTTPRequestHandler):
    # HTTP/1.1: keep-alive by default, and Expect: 100-continue honoured.
    protocol_version = "HTTP/1.1"
    server_version = "apiradar-demo/1.0"
    sys_version = ""
    data = None  # set in main()
    quiet = False

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
            (r"/api/v1/orders", {"POST": self.h_order_post}),
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
        user = next((u for u in self.data.users.values()
                     if u["username"] == req.get("username")), None)
        if user is None or req.get("password") != password_for(user["username"]):
            return self.error(401, "invalid_credentials", "bad username or password",
                              {"WWW-Authenticate": 'Bearer realm="api"'})
        self.send_json(200, {"token": token_for(self.data.seed, user["username"]),
                             "token_type": "Bearer", "expires_in": 3600,
                             "user_id": user["id"]})

    def h_users(self, q, body):
        page, limit = int(q.get("page", 1)), min(int(q.get("limit", 8)), 50)
        ids = sorted(self.data.users)
        chunk = ids[(page - 1) * limit: page * limit]
        self.send_json(200, {"page": page, "limit": limit, "total": len(ids),
                             "items": [self.data.users[i] for i in chunk]})

    def h_me(self, q, body):
        uid = self.bearer_user()
        if uid is None:
            return self.error(401, "unauthorized", "bearer token required",
                              {"WWW-Authenticate": 'Bearer realm="api"'})
        self.send_json(200, self.data.users[uid])

    def h_user(self, q, body, uid):
        user = self.data.users.get(int(uid))
        if user is None:
            return self.error(404, "not_found", f"user {uid} not found")
        self.send_json(200, user)

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
        items = [p for p in self.data.products if cat is None or p["category"] == cat]
        self.send_json(200, {"category": cat, "page": page, "limit": limit,
                             "total": len(items),
                             "items": items[(page - 1) * limit: page * limit]})

    def h_export(self, q, body):
        # One chunk per user record, a realistic streaming export.
        n = min(int(q.get("limit", 12)), N_USERS)
        pieces = [json.dumps({"id": u["id"], "email": u["email"], "name": u["name"],
                              "city": u["address"]["city"]}).encode() + b"\n"
                  for u in list(self.data.users.values())[:n]]
        self.send_chunked(pieces)

    def h_admin(self, q, body, rest=None):
        uid = self.bearer_user()
        if uid is None:
            return self.error(401, "unauthorized", "bearer token required",
                              {"WWW-Authenticate": 'Bearer realm="admin"'})
        if self.data.users[uid]["role"] != "admin":
            return self.error(403, "forbidden", "admin role required")
        with self.data.lock:
            n_orders = len(self.data.orders)
        self.send_json(200, {"section": (rest or "/").lstrip("/") or "index",
                             "users": len(self.data.users), "orders": n_orders,
                             "products": len(self.data.products)})


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
