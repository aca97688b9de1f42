#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A real HTTP/1.1 server that serves OpenAPI 3.0 specs as live APIs, one
site per spec, to produce traffic whose true set of endpoints is known
(tools/spec_client.py calls them, tools/make-spec-capture.sh records it).
Python 3 standard library plus PyYAML (Debian: python3-yaml).

  spec_server.py [--host ADDR] [--port N] [--specs DIR] [--seed N] [--quiet]
  spec_server.py --list [--specs DIR]      print every site and operation

Every *.yaml (or *.json) of --specs (default test/data/specs) is one site: the host of
its first server URL picks it by the Host header (port ignored), and that
URL's path is the base of all its paths. A request is routed like a
framework router does it: the path's segments are matched against the
site's path templates, a literal segment beats a parameter at the same
place, then the method picks the operation. Path and query parameters and
the JSON body are checked against the operation's schemas.

Answers, all JSON:
  the operation's first 2xx response, with a body generated from its
  schema (formats, patterns, enums, bounds, allOf/oneOf, $ref honoured),
  its "id" (or the property named like the parameter) set to the path's
  last parameter when the path ends with one; the body is a pure function
  of --seed, the method, the Host and the request target
  404 unknown host or no template matches; 405 (with Allow) wrong method;
  400 a parameter or the body does not fit its schema.

