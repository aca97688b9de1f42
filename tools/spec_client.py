#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Calls every operation of every OpenAPI spec served by tools/spec_server.py
and writes the truth an API-discovery test compares against: for each site,
the operations of its spec (method and template, parameter names made
"{}"), how often each was called, and every concrete path and path
parameter value sent. Python 3 standard library plus PyYAML.

  spec_client.py --host ADDR [--port N] [--seed N] [--calls N]
                 [--source ADDR ...] [--truth FILE] [--dry-run]

What it sends, all decided before the first byte from one random.Random
seeded with --seed, so two runs send the same requests in the same order
per connection (only ports and timings differ):

  - every operation --calls times, in a random order per site;
  - path parameters by schema: integers within their bounds, UUIDs,
    dates, e-mails, strings from the spec's pattern (hex ObjectIds and
    hashes, base64url tokens, mixed ids such as ord_8f7d6a01c2 or
    INV-2024-0042), and plain words (user, organisation, repository,
    product and site names) drawn without repetition from made-up lists
    of 200, skipping any word that is a literal segment of the site;
  - required query parameters always, optional ones half the time;
    header and cookie parameters most of the time; credentials for the
    operation's security scheme; a JSON body from the request schema;
  - per site, --lanes sequences of keep-alive connections, each carrying
    up to --requests-per-connection requests, from the --source addresses
    in turn (several client hosts); --parallel connections at once.

Every answer must have the status the spec promises (its first 2xx);
otherwise (beyond --max-unexpected) the client exits 1 after writing the
truth. --dry-run writes
the truth of the plan without sending anything.

Truth (JSON):
  {"seed", "calls", "server", "sources", "totals": {"requests",
   "connections", "by_status", "seconds"},
   "sites": {HOST: {"spec": FILE, "base": PATH, "operations": [
     {"method", "template", "spec_path", "operation_id", "requests",
      "status", "paths": [distinct paths, in order of first use],
      "path_params": {NAME: [distinct values]},
      "enum_path_params": [names of path parameters that are enums],
      "query_params": [names sent], "header_params": [...],
      "cookie_params": [...], "body_properties": [top-level names sent]}]}}}
