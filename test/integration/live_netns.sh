#!/usr/bin/env bash
# Live capture: a real API server in one network namespace, a real client in
# another, joined by a veth pair; apiradard captures on the client's veth end
# through DPDK's net_af_packet driver. Every request the client made must
# appear as one http event with the right method, URL, status and sizes.
set -euo pipefail
bin=$(realpath "$1")
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../../tools/netns.sh
source "$top/tools/netns.sh"

tmp=$(mktemp -d)
cleanup() {
	[ -n "${ard_pid:-}" ] && kill -9 "$ard_pid" 2>/dev/null || true
	ar_netns_down
	rm -rf "$tmp"
}
trap cleanup EXIT

ar_netns_up "arl$$"
port=8080

ip netns exec "$AR_NS_SRV" /usr/bin/python3 "$top/tools/api_server.py" \
	--host "$AR_IP_SRV" --port $port >"$tmp/server.log" 2>&1 &
for _ in $(seq 1 50); do
	ip netns exec "$AR_NS_CLI" bash -c "exec 3<>/dev/tcp/$AR_IP_SRV/$port" 2>/dev/null && break
	sleep 0.1
done

cat >"$tmp/apiradar.yaml" <<YAML
capture:
  workers: 1
  ports:
    - device: net_af_packet0,iface=$AR_IF_CLI
output:
  dir: $tmp
  stats_interval: 1s
YAML
ip netns exec "$AR_NS_CLI" "$bin" -c "$tmp/apiradar.yaml" >"$tmp/ard.out" 2>"$tmp/ard.err" &
ard_pid=$!
for _ in $(seq 1 100); do
	grep -q "capturing on" "$tmp/ard.err" && break
	kill -0 $ard_pid 2>/dev/null || break
	sleep 0.1
done
if ! grep -q "capturing on" "$tmp/ard.err"; then
	echo "apiradard did not start:"
	cat "$tmp/ard.err"
	exit 1
fi

ip netns exec "$AR_NS_CLI" /usr/bin/python3 "$top/tools/api_client.py" \
	--host "$AR_IP_SRV" --port $port --connections 6 --requests-per-connection 8 \
	--summary "$tmp/client.json" >/dev/null

# Let the last packets reach the ring, then stop: apiradard drains and
# flushes every flow, so nothing may be missing.
sleep 1
kill -TERM $ard_pid
rc=0
wait $ard_pid || rc=$?
ard_pid=
cat "$tmp/ard.out"
if [ $rc -ne 0 ]; then
	echo "apiradard exited $rc"
	cat "$tmp/ard.err"
	exit 1
fi
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