This module is also the library tools/spec_client.py builds on: spec
loading (load_specs), template normalisation (norm_template), value
generation from schemas (Gen) and validation (fits).
"""

import argparse
import base64
import datetime
import json
import os
import random
import re
import sys
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote, urlsplit

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_SPECS = os.path.join(HERE, "..", "test", "data", "specs")
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

# Vocabulary of free-text strings (no pattern, no format): plain words, so
# names and titles read like text and never look like identifiers.
TEXT_WORDS = ("quick", "note", "about", "the", "order", "blue", "lamp", "fixed", "new",
              "release", "build", "warm", "room", "north", "gate", "morning", "check",
              "small", "update", "garden", "report", "first", "draft", "ready")
META_KEYS = ("tier", "source", "campaign", "region", "team", "channel")
# Reserved for documentation: RFC 2606 names, RFC 5737 addresses.
DOMAINS = ("example.org", "example.net", "mail.example.com")
TEST_NETS = ("192.0.2", "198.51.100", "203.0.113")


def norm_template(path):
    """The template with every {name} made "{}", without a trailing slash:
    the form in which templates of different authors compare."""
    path = re.sub(r"\{[^/{}]*\}", "{}", path)
    if len(path) > 1:
        path = path.rstrip("/")
    return path or "/"


# ---------------------------------------------------------------------------
# Strings from regular expressions (the subset specs use for identifiers)
# ---------------------------------------------------------------------------

DIGITS = "0123456789"
WORDCH = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"


class PatternError(ValueError):
    pass


class _Pattern:
    """Parses a regular expression of literals, escapes, [classes], groups,
    alternation and quantifiers into a tree that generates matching
    strings. Enough for id patterns; anything else raises PatternError."""

    def __init__(self, text):
        s = text
        if s.startswith("^"):
            s = s[1:]
        if s.endswith("$") and not s.endswith("\\$"):
            s = s[:-1]
        self.s, self.i = s, 0
        self.tree = self.alt()
        if self.i != len(self.s):
            raise PatternError(f"pattern {text!r}: unsupported at {self.i}")

    def peek(self):
        return self.s[self.i] if self.i < len(self.s) else ""

    def alt(self):
        branches = [self.seq()]
        while self.peek() == "|":
            self.i += 1
            branches.append(self.seq())
        return ("alt", branches)

    def seq(self):
        items = []
        while self.peek() not in ("", "|", ")"):
            atom = self.atom()
            items.append((atom, self.quant()))
        return ("seq", items)

    def escape(self):
        c = self.peek()
        self.i += 1
        if c == "d":
            return DIGITS
        if c == "w":
            return WORDCH
        if c == "s":
            return " "
        if c == "S":
            return WORDCH[:-1]
        if c == "D":
            return WORDCH[:52]
        if c in "WbB" or c == "":
            raise PatternError(f"escape \\{c} not supported")
        return c

    def atom(self):
        c = self.peek()
        self.i += 1
        if c == "(":
            if self.s.startswith("?:", self.i):
                self.i += 2
            node = self.alt()
            if self.peek() != ")":
                raise PatternError("unbalanced (")
            self.i += 1
            return node
        if c == "[":
            return ("set", self.charset())
        if c == "\\" and self.peek() in ("b", "B"):
            self.i += 1
            return ("seq", [])  # a word boundary: nothing to write
        if c == "\\":
            return ("set", self.escape())
        if c == ".":
            return ("set", WORDCH[:-1])
        if c in "*+?{":
            raise PatternError(f"quantifier {c!r} without an atom")
        return ("set", c)

    def charset(self):
        if self.peek() == "^":
            raise PatternError("negated classes not supported")
        chars = []
        while True:
            c = self.peek()
            if c == "":
                raise PatternError("unbalanced [")
            self.i += 1
            if c == "]" and chars:
                break
            if c == "\\":
                chars.extend(self.escape())
                continue
            if self.peek() == "-" and self.s[self.i + 1:self.i + 2] not in ("]", ""):
                hi = self.s[self.i + 1]
                self.i += 2
                chars.extend(chr(x) for x in range(ord(c), ord(hi) + 1))
                continue
            chars.append(c)
        return "".join(dict.fromkeys(chars))

    def quant(self):
        c = self.peek()
        if c == "?":
            self.i += 1
            return (0, 1)
        if c == "*":
            self.i += 1
            return (0, 3)
        if c == "+":
            self.i += 1
            return (1, 4)
        if c == "{":
            j = self.s.index("}", self.i)
            body = self.s[self.i + 1:j]
            self.i = j + 1
            lo, _, hi = body.partition(",")
            lo = int(lo)
            if "," not in body:
                return (lo, lo)
            return (lo, int(hi) if hi else lo + 3)
        return (1, 1)

    def gen(self, rnd, node=None):
        node = node or self.tree
        kind, arg = node
        if kind == "alt":
            return self.gen(rnd, arg[rnd.randrange(len(arg))])
        if kind == "seq":
            out = []
            for atom, (lo, hi) in arg:
                for _ in range(rnd.randint(lo, hi)):
                    out.append(self.gen(rnd, atom))
            return "".join(out)
        return arg[rnd.randrange(len(arg))]


_PATTERNS = {}


def from_pattern(pattern, rnd):
    """A string matching @pattern (cached parse)."""
    p = _PATTERNS.get(pattern)
    if p is None:
        p = _PATTERNS[pattern] = _Pattern(pattern)
    return p.gen(rnd)


# ---------------------------------------------------------------------------
# Specs
# ---------------------------------------------------------------------------


class Spec:
    """One parsed document with $ref resolution inside it."""

    def __init__(self, path):
        with open(path) as f:
            # JSON is YAML too, but the json module reads a large spec
            # (several MB for public APIs) a hundred times faster
            self.doc = json.load(f) if path.endswith(".json") else yaml.safe_load(f)
        self.file = os.path.basename(path)

    def deref(self, obj):
        seen = 0
        while isinstance(obj, dict) and "$ref" in obj:
            ref = obj["$ref"]
            if not ref.startswith("#/"):
                raise ValueError(f"{self.file}: only local $ref supported: {ref}")
            obj = self.doc
            # a URI fragment: percent-decoded, then JSON-pointer unescaped
            for part in ref[2:].split("/"):
                part = unquote(part).replace("~1", "/").replace("~0", "~")
                obj = obj[int(part)] if isinstance(obj, list) else obj[part]
            seen += 1
            if seen > 32:
                raise ValueError(f"{self.file}: $ref loop at {ref}")
        return obj


class Operation:
    def __init__(self, site, method, path, item, op):
        spec = site.spec
        self.site = site
        self.method = method.upper()
        self.path = site.base + path  # the full request path's template
        self.template = norm_template(self.path)
        self.op_id = op.get("operationId", f"{self.method} {self.path}")
        # Segments: str for a literal, (name,) for a parameter.
        self.segs = []
        for s in self.path.strip("/").split("/") if self.path != "/" else []:
            m = re.fullmatch(r"\{([^/{}]+)\}", s)
            self.segs.append((m.group(1),) if m else s)
        params = {}
        for p in item.get("parameters", []) + op.get("parameters", []):
            p = spec.deref(p)
            params[(p["name"], p["in"])] = p
        self.params = list(params.values())
        for p in self.params:
            p["schema"] = spec.deref(p.get("schema", {}))
        self.body = None
        self.body_required = False
        rb = op.get("requestBody")
        if rb:
            rb = spec.deref(rb)
            media = rb.get("content", {}).get("application/json")
            if media:
                self.body = media.get("schema", {})
                self.body_required = bool(rb.get("required"))
        self.status, self.resp_schema = 200, None
        codes = sorted(str(c) for c in op.get("responses", {}))
        for code in codes:
            if code.startswith("2"):
                self.status = int(code) if code.isdigit() else 200  # "2XX"
                resp = spec.deref(op["responses"][code])
                media = resp.get("content", {}).get("application/json")
                self.resp_schema = media.get("schema") if media else None
                break
        sec = op.get("security", spec.doc.get("security", []))
        schemes = spec.doc.get("components", {}).get("securitySchemes", {})
        self.security = [schemes[name] for req in sec for name in req if name in schemes]

    def of(self, where):
        return [p for p in self.params if p["in"] == where]


class Site:
    def __init__(self, path):
        self.spec = Spec(path)
        doc = self.spec.doc
        if not str(doc.get("openapi", "")).startswith("3.0"):
            raise ValueError(f"{self.spec.file}: not an OpenAPI 3.0 document")
        url = urlsplit((doc.get("servers") or [{"url": "/"}])[0]["url"])
        # a server URL without a host ("/v1.33", as public specs often
        # have) serves under a name made from the file's
        stem = os.path.splitext(self.spec.file)[0].lower()
        self.host = (url.hostname or re.sub(r"[^a-z0-9.-]", "-", stem)).lower()
        self.base = url.path.rstrip("/")
        self.ops = []
        self.skipped = 0
        for path, item in doc.get("paths", {}).items():
            # a parameter inside a segment ("/pulls/{index}.{diffType}")
            # is beyond the router: those operations are left out
            if any("{" in g and not re.fullmatch(r"\{[^{}]+\}", g) for g in path.split("/")):
                self.skipped += sum(m in item for m in METHODS)
                continue
            for method in METHODS:
                if method in item:
                    self.ops.append(Operation(self, method, path, item, item[method]))
        # Templates by segment count, for routing.
        self.by_len = {}
        for op in self.ops:
            self.by_len.setdefault(len(op.segs), {}).setdefault(tuple(op.segs), []).append(op)
        # Literal segments per position: plain-word values must avoid them.
        self.literals = {s for op in self.ops for s in op.segs if isinstance(s, str)}

    def route(self, segs):
        """The operations of the best-matching template and the parameter
        values, or (None, None). Literal beats parameter, segment by
        segment from the left, as in most routers."""
        best, best_rank = None, None
        for tmpl, ops in self.by_len.get(len(segs), {}).items():
            rank = []
            for t, s in zip(tmpl, segs):
                if isinstance(t, str):
                    if t != s:
                        break
                    rank.append(0)
                else:
                    rank.append(1)
            else:
                if best_rank is None or rank < best_rank:
                    best, best_rank = (tmpl, ops), rank
        if best is None:
            return None, None
        tmpl, ops = best
        values = {t[0]: s for t, s in zip(tmpl, segs) if not isinstance(t, str)}
        return ops, values


def load_specs(folder):
    """Every *.yaml, *.yml and *.json of @folder as a Site, sorted by host."""
    sites = []
    for name in sorted(os.listdir(folder)):
        if name.endswith((".yaml", ".yml", ".json")):
            sites.append(Site(os.path.join(folder, name)))
    hosts = [s.host for s in sites]
    if len(set(hosts)) != len(hosts):
        raise ValueError(f"two specs for one host in {folder}: {hosts}")
    return sorted(sites, key=lambda s: s.host)


# ---------------------------------------------------------------------------
# Values from schemas
# ---------------------------------------------------------------------------


def merged(spec, schema):
    """@schema with $ref resolved and allOf folded into one object schema."""
    schema = spec.deref(schema)
    if "allOf" not in schema:
        return schema
    out = {"type": "object", "properties": {}, "required": []}
    for part in schema["allOf"]:
        part = merged(spec, part)
        out["properties"].update(part.get("properties", {}))
        out["required"] += part.get("required", [])
    return out


class Gen:
    """Generates JSON values that fit a schema of @spec. Deterministic for
    a given random.Random."""

    def __init__(self, spec, rnd, null_rate=0.0):
        self.spec, self.rnd, self.null_rate = spec, rnd, null_rate

    def text(self, lo, hi):
        r = self.rnd
        words = []
        while True:
            w = TEXT_WORDS[r.randrange(len(TEXT_WORDS))]
            if len(" ".join(words + [w])) > hi:
                break
            words.append(w)
            if len(" ".join(words)) >= lo and r.random() < 0.3:
                break
        s = " ".join(words).capitalize()
        return (s + "x" * lo)[:max(lo, len(s))][:hi]

    def string(self, schema):
        r = self.rnd
        fmt = schema.get("format")
        if "pattern" in schema:
            try:
                return from_pattern(schema["pattern"], r)
            except PatternError:
                pass  # a pattern beyond the generator: made as if it had none
        if fmt == "uuid":
            return str(uuid.UUID(int=r.getrandbits(128), version=4))
        if fmt == "date":
            day = datetime.date(2023, 1, 1) + datetime.timedelta(days=r.randrange(730))
            return day.isoformat()
        if fmt == "date-time":
            t = datetime.datetime(2023, 1, 1) + datetime.timedelta(seconds=r.randrange(730 * 86400))
            return t.strftime("%Y-%m-%dT%H:%M:%SZ")
        if fmt == "email":
            local = self.text(3, 8).lower().replace(" ", ".")
            return f"{local}{r.randrange(100)}@{r.choice(DOMAINS)}"
        if fmt == "uri":
            return (f"https://cdn.{r.choice(DOMAINS)}/{r.getrandbits(32):08x}/"
                    f"{r.choice(TEXT_WORDS)}.jpg")
        if fmt == "ipv4":
            return f"{r.choice(TEST_NETS)}.{r.randrange(1, 255)}"
        if fmt == "hostname":
            return f"{r.choice(TEXT_WORDS)}.{r.choice(DOMAINS)}"
        if fmt == "byte":
            return base64.b64encode(r.randbytes(r.randint(12, 30))).decode()
        lo, hi = schema.get("minLength", 1), schema.get("maxLength", 24)
        if fmt == "password":
            chars = WORDCH[:-1] + "!#%&*"
            return "".join(r.choice(chars) for _ in range(r.randint(lo, hi)))
        return self.text(lo, hi)

    def value(self, schema, depth=0):
        r = self.rnd
        schema = self.spec.deref(schema)
        if depth > 8:
            return None
        if "allOf" in schema:
            return self.value(merged(self.spec, schema), depth)
        for key in ("oneOf", "anyOf"):
            if key in schema:
                return self.value(schema[key][r.randrange(len(schema[key]))], depth)
        if schema.get("nullable") and r.random() < self.null_rate:
            return None
        if "enum" in schema:
            return schema["enum"][r.randrange(len(schema["enum"]))]
        t = schema.get("type")
        if t is None:
            t = "object" if "properties" in schema or "additionalProperties" in schema else "string"
        if t == "object":
            out = {}
            for name, sub in schema.get("properties", {}).items():
                out[name] = self.value(sub, depth + 1)
            # public specs sometimes require a member they do not describe
            for name in schema.get("required", []):
                if name not in out:
                    out[name] = self.text(1, 24)
            extra = schema.get("additionalProperties")
            if isinstance(extra, dict):
                for k in r.sample(META_KEYS, r.randint(1, 3)):
                    out[k] = self.value(extra, depth + 1)
            return out
        if t == "array":
            lo = schema.get("minItems", 1)
            hi = max(lo, schema.get("maxItems", 3))
            items = schema.get("items", {})
            return [self.value(items, depth + 1) for _ in range(r.randint(lo, hi))]
        if t == "integer":
            return r.randint(schema.get("minimum", 1), schema.get("maximum", 100000))
        if t == "number":
            return round(r.uniform(schema.get("minimum", 0), schema.get("maximum", 1000)), 2)
        if t == "boolean":
            return r.random() < 0.5
        return self.string(schema)


# ---------------------------------------------------------------------------
# Validation (what the router checks before it answers)
# ---------------------------------------------------------------------------

FORMATS = {
    "uuid": r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
    "date": r"\d{4}-\d{2}-\d{2}",
    "date-time": r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})",
    "email": r"[^@\s/]+@[^@\s/]+\.[a-z]{2,}",
}


def fits(spec, schema, text):
    """Whether the parameter text @text fits the scalar (or, comma-joined,
    array) @schema."""
    schema = spec.deref(schema)
    if schema.get("type") == "array":
        return all(fits(spec, schema.get("items", {}), t) for t in text.split(","))
    if "enum" in schema:
        return text in [str(e).lower() if isinstance(e, bool) else str(e) for e in schema["enum"]]
    t = schema.get("type", "string")
    if t in ("integer", "number"):
        try:
            v = int(text) if t == "integer" else float(text)
        except ValueError:
            return False
        return schema.get("minimum", v) <= v <= schema.get("maximum", v)
    if t == "boolean":
        return text in ("true", "false")
    if "pattern" in schema and not re.search(schema["pattern"], text):
        return False
    fmt = FORMATS.get(schema.get("format"))
    return not fmt or re.fullmatch(fmt, text) is not None


# ---------------------------------------------------------------------------
# HTTP
# ---------------------------------------------------------------------------


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive by default
    server_version = "spec-server/1.0"
    sys_version = ""
    timeout = 30  # an idle keep-alive connection is closed after this
    # Each response leaves in one write (see send_json), so Nagle would
    # only delay it; off, as in most production servers.
    disable_nagle_algorithm = True
    sites = {}
    seed = 0
    quiet = False

    def log_message(self, fmt, *args):
        if not self.quiet:
            sys.stderr.write("%s - %s\n" % (self.address_string(), fmt % args))

    def read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            out = bytearray()
            while True:
                size = int(self.rfile.readline(1024).split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass
                    return bytes(out)
                out += self.rfile.read(size)
                self.rfile.readline(8)
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def send_json(self, status, obj, extra=None):
        body = b"" if obj is None else json.dumps(obj, separators=(",", ":")).encode()
        self.send_response(status)
        if obj is not None:
            self.send_header("Content-Type", "application/json")
        rid = self.headers.get("X-Request-Id")
        if rid:
            self.send_header("X-Request-Id", rid)
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        if status != 204:
            self.send_header("Content-Length", str(len(body)))
        # Head and body in one write: two writes would meet the client's
        # delayed ACK and stall each response by tens of milliseconds.
        if self.command == "HEAD" or status == 204:
            body = b""
        self._headers_buffer.append(b"\r\n" + body)
        self.flush_headers()

    def fail(self, status, message, extra=None):
        self.send_json(status, {"error": {"status": status, "message": message,
                                          "path": self.path}}, extra)

    def handle_any(self):
        raw = self.read_body()
        host = (self.headers.get("Host") or "").rsplit(":", 1)[0].strip().lower()
        site = self.sites.get(host)
        if site is None:
            return self.fail(404, f"unknown host {host!r}")
        url = urlsplit(self.path)
        segs = [unquote(s) for s in url.path.strip("/").split("/")] if url.path.strip("/") else []
        ops, values = site.route(segs)
        if ops is None:
            return self.fail(404, "no such resource")
        op = next((o for o in ops if o.method == self.command), None)
        if op is None:
            allow = ", ".join(sorted(o.method for o in ops))
            return self.fail(405, "method not allowed", {"Allow": allow})
        spec = site.spec
        for p in op.of("path"):
            if not fits(spec, p["schema"], values[p["name"]]):
                return self.fail(400, f"path parameter {p['name']}: {values[p['name']]!r}")
        query = {}
        for k, v in parse_qsl(url.query, keep_blank_values=True):
            query[k] = query[k] + "," + v if k in query else v
        for p in op.of("query"):
            if p["name"] not in query:
                if p.get("required"):
                    return self.fail(400, f"query parameter {p['name']} is required")
            elif not fits(spec, p["schema"], query[p["name"]]):
                return self.fail(400, f"query parameter {p['name']}: {query[p['name']]!r}")
        if op.body is not None and (raw or op.body_required):
            try:
                body = json.loads(raw)
            except ValueError:
                return self.fail(400, "the body is not JSON")
            schema = merged(spec, op.body)
            missing = [k for k in schema.get("required", [])
                       if not isinstance(body, dict) or k not in body]
            if missing:
                return self.fail(400, f"body lacks {', '.join(missing)}")
        resp = None
        if op.resp_schema is not None:
            rnd = random.Random(f"{self.seed}:{self.command}:{host}:{self.path}")
            resp = Gen(spec, rnd, null_rate=0.1).value(op.resp_schema)
            # A resource read by id says that id, as real APIs do.
            last = op.segs[-1] if op.segs else ""
            if isinstance(resp, dict) and isinstance(last, tuple):
                v = values[last[0]]
                for key in ("id", last[0]):
                    old = resp.get(key)
                    if isinstance(old, (str, int)) and not isinstance(old, bool):
                        resp[key] = int(v) if isinstance(old, int) and v.isdigit() else v
        self.send_json(op.status, resp)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = handle_any


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8080)
    ap.add_argument("--specs", default=DEFAULT_SPECS, help="folder of OpenAPI YAML specs")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--quiet", action="store_true", help="no access log")
    ap.add_argument("--list", action="store_true", help="print the sites' operations and exit")
    args = ap.parse_args()
    sites = load_specs(args.specs)
    if args.list:
        for s in sites:
            print(f"{s.host} ({s.spec.file}): {len(s.ops)} operations")
            for op in s.ops:
                print(f"  {op.method:7} {op.path}")
        return 0
    Handler.sites = {s.host: s for s in sites}
    Handler.seed = args.seed
    Handler.quiet = args.quiet
    srv = Server((args.host, args.port), Handler)
    sys.stderr.write(f"spec_server: {len(sites)} sites, {sum(len(s.ops) for s in sites)} "
                     f"operations on {args.host}:{args.port}\n")
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
