#!/usr/bin/env bash
# Builds apiradard and runs it, with the default rules (config/rules), on
# the bundled capture of API traffic (test/data/api-demo.pcap, made by
# tools/make-capture.sh from a real server and client, attacks included),
# then shows what it found: the API inventory it learnt (one OpenAPI
# document per site in OUT/openapi), the alerts by category and signature,
# and the sensitive data seen. Run as root on Debian 12.
set -euo pipefail
cd "$(dirname "$0")/.."

tools/install-deps.sh
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build app/apiradard/apiradard >/dev/null

out=${1:-out/demo}
mkdir -p "$out"
rm -rf "$out/eve.json" "$out/openapi"
build/app/apiradard/apiradard -r test/data/api-demo.pcap -l "$out" -R config/rules \
	--openapi-dir "$out/openapi"

/usr/bin/python3 - "$out/eve.json" "$out/openapi" <<'PY'
import collections, json, os, sys
from urllib.parse import unquote

W = 100  # the widest line printed


def cut(text, width):
    return text if len(text) <= width else text[:width - 3] + "..."


def readable(url):
    """A URL percent-decoded for reading, control characters escaped."""
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in unquote(url))


events = [json.loads(l) for l in open(sys.argv[1])]
kinds = collections.Counter(e["event_type"] for e in events)
print(f"\n{sys.argv[1]}: " + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())))
# The API inventory, as the learner wrote it: one OpenAPI document per site.
docs = sorted(os.listdir(sys.argv[2]))
print(f"\nAPI inventory ({len(docs)} OpenAPI documents in {sys.argv[2]}):")
print(f"\n{'calls':>5}  {'method':<7} {'statuses':<16} {'avg latency':>11}  template")
for name in docs:
    doc = json.load(open(os.path.join(sys.argv[2], name)))
    print(f"       {doc['info']['title']}")
    for tmpl, item in doc["paths"].items():
        for method, op in item.items():
            if method == "parameters":
                continue
            x = op["x-apiradar"]
            codes = ",".join(c for c in op["responses"] if c != "default") or "-"
            avg = f"{x['latency_avg_us']} us" if "latency_avg_us" in x else "-"
            print(f"{x['calls']:>5}  {method.upper():<7} {cut(codes, 16):<16} {avg:>11}  {cut(tmpl, W - 45)}")
changes = collections.Counter(e["api"]["change"] for e in events if e["event_type"] == "api")
print("\napi events: " + ", ".join(f"{n} {k}" for k, n in sorted(changes.items())))
an = [e for e in events if e["event_type"] == "anomaly"]
for e in an[:10]:
    print("anomaly:", json.dumps(e["anomaly"]))

# Detection: alerts by category, then signature, with one request that
# fired it; sensitive data by type and field, with a masked sample.
alerts = [e for e in events if e["event_type"] == "alert"]
flagged = {(e["flow_id"], e["tx_id"]) for e in alerts}
print(f"\ndetection: {len(alerts)} alerts on {len(flagged)} of {kinds['http']} requests")
by_cat = collections.defaultdict(lambda: collections.defaultdict(list))
for e in alerts:
    by_cat[e["alert"]["category"]][e["alert"]["signature_id"]].append(e)
if alerts:
    print(f"\n{'count':>5}  {'severity':<8}  {'sid':<7} signature / an example request")
for cat, sigs in sorted(by_cat.items(), key=lambda kv: -sum(map(len, kv[1].values()))):
    print(f"{sum(map(len, sigs.values())):>5}  {cat}")
    for sid, evs in sorted(sigs.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        a, h = evs[0]["alert"], evs[0]["http"]
        print(f"{len(evs):>5}    {a['severity']:<8} {sid:<7} {cut(a['signature'], W - 27)}")
        where = f"{h.get('http_method', '-')} {readable(h.get('url', '-'))}"
        print(f"{'':25} {cut(where, W - 26)}")
        print(f"{'':25} {cut(a['field'] + ': ' + a.get('excerpt', ''), W - 26)}")
pii = [e for e in events if e["event_type"] == "pii"]
rows = collections.defaultdict(list)
for e in pii:
    p = e["pii"]
    rows[(p["type"], p["side"], p["field"])].append(p["sample"])
print(f"\nsensitive data: {len(pii)} findings")
if rows:
    print(f"\n{'count':>5}  {'type':<12} {'side':<8} {'field':<40} sample")
for (t, side, field), samples in sorted(rows.items(), key=lambda kv: (kv[0][0], -len(kv[1]))):
    print(f"{len(samples):>5}  {t:<12} {side:<8} {cut(field, 40):<40} {cut(samples[0], W - 70)}")
PY
