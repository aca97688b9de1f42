#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# The data-path benchmark, rates and instruction counts (see README.md).
#
#   test/bench/run.sh [BUILD_DIR]
#
# Environment: FLOWS, REQUESTS (native capture, default 2000 x 10),
# VG_FLOWS, VG_REQUESTS (capture for the callgrind runs, default the same;
# the full one takes about a minute under callgrind on a slow core),
# SEED (default 1), MIN_RATIO (default 3), RULES (rule set for the run with
# inspection, default config/rules), KEEP=1 keeps the work directory.
#
# Exits non-zero when the transaction counts differ or when libhtp's
# instructions per transaction are less than MIN_RATIO times ours.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:-$root/build}
bin=$build/test/bench/bench_worker
gen=$root/tools/gen-api-pcap.py
flows=${FLOWS:-2000}
requests=${REQUESTS:-10}
vg_flows=${VG_FLOWS:-$flows}
vg_requests=${VG_REQUESTS:-$requests}
seed=${SEED:-1}
min_ratio=${MIN_RATIO:-3}
rules=${RULES:-$root/config/rules}

if [ ! -x "$bin" ]; then
	echo "run.sh: $bin not found (is libhtp-dev installed? did you build $build?)" >&2
	exit 2
fi
command -v valgrind >/dev/null || { echo "run.sh: valgrind not found" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/arbench.XXXXXX")
if [ "${KEEP:-0}" = 1 ]; then
	echo "work directory: $work"
else
	trap 'rm -rf "$work"' EXIT
fi

echo "== capture: $flows connections x $requests requests"
python3 "$gen" "$work/api.pcap" --flows "$flows" --requests "$requests" --seed "$seed"
echo "== native run (best of 3; rates are noisy on a shared machine)"
"$bin" "$work/api.pcap" --runs 3 | tee "$work/native.txt"

if [ "$vg_flows" = "$flows" ] && [ "$vg_requests" = "$requests" ]; then
	ln -s api.pcap "$work/vg.pcap"
else
	echo "== callgrind capture: $vg_flows connections x $vg_requests requests"
	python3 "$gen" "$work/vg.pcap" --flows "$vg_flows" --requests "$vg_requests" --seed "$seed"
fi

# callgrind counts only inside the named function (inclusive of its callees)
cg() { # cg ours|libhtp [NAME EXTRA-ARGS...]
	what=$1
	name=${2:-$1}
	shift
	[ $# -gt 0 ] && shift
	# set-up (EAL, mbufs, rule compilation) runs uninstrumented: the bench
	# switches instrumentation on around the measured call only
	valgrind --tool=callgrind --instr-atstart=no --collect-atstart=no \
		--toggle-collect="bench_$what" \
		--callgrind-out-file="$work/cg.$name" "$bin" "$work/vg.pcap" --only "$what" \
		--runs 1 "$@" >"$work/vg.$name.txt" 2>"$work/vg.$name.err" || {
		cat "$work/vg.$name.err" >&2
		exit 1
	}
	cat "$work/vg.$name.txt"
}
echo "== callgrind: ours"
cg ours
echo "== callgrind: libhtp"
cg libhtp
echo "== callgrind: ours, inspecting with $rules"
cg ours rules --rules "$rules"

# Total Ir of a callgrind output: its "totals:" line (or "summary:")
ir() {
	awk '/^totals:/ { t = $2 } /^summary:/ { s = $2 } END { print (t != "" ? t : s) }' "$1"
}
field() { # field FILE PREFIX NAME: the value after NAME on the line starting with PREFIX
	awk -v p="$2" -v n="$3" '$1 == p { for (i = 2; i < NF; i++) if ($i == n) print $(i + 1) }' "$1"
}

ir_ours=$(ir "$work/cg.ours")
ir_htp=$(ir "$work/cg.libhtp")
ir_rules=$(ir "$work/cg.rules")
pk_ours=$(field "$work/vg.ours.txt" ours: packets)
tx_ours=$(field "$work/vg.ours.txt" ours: transactions)
pk_htp=$(field "$work/vg.libhtp.txt" libhtp: packets)
tx_htp=$(field "$work/vg.libhtp.txt" libhtp: transactions)

echo "== top functions of ours (callgrind self cost)"
callgrind_annotate --inclusive=no "$work/cg.ours" 2>/dev/null | sed -n '/^Ir/,$p' | head -25 || true

echo
echo "== instructions (callgrind, $vg_flows x $vg_requests capture)"
awk -v io="$ir_ours" -v ih="$ir_htp" -v po="$pk_ours" -v to="$tx_ours" -v ph="$pk_htp" \
	-v th="$tx_htp" -v min="$min_ratio" -v ir="$ir_rules" 'BEGIN {
	printf "%-13s %14s %10s %8s %12s %12s\n", "", "Ir", "packets", "tx", "Ir/packet", "Ir/tx"
	printf "%-13s %14d %10d %8d %12.0f %12.0f\n", "ours", io, po, to, io / po, io / to
	printf "%-13s %14d %10d %8d %12.0f %12.0f\n", "ours+rules", ir, po, to, ir / po, ir / to
	printf "%-13s %14d %10d %8d %12.0f %12.0f\n", "libhtp", ih, ph, th, ih / ph, ih / th
	printf "inspection with the full rule set: %.0f instructions per transaction\n", \
		(ir - io) / to
	r = (ih / th) / (io / to)
	printf "ratio libhtp/ours per transaction: %.2f (required: >= %s)\n", r, min
	if (to == 0 || th == 0 || to - th > 0.01 * to || th - to > 0.01 * th) {
		print "FAIL: transaction counts differ"
		exit 1
	}
	if (r < min) {
		print "FAIL: ratio below " min
		exit 1
	}
	print "PASS"
}'
