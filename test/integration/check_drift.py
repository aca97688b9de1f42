#!/usr/bin/env python3
"""Drift against a site's own spec, and owners, through the whole daemon.

  check_drift.py prepare DIR   writes DIR/apiradar.yaml and DIR/shop.yaml
  check_drift.py check DIR     checks DIR/log/eve.json and DIR/openapi/

The spec given to apiradard for shop.example.test is test/data/specs/
shop.yaml changed in three ways the traffic then contradicts:
  - /api/v1/reviews/{reviewId} is removed: its DELETE calls are a shadow
    endpoint;
  - the `rating` query parameter of GET /api/v1/products/{slug}/reviews is
    removed: it is undocumented;
  - GET /api/v1/never-called is added: it is unused.
Owners: /repos on git.example.test belongs to "Code", everything else to
"Platform" ("*" with no prefix). The check wants exactly these drift
events and every operation of every document with its owner.
"""
import json
import os
import sys

import yaml

TOP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def prepare(d):
    spec = yaml.safe_load(open(os.path.join(TOP, "test", "data", "specs", "shop.yaml")))
    del spec["paths"]["/api/v1/reviews/{reviewId}"]
    op = spec["paths"]["/api/v1/products/{slug}/reviews"]["get"]
    op["parameters"] = [p for p in op.get("parameters", [])
                        if not (p.get("in") == "query" and p.get("name") == "rating")]
    spec["paths"]["/api/v1/never-called"] = {
        "get": {"responses": {"200": {"description": "never seen"}}}}
    with open(os.path.join(d, "shop.yaml"), "w") as f:
        yaml.safe_dump(spec, f, sort_keys=False)
    with open(os.path.join(d, "apiradar.yaml"), "w") as f:
        f.write("api:\n"
                "  owners:\n"
                "    - host: git.example.test\n"
                "      prefix: /repos\n"
                "      unit: Code\n"
                "      contact: code@example.test\n"
                "    - host: '*'\n"
                "      unit: Platform\n"
                "      contact: platform@example.test\n"
                "  specs:\n"
                "    - host: shop.example.test\n"
                "      file: shop.yaml\n")


def check(d):
    fails = []
    events = [json.loads(l) for l in open(os.path.join(d, "log", "eve.json"))]
    api = [e["api"] for e in events if e["event_type"] == "api"]
    drift = sorted((a["change"], a["method"], a["template"], a.get("where", ""), a.get("name", ""))
                   for a in api if a["change"] in ("shadow", "unused", "undocumented"))
    want = sorted([
        ("shadow", "DELETE", "/api/v1/reviews/{reviewId}", "", ""),
        ("undocumented", "GET", "/api/v1/products/{slugId}/reviews", "query", "rating"),
        ("unused", "GET", "/api/v1/never-called", "", ""),
    ])
    # the parameter's name is ours; compare templates with names left out
    def norm(t):
        return "/".join("{}" if s.startswith("{") else s for s in t.split("/"))
    got_n = sorted((c, m, norm(t), w, n) for c, m, t, w, n in drift)
    want_n = sorted((c, m, norm(t), w, n) for c, m, t, w, n in want)
    if got_n != want_n:
        fails.append(f"drift events {got_n}, want {want_n}")
    for a in api:
        if a["change"] == "new_endpoint":
            unit = "Code" if (a["site"] == "git.example.test"
                              and a["template"].startswith("/repos")) else "Platform"
            if a.get("owner") != unit:
                fails.append(f"{a['site']} {a['method']} {a['template']}: owner "
                             f"{a.get('owner')}, want {unit}")
    n_ops = 0
    for name in sorted(os.listdir(os.path.join(d, "openapi"))):
        doc = json.load(open(os.path.join(d, "openapi", name)))
        site = doc["info"]["title"]
        for tmpl, item in doc["paths"].items():
            for m, op in item.items():
                if m == "parameters":
                    continue
                n_ops += 1
                x = op["x-apiradar"]
                unit = "Code" if site == "git.example.test" and tmpl.startswith("/repos") \
                    else "Platform"
                if x.get("owner") != unit:
                    fails.append(f"{site} {m} {tmpl}: document owner {x.get('owner')}")
                shadow = site == "shop.example.test" and norm(tmpl) == "/api/v1/reviews/{}"
                if x.get("shadow", False) != shadow:
                    fails.append(f"{site} {m} {tmpl}: shadow {x.get('shadow', False)}")
    for f in fails[:20]:
        print("FAIL", f)
    print(f"check_drift: {len(drift)} drift events, {n_ops} operations with owners:",
          "ok" if not fails else f"{len(fails)} failures")
    return 1 if fails else 0


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("prepare", "check"):
        sys.exit("usage: check_drift.py prepare|check DIR")
    if sys.argv[1] == "prepare":
        prepare(sys.argv[2])
        sys.exit(0)
    sys.exit(check(sys.argv[2]))
