#!/usr/bin/env python3
"""The API catalog survives a restart and grows: apiradard on capture A with a
state directory, stopped, then on capture B with the same directory, must
end with the catalog of one run over A and B together: the same endpoints
(site, method, template), the same call counts, the same first and last
seen times, and the same OpenAPI documents but for nothing. A third run on
nothing new (an empty capture) must keep it all and write no key.

The captures come from tools/gen-api-pcap.py with two seeds: the same sites
and API, different requests, so both runs learn the same endpoints further.
"""
import argparse
import json
import os
import struct
import subprocess
import sys
import tempfile


def run(apiradard, pcaps, data_dir, oa_dir, log_dir):
    cmd = [apiradard, "--no-detect", "-l", log_dir, "--openapi-dir", oa_dir]
    if data_dir:
        cmd += ["--data-dir", data_dir]
    for p in pcaps:
        cmd += ["-r", p]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        sys.stdout.write(proc.stdout)
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"apiradard exited {proc.returncode}: {' '.join(cmd)}")
    stats = None
    with open(os.path.join(log_dir, "eve.json")) as f:
        for line in f:
            ev = json.loads(line)
            if ev.get("event_type") == "stats":
                stats = ev["stats"]
    return proc.stdout, stats


def catalog(oa_dir):
    """(site, METHOD, template) -> (calls, first_seen, last_seen)."""
    out = {}
    for name in sorted(os.listdir(oa_dir)):
        with open(os.path.join(oa_dir, name)) as f:
            doc = json.load(f)
        site = doc["info"]["title"]
        for tmpl, item in doc["paths"].items():
            for method, op in item.items():
                if method == "parameters":
                    continue
                x = op["x-apiradar"]
                out[(site, method.upper(), tmpl)] = (x["calls"], x["first_seen"],
                                                     x["last_seen"])
    return out


def shift_pcap(path, seconds):
    """Moves every packet of a classic pcap file @seconds later."""
    data = bytearray(open(path, "rb").read())
    magic = struct.unpack_from("<I", data, 0)[0]
    if magic not in (0xa1b2c3d4, 0xa1b23c4d):
        raise SystemExit(f"{path}: not a little-endian pcap file")
    off = 24
    while off + 16 <= len(data):
        sec, usec, incl, orig = struct.unpack_from("<IIII", data, off)
        struct.pack_into("<I", data, off, sec + seconds)
        off += 16 + incl
    open(path, "wb").write(data)


def empty_pcap(path):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--apiradard", required=True)
    ap.add_argument("--gen", required=True, help="tools/gen-api-pcap.py")
    ap.add_argument("--flows", default="60")
    args = ap.parse_args()
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        a = os.path.join(tmp, "a.pcap")
        b = os.path.join(tmp, "b.pcap")
        e = os.path.join(tmp, "empty.pcap")
        for path, seed in ((a, "1"), (b, "2")):
            subprocess.run(["/usr/bin/python3", args.gen, path, "--flows", args.flows,
                            "--seed", seed], check=True, capture_output=True)
        # B happens an hour after A, as a second day of traffic would
        shift_pcap(b, 3600)
        empty_pcap(e)
        d = {k: os.path.join(tmp, k) for k in ("oa_ab", "oa_a", "oa_b", "oa_e", "logs",
                                               "state")}
        for k, v in d.items():
            if k != "state":
                os.mkdir(v)
        # the reference: one run over both captures, no state directory
        run(args.apiradard, [a, b], None, d["oa_ab"], d["logs"])
        # A, stop, B with the same state directory, then nothing new
        run(args.apiradard, [a], d["state"], d["oa_a"], d["logs"])
        out_b, stats_b = run(args.apiradard, [b], d["state"], d["oa_b"], d["logs"])
        out_e, stats_e = run(args.apiradard, [e], d["state"], d["oa_e"], d["logs"])
        ref, got, again = catalog(d["oa_ab"]), catalog(d["oa_b"]), catalog(d["oa_e"])
        first = catalog(d["oa_a"])
        print(f"endpoints: A alone {len(first)}, A+B in one run {len(ref)}, "
              f"A then B {len(got)}, after an empty run {len(again)}")
        print(f"calls: A alone {sum(v[0] for v in first.values())}, "
              f"A+B {sum(v[0] for v in ref.values())}, "
              f"A then B {sum(v[0] for v in got.values())}")
        if len(ref) < 10:
            failures.append(f"only {len(ref)} endpoints learnt from A+B")
        if got != ref:
            for k in sorted(set(ref) | set(got)):
                if ref.get(k) != got.get(k):
                    failures.append(f"{k}: one run {ref.get(k)}, A then B {got.get(k)}")
        if again != got:
            failures.append("an empty run changed the catalog")
        for name, st in (("B", stats_b), ("empty", stats_e)):
            api = st["api"]
            if api["load_errors"] != 0:
                failures.append(f"run {name}: {api['load_errors']} keys did not load")
            if api["loaded_keys"] == 0:
                failures.append(f"run {name}: nothing loaded from the state directory")
        if stats_e["api"]["saved_keys"] != 0:
            failures.append(f"the empty run wrote {stats_e['api']['saved_keys']} keys")
        for n in sorted(os.listdir(d["oa_ab"])):
            with open(os.path.join(d["oa_ab"], n)) as f1, \
                    open(os.path.join(d["oa_e"], n)) as f2:
                if f1.read() != f2.read():
                    failures.append(f"{n}: the document differs from the one-run one")
    for f in failures[:40]:
        print("FAIL", f)
    print("persist_union:", "ok" if not failures else f"{len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