"""

import argparse
import base64
import collections
import http.client
import json
import os
import random
import re
import string
import sys
import time
import uuid
import zlib
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote, urlencode

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from spec_server import DEFAULT_SPECS, DOMAINS, Gen, load_specs  # noqa: E402


def _cross(a, b, sep):
    return [x + sep + y for x in a for y in b]


# Made-up plain-word identifiers, 200 each: only letters and dashes, so
# nothing but their number tells them from literal path segments.
WORD_LISTS = {
    "users": _cross(["maria", "jonas", "lena", "omar", "ines", "kofi", "yuki", "tomas", "anya",
                     "ravi", "nadia", "piet", "sofia", "emil", "zara", "hugo", "leila", "bram",
                     "mila", "otto"],
                    ["holt", "berg", "vance", "okafor", "lind", "moreau", "sato", "kraus",
                     "reyes", "novak"], ""),
    "orgs": _cross(["north", "blue", "iron", "silver", "maple", "cedar", "harbor", "summit",
                    "copper", "falcon"],
                   ["wind", "finch", "forge", "labs", "works", "point", "stack", "field", "gate",
                    "line", "craft", "ware", "hive", "mint", "port", "grid", "loop", "base",
                    "yard", "deck"], ""),
    "repos": _cross(["tiny", "fast", "async", "micro", "open", "simple", "smart", "lazy", "quick",
                     "secure"],
                    ["http", "parser", "router", "cache", "queue", "logger", "scheduler",
                     "renderer", "bundler", "linter", "crawler", "shell", "proxy", "store",
                     "mailer", "tracer", "vault", "widget", "sync", "toolkit"], "-"),
    "products": _cross(["red", "blue", "green", "black", "white", "grey", "navy", "olive", "coral",
                        "amber"],
                       ["running-shoes", "rain-jacket", "wool-socks", "travel-mug", "desk-lamp",
                        "yoga-mat", "trail-backpack", "coffee-grinder", "water-bottle",
                        "bike-helmet", "camp-stove", "hiking-boots", "linen-shirt", "phone-stand",
                        "cutting-board", "tea-kettle", "sleeping-bag", "garden-gloves",
                        "reading-chair", "wall-clock"], "-"),
    "places": _cross(["north", "south", "east", "west", "upper", "lower", "central", "old", "new",
                      "river"],
                     ["warehouse", "plant", "depot", "office", "lab", "yard", "hangar", "store",
                      "barn", "tower", "dock", "mill", "garage", "station", "clinic", "school",
                      "farm", "hall", "annex", "campus"], "-"),
}
# Formats Gen.string() writes; others ("path", "int64" on a string ...)
# say nothing about the value's spelling.
KNOWN_FORMATS = ("uuid", "date", "date-time", "email", "uri", "ipv4", "hostname", "byte",
                 "password")
# Which list a path parameter of that name draws from.
WORD_PARAMS = {"username": "users", "owner": "users", "login": "users", "org": "orgs",
               "repo": "repos", "slug": "products", "siteslug": "places"}

USER_AGENTS = ("okhttp/4.12.0", "python-requests/2.31.0", "axios/1.6.8", "Go-http-client/1.1",
               "curl/8.5.0",
               "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
               "ShopApp/5.2.0 (iPhone; iOS 17.4)", "fleet-agent/3.2.1")
ALNUM = string.ascii_letters + string.digits


class Planner:
    """Builds every request of a run from one random.Random."""

    def __init__(self, sites, rnd):
        self.rnd = rnd
        self.decks = {}
        # Credentials: a few users per site, as many clients would have.
        self.bearers = ["eyJhbGciOiJIUzI1NiJ9." + self.b64url(48) + "." + self.b64url(32)
                        for _ in range(6)]
        self.basics = [base64.b64encode(f"sk_test_{self.alnum(24)}:".encode()).decode()
                       for _ in range(3)]
        self.api_keys = [self.alnum(40) for _ in range(4)]
        self.sids = [self.alnum(32) for _ in range(8)]
        self.literals = {s.host: s.literals for s in sites}

    def b64url(self, n):
        return base64.urlsafe_b64encode(self.rnd.randbytes(n)).rstrip(b"=").decode()

    def alnum(self, n):
        return "".join(self.rnd.choice(ALNUM) for _ in range(n))

    def word(self, site, list_name):
        """The next word of the site's shuffled deck: all 200 are used
        before any repeats."""
        key = (site.host, list_name)
        deck = self.decks.get(key)
        if not deck:
            deck = [w for w in WORD_LISTS[list_name] if w not in self.literals[site.host]]
            self.rnd.shuffle(deck)
            self.decks[key] = deck
        return deck.pop()

    def path_value(self, site, p, gen):
        name = p["name"].lower()
        if name in WORD_PARAMS:
            return self.word(site, WORD_PARAMS[name])
        schema = site.spec.deref(p["schema"])
        if schema.get("format") == "email":
            return f"{self.word(site, 'users')}@{self.rnd.choice(DOMAINS)}"
        if schema.get("type") == "integer":
            return str(self.rnd.randint(schema.get("minimum", 1), schema.get("maximum", 99999)))
        if "enum" in schema:
            # an enum's values are the spec's own words, literals or not
            return self.text(gen.value(schema))
        if (schema.get("type", "string") == "string" and "pattern" not in schema
                and schema.get("format") not in KNOWN_FORMATS):
            return self.plain_id(site, p["name"], schema)
        for _ in range(20):
            v = self.text(gen.value(schema))
            if v not in self.literals[site.host]:
                return v
        raise ValueError(f"{site.host}: generated {p['name']}={v!r} is a literal of the spec")

    def plain_id(self, site, name, schema):
        """A string path parameter with no format or pattern, as services
        spell such ids: names and keys as words or slugs, other ids in one
        opaque style per parameter (as one service spells one kind of id
        one way), picked from the parameter's name."""
        r = self.rnd
        low = name.lower()
        lo, hi = schema.get("minLength", 1), schema.get("maxLength", 64)
        if re.search(r"(name|slug|key|login|handle|owner|org|repo|branch|tag)$", low):
            lists = sorted(WORD_LISTS)
            v = self.word(site, lists[zlib.crc32(low.encode()) % len(lists)])
        else:
            style = zlib.crc32(f"{site.host}:{low}".encode()) % 5
            if style == 0:  # base62, 22 characters
                v = "".join(r.choice(ALNUM) for _ in range(22))
            elif style == 1:  # 24 hex digits, as a database object id
                v = f"{r.getrandbits(96):024x}"
            elif style == 2:  # a typed prefix and a random tail
                v = f"{low[:3]}_" + "".join(r.choice(ALNUM) for _ in range(14))
            elif style == 3:  # a number sent as a string
                v = str(r.randint(1000, 99999999))
            else:
                v = str(uuid.UUID(int=r.getrandbits(128), version=4))
        return (v + "0" * lo)[:max(lo, len(v))][:hi]

    @staticmethod
    def text(v):
        if isinstance(v, bool):
            return "true" if v else "false"
        return str(v)

    def request(self, site, op):
        r = self.rnd
        gen = Gen(site.spec, r, null_rate=0.1)
        values, segs = {}, []
        for s in op.segs:
            if isinstance(s, str):
                segs.append(s)
                continue
            p = next(p for p in op.of("path") if p["name"] == s[0])
            values[s[0]] = self.path_value(site, p, gen)
            segs.append(quote(values[s[0]], safe="@-._~!$&'()*+,;=:"))
        path = "/" + "/".join(segs)
        query = []
        for p in op.of("query"):
            if not p.get("required") and r.random() < 0.5:
                continue
            v = gen.value(p["schema"])
            if isinstance(v, list):
                if p.get("explode", p.get("style", "form") == "form"):
                    query += [(p["name"], self.text(x)) for x in v]
                else:
                    query.append((p["name"], ",".join(self.text(x) for x in v)))
            else:
                query.append((p["name"], self.text(v)))
        target = path + ("?" + urlencode(query, quote_via=quote) if query else "")
        host = site.host
        headers = {"Host": host, "User-Agent": r.choice(USER_AGENTS), "Accept": "application/json"}
        for p in op.of("header"):
            if p.get("required") or r.random() < 0.8:
                headers[p["name"]] = self.text(gen.value(p["schema"]))
        cookies = [f"{p['name']}={r.choice(self.sids)}" for p in op.of("cookie")
                   if p.get("required") or r.random() < 0.8]
        if cookies:
            headers["Cookie"] = "; ".join(cookies)
        for scheme in op.security[:1]:
            if scheme.get("type") == "http" and scheme.get("scheme") == "bearer":
                headers["Authorization"] = "Bearer " + r.choice(self.bearers)
            elif scheme.get("type") == "http" and scheme.get("scheme") == "basic":
                headers["Authorization"] = "Basic " + r.choice(self.basics)
            elif scheme.get("type") == "apiKey" and scheme.get("in") == "header":
                headers[scheme["name"]] = r.choice(self.api_keys)
        body = None
        if op.body is not None:
            body = gen.value(op.body)
            headers["Content-Type"] = "application/json"
        return {"site": site.host, "op": op, "method": op.method, "target": target, "path": path,
                "values": values, "query": [k for k, _ in query], "headers": headers,
                "cookies": [c.split("=")[0] for c in cookies],
                "body": None if body is None else json.dumps(body).encode(),
                "body_keys": sorted(body) if isinstance(body, dict) else []}


