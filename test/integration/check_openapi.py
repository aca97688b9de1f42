#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Holds the OpenAPI documents apiradard discovered from a capture against
the truth of the traffic (tools/make-spec-capture.sh writes both the
capture and its truth; tools/spec_client.py describes the truth).

  check_openapi.py --truth CAPTURE.truth.json --docs DIR
  check_openapi.py --self-test [--truth T.json]

Operations compare as (method, template) with every {name} made "{}", the
document's server path (servers[0].url) put in front of its paths. Per
site (the document's file name, <host>.json or .yaml) and overall:

  precision  share of our operations that the spec has
  recall     share of the spec's operations that we have
  collapsed  spec templates routed onto one of ours: every concrete path
             the client sent is routed through our templates of its
             method, a literal segment beating a parameter; two spec
             templates landing on one of ours is a collapse
             (/users/me into /users/{}, /api/v1/orders into /api/v1/{})
  literal    our templates with a literal segment equal to a value the
  ids        client sent for a path parameter that is not an enum, where no
             spec template of the site has that literal at that place
             (/users/1234)
  body       recall of the top-level JSON property names the client sent,
  props      in our requestBody schema of the same operation
  query      recall of the query parameter names the client sent, in our
  params     operation's parameters

It fails (exit 1) when precision or recall is under 0.95, or a body-props
or query-params recall under 0.9, overall or for a site; on any collapse
or literal id (--overall-only: the overall numbers only, and more than
--max-collapsed collapses or --max-literal-ids literal ids in all); on a
document that is not OpenAPI 3.0.3; when a site has no document; and
when tools/npm/validate-openapi.mjs (swagger-parser) finds a document
invalid. Exit 2 on unreadable input.

--self-test writes documents from the truth (by default the truth of
`tools/spec_client.py --dry-run`) once exact and once per kind of fault,
and checks that each is judged for exactly the expected reasons.
"""

import argparse
import collections
import copy
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from urllib.parse import unquote, urlsplit

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.normpath(os.path.join(HERE, "..", ".."))
VALIDATOR = os.path.join(TOP, "tools", "npm", "validate-openapi.mjs")
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


class InputError(Exception):
    pass


def norm_template(path):
    """Same rule as tools/spec_server.py's: {name} -> {}, no trailing /."""
    path = re.sub(r"\{[^/{}]*\}", "{}", path)
    if len(path) > 1:
        path = path.rstrip("/")
    return path or "/"


def segments(path):
    path = path.strip("/")
    return [unquote(s) for s in path.split("/")] if path else []


# ---------------------------------------------------------------------------
# Our documents
# ---------------------------------------------------------------------------


def load_docs(folder):
    """{file name: document} of every .json/.yaml/.yml in @folder."""
    if not os.path.isdir(folder):
        raise InputError(f"{folder}: not a folder")
    docs = {}
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        if not name.endswith((".json", ".yaml", ".yml")) or not os.path.isfile(path):
            continue
        try:
            with open(path) as f:
                doc = json.load(f) if name.endswith(".json") else yaml.safe_load(f)
        except (ValueError, yaml.YAMLError) as e:
            raise InputError(f"{path}: cannot be parsed: {e}") from e
        if not isinstance(doc, dict):
            raise InputError(f"{path}: not a JSON/YAML object")
        docs[name] = doc
    return docs


def doc_site(name):
    """The host a document's file name stands for (port suffix dropped)."""
    stem = re.sub(r"\.(json|ya?ml)$", "", name).lower()
    return re.sub(r"[:_]\d+$", "", stem)


def deref(doc, obj, depth=0):
    while isinstance(obj, dict) and "$ref" in obj and depth < 32:
        ref = obj["$ref"]
        if not isinstance(ref, str) or not ref.startswith("#/"):
            return {}
        obj = doc
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            obj = obj.get(part, {}) if isinstance(obj, dict) else {}
        depth += 1
    return obj if isinstance(obj, dict) else {}


def schema_props(doc, schema, depth=0):
    """Top-level property names of @schema: allOf merged, oneOf/anyOf
    united."""
    schema = deref(doc, schema)
    names = set(schema.get("properties", {}) or {})
    if depth < 8:
        for key in ("allOf", "oneOf", "anyOf"):
            for sub in schema.get(key, []) or []:
                names |= schema_props(doc, sub, depth + 1)
    return names


class OurOp:
    def __init__(self, doc, method, template, item, op):
        self.method, self.template = method, template
        self.segs = segments(template)
        listed = (item.get("parameters") or []) + (op.get("parameters") or [])
        params = [deref(doc, p) for p in listed]
        self.query = {p.get("name") for p in params if p.get("in") == "query"}
        # a credential sent in the query is documented as an apiKey
        # security scheme of the operation, not as a parameter
        schemes = (doc.get("components") or {}).get("securitySchemes") or {}
        for req in op.get("security") or doc.get("security") or []:
            for name in req or {}:
                sch = deref(doc, schemes.get(name) or {})
                if sch.get("type") == "apiKey" and sch.get("in") == "query":
                    self.query.add(sch.get("name"))
        self.body = set()
        rb = deref(doc, op.get("requestBody") or {})
        for media, content in (rb.get("content") or {}).items():
            if "json" in media and isinstance(content, dict):
                self.body |= schema_props(doc, content.get("schema") or {})


def doc_ops(doc):
    """{(METHOD, template): OurOp} of a document."""
    base = ""
    servers = doc.get("servers") or []
    if servers and isinstance(servers[0], dict):
        base = urlsplit(str(servers[0].get("url", ""))).path.rstrip("/")
    ops = {}
    for path, item in (doc.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        tmpl = norm_template(base + "/" + str(path).lstrip("/"))
        for m in METHODS:
            if isinstance(item.get(m), dict):
                ops[(m.upper(), tmpl)] = OurOp(doc, m.upper(), tmpl, item, item[m])
    return ops


def route(ops, method, path):
    """Our template that serves @path for @method, literal beating
    parameter segment by segment from the left, or None."""
    segs = segments(path)
    best, best_rank = None, None
    for op in ops:
        if op.method != method or len(op.segs) != len(segs):
            continue
        rank = []
        for t, s in zip(op.segs, segs):
            if t == "{}":
                rank.append(2)
            elif "{}" in t:
                rx = "[^/]+".join(re.escape(x) for x in t.split("{}"))
                if not re.fullmatch(rx, s):
                    break
                rank.append(1)
            elif t == s:
                rank.append(0)
            else:
                break
        else:
            if best_rank is None or rank < best_rank:
                best, best_rank = op, rank
    return best


# ---------------------------------------------------------------------------
# Judging
# ---------------------------------------------------------------------------


class Ratio:
    def __init__(self, hit=0, total=0):
        self.hit, self.total = hit, total

    def add(self, other):
        self.hit += other.hit
        self.total += other.total

    @property
    def value(self):
        return self.hit / self.total if self.total else 1.0

    def __str__(self):
        return f"{self.value:.3f} ({self.hit}/{self.total})"


class SiteResult:
    def __init__(self, host):
        self.host, self.file = host, None
        self.spec, self.ours, self.both = 0, 0, 0
        self.missing, self.extra = [], []
        self.collapsed, self.literal_ids = [], []
        self.body, self.query = Ratio(), Ratio()
        self.paths = Ratio()  # concrete paths routed to their own template

    @property
    def precision(self):
        # Nothing discovered is nothing wrongly discovered: recall and the
        # missing-document failure tell that case.
        return self.both / self.ours if self.ours else 1.0

    @property
    def recall(self):
        return self.both / self.spec if self.spec else 1.0


def judge_site(host, t_site, doc):
    r = SiteResult(host)
    truth_ops = {(o["method"], o["template"]): o for o in t_site["operations"]}
    ours = doc_ops(doc) if doc is not None else {}
    r.spec, r.ours = len(truth_ops), len(ours)
    r.both = len(truth_ops.keys() & ours.keys())
    r.missing = sorted(truth_ops.keys() - ours.keys(), key=lambda k: (k[1], k[0]))
    r.extra = sorted(ours.keys() - truth_ops.keys(), key=lambda k: (k[1], k[0]))

    # Collapses: route every concrete path the client sent.
    landed = collections.defaultdict(set)
    our_list = list(ours.values())
    for key, o in truth_ops.items():
        for path in o["paths"]:
            hit = route(our_list, o["method"], path)
            r.paths.total += 1
            if hit is not None:
                landed[(hit.method, hit.template)].add(key[1])
                r.paths.hit += hit.template == key[1]
    for ours_key, spec_tmpls in sorted(landed.items()):
        if len(spec_tmpls) > 1:
            r.collapsed.append((ours_key, sorted(spec_tmpls)))

    # Literal ids: a sent path value as a literal where the spec has none.
    # (an enum's values are the spec's own words, fixed like literals: learnt
    # as literals they cost precision and recall, but they are not ids)
    values = {v for o in t_site["operations"] for k, vs in o["path_params"].items()
              if k not in o.get("enum_path_params", ()) for v in vs}
    spec_literals = {(i, s) for (_, t) in truth_ops for i, s in enumerate(segments(t)) if s != "{}"}
    for key, op in sorted(ours.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        for i, s in enumerate(op.segs):
            if "{}" not in s and s in values and (i, s) not in spec_literals:
                r.literal_ids.append((key, s))

    # Schema details, on the operations both have.
    for key in truth_ops.keys() & ours.keys():
        o, op = truth_ops[key], ours[key]
        r.body.add(Ratio(len(set(o["body_properties"]) & op.body), len(o["body_properties"])))
        r.query.add(Ratio(len(set(o["query_params"]) & op.query), len(o["query_params"])))
    return r


def judge(truth, docs, opts):
    """Per-site results, overall numbers and the list of failures, each
    (kind, text)."""
    failures = []
    by_site = collections.defaultdict(list)
    for name, doc in docs.items():
        by_site[doc_site(name)].append(name)
    results = []
    for host in sorted(truth["sites"]):
        names = by_site.pop(host, [])
        if len(names) > 1:
            failures.append(("duplicate-doc", f"{host}: several documents: {', '.join(names)}"))
        doc = docs[names[0]] if names else None
        r = judge_site(host, truth["sites"][host], doc)
        r.file = names[0] if names else None
        if doc is None:
            failures.append(("missing-doc", f"{host}: no document"))
        results.append(r)
    # Documents of sites the traffic did not have: all their operations
    # are false discoveries.
    for host, names in sorted(by_site.items()):
        r = judge_site(host, {"operations": []}, docs[names[0]])
        r.file = names[0]
        results.append(r)

    total = SiteResult("overall")
    for r in results:
        total.spec += r.spec
        total.ours += r.ours
        total.both += r.both
        total.collapsed += r.collapsed
        total.literal_ids += r.literal_ids
        total.body.add(r.body)
        total.query.add(r.query)
        total.paths.add(r.paths)

    for name, doc in sorted(docs.items()):
        if doc.get("openapi") != "3.0.3":
            failures.append(("version", f"{name}: openapi is {doc.get('openapi')!r}, want '3.0.3'"))
    for r in results + [total]:
        def fail(kind, text, where=r.host):
            failures.append((kind, f"{where}: {text}"))
        if opts.overall_only and r is not total:
            continue
        if r.precision < opts.min_precision:
            fail("precision", f"precision {r.precision:.3f} < {opts.min_precision}")
        if r.recall < opts.min_recall:
            fail("recall", f"recall {r.recall:.3f} < {opts.min_recall}")
        if r.body.value < opts.min_schema:
            fail("body-props", f"body property recall {r.body} < {opts.min_schema}")
        if r.query.value < opts.min_schema:
            fail("query-params", f"query parameter recall {r.query} < {opts.min_schema}")
        if r is total:
            if opts.overall_only:
                if len(r.collapsed) > opts.max_collapsed:
                    fail("collapsed", f"{len(r.collapsed)} collapsed > {opts.max_collapsed}")
                if len(r.literal_ids) > opts.max_literal_ids:
                    fail("literal-id",
                         f"{len(r.literal_ids)} literal ids > {opts.max_literal_ids}")
            continue
        for (m, t), spec_tmpls in r.collapsed:
            fail("collapsed", f"{m} {t} serves {len(spec_tmpls)} spec templates: "
                              f"{', '.join(spec_tmpls)}")
        for (m, t), v in r.literal_ids:
            fail("literal-id", f"{m} {t}: segment {v!r} is a path parameter value")
    return results, total, failures


def print_report(results, total, failures, show, out=sys.stdout):
    hdr = (f"{'site':22} {'spec':>4} {'ours':>4} {'both':>4} {'precision':>9} {'recall':>6} "
           f"{'collapsed':>9} {'literal-ids':>11} {'paths-routed':>20} {'body-props':>18} "
           f"{'query-params':>18}")
    print(hdr, file=out)
    for r in results + [total]:
        print(f"{r.host[:22]:22} {r.spec:4} {r.ours:4} {r.both:4} {r.precision:9.3f} "
              f"{r.recall:6.3f} "
              f"{len(r.collapsed):9} {len(r.literal_ids):11} {str(r.paths):>20} {str(r.body):>18} "
              f"{str(r.query):>18}", file=out)
    for r in results:
        for label, items in (("missing", r.missing), ("extra", r.extra)):
            if items:
                listed = ", ".join(f"{m} {t}" for m, t in items[:show])
                more = f" (+{len(items) - show} more)" if len(items) > show else ""
                print(f"{r.host}: {len(items)} {label}: {listed}{more}", file=out)
    # At most @show lines per kind and site; the rest counted.
    shown = collections.Counter()
    for kind, text in failures:
        key = (kind, text.split(":")[0])
        shown[key] += 1
        if shown[key] <= show:
            print(f"FAIL {kind}: {text}", file=out)
    for (kind, where), n in sorted(shown.items()):
        if n > show:
            print(f"FAIL {kind}: {where}: ... {n - show} more ({n} in all)", file=out)


def validate(files, validator):
    """Runs the swagger-parser validator; returns (ok, output)."""
    if not files:
        return True, ""
    node = shutil.which("node")
    if not node:
        return False, "node (Node.js) not found: the validator cannot run"
    mod = os.path.join(os.path.dirname(validator), "node_modules", "@apidevtools", "swagger-parser")
    if not os.path.isdir(mod):
        return False, (f"{mod} is missing: run `npm ci --prefix {os.path.dirname(validator)}` "
                       "(tools/install-deps.sh does)")
    proc = subprocess.run([node, validator] + files, capture_output=True, text=True, timeout=300)
    return proc.returncode == 0, (proc.stdout + proc.stderr).strip()


def check(truth, folder, opts, out=sys.stdout):
    """Judges and validates; returns the failures."""
    docs = load_docs(folder)
    results, total, failures = judge(truth, docs, opts)
    print_report(results, total, failures, opts.show, out)
    if opts.validate:
        ok, text = validate([os.path.join(folder, n) for n in sorted(docs)], opts.validator)
        if text:
            print(text, file=out)
        if not ok:
            failures.append(("invalid", "the validator rejects a document (see above)"))
            print("FAIL invalid: the validator rejects a document", file=out)
    return failures


# ---------------------------------------------------------------------------
# Self-test: documents made from the truth, exact and with faults
# ---------------------------------------------------------------------------


def make_doc(host, ops):
    """A valid OpenAPI 3.0.3 document with the (method, template, truth op
    or None) of @ops: path parameters p1.., the truth's query parameters,
    a JSON body with its property names."""
    paths = {}
    for method, tmpl, o in ops:
        n = 0

        def name(_):
            nonlocal n
            n += 1
            return "{p%d}" % n
        path = re.sub(r"\{\}", name, tmpl)
        params = [{"name": f"p{i}", "in": "path", "required": True, "schema": {"type": "string"}}
                  for i in range(1, n + 1)]
        op = {"responses": {"200": {"description": "OK"}}}
        q = [{"name": q, "in": "query", "schema": {"type": "string"}}
             for q in (o or {}).get("query_params", [])]
        if params or q:
            op["parameters"] = params + q
        if o and o["body_properties"]:
            props = {k: {"type": "string"} for k in o["body_properties"]}
            op["requestBody"] = {"content": {"application/json": {"schema": {
                "type": "object", "properties": props}}}}
        paths.setdefault(path, {})[method.lower()] = op
    return {"openapi": "3.0.3", "info": {"title": host, "version": "1"},
            "servers": [{"url": f"http://{host}"}], "paths": paths}


def exact_docs(truth):
    return {host: make_doc(host, [(o["method"], o["template"], o) for o in s["operations"]])
            for host, s in truth["sites"].items()}


def self_test(args):
    tmp = tempfile.mkdtemp(prefix="check-openapi-")
    try:
        if args.truth:
            with open(args.truth) as f:
                truth = json.load(f)
        else:
            path = os.path.join(tmp, "truth.json")
            client = os.path.join(TOP, "tools", "spec_client.py")
            subprocess.run([sys.executable, client, "--dry-run", "--truth", path], check=True,
                           stderr=subprocess.DEVNULL)
            with open(path) as f:
                truth = json.load(f)
        sites = truth["sites"]

        def site_of(pred):
            return next(h for h in sorted(sites) if pred(h))

        def ops_of(host):
            return [(o["method"], o["template"], o) for o in sites[host]["operations"]]

        def first_value(host, template):
            o = next(o for o in sites[host]["operations"] if o["template"] == template)
            return next(iter(o["path_params"].values()))[0]

        shop, pay = site_of(lambda h: h.startswith("shop")), site_of(lambda h: h.startswith("pay"))
        git, iot = site_of(lambda h: h.startswith("git")), site_of(lambda h: h.startswith("iot"))
        scenarios = []

        def scenario(name, expect, docs, fmt="json", **opts):
            scenarios.append((name, set(expect), docs, fmt, opts))

        scenario("exact", [], exact_docs(truth))
        scenario("exact, YAML", [], exact_docs(truth), "yaml")

        # /api/v1/products/search served by /api/v1/products/{}.
        d = exact_docs(truth)
        d[shop] = make_doc(shop, [x for x in ops_of(shop) if x[1] != "/api/v1/products/search"])
        scenario("collapsed: literal into parameter", ["collapsed"], d)
        # --overall-only (public specs): a collapse within --max-collapsed
        # passes, one more fails
        scenario("overall only, 1 collapsed of at most 1", [], d, overall_only=True,
                 max_collapsed=1)
        scenario("overall only, 1 collapsed of at most 0", ["collapsed"], d,
                 overall_only=True, max_collapsed=0)

        # /users/me and /users/{id} merged the other way round would be a
        # literal id; the collection set of /v1 taken for a parameter:
        # GET /v1/customers, /v1/charges, /v1/invoices, /v1/balance
        # become GET /v1/{}.
        d = exact_docs(truth)
        kept = [x for x in ops_of(pay)
                if not (x[0] == "GET" and re.fullmatch(r"/v1/[a-z_]+", x[1]))]
        d[pay] = make_doc(pay, kept + [("GET", "/v1/{}", None)])
        scenario("collapsed: collection set into /v1/{}", ["collapsed", "recall"], d)

        d = exact_docs(truth)
        uid = first_value(shop, "/api/v1/users/{}")
        d[shop] = make_doc(shop, ops_of(shop) + [("GET", f"/api/v1/users/{uid}", None)])
        scenario(f"literal id /api/v1/users/{uid}", ["literal-id"], d)

        # A plain-word id kept literal: one owner's repositories.
        d = exact_docs(truth)
        owner = first_value(git, "/repos/{}/{}")
        d[git] = make_doc(git, ops_of(git) + [("GET", f"/repos/{owner}/{{}}/issues", None)])
        scenario(f"literal id /repos/{owner}/{{}}/issues", ["literal-id"], d)

        d = exact_docs(truth)
        d[pay] = make_doc(pay, [x for x in ops_of(pay)
                                if (x[0], x[1]) != ("DELETE", "/v1/webhook_endpoints/{}")])
        scenario("one endpoint missing (recall 26/27 passes)", [], d)

        d = exact_docs(truth)
        gone = {("GET", "/user"), ("GET", "/gists/{}"), ("PUT", "/repos/{}/{}/pulls/{}/merge")}
        d[git] = make_doc(git, [x for x in ops_of(git) if (x[0], x[1]) not in gone])
        scenario("three endpoints missing", ["recall"], d)

        d = exact_docs(truth)
        d[iot] = make_doc(iot, ops_of(iot) + [("GET", "/v3/devices/{}/status", None),
                                             ("GET", "/v3/metrics", None),
                                             ("POST", "/v3/users/me", None)])
        scenario("three endpoints that do not exist", ["precision"], d)

        d = exact_docs(truth)
        thin = []
        for m, t, o in ops_of(shop):
            if o["body_properties"]:
                o = dict(o, body_properties=o["body_properties"][: len(o["body_properties"]) // 2])
            thin.append((m, t, o))
        d[shop] = make_doc(shop, thin)
        scenario("half the body properties missing", ["body-props"], d)

        d = exact_docs(truth)
        del d[iot]
        scenario("no document for a site", ["missing-doc", "recall"], d)

        d = exact_docs(truth)
        d[git]["openapi"] = "3.1.0"
        scenario("OpenAPI 3.1.0 instead of 3.0.3", ["version"], d)

        if args.validate:
            d = exact_docs(truth)
            bad = copy.deepcopy(d[iot])
            path = next(p for p in bad["paths"] if "{p1}" in p)
            for op in bad["paths"][path].values():
                op["parameters"] = [p for p in op["parameters"] if p["name"] != "p1"]
            d[iot] = bad
            scenario("invalid document: undeclared path parameter", ["invalid"], d)

            d = exact_docs(truth)
            for item in d[shop]["paths"].values():
                for op in item.values():
                    del op["responses"]["200"]["description"]
            scenario("invalid document: responses without description", ["invalid"], d)

        wrong = 0
        for i, (name, expect, docs, fmt, opts) in enumerate(scenarios):
            folder = os.path.join(tmp, f"s{i}")
            os.mkdir(folder)
            for host, doc in docs.items():
                with open(os.path.join(folder, f"{host}.{fmt}"), "w") as f:
                    if fmt == "json":
                        json.dump(doc, f, indent=1)
                    else:
                        yaml.safe_dump(doc, f, sort_keys=False)
            log = open(os.path.join(tmp, f"s{i}.log"), "w+")
            failures = check(truth, folder, argparse.Namespace(**{**vars(args), **opts}), log)
            got = {k for k, _ in failures}
            ok = got == expect
            wrong += not ok
            print(f"{'ok  ' if ok else 'FAIL'} {name}: failures {sorted(got) or 'none'}"
                  f"{'' if ok else f', want {sorted(expect) or None}'}")
            if not ok or args.verbose:
                log.seek(0)
                sys.stdout.write("".join("    " + line for line in log))
            log.close()
        print(f"self-test: {len(scenarios) - wrong} of {len(scenarios)} scenarios judged "
              "as expected")
        return 1 if wrong else 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--truth", help="the capture's .truth.json (tools/make-spec-capture.sh)")
    ap.add_argument("--docs", help="folder of apiradard's OpenAPI documents")
    ap.add_argument("--min-precision", type=float, default=0.95)
    ap.add_argument("--min-recall", type=float, default=0.95)
    ap.add_argument("--min-schema", type=float, default=0.9,
                    help="floor of the body-property and query-parameter recalls")
    ap.add_argument("--validator", default=VALIDATOR, help="validate-openapi.mjs")
    ap.add_argument("--no-validate", dest="validate", action="store_false",
                    help="skip the swagger-parser validation")
    ap.add_argument("--show", type=int, default=10,
                    help="missing/extra operations and failures of a kind listed per site")
    ap.add_argument("--overall-only", action="store_true",
                    help="judge the overall numbers only, with --max-collapsed and "
                         "--max-literal-ids (public specs: sites are reported, not judged)")
    ap.add_argument("--max-collapsed", type=int, default=0)
    ap.add_argument("--max-literal-ids", type=int, default=0)
    ap.add_argument("--self-test", action="store_true")
    ap.add_argument("-v", "--verbose", action="store_true", help="self-test: print every report")
    args = ap.parse_args()
    try:
        if args.self_test:
            return self_test(args)
        if not args.truth or not args.docs:
            ap.error("--truth and --docs are needed (or --self-test)")
        with open(args.truth) as f:
            truth = json.load(f)
        failures = check(truth, args.docs, args)
    except (InputError, OSError, ValueError, KeyError) as e:
        print(f"check_openapi: {e}", file=sys.stderr)
        return 2
    kinds = sorted({k for k, _ in failures})
    print(f"check_openapi: {'FAIL (' + ', '.join(kinds) + ')' if failures else 'PASS'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
