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
#   AR_SPECS            folder of specs to serve and call (default test/data/specs)
#
# Needs root, iproute2 (ip, ss), ethtool, tcpdump, python3 and python3-yaml
# (Debian: apt-get install -y iproute2 ethtool tcpdump python3 python3-yaml).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tools/netns.sh
source "$here/netns.sh"
# shellcheck source=tools/capture_lib.sh
source "$here/capture_lib.sh"
AR_PROG=make-spec-capture.sh

if [ $# -lt 1 ] || [ "${1:-}" = -h ] || [ "${1:-}" = --help ]; then
	sed -n '3,32p' "$0" | sed 's/^# \{0,1\}//'
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
specs=()
[ -n "${AR_SPECS:-}" ] && specs=(--specs "$(realpath "$AR_SPECS")")
outdir=$(cd "$(dirname "$out")" && pwd)
name=$(basename "$base")
work=$(mktemp -d "$outdir/.make-spec-capture.XXXXXX")
srv_pid="" ar_dump_pid=""

# On every exit, success or not: stop our processes, remove the
# namespaces and the scratch folder.
trap ar_capture_cleanup EXIT
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
	--port "$port" --seed "$srv_seed" "${specs[@]}" --quiet 2>"$work/server.log" &
srv_pid=$!
ar_wait_listening "$srv_pid" "$port" "$work/server.log" spec_server.py

# 2. tcpdump on the client's veth end.
ar_tcpdump_start "$work/cap.pcap" "$work/tcpdump.log"

# 3. The client, bounded in time. It fails when any answer is not the one
#    the spec promises.
ip netns exec "$AR_NS_CLI" timeout "$limit" "$py" "$here/spec_client.py" \
	--host "$AR_IP_SRV" --port "$port" "${sources[@]}" "${specs[@]}" --truth "$work/truth.json" "$@"

# 4. Stop tcpdump and check that the capture is whole.
ar_tcpdump_stop "$work/tcpdump.log"
ar_stop_pid TERM "$srv_pid"
srv_pid=""

# 5. Move the results in place (same file system: atomic).
chmod 644 "$work/cap.pcap" "$work/truth.json"
mv "$work/cap.pcap" "$outdir/$name.pcap"
mv "$work/truth.json" "$outdir/$name.truth.json"
grep -E 'packets (captured|received)' "$work/tcpdump.log" >&2 || true
echo "make-spec-capture.sh: wrote $outdir/$name.pcap and $name.truth.json" >&2
