# shellcheck shell=bash
# tools/capture_lib.sh: what the capture makers share (make-capture.sh,
# make-spec-capture.sh), sourced after tools/netns.sh. A server in the
# server namespace, tcpdump on the client's veth end, and the checks that
# a capture is whole. Messages start with $AR_PROG (the script's name).

# ar_capture_cleanup: the EXIT trap of a capture maker. Stops the server
# ($srv_pid) and tcpdump ($ar_dump_pid) if they run, removes the namespaces
# and the scratch folder ($work), and says so when the script failed.
ar_capture_cleanup() {
	local rc=$?
	[ -z "${ar_dump_pid:-}" ] || ar_stop_pid INT "$ar_dump_pid"
	[ -z "${srv_pid:-}" ] || ar_stop_pid TERM "$srv_pid"
	ar_netns_down
	rm -rf "$work"
	if [ $rc -ne 0 ]; then
		echo "$AR_PROG: failed (exit $rc)" >&2
	fi
	exit $rc
}

# ar_stop_pid SIGNAL PID: signal one of our own children and wait for it,
# at most 5 s, then SIGKILL it.
ar_stop_pid() {
	kill "-$1" "$2" 2>/dev/null || return 0
	for _ in $(seq 1 50); do
		kill -0 "$2" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$2" 2>/dev/null && kill -KILL "$2" 2>/dev/null
	wait "$2" 2>/dev/null || true
}

# ar_wait_listening PID PORT LOG NAME: waits until something in the server
# namespace listens on TCP PORT, by looking at its socket table rather than
# connecting, so no probe connection precedes the capture. Exits 1 with
# LOG when the server (PID, called NAME) dies or does not listen in 10 s.
ar_wait_listening() {
	for _ in $(seq 1 100); do
		if ip netns exec "$AR_NS_SRV" ss -Hltn "sport = :$2" | grep -q .; then
			return 0
		fi
		kill -0 "$1" 2>/dev/null || {
			cat "$3" >&2
			echo "$AR_PROG: $4 exited" >&2
			exit 1
		}
		sleep 0.1
	done
	echo "$AR_PROG: $4 does not listen on :$2" >&2
	exit 1
}

# ar_tcpdump_start FILE LOG: tcpdump on the client's veth end into FILE:
# whole frames (-s 0), handed over by the kernel at once (--immediate-mode)
# and written per packet (-U), no name look-ups (-n), and no privilege drop
# (-Z root) so it can write wherever the caller asked, with a 64 MB kernel
# buffer (-B) so a burst on a busy machine is not dropped. Sets ar_dump_pid.
# Ready once it says it is listening (it opens the capture before saying
# so); exits 1 with LOG when it does not start.
ar_tcpdump_start() {
	ip netns exec "$AR_NS_CLI" tcpdump -i "$AR_IF_CLI" -s 0 -B 65536 -U --immediate-mode -n -Z root \
		-w "$1" 2>"$2" &
	ar_dump_pid=$!
	for _ in $(seq 1 100); do
		grep -q 'listening on' "$2" 2>/dev/null && break
		kill -0 "$ar_dump_pid" 2>/dev/null || break
		sleep 0.1
	done
	grep -q 'listening on' "$2" || {
		cat "$2" >&2
		echo "$AR_PROG: tcpdump did not start" >&2
		exit 1
	}
}

# ar_tcpdump_stop LOG: lets the last FIN/ACKs pass, stops tcpdump with
# SIGINT so it flushes and closes the file, and exits 1 unless the kernel
# dropped nothing and every packet the filter received is in the file.
ar_tcpdump_stop() {
	sleep 0.5
	ar_stop_pid INT "$ar_dump_pid"
	ar_dump_pid=""
	if grep -Eq '^[1-9][0-9]* packets? dropped by kernel' "$1"; then
		cat "$1" >&2
		echo "$AR_PROG: tcpdump dropped packets" >&2
		exit 1
	fi
	local captured received
	captured=$(sed -n 's/^\([0-9]*\) packets\? captured.*/\1/p' "$1")
	received=$(sed -n 's/^\([0-9]*\) packets\? received by filter.*/\1/p' "$1")
	if [ -z "$captured" ] || [ "$captured" != "$received" ]; then
		cat "$1" >&2
		echo "$AR_PROG: tcpdump wrote ${captured:-?} of ${received:-?} packets" >&2
		exit 1
	fi
}
