#!/usr/bin/env bash
# live_zombie.sh APIRADARD
#
# Zombies on a live link that goes quiet: apiradard captures on a veth
# (server and client in network namespaces, as in live_netns.sh) with
# `zombie_after: 2s`. The client calls three endpoints, stops, and after
# 4 s of silence apiradard is stopped. Each of the three endpoints must
# have been reported new once and zombie once, in that order, with the
# zombie event at least 2 s after the endpoint's last call: packet time
# goes on with the wall clock while no packet comes.
set -euo pipefail
bin=$(realpath "$1")
source "$(dirname "$0")/live_lib.sh"

live_setup zombie
live_config "api:" "  data_dir: $tmp/state" "  zombie_after: 2s"
live_start "$bin"
ip netns exec "$AR_NS_CLI" /usr/bin/python3 - "$AR_IP_SRV" "$port" <<'PY'
import http.client, sys
c = http.client.HTTPConnection(sys.argv[1], int(sys.argv[2]), timeout=5)
for path in ("/api/v1/users/1", "/api/v1/users/2", "/health", "/api/v1/orders/7b0e8f3c-2f5d-4d7e-9a1b-3c4d5e6f7a8b"):
    c.request("GET", path, headers={"Host": "zombie.test"})
    c.getresponse().read()
PY
sleep 4
live_stop

/usr/bin/python3 - "$tmp/eve.json" <<'PY'
import json, sys
from datetime import datetime
def ts(e):
    return datetime.strptime(e["timestamp"], "%Y-%m-%dT%H:%M:%S.%f%z").timestamp()
events = [json.loads(l) for l in open(sys.argv[1])]
api = [e for e in events if e["event_type"] == "api" and e["api"]["site"] == "zombie.test"]
last = {}
for e in events:
    if e["event_type"] == "http" and e["http"].get("hostname") == "zombie.test":
        # last seen is the request's first packet: the event is stamped at
        # the transaction's end, duration_us later
        last[e["http"]["url"]] = ts(e) - e["transaction"]["duration_us"] / 1e6
want = {"/api/v1/users/{userId}", "/health", "/api/v1/orders/{orderId}"}
fails = []
for t in sorted(want):
    seq = [e["api"]["change"] for e in api if e["api"]["template"] == t]
    if seq != ["new_endpoint", "zombie"]:
        fails.append(f"{t}: events {seq}, want new_endpoint then zombie")
        continue
    z = [ts(e) for e in api if e["api"]["template"] == t and e["api"]["change"] == "zombie"][0]
    prefix = t.split("{")[0]
    called = max(v for url, v in last.items() if url == t or (prefix != t and url.startswith(prefix)))
    if z - called < 1.999:
        fails.append(f"{t}: zombie {z - called:.2f} s after its last call, want >= 2")
other = {e["api"]["template"] for e in api} - want
if other:
    fails.append(f"unexpected templates {sorted(other)}")
for f in fails:
    print("FAIL", f)
print("live_zombie:", "ok" if not fails else f"{len(fails)} failures",
      f"({len(api)} api events)")
sys.exit(1 if fails else 0)
PY
