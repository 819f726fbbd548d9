# Shared by scripts/demo.sh and scripts/bench_flow.sh (sourced, not run):
# the daemons they start, on free loopback ports, and their clean-up.
# The sourcing script sets $work (its temporary directory) and appends
# every process it starts to $pids.

# Stop every process started and remove $work; trapped on EXIT.
cleanup() {
	for p in $pids; do
		kill "$p" 2>/dev/null || true
	done
	for p in $pids; do
		wait "$p" 2>/dev/null || true
	done
	rm -rf "$work"
}

# A free UDP port on the loopback.
free_port() {
	/usr/bin/python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Wait (5 s at most) for "event=ready" in the log $1 of the daemon named
# $2; else show the log and exit 1.
wait_ready() {
	i=0
	while ! grep -q 'event=ready' "$1" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 100 ]; then
			echo "$2 did not start:" >&2
			cat "$1" >&2
			exit 1
		fi
		sleep 0.05
	done
}
