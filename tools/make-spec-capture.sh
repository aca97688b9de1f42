#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# make-spec-capture.sh OUT.pcap [spec_client.py args...]
#
# Records real HTTP/1.1 traffic to the APIs of test/data/specs into
# OUT.pcap, and the truth of what was called into OUT.truth.json (see
# tools/spec_client.py), for the API-discovery test: apiradard turns the
# capture into OpenAPI documents, test/integration/check_openapi.py holds
# them against the truth.
#
# How: two fresh network namespaces joined by a veth pair (tools/netns.sh,
# offloads off, so frames are MTU-sized like on a mirror port), on their
# own /24 (10.78.0.0/24 unless AR_NET_PREFIX says otherwise).
# tools/spec_server.py serves every spec on port 80 of the server end
# (10.78.0.2); the client end gets four more addresses (.11 to .14) and
# tools/spec_client.py binds its connections to them in turn, so the
# traffic comes from several clients. tcpdump records the client's veth
# end. Nothing leaves the namespaces.
#
# Examples:
#   sudo tools/make-spec-capture.sh /tmp/spec.pcap
#   sudo tools/make-spec-capture.sh /tmp/spec.pcap --seed 3 --calls 10
#
# Environment (all optional):
#   AR_SPEC_PORT        server TCP port (default 80)
#   AR_SERVER_SEED      spec_server.py --seed (default 7)
#   AR_NET_PREFIX       /24 of the namespaces (default 10.78.0)
#   AR_CAPTURE_TIMEOUT  seconds the client may run (default 300)
#
# Needs root, iproute2 (ip, ss), ethtool, tcpdump, python3 and python3-yaml
# (Debian: apt-get install -y iproute2 ethtool tcpdump python3 python3-yaml).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tools/netns.sh
source "$here/netns.sh"

if [ $# -lt 1 ] || [ "${1:-}" = -h ] || [ "${1:-}" = --help ]; then
	sed -n '3,31p' "$0" | sed 's/^# \{0,1\}//'
	exit 2
fi
out=$1
shift
case $out in
*.pcap) base=${out%.pcap} ;;
*) base=$out ;;
esac

# The Debian interpreter: it has the yaml module.
py=/usr/bin/python3
[ -x "$py" ] || py=python3
ar_need ip ss ethtool tcpdump timeout "$py" || exit 1
if [ "$(id -u)" -ne 0 ]; then
	echo "make-spec-capture.sh: needs root (network namespaces, tcpdump)" >&2
	exit 1
fi
if ! "$py" -c 'import yaml' 2>/dev/null; then
	echo "make-spec-capture.sh: $py lacks the yaml module (Debian: apt-get install -y python3-yaml)" >&2
	exit 1
fi

port=${AR_SPEC_PORT:-80}
srv_seed=${AR_SERVER_SEED:-7}
limit=${AR_CAPTURE_TIMEOUT:-300}
export AR_NET_PREFIX=${AR_NET_PREFIX:-10.78.0}
outdir=$(cd "$(dirname "$out")" && pwd)
name=$(basename "$base")
work=$(mktemp -d "$outdir/.make-spec-capture.XXXXXX")
srv_pid="" dump_pid=""

# stop_pid SIGNAL PID: signal one of our own children and wait for it, at
# most 5 s, then SIGKILL it.
stop_pid() {
	kill "-$1" "$2" 2>/dev/null || return 0
	for _ in $(seq 1 50); do
		kill -0 "$2" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$2" 2>/dev/null && kill -KILL "$2" 2>/dev/null
	wait "$2" 2>/dev/null || true
}

