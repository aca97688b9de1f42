#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# The learner benchmark (see README-learner.md): does one learner core keep
# up with four workers? The worker replays the capture with discovery on
# (bench_worker --learn), inspecting with the default rules as apiradard's
# workers do, and dumps the records it builds; bench_learner feeds those
# records to a catalog that already knows 10,000 endpoints. Under callgrind
# both give instructions: per record produced for the worker, per record
# learnt for the learner. Four workers and one learner running at the same
# instruction rate, the learner keeps up when
#
#     4 x learner Ir/record  <  worker Ir/record
#
# The ratio of the two sides is checked against MIN_RATIO, for workers that
# inspect with the default rules (as apiradard runs) and for workers that
# do not (a tighter ratio). The native rates of both are printed, not
# checked: they move with the machine's load.
#
#   test/bench/learner.sh [BUILD_DIR]
#
# Environment: FLOWS, REQUESTS (capture, default 100 x 10), SEED (1),
# RECORDS (records learnt in the native run, default 200000), VG_RECORDS
# (under callgrind, default 50000), SITES (warm-up sites of 100 endpoints,
# default 100), MIN_RATIO (default 1.0), RULES (default config/rules),
# KEEP=1 keeps the work directory.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:-$root/build}
bw=$build/test/bench/bench_worker
bl=$build/test/bench/bench_learner
gen=$root/tools/gen-api-pcap.py
flows=${FLOWS:-100}
requests=${REQUESTS:-10}
seed=${SEED:-1}
records=${RECORDS:-200000}
vg_records=${VG_RECORDS:-50000}
sites=${SITES:-100}
min_ratio=${MIN_RATIO:-1.0}
rules=${RULES:-$root/config/rules}

for b in "$bw" "$bl"; do
	if [ ! -x "$b" ]; then
		echo "learner.sh: $b not found (is libhtp-dev installed? did you build $build?)" >&2
		exit 2
	fi
done
command -v valgrind >/dev/null || { echo "learner.sh: valgrind not found" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/arlearn.XXXXXX")
if [ "${KEEP:-0}" = 1 ]; then
	echo "work directory: $work"
else
	trap 'rm -rf "$work"' EXIT
fi

# Total Ir of a callgrind output: its "totals:" line (or "summary:")
ir() {
	awk '/^totals:/ { t = $2 } /^summary:/ { s = $2 } END { print (t != "" ? t : s) }' "$1"
}
field() { # field FILE PREFIX NAME: the value after NAME on the line starting with PREFIX
	awk -v p="$2" -v n="$3" 'index($0, p " ") == 1 {
		for (i = 2; i < NF; i++) if ($i == n) { print $(i + 1); exit } }' "$1"
}
run() { # run OUT COMMAND...: prints what COMMAND printed, stops when it failed
	out=$1
	shift
	"$@" >"$out" || {
		cat "$out"
		echo "learner.sh: $1 failed" >&2
		exit 1
	}
	cat "$out"
}
# callgrind counts only inside FUNCTION (inclusive of its callees); the set-up
# runs uninstrumented, the benches switch instrumentation on around it
cg() { # cg NAME FUNCTION COMMAND...
	name=$1
	fn=$2
	shift 2
	valgrind --tool=callgrind --instr-atstart=no --collect-atstart=no \
		--toggle-collect="$fn" --callgrind-out-file="$work/cg.$name" "$@" \
		>"$work/vg.$name.txt" 2>"$work/vg.$name.err" || {
		cat "$work/vg.$name.txt" "$work/vg.$name.err" >&2
		exit 1
	}
	cat "$work/vg.$name.txt"
}

echo "== capture: $flows connections x $requests requests"
python3 "$gen" "$work/api.pcap" --flows "$flows" --requests "$requests" --seed "$seed"

echo "== worker with discovery, inspecting with $rules: records for the learner"
run "$work/dump.txt" "$bw" "$work/api.pcap" --only ours --runs 1 --rules "$rules" \
	--dump-records "$work/api.records"
made=$(field "$work/dump.txt" "ours: learn" records)
lost=$(field "$work/dump.txt" "ours: learn" lost)
dumped=$(field "$work/dump.txt" "ours: learn" dumped)
if [ "$made" -eq 0 ] || [ "$lost" -ne 0 ] || [ "$dumped" -ne "$made" ]; then
	echo "FAIL: records made $made, lost $lost, dumped $dumped" >&2
	exit 1
fi

echo "== native runs (best of 3; rates are noisy on a shared machine)"
run "$work/native.rules.txt" "$bw" "$work/api.pcap" --only ours --runs 3 --learn \
	--rules "$rules"
