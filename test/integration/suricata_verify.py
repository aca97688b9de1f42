#!/usr/bin/env python3
"""Replays every suricata-verify capture through apiradard and applies the
`event_type: http` filters of each test.yaml to our eve.json.

Fails when apiradard crashes, exits non-zero, or prints a sanitizer report
on any capture, or when fewer filters pass than the floor given with
--min-pass (so a regression cannot land unnoticed). Prints one line per
failing filter and a summary; README.md beside this file explains the
failures that remain.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

import yaml

SANITIZER = re.compile(r"(ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:)")


def find_pcap(test_dir, spec):
    if spec.get("pcap"):
        p = os.path.normpath(os.path.join(test_dir, spec["pcap"]))
        return p if os.path.exists(p) else None
    pcaps = sorted(f for f in os.listdir(test_dir) if f.endswith((".pcap", ".pcapng")))
    return os.path.join(test_dir, pcaps[0]) if len(pcaps) == 1 else None


def flatten(match, prefix=""):
    """{'http': {'url': '/'}} -> [('http.url', '/')]"""
    out = []
    for k, v in match.items():
        key = f"{prefix}.{k}" if prefix else str(k)
        if isinstance(v, dict):
            out.extend(flatten(v, key))
        else:
            out.append((key, v))
    return out


MISSING = object()


def resolve(event, path):
    cur = event
    for part in path.split("."):
        if part == "__len":
            return len(cur) if isinstance(cur, (list, dict, str)) else MISSING
        m = re.fullmatch(r"([^\[]*)((?:\[\d+\])*)", part)
        name, idx = m.group(1), m.group(2)
        if name:
            if not isinstance(cur, dict) or name not in cur:
                return MISSING
            cur = cur[name]
        for i in re.findall(r"\[(\d+)\]", idx):
            if not isinstance(cur, list) or int(i) >= len(cur):
                return MISSING
            cur = cur[int(i)]
    return cur


def equal(got, want):
    if got is MISSING:
        return False
    if isinstance(want, bool) or isinstance(got, bool):
        return got is want or got == want
    if isinstance(want, (int, float)) and isinstance(got, (int, float)):
        return got == want
    return str(got) == str(want) if not isinstance(got, (dict, list)) else got == want


def applies(filt):
    """Filters meant only for older Suricata versions are not ours to meet."""
    return "lt-version" not in filt and "lt-version" not in (filt.get("requires") or {})


def is_http_filter(filt):
    match = filt.get("match") or {}
    et = match.get("event_type")
    return et in ("http", "http2")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--apiradard", required=True)
    ap.add_argument("--tests", required=True, help="suricata-verify tests folder")
    ap.add_argument("--min-pass", type=int, default=0)
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()

    if not os.path.isdir(args.tests):
        print(f"suricata-verify: {args.tests} not found")
        return 1

    crashes, replayed, missing = [], 0, 0
    passed = failed = 0
    failures = []
    env = dict(os.environ)
    for name in sorted(os.listdir(args.tests)):
        tdir = os.path.join(args.tests, name)
        ypath = os.path.join(tdir, "test.yaml")
        if not os.path.exists(ypath):
            continue
        with open(ypath) as f:
            spec = yaml.safe_load(f) or {}
        req = spec.get("requires") or {}
        if "lt-version" in req:
            continue
        pcap = find_pcap(tdir, spec)
        if pcap is None:
            missing += 1
            continue
        with tempfile.TemporaryDirectory() as out:
            proc = subprocess.run([args.apiradard, "-r", pcap, "-l", out],
                                  capture_output=True, text=True, env=env, timeout=300)
            replayed += 1
            if proc.returncode != 0 or SANITIZER.search(proc.stderr):
                crashes.append(f"{name}: exit {proc.returncode}: "
                               f"{proc.stderr.strip().splitlines()[-3:]}")
                continue
            events = []
            with open(os.path.join(out, "eve.json")) as f:
                for line in f:
                    events.append(json.loads(line))
        for check in spec.get("checks") or []:
            filt = check.get("filter") if isinstance(check, dict) else None
            if not filt or not is_http_filter(filt) or not applies(filt):
                continue
            pairs = flatten(filt.get("match") or {})
            n = sum(1 for e in events if all(equal(resolve(e, k), v) for k, v in pairs))
            want = filt.get("count")
            ok = n == want if want is not None else n > 0
            if ok:
                passed += 1
            else:
                failed += 1
                failures.append(f"{name}: want {want}, got {n}: "
                                f"{json.dumps(dict(pairs), default=str)[:300]}")

    for f in failures:
        print("FILTER FAIL", f)
    for c in crashes:
        print("CRASH", c)
    total = passed + failed
    print(f"suricata-verify: {replayed} captures replayed, {missing} missing, "
          f"{len(crashes)} crashed; http filters: {passed}/{total} pass")
    if crashes:
        return 1
    if passed < args.min_pass:
        print(f"suricata-verify: {passed} filters pass, fewer than the floor {args.min_pass}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