def plan(sites, args):
    """The run's connections: lists of requests, in the order they go out."""
    rnd = random.Random(f"spec-client:{args.seed}")
    pl = Planner(sites, rnd)
    conns = []
    for site in sites:
        reqs = [pl.request(site, op) for op in site.ops for _ in range(args.calls)]
        rnd.shuffle(reqs)
        lanes = [reqs[i::args.lanes] for i in range(args.lanes)]
        for lane in lanes:
            n = args.requests_per_connection
            conns += [lane[i:i + n] for i in range(0, len(lane), n)]
    rnd.shuffle(conns)
    sources = args.source or [None]
    return [(sources[i % len(sources)], c) for i, c in enumerate(conns)]


def run_connection(args, source, reqs):
    """Sends @reqs on one keep-alive connection; returns (status, error)
    per request."""
    out = []
    conn = http.client.HTTPConnection(args.host, args.port, timeout=args.timeout,
                                      source_address=(source, 0) if source else None)
    try:
        for rq in reqs:
            try:
                conn.request(rq["method"], rq["target"], body=rq["body"], headers=rq["headers"])
                resp = conn.getresponse()
                resp.read()
                err = None
                if resp.will_close:
                    err = "server closed the connection"
                out.append((resp.status, err))
                if err:
                    break
            except (OSError, http.client.HTTPException) as e:
                out.append((None, f"{type(e).__name__}: {e}"))
                break
    finally:
        conn.close()
    out += [(None, "not sent")] * (len(reqs) - len(out))
    return out


