#!/usr/bin/env python3
"""Runs apiradard with a rule set on a capture made by tools/make-capture.sh
with --attacks, and checks its alert and pii events against what the
client recorded it did (the capture's .json):

- every request marked "attack" (and "attack_also") has an alert of that
  category, for every class a signature can see; credential stuffing is
  behavioural (ordinary logins, a burst of them) and needs none;
- no request without the mark has any alert: no false positives;
- every alert belongs to a request of the capture, with its URL;
- each card number and IBAN a response exposed is reported as a pii event
  of that type on that response, with a masked sample that is not the
  value, and no other response is said to hold one (the profile's masked
  card must stay quiet);
- every pii sample is masked.

Events are joined to requests by connection (src_port) and transaction
(tx_id: the request's index on its connection). It prints a table per
attack class and lists every miss with the alerts that request did get.
"""
import argparse
import collections
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

# Classes no single request gives away; a signature is not expected.
BEHAVIOURAL = {
    "credential_stuffing": "ordinary logins in a burst: needs rate tracking per source",
}


def load_events(path):
    with open(path) as f:
        return [json.loads(line) for line in f]


def rule_counts(rules):
    """Rules per category in the rule files (a file or a directory of
    *.yaml), read loosely: for the table only."""
    files = sorted(glob.glob(os.path.join(rules, "*.yaml"))) if os.path.isdir(rules) else [rules]
    counts = collections.Counter()
    for path in files:
        with open(path) as f:
            for m in re.finditer(r"^\s*category:\s*[\"']?([\w-]+)", f.read(), re.M):
                counts[m.group(1)] += 1
    return counts


def check(events, summary):
    """Returns (errors other than misses, per-class rows, misses, pii rows,
    (ordinary requests, those with alerts))."""
    errors, misses = [], []
    by_tx = collections.defaultdict(lambda: {"http": [], "alert": [], "pii": []})
    for e in events:
        if e.get("event_type") in ("http", "alert", "pii"):
            by_tx[(e["src_port"], e["tx_id"])][e["event_type"]].append(e)
    classes = collections.OrderedDict()
    n_normal, fp = 0, 0
    seen = set()
    for conn in summary["connections"]:
        port = conn["local_port"]
        for i, rq in enumerate(conn["requests"]):
            key = (port, i)
            seen.add(key)
            ev = by_tx.get(key, {"http": [], "alert": [], "pii": []})
            where = f"connection :{port} tx {i} ({rq['method']} {rq['path']})"
            for e in ev["alert"] + ev["pii"]:
                url = e.get("http", {}).get("url")
                if url != rq["path"]:
                    errors.append(f"{where}: {e['event_type']} event with url {url!r}")
            cats = {e["alert"]["category"] for e in ev["alert"]}
            if "attack" not in rq:
                n_normal += 1
                if ev["alert"]:
                    fp += 1
                    for e in ev["alert"]:
                        errors.append(f"{where}: false positive: {json.dumps(e['alert'])}")
            expected = [rq["attack"]] + rq.get("attack_also", []) if "attack" in rq else []
            for cls in expected:
                row = classes.setdefault(cls, {"requests": 0, "detected": 0, "any": 0,
                                               "cats": collections.Counter()})
                row["requests"] += 1
                row["any"] += bool(ev["alert"])
                row["cats"].update(cats)
                if cls in cats:
                    row["detected"] += 1
                elif cls not in BEHAVIOURAL:
                    misses.append((cls, where, rq, ev["alert"]))
            # Exposed payment data: one pii event of the type, masked.
            for x in rq.get("exposes", []):
                hits = [e["pii"] for e in ev["pii"] if e["pii"]["type"] == x["type"]]
                if not hits:
                    errors.append(f"{where}: the response exposes a value of type {x['type']}, "
                                  f"but there is no pii event of type {x['type']}")
                for p in hits:
                    if p.get("side") != "response":
                        errors.append(f"{where}: pii {x['type']} on side {p.get('side')!r}")
                    if x["value"] in p.get("sample", "") or "*" not in p.get("sample", ""):
                        errors.append(f"{where}: pii {x['type']} sample {p.get('sample')!r} "
                                      "is not masked")
            exposed = {x["type"] for x in rq.get("exposes", [])}
            for e in ev["pii"]:
                t = e["pii"]["type"]
                if t in ("credit_card", "iban") and t not in exposed:
                    errors.append(f"{where}: pii {t} where the response holds none: "
                                  f"{json.dumps(e['pii'])}")
    for key, ev in by_tx.items():
        if key not in seen and (ev["alert"] or ev["pii"]):
            errors.append(f"{len(ev['alert'])} alert and {len(ev['pii'])} pii events on "
                          f"connection :{key[0]} tx {key[1]}, which the client never sent")
    pii_rows = collections.OrderedDict()
    for e in events:
        if e.get("event_type") != "pii":
            continue
        p = e["pii"]
        if "*" not in p.get("sample", ""):
            errors.append(f"pii sample not masked: {json.dumps(p)} on {e['http'].get('url')}")
        row = pii_rows.setdefault((p["type"], p["field"]), [0, p.get("sample", "")])
        row[0] += 1
    if not any(rq.get("exposes") for c in summary["connections"] for rq in c["requests"]):
        errors.append("the capture has no request marked \"exposes\": made without --attacks?")
    if fp:
        errors.append(f"{fp} of {n_normal} ordinary requests have alerts")
    return errors, classes, misses, pii_rows, (n_normal, fp)


