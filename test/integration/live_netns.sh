#!/usr/bin/env bash
# Live capture: a real API server in one network namespace, a real client in
# another, joined by a veth pair; apiradard captures on the client's veth end
# through DPDK's net_af_packet driver. Every request the client made must
# appear as one http event with the right method, URL, status and sizes.
set -euo pipefail
bin=$(realpath "$1")
# shellcheck source=live_lib.sh
source "$(dirname "$0")/live_lib.sh"

live_setup "arl$$"
live_config
live_start "$bin"

ip netns exec "$AR_NS_CLI" /usr/bin/python3 "$top/tools/api_client.py" \
	--host "$AR_IP_SRV" --port $port --connections 6 --requests-per-connection 8 \
	--summary "$tmp/client.json" >/dev/null

live_stop
cat "$tmp/ard.out"
/usr/bin/python3 - "$tmp/eve.json" "$tmp/client.json" "$top/test/integration" <<'PY'
import json, sys
sys.path.insert(0, sys.argv[3])
from check_capture import compare, load_events
events = load_events(sys.argv[1])
summary = json.load(open(sys.argv[2]))
errors = compare(events, summary)
for e in errors:
    print("MISMATCH", e)
n = sum(len(c["requests"]) for c in summary["connections"])
print(f"live: {n} requests made, {len(errors)} mismatches")
sys.exit(1 if errors else 0)
PY
