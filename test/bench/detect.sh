#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# The detection benchmark (see README-detect.md): apiradar's engine beside
# ModSecurity v3 with the OWASP Core Rule Set, on the HttpParams payloads,
# in one run. Native: recall per class and placement, false-positive rate,
# requests per second on one core (printed only: wall-clock rates move with
# the machine's load), and modsec_bench's own verdict (at least
# ModSecurity's recall on every class, at most 0.5 % benign rows flagged).
# Then callgrind: instructions per request of each engine's inspection on a
# subset, whose ratio does not depend on how busy the machine is and must
# be at least MIN_IR_RATIO.
#
#   test/bench/detect.sh [BUILD_DIR]
#
# Environment: LIMIT (rows for the native run, default all), VG_LIMIT (rows
# for the callgrind runs, default 100), MIN_IR_RATIO (default 100),
# RULES (default config/rules), CSV (default the shared HttpParams file).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:-$root/build}
bin=$build/test/bench/modsec_bench
rules=${RULES:-$root/config/rules}
csv=${CSV:-$root/../shared/data/httpparams/payload_train.csv}
vg_limit=${VG_LIMIT:-100}
min_ratio=${MIN_IR_RATIO:-100}

if [ ! -x "$bin" ]; then
	echo "detect.sh: $bin not found (is libmodsecurity-dev installed? did you build $build?)" >&2
	exit 2
fi
command -v valgrind >/dev/null || { echo "detect.sh: valgrind not found" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/ardetect.XXXXXX")
trap 'rm -rf "$work"' EXIT

status=0
echo "== native run${LIMIT:+ ($LIMIT rows)}"
"$bin" --csv "$csv" --rules "$rules" ${LIMIT:+--limit "$LIMIT"} || status=1

# instructions inside one engine's inspect function, per request
cg() { # cg ENGINE FUNCTION
	# rule loading runs uninstrumented: the bench switches it on per request
	valgrind --tool=callgrind --instr-atstart=no --collect-atstart=no --toggle-collect="$2" \
		--callgrind-out-file="$work/cg.$1" "$bin" --csv "$csv" --rules "$rules" \
		--limit "$vg_limit" --engine "$1" --json >"$work/vg.$1.txt" 2>"$work/vg.$1.err" || {
		cat "$work/vg.$1.err" >&2
		exit 1
	}
	awk '/^totals:/ { t = $2 } /^summary:/ { s = $2 } END { print (t != "" ? t : s) }' \
		"$work/cg.$1"
}
echo "== callgrind: $vg_limit rows, both placements"
ir_ms=$(cg modsecurity-crs modsec_inspect)
ir_ar=$(cg apiradar ar_inspect_req)
requests=$((vg_limit * 2))
awk -v ms="$ir_ms" -v ar="$ir_ar" -v n="$requests" -v min="$min_ratio" 'BEGIN {
	printf "instructions per request: modsecurity-crs %.0f, apiradar %.0f: %.0fx\n",
		ms / n, ar / n, ms / ar
	if (ms / ar < min) {
		printf "FAIL: less than %dx\n", min
		exit 1
	}
}' || status=1
exit $status
