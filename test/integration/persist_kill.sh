#!/usr/bin/env bash
# persist_kill.sh APIRADARD [ROUNDS]
#
# kill -9 never corrupts the API catalog's store and loses at most the last
# save interval. apiradard captures live traffic on a veth (server and
# client in network namespaces, as in live_netns.sh) with a state
# directory and `save_interval: 1s`, while a client calls one endpoint at
# a steady pace and logs when each answer came. At a random moment the
# daemon gets SIGKILL. Then apiradard reads the store (an empty capture,
# --openapi-dir) and the endpoint's call count must lie between the calls
# answered up to 1.5 s before the kill (the interval plus scheduling slack)
# and all the calls sent so far, and no key may fail to load. The store
# carries over from round to round, so every round also checks that a
# killed store reopens and keeps counting.
set -euo pipefail
bin=$(realpath "$1")
rounds=${2:-5}
source "$(dirname "$0")/live_lib.sh"

live_setup persist
live_config "api:" "  data_dir: $tmp/state" "  save_interval: 1s"
/usr/bin/python3 - "$tmp/empty.pcap" <<'PY'
import struct, sys
open(sys.argv[1], "wb").write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
PY

# The client: GET /api/v1/users/<n> with Host persist.test, one keep-alive
# connection, ~50 requests/s; one line "<monotonic time> <n answered>" per answer.
cat >"$tmp/client.py" <<'PY'
import http.client, sys, time
host, port, log = sys.argv[1], int(sys.argv[2]), sys.argv[3]
c = http.client.HTTPConnection(host, port, timeout=5)
n = 0
with open(log, "w", buffering=1) as out:
    while True:
        c.request("GET", "/api/v1/users/%d" % (1 + n % 40), headers={"Host": "persist.test"})
        c.getresponse().read()
        n += 1
        out.write("%.6f %d\n" % (time.monotonic(), n))
        time.sleep(0.02)
PY

fail=0
lo_total=0
hi_total=0
for round in $(seq 1 "$rounds"); do
	live_start "$bin"
	ip netns exec "$AR_NS_CLI" /usr/bin/python3 "$tmp/client.py" "$AR_IP_SRV" "$port" \
		"$tmp/client$round.log" &
	cli=$!
	# 2.5 to 4.5 s of traffic, then SIGKILL
	sleep "$(/usr/bin/python3 -c "import random; print(2.5 + 2 * random.random())")"
	t_kill=$(/usr/bin/python3 -c "import time; print('%.6f' % time.monotonic())")
	kill -9 "$ard_pid"
	wait "$ard_pid" 2>/dev/null || true
	ard_pid=
	kill "$cli"
	wait "$cli" 2>/dev/null || true
	# answered well before the kill (must be kept), sent in all (at most)
	lo=$(awk -v t="$t_kill" '$1 <= t - 1.5 { n = $2 } END { print n + 0 }' "$tmp/client$round.log")
	hi=$(awk '{ n = $2 } END { print n + 1 }' "$tmp/client$round.log")
	lo_total=$((lo_total + lo))
	hi_total=$((hi_total + hi))

	rm -rf "$tmp/oa" "$tmp/rlog" && mkdir -p "$tmp/oa" "$tmp/rlog"
	if ! "$bin" --no-detect -r "$tmp/empty.pcap" --data-dir "$tmp/state" \
		--openapi-dir "$tmp/oa" -l "$tmp/rlog" >"$tmp/read.out" 2>"$tmp/read.err"; then
		echo "round $round: apiradard cannot read the store after kill -9:"
		cat "$tmp/read.err"
		exit 1
	fi
	read -r calls load_errors < <(/usr/bin/python3 - "$tmp/oa" "$tmp/rlog/eve.json" <<'PY'
import json, os, sys
calls = 0
path = os.path.join(sys.argv[1], "persist.test.json")
if os.path.exists(path):
    doc = json.load(open(path))
    for tmpl, item in doc["paths"].items():
        if tmpl.startswith("/api/v1/users/"):
            calls += item["get"]["x-apiradar"]["calls"]
stats = [json.loads(l) for l in open(sys.argv[2]) if '"stats"' in l][-1]["stats"]
print(calls, stats["api"]["load_errors"])
PY
)
	status=ok
	if [ "$calls" -lt "$lo_total" ] || [ "$calls" -gt "$hi_total" ] || [ "$load_errors" -ne 0 ]; then
		status=FAIL
		fail=1
	fi
	echo "round $round: killed after $hi calls; store has $calls calls," \
		"expected $lo_total..$hi_total; load errors $load_errors: $status"
done
if [ $fail -ne 0 ]; then
	exit 1
fi
echo "persist_kill: $rounds rounds, store intact and within one save interval each time"
