# shellcheck shell=bash
# tools/netns.sh: a small bash library, sourced by test and capture scripts,
# that builds a private two-host network for apiradar tests:
#
#     ns <prefix>-cli                         ns <prefix>-srv
#     +------------------+   veth pair    +------------------+
#     | ar-cli           |<-------------->| ar-srv           |
#     | 10.77.0.1/24     |                | 10.77.0.2/24     |
#     +------------------+                +------------------+
#
# Both veth ends are created directly inside their namespaces, so the
# interface names never appear in (or clash with) the root namespace, and any
# number of such pairs can exist side by side. Capture with e.g.
#     ip netns exec "$AR_NS_CLI" tcpdump -i "$AR_IF_CLI" -w out.pcap
#
# Usage:
#     source tools/netns.sh
#     ar_netns_up "ar-$$"          # creates ar-<pid>-cli and ar-<pid>-srv
#     trap ar_netns_down EXIT      # always remove them, also on failure
#     ip netns exec "$AR_NS_SRV" some-server --host "$AR_IP_SRV" &
#
# Exports: AR_NS_CLI AR_NS_SRV AR_IF_CLI AR_IF_SRV AR_IP_CLI AR_IP_SRV
# Override before ar_netns_up:
#     AR_NET_PREFIX  first three octets of the /24 (default 10.77.0); only
#                    matters if a test routes between several pairs, since
#                    each pair lives in its own namespaces anyway
#     AR_NET_MTU     MTU of both veth ends (default 1500, so that frames are
#                    at most 1514 bytes on the wire, as on a real NIC)
#
# Needs root, iproute2 (ip) and ethtool. Does not install anything: a
# missing tool is reported and ar_netns_up fails.

# Checks that every named command exists; prints one clear line otherwise.
ar_need() {
	local missing=() c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || missing+=("$c")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		echo "netns.sh: missing command(s): ${missing[*]}" \
			"(Debian: apt-get install -y iproute2 ethtool tcpdump python3)" >&2
		return 1
	fi
}

# ar_netns_up PREFIX: create the two namespaces and the veth pair.
ar_netns_up() {
	local prefix=${1:?usage: ar_netns_up NAME-PREFIX}
	local net=${AR_NET_PREFIX:-10.77.0}
	local mtu=${AR_NET_MTU:-1500}
	ar_need ip ethtool || return 1
	if [ "$(id -u)" -ne 0 ]; then
		echo "netns.sh: network namespaces need root" >&2
		return 1
	fi

	export AR_NS_CLI="${prefix}-cli" AR_NS_SRV="${prefix}-srv"
	export AR_IF_CLI=ar-cli AR_IF_SRV=ar-srv
	export AR_IP_CLI="${net}.1" AR_IP_SRV="${net}.2"

	# Remember what we made so ar_netns_down removes exactly that, even
	# when set-up fails half-way.
	_AR_NETNS_MADE=()
	local ns
	for ns in "$AR_NS_CLI" "$AR_NS_SRV"; do
		if ip netns list | awk '{print $1}' | grep -qx -- "$ns"; then
			echo "netns.sh: namespace $ns already exists; pick another prefix" >&2
			return 1
		fi
		ip netns add "$ns" || return 1
		_AR_NETNS_MADE+=("$ns")
	done

	# One command creates both ends, each inside its namespace.
	ip link add "$AR_IF_CLI" netns "$AR_NS_CLI" mtu "$mtu" type veth \
		peer name "$AR_IF_SRV" netns "$AR_NS_SRV" mtu "$mtu" || return 1

	local side ifc ip
	for side in CLI SRV; do
		ns=AR_NS_$side ifc=AR_IF_$side ip=AR_IP_$side
		ns=${!ns} ifc=${!ifc} ip=${!ip}
		# IPv6 off: no router/neighbour solicitations or MLD reports in
		# the captures, so a pcap holds only the test's own traffic
		# (plus ARP).
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1 >/dev/null 2>&1 || true
		ip -n "$ns" link set lo up || return 1
		ip -n "$ns" addr add "$ip/24" dev "$ifc" || return 1
		# Offloads off: with TSO/GSO/GRO on, a capture sees 64 KB
		# super-frames and unfinished checksums instead of what a
		# mirror port of a real network delivers: MTU-sized segments
		# with valid checksums.
		if ! ip netns exec "$ns" ethtool -K "$ifc" tso off gso off gro off \
			tx off rx off >/dev/null 2>&1; then
			# Some kernels refuse a single feature; try them one by
			# one and fail only if a segmentation offload stays on.
			local f
			for f in tso gso gro tx rx; do
				ip netns exec "$ns" ethtool -K "$ifc" "$f" off >/dev/null 2>&1 || true
			done
			if ip netns exec "$ns" ethtool -k "$ifc" |
				grep -Eq '^(tcp-segmentation-offload|generic-segmentation-offload|generic-receive-offload): on'; then
				echo "netns.sh: could not turn offloads off on $ifc in $ns" >&2
				return 1
			fi
		fi
		ip -n "$ns" link set "$ifc" up || return 1
	done

	# Wait for the link to come up both ways (veth carrier needs both
	# ends up), so the first SYN is not lost.
	for _ in $(seq 1 50); do
		if ip -n "$AR_NS_CLI" link show "$AR_IF_CLI" | grep -q 'state UP' &&
			ip -n "$AR_NS_SRV" link show "$AR_IF_SRV" | grep -q 'state UP'; then
			return 0
		fi
		sleep 0.1
	done
	echo "netns.sh: veth link did not come up" >&2
	return 1
}

# ar_netns_pids NS: pids of processes inside namespace NS.
ar_netns_pids() {
	ip netns pids "$1" 2>/dev/null || true
}

# ar_netns_down: stop what still runs in our namespaces, then delete them
# (deleting a namespace removes its veth end, and the peer with it). Safe to
# call twice, and after a failed ar_netns_up.
ar_netns_down() {
	local ns pids
	for ns in "${_AR_NETNS_MADE[@]:-}"; do
		[ -n "$ns" ] || continue
		# A process left inside would keep the namespace alive after
		# its name is gone; these are only processes our scripts started
		# in a namespace they made.
		pids=$(ar_netns_pids "$ns")
		if [ -n "$pids" ]; then
			# shellcheck disable=SC2086
			kill $pids 2>/dev/null || true
			sleep 0.2
			pids=$(ar_netns_pids "$ns")
			# shellcheck disable=SC2086
			[ -z "$pids" ] || kill -9 $pids 2>/dev/null || true
		fi
		ip netns del "$ns" 2>/dev/null || true
	done
	_AR_NETNS_MADE=()
}
