#!/usr/bin/env bash
# Rule reload under live traffic: apiradard captures on a veth (as in
# live_netns.sh) while a client sends a steady stream of requests, every
# tenth of them a SQL injection. Three SIGHUPs arrive during the run: a new
# valid set (adding an XSS rule), a broken set (which must be refused, the
# running set staying), and the valid set again. Nothing may be lost:
# every request is one http event, every injection one alert, no packet is
# dropped, and the stats count two reloads and one refused.
set -euo pipefail
bin=$(realpath "$1")
# shellcheck source=live_lib.sh
source "$(dirname "$0")/live_lib.sh"
requests=300

live_setup "arr$$"

sqli_rule='  - {id: 900001, msg: "union select", category: sqli, targets: args, norm: sql,
     pattern: '"'"'\bunion\s+select\b'"'"'}'
xss_rule='  - {id: 900002, msg: "script tag", category: xss, targets: args, pattern: "<script"}'
mkdir "$tmp/rules"
printf 'rules:\n%s\n' "$sqli_rule" >"$tmp/rules/set.yaml"

live_config "detect:" "  rules: [rules]"
live_start "$bin"

# the client: $requests GETs over 3 keep-alive connections, ~50 per second
ip netns exec "$AR_NS_CLI" /usr/bin/python3 - "$AR_IP_SRV" $port $requests \
	>"$tmp/client.out" <<'PY' &
import http.client, sys, time, urllib.parse
host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
conns = [http.client.HTTPConnection(host, port, timeout=10) for _ in range(3)]
ok = 0
for i in range(n):
    if i % 10 == 0:
        q = "1 union select password from users"
    elif i % 10 == 5:
        q = "<script>alert(1)</script>"
    else:
        q = f"shoes {i}"
    c = conns[i % 3]
    c.request("GET", "/api/v2/products?q=" + urllib.parse.quote(q))
    r = c.getresponse()
    r.read()
    ok += r.status == 200
    time.sleep(0.02)
for c in conns:
    c.close()
print(ok)
PY
client=$!

sleep 1.5
printf 'rules:\n%s\n%s\n' "$sqli_rule" "$xss_rule" >"$tmp/rules/set.yaml"
kill -HUP $ard_pid
sleep 1.5
printf 'rules:\n%s\n  - {id: 900003, msg: bad, category: x, targets: args, pattern: "(a)\\\\1"}\n' \
	"$sqli_rule" >"$tmp/rules/set.yaml"
kill -HUP $ard_pid
sleep 1.5
printf 'rules:\n%s\n%s\n' "$sqli_rule" "$xss_rule" >"$tmp/rules/set.yaml"
kill -HUP $ard_pid
wait $client

live_stop
grep -E "reload" "$tmp/ard.err" || true
/usr/bin/python3 - "$tmp/eve.json" "$(cat "$tmp/client.out")" $requests <<'PY'
import json, sys
events = [json.loads(l) for l in open(sys.argv[1])]
ok, n = int(sys.argv[2]), int(sys.argv[3])
http = [e for e in events if e["event_type"] == "http"]
alerts = [e for e in events if e["event_type"] == "alert"]
stats = [e for e in events if e["event_type"] == "stats"][-1]["stats"]
sqli = [a for a in alerts if a["alert"]["signature_id"] == 900001]
xss = [a for a in alerts if a["alert"]["signature_id"] == 900002]
problems = []
if ok != n:
    problems.append(f"client: {ok} of {n} requests answered 200")
if len(http) != n:
    problems.append(f"{len(http)} http events for {n} requests")
if len(sqli) != n // 10:
    problems.append(f"{len(sqli)} sqli alerts for {n // 10} injections")
# ARP and IPv6 neighbour discovery are "not_ip": not traffic we lose
cap = stats["capture"]
lost = {k: v for k, v in cap["drops"].items() if v and k != "not_ip"}
for p in cap["ports"]:
    for k in ("imissed", "rx_nombuf", "ierrors"):
        if p[k]:
            lost[p["name"] + "." + k] = p[k]
for k in ("gaps", "dropped_cap"):
    if stats["tcp"][k]:
        lost["tcp." + k] = stats["tcp"][k]
for k in ("lost_pool", "lost_ring", "too_big", "too_long"):
    if stats["events"][k]:
        lost["events." + k] = stats["events"][k]
if lost:
    problems.append(f"lost: {lost}")
d = stats["detect"]
if (d["reloads"], d["reload_errors"]) != (2, 1):
    problems.append(f"reloads {d['reloads']}, refused {d['reload_errors']} (want 2, 1)")
if d["by_rule"].get("900001") != n // 10:
    problems.append(f"by_rule: {d['by_rule']}")
# the XSS rule exists only after the first reload: some, never all
if not 0 < len(xss) < n // 10:
    problems.append(f"{len(xss)} xss alerts: the reload did not take effect")
for p in problems:
    print("FAIL", p)
print(f"reload: {len(http)} http events, {len(sqli)} sqli and {len(xss)} xss alerts, "
      f"reloads {d['reloads']}, refused {d['reload_errors']}, "
      f"lost {sum(lost.values())}")
sys.exit(1 if problems else 0)
PY