def print_report(classes, misses, pii_rows, normal, rules):
    print(f"\n{'class':<20} {'requests':>8} {'rules':>5} {'detected':>8} {'any alert':>9}  "
          "alert categories on these requests")
    for cls, row in sorted(classes.items()):
        cats = ", ".join(f"{c} {n}" for c, n in sorted(row["cats"].items())) or "-"
        if cls in BEHAVIOURAL:
            det = "n/a"
        else:
            det = f"{row['detected']}/{row['requests']}"
        print(f"{cls:<20} {row['requests']:>8} {rules.get(cls, 0):>5} {det:>8} "
              f"{row['any']:>9}  {cats}")
    for cls, why in BEHAVIOURAL.items():
        if cls in classes:
            print(f"  ({cls}: no signature expected, {why})")
    print(f"ordinary requests: {normal[0]}, with alerts: {normal[1]}")
    if pii_rows:
        print(f"\n{'pii type':<14} {'count':>5}  {'field':<40} sample")
        for (t, field), (n, sample) in sorted(pii_rows.items()):
            print(f"{t:<14} {n:>5}  {field:<40} {sample}")
    for cls, where, rq, alerts in misses:
        print(f"\nMISSED {cls}: {where} -> {rq['status']}")
        if not alerts:
            print("  no alert")
        for e in alerts:
            print("  alert " + json.dumps(e["alert"]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--apiradard", required=True)
    ap.add_argument("--pcap", required=True)
    ap.add_argument("--expect", required=True)
    ap.add_argument("--rules", required=True, help="rule file or directory (apiradard -R)")
    args = ap.parse_args()
    with open(args.expect) as f:
        summary = json.load(f)
    with tempfile.TemporaryDirectory() as out:
        proc = subprocess.run([args.apiradard, "-r", args.pcap, "-l", out, "-R", args.rules],
                              capture_output=True, text=True, timeout=120)
        sys.stdout.write(proc.stdout)
        sys.stderr.write(proc.stderr)
        if proc.returncode != 0:
            print(f"apiradard exited {proc.returncode}")
            return 1
        events = load_events(os.path.join(out, "eve.json"))
    errors, classes, misses, pii_rows, normal = check(events, summary)
    print_report(classes, misses, pii_rows, normal, rule_counts(args.rules))
    print()
    for e in errors:
        print("FAIL", e)
    n = sum(1 for c in summary["connections"] for rq in c["requests"] if "attack" in rq)
    missed = collections.Counter(cls for cls, _, _, _ in misses)
    print(f"detect: {n} attack requests, {len(misses)} expected alerts missing"
          + (" (" + ", ".join(f"{c} {k}" for c, k in sorted(missed.items())) + ")"
             if missed else "")
          + f", {normal[1]} false positives, {len(errors)} other failures")
    return 1 if errors or misses else 0


if __name__ == "__main__":
    sys.exit(main())
