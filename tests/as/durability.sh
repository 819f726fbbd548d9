#!/bin/sh
# Durability of the AS's token records: SIGKILL the AS under load, restart
# it on the same store, and check that every token whose response reached
# the client has its record (RFC 9200 tokens are revocable and
# introspectable only if the AS remembers them), and that the store is
# intact.
#
# usage: durability.sh OBOL
#
# Until `obol as init/client add/rs add/grant` exist, the store and the
# processes come from the test aids of `obol bench as` (--setup-only,
# --serve, --load). Tokens are decrypted by durability_check.py, in Python,
# independently of obol.
set -eu

OBOL=$1
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
LOAD_SECONDS=${LOAD_SECONDS:-4}
KILL_AFTER=${KILL_AFTER:-1.5}

dir=$(mktemp -d "${TMPDIR:-/tmp}/obol-durability-XXXXXX")
as_pid=
load_pid=
cleanup() {
	if [ -n "$load_pid" ]; then kill "$load_pid" 2>/dev/null || :; fi
	if [ -n "$as_pid" ]; then kill -9 "$as_pid" 2>/dev/null || :; fi
	wait 2>/dev/null || :
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fail() {
	echo "FAIL: $*"
	echo "--- AS log:"; cat "$dir/as.log" 2>/dev/null || :
	exit 1
}

# A free UDP port of the loopback (bound once, then released).
free_port() {
	"$PY" -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# Wait until the log has $1 "event=ready" lines (or the AS died).
wait_ready() {
	i=0
	while :; do
		n=$(grep -c 'event=ready' "$dir/as.log" 2>/dev/null || :)
		[ "${n:-0}" -lt "$1" ] || break
		kill -0 "$as_pid" 2>/dev/null || fail "the AS exited at start"
		i=$((i + 1))
		[ $i -le 200 ] || fail "the AS was not ready after 10 s"
		sleep 0.05
	done
}

"$OBOL" bench as --setup-only "$dir" >"$dir/creds" || fail "--setup-only"
get() { sed -n "s/^$1=//p" "$dir/creds"; }
db=$(get db)
client=$(get client_id)
secret=$(get client_secret)
rs_key=$(get rs_key)
port=$(free_port)

"$OBOL" bench as --serve "$dir" --port "$port" --log "$dir/as.log" &
as_pid=$!
wait_ready 1

# Load with every token received recorded; SIGKILL the AS in the middle.
"$OBOL" bench as --load "127.0.0.1:$port" --client "$client" \
	--secret "$secret" --seconds "$LOAD_SECONDS" --timeout 0.5 \
	--record "$dir/acked" >"$dir/load1.out" &
load_pid=$!
sleep "$KILL_AFTER"
kill -9 "$as_pid"
wait "$as_pid" 2>/dev/null || :
as_pid=
echo "AS killed (SIGKILL) after ${KILL_AFTER} s of load"
wait "$load_pid" || fail "the load generator failed"
load_pid=
echo "load during the kill: $(cat "$dir/load1.out")"
[ -s "$dir/acked" ] || fail "no token was issued before the kill"
ls "$dir"/as.db-wal >/dev/null 2>&1 && echo "the WAL survived the kill"

# Restart on the same store; it must start and issue tokens again.
"$OBOL" bench as --serve "$dir" --port "$port" --log "$dir/as.log" &
as_pid=$!
wait_ready 2
echo "AS restarted on the same store"
"$OBOL" bench as --load "127.0.0.1:$port" --client "$client" \
	--secret "$secret" --seconds 0.5 --record "$dir/acked2" \
	>"$dir/load2.out" || fail "the load generator failed after restart"
echo "load after the restart: $(cat "$dir/load2.out")"
[ -s "$dir/acked2" ] || fail "no token issued after the restart"
kill -TERM "$as_pid"
wait "$as_pid" || fail "the AS did not stop cleanly on SIGTERM"
as_pid=
grep -q 'event=stopped' "$dir/as.log" || fail "no event=stopped in the log"

"$PY" "$HERE/durability_check.py" "$db" "$rs_key" "$dir/acked" \
	"$dir/acked2" || fail "durability check"
