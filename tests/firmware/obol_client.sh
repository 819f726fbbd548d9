#!/bin/sh
# The nRF51822 firmware reached by obol's own client: an AS on the host,
# the device in QEMU behind `obol bridge`, and `obol get|put` doing the
# whole flow (hints, token over DTLS, /authz-info, OSCORE) as against
# `obol rs serve`. Runs after firmware_e2e, which builds the image into
# BUILD_DIR/fw. Skips (77) when qemu-system-arm or the image is missing.
#   usage: obol_client.sh OBOL BUILD_DIR
set -u
obol=$1
fw=$2/fw
elf=$fw/obol-rs.elf
command -v qemu-system-arm >/dev/null 2>&1 || { echo "SKIP: no qemu-system-arm"; exit 77; }
[ -f "$elf" ] || { echo "SKIP: $elf not built (firmware_e2e builds it)"; exit 77; }

work=$(mktemp -d "${TMPDIR:-/tmp}/obol-fw-client.XXXXXX")
pids=""
fails=0
checks=0
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	rm -rf "$work"
}
trap cleanup EXIT
free_port() {
	/usr/bin/python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM if "'"$1"'" == "udp" else socket.SOCK_STREAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
check() { # what expected got
	checks=$((checks + 1))
	if [ "$2" != "$3" ]; then
		fails=$((fails + 1))
		echo "FAIL: $1: expected '$2', got '$3'"
	fi
}

export OBOL_AS_DB="$work/as.db"
aud=$(cat "$fw/rs_aud.txt")
key=$(cat "$fw/rs_key.hex")
as_port=$(free_port udp)
serial=$(free_port tcp)
udp=$(free_port udp)
"$obol" as init >/dev/null
"$obol" as client add c1 --secret c1-secret >/dev/null
"$obol" as rs add "$aud" --key "$key" --no-clock --lifetime 600 >/dev/null
"$obol" as grant c1 "$aud" '[["/temp",["GET"]],["/led",["GET","PUT"]]]' >/dev/null
"$obol" as client add c2 --secret c2-secret >/dev/null
"$obol" as grant c2 "$aud" '[["/temp",["GET"]]]' >/dev/null
"$obol" as serve --listen "coaps://127.0.0.1:$as_port" --log "$work/as.log" &
pids="$pids $!"
# QEMU runs in the work directory: the device keeps its state there
# (obol-rs-state.bin, the semihosting stand-in for its flash pages), so
# every run starts as a fresh device and leaves nothing behind.
cd "$work"
qemu-system-arm -M microbit -display none -monitor none \
	-semihosting-config enable=on,target=native \
	-serial "tcp:127.0.0.1:$serial,server=on,wait=on" -kernel "$elf" \
	> "$work/qemu.log" 2>&1 &
qemu=$!
pids="$pids $qemu"
i=0
until "$obol" bridge --serial "tcp:127.0.0.1:$serial" --listen "coap://127.0.0.1:$udp" \
	> "$work/bridge.log" 2>&1 & sleep 0.3 && kill -0 $! 2>/dev/null; do
	i=$((i + 1))
	[ $i -lt 20 ] || { echo "FAIL: the bridge did not connect"; cat "$work/bridge.log"; exit 1; }
done
pids="$pids $!"

run() { # method path [payload]: prints "rc|stdout" and keeps stderr
	if [ $# -ge 3 ]; then
		out=$("$obol" "$1" "coap://127.0.0.1:$udp$2" --payload "$3" \
			--as "coaps://127.0.0.1:$as_port" --client-id c1 \
			--client-secret c1-secret --cache "$work/cache" --timeout 20 \
			--json 2>"$work/err")
	else
		out=$("$obol" "$1" "coap://127.0.0.1:$udp$2" \
			--as "coaps://127.0.0.1:$as_port" --client-id c1 \
			--client-secret c1-secret --cache "$work/cache" --timeout 20 \
			--json 2>"$work/err")
	fi
	echo "$?|$(printf '%s' "$out" | /usr/bin/python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["code"], j.get("payload", ""), j["round_trips"])' 2>/dev/null)"
}

# the whole flow: 4.01 + hints, token (DTLS: 3 + 1), /authz-info, OSCORE
check "GET /temp, first time" "0|2.05 21.5 C 7" "$(run get /temp)"
check "PUT /led on" "0|2.04  1" "$(run put /led on)"
check "GET /led" "0|2.05 on 1" "$(run get /led)"
check "PUT /temp: the token grants GET only (RFC 9200 5.10.2)" "1|4.05  1" "$(run put /temp 3)"
check "GET /temp, cached context" "0|2.05 21.5 C 1" "$(run get /temp)"
# c2 may read /temp only: /led is outside its scope, 4.03 (RFC 9200 5.10.2)
out=$("$obol" get "coap://127.0.0.1:$udp/led" --as "coaps://127.0.0.1:$as_port" \
	--client-id c2 --client-secret c2-secret --cache "$work/cache2" --timeout 20 \
	--json 2>/dev/null)
check "c2 GET /led: outside its scope" "1|4.03" \
	"$?|$(printf '%s' "$out" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["code"])' 2>/dev/null)"
# the token the AS issued for a device without a clock carries exi
grep -q 'detail="token [0-9]* bytes, exi' "$work/as.log"
check "the AS issued an exi token" "0" "$?"
# the device is still alive and never faulted
kill -0 "$qemu" 2>/dev/null
check "QEMU still runs (no HardFault exit)" "0" "$?"

echo "firmware obol client: $checks checks, $fails failures"
[ "$fails" -eq 0 ] || { cat "$work/qemu.log" "$work/bridge.log" "$work/as.log"; exit 1; }
