#!/usr/bin/env python3
"""Runs apiradard on a capture made by tools/make-capture.sh and checks its
events against what the client recorded it did (the capture's .json):
every request appears as exactly one http event, on the right connection
and in order, with the right method, URL, host, status and body lengths;
the stats event's counters add up (received = processed + dropped) and no
event was lost.
"""
import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile


def load_events(path):
    with open(path) as f:
        return [json.loads(line) for line in f]


def compare(events, summary):
    """Returns a list of mismatch descriptions (empty when all is well)."""
    errors = []
    by_port = collections.defaultdict(list)
    for e in events:
        if e.get("event_type") == "http":
            by_port[e["src_port"]].append(e)
    n_expected = 0
    for conn in summary["connections"]:
        port = conn["local_port"]
        got = sorted(by_port.pop(port, []), key=lambda e: e["tx_id"])
        want = conn["requests"]
        n_expected += len(want)
        if len(got) != len(want):
            errors.append(f"connection :{port}: {len(got)} http events, want {len(want)}")
        for i, (g, w) in enumerate(zip(got, want)):
            h = g.get("http", {})
            t = g.get("transaction", {})
            host = w["host"].split(":")[0].lower()
            checks = [
                ("tx_id", g["tx_id"], i),
                ("method", h.get("http_method"), w["method"]),
                ("url", h.get("url"), w["path"]),
                ("status", h.get("status"), w["status"]),
                ("hostname", h.get("hostname"), host),
                ("length", h.get("length"), w["resp_body_len"]),
                ("request_body_length", t.get("request_body_length"), w["req_body_len"]),
                ("protocol", h.get("protocol"), "HTTP/1.1"),
                ("dest_ip", g.get("dest_ip"), summary["server"].rsplit(":", 1)[0]),
                ("dest_port", g.get("dest_port"), int(summary["server"].rsplit(":", 1)[1])),
                ("complete", t.get("complete"), True),
            ]
            for name, gv, wv in checks:
                if gv != wv:
                    errors.append(f"connection :{port} tx {i} ({w['method']} {w['path']}): "
                                  f"{name} = {gv!r}, want {wv!r}")
    for port, evs in by_port.items():
        errors.append(f"{len(evs)} http events on unknown connection :{port}")
    stats = [e for e in events if e.get("event_type") == "stats"]
    if not stats:
        errors.append("no stats event at the end")
    else:
        s = stats[-1]["stats"]
        cap = s["capture"]
        if cap["received"] != cap["processed"] + cap["dropped"]:
            errors.append(f"received {cap['received']} != processed {cap['processed']} + "
                          f"dropped {cap['dropped']}")
        if cap["dropped"] != sum(cap["drops"].values()):
            errors.append(f"dropped {cap['dropped']} != sum of drops by reason")
        ev = s["events"]
        lost = ev["lost_pool"] + ev["lost_ring"] + ev["too_big"] + ev["too_long"]
        if lost:
            errors.append(f"{lost} events lost")
        if s["http"]["transactions"] != n_expected:
            errors.append(f"stats: {s['http']['transactions']} transactions, want {n_expected}")
    return errors


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--apiradard", required=True)
    ap.add_argument("--pcap", required=True)
    ap.add_argument("--expect", required=True)
    args = ap.parse_args()
    with open(args.expect) as f:
        summary = json.load(f)
    with tempfile.TemporaryDirectory() as out:
        proc = subprocess.run([args.apiradard, "-r", args.pcap, "-l", out],
                              capture_output=True, text=True, timeout=120)
        sys.stdout.write(proc.stdout)
        sys.stderr.write(proc.stderr)
        if proc.returncode != 0:
            print(f"apiradard exited {proc.returncode}")
            return 1
        events = load_events(os.path.join(out, "eve.json"))
    errors = compare(events, summary)
    for e in errors:
        print("MISMATCH", e)
    n = sum(len(c["requests"]) for c in summary["connections"])
    print(f"capture: {n} requests expected, {len(errors)} mismatches")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