run "$work/native.plain.txt" "$bw" "$work/api.pcap" --only ours --runs 3 --learn
run "$work/native.learner.txt" "$bl" "$work/api.records" --records "$records" --runs 3 \
	--sites "$sites"
run "$work/native.synth.txt" "$bl" --synthetic --records "$records" --runs 3 --sites "$sites"

echo "== callgrind: worker with discovery, inspecting"
cg rules bench_ours "$bw" "$work/api.pcap" --only ours --runs 1 --learn --rules "$rules"
echo "== callgrind: worker with discovery, not inspecting"
cg plain bench_ours "$bw" "$work/api.pcap" --only ours --runs 1 --learn
echo "== callgrind: learner, $vg_records records"
cg learner bench_learn "$bl" "$work/api.records" --records "$vg_records" --runs 1 \
	--sites "$sites"

echo "== callgrind: learner, synthetic records of the known endpoints (not checked)"
cg synth bench_learn "$bl" --synthetic --records "$vg_records" --runs 1 --sites "$sites"

echo "== top functions of the learner (callgrind self cost)"
callgrind_annotate --inclusive=no "$work/cg.learner" 2>/dev/null | sed -n '/^Ir/,$p' |
	head -25 || true

ir_rules=$(ir "$work/cg.rules")
ir_plain=$(ir "$work/cg.plain")
ir_learn=$(ir "$work/cg.learner")
ir_synth=$(ir "$work/cg.synth")
rec_synth=$(field "$work/vg.synth.txt" learner: records)
rec_rules=$(field "$work/vg.rules.txt" "ours: learn" records)
rec_plain=$(field "$work/vg.plain.txt" "ours: learn" records)
tx_rules=$(field "$work/vg.rules.txt" ours: transactions)
tx_plain=$(field "$work/vg.plain.txt" ours: transactions)
rec_learn=$(field "$work/vg.learner.txt" learner: records)
endpoints=$(field "$work/vg.learner.txt" learner: endpoints)
nat_rules=$(field "$work/native.rules.txt" ours: tx_per_s)
nat_plain=$(field "$work/native.plain.txt" ours: tx_per_s)
nat_learn=$(field "$work/native.learner.txt" learner: records_per_s)
nat_synth=$(field "$work/native.synth.txt" learner: records_per_s)

echo
echo "== instructions (callgrind; $flows x $requests capture, $endpoints endpoints known)"
awk -v ir="$ir_rules" -v ip="$ir_plain" -v il="$ir_learn" -v rr="$rec_rules" \
	-v rp="$rec_plain" -v tr="$tx_rules" -v tp="$tx_plain" -v rl="$rec_learn" \
	-v is="$ir_synth" -v rs="$rec_synth" -v nr="$nat_rules" -v np="$nat_plain" \
	-v nl="$nat_learn" -v ns="$nat_synth" -v min="$min_ratio" 'BEGIN {
	if (rr == 0 || rp == 0 || rl == 0 || rs == 0) {
		print "FAIL: no records"
		exit 1
	}
	printf "%-24s %14s %8s %8s %10s %12s\n", "", "Ir", "tx", "records", "Ir/tx", "Ir/record"
	printf "%-24s %14.0f %8d %8d %10.0f %12.0f\n", "worker, inspecting", ir, tr, rr, ir / tr,
		ir / rr
	printf "%-24s %14.0f %8d %8d %10.0f %12.0f\n", "worker, not inspecting", ip, tp, rp,
		ip / tp, ip / rp
	printf "%-24s %14.0f %8s %8d %10s %12.0f\n", "learner", il, "-", rl, "-", il / rl
	printf "%-24s %14.0f %8s %8d %10s %12.0f\n", "learner, synthetic", is, "-", rs, "-",
		is / rs
	w = ir / rr
	l = il / rl
	printf "four workers produce %.3f records per million instructions of each core;\n",
		4e6 / w
	printf "one learner consumes %.3f\n", 1e6 / l
	printf "native rates (noisy, not checked): worker %.0f tx/s inspecting, %.0f not;\n",
		nr, np
	printf "  learner %.0f records/s: %.2fx four inspecting workers, %.2fx four others\n",
		nl, nl / (4 * nr), nl / (4 * np)
	printf "  learner on synthetic records %.0f records/s\n", ns
	r = w / (4 * l)
	rn = (ip / rp) / (4 * l)
	printf "ratio worker Ir/record / (4 x learner Ir/record): %.2f inspecting, %.2f not " \
		"(required: >= %s)\n", r, rn, min
	if (r < min || rn < min) {
		print "FAIL: the learner does not keep up with four workers"
		exit 1
	}
	print "PASS"
}'