def truth(sites, conns, results, args, seconds):
    by_op = collections.defaultdict(list)
    by_status = collections.Counter()
    for (_, reqs), res in zip(conns, results):
        for rq, (status, _) in zip(reqs, res):
            by_op[id(rq["op"])].append((rq, status))
            by_status[str(status)] += 1
    out = {"seed": args.seed, "calls": args.calls, "server": f"{args.host}:{args.port}",
           "sources": args.source or [], "dry_run": args.dry_run,
           "totals": {"requests": sum(len(c) for _, c in conns), "connections": len(conns),
                      "by_status": dict(sorted(by_status.items())), "seconds": round(seconds, 2)},
           "sites": {}}
    for site in sites:
        ops = []
        for op in site.ops:
            done = by_op[id(op)]
            paths, params = {}, collections.defaultdict(dict)
            query, header, cookie, body = set(), set(), set(), set()
            for rq, _ in done:
                paths.setdefault(rq["path"])
                for k, v in rq["values"].items():
                    params[k].setdefault(v)
                query.update(rq["query"])
                header.update(p["name"] for p in op.of("header") if p["name"] in rq["headers"])
                cookie.update(rq["cookies"])
                body.update(rq["body_keys"])
            ops.append({"method": op.method, "template": op.template, "spec_path": op.path,
                        "operation_id": op.op_id, "requests": len(done), "status": op.status,
                        "statuses": dict(collections.Counter(str(s) for _, s in done)),
                        "paths": list(paths),
                        "path_params": {k: list(v) for k, v in params.items()},
                        "enum_path_params": sorted(
                            p["name"] for p in op.of("path")
                            if "enum" in site.spec.deref(p["schema"])),
                        "query_params": sorted(query), "header_params": sorted(header),
                        "cookie_params": sorted(cookie), "body_properties": sorted(body)})
        out["sites"][site.host] = {"spec": site.spec.file, "base": site.base, "operations": ops}
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--host", default="127.0.0.1", help="server address")
    ap.add_argument("--port", type=int, default=80)
    ap.add_argument("--specs", default=DEFAULT_SPECS, help="folder of OpenAPI YAML specs")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--calls", type=int, default=32, help="calls per operation")
    ap.add_argument("--lanes", type=int, default=6, help="connection sequences per site")
    ap.add_argument("--requests-per-connection", type=int, default=40)
    ap.add_argument("--parallel", type=int, default=8, help="connections open at once")
    ap.add_argument("--source", action="append",
                    help="client address to bind (repeat: connections take them in turn)")
    ap.add_argument("--timeout", type=float, default=10)
    ap.add_argument("--truth", help="write the truth JSON here (default: stdout)")
    ap.add_argument("--dry-run", action="store_true", help="plan only; send nothing")
    ap.add_argument("--max-unexpected", type=int, default=0,
                    help="answers other than the spec's that still pass (public specs "
                         "that contradict themselves)")
    args = ap.parse_args()
    if args.calls < 1 or args.lanes < 1 or args.requests_per_connection < 1 or args.parallel < 1:
        ap.error("--calls, --lanes, --requests-per-connection and --parallel must be >= 1")

    sites = load_specs(args.specs)
    conns = plan(sites, args)
    t0 = time.monotonic()
    if args.dry_run:
        results = [[(None, None)] * len(c) for _, c in conns]
    else:
        with ThreadPoolExecutor(args.parallel) as ex:
            results = list(ex.map(lambda sc: run_connection(args, sc[0], sc[1]), conns))
    seconds = time.monotonic() - t0
    t = truth(sites, conns, results, args, seconds)
    text = json.dumps(t, indent=1) + "\n"
    if args.truth:
        with open(args.truth, "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)

    bad = []
    if not args.dry_run:
        for (_, reqs), res in zip(conns, results):
            for rq, (status, err) in zip(reqs, res):
                if err or status != rq["op"].status:
                    bad.append(f"{rq['method']} {rq['site']}{rq['target']}: "
                               f"{err or status} (want {rq['op'].status})")
    tot = t["totals"]
    n_ops = sum(len(s.ops) for s in sites)
    sys.stderr.write(f"spec_client: {len(sites)} sites, {n_ops} operations, {tot['requests']} "
                     f"requests on {tot['connections']} connections in {seconds:.1f} s; "
                     f"statuses {tot['by_status']}\n")
    for b in bad[:20]:
        sys.stderr.write(f"spec_client: unexpected answer: {b}\n")
    if bad:
        sys.stderr.write(f"spec_client: {len(bad)} unexpected answers "
                         f"(--max-unexpected {args.max_unexpected})\n")
    return 1 if len(bad) > args.max_unexpected else 0


if __name__ == "__main__":
    sys.exit(main())
