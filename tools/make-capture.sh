#!/usr/bin/env bash
# make-capture.sh OUT.pcap [api_client.py args...]
#
# Records real HTTP/1.1 API traffic into OUT.pcap, and what the client did
# into OUT.json (the client's summary, see tools/api_client.py), for apiradar
# tests that replay a capture and compare what the daemon saw with the truth.
#
# How: two fresh network namespaces joined by a veth pair (tools/netns.sh,
# offloads off, so packets are MTU-sized like on a real mirror port);
# tools/api_server.py runs in the server namespace, tcpdump on the client's
# veth end, tools/api_client.py in the client namespace. Only addresses
# inside those namespaces are used; nothing leaves the machine.
#
# Examples:
#   sudo tools/make-capture.sh /tmp/x.pcap
#   sudo tools/make-capture.sh test/data/api-demo.pcap --seed 1 \
#       --connections 20 --requests-per-connection 10
#
# Environment (all optional):
#   AR_CAPTURE_PORT   server TCP port (default 8080)
#   AR_SERVER_SEED    api_server.py --seed (default 7)
#   AR_NET_PREFIX     /24 of the namespaces (default 10.77.0, see netns.sh)
#   AR_CAPTURE_TIMEOUT  seconds the client may run (default 300)
#
# Needs root, iproute2 (ip, ss), ethtool, tcpdump, python3 (Debian:
# apt-get install -y iproute2 ethtool tcpdump python3).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tools/netns.sh
source "$here/netns.sh"
# shellcheck source=tools/capture_lib.sh
source "$here/capture_lib.sh"
AR_PROG=make-capture.sh

if [ $# -lt 1 ] || [ "${1:-}" = -h ] || [ "${1:-}" = --help ]; then
	sed -n '2,27p' "$0" | sed 's/^# \{0,1\}//'
	exit 2
fi
out=$1
shift
case $out in
*.pcap) base=${out%.pcap} ;;
*) base=$out ;;
esac

ar_need ip ss ethtool tcpdump python3 timeout || exit 1
if [ "$(id -u)" -ne 0 ]; then
	echo "make-capture.sh: needs root (network namespaces, tcpdump)" >&2
	exit 1
fi

port=${AR_CAPTURE_PORT:-8080}
srv_seed=${AR_SERVER_SEED:-7}
limit=${AR_CAPTURE_TIMEOUT:-300}
outdir=$(cd "$(dirname "$out")" && pwd)
work=$(mktemp -d "$outdir/.make-capture.XXXXXX")
srv_pid="" ar_dump_pid=""

# On every exit, success or not: stop our processes, remove the
# namespaces and the scratch folder.
trap ar_capture_cleanup EXIT
trap 'exit 130' INT TERM

# $$ keeps concurrent runs apart; namespace names stay short.
ar_netns_up "ar-cap$$"

# 1. The server. Wait until it listens, by looking at its socket table
#    rather than connecting, so no probe connection precedes the capture.
ip netns exec "$AR_NS_SRV" python3 "$here/api_server.py" --host "$AR_IP_SRV" \
	--port "$port" --seed "$srv_seed" --quiet 2>"$work/server.log" &
srv_pid=$!
ar_wait_listening "$srv_pid" "$port" "$work/server.log" api_server.py

# 2. tcpdump on the client's veth end.
ar_tcpdump_start "$work/cap.pcap" "$work/tcpdump.log"

# 3. The client, bounded in time.
ip netns exec "$AR_NS_CLI" timeout "$limit" python3 "$here/api_client.py" \
	--host "$AR_IP_SRV" --port "$port" --summary "$work/summary.json" "$@"

# 4. Stop tcpdump and check that the capture is whole.
ar_tcpdump_stop "$work/tcpdump.log"
ar_stop_pid TERM "$srv_pid"
srv_pid=""

# 5. Move the results in place (same file system: atomic).
chmod 644 "$work/cap.pcap" "$work/summary.json"
mv "$work/cap.pcap" "$outdir/$(basename "$base").pcap"
mv "$work/summary.json" "$outdir/$(basename "$base").json"
grep -E 'packets (captured|received)' "$work/tcpdump.log" >&2 || true
echo "make-capture.sh: wrote $outdir/$(basename "$base").pcap and .json" >&2
