#!/usr/bin/env bash
# Builds apiradard and runs it on the bundled capture of API traffic
# (test/data/api-demo.pcap, made by tools/make-capture.sh from a real
# server and client), then shows what it found. Run as root on Debian 12.
set -euo pipefail
cd "$(dirname "$0")/.."

tools/install-deps.sh
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build app/apiradard/apiradard >/dev/null

out=${1:-out/demo}
mkdir -p "$out"
rm -f "$out/eve.json"
build/app/apiradard/apiradard -r test/data/api-demo.pcap -l "$out"

/usr/bin/python3 - "$out/eve.json" <<'PY'
import collections, json, sys
events = [json.loads(l) for l in open(sys.argv[1])]
kinds = collections.Counter(e["event_type"] for e in events)
print(f"\n{sys.argv[1]}: " + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())))
seen = collections.Counter()
lat = collections.defaultdict(list)
for e in events:
    if e["event_type"] != "http":
        continue
    h = e["http"]
    key = (h.get("hostname", "-"), h.get("http_method", "-"), h.get("url", "-").split("?")[0],
           h.get("status", 0))
    seen[key] += 1
    if "latency_us" in e.get("transaction", {}):
        lat[key].append(e["transaction"]["latency_us"])
print(f"\n{'count':>5}  {'method':<7} {'status':>6}  {'p50 latency':>11}  host / path")
for key, n in sorted(seen.items(), key=lambda kv: (kv[0][2], kv[0][1], kv[0][3])):
    l = sorted(lat[key])
    p50 = f"{l[len(l) // 2]} us" if l else "-"
    print(f"{n:>5}  {key[1]:<7} {key[3]:>6}  {p50:>11}  {key[0]}{key[2]}")
an = [e for e in events if e["event_type"] == "anomaly"]
for e in an[:10]:
    print("anomaly:", json.dumps(e["anomaly"]))
PY
