#!/bin/sh
# The ACE client (obol get|put|post|delete) end to end: an AS (obol as
# serve, DTLS-PSK) and resource servers (obol rs serve) on free loopback
# ports, the client driven as a user would, with exact exit codes and
# outputs: the whole RFC 9200/9203 flow, the cache (reuse, mode, refusal),
# an RS restart, expiry, and the failures a user meets.
#
# usage: test_client.sh OBOL
set -u
OBOL=$1
T=$(mktemp -d /tmp/obol-client-test.XXXXXX)
PIDS=""
fails=0
checks=0

cleanup() {
	for p in $PIDS; do
		kill "$p" 2>/dev/null
	done
	for p in $PIDS; do
		wait "$p" 2>/dev/null
	done
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

ok() { checks=$((checks + 1)); }
fail() { checks=$((checks + 1)); fails=$((fails + 1)); echo "FAIL: $*"; }

# check WHAT EXPECTED ACTUAL
check_eq() {
	if [ "$2" = "$3" ]; then ok; else fail "$1: expected '$2', got '$3'"; fi
}
# check_has WHAT FILE PATTERN (grep -E)
check_has() {
	if grep -Eq -- "$3" "$2"; then ok; else
		fail "$1: '$3' not in $(basename "$2"):"; sed 's/^/    /' "$2"; fi
}
check_hasnt() {
	if grep -Eq -- "$3" "$2"; then
		fail "$1: '$3' in $(basename "$2")"; sed 's/^/    /' "$2"; else ok; fi
}

free_port() {
	/usr/bin/python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# wait_ready LOG PID: until LOG has event=ready (5 s)
wait_ready() {
	i=0
	while [ $i -lt 100 ]; do
		if grep -q 'event=ready' "$1" 2>/dev/null; then return 0; fi
		if ! kill -0 "$2" 2>/dev/null; then break; fi
		sleep 0.05
		i=$((i + 1))
	done
	echo "server did not start:"; cat "$1"
	exit 1
}

KEY=000102030405060708090a0b0c0d0e0f
export OBOL_AS_DB="$T/as.db"
# No config file or cache from the environment.
export XDG_CONFIG_HOME="$T/config" XDG_CACHE_HOME="$T/xdgcache"

"$OBOL" as init >/dev/null || exit 1
"$OBOL" as client add c1 --secret c1-secret >/dev/null || exit 1
"$OBOL" as client add c2 --secret c2-secret >/dev/null || exit 1
"$OBOL" as rs add rs1 --key $KEY >/dev/null || exit 1
"$OBOL" as rs add rs2 --key $KEY --lifetime 2 >/dev/null || exit 1
"$OBOL" as rs add rs3 --key $KEY >/dev/null || exit 1
"$OBOL" as grant c1 rs1 '[["/temp",["GET"]],["/led",["GET","PUT"]]]' >/dev/null || exit 1
"$OBOL" as grant c2 rs1 '[["/temp",["GET"]]]' >/dev/null || exit 1
"$OBOL" as grant c1 rs2 '[["/temp",["GET"]]]' >/dev/null || exit 1
# rs3: known to the AS, no grant for c1; "ghost": unknown to the AS.

ASP=$(free_port)
ASP2=$(free_port)
"$OBOL" as serve --listen coaps://127.0.0.1:$ASP --listen coap://127.0.0.1:$ASP2 \
	--insecure-dev 2>"$T/as.log" &
ASPID=$!
PIDS="$PIDS $ASPID"
wait_ready "$T/as.log" $ASPID
AS=coaps://127.0.0.1:$ASP

# start_rs NAME AUDIENCE PORT: starts obol rs serve, sets RSPID
start_rs() {
	"$OBOL" rs serve --audience "$2" --key $KEY --listen coap://127.0.0.1:$3 \
		--as $AS 2>"$T/$1.log" &
	RSPID=$!
	PIDS="$PIDS $RSPID"
	wait_ready "$T/$1.log" $RSPID
}

P1=$(free_port); start_rs rs1 rs1 $P1; RS1PID=$RSPID
P2=$(free_port); start_rs rs2 rs2 $P2
P3=$(free_port); start_rs rs3 rs3 $P3
P4=$(free_port); start_rs ghost ghost $P4

CACHE="$T/cache"
C1="--client-id c1 --client-secret c1-secret --cache $CACHE"
RS1=coap://127.0.0.1:$P1

# run NAME ARGS...: obol with stdout in $T/NAME.out, stderr in $T/NAME.err,
# the exit status in $rc
run() {
	n=$1
	shift
	"$OBOL" "$@" >"$T/$n.out" 2>"$T/$n.err"
	rc=$?
}

# ---- the whole flow -------------------------------------------------------
run get1 get $RS1/temp $C1 -v
check_eq "GET /temp exit" 0 $rc
check_has "GET /temp payload" "$T/get1.out" '^-?[0-9]+\.[0-9] C$'
check_has "-v step 1" "$T/get1.err" "^1 GET coap://127.0.0.1:$P1/temp: [0-9]+ B -> 4.01 hints \\(AS $AS, audience rs1\\) [0-9]+ B$"
check_has "-v step 2" "$T/get1.err" "^2 token from $AS: request [0-9]+ B -> 2.01 [0-9]+ B \\(token [0-9]+ B, expires in 3600 s\\) \\[DTLS handshake"
check_has "-v step 3" "$T/get1.err" '^3 POST /authz-info: [0-9]+ B -> 2.01 Created [0-9]+ B$'
check_has "-v step 4" "$T/get1.err" '^4 GET /temp \(OSCORE\): [0-9]+ B -> 2.05 Content [0-9]+ B$'
check_has "-v totals" "$T/get1.err" '^round trips: 7, bytes sent: [0-9]+, received: [0-9]+$'

# The cache: one file, mode 0600, in a 0700 directory.
n=$(ls "$CACHE" | wc -l)
check_eq "one cache file" 1 "$n"
F="$CACHE/$(ls "$CACHE")"
check_eq "cache file mode" 600 "$(stat -c %a "$F")"
check_eq "cache dir mode" 700 "$(stat -c %a "$CACHE")"
check_eq "cache file name" "127.0.0.1_${P1}_rs1.ctx" "$(basename "$F")"

# Reuse: one round trip, no token.
run get2 get $RS1/temp $C1 --json
check_eq "cached GET exit" 0 $rc
check_has "cached GET: 1 round trip" "$T/get2.out" '"round_trips": 1, '
check_has "cached GET: only the OSCORE step" "$T/get2.out" '"steps": \[\{"name": "oscore", "sent": [0-9]+, "received": [0-9]+, "code": "2.05", "round_trips": 1\}\]'
check_has "cached GET: the code" "$T/get2.out" '^\{"code": "2.05", "content_format": 0, "payload": "-?[0-9]+\.[0-9] C"'
check_has "--json has ms" "$T/get2.out" '"ms": [0-9]+\.[0-9]\}$'

# The SSN moves on in the file before each request: the file changes.
S1=$(od -An -tx1 "$F" | tr -d ' \n')
run get3 get $RS1/temp $C1
S2=$(od -An -tx1 "$F" | tr -d ' \n')
if [ "$S1" != "$S2" ]; then ok; else fail "the cache file was not rewritten (SSN)"; fi

# ---- methods, payloads, the RS's decisions ---------------------------------
run put1 put $RS1/led --payload on $C1
check_eq "PUT /led on exit" 0 $rc
check_eq "PUT /led on: no output" "" "$(cat "$T/put1.out" "$T/put1.err")"
run led1 get $RS1/led $C1
check_eq "GET /led exit" 0 $rc
check_eq "GET /led" "on" "$(cat "$T/led1.out")"
run put2 put $RS1/led --payload off $C1 --json
check_has "PUT /led off: 2.04" "$T/put2.out" '^\{"code": "2.04"'
run led2 get $RS1/led $C1
check_eq "GET /led after off" "off" "$(cat "$T/led2.out")"
# /temp has GET only (the RS's resource table): 4.05.
run put3 put $RS1/temp --payload 3 $C1
check_eq "PUT /temp exit" 1 $rc
check_eq "PUT /temp stderr" "obol put: 4.05 Method Not Allowed" "$(cat "$T/put3.err")"
run del1 delete $RS1/led $C1
check_eq "DELETE /led exit" 1 $rc
check_eq "DELETE /led stderr" "obol delete: 4.05 Method Not Allowed" "$(cat "$T/del1.err")"
run nf get $RS1/nothing $C1
check_eq "GET /nothing exit" 1 $rc
check_eq "GET /nothing stderr" "obol get: 4.04 Not Found" "$(cat "$T/nf.err")"
# Scope violation: c2 may GET /temp only; /led is not in its scope: 4.03.
C2="--client-id c2 --client-secret c2-secret --cache $T/cache2"
run c2temp get $RS1/temp $C2
check_eq "c2 GET /temp exit" 0 $rc
run c2led get $RS1/led $C2
check_eq "c2 GET /led exit" 1 $rc
check_eq "c2 GET /led stderr" "obol get: 4.03 Forbidden" "$(cat "$T/c2led.err")"
run c2put put $RS1/led --payload on $C2
check_eq "c2 PUT /led exit" 1 $rc
check_eq "c2 PUT /led stderr" "obol put: 4.03 Forbidden" "$(cat "$T/c2put.err")"
run led3 get $RS1/led $C1
check_eq "c2 did not switch the LED" "off" "$(cat "$T/led3.out")"
# An unprotected resource without a token: the answer as is, 1 round trip.
run wk get $RS1/.well-known/core --no-cache --json
check_eq "well-known exit" 0 $rc
check_has "well-known: unprotected, 1 round trip" "$T/wk.out" '"steps": \[\{"name": "unprotected", [^]]*"code": "2.05", "round_trips": 1\}\], "round_trips": 1,'
run wk2 get $RS1/.well-known/core --no-cache
check_has "well-known: link format" "$T/wk2.out" '</temp>'

# ---- the cache refused when others can read it ----------------------------
chmod 644 "$F"
run mode get $RS1/temp $C1
check_eq "world-readable cache exit" 1 $rc
check_has "world-readable cache refused" "$T/mode.err" "refusing the cache file .*readable or writable by others \\(mode 0644\\)"
check_eq "world-readable cache: nothing sent" "" "$(cat "$T/mode.out")"
chmod 600 "$F"
run mode2 get $RS1/temp $C1 --json
check_eq "0600 again exit" 0 $rc
check_has "0600 again: cache used" "$T/mode2.out" '"round_trips": 1, '

# ---- the RS restarts: the client re-uploads by itself -----------------------
kill $RS1PID
wait $RS1PID 2>/dev/null
start_rs rs1b rs1 $P1
run restart get $RS1/led $C1 --json
check_eq "after RS restart exit" 0 $rc
check_has "after RS restart: 4.01, token, authz-info, OSCORE" "$T/restart.out" '"steps": \[\{"name": "oscore", [^}]*"code": "4.01"[^}]*\}, \{"name": "token", [^}]*"code": "2.01", "round_trips": 4\}, \{"name": "authz-info", [^}]*"code": "2.01"[^}]*\}, \{"name": "oscore", [^}]*"code": "2.05"'
check_has "after RS restart: LED state reset (RS memory)" "$T/restart.out" '"payload": "off"'
run restart2 get $RS1/temp $C1 --json
check_has "after recovery: cached again" "$T/restart2.out" '"round_trips": 1, '

# ---- expired token: a new one ---------------------------------------------
RS2=coap://127.0.0.1:$P2
run exp1 get $RS2/temp $C1 -v
check_eq "rs2 GET exit" 0 $rc
check_has "rs2: 2 s token" "$T/exp1.err" 'expires in 2 s'
run exp2 get $RS2/temp $C1 --json
check_has "rs2: cached within 2 s" "$T/exp2.out" '"round_trips": 1, '
sleep 3
run exp3 get $RS2/temp $C1 --json
check_eq "rs2 after expiry exit" 0 $rc
check_has "rs2 after expiry: new token" "$T/exp3.out" '\{"name": "token", [^}]*"code": "2.01"'
check_has "rs2 after expiry: not from the cache" "$T/exp3.out" '"steps": \[\{"name": "unprotected"'

# ---- failures ---------------------------------------------------------------
run wrong get $RS1/temp --client-id c1 --client-secret wrong --no-cache --timeout 3
check_eq "wrong secret exit" 1 $rc
check_eq "wrong secret stderr" "obol get: DTLS handshake with the AS $AS failed (not done after 3 s): wrong client id or secret, or no AS there" "$(cat "$T/wrong.err")"
check_eq "wrong secret: no output" "" "$(cat "$T/wrong.out")"
run nogrant get coap://127.0.0.1:$P3/temp $C1
check_eq "no grant exit" 1 $rc
check_eq "no grant stderr" "obol get: the AS $AS refused the token: 4.00 Bad Request, invalid_scope (6): no grant for this audience" "$(cat "$T/nogrant.err")"
run ghost get coap://127.0.0.1:$P4/temp $C1
check_eq "unknown audience exit" 1 $rc
check_has "unknown audience: the AS error" "$T/ghost.err" "^obol get: the AS $AS refused the token: 4.00 Bad Request, [a-z_]+ \\([0-9]\\)"
run nocred get $RS1/temp --no-cache
check_eq "no credentials exit" 1 $rc
check_has "no credentials message" "$T/nocred.err" 'give --client-id and --client-secret'
run coapas get $RS1/temp --as coap://127.0.0.1:$ASP2 --client-id c1 --client-secret c1-secret --no-cache
check_eq "coap:// AS without --insecure-dev exit" 1 $rc
check_has "coap:// AS refused" "$T/coapas.err" 'is coap:// \(no DTLS\)'
run insecure get $RS1/temp --as coap://127.0.0.1:$ASP2 --client-id c1 --client-secret c1-secret --no-cache --insecure-dev
check_eq "coap:// AS with --insecure-dev exit" 0 $rc
check_has "coap:// AS with --insecure-dev payload" "$T/insecure.out" ' C$'
FREEP=$(free_port)
run dead get coap://127.0.0.1:$FREEP/temp --no-cache --timeout 2
check_eq "nothing listening exit" 1 $rc
check_has "nothing listening message" "$T/dead.err" "coap://127.0.0.1:$FREEP: (connection refused|no response)"

# ---- credentials from a config file ---------------------------------------
mkdir -p "$XDG_CONFIG_HOME/obol"
printf '{"as": "%s", "client_id": "c1", "client_secret": "c1-secret"}\n' "$AS" \
	>"$XDG_CONFIG_HOME/obol/client.json"
run conf get $RS1/temp --no-cache
check_eq "default config file exit" 0 $rc
printf 'c1-secret\n' >"$T/secret"
run conf2 get $RS1/temp --no-cache --client-secret-file "$T/secret" --config /dev/null 2>/dev/null
check_eq "--config /dev/null (not JSON) exit" 1 $rc
printf '{"client_secret": "wrong"}' >"$T/c.json"
run conf3 get $RS1/temp --no-cache --config "$T/c.json" --client-id c1 --client-secret-file "$T/secret"
check_eq "flags override the config file" 0 $rc
printf '{"secret": "x"}' >"$T/bad.json"
run conf4 get $RS1/temp --no-cache --config "$T/bad.json"
check_eq "unknown config setting exit" 1 $rc
check_has "unknown config setting" "$T/conf4.err" 'unknown setting "secret"'
rm -f "$XDG_CONFIG_HOME/obol/client.json"
# The default cache directory.
run xdg get $RS1/temp $C1 --cache "$XDG_CACHE_HOME/obol" 
run xdg2 get $RS1/temp --client-id c1 --client-secret c1-secret --json
check_has "default cache dir (XDG_CACHE_HOME/obol) reused" "$T/xdg2.out" '"round_trips": 1, '

# ---- usage -----------------------------------------------------------------
run u1 get
check_eq "no URI exit" 2 $rc
run u2 get https://x/temp
check_eq "bad scheme exit" 2 $rc
run u3 get $RS1/temp --payload a --payload-file /dev/null
check_eq "two payloads exit" 2 $rc
run u4 get $RS1/temp --bogus
check_eq "unknown option exit" 2 $rc
run u5 put --help
check_eq "--help exit" 0 $rc
check_has "--help text" "$T/u5.out" '^usage: obol get\|put\|post\|delete'

echo "$checks checks, $fails failed"
[ $fails -eq 0 ]
