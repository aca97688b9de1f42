#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Measures detection quality through the whole daemon: apiradard reads a
capture of labelled parameter values (tools/gen-params-pcap.py: row i of the
payload CSV sent once in a query parameter, GET /p/<i>/q/..., and once in a
JSON body field, POST /p/<i>/j/...) and its alert events are matched back to
the rows by URL.

A row-placement is flagged when at least one "alert" event has an http.url
starting with /p/<i>/<q|j>/. It is class-correct when one of those alerts has
the row's class as alert.category (path-traversal is path_traversal there).
Per class and placement it prints rows, flagged, the recall (the flag rate
for norm) and the class-correct rate, both over all rows of the class. The
false-positive rate is over norm rows flagged in either placement.

It exits 1 when a class's recall in either placement is under its
--min-recall, when the false-positive rate is over --max-fp, when the daemon
fails, or when it did not see every request of the capture; 2 on bad input.

  detect_quality.py --apiradard BIN --csv payload_train.csv [--rules DIR]
  detect_quality.py --apiradard BIN --pcap X.pcap --manifest X.json
  detect_quality.py --eve eve.json --manifest X.json      (no daemon run)

With --csv, the capture and manifest are generated into a temporary folder
(options --limit and --classes are handed to the generator). --daemon-arg
is given to apiradard as it is, after "-r CAPTURE -l DIR"; "{rules}" in it
stands for the --rules folder.
"""
import argparse
import collections
import json
import os
import re
import subprocess
import sys
import tempfile

ATTACKS = ("sqli", "xss", "path-traversal", "cmdi")
CLASSES = ("norm",) + ATTACKS
CATEGORY = {"sqli": "sqli", "xss": "xss", "path-traversal": "path_traversal", "cmdi": "cmdi"}
PLACEMENTS = ("q", "j")
DEFAULT_MIN_RECALL = "sqli=0.97,xss=0.97,path-traversal=0.90,cmdi=0.90"
URL_RE = re.compile(r"^/p/(\d+)/([qj])/")
GEN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools",
                   "gen-params-pcap.py")


class InputError(Exception):
    pass


def parse_min_recall(spec):
    out = {}
    for item in spec.split(","):
        item = item.strip()
        if not item:
            continue
        name, sep, val = item.partition("=")
        if not sep or name not in ATTACKS:
            raise InputError(f"--min-recall: '{item}': want CLASS=RATE, CLASS one of "
                             f"{', '.join(ATTACKS)}")
        try:
            out[name] = float(val)
        except ValueError:
            raise InputError(f"--min-recall: '{item}': '{val}' is not a number") from None
    return out


def load_manifest(path):
    with open(path) as f:
        man = json.load(f)
    rows = {}
    for m in man:
        if m.get("class") not in CLASSES or not isinstance(m.get("row"), int):
            raise InputError(f"{path}: bad entry {m!r}")
        rows[m["row"]] = m
    return rows


def load_events(path):
    events = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                events.append(json.loads(line))
            except json.JSONDecodeError as e:
                raise InputError(f"{path}:{n}: not JSON: {e}") from None
    return events


class Result:
    """Alerts of each (row, placement), and the totals derived from them."""

    def __init__(self, rows, events):
        self.rows = rows
        self.alerts = collections.defaultdict(list)  # (row, placement) -> [alert]
        self.unattributed = []
        self.http = 0
        self.stats = None
        for e in events:
            et = e.get("event_type")
            if et == "http":
                self.http += 1
            elif et == "stats":
                self.stats = e.get("stats")
            elif et == "alert":
                url = (e.get("http") or {}).get("url") or ""
                m = URL_RE.match(url)
                if not m or int(m.group(1)) not in rows:
                    self.unattributed.append(e)
                    continue
                self.alerts[(int(m.group(1)), m.group(2))].append(e.get("alert") or {})

    def flagged(self, row, place):
        return bool(self.alerts.get((row, place)))

    def correct(self, row, place, cls):
        want = CATEGORY.get(cls)
        return any(a.get("category") == want for a in self.alerts.get((row, place), ()))

    def table(self):
        """{(class, placement): (rows, flagged, correct)}; placement "any" for norm."""
        out = {}
        by_class = collections.defaultdict(list)
        for r, m in self.rows.items():
            by_class[m["class"]].append(r)
        for cls in CLASSES:
            rs = by_class.get(cls, [])
            if not rs:
                continue
            for p in PLACEMENTS:
                out[(cls, p)] = (len(rs), sum(self.flagged(r, p) for r in rs),
                                 sum(self.correct(r, p, cls) for r in rs))
            if cls == "norm":
                out[(cls, "any")] = (len(rs), sum(any(self.flagged(r, p) for p in PLACEMENTS)
                                                  for r in rs), 0)
        return out


def rate(n, d):
    return n / d if d else 0.0


def print_table(tab):
    print(f"{'class':<15} {'place':<5} {'rows':>6} {'flagged':>7} {'rate':>7} "
          f"{'correct':>7}  measure")
    for (cls, p), (n, f, c) in tab.items():
        if cls == "norm":
            what = "false-positive rate" if p == "any" else "flag rate"
            print(f"{cls:<15} {p:<5} {n:>6} {f:>7} {rate(f, n):>7.4f} {'-':>7}  {what}")
        else:
            print(f"{cls:<15} {p:<5} {n:>6} {f:>7} {rate(f, n):>7.4f} {rate(c, n):>7.4f}  "
                  "recall")


def check(tab, min_recall, max_fp):
    """Returns the list of thresholds violated."""
    bad = []
    for cls, want in min_recall.items():
        for p in PLACEMENTS:
            if (cls, p) not in tab:
                continue
            n, f, _ = tab[(cls, p)]
            if rate(f, n) < want:
                bad.append(f"{cls} recall in {p}: {rate(f, n):.4f} < {want}")
    if ("norm", "any") in tab:
        n, f, _ = tab[("norm", "any")]
        if rate(f, n) > max_fp:
            bad.append(f"false-positive rate: {rate(f, n):.4f} > {max_fp} ({f} of {n} norm rows)")
    return bad


def list_misses(res, cls):
    print(f"# missed {cls} rows: row placement payload")
    for r, m in sorted(res.rows.items()):
        if m["class"] != cls:
            continue
        missed = [p for p in PLACEMENTS if not res.flagged(r, p)]
        if missed:
            print(f"{r}\t{','.join(missed)}\t{m.get('payload', '')!r}")


def list_fp(res):
    print("# flagged norm rows: row placement signature_ids payload")
    for r, m in sorted(res.rows.items()):
        if m["class"] != "norm":
            continue
        for p in PLACEMENTS:
            alerts = res.alerts.get((r, p))
            if alerts:
                sids = sorted({a.get("signature_id") for a in alerts}, key=str)
                print(f"{r}\t{p}\t{','.join(str(s) for s in sids)}\t{m.get('payload', '')!r}")


def run_daemon(args, pcap, out):
    extra = [a.replace("{rules}", args.rules or "") for a in args.daemon_arg]
    cmd = [args.apiradard, "-r", pcap, "-l", out] + extra
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout)
    if proc.returncode != 0:
        sys.stdout.write(proc.stdout)
        sys.stderr.write(proc.stderr)
        print(f"FAIL: {' '.join(cmd)} exited {proc.returncode}")
        return False
    return True


def generate(args, tmp):
    pcap = os.path.join(tmp, "params.pcap")
    man = os.path.join(tmp, "params.json")
    cmd = [sys.executable, GEN, "--csv", args.csv, "--out", pcap, "--manifest", man]
    if args.limit:
        cmd += ["--limit", str(args.limit)]
    if args.classes:
        cmd += ["--classes", args.classes]
    subprocess.run(cmd, check=True, timeout=args.timeout)
    return pcap, man


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--apiradard", help="the daemon binary")
    ap.add_argument("--rules", help="rule folder, for {rules} in --daemon-arg")
    ap.add_argument("--daemon-arg", action="append", default=[],
                    help="one more argument for apiradard (repeat)")
    ap.add_argument("--pcap", help="capture from tools/gen-params-pcap.py")
    ap.add_argument("--manifest", help="its manifest (--manifest of the generator)")
    ap.add_argument("--csv", help="generate capture and manifest from this payload CSV")
    ap.add_argument("--limit", type=int, help="with --csv: at most N rows, spread evenly")
    ap.add_argument("--classes", help="with --csv: only these classes (comma-separated)")
    ap.add_argument("--eve", help="read this eve.json instead of running the daemon")
    ap.add_argument("--keep", help="copy the daemon's eve.json here")
    ap.add_argument("--min-recall", default=DEFAULT_MIN_RECALL,
                    help=f"CLASS=RATE,... per placement (default {DEFAULT_MIN_RECALL})")
    ap.add_argument("--max-fp", type=float, default=0.005,
                    help="highest share of norm rows flagged in either placement (0.005)")
    ap.add_argument("--list-misses", action="append", default=[], choices=ATTACKS,
                    metavar="CLASS", help="print the missed rows of CLASS (repeat)")
    ap.add_argument("--list-fp", action="store_true",
                    help="print the flagged norm rows with their signature ids")
    ap.add_argument("--timeout", type=int, default=600)
    args = ap.parse_args()

    if args.eve:
        if not args.manifest:
            ap.error("--eve needs --manifest")
    elif not args.apiradard:
        ap.error("--apiradard is needed unless --eve is given")
    elif not args.csv and not (args.pcap and args.manifest):
        ap.error("give --csv, or --pcap and --manifest")

    try:
        min_recall = parse_min_recall(args.min_recall)
        with tempfile.TemporaryDirectory() as tmp:
            manifest = args.manifest
            if args.eve:
                eve = args.eve
            else:
                pcap = args.pcap
                if args.csv:
                    pcap, manifest = generate(args, tmp)
                out = os.path.join(tmp, "log")
                os.mkdir(out)
                if not run_daemon(args, pcap, out):
                    return 1
                eve = os.path.join(out, "eve.json")
                if args.keep:
                    with open(eve, "rb") as src, open(args.keep, "wb") as dst:
                        dst.write(src.read())
            rows = load_manifest(manifest)
            res = Result(rows, load_events(eve))
    except (InputError, OSError, subprocess.CalledProcessError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2

    failures = []
    want_tx = 2 * len(rows)
    if res.stats is not None:
        got_tx = (res.stats.get("http") or {}).get("transactions")
        if got_tx != want_tx:
            failures.append(f"the daemon saw {got_tx} transactions, the capture has {want_tx}")
    elif not args.eve:
        failures.append("no stats event: the daemon did not finish its log")

    n_alerts = sum(len(v) for v in res.alerts.values())
    print(f"rows: {len(rows)}, http events: {res.http} (of {want_tx} requests), "
          f"alerts: {n_alerts + len(res.unattributed)} ({len(res.unattributed)} not on a row)")
    tab = res.table()
    print_table(tab)
    for cls in args.list_misses:
        list_misses(res, cls)
    if args.list_fp:
        list_fp(res)
    for e in res.unattributed[:10]:
        print(f"alert not on a row of the manifest: {(e.get('http') or {}).get('url')!r}")

    failures += check(tab, min_recall, args.max_fp)
    for f in failures:
        print("FAIL:", f)
    print("detect_quality: " + ("FAIL" if failures else "ok"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
