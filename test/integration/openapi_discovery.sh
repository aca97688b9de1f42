#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# API discovery end to end: real traffic to the four APIs of
# test/data/specs (tools/make-spec-capture.sh: server and client in two
# network namespaces, about 3,800 requests from four client addresses),
# replayed through apiradard, which writes one OpenAPI document per site;
# test/integration/check_openapi.py holds the documents against the
# truth of the traffic (precision and recall of the operations, no
# collapsed templates, no ids left as literals, body and query names,
# swagger-parser validation). Runs the daemon twice, once writing JSON and
# once YAML, on the same capture; then a third time with a spec of one
# site that the traffic contradicts and with owners (check_drift.py).
#
#   openapi_discovery.sh APIRADARD [spec_client.py args...]
#
# Needs root (namespaces, tcpdump), python3-yaml, and tools/npm installed
# (npm ci --prefix tools/npm; tools/install-deps.sh does it).
set -euo pipefail
bin=$(realpath "${1:?usage: openapi_discovery.sh APIRADARD [client args]}")
shift
top=$(cd "$(dirname "$0")/../.." && pwd)
py=/usr/bin/python3
[ -x "$py" ] || py=python3

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Milliseconds since the epoch.
now_ms() { echo $(($(date +%s%N) / 1000000)); }

start=$(now_ms)
if ! "$top/tools/make-spec-capture.sh" "$tmp/capture.pcap" --seed 1 "$@" 2>"$tmp/capture.log"; then
	cat "$tmp/capture.log"
	echo "openapi_discovery: could not make the capture"
	exit 1
fi
made=$(now_ms)

rc=0
for fmt in json yaml; do
	mkdir -p "$tmp/log-$fmt" "$tmp/openapi-$fmt"
	t0=$(now_ms)
	if ! "$bin" -r "$tmp/capture.pcap" -l "$tmp/log-$fmt" --no-detect \
		--openapi-dir "$tmp/openapi-$fmt" --openapi-format "$fmt" \
		>"$tmp/ard-$fmt.out" 2>"$tmp/ard-$fmt.err"; then
		cat "$tmp/ard-$fmt.out" "$tmp/ard-$fmt.err"
		echo "openapi_discovery: apiradard failed ($fmt)"
		rc=1
		continue
	fi
	ms=$(($(now_ms) - t0))
	echo "== $fmt: $(find "$tmp/openapi-$fmt" -maxdepth 1 -type f | wc -l) documents," \
		"apiradard $((ms / 1000)).$((ms % 1000 / 100)) s"
	"$py" "$top/test/integration/check_openapi.py" --truth "$tmp/capture.truth.json" \
		--docs "$tmp/openapi-$fmt" || rc=1
done

# Drift and owners: the same capture with a shop spec that the traffic
# contradicts in three places, and owners for every endpoint.
mkdir -p "$tmp/drift/log" "$tmp/drift/openapi"
"$py" "$top/test/integration/check_drift.py" prepare "$tmp/drift"
if "$bin" -c "$tmp/drift/apiradar.yaml" -r "$tmp/capture.pcap" -l "$tmp/drift/log" --no-detect \
	--openapi-dir "$tmp/drift/openapi" >"$tmp/drift/out" 2>"$tmp/drift/err"; then
	"$py" "$top/test/integration/check_drift.py" check "$tmp/drift" || rc=1
else
	cat "$tmp/drift/out" "$tmp/drift/err"
	echo "openapi_discovery: apiradard failed (drift)"
	rc=1
fi

"$py" - "$tmp/capture.truth.json" "$tmp/capture.pcap" "$((made - start))" <<'PY'
import json, os, sys
t = json.load(open(sys.argv[1]))
n_ops = sum(len(s["operations"]) for s in t["sites"].values())
print(f"openapi_discovery: capture of {t['totals']['requests']} requests to {len(t['sites'])} sites "
      f"({n_ops} operations) on {t['totals']['connections']} connections from "
      f"{len(t['sources'])} client addresses, {os.path.getsize(sys.argv[2]) / 1e6:.1f} MB, "
      f"made in {int(sys.argv[3]) / 1000:.1f} s")
PY
[ $rc -eq 0 ] && echo "openapi_discovery: PASS" || echo "openapi_discovery: FAIL"
exit $rc