# Runs on every exit, success or not: stop our processes (by pid), remove
# the namespaces and the scratch folder.
cleanup() {
	local rc=$?
	[ -z "$dump_pid" ] || stop_pid INT "$dump_pid"
	[ -z "$srv_pid" ] || stop_pid TERM "$srv_pid"
	ar_netns_down
	rm -rf "$work"
	if [ $rc -ne 0 ]; then
		echo "make-spec-capture.sh: failed (exit $rc)" >&2
	fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# $$ keeps concurrent runs apart; the name differs from make-capture.sh's
# (ar-cap) and the live tests' (arl, arr).
ar_netns_up "ar-spc$$"

# Four more client addresses on the client's veth end.
sources=()
for i in 11 12 13 14; do
	ip -n "$AR_NS_CLI" addr add "$AR_NET_PREFIX.$i/24" dev "$AR_IF_CLI"
	sources+=(--source "$AR_NET_PREFIX.$i")
done

# 1. The server. Wait until it listens, by looking at its socket table
#    rather than connecting, so no probe connection precedes the capture.
ip netns exec "$AR_NS_SRV" "$py" "$here/spec_server.py" --host "$AR_IP_SRV" \
	--port "$port" --seed "$srv_seed" --quiet 2>"$work/server.log" &
srv_pid=$!
for _ in $(seq 1 100); do
	if ip netns exec "$AR_NS_SRV" ss -Hltn "sport = :$port" | grep -q .; then
		break
	fi
	kill -0 "$srv_pid" 2>/dev/null || {
		cat "$work/server.log" >&2
		echo "make-spec-capture.sh: spec_server.py exited" >&2
		exit 1
	}
	sleep 0.1
done
ip netns exec "$AR_NS_SRV" ss -Hltn "sport = :$port" | grep -q . || {
	echo "make-spec-capture.sh: spec_server.py does not listen on :$port" >&2
	exit 1
}

# 2. tcpdump on the client's veth end: whole frames (-s 0), handed over by
#    the kernel at once (--immediate-mode) and written per packet (-U), no
#    name look-ups (-n), no privilege drop (-Z root). Ready once it says
#    it is listening (it opens the capture before saying so).
ip netns exec "$AR_NS_CLI" tcpdump -i "$AR_IF_CLI" -s 0 -U --immediate-mode -n -Z root \
	-w "$work/cap.pcap" 2>"$work/tcpdump.log" &
dump_pid=$!
for _ in $(seq 1 100); do
	grep -q 'listening on' "$work/tcpdump.log" 2>/dev/null && break
	kill -0 "$dump_pid" 2>/dev/null || break
	sleep 0.1
done
grep -q 'listening on' "$work/tcpdump.log" || {
	cat "$work/tcpdump.log" >&2
	echo "make-spec-capture.sh: tcpdump did not start" >&2
	exit 1
}

# 3. The client, bounded in time. It fails when any answer is not the one
#    the spec promises.
ip netns exec "$AR_NS_CLI" timeout "$limit" "$py" "$here/spec_client.py" \
	--host "$AR_IP_SRV" --port "$port" "${sources[@]}" --truth "$work/truth.json" "$@"

# 4. Let the last FIN/ACKs pass, then stop tcpdump with SIGINT so it
#    flushes and closes the file, and check the kernel dropped nothing.
sleep 0.5
stop_pid INT "$dump_pid"
dump_pid=""
if grep -Eq '^[1-9][0-9]* packets? dropped by kernel' "$work/tcpdump.log"; then
	cat "$work/tcpdump.log" >&2
	echo "make-spec-capture.sh: tcpdump dropped packets" >&2
	exit 1
fi
# every packet the filter received is in the file, or the capture is not kept
captured=$(sed -n 's/^\([0-9]*\) packets\? captured.*/\1/p' "$work/tcpdump.log")
received=$(sed -n 's/^\([0-9]*\) packets\? received by filter.*/\1/p' "$work/tcpdump.log")
if [ -z "$captured" ] || [ "$captured" != "$received" ]; then
	cat "$work/tcpdump.log" >&2
	echo "make-spec-capture.sh: tcpdump wrote ${captured:-?} of ${received:-?} packets" >&2
	exit 1
fi
stop_pid TERM "$srv_pid"
srv_pid=""

# 5. Move the results in place (same file system: atomic).
chmod 644 "$work/cap.pcap" "$work/truth.json"
mv "$work/cap.pcap" "$outdir/$name.pcap"
mv "$work/truth.json" "$outdir/$name.truth.json"
grep -E 'packets (captured|received)' "$work/tcpdump.log" >&2 || true
echo "make-spec-capture.sh: wrote $outdir/$name.pcap and $name.truth.json" >&2
