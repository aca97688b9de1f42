# shellcheck shell=bash
# test/integration/live_lib.sh: what the live tests share, sourced by them.
# A private client/server network (tools/netns.sh), tools/api_server.py in
# the server namespace, apiradard capturing on the client's veth end.
#
#   source "$(dirname "$0")/live_lib.sh"
#   live_setup PREFIX        # $tmp, netns, server on $AR_IP_SRV:$port
#   live_config [YAML...]    # $tmp/apiradar.yaml: one worker on the veth,
#                            # eve.json in $tmp, stats every second, the API
#                            # catalog's store in $tmp/state (unless an
#                            # `api:` section is given), plus the extra
#                            # top-level YAML given
#   live_start BIN           # apiradard -c $tmp/apiradar.yaml; $ard_pid
#   live_stop                # SIGTERM, wait, fail on a non-zero exit
# Everything is removed on exit, also on failure.
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=../../tools/netns.sh
source "$top/tools/netns.sh"
port=8080

live_cleanup() {
	[ -n "${ard_pid:-}" ] && kill -9 "$ard_pid" 2>/dev/null || true
	ar_netns_down
	rm -rf "$tmp"
}

live_setup() {
	tmp=$(mktemp -d)
	trap live_cleanup EXIT
	ar_netns_up "$1"
	ip netns exec "$AR_NS_SRV" /usr/bin/python3 "$top/tools/api_server.py" \
		--host "$AR_IP_SRV" --port $port >"$tmp/server.log" 2>&1 &
	for _ in $(seq 1 50); do
		ip netns exec "$AR_NS_CLI" bash -c "exec 3<>/dev/tcp/$AR_IP_SRV/$port" \
			2>/dev/null && break
		sleep 0.1
	done
}

live_config() {
	{
		cat <<YAML
capture:
  workers: 1
  ports:
    - device: net_af_packet0,iface=$AR_IF_CLI
output:
  dir: $tmp
  stats_interval: 1s
YAML
		printf '%s\n' "$@"
		case " $* " in
		*" api:"*) ;;
		*) printf 'api:\n  data_dir: %s/state\n' "$tmp" ;;
		esac
	} >"$tmp/apiradar.yaml"
}

live_start() {
	ip netns exec "$AR_NS_CLI" "$1" -c "$tmp/apiradar.yaml" >"$tmp/ard.out" 2>"$tmp/ard.err" &
	ard_pid=$!
	for _ in $(seq 1 100); do
		grep -q "capturing on" "$tmp/ard.err" && break
		kill -0 "$ard_pid" 2>/dev/null || break
		sleep 0.1
	done
	if ! grep -q "capturing on" "$tmp/ard.err"; then
		echo "apiradard did not start:"
		cat "$tmp/ard.err"
		exit 1
	fi
}

# Lets the last packets reach the ring, then stops apiradard: it drains and
# flushes every flow, so nothing may be missing afterwards.
live_stop() {
	sleep 1
	kill -TERM "$ard_pid"
	local rc=0
	wait "$ard_pid" || rc=$?
	ard_pid=
	if [ $rc -ne 0 ]; then
		echo "apiradard exited $rc"
		cat "$tmp/ard.err"
		exit 1
	fi
}
