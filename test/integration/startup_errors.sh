#!/usr/bin/env bash
# Start-up errors are one plain line and a non-zero exit, never a crash or a
# DPDK trace: an unknown flag, a bad config value (named with file and
# line), a port that does not exist, a capture that cannot be read, a rule
# that does not compile (named with its file and line).
set -u
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

# expect CODE 'regex' -- args...
expect() {
	local code=$1 pattern=$2
	shift 3
	"$bin" "$@" >"$tmp/out" 2>"$tmp/err"
	local rc=$?
	local lines
	lines=$(grep -c . "$tmp/err")
	if [ "$rc" -ne "$code" ] || ! grep -qE -- "$pattern" "$tmp/err" || [ "$lines" -ne 1 ]; then
		echo "FAIL: apiradard $*: exit $rc (want $code), stderr:"
		sed 's/^/    /' "$tmp/err"
		echo "    (want one line matching: $pattern)"
		fail=1
	else
		echo "ok: apiradard $*: $(cat "$tmp/err")"
	fi
}

expect 2 "^apiradard: error: unknown option \`--bogus\`" -- --bogus
expect 2 "^apiradard: error: option \`-r\` needs a value" -- -r
expect 2 "^apiradard: error: -w \`0\`: need a number of workers from 1 to" -- -w 0 -r x
expect 2 "^apiradard: error: capture \`$tmp/none.pcap\` cannot be read: No such file" -- -r "$tmp/none.pcap"
printf 'this is not a capture\n' >"$tmp/bad.pcap"
expect 2 "^apiradard: error: capture \`$tmp/bad.pcap\` cannot be read: " -- -r "$tmp/bad.pcap"

printf 'capture:\n  workers: 0\n' >"$tmp/c1.yaml"
expect 2 "^apiradard: error: $tmp/c1.yaml:2: \`workers: 0\`" -- -c "$tmp/c1.yaml"
printf 'flow:\n  max_flows: 100\n  timeout_new: soon\n' >"$tmp/c2.yaml"
expect 2 "^apiradard: error: $tmp/c2.yaml:3: \`timeout_new: soon\`" -- -c "$tmp/c2.yaml"
printf 'capture:\n  wrokers: 2\n' >"$tmp/c3.yaml"
expect 2 "^apiradard: error: $tmp/c3.yaml:2: unknown key \`wrokers\`" -- -c "$tmp/c3.yaml"
printf 'capture:\n  workers: [1\n' >"$tmp/c4.yaml"
expect 2 "^apiradard: error: $tmp/c4.yaml:[0-9]+: " -- -c "$tmp/c4.yaml"
expect 2 "^apiradard: error: .*: No such file" -- -c "$tmp/none.yaml"

printf 'capture:\n  ports:\n    - device: net_af_packet9,iface=ar-no-such-if\noutput:\n  dir: %s\n' \
	"$tmp" >"$tmp/c5.yaml"
# (without discovery: a live run would open its state directory first and say so)
expect 1 "^apiradard: error: port \`net_af_packet9\` does not exist" -- -c "$tmp/c5.yaml" --no-learn

# rules are compiled before anything else starts
cap=$(dirname "$0")/../data/api-demo.pcap
expect 2 "^apiradard: error: $tmp/none.rules: No such file" -- -r "$cap" -R "$tmp/none.rules"
cat >"$tmp/r1.yaml" <<'YAML'
rules:
  - id: 1
    msg: m
    category: c
    targets: args
    pattern: '(a)\1'
YAML
expect 2 "^apiradard: error: $tmp/r1.yaml:2: rule 1: pattern .*: Back-references" \
	-- -r "$cap" -R "$tmp/r1.yaml"
cat >"$tmp/r2.yaml" <<'YAML'
rules:
  - id: 1
    msg: m
    category: c
    targets: [args, nowhere]
    pattern: a
YAML
printf 'detect:\n  rules: r2.yaml\n' >"$tmp/c6.yaml"
expect 2 "^apiradard: error: $tmp/r2.yaml:5: unknown target .nowhere." -- -r "$cap" -c "$tmp/c6.yaml"

# API discovery: its config, its flags, its state directory and specs
printf 'api:\n  zombie_after: never\n' >"$tmp/a1.yaml"
expect 2 "^apiradard: error: $tmp/a1.yaml:2: \`zombie_after: never\`" -- -r "$cap" -c "$tmp/a1.yaml"
printf 'api:\n  owners:\n    - host: shop.example.com\n' >"$tmp/a2.yaml"
expect 2 "^apiradard: error: $tmp/a2.yaml:3: an owner needs a \`unit\` or a \`contact\`" \
	-- -r "$cap" -c "$tmp/a2.yaml"
expect 2 "^apiradard: error: --openapi-format \`xml\`: json or yaml" -- -r "$cap" --openapi-format xml
expect 2 "^apiradard: error: store /proc/apiradar: cannot create the directory" \
	-- -r "$cap" --no-detect --data-dir /proc/apiradar
# a state directory that another daemon holds (its RocksDB lock is a POSIX
# record lock, which python takes the same way)
"$bin" -r "$cap" --no-detect --data-dir "$tmp/state" -l "$tmp" >/dev/null 2>&1
/usr/bin/python3 - "$tmp/state/LOCK" "$bin" "$cap" "$tmp" <<'PY' || fail=1
import fcntl, subprocess, sys
lock, bin_, cap, tmp = sys.argv[1:]
with open(lock, "r+") as f:
    fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    r = subprocess.run([bin_, "-r", cap, "--no-detect", "--data-dir", tmp + "/state", "-l", tmp],
                       capture_output=True, text=True)
want = "apiradard: error: store %s/state: in use by another process (" % tmp
lines = r.stderr.splitlines()
if r.returncode != 2 or len(lines) != 1 or not lines[0].startswith(want):
    print("FAIL: a held state directory: exit %d, stderr: %r" % (r.returncode, r.stderr))
    sys.exit(1)
print("ok: a held state directory: " + lines[0])
PY
printf 'a: 1\n' >"$tmp/notspec.yaml"
printf 'api:\n  specs:\n    - host: shop.example.com\n      file: notspec.yaml\n' >"$tmp/a3.yaml"
expect 2 "^apiradard: error: $tmp/notspec.yaml: not an OpenAPI 3 document" \
	-- -r "$cap" --no-detect -c "$tmp/a3.yaml"

exit $fail
